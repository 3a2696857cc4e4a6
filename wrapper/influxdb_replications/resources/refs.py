"""What a replication refers to: its remote and local bucket by name or ID, and its target bucket.

A string of exactly 16 hex digits is an ID, anything else a name (contract note 5), looked up in the
client's org. The target bucket on the remote is a name or an ID, never both (the switch, reference 3.6).
"""

# `timeout=` is an httpx timeout per request, not an asyncio deadline (see resources/resource.py).
# ruff: noqa: ASYNC109

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..core.args import check_id, check_name, is_id
from ..core.errors import NotFoundError
from ..core.models import RemoteConnection
from .lookups import resolve_bucket_id

if TYPE_CHECKING:
    from ..core.client import Core
    from .remotes import Remotes
    from .resource import Timeout

__all__ = ["RemoteRef", "bucket_id_of", "check_bucket", "check_remote", "remote_id_of", "remote_of", "target"]

RemoteRef = str | RemoteConnection


def check_remote(remote: Any) -> RemoteRef:
    """A RemoteConnection, a remote ID (in lower case) or a remote name; ValueError otherwise."""
    if isinstance(remote, RemoteConnection):
        return remote
    if not isinstance(remote, str) or not remote:
        raise ValueError(f"remote must be a remote ID, a remote name or a RemoteConnection, got {remote!r}")
    return remote.lower() if is_id(remote) else remote


def check_bucket(bucket: Any) -> str:
    """A bucket ID (in lower case) or a bucket name; ValueError otherwise."""
    if not isinstance(bucket, str) or not bucket:
        raise ValueError(f"local_bucket must be a bucket ID or a bucket name, got {bucket!r}")
    return bucket.lower() if is_id(bucket) else bucket


async def remote_id_of(remotes: Remotes, remote: RemoteRef, timeout: Timeout, trace_span: str | None) -> str:
    """The remote's ID; a name is looked up (NotFoundError when there is none)."""
    if isinstance(remote, RemoteConnection):
        return remote.id
    if is_id(remote):
        return remote
    return (await _named(remotes, remote, timeout, trace_span)).id


async def remote_of(
    remotes: Remotes, remote: RemoteRef, timeout: Timeout, trace_span: str | None
) -> RemoteConnection:
    """The remote as the server has it now: fetched by ID (a RemoteConnection's too), else found by name."""
    ref = remote.id if isinstance(remote, RemoteConnection) else remote
    if is_id(ref):
        return await remotes.get(ref, timeout=timeout, trace_span=trace_span)
    return await _named(remotes, ref, timeout, trace_span)


async def _named(remotes: Remotes, name: str, timeout: Timeout, trace_span: str | None) -> RemoteConnection:
    found = await remotes.find(name, timeout=timeout, trace_span=trace_span)
    if found is None:
        raise NotFoundError(f"remote connection {name!r} not found", status_code=404, code="not found")
    return found


async def bucket_id_of(client: Core, bucket: str, timeout: Timeout, trace_span: str | None) -> str:
    """The local bucket's ID; a name is looked up in the client's org."""
    if is_id(bucket):
        return bucket
    return await resolve_bucket_id(client, bucket, timeout, trace_span)


def target(by_name: str | None, by_id: str | None, *, switch: bool) -> dict[str, Any]:
    """The body's remote-bucket keys: at most one of name and ID (the server keeps the ID and blanks the
    name when both are sent).

    With ``switch`` (an update to an ID) the name is blanked in the same request: the writer prefers a
    non-empty stored name over the ID, so a name-based target would otherwise keep the name; with a
    non-null ID this never violates the one-of CHECK constraint. See reference 3.6, "Bucket-target
    pitfalls".
    """
    if by_name is not None and by_id is not None:
        raise ValueError("pass at most one of remote_bucket (a name) and remote_bucket_id")
    if by_name is not None:
        return {"remote_bucket_name": check_name(by_name, "remote_bucket")}
    if by_id is None:
        return {}
    blank = {"remote_bucket_name": ""} if switch else {}
    return {"remote_bucket_id": check_id(by_id, "remote_bucket_id"), **blank}
