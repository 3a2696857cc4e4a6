"""``client.remotes``: the Remote Connections API (/api/v2/remotes), on the shared resource pattern."""

# The public methods take `timeout=` by contract (the API); it is an httpx timeout per request,
# not an asyncio deadline, so ASYNC109's advice does not apply.
# ruff: noqa: ASYNC109

from __future__ import annotations

import builtins
import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Unpack

from influxdb_replications_api.models import RemoteConnectionCreationRequest, RemoteConnectionUpdateRequest

from ..core.args import check_bool, check_id, check_name, check_str, check_url
from ..core.errors import NotFoundError
from ..core.models import RemoteConnection, same
from .endpoints import REMOTES, RemoteConnectionCreationRequestExtras, RemoteConnectionUpdateRequestExtras
from .hints import warn_missing_org
from .lookups import resolve_org_id
from .resource import Resource, Timeout

if TYPE_CHECKING:
    from ..core.client import Core
    from .replications import Replications

__all__ = ["Remotes"]


class Remotes(Resource[RemoteConnection, RemoteConnectionCreationRequest, RemoteConnectionUpdateRequest]):
    """Remote connections: where replications send their data. Reached as ``client.remotes``.

    ``find(name)`` comes from the shared pattern. Every method takes ``timeout=``
    (seconds or httpx.Timeout) and ``trace_span=`` (Zap-Trace-Span) overrides for that call.
    """

    _api = REMOTES

    def __init__(self, client: Core, replications: Callable[[], Replications]) -> None:
        super().__init__(client)
        self._replications = replications

    async def list(
        self,
        *,
        name: str | None = None,
        remote_url: str | None = None,
        timeout: Timeout = None,
        trace_span: str | None = None,
    ) -> builtins.list[RemoteConnection]:
        """List the remote connections of the client's org, in no defined order (possibly ``[]``).

        Args:
            name: Only the remote with exactly this name.
            remote_url: Only remotes with exactly this URL.

        Raises:
            ValueError: empty name, non-http(s) remote_url, or no org configured.
        """
        url = None if remote_url is None else check_url(remote_url, "remote_url")
        filters = {"name": None if name is None else check_name(name, "name"), "url": url}
        return await self._list(filters, timeout, trace_span)

    async def get(
        self, remote_id: str, *, timeout: Timeout = None, trace_span: str | None = None
    ) -> RemoteConnection:
        """Fetch one remote connection by ID (16 hex digits; NotFoundError when there is none)."""
        return await self._get(remote_id, timeout, trace_span)

    async def create(
        self,
        *,
        name: str,
        remote_api_token: str,
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
            remote_api_token: The token used to write to the remote (never returned by the server).
            **fields: The properties of the spec's create request (``RemoteConnectionCreationRequestExtras``),
                by snake_case name: ``remote_url`` (required, http or https), ``remote_org_id`` (the org ID
                on the remote, needed for OSS 2.x and Cloud remotes), ``allow_insecure_tls`` (skip TLS
                certificate checks towards the remote; default False), a ``description``, and any property
                a newer spec adds. None means "not passed".

        Raises:
            ValueError: a bad argument (named in the message), or no org configured.
            AlreadyExistsError: a remote with this name exists in the org.
        """
        name = check_name(name, "name")
        token = check_str(remote_api_token, "remote_api_token")
        values = self._check_create(fields, "create")
        org_id = await resolve_org_id(self._client, timeout, trace_span)
        body = RemoteConnectionCreationRequest(**values, name=name, org_id=org_id, remote_api_token=token)
        parse = warn_missing_org(same, body.remote_org_id, create=True)
        return await self._create(body, values, parse=parse, timeout=timeout, trace_span=trace_span)

    async def update(
        self,
        remote_id: str,
        *,
        name: str | None = None,
        remote_api_token: str | None = None,
        timeout: Timeout = None,
        trace_span: str | None = None,
        **fields: Unpack[RemoteConnectionUpdateRequestExtras],
    ) -> RemoteConnection:
        """Change the given fields of a remote connection; the others stay as they are.

        Only the fields passed are sent (renaming a remote does not touch ``allow_insecure_tls``);
        ``allow_insecure_tls=False`` passed explicitly is sent. None means "not passed": the server cannot
        clear a field. An empty string is sent as it is (``description=""`` sets the description to "").

        Args:
            remote_id: Its ID (16 hex digits).
            name: A new name.
            remote_api_token: A new token for the remote.
            **fields: New values of the spec's update request's properties
                (``RemoteConnectionUpdateRequestExtras``): ``remote_url``, ``remote_org_id``,
                ``allow_insecure_tls``, ``description``, ...

        Raises:
            ValueError: a bad argument (named in the message).
            NotFoundError: no such remote.
            AlreadyExistsError: the new name is taken.
        """
        remote_id = check_id(remote_id, "remote_id")
        keywords: dict[str, str] = {}
        if name is not None:
            keywords["name"] = check_name(name, "name")
        if remote_api_token is not None:
            keywords["remote_api_token"] = check_str(remote_api_token, "remote_api_token")
        body = self._update_body(keywords, fields, "update")
        parse = warn_missing_org(same, body.remote_org_id)
        return await self._update(remote_id, body, parse=parse, timeout=timeout, trace_span=trace_span)

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
        ``cascade=True`` the remote's replications are deleted first through ``client.replications``, as
        ``influx remote delete --delete-replications`` does: the remote is fetched (for its org), its
        replications are listed and deleted (one already gone is fine), then the remote is deleted.

        Args:
            remote_id: Its ID (16 hex digits).
            cascade: Delete the replications that use it first.
            timeout: Timeout for each request of this call.

        Raises:
            ValueError: remote_id is not 16 hex digits.
            NotFoundError: no such remote.
            RemoteInUseError: a replication still uses it (cascade=False, or one was added meanwhile).
        """
        remote_id = check_id(remote_id, "remote_id")
        check_bool(cascade, "cascade")
        if cascade:
            replications = self._replications()
            remote = await self.get(remote_id, timeout=timeout, trace_span=trace_span)
            for replication in await replications._of_remote(remote, timeout, trace_span):
                with contextlib.suppress(NotFoundError):  # deleted meanwhile: that is what we want
                    await replications.delete(replication.id, timeout=timeout, trace_span=trace_span)
        await self._delete(remote_id, timeout, trace_span)
