"""The request fields, read from the generated field metadata, and their checks before any request.

Each generated request model lists its properties in ``FIELDS``, with the schema's constraints (minimum,
maximum, pattern, format and the server's special values, written in openapi/overlay.yaml from the server
reference). The overlay's ``x-wrapper-keywords`` marks the few the hand-written methods add behaviour to
(``FieldSpec.wrapper``: the name, name-to-ID look-ups, the bucket switch, the write-only token). Every
other property is a *field* of the request: the methods accept it as ``**fields`` (typed by the generated
``...Extras`` TypedDict), check it here and send it, so a new property of the spec reaches them with one
``nox -s generate``.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping
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

from .args import check_id, check_url

__all__ = [
    "REMOTE",
    "REPLICATION",
    "ExtraFields",
    "FieldSpec",
    "check_extras",
    "check_value",
    "defaults_of",
    "request_fields",
]

_SCALARS: Final = frozenset({"str", "enum", "int", "float", "bool", "datetime"})

# The schema formats whose check is more than a pattern: their own message, and the value as the server
# writes it (IDs in lower case, reference 1.3).
_FORMATS: Final[dict[str, Callable[[Any, str], str]]] = {"influxdb-id": check_id, "uri": check_url}


def request_fields(model: type[Any], *, leave_out: frozenset[str] = frozenset()) -> tuple[FieldSpec, ...]:
    """The properties of a request model that reach the methods as ``**fields`` (scalars, not wrapper ones).

    Args:
        model: A generated request model.
        leave_out: Names a caller still takes through keywords of its own.
    """
    return tuple(
        spec
        for spec in model.FIELDS
        if not spec.wrapper and spec.kind in _SCALARS and spec.name not in leave_out
    )


def defaults_of(specs: tuple[FieldSpec, ...]) -> dict[str, Any]:
    """The schema defaults of the fields a create sends when they are not passed (the server's defaults)."""
    return {spec.name: spec.default for spec in specs if spec.default is not None}


class ExtraFields:
    """The fields of one resource: what create and update accept, and what the server returns.

    Attributes:
        create: Fields of the create request.
        update: Fields of the update request.
        all: Every field, create's first, each name once (what desired state accepts).
        returned: Names of the response model's fields (what plan and create's reconcile can compare).
    """

    def __init__(
        self,
        create: type[Any],
        update: type[Any],
        response: type[Any],
        *,
        leave_out: frozenset[str] = frozenset(),
    ) -> None:
        self.create = request_fields(create, leave_out=leave_out)
        self.update = request_fields(update, leave_out=leave_out)
        by_name = {spec.name: spec for spec in (*self.update, *self.create)}
        names = dict.fromkeys(spec.name for spec in (*self.create, *self.update))
        self.all = tuple(by_name[name] for name in names)
        self.returned = frozenset(spec.name for spec in response.FIELDS)

    def spec(self, name: str) -> FieldSpec | None:
        """The field called ``name``, or None."""
        return next((spec for spec in self.all if spec.name == name), None)


REMOTE: Final = ExtraFields(RemoteConnectionCreationRequest, RemoteConnectionUpdateRequest, RemoteConnection)
REPLICATION: Final = ExtraFields(ReplicationCreationRequest, ReplicationUpdateRequest, Replication)


def _range(spec: FieldSpec) -> str:
    """The allowed numbers in words, e.g. "0 or between 60 and 5184000" or "an int of at least 33554430"."""
    special = "".join(f"{value} or " for value in spec.also_allowed)
    if spec.minimum is not None and spec.maximum is not None:
        return f"{special}between {spec.minimum} and {spec.maximum}"
    if spec.minimum is not None:
        return f"{special}an int of at least {spec.minimum}"
    return f"{special}an int of at most {spec.maximum}"


def _check_number(spec: FieldSpec, value: Any, arg: str) -> Any:
    if value in spec.also_allowed and not isinstance(value, bool):
        return value
    low, high = spec.minimum, spec.maximum
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{arg} must be {_range(spec)}, got {value!r}")
    return value


def check_value(spec: FieldSpec, value: Any, arg: str | None = None) -> Any:
    """Return ``value`` if it fits the field's kind and constraints (else ValueError naming the argument).

    A naive datetime is refused: the server compares instants, so the caller must say which zone.
    """
    arg = arg or spec.name
    kind = spec.kind
    bounded = spec.minimum is not None or spec.maximum is not None
    if spec.format in _FORMATS:
        return _FORMATS[spec.format](value, arg)
    if kind in ("str", "enum"):
        if not isinstance(value, str):
            raise ValueError(f"{arg} must be a string, got {type(value).__name__}")
        if spec.choices and value not in spec.choices:
            raise ValueError(f"{arg} must be one of {', '.join(spec.choices)}, got {value!r}")
        if spec.pattern is not None and re.search(spec.pattern, value) is None:
            raise ValueError(f"{arg} must match {spec.pattern}, got {value!r}")
    elif kind == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"{arg} must be True or False, got {value!r}")
    elif kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{arg} must be {_range(spec) if bounded else 'an int'}, got {value!r}")
        value = _check_number(spec, value, arg)
    elif kind == "float":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{arg} must be a number, got {value!r}")
        value = _check_number(spec, float(value), arg)
    elif kind == "datetime" and (not isinstance(value, datetime.datetime) or value.tzinfo is None):
        raise ValueError(f"{arg} must be a timezone-aware datetime, got {value!r}")
    return value


def _needed(spec: FieldSpec) -> bool:
    """Whether the request cannot go without the field (required, and no schema default stands in)."""
    return spec.required and spec.default is None


def _none_is_bad(spec: FieldSpec) -> bool:
    """Whether None is a bad value, not "not passed": the field is required or has a default to send."""
    return spec.required or spec.default is not None


def check_extras(specs: tuple[FieldSpec, ...], fields: Mapping[str, Any], method: str) -> dict[str, Any]:
    """Check the ``**fields`` of a call against the fields it accepts; None values mean "not passed".

    Raises:
        TypeError: a name the method does not accept, or a required one missing (as Python says for
            keywords).
        ValueError: a value of the wrong type or out of the server's limits (named).
    """
    known = {spec.name: spec for spec in specs}
    checked: dict[str, Any] = {}
    for name, value in fields.items():
        spec = known.get(name)
        if spec is None:
            raise TypeError(f"{method}() got an unexpected keyword argument {name!r}")
        if value is not None or _none_is_bad(spec):
            checked[name] = check_value(spec, value, name)
    for spec in specs:
        if _needed(spec) and spec.name not in checked:
            raise TypeError(f"{method}() missing 1 required keyword-only argument: {spec.name!r}")
    return checked
