"""The retry decisions one by one: what a failure tells (``.failure``, ``classify``), then ``Retrying``."""

from __future__ import annotations

import logging
import ssl
import time

import httpx
import pytest

from influxdb_replications import (
    AlreadyExistsError,
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    BadRequestError,
    InfluxDBError,
    NotFoundError,
    RateLimitError,
    RetryPolicy,
    ServerError,
)
from influxdb_replications.core.errors import Failure
from influxdb_replications.core.retry import RetryClass, Retrying, Step, classify, landed_earlier, retry_delay
from influxdb_replications.core.transport import HttpxSender

# ------------------------------------------------------------------ what a failure tells

HTTPX_FAILURES: dict[str, tuple[Exception, type[APIConnectionError], Failure]] = {
    "connect-error": (httpx.ConnectError("refused"), APIConnectionError, Failure.NOT_SENT),
    "connect-timeout": (httpx.ConnectTimeout("connect"), APITimeoutError, Failure.NOT_SENT),
    "pool-timeout": (httpx.PoolTimeout("pool"), APITimeoutError, Failure.NOT_SENT),
    "unsupported-protocol": (httpx.UnsupportedProtocol("ftp"), APIConnectionError, Failure.FINAL),
    "read-timeout": (httpx.ReadTimeout("read"), APITimeoutError, Failure.AMBIGUOUS),
    "write-timeout": (httpx.WriteTimeout("write"), APITimeoutError, Failure.AMBIGUOUS),
    "read-error": (httpx.ReadError("reset by peer"), APIConnectionError, Failure.AMBIGUOUS),
    "disconnect": (httpx.RemoteProtocolError("Server disconnected"), APIConnectionError, Failure.AMBIGUOUS),
}


def _untrusted() -> httpx.ConnectError:
    cause = ssl.SSLCertVerificationError(1, "certificate verify failed")
    cause.verify_message = "self-signed certificate"
    error = httpx.ConnectError("handshake")
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(("exc", "cls", "failure"), list(HTTPX_FAILURES.values()), ids=list(HTTPX_FAILURES))
async def test_the_httpx_sender_says_what_a_failure_tells(
    exc: Exception, cls: type[APIConnectionError], failure: Failure
) -> None:
    """The httpx sender raises its typed error with ``failure`` set; classify returns that value."""

    def fail(request: httpx.Request) -> httpx.Response:
        raise exc

    sender = HttpxSender(
        "http://influx.test",
        {},
        httpx.Timeout(1.0),
        transport=httpx.MockTransport(fail),
        verify=True,
        limits=httpx.Limits(),
    )
    with pytest.raises(cls) as caught:
        await sender.send({"method": "get", "url": "/api/v2/remotes"})
    await sender.aclose()
    assert type(caught.value) is cls
    assert caught.value.failure is failure
    assert classify(caught.value) is failure
    assert caught.value.__cause__ is exc


async def test_an_untrusted_certificate_is_final_even_as_a_connect_error() -> None:
    """A connect error caused by an untrusted certificate is FINAL, not NOT_SENT: repeating cannot heal it."""

    def fail(request: httpx.Request) -> httpx.Response:
        raise _untrusted()

    sender = HttpxSender(
        "https://influx.test",
        {},
        httpx.Timeout(1.0),
        transport=httpx.MockTransport(fail),
        verify=True,
        limits=httpx.Limits(),
    )
    with pytest.raises(APIConnectionError) as caught:
        await sender.send({"method": "get", "url": "/api/v2/remotes"})
    await sender.aclose()
    assert caught.value.failure is Failure.FINAL and "not trusted" in caught.value.message


async def test_the_aiohttp_sender_says_nothing_was_sent_when_it_cannot_connect() -> None:
    """A refused connection through aiohttp is NOT_SENT."""
    pytest.importorskip("aiohttp")
    from influxdb_replications.core.transport import AiohttpSender

    sender = AiohttpSender("http://127.0.0.1:9", {}, httpx.Timeout(2.0), True, 10)
    try:
        with pytest.raises(APIConnectionError) as caught:
            await sender.send({"method": "get", "url": "/api/v2/remotes"})
    finally:
        await sender.aclose()
    assert caught.value.failure is Failure.NOT_SENT


def test_a_connection_error_made_elsewhere_is_ambiguous_unless_told() -> None:
    """``failure`` defaults to AMBIGUOUS (it may have landed); a keyword says otherwise."""
    assert APIConnectionError("x").failure is Failure.AMBIGUOUS
    assert classify(APIConnectionError("x")) is Failure.AMBIGUOUS
    assert classify(APITimeoutError("x", failure=Failure.NOT_SENT)) is Failure.NOT_SENT


