"""A fleet of embedded servers: a TOML fleet file applied to 20 edges replicating into one cloud."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from influxdb_replications import APIConnectionError, RetryPolicy
from influxdb_replications.config import FleetConfig, load_fleet
from influxdb_replications.fleet import Host, HostResult, fleet_apply, fleet_plan, fleet_status
from influxdb_replications.operations.desired import DesiredState, Plan
from influxdb_replications.operations.health import Health, ReplicationStatus
from influxdb_replications.testing import FakeInfluxDB

DEFAULT_QUEUE = 67108860
BIGGER_QUEUE = 134217728
# one attempt per call, short timeouts: an unreachable host fails at once
OPTIONS: dict[str, Any] = {"timeout": 5.0, "retry": RetryPolicy(max_attempts=1)}


@dataclass
class Fleet:
    """The running servers and the env vars holding their tokens."""

    edges: list[FakeInfluxDB]
    cloud: FakeInfluxDB

    def toml(self, *, queue: int = DEFAULT_QUEUE, extra_hosts: str = "") -> str:
        """The fleet file: every edge a host, one remote to the cloud, one replication into it."""
        parts = ['[defaults]\norg = "edge"\n']
        for i, edge in enumerate(self.edges):
            parts.append(
                f'[[hosts]]\nname = "edge-{i:02d}"\nurl = "{edge.url}"\ntoken_env = "EDGE_{i:02d}_TOKEN"\n'
            )
        parts.append(extra_hosts)
        parts.append(
            f'[[remotes]]\nname = "cloud"\nurl = "{self.cloud.url}"\nremote_org_id = "{self.cloud.org_id}"\n'
            'token_env = "CLOUD_TOKEN"\nhosts = ["edge-*"]\n'
        )
        parts.append(
            '[[replications]]\nname = "sensors-to-cloud"\nremote = "cloud"\nlocal_bucket = "sensors"\n'
            f'remote_bucket = "archive"\nmax_queue_size_bytes = {queue}\nhosts = ["edge-*"]\n'
        )
        return "\n".join(parts)


@contextlib.asynccontextmanager
async def running_fleet(edges: int, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Fleet]:
    """``edges`` edge servers and a cloud, started together; each token in its own env var."""
    cloud = FakeInfluxDB(org="cloud", buckets=["archive"], backoff_scale=0.01)
    edge_list = [FakeInfluxDB(org="edge", buckets=["sensors"], backoff_scale=0.01) for _ in range(edges)]
    servers = [cloud, *edge_list]
    try:
        await asyncio.gather(*(server.start() for server in servers))
        monkeypatch.setenv("CLOUD_TOKEN", cloud.token)
        for i, edge in enumerate(edge_list):
            monkeypatch.setenv(f"EDGE_{i:02d}_TOKEN", edge.token)
        yield Fleet(edge_list, cloud)
    finally:
        await asyncio.gather(*(server.stop() for server in servers))


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def write_points(edge: FakeInfluxDB, label: str, count: int) -> None:
    """Write ``count`` points tagged with the edge's label into its "sensors" bucket."""
    lines = "\n".join(f"m,edge={label} v={j} {1_700_000_000 + j}" for j in range(count))
    async with httpx.AsyncClient(base_url=edge.url, headers={"Authorization": f"Token {edge.token}"}) as http:
        response = await http.post(
            "/api/v2/write", params={"org": "edge", "bucket": "sensors", "precision": "s"}, content=lines
        )
        assert response.status_code == 204, response.text


def shape(plan: Plan | None) -> list[tuple[str, str, str]]:
    """(action, kind, name) of each change."""
    assert plan is not None
    return [(c.action, c.kind, c.name) for c in plan.changes]


def values(results: list[HostResult[Any]]) -> list[Any]:
    """Every value, after checking that every host succeeded."""
    failed = {r.host.label: repr(r.error) for r in results if not r.ok}
    assert not failed
    return [r.value for r in results]


async def until_synced(
    hosts: tuple[Host, ...], deadline: float = 20.0
) -> list[HostResult[list[ReplicationStatus]]]:
    """Poll fleet_status until every host reports its one replication healthy and synced."""
    stop = time.monotonic() + deadline
    while True:
        results = await fleet_status(hosts, client_options=OPTIONS)
        statuses = [s for r in results if r.value is not None for s in r.value]
        if all(r.ok and r.value is not None and len(r.value) == 1 for r in results) and all(
            s.health is Health.HEALTHY and s.synced for s in statuses
        ):
            return results
        assert time.monotonic() < stop, [str(s) for s in statuses]
        await asyncio.sleep(0.05)


def write_file(path: Path, text: str) -> FleetConfig:
    """Write the fleet file and load it back, as a user would."""
    path.write_text(text, encoding="utf-8")
    return load_fleet(path)


