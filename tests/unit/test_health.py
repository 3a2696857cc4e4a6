"""Health verdicts (assess), ReplicationStatus, SyncTimeoutError, and status() and wait_until_synced()."""

from __future__ import annotations

import json
import math
import pickle
import time
from typing import Any

import httpx
import pytest
import respx
from hypothesis import given
from hypothesis import strategies as st

from influxdb_replications import InfluxDBError, NotFoundError, Replication, ReplicationClient
from influxdb_replications.operations.health import (
    Health,
    ReplicationStatus,
    SyncTimeoutError,
    assess,
    check_ratio,
    format_bytes,
)

from .conftest import ORG_ID, REPL_ID, error_json, replication_json

MAX = 67_108_860
WRITER_401 = "invalid response code 401, must be 204: 401 Unauthorized: unauthorized access"
REFUSED = (
    'Post "http://127.0.0.1:1/api/v2/write?bucket=b&org=": dial tcp 127.0.0.1:1: connect: connection refused'
)


def make(**override: Any) -> Replication:
    """A replication as a GET returns it: drained, latest write 204, empty queue (8 bytes)."""
    fields: dict[str, Any] = {
        "id": REPL_ID,
        "org_id": ORG_ID,
        "name": "edge-to-cloud",
        "remote_id": "0b0b0b0b0b0b0b0b",
        "local_bucket_id": "0e0e0e0e0e0e0e0e",
        "remote_bucket_id": "0f0f0f0f0f0f0f0f",
        "remote_bucket_name": "",
        "max_queue_size_bytes": MAX,
        "max_age_seconds": 604800,
        "drop_non_retryable_data": False,
        "current_queue_size_bytes": 8,
        "remaining_bytes_to_be_synced": 0,
        "latest_response_code": 204,
        "latest_error_message": "",
    }
    fields.update(override)
    return Replication(**fields)


# ------------------------------------------------------------------ verdicts


def test_health_values_are_the_words_of_the_issue() -> None:
    """Health is a StrEnum whose values are the verdict words used in output."""
    assert [h.value for h in Health] == ["healthy", "backlogged", "failing", "never-attempted"]
    assert str(Health.NEVER_ATTEMPTED) == "never-attempted"
    assert Health("failing") is Health.FAILING


def test_healthy_when_latest_write_succeeded_and_nothing_waits() -> None:
    """204 and remaining 0 is healthy, synced, with no warning."""
    status = assess(make())
    assert status.health is Health.HEALTHY
    assert status.synced is True
    assert status.warnings == ()
    assert "latest write succeeded" in status.reason
    assert "nothing is waiting" in status.reason


def test_backlogged_when_bytes_wait_after_a_success() -> None:
    """204 with bytes remaining is backlogged, and the reason says how much in readable units."""
    status = assess(make(remaining_bytes_to_be_synced=12_900_000, current_queue_size_bytes=12_900_008))
    assert status.health is Health.BACKLOGGED
    assert status.synced is False
    assert "12.3 MiB waiting to be sent" in status.reason
    assert status.warnings == ()


@pytest.mark.parametrize(
    ("remaining", "words"),
    [
        (0, "nothing is waiting"),
        (5000, "4.9 KiB waiting to be sent"),
        (None, "does not report how much is waiting"),
    ],
)
def test_never_attempted_says_whether_data_waits(remaining: int | None, words: str) -> None:
    """No latestResponseCode is never-attempted; the reason says whether data is waiting."""
    status = assess(
        make(latest_response_code=None, latest_error_message=None, remaining_bytes_to_be_synced=remaining)
    )
    assert status.health is Health.NEVER_ATTEMPTED
    assert "no write to the remote has been attempted yet" in status.reason
    assert words in status.reason


def test_code_zero_is_a_network_failure_quoting_the_error() -> None:
    """latestResponseCode 0 is failing, and the network error is quoted with what is waiting."""
    status = assess(
        make(latest_response_code=0, latest_error_message=REFUSED, remaining_bytes_to_be_synced=2048)
    )
    assert status.health is Health.FAILING
    assert status.reason.startswith("the remote could not be reached: ")
    assert "connection refused" in status.reason
    assert "2.0 KiB waiting to be sent" in status.reason


