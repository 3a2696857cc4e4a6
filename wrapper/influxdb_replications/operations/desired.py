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

import datetime
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ..core.args import check_bool, check_id, check_name, check_str, check_url
from ..core.fields import ExtraFields, check_extras
from .legacy_fields import (
    DEFAULT_MAX_AGE_SECONDS,
    DEFAULT_QUEUE_SIZE_BYTES,
    REMOTE,
    REPLICATION,
    check_max_age,
    check_queue_size,
)

__all__ = ["Change", "DesiredRemote", "DesiredReplication", "DesiredState", "Plan"]


class _Extras:
    """Mixin for the spec's other fields: read as attributes, kept sorted in ``extra``."""

    __slots__ = ()
    _EXTRAS: ExtraFields
    extra: tuple[tuple[str, Any], ...]

    def __getattr__(self, name: str) -> Any:
        # only called when normal look-up fails: the spec's other fields, None when not managed
        if name.startswith("_") or self._EXTRAS.spec(name) is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        return dict(self.extra).get(name)

    @property
    def extras(self) -> dict[str, Any]:
        """The spec's other fields that this object manages (name -> value)."""
        return dict(self.extra)

    def _set_extras(self, fields: Mapping[str, Any]) -> None:
        checked = check_extras(self._EXTRAS.all, fields, type(self).__name__)
        object.__setattr__(self, "extra", tuple(sorted(checked.items())))


@dataclass(frozen=True, slots=True, init=False)
class DesiredRemote(_Extras):
    """A remote connection as it should be.

    Besides the arguments below it accepts, as keywords, every other optional field of the spec's remote
    create and update requests (the ``**fields`` of ``remotes.create`` / ``remotes.update``); None, or not
    given, means "do not manage it". The API token is never part of desired state.

    Attributes:
        name: Its name, unique in the org; how replications refer to it.
        remote_url: The remote InfluxDB's URL (``remoteURL``); ``url`` is accepted as an older alias.
        remote_org_id: The org ID on the remote; None means "do not manage it".
        token_env: The environment variable holding the remote's API token, used when the remote is
            created. None: the ``secrets`` callback given to ``apply`` must supply it.
        allow_insecure_tls: Skip TLS certificate checks towards the remote.
        description: Its description; None means "do not manage it".
        extra: The other fields given, as sorted (name, value) pairs; also read as attributes (the
            constructor takes them as keywords, or as ``extra=`` pairs as ``dataclasses.replace`` does).
    """

    _EXTRAS = REMOTE

    name: str
    remote_url: str
    remote_org_id: str | None
    token_env: str | None
    allow_insecure_tls: bool
    description: str | None
    extra: tuple[tuple[str, Any], ...]

    def __init__(
        self,
        name: str,
        remote_url: str | None = None,
        remote_org_id: str | None = None,
        token_env: str | None = None,
        allow_insecure_tls: bool = False,
        description: str | None = None,
        *,
        url: str | None = None,
        extra: tuple[tuple[str, Any], ...] = (),
        **fields: Any,
    ) -> None:
        if url is not None and remote_url is not None and url != remote_url:
            raise ValueError(f"remote {name!r}: give remote_url or its older alias url, not both")
        set_ = object.__setattr__
        set_(self, "name", check_name(name, "name"))
        given, arg = (url, "url") if remote_url is None else (remote_url, "remote_url")
        set_(self, "remote_url", check_url(given, arg))
        org_id = None if remote_org_id is None else check_id(remote_org_id, "remote_org_id")
        set_(self, "remote_org_id", org_id)
        if token_env is not None:
            check_name(token_env, "token_env")
        set_(self, "token_env", token_env)
        set_(self, "allow_insecure_tls", check_bool(allow_insecure_tls, "allow_insecure_tls"))
        set_(self, "description", None if description is None else check_str(description, "description"))
        self._set_extras({**dict(extra), **fields})

    @property
    def url(self) -> str:
        """The remote's URL: the older name of ``remote_url``."""
        return self.remote_url


@dataclass(frozen=True, slots=True, init=False)
class DesiredReplication(_Extras):
    """A replication as it should be.

    Besides the arguments below it accepts, as keywords, every other optional field of the spec's
    replication create and update requests (the ``**fields`` of ``replications.create`` / ``update``);
    None, or not given, means "do not manage it".

    Attributes:
        name: Its name, unique in the org.
        remote: The name of a :class:`DesiredRemote` in the same state.
        local_bucket: The local bucket's name (or ID, 16 hex digits). The server cannot move a
            replication to another local bucket, so a change here is applied by delete and create.
        remote_bucket: The target bucket's name on the remote (exactly one of this and
            ``remote_bucket_id``).
        remote_bucket_id: The target bucket's ID on the remote.
        max_queue_size_bytes: The queue's size limit (at least 33554430).
        max_age_seconds: How long queued data is kept: 0 or 60..5184000.
        drop_non_retryable_data: Drop data the remote refuses with 400.
        description: Its description; None means "do not manage it".
        extra: The other fields given, as sorted (name, value) pairs; also read as attributes.
    """

    _EXTRAS = REPLICATION

    name: str
    remote: str
    local_bucket: str
    remote_bucket: str | None
    remote_bucket_id: str | None
    max_queue_size_bytes: int
    max_age_seconds: int
    drop_non_retryable_data: bool
    description: str | None
    extra: tuple[tuple[str, Any], ...]

    def __init__(
        self,
        name: str,
        remote: str,
        local_bucket: str,
        remote_bucket: str | None = None,
        remote_bucket_id: str | None = None,
        max_queue_size_bytes: int = DEFAULT_QUEUE_SIZE_BYTES,
        max_age_seconds: int = DEFAULT_MAX_AGE_SECONDS,
        drop_non_retryable_data: bool = False,
        description: str | None = None,
        *,
        extra: tuple[tuple[str, Any], ...] = (),
        **fields: Any,
    ) -> None:
        set_ = object.__setattr__
        set_(self, "name", check_name(name, "name"))
        set_(self, "remote", check_name(remote, "remote"))
        set_(self, "local_bucket", check_name(local_bucket, "local_bucket"))
        if (remote_bucket is None) == (remote_bucket_id is None):
            raise ValueError(f"replication {name!r}: give exactly one of remote_bucket and remote_bucket_id")
        bucket = None if remote_bucket is None else check_name(remote_bucket, "remote_bucket")
        set_(self, "remote_bucket", bucket)
        set_(
            self,
            "remote_bucket_id",
            None if remote_bucket_id is None else check_id(remote_bucket_id, "remote_bucket_id"),
        )
        set_(self, "max_queue_size_bytes", check_queue_size(max_queue_size_bytes, "max_queue_size_bytes"))
        set_(self, "max_age_seconds", check_max_age(max_age_seconds, "max_age_seconds"))
        set_(self, "drop_non_retryable_data", check_bool(drop_non_retryable_data, "drop_non_retryable_data"))
        set_(self, "description", None if description is None else check_str(description, "description"))
        self._set_extras({**dict(extra), **fields})


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


