"""The retry decisions one by one: what a failure tells (``APIConnectionError.failure``, ``classify``)."""

from __future__ import annotations

import ssl

import httpx
import pytest

from influxdb_replications import APIConnectionError, APITimeoutError, RateLimitError, ServerError
from influxdb_replications.core.errors import APIStatusError, Failure, NotFoundError
from influxdb_replications.core.retry import classify
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
