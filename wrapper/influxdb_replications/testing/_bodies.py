"""The request bodies and JSON shapes of /api/v2/remotes and /api/v2/replications (reference 2.1, 3.2).

The request types the handlers decode (with the server's limits), the authenticated call they receive,
and the JSON the server writes for a remote and a replication.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._errors import invalid
from ._jsonio import DecodeError, Field, Kind, RequestType, decode
from ._store import Remote, Replication, Token

MIN_QUEUE_SIZE = 33_554_430
DEFAULT_QUEUE_SIZE = 67_108_860
MIN_MAX_AGE, MAX_MAX_AGE = 60, 5_184_000

_ID, _STR, _INT, _BOOL = Kind.ID, Kind.STRING, Kind.INT64, Kind.BOOL

CREATE_REMOTE = RequestType(
    "CreateRemoteConnectionRequest",
    (
        Field("orgID", _ID),
        Field("name", _STR),
        Field("description", _STR, True),
        Field("remoteURL", _STR),
        Field("remoteAPIToken", _STR),
        Field("remoteOrgID", _ID, True),
        Field("allowInsecureTLS", _BOOL),
    ),
)
UPDATE_REMOTE = RequestType(
    "UpdateRemoteConnectionRequest",
    (
        Field("name", _STR, True),
        Field("description", _STR, True),
        Field("remoteURL", _STR, True),
        Field("remoteAPIToken", _STR, True),
        Field("remoteOrgID", _ID, True),
        Field("allowInsecureTLS", _BOOL, True),
    ),
)
CREATE_REPLICATION = RequestType(
    "CreateReplicationRequest",
    (
        Field("orgID", _ID),
        Field("name", _STR),
        Field("description", _STR, True),
        Field("remoteID", _ID),
        Field("localBucketID", _ID),
        Field("remoteBucketID", _ID, True),
        Field("remoteBucketName", _STR),
        Field("maxQueueSizeBytes", _INT),
        Field("dropNonRetryableData", _BOOL),
        Field("maxAgeSeconds", _INT),
    ),
)
UPDATE_REPLICATION = RequestType(
    "UpdateReplicationRequest",
    (
        Field("name", _STR, True),
        Field("description", _STR, True),
        Field("remoteID", _ID, True),
        Field("remoteBucketID", _ID, True),
        Field("remoteBucketName", _STR, True),
        Field("maxQueueSizeBytes", _INT, True),
        Field("dropNonRetryableData", _BOOL, True),
        Field("maxAgeSeconds", _INT, True),
    ),
)


@dataclass
class Call:
    """One authenticated request as the handlers see it."""

    query: Mapping[str, str]
    body: bytes
    token: Token


def decode_body(call: Call, request_type: RequestType) -> dict[str, Any]:
    try:
        return decode(call.body, request_type)
    except DecodeError as exc:
        raise invalid(f"failed to unmarshal json: {exc}") from None


def check_limits(fields: dict[str, Any]) -> None:
    """The request's OK(): the queue-size minimum, then the v2.9 max-age range."""
    size = fields.get("maxQueueSizeBytes")
    if size is not None and size < MIN_QUEUE_SIZE:
        raise invalid(f"maxQueueSize too small, must be at least {MIN_QUEUE_SIZE}")
    age = fields.get("maxAgeSeconds")
    if age is not None and age != 0 and not MIN_MAX_AGE <= age <= MAX_MAX_AGE:
        raise invalid(f"maxAgeSeconds must be 0 (use default) or between {MIN_MAX_AGE} and {MAX_MAX_AGE}")


def remote_json(remote: Remote) -> dict[str, Any]:
    """A remote as the server writes it: no token, `description` only when set, `remoteOrgID` maybe null."""
    out: dict[str, Any] = {"id": remote.id, "orgID": remote.org_id, "name": remote.name}
    if remote.description is not None:
        out["description"] = remote.description
    out.update(
        remoteURL=remote.remote_url,
        remoteOrgID=remote.remote_org_id,
        allowInsecureTLS=remote.allow_insecure_tls,
    )
    _add_extra(out, remote.extra)
    return out


def replication_json(rep: Replication, sizes: tuple[int, int], *, latest: bool) -> dict[str, Any]:
    """A replication as the server writes it, with the capitalised `RemoteBucketName` key (section 3.2)."""
    out: dict[str, Any] = {"id": rep.id, "orgID": rep.org_id, "name": rep.name}
    if rep.description is not None:
        out["description"] = rep.description
    out.update(
        {
            "remoteID": rep.remote_id,
            "localBucketID": rep.local_bucket_id,
            "remoteBucketID": rep.remote_bucket_id,
            "RemoteBucketName": rep.remote_bucket_name,
            "maxQueueSizeBytes": rep.max_queue_size_bytes,
            "currentQueueSizeBytes": sizes[0],
            "remainingBytesToBeSynced": sizes[1],
        }
    )
    # the latest* columns are not in the RETURNING list of create/update, so POST and PATCH never show them
    if latest and rep.latest_response_code is not None:
        out["latestResponseCode"] = rep.latest_response_code
    if latest and rep.latest_error_message is not None:
        out["latestErrorMessage"] = rep.latest_error_message
    out["dropNonRetryableData"] = rep.drop_non_retryable_data
    out["maxAgeSeconds"] = rep.max_age_seconds
    _add_extra(out, rep.extra)
    return out


def _add_extra(out: dict[str, Any], extra: dict[str, Any]) -> None:
    """Append the kept unknown keys; they never replace a key the server writes itself."""
    for key, value in extra.items():
        out.setdefault(key, value)
