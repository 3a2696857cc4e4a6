"""A health verdict for a replication stream, read from the fields the server reports about it.

``assess`` is pure: it looks at one :class:`Replication` (as ``replications.get`` or ``list`` return it) and
says, in words, how the stream is doing. The fields it reads and what the server means by them
(reference sections 3.2 and 6.2):

* ``latestResponseCode`` / ``latestErrorMessage``: the result of the background writer's latest attempt to
  write a block to the remote. Absent until the first attempt; 204 with "" after a success; 0 with the
  network error's text when the remote could not be reached; any other status (200 included: only 204
  counts) with "invalid response code N, must be 204: ..." when the remote refused the block, which then
  stays at the head of the queue and is retried (a 400 is dropped instead when ``dropNonRetryableData`` is
  set). Create and update responses never carry these two fields, so assess a ``get``/``list`` result.
* ``remainingBytesToBeSynced``: the bytes not yet sent; 0 when the queue is drained.
* ``currentQueueSizeBytes`` against ``maxQueueSizeBytes``: the queue's size on disk (sent blocks that are
  not yet trimmed included) against its limit. When a write would overflow the limit, the server drops
  that data from replication and only logs it; the local write still succeeds.

The verdict, first rule that applies:

1. No ``latest_response_code``: **never-attempted**. The writer has not tried to send anything yet; the
   reason says whether data is waiting (a fresh replication that nobody wrote to is in this state).
2. ``latest_response_code`` 0: **failing**, the remote could not be reached; the reason quotes
   ``latest_error_message`` and says how much is waiting.
3. Any code other than 204: **failing**, "the remote answered N: ..." with the server's message (and, for a
   400 with ``drop_non_retryable_data``, that the refused data was dropped).
4. 204 and ``remaining_bytes_to_be_synced`` 0: **healthy**.
5. 204 and ``remaining_bytes_to_be_synced`` above 0: **backlogged**, "N bytes waiting".
6. 204 and no ``remaining_bytes_to_be_synced`` (a server that does not report it): **healthy**, as far
   as can be told; the reason says the backlog is unknown and ``synced`` is None.

Independently, a queue filled to ``queue_warning_ratio`` of its maximum or more adds a warning (full or
nearly full: new data is dropped silently once it is full) and turns a healthy verdict into backlogged.
Fields the server did not send never raise; the reason says what could not be checked.

The hint: for a failing stream, the hint of the known failure its latest write result matches
(``failures.py``: a remote without org ID, a wrong token, a missing bucket, an unreachable remote, ...); else,
for a queue at or above the warning ratio, the full-queue hint; else None.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from typing import Any

from ..core.errors import InfluxDBError
from ..core.models import Replication
from .hints import hint_for, queue_full

__all__ = ["Health", "ReplicationStatus", "SyncTimeoutError", "assess"]

DEFAULT_QUEUE_WARNING_RATIO = 0.8

_UNITS = ("KiB", "MiB", "GiB", "TiB")


class Health(enum.StrEnum):
    """The health verdict of a replication stream (its value is the word used in output)."""

    HEALTHY = "healthy"
    BACKLOGGED = "backlogged"
    FAILING = "failing"
    NEVER_ATTEMPTED = "never-attempted"


@dataclass(frozen=True, slots=True)
class ReplicationStatus:
    """A replication with its health verdict and the reason for it, in words.

    ``str()`` gives one readable line: name, ID, verdict, reason and warnings.

    Attributes:
        replication: The replication as the server reported it.
        health: The verdict.
        reason: Why, in words (e.g. "12.3 MiB waiting to be sent; the latest write succeeded").
        warnings: Risks that do not decide the verdict on their own (a nearly full queue).
        hint: One sentence saying what to change, when the failure (or the full queue) is a known one;
            None otherwise, and for a healthy stream.
    """

    replication: Replication
    health: Health
    reason: str
    warnings: tuple[str, ...] = ()
    hint: str | None = None

    @property
    def id(self) -> str:
        """The replication's ID."""
        return self.replication.id

    @property
    def name(self) -> str:
        """The replication's name."""
        return self.replication.name

    @property
    def synced(self) -> bool | None:
        """Whether nothing is waiting to be sent; None when the server does not report it."""
        remaining = self.replication.remaining_bytes_to_be_synced
        return None if remaining is None else remaining == 0

    @property
    def queue_fill(self) -> float | None:
        """How full the queue is, current / max size (1.0 is full); None when that is unknown."""
        return _fill(self.replication)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary: the verdict and the fields it was derived from."""
        r = self.replication
        return {
            "id": r.id,
            "name": r.name,
            "health": self.health.value,
            "reason": self.reason,
            "warnings": list(self.warnings),
            "hint": self.hint,
            "synced": self.synced,
            "queue_fill": self.queue_fill,
            "remaining_bytes_to_be_synced": r.remaining_bytes_to_be_synced,
            "current_queue_size_bytes": r.current_queue_size_bytes,
            "max_queue_size_bytes": r.max_queue_size_bytes,
            "latest_response_code": r.latest_response_code,
            "latest_error_message": r.latest_error_message,
        }

    def __str__(self) -> str:
        text = f"{self.name} ({self.id}): {self.health.value}: {self.reason}"
        hint = [] if self.hint is None else [f"; hint: {self.hint}"]
        return "".join([text, *(f"; warning: {w}" for w in self.warnings), *hint])


def format_bytes(count: int) -> str:
    """A byte count for people: "512 B", "1.5 KiB", "12.3 MiB" (binary units, one decimal)."""
    if abs(count) < 1024:
        return f"{count} B"
    value = float(count)
    for unit in _UNITS:
        value /= 1024
        if abs(value) < 1024 or unit == _UNITS[-1]:
            break
    return f"{value:.1f} {unit}"


def check_ratio(value: Any, arg: str = "queue_warning_ratio") -> float:
    """Return the ratio as a float; ValueError unless it is a number with 0 < value <= 1."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        raise ValueError(f"{arg} must be a number above 0 and at most 1, got {value!r}")
    return float(value)


