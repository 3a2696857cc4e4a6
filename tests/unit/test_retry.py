"""Retries: the policy, Retry-After, which operations repeat after which failures, deadline, cancellation."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
import respx

from influxdb_replications import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    InfluxDBError,
    NotFoundError,
    RateLimitError,
    ReplicationClient,
    RetryPolicy,
    ServerError,
)
from influxdb_replications.core.retry import OPERATIONS, RetryClass, parse_retry_after

from .conftest import (
    BUCKET_ID,
    REMOTE_BUCKET_ID,
    REMOTE_ID,
    REPL_ID,
    MakeClient,
    Sleeps,
    error_json,
    remote_json,
    replication_json,
)

NOW = 1_700_000_000.0


def http_date(offset: float) -> str:
    """An HTTP date `offset` seconds after NOW."""
    return format_datetime(datetime.fromtimestamp(NOW + offset, UTC), usegmt=True)


# ------------------------------------------------------------------ the policy


def test_policy_defaults() -> None:
    """RetryPolicy() has the documented defaults."""
    policy = RetryPolicy()
    assert (
        policy.max_attempts,
        policy.initial_delay,
        policy.max_delay,
        policy.deadline,
        policy.max_retry_after,
    ) == (
        4,
        0.25,
        8.0,
        30.0,
        60.0,
    )


@pytest.mark.parametrize(
    ("kwargs", "arg"),
    [
        ({"max_attempts": 0}, "max_attempts"),
        ({"max_attempts": 1.5}, "max_attempts"),
        ({"initial_delay": -1}, "initial_delay"),
        ({"max_delay": -0.1}, "max_delay"),
        ({"max_retry_after": -1}, "max_retry_after"),
        ({"deadline": 0}, "deadline"),
        ({"deadline": -5}, "deadline"),
        ({"initial_delay": float("nan")}, "initial_delay"),
    ],
)
def test_policy_validation(kwargs: dict[str, Any], arg: str) -> None:
    """Invalid policy values are ValueErrors naming the field."""
    with pytest.raises(ValueError, match=arg):
        RetryPolicy(**kwargs)


def test_policy_is_frozen() -> None:
    """A RetryPolicy cannot be changed after construction."""
    policy = RetryPolicy()
    with pytest.raises(AttributeError):
        policy.max_attempts = 2  # type: ignore[misc]


@pytest.mark.parametrize("retry_number", range(8))
def test_full_jitter_bounds(retry_number: int) -> None:
    """backoff(n) is uniform in [0, min(max_delay, initial_delay * 2**n)]."""
    policy = RetryPolicy()
    cap = min(8.0, 0.25 * 2**retry_number)
    values = [policy.backoff(retry_number) for _ in range(200)]
    assert all(0.0 <= v <= cap for v in values)
    assert max(values) > cap / 2  # it is spread, not constant


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("", None),
        ("5", 5.0),
        ("0", 0.0),
        ("1.5", 1.5),
        (" 7 ", 7.0),
        (http_date(30), 30.0),
        (http_date(-30), 0.0),
        ("soon", None),
        ("-3", None),
        ("Wed, 99 Foo 2024 00:00:00 GMT", None),
        ("\u0663", None),
    ],
    ids=[
        "absent",
        "empty",
        "seconds",
        "zero",
        "fraction",
        "spaces",
        "date",
        "past-date",
        "garbage",
        "negative",
        "bad-date",
        "non-ascii-digit",
    ],
)
def test_parse_retry_after(header: str | None, expected: float | None) -> None:
    """Retry-After is seconds or an HTTP date (past dates are 0); anything else is None."""
    assert parse_retry_after(header, now=NOW) == expected


def test_operation_table_covers_every_operation() -> None:
    """The table marks only create as CREATE and only deletes as DELETE."""
    assert {op for op, cls in OPERATIONS.items() if cls is RetryClass.CREATE} == {
        "remotes.create",
        "replications.create",
    }
    assert {op for op, cls in OPERATIONS.items() if cls is RetryClass.DELETE} == {
        "remotes.delete",
        "replications.delete",
    }


# ------------------------------------------------------------------ which operations repeat

Call = Callable[[ReplicationClient], Awaitable[Any]]


OPS: dict[str, tuple[str, str, Callable[[], httpx.Response], Call]] = {
    "remotes.list": (
        "GET",
        "/api/v2/remotes",
        lambda: httpx.Response(200, json={"remotes": []}),
        lambda c: c.remotes.list(),
    ),
    "remotes.get": (
        "GET",
        f"/api/v2/remotes/{REMOTE_ID}",
        lambda: httpx.Response(200, json=remote_json()),
        lambda c: c.remotes.get(REMOTE_ID),
    ),
    "remotes.update": (
        "PATCH",
        f"/api/v2/remotes/{REMOTE_ID}",
        lambda: httpx.Response(200, json=remote_json()),
        lambda c: c.remotes.update(REMOTE_ID, name="n"),
    ),
    "remotes.delete": (
        "DELETE",
        f"/api/v2/remotes/{REMOTE_ID}",
        lambda: httpx.Response(204),
        lambda c: c.remotes.delete(REMOTE_ID),
    ),
    "replications.get": (
        "GET",
        f"/api/v2/replications/{REPL_ID}",
        lambda: httpx.Response(200, json=replication_json()),
        lambda c: c.replications.get(REPL_ID),
    ),
    "replications.update": (
        "PATCH",
        f"/api/v2/replications/{REPL_ID}",
        lambda: httpx.Response(200, json=replication_json()),
        lambda c: c.replications.update(REPL_ID, name="n"),
    ),
    "replications.delete": (
        "DELETE",
        f"/api/v2/replications/{REPL_ID}",
        lambda: httpx.Response(204),
        lambda c: c.replications.delete(REPL_ID),
    ),
    "replications.validate": (
        "POST",
        f"/api/v2/replications/{REPL_ID}/validate",
        lambda: httpx.Response(204),
        lambda c: c.replications.validate(REPL_ID),
    ),
    "replications.validate_create": (
        "POST",
        "/api/v2/replications",
        lambda: httpx.Response(204),
        lambda c: c.replications.validate_create(
            name="r", remote=REMOTE_ID, local_bucket=BUCKET_ID, remote_bucket_id=REMOTE_BUCKET_ID
        ),
    ),
    "replications.validate_update": (
        "PATCH",
        f"/api/v2/replications/{REPL_ID}",
        lambda: httpx.Response(204),
        lambda c: c.replications.validate_update(REPL_ID, name="n"),
    ),
    "remotes.create": (
        "POST",
        "/api/v2/remotes",
        lambda: httpx.Response(201, json=remote_json()),
        lambda c: c.remotes.create(
            name="cloud", remote_url="https://cloud.example:8086", remote_api_token="t"
        ),
    ),
    "replications.create": (
        "POST",
        "/api/v2/replications",
        lambda: httpx.Response(201, json=replication_json()),
        lambda c: c.replications.create(
            name="edge-to-cloud", remote=REMOTE_ID, local_bucket=BUCKET_ID, remote_bucket_id=REMOTE_BUCKET_ID
        ),
    ),
}
SAFE_OPS = [op for op in OPS if OPERATIONS[op] is not RetryClass.CREATE]
ALL_OPS = list(OPS)

TRANSIENT: dict[str, Callable[[], Any]] = {
    "503": lambda: httpx.Response(503),
    "502": lambda: httpx.Response(502, content=b"<html>bad gateway</html>"),
    "504": lambda: httpx.Response(504),
    "429": lambda: httpx.Response(429),
    "connect-error": lambda: httpx.ConnectError("refused"),
    "connect-timeout": lambda: httpx.ConnectTimeout("connect"),
    "read-timeout": lambda: httpx.ReadTimeout("read"),
    "reset": lambda: httpx.RemoteProtocolError("Server disconnected without sending a response."),
    "read-error": lambda: httpx.ReadError("reset by peer"),
}


@pytest.mark.parametrize("failure", list(TRANSIENT))
@pytest.mark.parametrize("op", SAFE_OPS)
async def test_safe_operations_retry_transient_failures(
    router: respx.Router, client: ReplicationClient, sleeps: Sleeps, op: str, failure: str
) -> None:
    """GET, PATCH, DELETE and validate-only calls are repeated after any transient failure."""
    method, path, ok, call = OPS[op]
    route = router.route(method=method, path=path).mock(side_effect=[TRANSIENT[failure](), ok()])
    await call(client)
    assert route.call_count == 2
    assert len(sleeps.calls) == 1


@pytest.mark.parametrize("failure", ["503", "429", "connect-error", "connect-timeout"])
@pytest.mark.parametrize("op", ["remotes.create", "replications.create"])
async def test_create_retries_when_nothing_was_done(
    router: respx.Router, client: ReplicationClient, op: str, failure: str
) -> None:
    """create is simply sent again after connect errors and 429/503, without a look-up."""
    method, path, ok, call = OPS[op]
    route = router.route(method=method, path=path).mock(side_effect=[TRANSIENT[failure](), ok()])
    lookup = router.get(path)
    await call(client)
    assert route.call_count == 2
    assert not lookup.called


FINAL: dict[str, Callable[[], httpx.Response]] = {
    "400": lambda: error_json(400, "invalid", "bad"),
    "401": lambda: error_json(401, "unauthorized", "unauthorized access"),
    "404": lambda: error_json(404, "not found", "not found"),
    "409": lambda: error_json(409, "conflict", "conflict"),
    "422": lambda: error_json(422, "unprocessable entity", "x"),
    "500": lambda: error_json(500, "internal error", "boom"),
    "500-unique": lambda: error_json(
        500, "internal error", "UNIQUE constraint failed: remotes.org_id, remotes.name"
    ),
}


@pytest.mark.parametrize("status", list(FINAL))
@pytest.mark.parametrize("op", ALL_OPS)
async def test_definite_answers_are_never_retried(
    router: respx.Router, client: ReplicationClient, sleeps: Sleeps, op: str, status: str
) -> None:
    """400/401/404/409/422/500 are raised after one request, for every operation."""
    method, path, _, call = OPS[op]
    route = router.route(method=method, path=path).mock(return_value=FINAL[status]())
    with pytest.raises(APIStatusError):
        await call(client)
    assert route.call_count == 1
    assert sleeps.calls == []


async def test_attempts_are_bounded(router: respx.Router, client: ReplicationClient, sleeps: Sleeps) -> None:
    """After max_attempts failures the last error is raised; the waits follow full jitter."""
    route = router.get(f"/api/v2/replications/{REPL_ID}").respond(503)
    with pytest.raises(ServerError):
        await client.replications.get(REPL_ID)
    assert route.call_count == 4
    assert len(sleeps.calls) == 3
    assert all(0 <= d <= 0.25 * 2**n for n, d in enumerate(sleeps.calls))


async def test_max_attempts_one_disables_retries(router: respx.Router, make_client: MakeClient) -> None:
    """RetryPolicy(max_attempts=1) sends exactly one request."""
    route = router.get(f"/api/v2/replications/{REPL_ID}").mock(side_effect=httpx.ConnectError("refused"))
    client = make_client(retry=RetryPolicy(max_attempts=1))
    with pytest.raises(APIConnectionError):
        await client.replications.get(REPL_ID)
    assert route.call_count == 1


async def test_unsupported_protocol_is_not_retried(make_client: MakeClient, router: respx.Router) -> None:
    """A transport error that can never succeed (unsupported protocol) is raised at once."""
    route = router.get(f"/api/v2/replications/{REPL_ID}").mock(side_effect=httpx.UnsupportedProtocol("no"))
    with pytest.raises(APIConnectionError):
        await make_client().replications.get(REPL_ID)
    assert route.call_count == 1


# ------------------------------------------------------------------ Retry-After


@pytest.mark.parametrize("status", [429, 503])
@pytest.mark.parametrize(
    ("header", "slept"),
    [("2", 2.0), ("0", 0.0), ("1.5", 1.5)],
)
async def test_retry_after_seconds_is_honoured(
    router: respx.Router, client: ReplicationClient, sleeps: Sleeps, status: int, header: str, slept: float
) -> None:
    """Retry-After in seconds on 429 and 503 is waited exactly."""
    route = router.get(f"/api/v2/replications/{REPL_ID}").mock(
        side_effect=[
            httpx.Response(status, headers={"Retry-After": header}),
            httpx.Response(200, json=replication_json()),
        ]
    )
    await client.replications.get(REPL_ID)
    assert route.call_count == 2
    assert sleeps.calls == [slept]


@pytest.mark.parametrize(("offset", "low", "high"), [(5, 3.0, 5.0), (-60, 0.0, 0.0)], ids=["future", "past"])
async def test_retry_after_http_date(
    router: respx.Router, client: ReplicationClient, sleeps: Sleeps, offset: float, low: float, high: float
) -> None:
    """Retry-After as an HTTP date is waited until that time (a past date: no wait)."""
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=offset), usegmt=True)
    router.get(f"/api/v2/replications/{REPL_ID}").mock(
        side_effect=[
            httpx.Response(503, headers={"Retry-After": when}),
            httpx.Response(200, json=replication_json()),
        ]
    )
    await client.replications.get(REPL_ID)
    assert len(sleeps.calls) == 1
    assert low <= sleeps.calls[0] <= high


async def test_retry_after_garbage_falls_back_to_backoff(
    router: respx.Router, client: ReplicationClient, sleeps: Sleeps
) -> None:
    """An unparseable Retry-After is ignored: the usual jittered wait is used."""
    router.get(f"/api/v2/replications/{REPL_ID}").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "soon"}),
            httpx.Response(200, json=replication_json()),
        ]
    )
    await client.replications.get(REPL_ID)
    assert len(sleeps.calls) == 1 and 0 <= sleeps.calls[0] <= 0.25


@pytest.mark.parametrize(
    ("policy", "header"),
    [
        (RetryPolicy(max_retry_after=60), "61"),
        (RetryPolicy(deadline=10), "11"),
        (RetryPolicy(deadline=10), "10"),
    ],
    ids=["above-cap", "beyond-deadline", "equal-to-deadline"],
)
async def test_retry_after_too_long_raises_at_once(
    router: respx.Router, make_client: MakeClient, sleeps: Sleeps, policy: RetryPolicy, header: str
) -> None:
    """A Retry-After above max_retry_after or beyond the deadline raises at once, with retry_after set."""
    route = router.get(f"/api/v2/replications/{REPL_ID}").respond(429, headers={"Retry-After": header})
    client = make_client(retry=policy)
    with pytest.raises(RateLimitError) as info:
        await client.replications.get(REPL_ID)
    assert route.call_count == 1
    assert sleeps.calls == []
    assert info.value.retry_after == float(header)


async def test_retry_after_ignored_on_other_statuses(
    router: respx.Router, client: ReplicationClient, sleeps: Sleeps
) -> None:
    """Retry-After on a 502 is not honoured (only 429 and 503 carry it)."""
    router.get(f"/api/v2/replications/{REPL_ID}").mock(
        side_effect=[
            httpx.Response(502, headers={"Retry-After": "30"}),
            httpx.Response(200, json=replication_json()),
        ]
    )
    await client.replications.get(REPL_ID)
    assert sleeps.calls[0] <= 0.25


# ------------------------------------------------------------------ deadline


async def test_no_attempt_after_the_deadline(router: respx.Router, make_client: MakeClient) -> None:
    """Once the deadline has passed no further attempt starts."""

    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.06)
        return httpx.Response(503)

    route = router.get(f"/api/v2/replications/{REPL_ID}").mock(side_effect=slow)
    client = make_client(retry=RetryPolicy(deadline=0.05, max_attempts=10))
    started = time.monotonic()
    with pytest.raises(ServerError):
        await client.replications.get(REPL_ID)
    assert route.call_count == 1
    assert time.monotonic() - started < 1.0


async def test_no_wait_runs_past_the_deadline(
    router: respx.Router, make_client: MakeClient, sleeps: Sleeps, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A jittered wait longer than what is left of the deadline is not started: the error is raised."""
    monkeypatch.setattr(RetryPolicy, "backoff", lambda self, n: 5.0)
    route = router.get(f"/api/v2/replications/{REPL_ID}").respond(503)
    client = make_client(retry=RetryPolicy(deadline=2.0))
    with pytest.raises(ServerError):
        await client.replications.get(REPL_ID)
    assert route.call_count == 1 and sleeps.calls == []


