"""The fields that desired state, plan/apply, the fleet file and the CLI walk, read from the generated models.

Each generated model lists its properties in ``FIELDS``: the create and update request models say what can be
sent (and which are required, with the spec's defaults), the response model what the server returns and so
what a plan can compare. Every property is walked from there, except the few the wrapper adds behaviour to,
named once in the table below and handled where that behaviour is: the object's name and org, the
name-to-ID references (``remote``, ``local_bucket``), the remote-bucket name/ID switch, and the write-only
token. A property added to the spec reaches desired state, plans, the fleet file and the CLI with one
``nox -s generate``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from influxdb_replications_api.models import (
    RemoteConnection,
    RemoteConnectionCreationRequest,
    RemoteConnectionUpdateRequest,
    Replication,
    ReplicationCreationRequest,
    ReplicationUpdateRequest,
)

from ..core.fields import FieldSpec, check_value

__all__ = ["BUCKET_ID", "BUCKET_NAME", "MAX_AGE", "OLDER_NAMES", "REMOTE", "REPLICATION", "TOKEN", "Field"]

# The write-only token: never part of desired state, never compared (the server never returns it,
# reference 2.1), never printed; the CLI reads it from a variable or stdin.
TOKEN: Final = "remote_api_token"
# The remote-bucket switch: a replication targets a bucket name or an ID, exactly one (reference 3.6).
BUCKET_NAME: Final = "remote_bucket_name"
BUCKET_ID: Final = "remote_bucket_id"
# Reported only by servers since v2.2, and applied by the server only after a restart (reference 3.6).
MAX_AGE: Final = "max_age_seconds"
# The wrapper's own names of the properties it resolves from a name (name-to-ID resolution).
_RESOLVED: Final = {"remote_id": "remote", "local_bucket_id": "local_bucket"}
# Properties with behaviour of their own: not walked.
_OWN: Final = frozenset({"name", "org_id", TOKEN, BUCKET_NAME, BUCKET_ID, *_RESOLVED})

# Older spellings that keyword arguments and fleet files still accept, and plans show.
OLDER_NAMES: Final = {"remote_url": "url"}
_SCALARS: Final = frozenset({"str", "enum", "int", "float", "bool", "datetime"})


@dataclass(frozen=True, slots=True)
class Field:
    """One walked property of a resource.

    Attributes:
        spec: Its metadata (the create request's when it has the property, else the update request's).
        create: The create request carries it.
        update: The update request carries it (so a drift can be fixed in place).
        returned: The response model has it (so a plan can compare it).
        required: Desired state must give it (required on create, without a default in the spec).
        default: The desired value when none is given (the spec's default on create); None: "not managed".
    """

    spec: FieldSpec
    create: bool
    update: bool
    returned: bool
    required: bool
    default: Any

    @property
    def name(self) -> str:
        """The property's Python name."""
        return self.spec.name

    @property
    def label(self) -> str:
        """How a plan names it (its older name where it has one)."""
        return OLDER_NAMES.get(self.spec.name, self.spec.name)

    def check(self, value: Any, arg: str | None = None) -> Any:
        """The checked value: its kind and the schema's constraints (ValueError naming ``arg``)."""
        return check_value(self.spec, value, arg or self.spec.name)


class Resource:
    """The walked properties of one resource, create's in the spec's order, then the update-only ones.

    Attributes:
        fields: The walked properties.
        returned: The names of every property of the response model.
    """

    def __init__(self, create: type[Any], update: type[Any], response: type[Any]) -> None:
        creates = {spec.name: spec for spec in create.FIELDS}
        updates = {spec.name: spec for spec in update.FIELDS}
        self.returned = frozenset(spec.name for spec in response.FIELDS)
        walked = []
        for name, spec in {**creates, **updates}.items():
            if name in _OWN or spec.kind not in _SCALARS:
                continue
            on_create = creates.get(name)
            default = None if on_create is None else on_create.default
            required = on_create is not None and on_create.required and default is None
            walked.append(
                Field(spec, on_create is not None, name in updates, name in self.returned, required, default)
            )
        self.fields: tuple[Field, ...] = tuple(walked)
        self._by_name = {field.name: field for field in walked}

    def get(self, name: str) -> Field | None:
        """The walked property called ``name``, or None."""
        return self._by_name.get(name)


REMOTE: Final = Resource(RemoteConnectionCreationRequest, RemoteConnectionUpdateRequest, RemoteConnection)
REPLICATION: Final = Resource(ReplicationCreationRequest, ReplicationUpdateRequest, Replication)
