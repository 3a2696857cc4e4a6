"""Declarative configuration: the remotes and replications a server should have, by name.

A :class:`DesiredState` is compared with what a server has by ``await client.plan(desired)``, and made
true by ``await client.apply(desired, prune=False)``. Both return a :class:`Plan`: the list of
:class:`Change` objects, printable as a readable diff.

Everything is referred to by name: a replication names its remote (a :class:`DesiredRemote` of the same
state) and its local bucket (a bucket of the client's org); the target bucket on the remote is a name
(``remote_bucket``) or an ID (``remote_bucket_id``). API tokens are never part of the state: a remote
says which environment variable holds its token (``token_env``), or ``apply`` is given a ``secrets``
callback; tokens are read only when a remote has to be created (the server never returns a token, so
a changed token cannot be detected), and this library never writes them anywhere.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from ..core.args import check_id, check_name
from ..resources.remotes import Remotes
from ..resources.replications import Replications
from .changes import Action, Change, Kind, Plan
from .spec_fields import BUCKET_ID, OLDER_NAMES, REMOTE, REPLICATION, Resource

# Change and Plan live in changes.py; they are named here too, where plan and apply have always found them
__all__ = ["Action", "Change", "DesiredRemote", "DesiredReplication", "DesiredState", "Kind", "Plan"]

_T = TypeVar("_T")


class _Desired:
    """The walked fields of a desired object: one attribute each, set from keywords by ``_set_fields``.

    A field the caller does not give takes the spec's create default; without one it is None, which
    means "not managed" (never compared, never sent). The subclasses add the fields with behaviour.
    """

    __slots__ = ()
    _KIND: ClassVar[str]
    _FIELDS: ClassVar[Resource]
    # the keywords the resource's create and update methods spell out (the others go through **fields)
    _KEYWORDS: ClassVar[frozenset[str]]

    if TYPE_CHECKING:  # the walked fields are added from the metadata when the module loads
        __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]

        def __getattr__(self, name: str) -> Any: ...

    @classmethod
    def accepted(cls) -> dict[str, type]:
        """Every keyword the constructor takes, with the Python type of its value (older names included)."""
        # the fields with behaviour of their own are all strings (names, and the target bucket's ID)
        keys: dict[str, type] = {
            f.name: str for f in dataclasses.fields(cls) if cls._FIELDS.get(f.name) is None
        }
        for spec_field in cls._FIELDS.fields:
            keys[spec_field.name] = spec_field.spec.python_type
            if spec_field.name in OLDER_NAMES:
                keys[OLDER_NAMES[spec_field.name]] = spec_field.spec.python_type
        return keys

    @property
    def extras(self) -> dict[str, Any]:
        """The managed fields that the resource methods take through ``**fields`` (name -> value)."""
        return {
            spec_field.name: value
            for spec_field in self._FIELDS.fields
            if spec_field.name not in self._KEYWORDS and (value := getattr(self, spec_field.name)) is not None
        }

    @property
    def extra(self) -> tuple[tuple[str, Any], ...]:
        """``extras`` as sorted (name, value) pairs."""
        return tuple(sorted(self.extras.items()))

    def managed(self) -> dict[str, Any]:
        """Every walked field this object manages (not None), in the spec's order."""
        return {
            spec_field.name: value
            for spec_field in self._FIELDS.fields
            if (value := getattr(self, spec_field.name)) is not None
        }

    def _set_fields(self, name: str, given: dict[str, Any]) -> None:
        known = self._FIELDS
        older_names = {OLDER_NAMES[f.name] for f in known.fields if f.name in OLDER_NAMES}
        for key in given:
            if known.get(key) is None and key not in older_names:
                raise TypeError(f"{type(self).__name__}() got an unexpected keyword argument {key!r}")
        for spec_field in known.fields:
            value, arg = given.get(spec_field.name), spec_field.name
            older = OLDER_NAMES.get(spec_field.name)
            if older is not None and given.get(older) is not None:
                if value is not None and value != given[older]:
                    raise ValueError(
                        f"{self._KIND} {name!r}: give {arg} or its older alias {older}, not both"
                    )
                if value is None:
                    value, arg = given[older], older
            if value is None and spec_field.default is not None and spec_field.name not in given:
                value = spec_field.default  # a field with a default is always managed: None is refused below
            if value is not None or spec_field.required or spec_field.default is not None:
                value = spec_field.check(value, arg if value is not None else older or arg)
            object.__setattr__(self, spec_field.name, value)


def _keywords(*methods: Callable[..., Any]) -> frozenset[str]:
    """The parameters the methods name (not their ``**fields``)."""
    return frozenset(
        name
        for method in methods
        for name, parameter in inspect.signature(method).parameters.items()
        if parameter.kind is not inspect.Parameter.VAR_KEYWORD
    )