@pytest.mark.parametrize(
    ("error", "failure"),
    [
        (RateLimitError("slow down", status_code=429), Failure.RETRY_LATER),
        (ServerError("unavailable", status_code=503), Failure.RETRY_LATER),
        (ServerError("bad gateway", status_code=502), Failure.AMBIGUOUS),
        (ServerError("gateway timeout", status_code=504), Failure.AMBIGUOUS),
        (ServerError("internal error", status_code=500), Failure.FINAL),
        (NotFoundError("gone", status_code=404), Failure.FINAL),
    ],
)
def test_a_status_tells_by_its_code(error: APIStatusError, failure: Failure) -> None:
    """429/503 retry later, 502/504 are ambiguous, every other status is final."""
    assert classify(error) is failure


def test_the_failure_survives_pickling() -> None:
    """``failure`` is kept when a connection error is pickled (e.g. sent from a worker process)."""
    import pickle

    error = APITimeoutError("slow", method="GET", url="/a", failure=Failure.NOT_SENT)
    assert pickle.loads(pickle.dumps(error)).failure is Failure.NOT_SENT


# ------------------------------------------------------------------ the decisions after a failed attempt

READ_TIMEOUT = APITimeoutError("read", failure=Failure.AMBIGUOUS)
REFUSED = APIConnectionError("refused", failure=Failure.NOT_SENT)
UNAVAILABLE = ServerError("unavailable", status_code=503)
GONE = NotFoundError("gone", status_code=404)
TAKEN = AlreadyExistsError("UNIQUE constraint failed", status_code=500)
BAD = BadRequestError("bad", status_code=400)
INSTANT = RetryPolicy(initial_delay=0.0, max_delay=0.0)


@pytest.mark.parametrize(
    ("retry_class", "error", "reconcile", "step"),
    [
        (RetryClass.DELETE, GONE, False, Step.DONE),
        (RetryClass.DELETE, TAKEN, False, None),
        (RetryClass.CREATE, TAKEN, True, Step.RECONCILE),
        (RetryClass.CREATE, TAKEN, False, None),
        (RetryClass.CREATE, GONE, True, None),
        (RetryClass.SAFE, GONE, False, None),
        (RetryClass.SAFE, UNAVAILABLE, False, None),
    ],
)
def test_landed_earlier(
    retry_class: RetryClass, error: InfluxDBError, reconcile: bool, step: Step | None
) -> None:
    """After an unanswered attempt: a delete's 404 is done, a reconciling create's taken name is compared."""
    assert landed_earlier(retry_class, error, reconcile=reconcile) is step


@pytest.mark.parametrize(
    ("error", "failure", "expected"),
    [
        (ServerError("x", status_code=503, retry_after=2.0), Failure.RETRY_LATER, 2.0),
        (RateLimitError("x", status_code=429, retry_after=0.0), Failure.RETRY_LATER, 0.0),
        (RateLimitError("x", status_code=429, retry_after=60.0), Failure.RETRY_LATER, 60.0),
        (RateLimitError("x", status_code=429, retry_after=60.5), Failure.RETRY_LATER, None),
        (ServerError("x", status_code=503), Failure.RETRY_LATER, "backoff"),
        (ServerError("x", status_code=502, retry_after=5.0), Failure.AMBIGUOUS, "backoff"),
        (READ_TIMEOUT, Failure.AMBIGUOUS, "backoff"),
    ],
)
def test_retry_delay(
    monkeypatch: pytest.MonkeyPatch, error: InfluxDBError, failure: Failure, expected: float | str | None
) -> None:
    """Retry-After on 429/503 up to max_retry_after (beyond: None, raise at once); otherwise the backoff."""
    monkeypatch.setattr(RetryPolicy, "backoff", lambda self, n: 0.125 * (n + 1))
    delay = retry_delay(RetryPolicy(), failure, error, 2)
    assert delay == (0.375 if expected == "backoff" else expected)


def _steps(retrying: Retrying, errors: list[InfluxDBError]) -> list[Step]:
    return [retrying.after(error) for error in errors]


