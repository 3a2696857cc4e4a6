"""Transitional: the fields desired state, plan/apply, the fleet file and the CLI still take by name.

Those modules (``desired.py``, ``plan.py``, ``apply.py``, ``fleet_checks.py``, ``cli/parser.py``) still
list the fields that ``x-wrapper-keywords`` used to name; their walk of the generated ``FIELDS`` is a
separate change (issue 18), which deletes this module. Until then their extras leave those names out, and
``desired.py``'s queue checks and defaults are read here from the same metadata the resources check.
"""

from __future__ import annotations

from typing import Any, Final

from influxdb_replications_api.models.remote_connection import RemoteConnection
from influxdb_replications_api.models.remote_connection_creation_request import (
    RemoteConnectionCreationRequest,
)
from influxdb_replications_api.models.remote_connection_update_request import RemoteConnectionUpdateRequest
from influxdb_replications_api.models.replication import Replication
from influxdb_replications_api.models.replication_creation_request import ReplicationCreationRequest
from influxdb_replications_api.models.replication_update_request import ReplicationUpdateRequest

from ..core.fields import ExtraFields, FieldSpec, check_value

__all__ = [
    "DEFAULT_MAX_AGE_SECONDS",
    "DEFAULT_QUEUE_SIZE_BYTES",
    "REMOTE",
    "REPLICATION",
    "check_max_age",
    "check_queue_size",
]

_NAMED: Final = frozenset(
    {
        "remote_url",
        "remote_org_id",
        "allow_insecure_tls",
        "description",
        "max_queue_size_bytes",
        "max_age_seconds",
        "drop_non_retryable_data",
    }
)

REMOTE: Final = ExtraFields(
    RemoteConnectionCreationRequest, RemoteConnectionUpdateRequest, RemoteConnection, leave_out=_NAMED
)
REPLICATION: Final = ExtraFields(
    ReplicationCreationRequest, ReplicationUpdateRequest, Replication, leave_out=_NAMED
)


def _create_spec(key: str) -> FieldSpec:
    specs: tuple[FieldSpec, ...] = ReplicationCreationRequest.FIELDS
    return next(spec for spec in specs if spec.key == key)


_QUEUE: Final = _create_spec("maxQueueSizeBytes")
_AGE: Final = _create_spec("maxAgeSeconds")
DEFAULT_QUEUE_SIZE_BYTES: Final[int] = _QUEUE.default
DEFAULT_MAX_AGE_SECONDS: Final[int] = _AGE.default


def check_queue_size(value: Any, arg: str) -> int:
    """The queue size if it is at least the server's minimum (from the metadata); ValueError otherwise."""
    checked: int = check_value(_QUEUE, value, arg)
    return checked


def check_max_age(value: Any, arg: str) -> int:
    """The max age if it is 0 or in the server's range (from the metadata); ValueError otherwise."""
    checked: int = check_value(_AGE, value, arg)
    return checked