async def test_fleet_file_applied_to_twenty_edges_end_to_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """apply, write, all synced and healthy, change the file, plan shows exactly it, apply, no-op."""
    async with running_fleet(20, monkeypatch) as fleet:
        path = tmp_path / "fleet.toml"
        config = write_file(path, fleet.toml())
        assert [h.label for h in config.hosts] == [f"edge-{i:02d}" for i in range(20)]

        progress: list[str] = []
        applied = await fleet_apply(
            config.hosts,
            config.desired_for,
            concurrency=8,
            on_progress=lambda r: progress.append(r.host.label),
            client_options=OPTIONS,
        )
        assert [r.host for r in applied] == list(config.hosts)
        for plan in values(applied):
            assert shape(plan) == [
                ("create", "remote", "cloud"),
                ("create", "replication", "sensors-to-cloud"),
            ]
        assert sorted(progress) == [h.label for h in config.hosts]

        # every edge writes its own points; all of them reach the cloud
        await asyncio.gather(*(write_points(e, f"edge-{i:02d}", 5) for i, e in enumerate(fleet.edges)))
        statuses = await until_synced(config.hosts)
        for result in statuses:
            assert result.value is not None
            (status,) = result.value
            assert status.name == "sensors-to-cloud"
            assert status.replication.max_queue_size_bytes == DEFAULT_QUEUE
        arrived = await fleet.cloud.points("archive")
        assert sorted((p.tags["edge"], p.fields["v"]) for p in arrived) == sorted(
            (f"edge-{i:02d}", float(j)) for i in range(20) for j in range(5)
        )

        # change the file: plan shows exactly that change on every edge
        config = write_file(path, fleet.toml(queue=BIGGER_QUEUE))
        planned = await fleet_plan(config.hosts, config.desired_for, client_options=OPTIONS)
        for plan in values(planned):
            assert shape(plan) == [("update", "replication", "sensors-to-cloud")]
            assert plan.changes[0].fields == {"max_queue_size_bytes": (DEFAULT_QUEUE, BIGGER_QUEUE)}
            assert "max_queue_size_bytes" in str(plan)

        applied = await fleet_apply(config.hosts, config.desired_for, client_options=OPTIONS)
        for plan in values(applied):
            assert shape(plan) == [("update", "replication", "sensors-to-cloud")]
        for result in await fleet_status(config.hosts, client_options=OPTIONS):
            assert result.value is not None
            assert [s.replication.max_queue_size_bytes for s in result.value] == [BIGGER_QUEUE]

        # a second apply, and a plan, find nothing to do
        again = await fleet_apply(config.hosts, config.desired_for, client_options=OPTIONS)
        assert all(plan is not None and plan.is_empty for plan in values(again))
        planned = await fleet_plan(config.hosts, config.desired_for, client_options=OPTIONS)
        assert all(plan is not None and plan.is_empty for plan in values(planned))


async def test_unreachable_host_is_reported_and_the_others_succeed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A closed port and a missing token variable fail only their hosts; the others are applied."""
    async with running_fleet(3, monkeypatch) as fleet:
        port = closed_port()
        extra = (
            f'[[hosts]]\nname = "edge-down"\nurl = "http://127.0.0.1:{port}"\ntoken_env = "EDGE_00_TOKEN"\n\n'
            f'[[hosts]]\nname = "edge-no-token"\nurl = "{fleet.edges[0].url}"\ntoken_env = "EDGE_99_TOKEN"\n'
        )
        monkeypatch.delenv("EDGE_99_TOKEN", raising=False)
        config = write_file(tmp_path / "fleet.toml", fleet.toml(extra_hosts=extra))
        progress: list[HostResult[Plan]] = []

        async def record(result: HostResult[Plan]) -> None:
            await asyncio.sleep(0)
            progress.append(result)

        started = time.monotonic()
        results = await fleet_apply(
            config.hosts, config.desired_for, on_progress=record, client_options=OPTIONS
        )
        assert time.monotonic() - started < 5
        by_label = {r.host.label: r for r in results}
        assert [r.host.label for r in results] == [
            "edge-00",
            "edge-01",
            "edge-02",
            "edge-down",
            "edge-no-token",
        ]

        down = by_label["edge-down"]
        assert not down.ok
        assert down.value is None
        assert isinstance(down.error, APIConnectionError)
        no_token = by_label["edge-no-token"]
        assert isinstance(no_token.error, ValueError)
        assert "EDGE_99_TOKEN" in str(no_token.error)
        for label in ("edge-00", "edge-01", "edge-02"):
            assert by_label[label].ok
            assert len(shape(by_label[label].value)) == 2
        assert sorted(r.host.label for r in progress) == sorted(by_label)

        statuses = await fleet_status(config.hosts, client_options=OPTIONS)
        assert [r.ok for r in statuses] == [True, True, True, False, False]
        for token in (fleet.cloud.token, *(e.token for e in fleet.edges)):
            assert token not in repr(results) + repr(statuses)


class CountingTransport(httpx.AsyncBaseTransport):
    """Shared by every client of a run: counts the hosts (ports) with a request in flight."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.active: Counter[int | None] = Counter()
        self.peak = 0
        self.hosts_seen: set[int | None] = set()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        port = request.url.port
        self.hosts_seen.add(port)
        self.active[port] += 1
        self.peak = max(self.peak, sum(1 for n in self.active.values() if n > 0))
        try:
            return await self.inner.handle_async_request(request)
        finally:
            self.active[port] -= 1

    async def aclose(self) -> None:
        """Each client closes its transport; this one outlives them (the test closes ``inner``)."""