@pytest.mark.parametrize(
    ("retry_class", "reconcile", "errors", "steps"),
    [
        (
            RetryClass.SAFE,
            False,
            [UNAVAILABLE, READ_TIMEOUT, REFUSED, UNAVAILABLE],
            [Step.RETRY] * 3 + [Step.RAISE],
        ),
        (RetryClass.SAFE, False, [BAD], [Step.RAISE]),
        (RetryClass.SAFE, False, [READ_TIMEOUT, GONE], [Step.RETRY, Step.RAISE]),
        (RetryClass.DELETE, False, [READ_TIMEOUT, GONE], [Step.RETRY, Step.DONE]),
        (RetryClass.DELETE, False, [UNAVAILABLE, GONE], [Step.RETRY, Step.RAISE]),
        (RetryClass.DELETE, False, [GONE], [Step.RAISE]),
        (
            RetryClass.CREATE,
            False,
            [REFUSED, UNAVAILABLE, READ_TIMEOUT],
            [Step.RETRY, Step.RETRY, Step.RAISE],
        ),
        (RetryClass.CREATE, True, [READ_TIMEOUT, TAKEN], [Step.RETRY, Step.RECONCILE]),
        (RetryClass.CREATE, True, [REFUSED, TAKEN], [Step.RETRY, Step.RAISE]),
        (RetryClass.CREATE, True, [TAKEN], [Step.RAISE]),
    ],
)
def test_retrying_answers_each_failure(
    retry_class: RetryClass, reconcile: bool, errors: list[InfluxDBError], steps: list[Step]
) -> None:
    """Retrying.after walks the table: retry while allowed and attempts last, settle what landed, or raise."""
    retrying = Retrying(retry_class, INSTANT, reconcile=reconcile)
    assert _steps(retrying, errors) == steps


def test_an_ambiguous_create_that_reconciles_looks_up_before_the_next_attempt() -> None:
    """A create with a look-up retries an ambiguous failure, with needs_lookup set; without one it raises."""
    retrying = Retrying(RetryClass.CREATE, INSTANT, reconcile=True)
    assert retrying.after(READ_TIMEOUT) is Step.RETRY
    assert retrying.needs_lookup and retrying.attempt == 2
    assert Retrying(RetryClass.CREATE, INSTANT).after(READ_TIMEOUT) is Step.RAISE


def test_attempts_override_the_policy() -> None:
    """attempts= bounds the call instead of max_attempts (1: a look-up inside another call's loop)."""
    assert Retrying(RetryClass.SAFE, INSTANT, attempts=1).after(UNAVAILABLE) is Step.RAISE
    retrying = Retrying(RetryClass.SAFE, RetryPolicy(max_attempts=1, initial_delay=0.0), attempts=3)
    assert _steps(retrying, [UNAVAILABLE] * 3) == [Step.RETRY, Step.RETRY, Step.RAISE]
    assert (retrying.attempt, retrying.max_attempts) == (3, 3)


def test_a_retry_sets_the_delay_and_counts_the_attempt() -> None:
    """On RETRY, delay is the wait before the next attempt and attempt is that attempt's number."""
    retrying = Retrying(RetryClass.SAFE, RetryPolicy())
    assert retrying.after(ServerError("x", status_code=503, retry_after=1.5)) is Step.RETRY
    assert (retrying.attempt, retrying.delay) == (2, 1.5)


def test_a_wait_past_the_deadline_is_not_started(monkeypatch: pytest.MonkeyPatch) -> None:
    """A wait is allowed only if it ends before the deadline; without a deadline any wait fits."""
    clock = [100.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    retrying = Retrying(RetryClass.SAFE, RetryPolicy(deadline=10.0))
    clock[0] = 104.0
    assert retrying.fits(5.9) and not retrying.fits(6.0)
    assert retrying.after(ServerError("x", status_code=503, retry_after=6.0)) is Step.RAISE
    assert retrying.after(ServerError("x", status_code=503, retry_after=5.0)) is Step.RETRY
    assert Retrying(RetryClass.SAFE, RetryPolicy(deadline=None)).fits(1e9)


def test_a_retry_after_beyond_max_retry_after_raises() -> None:
    """A Retry-After longer than max_retry_after is not waited for."""
    retrying = Retrying(RetryClass.SAFE, RetryPolicy(max_retry_after=1.0))
    assert retrying.after(RateLimitError("x", status_code=429, retry_after=2.0)) is Step.RAISE


def test_each_retry_logs_one_line(caplog: pytest.LogCaptureFixture) -> None:
    """Retrying.log writes the method, path, next attempt, wait and cause; the operation without a request."""
    retrying = Retrying(RetryClass.SAFE, RetryPolicy())
    retrying.after(ServerError("x", status_code=503, retry_after=0.5))
    with caplog.at_level(logging.INFO, logger="influxdb_replications"):
        retrying.log("remotes.get", {"method": "get", "url": "/api/v2/remotes/x"}, UNAVAILABLE)
        retrying.log("remotes.get", None, READ_TIMEOUT)
    assert [r.getMessage() for r in caplog.records] == [
        "retrying GET /api/v2/remotes/x (attempt 2 of 4) in 0.500s after status 503",
        "retrying  remotes.get (attempt 2 of 4) in 0.500s after APITimeoutError",
    ]