@pytest.mark.parametrize(
    ("code", "message", "words"),
    [
        (401, WRITER_401, "the remote answered 401: 401 Unauthorized: unauthorized access"),
        (500, "invalid response code 500, must be 204: 500 Internal Server Error: boom", "answered 500: 500"),
        (503, "upstream unavailable", "the remote answered 503: upstream unavailable"),
        (200, "invalid response code 200, must be 204", "the remote answered 200: expected 204, got 200"),
        (429, "", "the remote answered 429: (no error message)"),
        (404, None, "the remote answered 404: (no error message)"),
    ],
)
def test_any_code_but_204_is_failing(code: int, message: str | None, words: str) -> None:
    """Every status other than 204 (200 included) is failing; the reason quotes the code and message."""
    status = assess(
        make(latest_response_code=code, latest_error_message=message, remaining_bytes_to_be_synced=9)
    )
    assert status.health is Health.FAILING
    assert words in status.reason
    assert "9 B waiting to be sent" in status.reason
    assert "invalid response code" not in status.reason  # the writer's prefix; the code is said once


def test_code_zero_without_message() -> None:
    """A network failure with no message still reads well."""
    status = assess(make(latest_response_code=0, latest_error_message=None))
    assert status.health is Health.FAILING
    assert "(no error message)" in status.reason


def test_400_with_drop_says_the_data_was_dropped() -> None:
    """A 400 with dropNonRetryableData is failing, and the reason says the refused data was dropped."""
    message = "invalid response code 400, must be 204: 400 Bad Request: unable to parse"
    dropped = assess(
        make(latest_response_code=400, latest_error_message=message, drop_non_retryable_data=True)
    )
    kept = assess(make(latest_response_code=400, latest_error_message=message))
    assert dropped.health is kept.health is Health.FAILING
    assert "dropped" in dropped.reason
    assert "dropped" not in kept.reason


def test_success_without_remaining_is_healthy_but_unknown() -> None:
    """204 on a server that does not report remainingBytesToBeSynced: healthy, synced unknown, said so."""
    status = assess(make(remaining_bytes_to_be_synced=None))
    assert status.health is Health.HEALTHY
    assert status.synced is None
    assert "does not report how much is waiting" in status.reason


# ------------------------------------------------------------------ queue fill


@pytest.mark.parametrize(
    ("current", "ratio", "warned"),
    [
        (799, 0.8, False),
        (800, 0.8, True),
        (801, 0.8, True),
        (999, 1.0, False),
        (1000, 1.0, True),
        (1, 0.001, True),
        (0, 0.001, False),
    ],
)
def test_queue_warning_boundary(current: int, ratio: float, warned: bool) -> None:
    """The warning starts exactly at current / max == ratio."""
    status = assess(
        make(max_queue_size_bytes=1000, current_queue_size_bytes=current), queue_warning_ratio=ratio
    )
    assert bool(status.warnings) is warned
    assert status.queue_fill == current / 1000


def test_nearly_full_queue_turns_healthy_into_backlogged() -> None:
    """A healthy stream with a nearly full queue is backlogged, with a warning about silent drops."""
    status = assess(make(max_queue_size_bytes=1000, current_queue_size_bytes=850))
    assert status.health is Health.BACKLOGGED
    assert status.synced is True
    assert status.reason.startswith("the queue is nearly full although the latest write succeeded")
    (warning,) = status.warnings
    assert "85% full" in warning
    assert "850 B of 1000 B" in warning
    assert "drops new data silently" in warning


def test_full_queue_warning_says_data_is_being_dropped() -> None:
    """At or over the maximum the warning says the queue is full and data is being dropped."""
    status = assess(
        make(max_queue_size_bytes=MAX, current_queue_size_bytes=MAX, remaining_bytes_to_be_synced=MAX - 8)
    )
    assert status.health is Health.BACKLOGGED
    (warning,) = status.warnings
    assert warning.startswith("the queue is full (64.0 MiB of 64.0 MiB)")
    assert "dropping new data" in warning


@pytest.mark.parametrize(
    ("code", "health"),
    [(0, Health.FAILING), (401, Health.FAILING), (None, Health.NEVER_ATTEMPTED)],
)
def test_queue_warning_keeps_a_worse_verdict(code: int | None, health: Health) -> None:
    """A full queue only adds a warning to failing and never-attempted verdicts."""
    status = assess(
        make(
            latest_response_code=code,
            latest_error_message="x",
            max_queue_size_bytes=1000,
            current_queue_size_bytes=990,
            remaining_bytes_to_be_synced=982,
        )
    )
    assert status.health is health
    assert len(status.warnings) == 1


