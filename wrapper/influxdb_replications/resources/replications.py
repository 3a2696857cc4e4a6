"""``client.replications``: the Replications API (/api/v2/replications)."""

# The public methods take `timeout=` by contract (the API); it is an httpx timeout per request,
# not an asyncio deadline, so ASYNC109's advice does not apply.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import builtins
import inspect
import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Unpack

import httpx

from influxdb_replications_api.api.replications import (
    delete_replication_by_id,
    get_replication_by_id,
    get_replications,
    patch_replication_by_id,
    post_replication,
    post_validate_replication_by_id,
)
from influxdb_replications_api.models.replication_creation_request import (
    ReplicationCreationRequest,
    ReplicationCreationRequestExtras,
)
from influxdb_replications_api.models.replication_update_request import (
    ReplicationUpdateRequest,
    ReplicationUpdateRequestExtras,
)

from ..core.args import (
    DEFAULT_MAX_AGE_SECONDS,
    DEFAULT_QUEUE_SIZE_BYTES,
    check_bool,
    check_id,
    check_max_age,
    check_name,
    check_queue_size,
    check_str,
    exactly_one_bucket,
    is_id,
)
from ..core.client import Reconcile, ignore_body
from ..core.errors import (
    AlreadyExistsError,
    APIStatusError,
    InfluxDBError,
    NotFoundError,
    ValidationFailedError,
)
from ..core.fields import REPLICATION, check_extras
from ..core.models import RemoteConnection, Replication, replications_of, same
from .health import ReplicationStatus, SyncTimeoutError, assess, check_ratio, format_bytes
from .hints import by_name_hint, explain, hint_sentence, warn_max_age_change
from .lookups import resolve_bucket_id, resolve_org_id

if TYPE_CHECKING:
    from ..core.client import Core
    from .remotes import Remotes

__all__ = ["Replications"]

Timeout = float | httpx.Timeout | None
RemoteRef = str | RemoteConnection


def _check_remote(remote: Any, arg: str = "remote") -> RemoteRef:
    if isinstance(remote, RemoteConnection):
        return remote
    if not isinstance(remote, str) or not remote:
        raise ValueError(f"{arg} must be a remote ID, a remote name or a RemoteConnection, got {remote!r}")
    return remote.lower() if is_id(remote) else remote


def _check_bucket(bucket: Any, arg: str = "local_bucket") -> str:
    if not isinstance(bucket, str) or not bucket:
        raise ValueError(f"{arg} must be a bucket ID or a bucket name, got {bucket!r}")
    return bucket.lower() if is_id(bucket) else bucket


