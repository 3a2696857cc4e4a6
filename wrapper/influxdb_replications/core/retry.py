"""Retry policy: which operations may be repeated, after which failures, and how long to wait.

Every decision of the request path lives here: what a failure tells (``classify``), whether an operation
may be sent again after it (``OPERATIONS``, ``should_retry``), whether it says that an earlier, unanswered
attempt was applied (``landed_earlier``), how long to wait (``retry_delay``) and whether that wait fits the
deadline; ``Retrying`` keeps one call's state and answers with a ``Step``. The loop that applies them is
``Core._request`` in ``core/client.py``.

Backoff is capped exponential with full jitter; ``Retry-After`` (seconds or an HTTP date) is honoured on 429
and 503. Tests make every wait instant with the client's documented ``sleep=`` hook
(``ReplicationClient(..., sleep=no_wait)`` with any ``async def no_wait(seconds): ...``); nothing here
patches ``asyncio.sleep``.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import random
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from influxdb_replications_api.types import RequestArgs

from .errors import (
    AlreadyExistsError,
    APIConnectionError,
    APIStatusError,
    Failure,
    InfluxDBError,
    NotFoundError,
)

__all__ = [
    "OPERATIONS",
    "Failure",
    "RetryClass",
    "RetryPolicy",
    "Retrying",
    "Step",
    "classify",
    "instant_sleep",
    "landed_earlier",
    "parse_retry_after",
    "retry_delay",
    "should_retry",
]

_LOG = logging.getLogger("influxdb_replications")


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


class Step(enum.Enum):
    """What the request path does after a failed attempt (the answer of ``Retrying.after``)."""

    RETRY = "retry"
    """Wait ``Retrying.delay`` seconds, then attempt again (looking the name up first if ``needs_lookup``)."""
    RAISE = "raise"
    """Raise the error."""
    DONE = "done"
    """Return as done: an earlier attempt that got no answer did delete it."""
    RECONCILE = "reconcile"
    """Look the name up and compare: an earlier attempt that got no answer may have created it."""


def landed_earlier(retry_class: RetryClass, error: InfluxDBError, *, reconcile: bool) -> Step | None:
    """After an attempt that got no answer: whether this error says that attempt was applied.

    A delete that now finds nothing deleted it (``Step.DONE``); a create with a reconcile look-up whose name
    is now taken may have created it (``Step.RECONCILE``: look it up and compare, contract note 1).
    None: the error says nothing about the earlier attempt.
    """
    if retry_class is RetryClass.DELETE and isinstance(error, NotFoundError):
        return Step.DONE
    if reconcile and isinstance(error, AlreadyExistsError):
        return Step.RECONCILE
    return None


def retry_delay(
    policy: RetryPolicy, failure: Failure, error: InfluxDBError, retry_number: int
) -> float | None:
    """Seconds to wait before retry number ``retry_number`` (0 for the first).

    The server's ``Retry-After`` on 429 and 503, else the policy's full-jitter backoff. None when
    ``Retry-After`` asks for more than ``policy.max_retry_after``: the error is raised at once then.
    """
    retry_after = error.retry_after if isinstance(error, APIStatusError) else None
    if failure is Failure.RETRY_LATER and retry_after is not None:
        return None if retry_after > policy.max_retry_after else retry_after
    return policy.backoff(retry_number)


class Retrying:
    """The retry state of one call: which attempt it is, what the failed ones told, the deadline.

    The request path makes one at a call's first failure (a call that succeeds at once needs none) and asks
    ``after(error)`` what to do after each failed attempt.

    Attributes:
        attempt: The number of the attempt being made (1 for the first).
        max_attempts: Attempts in total for this call.
        needs_lookup: The next attempt looks the name up before sending again (a create after an ambiguous
            failure, contract note 1); the request path clears it once a look-up answered.
        delay: The wait before the next attempt, set when ``after`` returns ``Step.RETRY``.
    """

    __slots__ = (
        "ambiguous_seen",
        "attempt",
        "delay",
        "max_attempts",
        "needs_lookup",
        "policy",
        "reconcile",
        "retry_class",
        "started",
    )

    def __init__(
        self,
        retry_class: RetryClass,
        policy: RetryPolicy,
        *,
        attempts: int | None = None,
        reconcile: bool = False,
        started: float | None = None,
    ) -> None:
        """``attempts`` overrides ``policy.max_attempts``; ``reconcile``: the call can look its name up;
        ``started``: the ``time.monotonic()`` at which the call began (default: now), which the deadline
        counts from."""
        self.retry_class = retry_class
        self.policy = policy
        self.max_attempts = policy.max_attempts if attempts is None else attempts
        self.reconcile = reconcile
        self.started = time.monotonic() if started is None else started
        self.attempt = 1
        self.ambiguous_seen = False
        self.needs_lookup = False
        self.delay = 0.0

    def after(self, error: InfluxDBError) -> Step:
        """What to do after the current attempt failed with ``error``; on RETRY, ``attempt`` is the next."""
        failure = classify(error)
        if failure is Failure.AMBIGUOUS:
            self.ambiguous_seen = True
        elif self.ambiguous_seen:
            landed = landed_earlier(self.retry_class, error, reconcile=self.reconcile)
            if landed is not None:
                return landed
        if self.reconcile and self.retry_class is RetryClass.CREATE and failure is Failure.AMBIGUOUS:
            self.needs_lookup = True  # the next attempt looks the name up before sending again
        elif not should_retry(self.retry_class, failure):
            return Step.RAISE
        if self.attempt >= self.max_attempts:
            return Step.RAISE
        delay = retry_delay(self.policy, failure, error, self.attempt - 1)
        if delay is None or not self.fits(delay):
            return Step.RAISE
        self.attempt += 1
        self.delay = delay
        return Step.RETRY

    def fits(self, delay: float) -> bool:
        """Whether a wait of ``delay`` seconds ends before the deadline (always, without one)."""
        deadline = self.policy.deadline
        return deadline is None or delay < deadline - (time.monotonic() - self.started)

    def log(self, op: str, request: RequestArgs | None, error: InfluxDBError) -> None:
        """One INFO line on the "influxdb_replications" logger for the retry ``after`` just decided."""
        if _LOG.isEnabledFor(logging.INFO):
            _LOG.info(
                "retrying %s %s (attempt %d of %d) in %.3fs after %s",
                "" if request is None else request["method"].upper(),
                op if request is None else request["url"],
                self.attempt,
                self.max_attempts,
                self.delay,
                _describe(error),
            )


def _describe(error: InfluxDBError) -> str:
    if isinstance(error, APIStatusError):
        return f"status {error.status_code}"
    cause = error.__cause__
    return type(cause).__name__ if cause is not None else type(error).__name__


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
