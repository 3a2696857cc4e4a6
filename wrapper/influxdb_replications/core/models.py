"""The public models, and the conversion of the server's list answers into them.

``RemoteConnection`` and ``Replication`` are generated from the spec and our overlay (openapi/templates/
model.py.jinja): immutable attrs classes (copies through ``attrs.evolve``), snake_case, ``None`` for what
the server omitted, unknown keys ignored, and a ``from_dict`` that raises ``ShapeError`` (a TypeError)
naming the field of a malformed body, which the request path turns into ``APIResponseValidationError``.
The generated endpoint functions decode each answer once into them; this module only names them for the
wrapper and unwraps the list answers.
"""

from __future__ import annotations

from typing import TypeVar

from influxdb_replications_api.models.remote_connection import RemoteConnection
from influxdb_replications_api.models.remote_connections import RemoteConnections
from influxdb_replications_api.models.replication import Replication
from influxdb_replications_api.models.replications import Replications
from influxdb_replications_api.types import ShapeError

__all__ = [
    "RemoteConnection",
    "RemoteConnections",
    "Replication",
    "Replications",
    "ShapeError",
    "remotes_of",
    "replications_of",
    "same",
]


def remotes_of(page: RemoteConnections) -> list[RemoteConnection]:
    """The remote connections of a list answer; ``{"remotes": null}`` is ``[]`` (reference 2.1)."""
    return list(page.remotes or ())


def replications_of(page: Replications) -> list[Replication]:
    """The replications of a list answer; ``{"replications": null}`` is ``[]`` (reference 3.2)."""
    return list(page.replications or ())


M = TypeVar("M")


def same(model: M) -> M:
    """The ``parse`` of calls that return the generated model as it is."""
    return model