class Replications:
    """Replication streams from a local bucket to a remote. Reached as ``client.replications``.

    Wherever a method takes ``remote``, it accepts a RemoteConnection, a remote ID or a remote name;
    wherever it takes ``local_bucket``, a bucket ID or a bucket name. A string of exactly 16 hex digits is
    an ID, anything else a name, looked up in the client's org (NotFoundError when there is none).
    Every method takes ``timeout=`` and ``trace_span=`` overrides for that call.
    """

    def __init__(self, client: Core, remotes: Remotes) -> None:
        self._client = client
        self._remotes = remotes

    # ------------------------------------------------------------------ helpers

    async def _remote_id(self, remote: RemoteRef, timeout: Timeout, trace_span: str | None) -> str:
        if isinstance(remote, RemoteConnection):
            return remote.id
        if is_id(remote):
            return remote
        found = await self._remotes.find(remote, timeout=timeout, trace_span=trace_span)
        if found is None:
            raise NotFoundError(f"remote connection {remote!r} not found", status_code=404, code="not found")
        return found.id

    async def _bucket_id(self, bucket: str, timeout: Timeout, trace_span: str | None) -> str:
        if is_id(bucket):
            return bucket
        return await resolve_bucket_id(self._client, bucket, timeout, trace_span)

    async def _list(
        self,
        *,
        name: str | None = None,
        remote_id: str | None = None,
        local_bucket_id: str | None = None,
        timeout: Timeout,
        trace_span: str | None,
        attempts: int | None = None,
    ) -> builtins.list[Replication]:
        client = self._client
        org_id = await resolve_org_id(client, timeout, trace_span)
        try:
            return await client._request(
                "replications.list",
                lambda c, span: get_replications.asyncio_detailed(
                    client=c,
                    org_id=org_id,
                    name=name,
                    remote_id=remote_id,
                    local_bucket_id=local_bucket_id,
                    zap_trace_span=span,
                ),
                parse=replications_of,
                timeout=timeout,
                trace_span=trace_span,
                attempts=attempts,
            )
        except APIStatusError as exc:
            raise explain(exc) from exc.__cause__

    # ------------------------------------------------------------------ read

    async def list(
        self,
        *,
        name: str | None = None,
        remote: RemoteRef | None = None,
        local_bucket: str | None = None,
        timeout: Timeout = None,
        trace_span: str | None = None,
    ) -> builtins.list[Replication]:
        """List the replications of the client's org.

        Args:
            name: Only the replication with exactly this name.
            remote: Only those writing to this remote (RemoteConnection, ID or name).
            local_bucket: Only those copying this local bucket (ID or name).
            timeout: Timeout for this call.
            trace_span: Zap-Trace-Span for this call.

        Returns:
            The replications, possibly empty (the server's ``{"replications": null}`` is ``[]``), in no
            defined order.

        Raises:
            ValueError: a bad argument, or no org configured.
            NotFoundError: a remote or bucket name that does not exist.
            APIStatusError: another subclass for the server's answer.
            APIConnectionError: the server could not be reached.
        """
        if name is not None:
            check_name(name, "name")
        remote_ref = None if remote is None else _check_remote(remote)
        bucket = None if local_bucket is None else _check_bucket(local_bucket)
        remote_id = None if remote_ref is None else await self._remote_id(remote_ref, timeout, trace_span)
        bucket_id = None if bucket is None else await self._bucket_id(bucket, timeout, trace_span)
        return await self._list(
            name=name, remote_id=remote_id, local_bucket_id=bucket_id, timeout=timeout, trace_span=trace_span
        )

    async def get(
        self, replication_id: str, *, timeout: Timeout = None, trace_span: str | None = None
    ) -> Replication:
        """Fetch one replication, with its live queue sizes and latest write result.

        Args:
            replication_id: Its ID (16 hex digits).
            timeout: Timeout for this call.
            trace_span: Zap-Trace-Span for this call.

        Returns:
            The replication.

        Raises:
            ValueError: replication_id is not 16 hex digits.
            NotFoundError: no such replication.
            UnauthorizedError: the token may not read it (InfluxDB answers 401, not 403).
            APIConnectionError: the server could not be reached.
        """
        replication_id = check_id(replication_id, "replication_id")
        return await self._client._request(
            "replications.get",
            lambda c, span: get_replication_by_id.asyncio_detailed(
                client=c,
                replication_id=replication_id,
                zap_trace_span=span,
            ),
            parse=same,
            timeout=timeout,
            trace_span=trace_span,
        )

    async def find(
        self, name: str, *, timeout: Timeout = None, trace_span: str | None = None
    ) -> Replication | None:
        """Find the replication with exactly this name in the client's org.

        Args:
            name: The name (case-sensitive, unique per org).
            timeout: Timeout for this call.
            trace_span: Zap-Trace-Span for this call.

        Returns:
            The replication, or None when there is none.

        Raises:
            ValueError: empty name, or no org configured.
            APIStatusError: a subclass for the server's answer.
            APIConnectionError: the server could not be reached.
        """
        check_name(name, "name")
        found = await self._list(name=name, timeout=timeout, trace_span=trace_span)
        return next((item for item in found if item.name == name), None)

    # ------------------------------------------------------------------ create

    async def _create_body(
        self,
        *,
        name: str,
        remote: Any,
        local_bucket: Any,
        remote_bucket: str | None,
        remote_bucket_id: str | None,
        max_queue_size_bytes: int,
        max_age_seconds: int,
        drop_non_retryable_data: bool,
        description: str | None,
        fields: dict[str, Any],
        method: str,
        timeout: Timeout,
        trace_span: str | None,
    ) -> tuple[ReplicationCreationRequest, dict[str, Any]]:
        # every check first, then the look-ups (I/O)
        name = check_name(name, "name")
        remote_ref = _check_remote(remote)
        bucket = _check_bucket(local_bucket)
        exactly_one_bucket(remote_bucket, remote_bucket_id)
        if remote_bucket is not None:
            check_name(remote_bucket, "remote_bucket")
        if remote_bucket_id is not None:
            remote_bucket_id = check_id(remote_bucket_id, "remote_bucket_id")
        check_queue_size(max_queue_size_bytes)
        check_max_age(max_age_seconds)
        check_bool(drop_non_retryable_data, "drop_non_retryable_data")
        if description is not None:
            check_str(description, "description")
        extras = check_extras(REPLICATION.create, fields, method)
        org_id = await resolve_org_id(self._client, timeout, trace_span)
        remote_id = await self._remote_id(remote_ref, timeout, trace_span)
        bucket_id = await self._bucket_id(bucket, timeout, trace_span)
        body = ReplicationCreationRequest(
            name=name,
            org_id=org_id,
            remote_id=remote_id,
            local_bucket_id=bucket_id,
            max_queue_size_bytes=max_queue_size_bytes,
            max_age_seconds=max_age_seconds,
            drop_non_retryable_data=drop_non_retryable_data,
            # the server keeps the ID and blanks the name when both are sent; we send exactly one
            remote_bucket_id=remote_bucket_id,
            remote_bucket_name=remote_bucket,
            description=description,
            **extras,
        )
        wanted = {
            "org_id": org_id,
            "remote_id": remote_id,
            "local_bucket_id": bucket_id,
            "remote_bucket_id": remote_bucket_id,
            "remote_bucket_name": remote_bucket or "",
            "max_queue_size_bytes": max_queue_size_bytes,
            "max_age_seconds": max_age_seconds,
            "drop_non_retryable_data": drop_non_retryable_data,
            "description": description,
            # extras the server reports back are compared too (a write-only one cannot be)
            **{name: value for name, value in extras.items() if name in REPLICATION.returned},
        }
        return body, wanted

    async def create(
        self,
        *,
        name: str,
        remote: RemoteRef,
        local_bucket: str,
        remote_bucket: str | None = None,
        remote_bucket_id: str | None = None,
        max_queue_size_bytes: int = DEFAULT_QUEUE_SIZE_BYTES,
        max_age_seconds: int = DEFAULT_MAX_AGE_SECONDS,
        drop_non_retryable_data: bool = False,
        description: str | None = None,
        timeout: Timeout = None,
        trace_span: str | None = None,
        **fields: Unpack[ReplicationCreationRequestExtras],
    ) -> Replication:
        """Create a replication from a local bucket to a bucket on a remote.

        Create is not idempotent: after an ambiguous failure (timeout after sending, 502/504, connection
        reset) the name is looked up; an existing replication equal to what was asked is returned, a
        different one raises AlreadyExistsError naming the differing fields, and if there is none the
        create is sent again (within the same attempts and deadline).

        Args:
            name: Its name, unique in the org.
            remote: The remote connection: a RemoteConnection, its ID (16 hex digits) or its name.
            local_bucket: The local bucket: its ID (exactly 16 hex digits) or its name (anything else).
            remote_bucket: The target bucket's name on the remote (exactly one of this and
                remote_bucket_id).
            remote_bucket_id: The target bucket's ID on the remote.
            max_queue_size_bytes: The queue's size limit; at least 33554430.
            max_age_seconds: How long queued data is kept: 0 or 60..5184000. 0 means "never purge" on
                servers before v2.9 and "the default, one week" from v2.9 on.
            drop_non_retryable_data: Drop data the remote refuses with 400 instead of retrying it.
            description: A description.
            timeout: Timeout for this call.
            trace_span: Zap-Trace-Span for this call.
            **fields: Any other optional property of the spec's create request, by its snake_case name
                (``ReplicationCreationRequestExtras``); sent only when given and not None.

        Returns:
            The created replication (its queue sizes are 0 in the server's create response).

        Raises:
            ValueError: a bad argument (named in the message), or no org configured.
            NotFoundError: a remote or local bucket name that does not exist.
            AlreadyExistsError: a replication with this name exists in the org.
            BadRequestError: e.g. the local bucket or the remote ID does not exist.
            APIStatusError: another subclass for the server's answer.
            APIConnectionError: the server could not be reached.
        """
        body, wanted = await self._create_body(
            name=name,
            remote=remote,
            local_bucket=local_bucket,
            remote_bucket=remote_bucket,
            remote_bucket_id=remote_bucket_id,
            max_queue_size_bytes=max_queue_size_bytes,
            max_age_seconds=max_age_seconds,
            drop_non_retryable_data=drop_non_retryable_data,
            description=description,
            fields=dict(fields),
            method="create",
            timeout=timeout,
            trace_span=trace_span,
        )

        async def lookup() -> Replication | None:
            found = await self._list(name=body.name, timeout=timeout, trace_span=trace_span, attempts=1)
            return next((item for item in found if item.name == body.name), None)

        def verify(found: Replication) -> Replication:
            differ = []
            for field, value in wanted.items():
                got = getattr(found, field)
                if field == "remote_bucket_name":
                    got = got or ""
                elif field == "max_age_seconds" and got is None:
                    continue  # servers before v2.2 do not report it
                if got != value:
                    differ.append(field)
            if differ:
                raise AlreadyExistsError(
                    f"a replication named {body.name!r} already exists with different "
                    f"{', '.join(differ)} (id {found.id})",
                    status_code=500,
                    code="internal error",
                )
            return found

        return await self._client._request(
            "replications.create",
            lambda c, span: post_replication.asyncio_detailed(
                client=c,
                body=body,
                zap_trace_span=span,
            ),
            parse=same,
            timeout=timeout,
            trace_span=trace_span,
            reconcile=Reconcile(lookup=lookup, verify=verify),
        )

    async def validate_create(
        self,
        *,
        name: str,
        remote: RemoteRef,
        local_bucket: str,
        remote_bucket: str | None = None,
        remote_bucket_id: str | None = None,
        max_queue_size_bytes: int = DEFAULT_QUEUE_SIZE_BYTES,
        max_age_seconds: int = DEFAULT_MAX_AGE_SECONDS,
        drop_non_retryable_data: bool = False,
        description: str | None = None,
        timeout: Timeout = None,
        trace_span: str | None = None,
        **fields: Unpack[ReplicationCreationRequestExtras],
    ) -> None:
        """Check a replication against the remote without creating it (POST ?validate=true).

        The server writes an empty batch to the remote with these settings; nothing is saved. It does not
        check name uniqueness. With ``remote_bucket=NAME`` the check cannot succeed on a real server (it
        validates by bucket ID only and sends an empty bucket); the error then says so.

        Args:
            name: As for ``create``.
            remote: As for ``create``.
            local_bucket: As for ``create``.
            remote_bucket: As for ``create``.
            remote_bucket_id: As for ``create``.
            max_queue_size_bytes: As for ``create``.
            max_age_seconds: As for ``create``.
            drop_non_retryable_data: As for ``create``.
            description: As for ``create``.
            timeout: Timeout for this call.
            trace_span: Zap-Trace-Span for this call.
            **fields: As for ``create``.

        Raises:
            ValueError: a bad argument (named in the message), or no org configured.
            ValidationFailedError: the server could not write to the remote (its reason in the message).
            BadRequestError: another refusal (unknown local bucket or remote, too small a queue).
            NotFoundError: a remote or local bucket name that does not exist.
            APIStatusError: another subclass for the server's answer.
            APIConnectionError: the server could not be reached.
        """
        body, _ = await self._create_body(
            name=name,
            remote=remote,
            local_bucket=local_bucket,
            remote_bucket=remote_bucket,
            remote_bucket_id=remote_bucket_id,
            max_queue_size_bytes=max_queue_size_bytes,
            max_age_seconds=max_age_seconds,
            drop_non_retryable_data=drop_non_retryable_data,
            description=description,
            fields=dict(fields),
            method="validate_create",
            timeout=timeout,
            trace_span=trace_span,
        )
        try:
            await self._client._request(
                "replications.validate_create",
                lambda c, span: post_replication.asyncio_detailed(
                    client=c,
                    body=body,
                    validate=True,  # sent as exactly "true", the only value the server recognises
                    zap_trace_span=span,
                ),
                parse=ignore_body,
                timeout=timeout,
                trace_span=trace_span,
                expect_status=204,
            )
        except ValidationFailedError as exc:
            if remote_bucket is None:
                raise explain(exc) from exc.__cause__
            raise exc.with_hint(by_name_hint(update=False)) from None  # contract note 8

    # ------------------------------------------------------------------ update

    async def _update_body(
        self,
        *,
        name: str | None,
        description: str | None,
        remote: Any,
        remote_bucket: str | None,
        remote_bucket_id: str | None,
        max_queue_size_bytes: int | None,
        max_age_seconds: int | None,
        drop_non_retryable_data: bool | None,
        fields: dict[str, Any],
        method: str,
        timeout: Timeout,
        trace_span: str | None,
    ) -> ReplicationUpdateRequest:
        # None means "not passed" (contract note 7): the server cannot clear a field anyway.
        body: dict[str, Any] = {}
        if name is not None:
            body["name"] = check_name(name, "name")
        if description is not None:
            body["description"] = check_str(description, "description")
        remote_ref = None if remote is None else _check_remote(remote)
        if remote_bucket is not None and remote_bucket_id is not None:
            raise ValueError("pass at most one of remote_bucket (a name) and remote_bucket_id")
        if remote_bucket is not None:
            body["remote_bucket_name"] = check_name(remote_bucket, "remote_bucket")
        if remote_bucket_id is not None:
            body["remote_bucket_id"] = check_id(remote_bucket_id, "remote_bucket_id")
            # The writer prefers a non-empty stored name over the ID, so switching a name-based target to
            # an ID needs the name blanked in the same request; with a non-null ID this never violates
            # the one-of CHECK constraint, and on an ID-based replication the name is already "".
            # See reference 3.6, "Bucket-target pitfalls".
            body["remote_bucket_name"] = ""
        if max_queue_size_bytes is not None:
            body["max_queue_size_bytes"] = check_queue_size(max_queue_size_bytes)
        if max_age_seconds is not None:
            body["max_age_seconds"] = check_max_age(max_age_seconds)
        if drop_non_retryable_data is not None:
            body["drop_non_retryable_data"] = check_bool(drop_non_retryable_data, "drop_non_retryable_data")
        body.update(check_extras(REPLICATION.update, fields, method))
        if remote_ref is not None:
            body["remote_id"] = await self._remote_id(remote_ref, timeout, trace_span)
        return ReplicationUpdateRequest(**body)

    async def update(
        self,
        replication_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        remote: RemoteRef | None = None,
        remote_bucket: str | None = None,
        remote_bucket_id: str | None = None,
        max_queue_size_bytes: int | None = None,
        max_age_seconds: int | None = None,
        drop_non_retryable_data: bool | None = None,
        timeout: Timeout = None,
        trace_span: str | None = None,
        **fields: Unpack[ReplicationUpdateRequestExtras],
    ) -> Replication:
        """Change the given fields of a replication; the others stay as they are.

        Only the fields passed are sent; None means "not passed" (the server cannot clear a field).
        ``description=""`` sets the description to "". Passing ``remote_bucket_id`` also sends
        ``"remoteBucketName": ""`` so that a replication that targeted a bucket by name really switches to
        the ID (the server would otherwise keep writing to the name). A new ``max_age_seconds`` only takes
        effect on the server after a restart.

        Args:
            replication_id: Its ID (16 hex digits).
            name: A new name.
            description: A new description.
            remote: A new remote: RemoteConnection, ID or name.
            remote_bucket: A new target bucket name on the remote.
            remote_bucket_id: A new target bucket ID on the remote (at most one of the two).
            max_queue_size_bytes: A new queue size limit, at least 33554430.
            max_age_seconds: 0 or 60..5184000 (0: "never purge" before server v2.9, one week from v2.9).
            drop_non_retryable_data: Drop data the remote refuses with 400, or not.
            timeout: Timeout for this call.
            trace_span: Zap-Trace-Span for this call.
            **fields: Any other optional property of the spec's update request, by its snake_case name
                (``ReplicationUpdateRequestExtras``); sent only when given and not None.

        Returns:
            The updated replication.

        Raises:
            ValueError: a bad argument (named in the message).
            NotFoundError: no such replication (or remote name).
            AlreadyExistsError: the new name is taken.
            BadRequestError: e.g. the new remote does not exist.
            APIStatusError: another subclass for the server's answer.
            APIConnectionError: the server could not be reached.
        """
        replication_id = check_id(replication_id, "replication_id")
        body = await self._update_body(
            name=name,
            description=description,
            remote=remote,
            remote_bucket=remote_bucket,
            remote_bucket_id=remote_bucket_id,
            max_queue_size_bytes=max_queue_size_bytes,
            max_age_seconds=max_age_seconds,
            drop_non_retryable_data=drop_non_retryable_data,
            fields=dict(fields),
            method="update",
            timeout=timeout,
            trace_span=trace_span,
        )
        return await self._client._request(
            "replications.update",
            lambda c, span: patch_replication_by_id.asyncio_detailed(
                client=c,
                replication_id=replication_id,
                body=body,
                zap_trace_span=span,
            ),
            parse=warn_max_age_change(same, max_age_seconds),
            timeout=timeout,
            trace_span=trace_span,
        )

    async def validate_update(
        self,
        replication_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        remote: RemoteRef | None = None,
        remote_bucket: str | None = None,
        remote_bucket_id: str | None = None,
        max_queue_size_bytes: int | None = None,
        max_age_seconds: int | None = None,
        drop_non_retryable_data: bool | None = None,
        timeout: Timeout = None,
        trace_span: str | None = None,
        **fields: Unpack[ReplicationUpdateRequestExtras],
    ) -> None:
        """Check an update against the remote without applying it (PATCH ?validate=true).

        The server applies only ``remote`` and ``remote_bucket_id`` to the stored settings for the check;
        every other field is ignored. On a replication that targets a bucket by name, the stored name still
        wins over a new ``remote_bucket_id``; the error then says so.

        Args:
            replication_id: Its ID (16 hex digits).
            name: As for ``update``.
            description: As for ``update``.
            remote: As for ``update``.
            remote_bucket: As for ``update``.
            remote_bucket_id: As for ``update``.
            max_queue_size_bytes: As for ``update``.
            max_age_seconds: As for ``update``.
            drop_non_retryable_data: As for ``update``.
            timeout: Timeout for this call.
            trace_span: Zap-Trace-Span for this call.
            **fields: As for ``update``.

        Raises:
            ValueError: a bad argument (named in the message).
            ValidationFailedError: the server could not write to the remote (its reason in the message).
            BadRequestError: another refusal (e.g. the new remote does not exist).
            NotFoundError: no such replication.
            APIStatusError: another subclass for the server's answer.
            APIConnectionError: the server could not be reached.
        """
        replication_id = check_id(replication_id, "replication_id")
        body = await self._update_body(
            name=name,
            description=description,
            remote=remote,
            remote_bucket=remote_bucket,
            remote_bucket_id=remote_bucket_id,
            max_queue_size_bytes=max_queue_size_bytes,
            max_age_seconds=max_age_seconds,
            drop_non_retryable_data=drop_non_retryable_data,
            fields=dict(fields),
            method="validate_update",
            timeout=timeout,
            trace_span=trace_span,
        )
        try:
            await self._client._request(
                "replications.validate_update",
                lambda c, span: patch_replication_by_id.asyncio_detailed(
                    client=c,
                    replication_id=replication_id,
                    body=body,
                    validate=True,
                    zap_trace_span=span,
                ),
                parse=ignore_body,
                timeout=timeout,
                trace_span=trace_span,
                expect_status=204,
            )
        except ValidationFailedError as exc:
            if remote_bucket_id is None:
                raise explain(exc) from exc.__cause__
            try:  # only now is it worth a request to know whether the name was in the way
                current = await self.get(replication_id, timeout=timeout, trace_span=trace_span)
            except InfluxDBError:
                raise explain(exc) from None
            if not current.remote_bucket_name:
                raise explain(exc) from exc.__cause__
            raise exc.with_hint(by_name_hint(update=True)) from None  # contract note 8

    # ------------------------------------------------------------------ delete and validate

    async def delete(
        self, replication_id: str, *, timeout: Timeout = None, trace_span: str | None = None
    ) -> None:
        """Delete a replication and its queue (unsent data is discarded).

        Args:
            replication_id: Its ID (16 hex digits).
            timeout: Timeout for this call.
            trace_span: Zap-Trace-Span for this call.

        Raises:
            ValueError: replication_id is not 16 hex digits.
            NotFoundError: no such replication (not raised when an earlier attempt of this call, whose
                answer was lost, deleted it).
            APIStatusError: another subclass for the server's answer.
            APIConnectionError: the server could not be reached.
        """
        replication_id = check_id(replication_id, "replication_id")
        try:
            await self._client._request(
                "replications.delete",
                lambda c, span: delete_replication_by_id.asyncio_detailed(
                    client=c,
                    replication_id=replication_id,
                    zap_trace_span=span,
                ),
                parse=ignore_body,
                timeout=timeout,
                trace_span=trace_span,
            )
        except APIStatusError as exc:
            raise explain(exc) from exc.__cause__

    async def validate(
        self, replication_id: str, *, timeout: Timeout = None, trace_span: str | None = None
    ) -> None:
        """Check a saved replication against its remote (POST /replications/{id}/validate).

        Args:
            replication_id: Its ID (16 hex digits).
            timeout: Timeout for this call.
            trace_span: Zap-Trace-Span for this call.

        Raises:
            ValueError: replication_id is not 16 hex digits.
            ValidationFailedError: the server could not write to the remote (its reason in the message).
            NotFoundError: no such replication.
            APIStatusError: another subclass for the server's answer.
            APIConnectionError: the server could not be reached.
        """
        replication_id = check_id(replication_id, "replication_id")
        try:
            await self._client._request(
                "replications.validate",
                lambda c, span: post_validate_replication_by_id.asyncio_detailed(
                    client=c,
                    replication_id=replication_id,
                    zap_trace_span=span,
                ),
                parse=ignore_body,
                timeout=timeout,
                trace_span=trace_span,
                expect_status=204,
            )
        except APIStatusError as exc:
            raise explain(exc) from exc.__cause__

    # ------------------------------------------------------------------ health and waiting

    async def status(
        self,
        replication_id: str | None = None,
        *,
        queue_warning_ratio: float = 0.8,
        timeout: Timeout = None,
        trace_span: str | None = None,
    ) -> builtins.list[ReplicationStatus]:
        """Tell how each replication is doing: a health verdict with the reason in words.

        The verdict (``healthy``, ``backlogged``, ``failing`` or ``never-attempted``) is derived from the
        latest write result and the queue sizes the server reports; a queue at least
        ``queue_warning_ratio`` full adds a warning, because the server drops new data silently once
        the queue is full. The rules are those of ``assess`` (module ``_health``).

        Args:
            replication_id: One replication's ID (16 hex digits); None for every replication of the
                client's org.
            queue_warning_ratio: Warn when current / max queue size reaches this (0 < ratio <= 1).
            timeout: Timeout for this call.
            trace_span: Zap-Trace-Span for this call.

        Returns:
            One ReplicationStatus per replication, sorted by name, then ID ([] when there is none).

        Raises:
            ValueError: replication_id is not 16 hex digits, queue_warning_ratio is out of range, or
                (without an ID) no org configured.
            NotFoundError: no replication with this ID.
            APIStatusError: another subclass for the server's answer.
            APIConnectionError: the server could not be reached.
        """
        ratio = check_ratio(queue_warning_ratio)
        if replication_id is None:
            found = await self.list(timeout=timeout, trace_span=trace_span)
        else:
            found = [await self.get(replication_id, timeout=timeout, trace_span=trace_span)]
        found.sort(key=lambda item: (item.name, item.id))
        return [assess(item, queue_warning_ratio=ratio) for item in found]

    async def wait_until_synced(
        self,
        replication_id: str,
        *,
        timeout: float,
        poll_interval: float = 1.0,
        on_progress: Callable[[Replication], object] | None = None,
        trace_span: str | None = None,
    ) -> Replication:
        """Poll a replication until nothing is waiting to be sent (``remainingBytesToBeSynced`` is 0).

        A replication nobody wrote to is synced at once. ``timeout`` is a deadline for the whole wait
        (``math.inf`` waits for ever): the waits between polls never go past it, and when it has passed
        the last poll's state is raised in SyncTimeoutError. Each poll is an ordinary ``get`` with the
        client's per-request timeout and retries, so a poll in flight is not cut short; wrap the call in
        ``asyncio.timeout`` for a hard limit. Errors of ``get`` (NotFoundError when the replication is
        deleted meanwhile, ...) end the wait.

        Args:
            replication_id: Its ID (16 hex digits).
            timeout: Seconds to wait in all; above 0.
            poll_interval: Seconds between polls; above 0 and finite.
            on_progress: Called with the Replication after every poll (the last one included); it may
                be a plain function or return an awaitable, which is awaited. Its errors end the wait.
            trace_span: Zap-Trace-Span for the polls.

        Returns:
            The replication as the poll that found it synced saw it.

        Raises:
            ValueError: replication_id is not 16 hex digits, or timeout or poll_interval is not above 0.
            SyncTimeoutError: still not synced at the deadline; ``.replication`` and ``.status`` hold the
                last state seen (the status's reason says e.g. that the remote refuses the writes).
            InfluxDBError: the server does not report remainingBytesToBeSynced, so there is nothing to
                wait for.
            NotFoundError: no such replication.
            APIStatusError: another subclass for the server's answer.
            APIConnectionError: the server could not be reached.
        """
        replication_id = check_id(replication_id, "replication_id")
        for arg, value in (("timeout", timeout), ("poll_interval", poll_interval)):
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise ValueError(f"{arg} must be a number of seconds above 0, got {value!r}")
        if not math.isfinite(poll_interval):
            raise ValueError(f"poll_interval must be finite, got {poll_interval!r}")
        started = time.monotonic()
        deadline = started + timeout
        while True:
            current = await self.get(replication_id, trace_span=trace_span)
            if on_progress is not None:
                result = on_progress(current)
                if inspect.isawaitable(result):
                    await result
            remaining = current.remaining_bytes_to_be_synced
            if remaining is None:
                raise InfluxDBError(
                    f"replication {current.name!r} ({current.id}): the server does not report "
                    "remainingBytesToBeSynced, so wait_until_synced cannot tell when it is synced"
                )
            if remaining == 0:
                return current
            now = time.monotonic()
            if now >= deadline:
                waited = now - started
                status = assess(current)
                raise SyncTimeoutError(
                    f"replication {current.name!r} ({current.id}) not synced after {waited:.1f} s: "
                    f"{remaining} bytes ({format_bytes(remaining)}) still to send; "
                    f"{status.health.value}: {status.reason}" + hint_sentence(status.hint),
                    replication=current,
                    status=status,
                    waited=waited,
                )
            # asyncio.sleep, not the client's backoff hook: this is the caller's wait, not a retry
            await asyncio.sleep(min(poll_interval, deadline - now))