def test_backlogged_stays_backlogged_with_a_warning() -> None:
    """A backlogged stream with a nearly full queue keeps its reason and gets the warning."""
    status = assess(
        make(max_queue_size_bytes=1000, current_queue_size_bytes=900, remaining_bytes_to_be_synced=892)
    )
    assert status.health is Health.BACKLOGGED
    assert status.reason.startswith("892 B waiting to be sent")
    assert len(status.warnings) == 1


@pytest.mark.parametrize("override", [{"current_queue_size_bytes": None}, {"max_queue_size_bytes": 0}])
def test_unknown_queue_fill_is_said_not_guessed(override: dict[str, Any]) -> None:
    """Without the queue's size (or a usable maximum) there is no warning and the reason says so."""
    status = assess(make(**override))
    assert status.queue_fill is None
    assert status.warnings == ()
    assert status.health is Health.HEALTHY
    assert "fill was not checked" in status.reason


def test_every_field_unknown_does_not_crash() -> None:
    """An older server's replication with none of the optional fields gets a verdict and a reason."""
    status = assess(
        make(
            current_queue_size_bytes=None,
            remaining_bytes_to_be_synced=None,
            latest_response_code=None,
            latest_error_message=None,
            max_age_seconds=None,
        )
    )
    assert status.health is Health.NEVER_ATTEMPTED
    assert status.synced is None
    assert status.queue_fill is None
    assert "does not report" in status.reason
    assert "not checked" in status.reason


@pytest.mark.parametrize("ratio", [0, -0.5, 1.01, math.nan, math.inf, True, "0.8", None])
def test_bad_ratio_is_a_value_error(ratio: Any) -> None:
    """queue_warning_ratio must be a number with 0 < ratio <= 1."""
    with pytest.raises(ValueError, match="queue_warning_ratio"):
        assess(make(), queue_warning_ratio=ratio)


def test_ratio_accepts_ints_and_one() -> None:
    """1 (int) and 1.0 are valid ratios."""
    assert check_ratio(1) == 1.0
    assert assess(make(), queue_warning_ratio=1.0).health is Health.HEALTHY


# ------------------------------------------------------------------ ReplicationStatus and sizes


def test_status_properties_and_str() -> None:
    """id/name come from the replication; str() is one line with name, id, verdict, reason, warnings."""
    status = assess(make(max_queue_size_bytes=1000, current_queue_size_bytes=900))
    assert status.id == REPL_ID
    assert status.name == "edge-to-cloud"
    text = str(status)
    assert text.startswith(f"edge-to-cloud ({REPL_ID}): backlogged: the queue is nearly full")
    assert "; warning: the queue is 90% full" in text
    assert "\n" not in text
    assert str(assess(make())) == (
        f"edge-to-cloud ({REPL_ID}): healthy: the latest write succeeded and nothing is waiting to be sent"
    )


def test_status_is_frozen_and_comparable() -> None:
    """ReplicationStatus is an immutable value."""
    status = assess(make())
    with pytest.raises(AttributeError):
        status.health = Health.FAILING  # type: ignore[misc]
    assert status == ReplicationStatus(make(), status.health, status.reason)


def test_to_dict_is_json_ready() -> None:
    """to_dict() carries the verdict and its inputs and survives json.dumps."""
    data = assess(make(latest_response_code=0, latest_error_message=REFUSED)).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["health"] == "failing"
    assert data["synced"] is True
    assert data["latest_response_code"] == 0
    assert data["warnings"] == []


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (0, "0 B"),
        (1023, "1023 B"),
        (1024, "1.0 KiB"),
        (1536, "1.5 KiB"),
        (12_900_000, "12.3 MiB"),
        (MAX, "64.0 MiB"),
        (3 * 1024**3, "3.0 GiB"),
        (5 * 1024**5, "5120.0 TiB"),
    ],
)
def test_format_bytes(count: int, text: str) -> None:
    """Byte counts are shown in binary units with one decimal."""
    assert format_bytes(count) == text


optional_int = st.none() | st.integers(min_value=0, max_value=2**40)


