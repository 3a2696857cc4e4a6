"""The public, immutable models, and their conversion from the server's JSON.

Every field the server returns is here, with ``None`` (never an UNSET sentinel) for what the server
omitted. Conversion checks every type, so a malformed 2xx body fails loudly as
``APIResponseValidationError`` (raised by the request helper) instead of producing half-typed objects.

Responses are decoded once, straight from the parsed JSON into these models: going through the generated
models first cost more than the whole HTTP exchange on long lists (scripts/bench measured 1.8x the
generated layer's CPU on a list of 1000). The generated models still build every request body. The
conversion is table driven and remembers, per shape of JSON object, how to build the model (``_Decoder``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, make_dataclass
from typing import Any, Final, Generic, TypeVar

T = TypeVar("T")


class ShapeError(TypeError):
    """A field of a 2xx body has the wrong type (turned into APIResponseValidationError)."""


@dataclass(frozen=True, slots=True)
class RemoteConnection:
    """A remote connection, as the server returns it (the API token is never returned).

    Attributes:
        id: The remote's ID (16 hex digits).
        org_id: The ID of the org that owns it.
        name: Its name, unique in the org.
        remote_url: The URL of the remote InfluxDB.
        remote_org_id: The org ID on the remote, or None when it was never set.
        allow_insecure_tls: Whether TLS certificate checks are skipped towards the remote.
        description: Its description, or None when never set.
    """

    id: str
    org_id: str
    name: str
    remote_url: str
    remote_org_id: str | None
    allow_insecure_tls: bool
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Replication:
    """A replication stream, as the server returns it.

    Attributes:
        id: The replication's ID (16 hex digits).
        org_id: The ID of the org that owns it.
        name: Its name, unique in the org.
        remote_id: The ID of the remote connection it writes to.
        local_bucket_id: The ID of the local bucket it copies.
        remote_bucket_id: The target bucket's ID, or None for a name-based target.
        remote_bucket_name: The target bucket's name ("" for an ID-based target; None if the server sent
            nothing). The server spells the key ``RemoteBucketName``; both spellings are read.
        max_queue_size_bytes: The queue's size limit.
        max_age_seconds: How long queued data is kept (0: server default; see ``create``), or None when
            the server does not report it (before v2.2).
        drop_non_retryable_data: Whether data the remote refuses with 400 is dropped.
        current_queue_size_bytes: Bytes on disk in the queue (0 in a create response), or None.
        remaining_bytes_to_be_synced: Bytes not yet sent (0 in a create response), or None.
        latest_response_code: Status of the latest write to the remote (0: network error), or None
            before the first attempt (and always in create/update responses).
        latest_error_message: Error of the latest write ("" after a success), or None likewise.
        description: Its description, or None when never set.
    """

    id: str
    org_id: str
    name: str
    remote_id: str
    local_bucket_id: str
    remote_bucket_id: str | None
    remote_bucket_name: str | None
    max_queue_size_bytes: int
    max_age_seconds: int | None
    drop_non_retryable_data: bool
    current_queue_size_bytes: int | None = None
    remaining_bytes_to_be_synced: int | None = None
    latest_response_code: int | None = None
    latest_error_message: str | None = None
    description: str | None = None


_NONE = type(None)
_STR: Final[frozenset[type]] = frozenset({str})
_OPT_STR: Final[frozenset[type]] = frozenset({str, _NONE})
_INT: Final[frozenset[type]] = frozenset({int})  # bool is not accepted: type(True) is bool
_OPT_INT: Final[frozenset[type]] = frozenset({int, _NONE})
_OPT_BOOL: Final[frozenset[type]] = frozenset({bool, _NONE})  # absent means False

# (JSON key, allowed types), in the order of the model's fields.
_REMOTE_KEYS: Final = (
    ("id", _STR),
    ("orgID", _STR),
    ("name", _STR),
    ("remoteURL", _STR),
    ("remoteOrgID", _OPT_STR),
    ("allowInsecureTLS", _OPT_BOOL),
    ("description", _OPT_STR),
)
_REPLICATION_KEYS: Final = (
    ("id", _STR),
    ("orgID", _STR),
    ("name", _STR),
    ("remoteID", _STR),
    ("localBucketID", _STR),
    ("remoteBucketID", _OPT_STR),
    ("remoteBucketName", _OPT_STR),
    ("maxQueueSizeBytes", _INT),
    ("maxAgeSeconds", _OPT_INT),
    ("dropNonRetryableData", _OPT_BOOL),
    ("currentQueueSizeBytes", _OPT_INT),
    ("remainingBytesToBeSynced", _OPT_INT),
    ("latestResponseCode", _OPT_INT),
    ("latestErrorMessage", _OPT_STR),
    ("description", _OPT_STR),
)
_BUCKET_NAME_KEYS: Final = ("remoteBucketName", "RemoteBucketName")  # the server sends the second
# Fields whose absent or null value means False.
_FALSE_WHEN_ABSENT: Final = frozenset({"allowInsecureTLS", "dropNonRetryableData"})
# Distinct (key order, value types) shapes remembered per model; more than a real server ever sends (each
# optional field present, absent or null), and a bound against a server that sends a new shape every time.
_MAX_SHAPES: Final = 256
_Shape = tuple[tuple[str, ...], tuple[type, ...]]  # a JSON object's keys, in order, and its values' types


class _Decoder(Generic[T]):
    """Converts the server's JSON objects into the frozen dataclass ``cls``, one shape at a time.

    A shape is a JSON object's key order together with the types of its values. The first object of a
    shape takes the slow path: every field is checked (a bad one raises ShapeError naming it), and a small
    builder function is made for the shape that copies each value from its position straight into the
    slot of the model's field. Every later object of that shape costs three C-level passes (its values,
    its keys, their types) and one dictionary look-up before the builder runs: a shape that was valid once
    is valid again, because validity depends on nothing else. The real server writes its fields in a
    fixed order, so a list of 1000 replications has a handful of shapes (scripts/bench: 1.7 -> 1.25 µs
    per replication).

    The builder fills an instance of a mutable twin class with exactly the model's slots (plain attribute
    stores, where the frozen ``__init__`` pays an ``object.__setattr__`` per field) and then switches the
    instance's class to the model; Python allows that because both have the same memory layout. The result
    is an ordinary instance of the model, which tests/unit/test_models.py checks.
    """

    def __init__(self, cls: type[T], keys: tuple[tuple[str, frozenset[type]], ...], what: str) -> None:
        self.what = what
        self._cls = cls
        self._names = tuple(key for key, _ in keys)
        self._types = tuple(types for _, types in keys)
        self._fields = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]
        twin = make_dataclass(f"_{cls.__name__}Twin", [(name, object) for name in self._fields], slots=True)
        if twin.__slots__ != cls.__slots__:  # type: ignore[attr-defined]  # pragma: no cover - same fields
            raise TypeError(f"{cls.__name__} and its twin differ in layout")
        self._twin = twin
        self._builders: dict[_Shape, Callable[[tuple[Any, ...]], T]] = {}

    def __call__(self, data: Any) -> T:
        """Convert one JSON object; ShapeError when it is not an object or a field has the wrong type."""
        return self.many([data])[0]

    def many(self, items: list[Any]) -> list[T]:
        """Convert every JSON object of a list, in order."""
        builders = self._builders
        out: list[T] = []
        append = out.append
        for data in items:
            if type(data) is not dict:
                raise ShapeError(f"{self.what} is not a JSON object")
            values = tuple(data.values())
            shape = (tuple(data), tuple(map(type, values)))
            build = builders.get(shape) or self._learn(data, shape)
            append(build(values))
        return out

    def _learn(self, data: dict[str, Any], shape: _Shape) -> Callable[[tuple[Any, ...]], T]:
        """Check every field of ``data``; return the builder for its shape (remembered if there is room)."""
        names, types = self._names, self._types
        for name, allowed in zip(names, types, strict=True):
            value = data.get(name)
            if type(value) not in allowed:
                expected = " or ".join(sorted(t.__name__ for t in allowed if t is not _NONE))
                problem = "missing" if value is None else f"a {type(value).__name__}, not {expected}"
                raise ShapeError(f"{self.what}: {name} is {problem}")
        position = {key: index for index, key in enumerate(data) if data[key] is not None}
        sources: list[str] = []
        for name in names:
            if name == _BUCKET_NAME_KEYS[0]:
                # the server spells it "RemoteBucketName" (reference section 3.2); either is read
                found = [position[key] for key in _BUCKET_NAME_KEYS if key in position]
                if name not in position and type(data.get(_BUCKET_NAME_KEYS[1])) not in _OPT_STR:
                    raise ShapeError(f"{self.what}: {_BUCKET_NAME_KEYS[1]} is not a string")
                sources.append(f"v[{found[0]}]" if found else "None")
            elif name in position:
                sources.append(f"v[{position[name]}]")
            else:
                sources.append("False" if name in _FALSE_WHEN_ABSENT else "None")
        build = self._compile(sources)
        if len(self._builders) < _MAX_SHAPES:
            self._builders[shape] = build
        return build

    def _compile(self, sources: list[str]) -> Callable[[tuple[Any, ...]], T]:
        # Generated from the model's own field names and integer positions only (nothing the server sent
        # becomes code), as dataclasses does for __init__.
        lines = ["def build(v):", "    o = new(Twin)"]
        lines += [f"    o.{field} = {source}" for field, source in zip(self._fields, sources, strict=True)]
        lines += ["    o.__class__ = Model", "    return o"]
        namespace: dict[str, Any] = {"new": object.__new__, "Twin": self._twin, "Model": self._cls}
        exec("\n".join(lines), namespace)
        return namespace["build"]  # type: ignore[no-any-return]


_remote = _Decoder(RemoteConnection, _REMOTE_KEYS, "remote connection")
_replication = _Decoder(Replication, _REPLICATION_KEYS, "replication")
remote_from_json: Final[Callable[[Any], RemoteConnection]] = _remote
"""Convert one remote connection object of a response body into the public model."""
replication_from_json: Final[Callable[[Any], Replication]] = _replication
"""Convert one replication object of a response body into the public model."""


def remotes_from_json(data: Any) -> list[RemoteConnection]:
    """The remote connections of a list response (``{"remotes": [...]}``)."""
    return _remote.many(list_from_json(data, "remotes"))


def replications_from_json(data: Any) -> list[Replication]:
    """The replications of a list response (``{"replications": [...]}``)."""
    return _replication.many(list_from_json(data, "replications"))


def list_from_json(data: Any, key: str) -> list[Any]:
    """The array under ``key`` of a list response; ``null`` or an absent key is an empty list.

    The server answers an empty list with ``{"<key>": null}`` (reference 2.1, 3.2).
    """
    if type(data) is not dict:
        raise ShapeError(f"the {key} list is not a JSON object")
    items = data.get(key)
    if items is None:
        return []
    if type(items) is not list:
        raise ShapeError(f"{key} is not a list")
    return items
