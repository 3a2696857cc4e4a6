"""What the command line prints: aligned tables, detail listings, JSON values, status rows, the
progress bar, warning lines, and the streams run() writes to (with secrets masked).
"""

from __future__ import annotations

import contextvars
import dataclasses
import datetime
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from ..core.models import RemoteConnection, Replication

if TYPE_CHECKING:
    from ..operations.fleet import HostResult
    from ..operations.health import ReplicationStatus


@dataclasses.dataclass
class _Streams:
    out: TextIO
    err: TextIO
    secrets: list[str]


_STREAMS: contextvars.ContextVar[_Streams | None] = contextvars.ContextVar("cli_streams", default=None)


def _mask(text: str, secrets: Iterable[str]) -> str:
    # a secret of a few characters cannot be masked without mangling the text around it
    for secret in secrets:
        if len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    return " ".join(str(value).split()) or "-"


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """Render an aligned plain-text table: upper-case headers, columns two spaces apart.

    Args:
        headers: The column titles.
        rows: The rows; None prints as "-", booleans as true/false, whitespace is collapsed.

    Returns:
        The table without a trailing newline.
    """
    cells = [[h.upper() for h in headers]] + [[_cell(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    )


def _details(pairs: Iterable[tuple[str, Any]]) -> str:
    pairs = list(pairs)
    width = max(len(k) for k, _ in pairs)
    return "\n".join(f"{k + ':':<{width + 1}} {_cell(v)}".rstrip() for k, v in pairs)


def _model_items(model: Any) -> list[tuple[str, Any]]:
    """A generated model's fields and values, in the spec's order (every field, new ones included)."""
    return [(spec.name, getattr(model, spec.name)) for spec in type(model).FIELDS]


def _jsonable(value: Any) -> Any:
    if hasattr(type(value), "FIELDS"):
        return {name: _jsonable(field) for name, field in _model_items(value)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


# every field of a remote as the server returns it but its org (the client's own): where it points
# first, as the table always showed it, then the rest in the spec's order
_REMOTE_FIRST = ("id", "name", "remote_url", "remote_org_id")
REMOTE_COLUMNS = (
    *_REMOTE_FIRST,
    *(s.name for s in RemoteConnection.FIELDS if s.name not in (*_REMOTE_FIRST, "org_id")),
)


REPLICATION_COLUMNS = (
    "id",
    "name",
    "remote_id",
    "local_bucket_id",
    "remote_bucket",
    "max_queue_size_bytes",
    "current_queue_size_bytes",
    "remaining_bytes_to_be_synced",
    "latest_response_code",
    "latest_error_message",
)


def _replication_row(r: Replication) -> list[Any]:
    row: list[Any] = []
    for column in REPLICATION_COLUMNS:
        if column == "remote_bucket":  # the bucket switch: the target's ID, else its name
            row.append(r.remote_bucket_id or r.remote_bucket_name)
        else:
            row.append(getattr(r, column))
    return row


def _status_dict(status: ReplicationStatus) -> dict[str, Any]:
    return {
        "id": status.id,
        "name": status.name,
        "health": str(status.health),
        "reason": status.reason,
        "warnings": list(status.warnings),
        "hint": status.hint,
        "synced": status.synced,
        "queue_fill": status.queue_fill,
        "replication": _jsonable(status.replication),
    }


STATUS_COLUMNS = ("name", "id", "health", "synced", "remaining_bytes", "queue_fill", "reason")


def _status_row(status: ReplicationStatus) -> list[Any]:
    fill = status.queue_fill
    return [
        status.name,
        status.id,
        str(status.health),
        status.synced,
        status.replication.remaining_bytes_to_be_synced,
        None if fill is None else f"{fill:.0%}",
        status.reason,
    ]


def _unhealthy(statuses: Iterable[ReplicationStatus]) -> bool:
    return any(str(s.health) in ("failing", "backlogged") for s in statuses)


class _Progress:
    """A one-line progress bar on stderr: ``apply [#######-----] 12/21 hosts, 1 failed``."""

    WIDTH = 30

    def __init__(self, stream: TextIO, label: str, total: int, enabled: bool) -> None:
        self._stream = stream
        self._label = label
        self._total = total
        self._enabled = enabled and total > 0
        self.done = 0
        self.failed = 0
        self._note = ""
        self._draw()

    def update(self, result: HostResult[Any]) -> None:
        self.done += 1
        if not result.ok:
            self.failed += 1
        self._draw()

    def note(self, text: str) -> None:
        """Show ``text`` after the bar until the next note (e.g. a host's drain: bytes left)."""
        self._note = f" | {_one_line(text)}\x1b[K"
        self._draw()

    def _draw(self) -> None:
        if not self._enabled:
            return
        filled = self.WIDTH * self.done // self._total
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        failed = f", {self.failed} failed" if self.failed else ""
        self._stream.write(f"\r{self._label} [{bar}] {self.done}/{self._total} hosts{failed}{self._note}")
        self._stream.flush()

    def close(self) -> None:
        if self._enabled:
            self._stream.write("\n")
            self._stream.flush()


def _one_line(text: str) -> str:
    return " ".join(text.split())


_LOG = logging.getLogger("influxdb_replications")


class WarningLines(logging.Handler):
    """Shows the library's warnings as ``warning: ...`` lines (the CLI's stderr), each distinct one once.

    Only records of the ``influxdb_replications`` logger itself (not of ``influxdb_replications.testing``,
    whose fake servers may share the process) at WARNING or above. ``close()`` detaches it.
    """

    def __init__(self, write: Callable[[str], object]) -> None:
        super().__init__(logging.WARNING)
        self._write = write
        self._seen: set[str] = set()
        _LOG.addHandler(self)

    def emit(self, record: logging.LogRecord) -> None:
        if record.name != _LOG.name:
            return
        text = record.getMessage()
        if text not in self._seen:  # a fleet run warns once, not once per host
            self._seen.add(text)
            self._write(f"warning: {text}")

    def close(self) -> None:
        _LOG.removeHandler(self)
        super().close()


def under_rows(table: str, hints: Iterable[str | None]) -> str:
    """A rendered table (a header line, then one line per row) with ``  hint: ...`` under rows that have one.

    Args:
        table: The table, one line per row after the header.
        hints: One entry per row, None for no hint.
    """
    lines = table.split("\n")
    notes = list(hints)
    out = lines[:1]
    for index, line in enumerate(lines[1:]):
        out.append(line)
        if index < len(notes) and notes[index] is not None:
            out.append(f"  hint: {notes[index]}")
    return "\n".join(out)
