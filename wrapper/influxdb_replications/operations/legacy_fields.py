"""Transitional: the fields desired state, plan/apply, the fleet file and the CLI still take by name.

Those modules (``desired.py``, ``plan.py``, ``apply.py``, ``fleet_checks.py``, ``cli/parser.py``) still
list the fields that ``x-wrapper-keywords`` used to name; their walk of the generated ``FIELDS`` is a
separate change (issue 18), which deletes this module. Until then their extras leave those names out.
"""

from __future__ import annotations

from typing import Final

from influxdb_replications_api.models.remote_connection import RemoteConnection
from influxdb_replications_api.models.remote_connection_creation_request import (
    RemoteConnectionCreationRequest,
)
from influxdb_replications_api.models.remote_connection_update_request import RemoteConnectionUpdateRequest
from influxdb_replications_api.models.replication import Replication
from influxdb_replications_api.models.replication_creation_request import ReplicationCreationRequest
from influxdb_replications_api.models.replication_update_request import ReplicationUpdateRequest

from ..core.fields import ExtraFields

__all__ = ["REMOTE", "REPLICATION"]

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
