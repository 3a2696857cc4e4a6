"""Retry policy: which operations may be repeated, after which failures, and how long to wait.

The decisions live here as small functions; the loop that applies them is the request helper in
``_client.py``. Backoff is capped exponential with full jitter; ``Retry-After`` (seconds or an HTTP date)
is honoured on 429 and 503. Tests make every wait instant with the client's documented ``sleep=`` hook
(``ReplicationClient(..., sleep=no_wait)`` with any ``async def no_wait(seconds): ...``); nothing here
patches ``asyncio.sleep``.
"""

from __future__ import annotations

import asyncio
import enum
import random
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from .errors import APIConnectionError, APIStatusError, Failure, InfluxDBError

__all__ = [
    "OPERATIONS",
    "Failure",
    "RetryClass",
    "RetryPolicy",
    "classify",
    "instant_sleep",
    "parse_retry_after",
    "should_retry",
]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How a call is repeated after a transient failure.

    Attributes:
        max_attempts: Attempts in total, the first included; 1 disables retries.
        initial_delay: Upper bound, in seconds, of the first jittered wait.
        max_delay: Cap, in seconds, of any jittered wait.
        deadline: Seconds that bound the whole call, waits included: no attempt starts and no wait runs past
            it. None means no deadline. The request in flight is bounded by its own timeout.
        max_retry_after: A ``Retry-After`` asking for more than this many seconds is not waited for: the
            error is raised at once (its ``retry_after`` says when to come back).
    """

    max_attempts: int = 4
    initial_delay: float = 0.25
    max_delay: float = 8.0
    deadline: float | None = 30.0
    max_retry_after: float = 60.0

    def __post_init__(self) -> None:
        if isinstance(self.max_attempts, bool) or not isinstance(self.max_attempts, int):
            raise ValueError("max_attempts must be an int")
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        for name in ("initial_delay", "max_delay", "max_retry_after"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
                raise ValueError(f"{name} must be a number >= 0")
        if self.deadline is not None and (
            isinstance(self.deadline, bool)
            or not isinstance(self.deadline, int | float)
            or not self.deadline > 0
        ):
            raise ValueError("deadline must be a number > 0 or None")

    def backoff(self, retry_number: int) -> float:
        """Full-jitter wait before retry number ``retry_number`` (0 for the first retry)."""
        cap = min(self.max_delay, self.initial_delay * 2.0 ** min(retry_number, 62))
        return random.uniform(0.0, cap)


async def instant_sleep(seconds: float) -> None:
    """A ``sleep=`` hook for tests: every backoff wait returns at once (still a cancellation point)."""
    del seconds
    await asyncio.sleep(0)


class RetryClass(enum.Enum):
    """How an operation may be repeated."""

    SAFE = "safe"
    """Repeating it has the same effect as doing it once: retried on every transient failure."""
    DELETE = "delete"
    """Like SAFE; a 404 after an ambiguous attempt means the first attempt already deleted it."""
    CREATE = "create"
    """Not idempotent: plain retry only when nothing reached the server (connect errors) or on 429/503;
    after an ambiguous failure the name is looked up instead (see the client's reconcile step)."""


# The one table of operations. The reason for each row is beside it.
OPERATIONS: dict[str, RetryClass] = {
    "orgs.lookup": RetryClass.SAFE,  # GET /orgs?org=: read only
    "buckets.lookup": RetryClass.SAFE,  # GET /buckets?orgID=&name=: read only
    "remotes.list": RetryClass.SAFE,  # GET: read only
    "remotes.get": RetryClass.SAFE,  # GET: read only
    "remotes.create": RetryClass.CREATE,  # POST inserts a row; a blind repeat hits UNIQUE (reference 6.5)
    "remotes.update": RetryClass.SAFE,  # PATCH sets the given fields to given values: idempotent
    "remotes.delete": RetryClass.DELETE,  # DELETE: a repeat after success is a 404, treated as done
    "replications.list": RetryClass.SAFE,  # GET: read only
    "replications.get": RetryClass.SAFE,  # GET: read only
    "replications.create": RetryClass.CREATE,  # POST inserts a row and a queue (reference 3.4)
    "replications.update": RetryClass.SAFE,  # PATCH sets the given fields to given values: idempotent
    "replications.delete": RetryClass.DELETE,  # DELETE: a repeat after success is a 404, treated as done
    "replications.validate_create": RetryClass.SAFE,  # POST ?validate=true saves nothing (reference 4)
    "replications.validate_update": RetryClass.SAFE,  # PATCH ?validate=true saves nothing (reference 4)
    "replications.validate": RetryClass.SAFE,  # POST /{id}/validate saves nothing (reference 3.8)
}


def classify(error: InfluxDBError) -> Failure:
    """Tell what a failed attempt means for repeating it.

    A status tells it by its code; a transport failure carries what its sender knew
    (``APIConnectionError.failure``, set by ``core/transport.py``).
    """
    if isinstance(error, APIStatusError):
        if error.status_code in (429, 503):
            return Failure.RETRY_LATER
        if error.status_code in (502, 504):
            return Failure.AMBIGUOUS
        return Failure.FINAL
    if isinstance(error, APIConnectionError):
        return error.failure
    return Failure.FINAL


def should_retry(retry_class: RetryClass, failure: Failure) -> bool:
    """Whether an attempt that failed this way may simply be sent again."""
    if failure is Failure.FINAL:
        return False
    if retry_class is RetryClass.CREATE:
        return failure is not Failure.AMBIGUOUS
    return True


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Parse a ``Retry-After`` header: delay seconds or an HTTP date.

    Args:
        value: The header value, or None.
        now: The current UNIX time (for tests); defaults to ``time.time()``.

    Returns:
        Seconds to wait (0.0 for a date in the past), or None when absent or unparseable.
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if value.isascii() and value.replace(".", "", 1).isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # "-0000" dates; HTTP dates are always GMT
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)
