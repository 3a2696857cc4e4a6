"""The public, immutable models, and their conversion from the generated ones.

Every field the server returns is here, with ``None`` (never an UNSET sentinel) for what the server
omitted. Conversion checks every type, so a malformed 2xx body fails loudly as
``APIResponseValidationError`` (raised by the request helper) instead of producing half-typed objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from influxdb_replications_api.models.remote_connection import RemoteConnection as _GenRemote
from influxdb_replications_api.models.replication import Replication as _GenReplication
from influxdb_replications_api.types import Unset


class ShapeError(TypeError):
    """A field of a 2xx body has the wrong type (turned into APIResponseValidationError)."""


@dataclass(frozen=True, slots=True)
class RemoteConnection:
    """A remote connection, as the server returns it (the API token is never returned).

    Attributes:
        id: The remote's ID (16 hex digits).
        org_id: The ID of the org that owns it.
        name: Its name, unique in the org.
        remote_url: The URL of the remote InfluxDB.
        remote_org_id: The org ID on the remote, or None when it was never set.
        allow_insecure_tls: Whether TLS certificate checks are skipped towards the remote.
        description: Its description, or None when never set.
    """

    id: str
    org_id: str
    name: str
    remote_url: str
    remote_org_id: str | None
    allow_insecure_tls: bool
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Replication:
    """A replication stream, as the server returns it.

    Attributes:
        id: The replication's ID (16 hex digits).
        org_id: The ID of the org that owns it.
        name: Its name, unique in the org.
        remote_id: The ID of the remote connection it writes to.
        local_bucket_id: The ID of the local bucket it copies.
        remote_bucket_id: The target bucket's ID, or None for a name-based target.
        remote_bucket_name: The target bucket's name ("" for an ID-based target; None if the server sent
            nothing). The server spells the key ``RemoteBucketName``; both spellings are read.
        max_queue_size_bytes: The queue's size limit.
        max_age_seconds: How long queued data is kept (0: server default; see ``create``), or None when
            the server does not report it (before v2.2).
        drop_non_retryable_data: Whether data the remote refuses with 400 is dropped.
        current_queue_size_bytes: Bytes on disk in the queue (0 in a create response), or None.
        remaining_bytes_to_be_synced: Bytes not yet sent (0 in a create response), or None.
        latest_response_code: Status of the latest write to the remote (0: network error), or None
            before the first attempt (and always in create/update responses).
        latest_error_message: Error of the latest write ("" after a success), or None likewise.
        description: Its description, or None when never set.
    """

    id: str
    org_id: str
    name: str
    remote_id: str
    local_bucket_id: str
    remote_bucket_id: str | None
    remote_bucket_name: str | None
    max_queue_size_bytes: int
    max_age_seconds: int | None
    drop_non_retryable_data: bool
    current_queue_size_bytes: int | None = None
    remaining_bytes_to_be_synced: int | None = None
    latest_response_code: int | None = None
    latest_error_message: str | None = None
    description: str | None = None


def _str(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise ShapeError(f"{name} is not a string")
    return value


def _opt_str(value: Any, name: str) -> str | None:
    if value is None or isinstance(value, Unset):
        return None
    return _str(value, name)


def _opt_int(value: Any, name: str) -> int | None:
    if value is None or isinstance(value, Unset):
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ShapeError(f"{name} is not an integer")
    return value


def _int(value: Any, name: str) -> int:
    result = _opt_int(value, name)
    if result is None:
        raise ShapeError(f"{name} is missing")
    return result


def _bool(value: Any, name: str, default: bool) -> bool:
    if value is None or isinstance(value, Unset):
        return default
    if not isinstance(value, bool):
        raise ShapeError(f"{name} is not a boolean")
    return value


def remote_from_generated(gen: Any) -> RemoteConnection:
    """Convert a generated RemoteConnection (checked with isinstance) into the public model."""
    if not isinstance(gen, _GenRemote):
        raise ShapeError("not a remote connection")
    return RemoteConnection(
        id=_str(gen.id, "id"),
        org_id=_str(gen.org_id, "orgID"),
        name=_str(gen.name, "name"),
        remote_url=_str(gen.remote_url, "remoteURL"),
        remote_org_id=_opt_str(gen.remote_org_id, "remoteOrgID"),
        allow_insecure_tls=_bool(gen.allow_insecure_tls, "allowInsecureTLS", False),
        description=_opt_str(gen.description, "description"),
    )


def replication_from_generated(gen: Any) -> Replication:
    """Convert a generated Replication (checked with isinstance) into the public model."""
    if not isinstance(gen, _GenReplication):
        raise ShapeError("not a replication")
    bucket_name: Any = gen.remote_bucket_name
    if bucket_name is None or isinstance(bucket_name, Unset):
        # the server sends "RemoteBucketName" (capital R); see reference section 3.2
        bucket_name = gen.additional_properties.get("RemoteBucketName")
    return Replication(
        id=_str(gen.id, "id"),
        org_id=_str(gen.org_id, "orgID"),
        name=_str(gen.name, "name"),
        remote_id=_str(gen.remote_id, "remoteID"),
        local_bucket_id=_str(gen.local_bucket_id, "localBucketID"),
        remote_bucket_id=_opt_str(gen.remote_bucket_id, "remoteBucketID"),
        remote_bucket_name=_opt_str(bucket_name, "remoteBucketName"),
        max_queue_size_bytes=_int(gen.max_queue_size_bytes, "maxQueueSizeBytes"),
        max_age_seconds=_opt_int(gen.max_age_seconds, "maxAgeSeconds"),
        drop_non_retryable_data=_bool(gen.drop_non_retryable_data, "dropNonRetryableData", False),
        current_queue_size_bytes=_opt_int(gen.current_queue_size_bytes, "currentQueueSizeBytes"),
        remaining_bytes_to_be_synced=_opt_int(gen.remaining_bytes_to_be_synced, "remainingBytesToBeSynced"),
        latest_response_code=_opt_int(gen.latest_response_code, "latestResponseCode"),
        latest_error_message=_opt_str(gen.latest_error_message, "latestErrorMessage"),
        description=_opt_str(gen.description, "description"),
    )