Action = Literal["create", "update", "recreate", "delete"]
Kind = Literal["remote", "replication"]


@dataclass(frozen=True, slots=True)
class Change:
    """One step of a plan.

    Attributes:
        action: "create", "update" (only ``fields`` change), "recreate" (delete and create: the server
            cannot update that field, e.g. a replication's local bucket) or "delete" (prune).
        kind: "remote" or "replication".
        name: The object's name.
        id: The object's ID on the server (None for a create).
        fields: For update and recreate, field name -> (current value, desired value), only the fields
            that differ; for create, field name -> (None, desired value); for delete, empty.
        reason: Why, in words (e.g. "not declared (prune)", "the server cannot change local_bucket").
    """

    action: Action
    kind: Kind
    name: str
    id: str | None = None
    fields: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    reason: str = ""

    @property
    def header(self) -> str:
        """One line: marker, kind, quoted name and ID, e.g. ``  ~ remote "cloud" (0b0b0b0b0b0b0b0b)``."""
        marker = _MARKERS.get(self.action, "?")
        ident = "" if self.id is None else f" ({self.id})"
        return f"{marker:>3} {self.kind} {json.dumps(self.name, ensure_ascii=False)}{ident}"

    def __str__(self) -> str:
        """The header, the reason as a ``#`` comment, then one line per field (``field: old -> new``).

        A create shows only the new values (``field: new``); a value never set shows as ``(unset)``.
        """
        lines = [self.header]
        if self.reason:
            lines.append(f"      # {self.reason}")
        for name, (old, new) in self.fields.items():
            if self.action == "create":
                lines.append(f"      {name}: {_show(new)}")
            else:
                lines.append(f"      {name}: {_show(old)} -> {_show(new)}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: action, kind, name, id, reason and fields as ``{field: {"old", "new"}}``."""
        return {
            "action": self.action,
            "kind": self.kind,
            "name": self.name,
            "id": self.id,
            "reason": self.reason,
            "fields": {
                name: {"old": _jsonable(old), "new": _jsonable(new)}
                for name, (old, new) in self.fields.items()
            },
        }


@dataclass(frozen=True, slots=True)
class Plan:
    """What ``plan`` found to do, or what ``apply`` did: an ordered tuple of changes.

    An empty plan means the server already matches the desired state. ``str(plan)`` is a readable diff.
    """

    changes: tuple[Change, ...] = ()

    @property
    def is_empty(self) -> bool:
        """True when there is nothing to do."""
        return not self.changes

    def __bool__(self) -> bool:
        return bool(self.changes)

    def __len__(self) -> int:
        return len(self.changes)

    @property
    def counts(self) -> dict[str, int]:
        """How many changes of each action: ``{"create": n, "update": n, "recreate": n, "delete": n}``."""
        counts = dict.fromkeys(_MARKERS, 0)
        for change in self.changes:
            counts[change.action] = counts.get(change.action, 0) + 1
        return counts

    @property
    def summary(self) -> str:
        """One line: ``"N to create, N to update, N to recreate, N to delete"``, or a no-change line."""
        if not self.changes:
            return _NO_CHANGES
        return ", ".join(f"{count} to {action}" for action, count in self.counts.items())

    def __str__(self) -> str:
        """A readable diff: each change (see ``Change.__str__``), a blank line, then the summary line."""
        if not self.changes:
            return _NO_CHANGES
        return "\n".join([*(str(change) for change in self.changes), "", self.summary])

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: ``{"changes": [Change.to_dict(), ...], "summary": Plan.counts}``."""
        return {"changes": [change.to_dict() for change in self.changes], "summary": self.counts}


_NO_CHANGES = "No changes: the server already matches the desired state."
# The diff markers, in the order the summary line counts them.
_MARKERS: dict[str, str] = {"create": "+", "update": "~", "recreate": "-/+", "delete": "-"}


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime.datetime):
        return value.isoformat()  # as the CLI's --json writes it
    return str(value)


def _show(value: Any) -> str:
    """A field value as the diff shows it: JSON spelling (quoted strings, true/false), None as (unset)."""
    if value is None:
        return "(unset)"
    return json.dumps(_jsonable(value), ensure_ascii=False)
