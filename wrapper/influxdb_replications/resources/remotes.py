"""``client.remotes``: the Remote Connections API (/api/v2/remotes)."""

# The public methods take `timeout=` by contract (the API); it is an httpx timeout per request,
# not an asyncio deadline, so ASYNC109's advice does not apply.
# ruff: noqa: ASYNC109

from __future__ import annotations

import builtins
import contextlib
from typing import TYPE_CHECKING, Any, Unpack

import httpx

from influxdb_replications_api.api.remote_connections import (
    delete_remote_connection_by_id,
    get_remote_connection_by_id,
    get_remote_connections,
    patch_remote_connection_by_id,
    post_remote_connection,
)
from influxdb_replications_api.api.replications import delete_replication_by_id, get_replications
from influxdb_replications_api.models.remote_connection_creation_request import (
    RemoteConnectionCreationRequest,
    RemoteConnectionCreationRequestExtras,
)
from influxdb_replications_api.models.remote_connection_update_request import (
    RemoteConnectionUpdateRequest,
    RemoteConnectionUpdateRequestExtras,
)

from ..core.args import check_bool, check_id, check_name, check_str, check_url
from ..core.client import Reconcile, ignore_body
from ..core.errors import AlreadyExistsError, APIStatusError, NotFoundError
from ..core.fields import REMOTE, check_extras
from ..core.models import RemoteConnection, Replications, remotes_of, replications_of, same
from .hints import explain, warn_missing_org
from .lookups import resolve_org_id

if TYPE_CHECKING:
    from ..core.client import Core

__all__ = ["Remotes"]

Timeout = float | httpx.Timeout | None


