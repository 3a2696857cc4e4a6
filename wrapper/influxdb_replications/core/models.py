"""The public models, and the conversion of the server's list answers into them.

``RemoteConnection`` and ``Replication`` are generated from the spec and our overlay (openapi/templates/
model.py.jinja): immutable, snake_case, ``None`` for what the server omitted, unknown keys ignored, and a
``from_dict`` that raises ``ShapeError`` (a TypeError) naming the field of a malformed body, which the
request path turns into ``APIResponseValidationError``. This module only names them for the wrapper.
"""

from __future__ import annotations

from typing import Any

from influxdb_replications_api.models.remote_connection import RemoteConnection
from influxdb_replications_api.models.remote_connections import RemoteConnections
from influxdb_replications_api.models.replication import Replication
from influxdb_replications_api.models.replications import Replications
from influxdb_replications_api.types import ShapeError

__all__ = [
    "RemoteConnection",
    "Replication",
    "ShapeError",
    "list_from_json",
    "remote_from_json",
    "remotes_from_json",
    "replication_from_json",
    "replications_from_json",
]

remote_from_json = RemoteConnection.from_dict
replication_from_json = Replication.from_dict


def remotes_from_json(data: Any) -> list[RemoteConnection]:
    """The remote connections of a list response; ``{"remotes": null}`` is ``[]`` (reference 2.1)."""
    return list(RemoteConnections.from_dict(data).remotes or ())


def replications_from_json(data: Any) -> list[Replication]:
    """The replications of a list response; ``{"replications": null}`` is ``[]`` (reference 3.2)."""
    return list(Replications.from_dict(data).replications or ())


def list_from_json(data: Any, key: str) -> list[Any]:
    """The raw items under ``key`` of a list answer (org and bucket look-ups read only id and name).

    ``null`` or an absent key is an empty list, as the server answers an empty list.
    """
    if type(data) is not dict:
        raise ShapeError(f"the {key} list is not a JSON object")
    items = data.get(key)
    if items is None:
        return []
    if type(items) is not list:
        raise ShapeError(f"{key} is not a list")
    return items
