"""``client.replications``: the Replications API (/api/v2/replications), on the shared resource pattern.

What is a replication's own: ``remote`` and ``local_bucket`` given by name or ID (looked up), the target
bucket given by name or by ID (the switch, reference 3.6), and validation by ID. Its health verdicts and
``wait_until_synced`` are operations on top of it (``operations/replications.py``).
"""

# The public methods take `timeout=` by contract (the API); it is an httpx timeout per request,
# not an asyncio deadline, so ASYNC109's advice does not apply.
# ruff: noqa: ASYNC109

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any, Unpack

from influxdb_replications_api.models import ReplicationCreationRequest, ReplicationUpdateRequest

from ..core.args import check_id, check_name, exactly_one_bucket
from ..core.errors import InfluxDBError
from ..core.models import RemoteConnection, Replication, same
from .endpoints import (
    REPLICATIONS,
    ReplicationCreationRequestExtras,
    ReplicationUpdateRequestExtras,
    validate_by_id,
)
from .hints import by_name_hint, warn_max_age_change
from .lookups import resolve_org_id
from .refs import RemoteRef, bucket_id_of, check_bucket, check_remote, remote_id_of, target
from .resource import Resource, Timeout, arguments_of, same_arguments_as

if TYPE_CHECKING:
    from ..core.client import Core
    from .remotes import Remotes

__all__ = ["Replications"]