async def test_concurrency_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """With concurrency=3, at most three hosts have requests in flight, and three do at once."""
    async with running_fleet(9, monkeypatch) as fleet:
        hosts = [
            Host(url=e.url, org="edge", token_env=f"EDGE_{i:02d}_TOKEN", name=f"edge-{i:02d}")
            for i, e in enumerate(fleet.edges)
        ]
        for edge in fleet.edges:
            edge.hang_next(1, seconds=0.1)  # every host's first request is slow: the hosts overlap
        counting = CountingTransport()
        try:
            results = await fleet_status(
                hosts, concurrency=3, client_options={**OPTIONS, "transport": counting}
            )
        finally:
            await counting.inner.aclose()
        assert all(r.ok and r.value == [] for r in results)
        assert len(counting.hosts_seen) == 9
        assert counting.peak == 3


async def test_results_keep_host_order_and_progress_follows_completion(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A slow first host is reported last by on_progress but stays first in the results."""
    async with running_fleet(3, monkeypatch) as fleet:
        hosts = [
            Host(url=e.url, org="edge", token_env=f"EDGE_{i:02d}_TOKEN", name=f"edge-{i:02d}")
            for i, e in enumerate(fleet.edges)
        ]
        fleet.edges[0].hang_next(1, seconds=0.3)
        order: list[str] = []
        results = await fleet_status(
            hosts, on_progress=lambda r: order.append(r.host.label), client_options=OPTIONS
        )
        assert [r.host.label for r in results] == ["edge-00", "edge-01", "edge-02"]
        assert order[-1] == "edge-00"
        assert results[0].elapsed >= 0.3


async def test_desired_callable_failure_is_that_hosts_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """An exception from the per-host desired-state callable fails only that host."""
    async with running_fleet(2, monkeypatch) as fleet:
        hosts = [
            Host(url=e.url, org="edge", token_env=f"EDGE_{i:02d}_TOKEN", name=f"edge-{i:02d}")
            for i, e in enumerate(fleet.edges)
        ]

        def desired(host: Host) -> DesiredState:
            if host.name == "edge-01":
                raise KeyError("no state for edge-01")
            return DesiredState()

        results = await fleet_plan(hosts, desired, client_options=OPTIONS)
        assert results[0].ok
        assert results[0].value is not None and results[0].value.is_empty
        assert isinstance(results[1].error, KeyError)


async def test_failing_progress_callback_stops_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """An exception from on_progress propagates as is; the other hosts are stopped."""
    async with running_fleet(3, monkeypatch) as fleet:
        hosts = [
            Host(url=e.url, org="edge", token_env=f"EDGE_{i:02d}_TOKEN", name=f"edge-{i:02d}")
            for i, e in enumerate(fleet.edges)
        ]
        fleet.edges[2].hang_next(1, seconds=5)

        def explode(result: HostResult[list[ReplicationStatus]]) -> None:
            raise RuntimeError(f"progress display broke on {result.host.label}")

        started = time.monotonic()
        with pytest.raises(RuntimeError, match="progress display broke"):
            await fleet_status(hosts, on_progress=explode, client_options=OPTIONS)
        assert time.monotonic() - started < 3


async def test_cancellation_is_not_a_host_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cancelling a fleet run cancels it: no host swallows the CancelledError."""
    async with running_fleet(2, monkeypatch) as fleet:
        hosts = [
            Host(url=e.url, org="edge", token_env=f"EDGE_{i:02d}_TOKEN", name=f"edge-{i:02d}")
            for i, e in enumerate(fleet.edges)
        ]
        for edge in fleet.edges:
            edge.hang_next(1, seconds=5)
        task = asyncio.create_task(fleet_status(hosts, client_options=OPTIONS))
        await asyncio.sleep(0.2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


class Abort(BaseException):
    """Not an Exception: like KeyboardInterrupt, it must end the whole run."""


async def test_base_exceptions_are_not_host_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only Exception becomes a host's error; a BaseException from one host ends the run."""
    async with running_fleet(2, monkeypatch) as fleet:
        hosts = [
            Host(url=e.url, org="edge", token_env=f"EDGE_{i:02d}_TOKEN", name=f"edge-{i:02d}")
            for i, e in enumerate(fleet.edges)
        ]

        def desired(host: Host) -> DesiredState:
            if host.name == "edge-01":
                raise Abort
            return DesiredState()

        with pytest.raises(Abort):
            await fleet_plan(hosts, desired, client_options=OPTIONS)