async def test_no_deadline(router: respx.Router, make_client: MakeClient, sleeps: Sleeps) -> None:
    """deadline=None bounds nothing but the attempts."""
    route = router.get(f"/api/v2/replications/{REPL_ID}").respond(503, headers={"Retry-After": "50"})
    client = make_client(retry=RetryPolicy(deadline=None, max_attempts=3))
    with pytest.raises(ServerError):
        await client.replications.get(REPL_ID)
    assert route.call_count == 3 and sleeps.calls == [50.0, 50.0]


# ------------------------------------------------------------------ logging


async def test_each_retry_logs_one_info_line(
    router: respx.Router, client: ReplicationClient, caplog: pytest.LogCaptureFixture
) -> None:
    """Every retry logs one INFO line on 'influxdb_replications' with method, path, attempt and delay."""
    router.get(f"/api/v2/replications/{REPL_ID}").mock(
        side_effect=[
            httpx.Response(503),
            httpx.ReadTimeout("slow"),
            httpx.Response(200, json=replication_json()),
        ]
    )
    with caplog.at_level(logging.INFO, logger="influxdb_replications"):
        await client.replications.get(REPL_ID)
    lines = [r for r in caplog.records if r.name == "influxdb_replications"]
    assert len(lines) == 2
    assert all(r.levelno == logging.INFO for r in lines)
    text = lines[0].getMessage()
    assert f"GET /api/v2/replications/{REPL_ID}" in text and "attempt 2 of 4" in text and "503" in text
    assert "attempt 3 of 4" in lines[1].getMessage() and "ReadTimeout" in lines[1].getMessage()


