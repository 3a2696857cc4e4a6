"""The request fields the wrapper has no explicit keyword for, read from the generated field metadata.

Each generated request model lists its properties in ``FIELDS``; the overlay marks the ones the
hand-written methods take through keywords of their own (``x-wrapper-keywords``: names, the remote and
bucket references, the server limits). Every other optional property is an *extra*: the methods accept it
as ``**fields`` (typed by the generated ``...Extras`` TypedDict), and desired state, plan/apply, the fleet
file and the CLI walk the same lists, so a new property of the spec reaches all of them with one
``nox -s generate``.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Final

from influxdb_replications_api.models.remote_connection import RemoteConnection
from influxdb_replications_api.models.remote_connection_creation_request import (
    RemoteConnectionCreationRequest,
)
from influxdb_replications_api.models.remote_connection_update_request import RemoteConnectionUpdateRequest
from influxdb_replications_api.models.replication import Replication
from influxdb_replications_api.models.replication_creation_request import ReplicationCreationRequest
from influxdb_replications_api.models.replication_update_request import ReplicationUpdateRequest
from influxdb_replications_api.types import FieldSpec

__all__ = ["REMOTE", "REPLICATION", "ExtraFields", "FieldSpec", "check_extras", "check_value"]

_SCALARS: Final = frozenset({"str", "enum", "int", "float", "bool", "datetime"})


def _extras(model: type[Any]) -> tuple[FieldSpec, ...]:
    """The optional properties of ``model`` that no explicit keyword covers (only JSON scalars)."""
    return tuple(
        spec for spec in model.FIELDS if not spec.wrapper and not spec.required and spec.kind in _SCALARS
    )


class ExtraFields:
    """The extra fields of one resource: what create and update accept, and what the server returns.

    Attributes:
        create: Extras of the create request.
        update: Extras of the update request.
        all: Every extra, create's first, each name once (what desired state accepts).
        returned: Names of the response model's fields (what plan can compare).
    """

    def __init__(self, create: type[Any], update: type[Any], response: type[Any]) -> None:
        self.create = _extras(create)
        self.update = _extras(update)
        by_name = {spec.name: spec for spec in (*self.update, *self.create)}
        names = dict.fromkeys(spec.name for spec in (*self.create, *self.update))
        self.all = tuple(by_name[name] for name in names)
        self.returned = frozenset(spec.name for spec in response.FIELDS)

    def spec(self, name: str) -> FieldSpec | None:
        """The extra called ``name``, or None."""
        return next((spec for spec in self.all if spec.name == name), None)


REMOTE: Final = ExtraFields(RemoteConnectionCreationRequest, RemoteConnectionUpdateRequest, RemoteConnection)
REPLICATION: Final = ExtraFields(ReplicationCreationRequest, ReplicationUpdateRequest, Replication)


def check_value(spec: FieldSpec, value: Any, arg: str | None = None) -> Any:
    """Return ``value`` if it fits the field's kind (ValueError naming the argument otherwise).

    A naive datetime is refused: the server compares instants, so the caller must say which zone.
    """
    arg = arg or spec.name
    kind = spec.kind
    if kind in ("str", "enum"):
        if not isinstance(value, str):
            raise ValueError(f"{arg} must be a string, got {type(value).__name__}")
        if spec.choices and value not in spec.choices:
            raise ValueError(f"{arg} must be one of {', '.join(spec.choices)}, got {value!r}")
    elif kind == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"{arg} must be True or False, got {value!r}")
    elif kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{arg} must be an int, got {value!r}")
    elif kind == "float":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{arg} must be a number, got {value!r}")
        value = float(value)
    elif kind == "datetime" and (not isinstance(value, datetime.datetime) or value.tzinfo is None):
        raise ValueError(f"{arg} must be a timezone-aware datetime, got {value!r}")
    return value


def check_extras(specs: tuple[FieldSpec, ...], fields: Mapping[str, Any], method: str) -> dict[str, Any]:
    """Check the ``**fields`` of a call against the extras it accepts; None values mean "not passed".

    Raises:
        TypeError: a name the method does not accept (as Python says for an unknown keyword).
        ValueError: a value of the wrong type (named).
    """
    known = {spec.name: spec for spec in specs}
    checked: dict[str, Any] = {}
    for name, value in fields.items():
        spec = known.get(name)
        if spec is None:
            raise TypeError(f"{method}() got an unexpected keyword argument {name!r}")
        if value is not None:
            checked[name] = check_value(spec, value, name)
    return checked
