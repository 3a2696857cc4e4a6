"""What ``plan`` finds to do and what ``apply`` did: :class:`Change`, :class:`Plan` and :class:`ApplyResult`.

A change that discards a replication's durable queue (a recreate, the delete of a replication, reference
3.7: the server removes the queue with it) is *destructive*: it carries the queue's sizes as read for the
plan (``remaining_bytes``: not yet sent, ``queue_bytes``: on disk), None when the server does not report
them. ``apply`` refuses such a change while its queue still holds unsent bytes, unless it may drain the
queue first or was told that losing them is fine (see ``apply.py``).
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from .health import format_bytes

__all__ = ["Action", "ApplyResult", "Change", "Kind", "Plan", "at_stake"]

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
        destructive: True when the change discards a replication's queue (a recreate, or the delete of
            a replication): whatever it has not sent yet is lost unless it is drained first.
        remaining_bytes: For a destructive change, the replication's ``remainingBytesToBeSynced`` as read
            for the plan (bytes not yet sent); None when unknown (the server does not report it).
        queue_bytes: For a destructive change, its ``currentQueueSizeBytes`` as read for the plan; None
            when unknown.
    """

    action: Action
    kind: Kind
    name: str
    id: str | None = None
    fields: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    reason: str = ""
    destructive: bool = False
    remaining_bytes: int | None = None
    queue_bytes: int | None = None

    @property
    def header(self) -> str:
        """One line: marker, kind, quoted name and ID, e.g. ``  ~ remote "cloud" (0b0b0b0b0b0b0b0b)``."""
        marker = _MARKERS.get(self.action, "?")
        ident = "" if self.id is None else f" ({self.id})"
        return f"{marker:>3} {self.kind} {json.dumps(self.name, ensure_ascii=False)}{ident}"

    @property
    def at_risk(self) -> bool:
        """True when applying this change as it is could lose data: destructive, and its queue holds
        unsent bytes (``remaining_bytes`` above 0) or nobody can tell (None)."""
        return self.destructive and (self.remaining_bytes is None or self.remaining_bytes > 0)

    def __str__(self) -> str:
        """The header, the reason as a ``#`` comment, a ``!`` line for a destructive change, then one line
        per field (``field: old -> new``).

        A create shows only the new values (``field: new``); a value never set shows as ``(unset)``.
        The destructive line reads e.g. ``! destructive: discards its queue: 1234 bytes (1.2 KiB) unsent,
        queue 1242 bytes`` (``unknown`` when the server does not report a size).
        """
        lines = [self.header]
        if self.reason:
            lines.append(f"      # {self.reason}")
        if self.destructive:
            lines.append(f"      ! destructive: discards its queue: {at_stake(self)}")
        for name, (old, new) in self.fields.items():
            if self.action == "create":
                lines.append(f"      {name}: {_show(new)}")
            else:
                lines.append(f"      {name}: {_show(old)} -> {_show(new)}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: action, kind, name, id, reason and fields as ``{field: {"old", "new"}}``.

        A destructive change also has ``"destructive": true``, ``"remaining_bytes"`` and
        ``"queue_bytes"`` (null when unknown); the others do not carry these three keys.
        """
        data: dict[str, Any] = {
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
        if self.destructive:
            data.update(destructive=True, remaining_bytes=self.remaining_bytes, queue_bytes=self.queue_bytes)
        return data


def at_stake(change: Change) -> str:
    """The bytes a destructive change puts at risk, in words: "1234 bytes (1.2 KiB) unsent, queue 1242
    bytes"; "unknown" for a size the server does not report."""

    def size(count: int | None) -> str:
        if count is None:
            return "unknown"
        return f"{count} bytes" + (f" ({format_bytes(count)})" if count >= 1024 else "")

    return f"{size(change.remaining_bytes)} unsent, queue {size(change.queue_bytes)}"


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


@dataclass(frozen=True, slots=True, eq=False)
class ApplyResult(Plan):
    """What ``apply`` did (``changes``, as a :class:`Plan`), and what it refused to do (``refused``).

    It is a Plan: iterate ``changes``, take ``len``, ``bool``, ``str``, ``to_dict`` as before. A result
    without refusals compares equal to the Plan of the same changes.

    Attributes:
        changes: The changes made, in order (creates and recreates carry the new IDs).
        refused: The destructive changes that were not made because their queue still held unsent bytes
            (or the server does not say) and ``apply`` was given neither ``drain=True`` nor
            ``allow_data_loss=True``; also a prune of a remote whose replication was kept for that
            reason. Each names the replication, and ``remaining_bytes`` / ``queue_bytes`` say what is at
            stake; its ``reason`` says why it was refused. Those objects were left exactly as they were.
    """

    refused: tuple[Change, ...] = ()

    @property
    def ok(self) -> bool:
        """True when nothing was refused."""
        return not self.refused

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ApplyResult):
            return (self.changes, self.refused) == (other.changes, other.refused)
        if isinstance(other, Plan):
            return not self.refused and self.changes == other.changes
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.changes, self.refused)) if self.refused else hash((self.changes,))

    def __str__(self) -> str:
        """The Plan's diff of what was done, then, when something was refused, a ``refused:`` section."""
        text = Plan.__str__(self)
        if not self.refused:
            return text
        lines = [text, "", f"refused ({len(self.refused)}): queued data would be lost"]
        lines.extend(str(change) for change in self.refused)
        lines.append(_REFUSED_HINT)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """The Plan's dict plus ``"refused": [Change.to_dict(), ...]``."""
        return {**Plan.to_dict(self), "refused": [change.to_dict() for change in self.refused]}


_REFUSED_HINT = (
    "hint: drain the queues first (apply with drain=True, CLI --drain), or accept the loss "
    "(allow_data_loss=True, CLI --allow-data-loss)"
)
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
