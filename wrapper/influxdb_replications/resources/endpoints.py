"""The generated endpoints each resource sends: one ``Endpoints`` table per resource.

The only module of the resources that names generated endpoint functions. Each entry binds the call's own
arguments (``functools.partial``); the request path adds the sender and the Zap-Trace-Span per attempt.
"""

from __future__ import annotations

from functools import partial

from influxdb_replications_api.api.remote_connections import (
    delete_remote_connection_by_id,
    get_remote_connection_by_id,
    get_remote_connections,
    patch_remote_connection_by_id,
    post_remote_connection,
)
from influxdb_replications_api.api.replications import (
    delete_replication_by_id,
    get_replication_by_id,
    get_replications,
    patch_replication_by_id,
    post_replication,
    post_validate_replication_by_id,
)
from influxdb_replications_api.models.remote_connection_creation_request import (
    RemoteConnectionCreationRequest,
    RemoteConnectionCreationRequestExtras,
)
from influxdb_replications_api.models.remote_connection_update_request import (
    RemoteConnectionUpdateRequest,
    RemoteConnectionUpdateRequestExtras,
)
from influxdb_replications_api.models.replication_creation_request import (
    ReplicationCreationRequest,
    ReplicationCreationRequestExtras,
)
from influxdb_replications_api.models.replication_update_request import (
    ReplicationUpdateRequest,
    ReplicationUpdateRequestExtras,
)

from ..core.models import RemoteConnection, Replication, remotes_of, replications_of
from .resource import Bound, Endpoints

# the typed keyword sets of each resource's create and update (their **fields), for the resources' signatures
__all__ = [
    "REMOTES",
    "REPLICATIONS",
    "RemoteConnectionCreationRequestExtras",
    "RemoteConnectionUpdateRequestExtras",
    "ReplicationCreationRequestExtras",
    "ReplicationUpdateRequestExtras",
    "validate_by_id",
]

REMOTES: Endpoints[RemoteConnection, RemoteConnectionCreationRequest, RemoteConnectionUpdateRequest] = (
    Endpoints(
        names=("remotes", "remote connection", "remote_id"),
        models=(RemoteConnectionCreationRequest, RemoteConnectionUpdateRequest, RemoteConnection),
        items=remotes_of,
        list=lambda org_id, filters: partial(
            get_remote_connections.asyncio_detailed,
            org_id=org_id,
            name=filters.get("name"),
            remote_url=filters.get("url"),
        ),
        get=lambda ident: partial(get_remote_connection_by_id.asyncio_detailed, remote_id=ident),
        create=lambda body, _: partial(post_remote_connection.asyncio_detailed, body=body),
        update=lambda ident, body, _: partial(
            patch_remote_connection_by_id.asyncio_detailed, remote_id=ident, body=body
        ),
        delete=lambda ident: partial(delete_remote_connection_by_id.asyncio_detailed, remote_id=ident),
    )
)

# validate is sent as exactly "true", the only value the server recognises, or not at all
REPLICATIONS: Endpoints[Replication, ReplicationCreationRequest, ReplicationUpdateRequest] = Endpoints(
    names=("replications", "replication", "replication_id"),
    models=(ReplicationCreationRequest, ReplicationUpdateRequest, Replication),
    items=replications_of,
    list=lambda org_id, filters: partial(
        get_replications.asyncio_detailed,
        org_id=org_id,
        name=filters.get("name"),
        remote_id=filters.get("remote"),
        local_bucket_id=filters.get("bucket"),
    ),
    get=lambda ident: partial(get_replication_by_id.asyncio_detailed, replication_id=ident),
    create=lambda body, validate: partial(
        post_replication.asyncio_detailed, body=body, validate=validate or None
    ),
    update=lambda ident, body, validate: partial(
        patch_replication_by_id.asyncio_detailed, replication_id=ident, body=body, validate=validate or None
    ),
    delete=lambda ident: partial(delete_replication_by_id.asyncio_detailed, replication_id=ident),
)


def validate_by_id(replication_id: str) -> Bound:
    """The check of a stored replication against its remote (POST /replications/{id}/validate)."""
    return partial(post_validate_replication_by_id.asyncio_detailed, replication_id=replication_id)