def _walked(resource: Resource, keywords: frozenset[str]) -> Callable[[type[_T]], type[_T]]:
    """Make ``cls`` a frozen dataclass whose fields are its own plus the resource's walked fields."""

    def build(cls: type[_T]) -> type[_T]:
        annotations = dict(inspect.get_annotations(cls))
        for spec_field in resource.fields:
            annotations[spec_field.name] = "Any"
        cls.__annotations__ = annotations
        cls._FIELDS = resource  # type: ignore[attr-defined]
        cls._KEYWORDS = keywords  # type: ignore[attr-defined]
        made = dataclass(frozen=True, slots=True, init=False)(cls)
        for name, older in OLDER_NAMES.items():
            if resource.get(name) is not None:
                setattr(made, older, property(attrgetter(name), doc=f"The older name of ``{name}``."))
        return made

    return build


@_walked(REMOTE, _keywords(Remotes.create, Remotes.update))
class DesiredRemote(_Desired):
    """A remote connection as it should be.

    Besides the arguments below it takes, as keywords, every field of the spec's remote create and update
    requests except the token (e.g. its URL, ``remote_url``, also accepted as ``url``). A field not given
    takes the spec's create default; without one, None (or not given) means "do not manage it". Each is
    read as an attribute. The API token is never part of desired state.

    Attributes:
        name: Its name, unique in the org; how replications refer to it.
        token_env: The environment variable holding the remote's API token, used when the remote is
            created. None: the ``secrets`` callback given to ``apply`` must supply it.
        extras: The managed fields that ``remotes.create`` / ``update`` take through ``**fields``.
    """

    _KIND = "remote"

    name: str
    token_env: str | None

    def __init__(
        self,
        name: str,
        *,
        token_env: str | None = None,
        extra: tuple[tuple[str, Any], ...] = (),
        **fields: Any,
    ) -> None:
        object.__setattr__(self, "name", check_name(name, "name"))
        if token_env is not None:
            check_name(token_env, "token_env")
        object.__setattr__(self, "token_env", token_env)
        self._set_fields(name, {**dict(extra), **fields})


@_walked(REPLICATION, _keywords(Replications.create, Replications.update))
class DesiredReplication(_Desired):
    """A replication as it should be.

    Besides the arguments below it takes, as keywords, every field of the spec's replication create and
    update requests (e.g. ``max_queue_size_bytes``, ``max_age_seconds``), read as attributes. A field not
    given takes the spec's create default; without one, None (or not given) means "do not manage it".

    Attributes:
        name: Its name, unique in the org.
        remote: The name of a :class:`DesiredRemote` in the same state.
        local_bucket: The local bucket's name (or ID, 16 hex digits). The server cannot move a
            replication to another local bucket, so a change here is applied by delete and create.
        remote_bucket: The target bucket's name on the remote (exactly one of this and
            ``remote_bucket_id``).
        remote_bucket_id: The target bucket's ID on the remote.
        extras: The managed fields that ``replications.create`` / ``update`` take through ``**fields``.
    """

    _KIND = "replication"

    name: str
    remote: str
    local_bucket: str
    remote_bucket: str | None
    remote_bucket_id: str | None  # the other side of the bucket switch

    def __init__(
        self,
        name: str,
        remote: str,
        local_bucket: str,
        remote_bucket: str | None = None,
        *,
        extra: tuple[tuple[str, Any], ...] = (),
        **fields: Any,
    ) -> None:
        set_ = object.__setattr__
        set_(self, "name", check_name(name, "name"))
        set_(self, "remote", check_name(remote, "remote"))
        set_(self, "local_bucket", check_name(local_bucket, "local_bucket"))
        given = {**dict(extra), **fields}
        bucket_id = given.pop(BUCKET_ID, None)
        if (remote_bucket is None) == (bucket_id is None):
            raise ValueError(f"replication {name!r}: give exactly one of remote_bucket and {BUCKET_ID}")
        set_(
            self,
            "remote_bucket",
            None if remote_bucket is None else check_name(remote_bucket, "remote_bucket"),
        )
        set_(self, BUCKET_ID, None if bucket_id is None else check_id(bucket_id, BUCKET_ID))
        self._set_fields(name, given)


@dataclass(frozen=True, slots=True)
class DesiredState:
    """The remotes and replications one server (one org) should have.

    Names must be unique per kind, and every replication's ``remote`` must name one of ``remotes``
    (ValueError otherwise).
    """

    remotes: tuple[DesiredRemote, ...] = ()
    replications: tuple[DesiredReplication, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "remotes", tuple(self.remotes))
        object.__setattr__(self, "replications", tuple(self.replications))
        for kind, items, cls in (
            ("remote", self.remotes, DesiredRemote),
            ("replication", self.replications, DesiredReplication),
        ):
            seen: set[str] = set()
            for item in items:
                if not isinstance(item, cls):
                    raise ValueError(f"{kind}s must hold {cls.__name__} objects, got {type(item).__name__}")
                if item.name in seen:
                    raise ValueError(f"{kind} {item.name!r} is declared twice")
                seen.add(item.name)
        remote_names = {r.name for r in self.remotes}
        for rep in self.replications:
            if rep.remote not in remote_names:
                raise ValueError(
                    f"replication {rep.name!r} names remote {rep.remote!r}, which is not declared"
                )
