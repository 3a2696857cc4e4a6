"""The metrics' cache (one collection in flight, reuse within min_interval), naming rules, the extra."""

from __future__ import annotations

import asyncio
import io
import re
import sys

import pytest
from prometheus_client.parser import text_string_to_metric_families

from influxdb_replications.cli import EXIT_USAGE, run
from influxdb_replications.core.models import Replication
from influxdb_replications.operations.health import assess
from influxdb_replications.operations.metrics import HostSample, MetricsCache, Stream, render


def sample(code: int | None = 204, remaining: int = 0) -> HostSample:
    data = {
        "id": "0000000000000001", "name": "to-cloud", "orgID": "0000000000000002",
        "remoteID": "0000000000000003", "localBucketID": "0000000000000004",
        "remoteBucketName": "archive", "maxQueueSizeBytes": 1000, "currentQueueSizeBytes": 250,
        "remainingBytesToBeSynced": remaining, "dropNonRetryableData": False,
    }  # fmt: skip
    if code is not None:
        data["latestResponseCode"] = code
    replication = Replication.from_dict(data)
    return HostSample("edge", "http://edge:8086", True, 0.25, (Stream(assess(replication), "cloud"),))


class Gate:
    """A collect function that blocks until opened, counting its calls."""

    def __init__(self) -> None:
        self.calls = 0
        self.open = asyncio.Event()

    async def __call__(self) -> list[HostSample]:
        self.calls += 1
        await self.open.wait()
        return [sample()]


async def test_one_collection_in_flight_for_concurrent_callers() -> None:
    """Callers that arrive while a collection runs wait for it and all get its result."""
    gate = Gate()
    cache = MetricsCache(gate)
    waiters = [asyncio.create_task(cache.get()) for _ in range(5)]
    for _ in range(5):
        await asyncio.sleep(0)  # every waiter has arrived, and the collection has started
    assert gate.calls == 1
    gate.open.set()
    results = await asyncio.gather(*waiters)
    assert len({id(r) for r in results}) == 1
    assert (gate.calls, cache.collections) == (1, 1)
    await cache.get()  # min_interval 0: the next caller collects again
    assert gate.calls == 2


async def test_a_caller_that_goes_away_does_not_cancel_the_collection() -> None:
    """A scraper that hangs up (its task cancelled) leaves the collection running for the others."""
    gate = Gate()
    cache = MetricsCache(gate)
    first = asyncio.create_task(cache.get())
    second = asyncio.create_task(cache.get())
    for _ in range(5):
        await asyncio.sleep(0)
    first.cancel()
    gate.open.set()
    assert (await second).hosts[0].host == "edge"
    assert gate.calls == 1


async def test_min_interval_reuses_the_last_result() -> None:
    """Within min_interval of the end of the last collection its result is reused; after it, a new one."""
    now = [100.0]
    gate = Gate()
    gate.open.set()
    cache = MetricsCache(gate, min_interval=30, clock=lambda: now[0])
    first = await cache.get()
    now[0] += 29.9
    assert await cache.get() is first
    now[0] += 0.2
    assert await cache.get() is not first
    assert gate.calls == 2


async def test_last_healthy_age_is_remembered_across_collections() -> None:
    """A stream seen healthy and then failing reports how long ago it was healthy; never healthy: absent."""
    results = iter([[sample()], [sample(code=0, remaining=5)]])

    async def collect() -> list[HostSample]:
        return next(results)

    cache = MetricsCache(collect)
    healthy = (await cache.get()).text.decode()
    assert re.search(r"^influxdb_replications_last_healthy_age_seconds\{.*\} 0\.0$", healthy, re.M)
    failing = (await cache.get()).text.decode()
    age = re.search(r"^influxdb_replications_last_healthy_age_seconds\{.*\} (\S+)$", failing, re.M)
    assert age is not None and float(age.group(1)) >= 0
    assert "last_healthy_age_seconds{" not in render([sample(code=0, remaining=5)]).decode()
    assert "latest_response_code{" not in render([sample(code=None)]).decode()


def test_names_follow_prometheus_rules() -> None:
    """Our prefix, snake_case labels, a unit or ratio where there is one, no _total on gauges, no hint."""
    families = list(text_string_to_metric_families(render([sample()]).decode()))
    assert families
    for family in families:
        assert family.name.startswith("influxdb_replications_")
        assert family.type == "gauge" and not family.name.endswith("_total")
        for s in family.samples:
            assert all(re.fullmatch(r"[a-z][a-z0-9_]*", label) for label in s.labels)
            assert "hint" not in s.labels
    names = {f.name for f in families}
    assert {
        "influxdb_replications_remaining_bytes",
        "influxdb_replications_queue_size_bytes",
        "influxdb_replications_queue_max_size_bytes",
        "influxdb_replications_queue_fill_ratio",
        "influxdb_replications_host_collection_duration_seconds",
    } <= names


async def test_missing_prometheus_client_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without prometheus_client: an ImportError naming the extra; at the command line exit 2, one line."""
    monkeypatch.setitem(sys.modules, "prometheus_client", None)
    with pytest.raises(ImportError, match=re.escape('pip install "influxdb-replications[prometheus]"')):
        render([sample()])
    err = io.StringIO()
    code = await run(
        ["status", "--host", "http://127.0.0.1:9", "--token", "t0k3n-x", "--format", "prometheus"],
        stdout=io.StringIO(),
        stderr=err,
    )
    assert code == EXIT_USAGE
    assert err.getvalue() == (
        'error: Prometheus metrics need prometheus_client: pip install "influxdb-replications[prometheus]"\n'
    )