@given(
    code=st.none() | st.sampled_from([0, 200, 204, 400, 401, 429, 500, 503]) | st.integers(0, 999),
    message=st.none() | st.text(max_size=40),
    remaining=optional_int,
    current=optional_int,
    limit=st.integers(min_value=0, max_value=2**40),
    drop=st.booleans(),
    ratio=st.floats(min_value=0.0, max_value=1.0, exclude_min=True),
)
def test_assess_follows_the_rules_for_any_input(
    code: int | None,
    message: str | None,
    remaining: int | None,
    current: int | None,
    limit: int,
    drop: bool,
    ratio: float,
) -> None:
    """For any field values assess never raises, and the verdict and warning follow the documented rules."""
    replication = make(
        latest_response_code=code,
        latest_error_message=message,
        remaining_bytes_to_be_synced=remaining,
        current_queue_size_bytes=current,
        max_queue_size_bytes=limit,
        drop_non_retryable_data=drop,
    )
    status = assess(replication, queue_warning_ratio=ratio)
    warned = current is not None and limit > 0 and current / limit >= ratio
    assert bool(status.warnings) is warned
    if code is None:
        expected = Health.NEVER_ATTEMPTED
    elif code != 204:
        expected = Health.FAILING
    elif remaining or warned:
        expected = Health.BACKLOGGED
    else:
        expected = Health.HEALTHY
    assert status.health is expected
    assert status.reason
    assert str(status).startswith(f"edge-to-cloud ({REPL_ID}): {expected.value}: ")
    json.dumps(status.to_dict())


# ------------------------------------------------------------------ SyncTimeoutError


def test_sync_timeout_error_is_a_timeout_and_pickles() -> None:
    """SyncTimeoutError is both InfluxDBError and TimeoutError, keeps its state, and survives pickling."""
    replication = make(remaining_bytes_to_be_synced=100)
    status = assess(replication)
    error = SyncTimeoutError("not synced", replication=replication, status=status, waited=1.5)
    assert isinstance(error, InfluxDBError)
    assert isinstance(error, TimeoutError)
    assert str(error) == "not synced"
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is SyncTimeoutError
    assert str(copy) == "not synced"
    assert (copy.replication, copy.status, copy.waited) == (replication, status, 1.5)


# ------------------------------------------------------------------ status() and wait_until_synced() on respx

OTHER_ID = "1d1d1d1d1d1d1d1d"


async def test_status_of_all_is_sorted_by_name(router: respx.Router, client: ReplicationClient) -> None:
    """status() lists the org's replications (one request) and sorts the verdicts by name."""
    route = router.get("/api/v2/replications").respond(
        200,
        json={
            "replications": [
                replication_json(id=OTHER_ID, name="zeta", latestResponseCode=503, latestErrorMessage="down"),
                replication_json(name="alpha", latestResponseCode=204, latestErrorMessage=""),
            ]
        },
    )
    statuses = await client.replications.status()
    assert route.call_count == 1
    assert route.calls.last.request.url.params["orgID"] == ORG_ID
    assert [(s.name, s.health) for s in statuses] == [("alpha", Health.HEALTHY), ("zeta", Health.FAILING)]


async def test_status_of_none_is_empty(router: respx.Router, client: ReplicationClient) -> None:
    """The server's {"replications": null} gives an empty list."""
    router.get("/api/v2/replications").respond(200, json={"replications": None})
    assert await client.replications.status() == []


async def test_status_of_one_uses_get(router: respx.Router, client: ReplicationClient) -> None:
    """status(id) fetches that replication only and passes the warning ratio on."""
    route = router.get(f"/api/v2/replications/{REPL_ID}").respond(
        200,
        json=replication_json(
            latestResponseCode=204, latestErrorMessage="", currentQueueSizeBytes=40_000_000
        ),
    )
    (status,) = await client.replications.status(REPL_ID.upper(), queue_warning_ratio=0.5)
    assert route.call_count == 1
    assert status.health is Health.BACKLOGGED
    assert status.warnings


async def test_status_bad_arguments(router: respx.Router, client: ReplicationClient) -> None:
    """A bad ID or ratio is a ValueError before any request."""
    with pytest.raises(ValueError, match="replication_id"):
        await client.replications.status("nope")
    with pytest.raises(ValueError, match="queue_warning_ratio"):
        await client.replications.status(REPL_ID, queue_warning_ratio=2)
    assert not router.calls