class Replications(Resource[Replication, ReplicationCreationRequest, ReplicationUpdateRequest]):
    """Replication streams from a local bucket to a remote. Reached as ``client.replications``.

    Wherever a method takes ``remote``, it accepts a RemoteConnection, a remote ID or a remote name;
    wherever it takes ``local_bucket``, a bucket ID or a bucket name. A string of exactly 16 hex digits is
    an ID, anything else a name, looked up in the client's org (NotFoundError when there is none).
    ``find(name)`` comes from the shared pattern; every method takes ``timeout=``
    and ``trace_span=`` overrides for that call.
    """

    _api = REPLICATIONS

    def __init__(self, client: Core, remotes: Remotes) -> None:
        super().__init__(client)
        self._remotes = remotes

    def _differs(self, name: str, found: Any, wanted: Any) -> bool:
        if name == "remote_bucket_name":  # "" (or null) on an ID-based target, reference 3.2
            return (found or "") != (wanted or "")
        if name == "max_age_seconds" and found is None:
            return False  # servers before v2.2 do not report it
        return bool(found != wanted)

    async def list(
        self,
        *,
        name: str | None = None,
        remote: RemoteRef | None = None,
        local_bucket: str | None = None,
        trace_span: str | None = None,
        timeout: Timeout = None,
    ) -> builtins.list[Replication]:
        """List the replications of the client's org, in no defined order (possibly ``[]``).

        Args:
            name: Only the replication with exactly this name.
            remote: Only those writing to this remote (RemoteConnection, ID or name).
            local_bucket: Only those copying this local bucket (ID or name).

        Raises:
            ValueError: a bad argument, or no org configured.
            NotFoundError: a remote or bucket name that does not exist.
        """
        filters = {"name": None if name is None else check_name(name, "name")}
        remote_ref = None if remote is None else check_remote(remote)
        bucket = None if local_bucket is None else check_bucket(local_bucket)
        if remote_ref is not None:
            filters["remote"] = await remote_id_of(self._remotes, remote_ref, timeout, trace_span)
        if bucket is not None:
            filters["bucket"] = await bucket_id_of(self._client, bucket, timeout, trace_span)
        return await self._list(filters, timeout, trace_span)

    async def get(
        self, replication_id: str, *, trace_span: str | None = None, timeout: Timeout = None
    ) -> Replication:
        """Fetch one replication with its live queue sizes and latest write result (NotFoundError: none)."""
        return await self._get(replication_id, timeout, trace_span)

    async def _of_remote(
        self, remote: RemoteConnection, timeout: Timeout, trace_span: str | None
    ) -> builtins.list[Replication]:
        """The replications that write to ``remote``, in the remote's org (no org needs configuring)."""
        return await self._list({"remote": remote.id}, timeout, trace_span, org_id=remote.org_id)

    async def _new(
        self,
        name: str,
        refs: tuple[Any, Any, Any, Any],
        fields: Any,
        method: str,
        timeout: Timeout,
        trace_span: str | None,
    ) -> tuple[ReplicationCreationRequest, dict[str, Any]]:
        # every check first, then the look-ups (I/O)
        name = check_name(name, "name")
        remote, local_bucket, by_name, by_id = refs
        remote_ref, bucket = check_remote(remote), check_bucket(local_bucket)
        exactly_one_bucket(by_name, by_id)
        bucket_keys = target(by_name, by_id, switch=False)
        values = self._check_create(fields, method)
        body = ReplicationCreationRequest(
            **values,
            **bucket_keys,
            name=name,
            org_id=await resolve_org_id(self._client, timeout, trace_span),
            remote_id=await remote_id_of(self._remotes, remote_ref, timeout, trace_span),
            local_bucket_id=await bucket_id_of(self._client, bucket, timeout, trace_span),
        )
        return body, values

    async def create(
        self,
        *,
        name: str,
        remote: RemoteRef,
        local_bucket: str,
        remote_bucket: str | None = None,
        remote_bucket_id: str | None = None,
        trace_span: str | None = None,
        timeout: Timeout = None,
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
            **fields: The spec's create request properties (``ReplicationCreationRequestExtras``):
                ``max_queue_size_bytes`` (at least 33554430,
                default 67108860), ``max_age_seconds`` (0 or 60..5184000, default 604800; 0 means "never
                purge" on servers before v2.9 and "the default, one week" from v2.9 on),
                ``drop_non_retryable_data`` (drop data the remote refuses with 400), a description, and
                any property a newer spec adds. None means "not passed".

        Returns:
            The created replication (its queue sizes are 0 in the server's create response).

        Raises:
            ValueError: a bad argument (named in the message), or no org configured.
            NotFoundError: a remote or local bucket name that does not exist.
            AlreadyExistsError: a replication with this name exists in the org.
            BadRequestError: e.g. the local bucket or the remote ID does not exist.
        """
        refs = (remote, local_bucket, remote_bucket, remote_bucket_id)
        body, values = await self._new(name, refs, fields, "create", timeout, trace_span)
        return await self._create(body, values, timeout=timeout, trace_span=trace_span)

    @same_arguments_as(create)
    async def validate_create(self, *args: Any, **kwargs: Any) -> None:
        """Check a replication against the remote without creating it (POST ?validate=true).

        The server writes an empty batch to the remote with these settings; nothing is saved. It does not
        check name uniqueness. With ``remote_bucket=NAME`` the check cannot succeed on a real server (it
        validates by bucket ID only and sends an empty bucket); the error then says so. The arguments are
        those of ``create``.

        Raises:
            ValueError: a bad argument (named in the message), or no org configured.
            ValidationFailedError: the server could not write to the remote (its reason in the message).
            BadRequestError: another refusal (unknown local bucket or remote, too small a queue).
            NotFoundError: a remote or local bucket name that does not exist.
        """
        _, name, *refs, trace_span, timeout, fields = arguments_of(Replications.create, self, *args, **kwargs)
        body, _ = await self._new(name, tuple(refs), fields, "validate_create", timeout, trace_span)

        async def why() -> str | None:
            return None if body.remote_bucket_name is None else by_name_hint(update=False)

        await self._validate("validate_create", REPLICATIONS.create(body, True), timeout, trace_span, why)

    async def _changes(
        self,
        refs: tuple[Any, Any, Any, Any],
        fields: Any,
        method: str,
        timeout: Timeout,
        trace_span: str | None,
    ) -> ReplicationUpdateRequest:
        name, remote, by_name, by_id = refs
        keywords: dict[str, Any] = {} if name is None else {"name": check_name(name, "name")}
        remote_ref = None if remote is None else check_remote(remote)
        keywords.update(target(by_name, by_id, switch=True))
        body = self._update_body(keywords, fields, method)
        if remote_ref is None:
            return body
        remote_id = await remote_id_of(self._remotes, remote_ref, timeout, trace_span)
        return self._update_body({**keywords, "remote_id": remote_id}, fields, method)

    async def update(
        self,
        replication_id: str,
        *,
        name: str | None = None,
        remote: RemoteRef | None = None,
        remote_bucket: str | None = None,
        remote_bucket_id: str | None = None,
        trace_span: str | None = None,
        timeout: Timeout = None,
        **fields: Unpack[ReplicationUpdateRequestExtras],
    ) -> Replication:
        """Change the given fields of a replication; the others stay as they are.

        Only the fields passed are sent; None means "not passed" (the server cannot clear a field).
        ``description=""`` sets the description to "". Passing ``remote_bucket_id`` also sends
        ``"remoteBucketName": ""`` so that a replication that targeted a bucket by name really switches to
        the ID (the server would otherwise keep writing to the name). A new ``max_age_seconds`` only takes
        effect on the server after a restart (a warning is logged).

        Args:
            replication_id: Its ID (16 hex digits).
            name: A new name.
            remote: A new remote: RemoteConnection, ID or name.
            remote_bucket: A new target bucket name on the remote.
            remote_bucket_id: A new target bucket ID on the remote (at most one of the two).
            **fields: New values of the spec's update request properties
                (``ReplicationUpdateRequestExtras``, as for ``create``).

        Raises:
            ValueError: a bad argument (named in the message).
            NotFoundError: no such replication (or remote name).
            AlreadyExistsError: the new name is taken.
            BadRequestError: e.g. the new remote does not exist.
        """
        replication_id = check_id(replication_id, "replication_id")
        refs = (name, remote, remote_bucket, remote_bucket_id)
        body = await self._changes(refs, fields, "update", timeout, trace_span)
        parse = warn_max_age_change(same, body.max_age_seconds)
        return await self._update(replication_id, body, parse=parse, timeout=timeout, trace_span=trace_span)

    @same_arguments_as(update)
    async def validate_update(self, *args: Any, **kwargs: Any) -> None:
        """Check an update against the remote without applying it (PATCH ?validate=true).

        The arguments are those of ``update``. The server applies only ``remote`` and ``remote_bucket_id``
        to the stored settings for the check; every other field is ignored. On a replication that targets a
        bucket by name, the stored name still wins over a new ``remote_bucket_id``; the error then says so.

        Raises:
            ValueError: a bad argument (named in the message).
            ValidationFailedError: the server could not write to the remote (its reason in the message).
            BadRequestError: another refusal (e.g. the new remote does not exist).
            NotFoundError: no such replication.
        """
        _, replication_id, *refs, trace_span, timeout, fields = arguments_of(
            Replications.update, self, *args, **kwargs
        )
        replication_id = check_id(replication_id, "replication_id")
        body = await self._changes(tuple(refs), fields, "validate_update", timeout, trace_span)

        async def why() -> str | None:
            if body.remote_bucket_id is None:
                return None
            try:  # only now is it worth a request to know whether the name was in the way
                current = await self.get(replication_id, timeout=timeout, trace_span=trace_span)
            except InfluxDBError:
                return None
            return by_name_hint(update=True) if current.remote_bucket_name else None

        call = REPLICATIONS.update(replication_id, body, True)
        await self._validate("validate_update", call, timeout, trace_span, why)

    async def delete(
        self, replication_id: str, *, trace_span: str | None = None, timeout: Timeout = None
    ) -> None:
        """Delete a replication and its queue (unsent data is discarded).

        Raises:
            ValueError: replication_id is not 16 hex digits.
            NotFoundError: no such replication (not raised when an earlier attempt of this call, whose
                answer was lost, deleted it).
        """
        await self._delete(check_id(replication_id, "replication_id"), timeout, trace_span)

    async def validate(
        self, replication_id: str, *, trace_span: str | None = None, timeout: Timeout = None
    ) -> None:
        """Check a saved replication against its remote (POST /replications/{id}/validate).

        Raises:
            ValueError: replication_id is not 16 hex digits.
            ValidationFailedError: the server could not write to the remote (its reason in the message).
            NotFoundError: no such replication.
        """
        replication_id = check_id(replication_id, "replication_id")
        await self._validate("validate", validate_by_id(replication_id), timeout, trace_span)