# ------------------------------------------------------------------ cancellation


async def test_cancel_during_backoff(router: respx.Router, make_client: MakeClient) -> None:
    """Cancelling a call that waits between attempts raises CancelledError and sends nothing more."""
    waiting = asyncio.Event()

    async def forever(seconds: float) -> None:
        waiting.set()
        await asyncio.Event().wait()

    route = router.get(f"/api/v2/replications/{REPL_ID}").respond(503)
    client = make_client(sleep=forever)
    task = asyncio.create_task(client.replications.get(REPL_ID))
    await asyncio.wait_for(waiting.wait(), 1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for _ in range(5):
        await asyncio.sleep(0)
    assert route.call_count == 1


async def test_cancel_in_flight(router: respx.Router, client: ReplicationClient) -> None:
    """Cancelling a call whose request is in flight raises CancelledError and is not retried."""
    entered = asyncio.Event()
    sent: list[httpx.Request] = []

    async def hang(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        entered.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    router.post("/api/v2/remotes").mock(side_effect=hang)
    lookup = router.get("/api/v2/remotes")
    task = asyncio.create_task(
        client.remotes.create(name="cloud", remote_url="https://cloud.example:8086", remote_api_token="t")
    )
    await asyncio.wait_for(entered.wait(), 1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for _ in range(5):
        await asyncio.sleep(0)
    assert len(sent) == 1 and not lookup.called


async def test_timeouts_are_api_timeout_errors(router: respx.Router, make_client: MakeClient) -> None:
    """httpx timeouts surface as APITimeoutError (an APIConnectionError and an InfluxDBError)."""
    router.get(f"/api/v2/replications/{REPL_ID}").mock(side_effect=httpx.ReadTimeout("slow"))
    client = make_client(retry=RetryPolicy(max_attempts=2))
    with pytest.raises(APITimeoutError) as info:
        await client.replications.get(REPL_ID)
    assert isinstance(info.value, InfluxDBError)
    assert isinstance(info.value.__cause__, httpx.ReadTimeout)


async def test_delete_404_after_ambiguous_attempt_is_done(
    router: respx.Router, client: ReplicationClient
) -> None:
    """A DELETE whose first attempt got no answer and whose retry gets 404 counts as done."""
    for path, call in (
        (f"/api/v2/replications/{REPL_ID}", client.replications.delete(REPL_ID)),
        (f"/api/v2/remotes/{REMOTE_ID}", client.remotes.delete(REMOTE_ID)),
    ):
        route = router.delete(path).mock(
            side_effect=[httpx.ReadTimeout("lost"), error_json(404, "not found", "gone")]
        )
        await call
        assert route.call_count == 2


async def test_delete_404_after_unambiguous_failure_is_raised(
    router: respx.Router, client: ReplicationClient
) -> None:
    """A 404 after a 503 or a connect error (nothing was done) is a real NotFoundError."""
    route = router.delete(f"/api/v2/replications/{REPL_ID}").mock(
        side_effect=[httpx.ConnectError("refused"), httpx.Response(503), error_json(404, "not found", "gone")]
    )
    with pytest.raises(NotFoundError):
        await client.replications.delete(REPL_ID)
    assert route.call_count == 3