def _fill(replication: Replication) -> float | None:
    current = replication.current_queue_size_bytes
    limit = replication.max_queue_size_bytes
    if current is None or limit <= 0:
        return None
    return current / limit


def _waiting(remaining: int | None) -> str:
    if remaining is None:
        return "the server does not report how much is waiting"
    if remaining == 0:
        return "nothing is waiting to be sent"
    return f"{format_bytes(remaining)} waiting to be sent"


def _remote_message(code: int, message: str | None) -> str:
    """The writer's message without its "invalid response code N, must be 204" prefix (we say the code)."""
    if not message:
        return "(no error message)"
    prefix = f"invalid response code {code}, must be 204"
    if message.startswith(prefix):
        rest = message[len(prefix) :].lstrip(": ")
        return rest or f"expected 204, got {code}"
    return message


def _verdict(replication: Replication) -> tuple[Health, str]:
    code = replication.latest_response_code
    remaining = replication.remaining_bytes_to_be_synced
    message = replication.latest_error_message
    if code is None:
        return Health.NEVER_ATTEMPTED, f"no write to the remote has been attempted yet; {_waiting(remaining)}"
    if code == 0:
        text = message or "(no error message)"
        return Health.FAILING, f"the remote could not be reached: {text}; {_waiting(remaining)}"
    if code != 204:
        reason = f"the remote answered {code}: {_remote_message(code, message)}"
        if code == 400 and replication.drop_non_retryable_data:
            reason += "; the refused data was dropped (drop_non_retryable_data)"
        return Health.FAILING, f"{reason}; {_waiting(remaining)}"
    if remaining is None:
        return Health.HEALTHY, "the latest write succeeded; the server does not report how much is waiting"
    if remaining == 0:
        return Health.HEALTHY, "the latest write succeeded and nothing is waiting to be sent"
    return Health.BACKLOGGED, f"{format_bytes(remaining)} waiting to be sent; the latest write succeeded"


def assess(
    replication: Replication, *, queue_warning_ratio: float = DEFAULT_QUEUE_WARNING_RATIO
) -> ReplicationStatus:
    """Give a replication a health verdict, with the reason in words (rules in the module docstring).

    Args:
        replication: A replication as ``replications.get`` or ``list`` return it (create and update
            responses lack the latest write result, so they always read as never-attempted).
        queue_warning_ratio: Warn when the queue is at least this full (current / max size); 0 < ratio <= 1.

    Returns:
        The replication with its verdict, reason and warnings.

    Raises:
        ValueError: queue_warning_ratio is not a number in (0, 1].
    """
    ratio = check_ratio(queue_warning_ratio)
    health, reason = _verdict(replication)
    warnings: list[str] = []
    fill = _fill(replication)
    if fill is None:
        reason += "; the queue's size is not reported, so its fill was not checked"
    elif fill >= ratio:
        current = replication.current_queue_size_bytes or 0
        sizes = f"{format_bytes(current)} of {format_bytes(replication.max_queue_size_bytes)}"
        if fill >= 1:
            warnings.append(f"the queue is full ({sizes}): the server is dropping new data silently")
        else:
            percent = math.floor(fill * 100)
            warnings.append(
                f"the queue is {percent}% full ({sizes}): the server drops new data silently once it is full"
            )
        if health is Health.HEALTHY:
            # nothing may be unsent, yet blocks that were sent but not trimmed still count against the
            # limit (reference 3.2), so new data can be dropped all the same
            health = Health.BACKLOGGED
            reason = f"the queue is {'full' if fill >= 1 else 'nearly full'} although {reason}"
    hint = None
    if health is Health.FAILING:
        hint = hint_for(
            replication.latest_response_code,
            replication.latest_error_message,
            drop_non_retryable_data=replication.drop_non_retryable_data,
        )
    if hint is None and warnings:
        hint = queue_full().hint
    return ReplicationStatus(replication, health, reason, tuple(warnings), hint)


class SyncTimeoutError(InfluxDBError, TimeoutError):
    """``replications.wait_until_synced`` ran out of time before the queue was drained.

    Also a ``TimeoutError``, so ``except TimeoutError`` catches it too.

    Attributes:
        replication: The replication as the last poll saw it.
        status: Its health verdict (``status.reason`` often says why it is not synced).
        waited: Seconds waited in all.
    """

    def __init__(
        self, message: str, *, replication: Replication, status: ReplicationStatus, waited: float
    ) -> None:
        super().__init__(message)
        self.replication = replication
        self.status = status
        self.waited = waited