async def test_status_not_found(router: respx.Router, client: ReplicationClient) -> None:
    """A missing replication raises NotFoundError."""
    router.get(f"/api/v2/replications/{REPL_ID}").mock(
        return_value=error_json(404, "not found", "replication not found")
    )
    with pytest.raises(NotFoundError):
        await client.replications.status(REPL_ID)


async def test_wait_fails_at_once_when_remaining_is_not_reported(
    router: respx.Router, client: ReplicationClient
) -> None:
    """A server that never reports remainingBytesToBeSynced gives a clear error after one poll."""
    body = replication_json()
    del body["remainingBytesToBeSynced"]
    route = router.get(f"/api/v2/replications/{REPL_ID}").respond(200, json=body)
    seen: list[Replication] = []
    with pytest.raises(InfluxDBError, match="does not report remainingBytesToBeSynced"):
        await client.replications.wait_until_synced(REPL_ID, timeout=30, on_progress=seen.append)
    assert route.call_count == 1
    assert len(seen) == 1


async def test_wait_never_sleeps_past_the_deadline(router: respx.Router, client: ReplicationClient) -> None:
    """With a poll interval far beyond the timeout, the wait ends at the deadline after a last poll."""
    route = router.get(f"/api/v2/replications/{REPL_ID}").respond(
        200,
        json=replication_json(remainingBytesToBeSynced=512, latestResponseCode=503, latestErrorMessage="x"),
    )
    started = time.monotonic()
    with pytest.raises(SyncTimeoutError) as caught:
        await client.replications.wait_until_synced(REPL_ID, timeout=0.2, poll_interval=30)
    elapsed = time.monotonic() - started
    assert 0.2 <= elapsed < 2
    assert route.call_count == 2  # the first poll and one at the deadline
    error = caught.value
    assert error.replication.remaining_bytes_to_be_synced == 512
    assert error.status.health is Health.FAILING
    assert 0.2 <= error.waited < 2
    assert REPL_ID in str(error)
    assert "512 bytes" in str(error)


async def test_wait_returns_once_drained(router: respx.Router, client: ReplicationClient) -> None:
    """Polls until remaining is 0, calling the callback after every poll, and returns the last state."""
    route = router.get(f"/api/v2/replications/{REPL_ID}").mock(
        side_effect=[
            httpx.Response(200, json=replication_json(remainingBytesToBeSynced=300, latestResponseCode=204)),
            httpx.Response(200, json=replication_json(remainingBytesToBeSynced=100, latestResponseCode=204)),
            httpx.Response(200, json=replication_json(remainingBytesToBeSynced=0, latestResponseCode=204)),
        ]
    )
    seen: list[int | None] = []

    async def progress(replication: Replication) -> None:
        seen.append(replication.remaining_bytes_to_be_synced)

    done = await client.replications.wait_until_synced(
        REPL_ID, timeout=10, poll_interval=0.01, on_progress=progress
    )
    assert done.remaining_bytes_to_be_synced == 0
    assert seen == [300, 100, 0]
    assert route.call_count == 3


@pytest.mark.parametrize(
    ("kwargs", "arg"),
    [
        ({"timeout": 0}, "timeout"),
        ({"timeout": -1}, "timeout"),
        ({"timeout": math.nan}, "timeout"),
        ({"timeout": True}, "timeout"),
        ({"timeout": "5"}, "timeout"),
        ({"timeout": 5, "poll_interval": 0}, "poll_interval"),
        ({"timeout": 5, "poll_interval": -0.1}, "poll_interval"),
        ({"timeout": 5, "poll_interval": math.inf}, "poll_interval"),
    ],
)
async def test_wait_bad_numbers(
    router: respx.Router, client: ReplicationClient, kwargs: Any, arg: str
) -> None:
    """timeout and poll_interval must be numbers above 0 (poll_interval finite); no request is made."""
    with pytest.raises(ValueError, match=arg):
        await client.replications.wait_until_synced(REPL_ID, **kwargs)
    assert not router.calls


@pytest.mark.parametrize("bad", ["", "to-cloud", "0d0d", REPL_ID + "0", None, 12])
async def test_wait_takes_an_id_only(router: respx.Router, client: ReplicationClient, bad: Any) -> None:
    """Anything but 16 hex digits is a ValueError naming replication_id, before any request."""
    with pytest.raises(ValueError, match="replication_id"):
        await client.replications.wait_until_synced(bad, timeout=1)
    assert not router.calls