class Remotes:
    """Remote connections: where replications send their data. Reached as ``client.remotes``.

    Every method takes ``timeout=`` (seconds or httpx.Timeout) and ``trace_span=`` (Zap-Trace-Span)
    overrides for that call.
    """

    def __init__(self, client: Core) -> None:
        self._client = client

    async def list(
        self,
        *,
        name: str | None = None,
        remote_url: str | None = None,
        timeout: Timeout = None,
        trace_span: str | None = None,
    ) -> builtins.list[RemoteConnection]:
        """List the remote connections of the client's org.

        Args:
            name: Only the remote with exactly this name.
            remote_url: Only remotes with exactly this URL.
            timeout: Timeout for this call.
            trace_span: Zap-Trace-Span for this call.

        Returns:
            The remotes, possibly empty (the server's ``{"remotes": null}`` is ``[]``), in no defined order.

        Raises:
            ValueError: empty name, non-http(s) remote_url, or no org configured.
            APIStatusError: a subclass for the server's answer (e.g. UnauthorizedError).
            APIConnectionError: the server could not be reached.
        """
        if name is not None:
            check_name(name, "name")
        if remote_url is not None:
            check_url(remote_url, "remote_url")
        return await self._list(name=name, remote_url=remote_url, timeout=timeout, trace_span=trace_span)

    async def _list(
        self,
        *,
        name: str | None,
        remote_url: str | None = None,
        timeout: Timeout,
        trace_span: str | None,
        attempts: int | None = None,
    ) -> builtins.list[RemoteConnection]:
        client = self._client
        org_id = await resolve_org_id(client, timeout, trace_span)
        return await client._request(
            "remotes.list",
            lambda c, span: get_remote_connections.asyncio_detailed(
                client=c,
                org_id=org_id,
                name=name,
                remote_url=remote_url,
                zap_trace_span=span,
            ),
            parse=remotes_of,
            timeout=timeout,
            trace_span=trace_span,
            attempts=attempts,
        )

    async def get(
        self, remote_id: str, *, timeout: Timeout = None, trace_span: str | None = None
    ) -> RemoteConnection:
        """Fetch one remote connection.

        Args:
            remote_id: Its ID (16 hex digits).
            timeout: Timeout for this call.
            trace_span: Zap-Trace-Span for this call.

        Returns:
            The remote connection.

        Raises:
            ValueError: remote_id is not 16 hex digits.
            NotFoundError: no such remote.
            UnauthorizedError: the token may not read it (InfluxDB answers 401, not 403).
            APIConnectionError: the server could not be reached.
        """
        remote_id = check_id(remote_id, "remote_id")
        return await self._client._request(
            "remotes.get",
            lambda c, span: get_remote_connection_by_id.asyncio_detailed(
                client=c,
                remote_id=remote_id,
                zap_trace_span=span,
            ),
            parse=same,
            timeout=timeout,
            trace_span=trace_span,
        )

    async def find(
        self, name: str, *, timeout: Timeout = None, trace_span: str | None = None
    ) -> RemoteConnection | None:
        """Find the remote connection with exactly this name in the client's org.

        Args:
            name: The name (names are case-sensitive and unique per org).
            timeout: Timeout for this call.
            trace_span: Zap-Trace-Span for this call.

        Returns:
            The remote, or None when there is none.

        Raises:
            ValueError: empty name, or no org configured.
            APIStatusError: a subclass for the server's answer.
            APIConnectionError: the server could not be reached.
        """
        check_name(name, "name")
        found = await self._list(name=name, timeout=timeout, trace_span=trace_span)
        return next((remote for remote in found if remote.name == name), None)

    async def create(
        self,
        *,
        name: str,
        remote_url: str,
        remote_api_token: str,
        remote_org_id: str | None = None,
        allow_insecure_tls: bool = False,
        description: str | None = None,
        timeout: Timeout = None,
        trace_span: str | None = None,
        **fields: Unpack[RemoteConnectionCreationRequestExtras],
    ) -> RemoteConnection:
        """Create a remote connection in the client's org.

        The server does not check the remote; use ``replications.validate(...)`` for that. Create is not
        idempotent: after an ambiguous failure (timeout after sending, 502/504, connection reset) the name
        is looked up; an existing remote equal to what was asked is returned, a different one raises
        AlreadyExistsError naming the differing fields, and if there is none the create is sent again
        (within the same attempts and deadline).

        Args:
            name: Its name, unique in the org.
            remote_url: The remote InfluxDB's URL (http or https).
            remote_api_token: The token used to write to the remote (never returned by the server).
            remote_org_id: The org ID on the remote (needed for OSS 2.x and Cloud remotes).
            allow_insecure_tls: Skip TLS certificate checks towards the remote.
            description: A description.
            timeout: Timeout for this call.
            trace_span: Zap-Trace-Span for this call.
            **fields: Any other optional property of the spec's create request, by its snake_case name
                (``RemoteConnectionCreationRequestExtras``); sent only when given and not None.

        Returns:
            The created remote connection.

        Raises:
            ValueError: a bad argument (named in the message), or no org configured.
            AlreadyExistsError: a remote with this name exists in the org.
            APIStatusError: another subclass for the server's answer.
            APIConnectionError: the server could not be reached.
        """
        name = check_name(name, "name")
        remote_url = check_url(remote_url, "remote_url")
        check_str(remote_api_token, "remote_api_token")
        if remote_org_id is not None:
            remote_org_id = check_id(remote_org_id, "remote_org_id")
        check_bool(allow_insecure_tls, "allow_insecure_tls")
        if description is not None:
            check_str(description, "description")
        extras = check_extras(REMOTE.create, fields, "create")
        client = self._client
        org_id = await resolve_org_id(client, timeout, trace_span)
        body = RemoteConnectionCreationRequest(
            name=name,
            org_id=org_id,
            remote_api_token=remote_api_token,
            remote_url=remote_url,
            allow_insecure_tls=allow_insecure_tls,
            remote_org_id=remote_org_id,
            description=description,
            **extras,
        )
        wanted = {
            "org_id": org_id,
            "remote_url": remote_url,
            "remote_org_id": remote_org_id,
            "allow_insecure_tls": allow_insecure_tls,
            "description": description,
            # extras the server reports back are compared too (a write-only one cannot be)
            **{name: value for name, value in extras.items() if name in REMOTE.returned},
        }

        async def lookup() -> RemoteConnection | None:
            found = await self._list(name=name, timeout=timeout, trace_span=trace_span, attempts=1)
            return next((remote for remote in found if remote.name == name), None)

        def verify(found: RemoteConnection) -> RemoteConnection:
            differ = [field for field, value in wanted.items() if getattr(found, field) != value]
            if differ:
                raise AlreadyExistsError(
                    f"a remote connection named {name!r} already exists with different "
                    f"{', '.join(differ)} (id {found.id})",
                    status_code=500,
                    code="internal error",
                )
            return found

        return await client._request(
            "remotes.create",
            lambda c, span: post_remote_connection.asyncio_detailed(
                client=c,
                body=body,
                zap_trace_span=span,
            ),
            parse=warn_missing_org(same, remote_org_id, create=True),
            timeout=timeout,
            trace_span=trace_span,
            reconcile=Reconcile(lookup=lookup, verify=verify),
        )

    async def update(
        self,
        remote_id: str,
        *,
        name: str | None = None,
        remote_url: str | None = None,
        remote_api_token: str | None = None,
        remote_org_id: str | None = None,
        allow_insecure_tls: bool | None = None,
        description: str | None = None,
        timeout: Timeout = None,
        trace_span: str | None = None,
        **fields: Unpack[RemoteConnectionUpdateRequestExtras],
    ) -> RemoteConnection:
        """Change the given fields of a remote connection; the others stay as they are.

        Only the fields passed are sent (renaming a remote does not touch allow_insecure_tls);
        ``allow_insecure_tls=False`` passed explicitly is sent. None means "not passed": the server cannot
        clear a field. ``description=""`` sets the description to "".

        Args:
            remote_id: Its ID (16 hex digits).
            name: A new name.
            remote_url: A new URL (http or https).
            remote_api_token: A new token for the remote.
            remote_org_id: A new org ID on the remote.
            allow_insecure_tls: Skip TLS certificate checks towards the remote, or not.
            description: A new description.
            timeout: Timeout for this call.
            trace_span: Zap-Trace-Span for this call.
            **fields: Any other optional property of the spec's update request, by its snake_case name
                (``RemoteConnectionUpdateRequestExtras``); sent only when given and not None.

        Returns:
            The updated remote connection.

        Raises:
            ValueError: a bad argument (named in the message).
            NotFoundError: no such remote.
            AlreadyExistsError: the new name is taken.
            APIStatusError: another subclass for the server's answer.
            APIConnectionError: the server could not be reached.
        """
        remote_id = check_id(remote_id, "remote_id")
        changes: dict[str, Any] = {}
        if name is not None:
            changes["name"] = check_name(name, "name")
        if remote_url is not None:
            changes["remote_url"] = check_url(remote_url, "remote_url")
        if remote_api_token is not None:
            changes["remote_api_token"] = check_str(remote_api_token, "remote_api_token")
        if remote_org_id is not None:
            changes["remote_org_id"] = check_id(remote_org_id, "remote_org_id")
        if allow_insecure_tls is not None:
            changes["allow_insecure_tls"] = check_bool(allow_insecure_tls, "allow_insecure_tls")
        if description is not None:
            changes["description"] = check_str(description, "description")
        changes.update(check_extras(REMOTE.update, fields, "update"))
        body = RemoteConnectionUpdateRequest(**changes)
        return await self._client._request(
            "remotes.update",
            lambda c, span: patch_remote_connection_by_id.asyncio_detailed(
                client=c,
                remote_id=remote_id,
                body=body,
                zap_trace_span=span,
            ),
            parse=warn_missing_org(same, remote_org_id),
            timeout=timeout,
            trace_span=trace_span,
        )

    async def delete(
        self,
        remote_id: str,
        *,
        cascade: bool = False,
        timeout: Timeout = None,
        trace_span: str | None = None,
    ) -> None:
        """Delete a remote connection.

        The server refuses to delete a remote that a replication uses (RemoteInUseError). With
        ``cascade=True`` the remote's replications are deleted first, as ``influx remote delete
        --delete-replications`` does: the remote is fetched (for its org), its replications are listed
        and deleted (one already gone is fine), then the remote is deleted.

        Args:
            remote_id: Its ID (16 hex digits).
            cascade: Delete the replications that use it first.
            timeout: Timeout for each request of this call.
            trace_span: Zap-Trace-Span for this call.

        Raises:
            ValueError: remote_id is not 16 hex digits.
            NotFoundError: no such remote.
            RemoteInUseError: a replication still uses it (cascade=False, or one was added meanwhile).
            APIStatusError: another subclass for the server's answer.
            APIConnectionError: the server could not be reached.
        """
        remote_id = check_id(remote_id, "remote_id")
        check_bool(cascade, "cascade")
        client = self._client
        if cascade:
            remote = await self.get(remote_id, timeout=timeout, trace_span=trace_span)

            def replication_ids(page: Replications) -> builtins.list[str]:
                return [replication.id for replication in replications_of(page)]

            try:
                ids = await client._request(
                    "replications.list",
                    lambda c, span: get_replications.asyncio_detailed(
                        client=c,
                        org_id=remote.org_id,
                        remote_id=remote_id,
                        zap_trace_span=span,
                    ),
                    parse=replication_ids,
                    timeout=timeout,
                    trace_span=trace_span,
                )
                for replication_id in ids:
                    with contextlib.suppress(NotFoundError):  # deleted meanwhile: that is what we want
                        await client._request(
                            "replications.delete",
                            # awaited in this iteration: the loop variable is the one meant
                            lambda c, span: delete_replication_by_id.asyncio_detailed(
                                client=c,
                                replication_id=replication_id,  # noqa: B023
                                zap_trace_span=span,
                            ),
                            parse=ignore_body,
                            timeout=timeout,
                            trace_span=trace_span,
                        )
            except APIStatusError as exc:
                raise explain(exc) from exc.__cause__
        await client._request(
            "remotes.delete",
            lambda c, span: delete_remote_connection_by_id.asyncio_detailed(
                client=c,
                remote_id=remote_id,
                zap_trace_span=span,
            ),
            parse=ignore_body,
            timeout=timeout,
            trace_span=trace_span,
        )
