"""Prometheus metrics as Prometheus reads them: a fleet with a healthy, a backlogged and a failing stream,
an unreachable host and a hanging one, through ``status --format prometheus`` and ``--textfile``."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from influxdb_replications import ReplicationClient
from influxdb_replications.cli import EXIT_FLEET, EXIT_OK, EXIT_UNHEALTHY, EXIT_USAGE
from influxdb_replications.operations.health import Health
from influxdb_replications.testing import FakeInfluxDB

from .conftest import CLOUD_TOKEN, EDGE_TOKEN, cli, free_port, write_points

WRITE = "/api/v2/write"
P = "influxdb_replications_"
STATES = ("healthy", "backlogged", "failing", "never_attempted")

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def samples(text: str) -> Samples:
    """Every sample of the text, parsed by prometheus_client's own parser, by (name, labels)."""
    found: Samples = {}
    for family in text_string_to_metric_families(text):
        assert family.type == "gauge", family.name
        for sample in family.samples:
            key = (sample.name, frozenset(sample.labels.items()))
            assert key not in found, key
            found[key] = sample.value
    return found


@dataclass
class Fleet:
    cloud: FakeInfluxDB
    edges: dict[str, FakeInfluxDB]
    path: Path
    down_url: str

    def client(self, name: str) -> ReplicationClient:
        return ReplicationClient(url=self.edges[name].url, token=EDGE_TOKEN, org="edge")


async def make_stream(edge: FakeInfluxDB, cloud: FakeInfluxDB, url: str) -> str:
    async with ReplicationClient(url=edge.url, token=EDGE_TOKEN, org="edge") as client:
        remote = await client.remotes.create(
            name="cloud", remote_url=url, remote_api_token=CLOUD_TOKEN, remote_org_id=cloud.org_id
        )
        replication = await client.replications.create(
            name=f"to-{url.rsplit(':', 1)[1]}",
            remote=remote,
            local_bucket="sensors",
            remote_bucket="archive",
        )
        return replication.id


async def write(edge: FakeInfluxDB, start: int = 0) -> None:
    lines = [f"cpu,host=h usage={i}.5 {1_700_000_000_000_000_000 + i}" for i in range(start, start + 20)]
    await write_points(edge, "sensors", lines, EDGE_TOKEN)


@pytest.fixture
async def fleet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Fleet]:
    """Three edges, one stream each (healthy, backlogged, failing), and a host nobody listens on."""
    monkeypatch.setenv("EDGE_TOKEN", EDGE_TOKEN)
    async with AsyncExitStack() as stack:
        cloud = await stack.enter_async_context(
            FakeInfluxDB(token=CLOUD_TOKEN, org="cloud", buckets=["archive"])
        )
        edges = {
            name: await stack.enter_async_context(
                FakeInfluxDB(token=EDGE_TOKEN, org="edge", buckets=["sensors"], backoff_scale=0.01)
            )
            for name in ("edge-healthy", "edge-backlogged", "edge-failing")
        }
        down_url = f"http://127.0.0.1:{free_port()}"
        hosts = "".join(f'[[hosts]]\nname = "{n}"\nurl = "{e.url}"\n\n' for n, e in edges.items())
        path = tmp_path / "fleet.toml"
        path.write_text(
            f'[defaults]\norg = "edge"\ntoken_env = "EDGE_TOKEN"\n\n{hosts}'
            f'[[hosts]]\nname = "edge-down"\nurl = "{down_url}"\n'
        )
        fleet = Fleet(cloud, edges, path, down_url)
        for name in ("edge-healthy", "edge-backlogged"):
            rid = await make_stream(edges[name], cloud, cloud.url)
            await write(edges[name])
            async with fleet.client(name) as client:
                await client.replications.wait_until_synced(rid, timeout=10, poll_interval=0.02)
        cloud.hang_next(10_000, seconds=30, method="POST", path=WRITE)  # the cloud stalls from now on
        await write(edges["edge-backlogged"], start=20)
        failing = await make_stream(edges["edge-failing"], cloud, f"http://127.0.0.1:{free_port()}")
        await write(edges["edge-failing"])
        async with fleet.client("edge-failing") as client:
            deadline = time.monotonic() + 10
            while (await client.replications.status(failing))[0].health is not Health.FAILING:
                assert time.monotonic() < deadline
        yield fleet


async def expected(fleet: Fleet) -> Samples:
    """What the metrics must say, from what the API says about the same (frozen) streams."""
    want: Samples = {}
    for host in [*fleet.edges, "edge-down"]:
        want[(P + "host_up", frozenset({("host", host)}))] = 0.0 if host == "edge-down" else 1.0
    for host in fleet.edges:
        async with fleet.client(host) as client:
            (status,) = await client.replications.status()
            remotes = {r.id: r.name for r in await client.remotes.list()}
        r = status.replication
        labels = {
            "host": host,
            "replication": r.name,
            "replication_id": r.id,
            "remote": remotes[r.remote_id],
            "local_bucket": r.local_bucket_id,
            "remote_bucket": "archive",
        }
        key = frozenset(labels.items())
        want[(P + "host_replications", frozenset({("host", host)}))] = 1.0
        want[(P + "remaining_bytes", key)] = float(r.remaining_bytes_to_be_synced or 0)
        want[(P + "queue_size_bytes", key)] = float(r.current_queue_size_bytes or 0)
        want[(P + "queue_max_size_bytes", key)] = float(r.max_queue_size_bytes)
        want[(P + "queue_fill_ratio", key)] = (r.current_queue_size_bytes or 0) / r.max_queue_size_bytes
        want[(P + "latest_response_code", key)] = float(r.latest_response_code or 0)
        if status.health is Health.HEALTHY:
            want[(P + "last_healthy_age_seconds", key)] = 0.0
        for state in STATES:
            current = host.removeprefix("edge-") == state
            want[(P + "health", frozenset({*key, ("state", state)}))] = 1.0 if current else 0.0
    return want


async def test_a_fleet_gives_exactly_the_expected_samples(fleet: Fleet) -> None:
    """One healthy, one backlogged, one failing stream and a host that is down: exactly these samples."""
    result = await cli("status", "--file", str(fleet.path), "--format", "prometheus", "--max-attempts", "1")
    assert result.code == EXIT_FLEET, result.err  # a host failed: that wins over the unhealthy streams
    assert result.err.startswith("error: edge-down: cannot reach ")
    got = samples(result.out)
    durations = {k: v for k, v in got.items() if k[0] == P + "host_collection_duration_seconds"}
    assert {dict(k[1])["host"] for k in durations} == {*fleet.edges, "edge-down"}
    assert all(v >= 0 for v in durations.values())
    rest = {k: v for k, v in got.items() if k not in durations}
    want = await expected(fleet)
    assert rest == want
    by_state = {dict(k[1])["host"]: dict(k[1])["state"] for k, v in got.items() if k[0] == P + "health" and v}
    assert by_state == {"edge-healthy": "healthy", "edge-backlogged": "backlogged", "edge-failing": "failing"}
    codes = {dict(k[1])["host"]: v for k, v in got.items() if k[0] == P + "latest_response_code"}
    assert codes == {"edge-healthy": 204, "edge-backlogged": 204, "edge-failing": 0}
    remaining = {dict(k[1])["host"]: v for k, v in got.items() if k[0] == P + "remaining_bytes"}
    assert (
        remaining["edge-healthy"] == 0 and remaining["edge-backlogged"] > 0 and remaining["edge-failing"] > 0
    )


async def test_textfile_is_written_whole_and_atomically(fleet: Fleet, tmp_path: Path) -> None:
    """--textfile PATH holds the same samples, readable by others, and no temporary file is left behind."""
    out_dir = tmp_path / "textfiles"
    out_dir.mkdir()
    target = out_dir / "replications.prom"
    target.write_text("old\n")
    result = await cli("status", "--file", str(fleet.path), "--textfile", str(target), "--max-attempts", "1")
    assert result.code == EXIT_FLEET
    assert result.out == ""
    assert [p.name for p in out_dir.iterdir()] == ["replications.prom"]
    assert target.stat().st_mode & 0o044 == 0o044
    got = samples(target.read_text())
    assert {k: v for k, v in got.items() if "duration" not in k[0]} == await expected(fleet)


async def test_one_server_and_one_replication(fleet: Fleet) -> None:
    """Without --file, the connection's server (host label: its URL); a name keeps only that stream."""
    edge = fleet.edges["edge-backlogged"]
    conn = ["--host", edge.url, "--token", EDGE_TOKEN, "--org", "edge"]
    result = await cli("status", *conn, "--format", "prometheus")
    assert result.code == EXIT_UNHEALTHY, result.err
    got = samples(result.out)
    assert got[(P + "host_up", frozenset({("host", edge.url)}))] == 1.0
    assert [dict(k[1])["state"] for k, v in got.items() if k[0] == P + "health" and v] == ["backlogged"]
    none = await cli("status", "no-such-name", *conn, "--format", "prometheus")
    assert not [k for k in samples(none.out) if k[0] == P + "health"]
    assert none.code == EXIT_OK


async def test_a_hanging_host_is_down_within_its_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A host that never answers is `up 0` after --host-timeout, while the other host is reported."""
    monkeypatch.setenv("EDGE_TOKEN", EDGE_TOKEN)
    async with (
        FakeInfluxDB(token=EDGE_TOKEN, org="edge", buckets=["sensors"]) as hanging,
        FakeInfluxDB(token=EDGE_TOKEN, org="edge", buckets=["sensors"]) as fine,
    ):
        hanging.hang_next(100, seconds=30)
        path = tmp_path / "fleet.toml"
        path.write_text(
            f'[defaults]\norg = "edge"\ntoken_env = "EDGE_TOKEN"\n\n'
            f'[[hosts]]\nname = "hanging"\nurl = "{hanging.url}"\n\n'
            f'[[hosts]]\nname = "fine"\nurl = "{fine.url}"\n'
        )
        started = time.monotonic()
        result = await cli("status", "--file", str(path), "--format", "prometheus", "--host-timeout", "0.5")
        elapsed = time.monotonic() - started
    assert elapsed < 20  # far less than the 30 s the host hangs for
    got = samples(result.out)
    assert got[(P + "host_up", frozenset({("host", "hanging")}))] == 0.0
    assert got[(P + "host_up", frozenset({("host", "fine")}))] == 1.0
    assert 0.5 <= got[(P + "host_collection_duration_seconds", frozenset({("host", "hanging")}))] < 20
    assert "error: hanging: no answer within 0.5 s" in result.err
    assert result.code == EXIT_FLEET


async def test_bad_output_choices_are_one_line_usage_errors(tmp_path: Path) -> None:
    """An unknown --format, a textfile in a missing directory: exit 2, one line, nothing written."""
    conn = ["--host", f"http://127.0.0.1:{free_port()}", "--token", EDGE_TOKEN, "--org", "edge"]
    unknown = await cli("status", *conn, "--format", "yaml")
    assert (unknown.code, unknown.out) == (EXIT_USAGE, "")
    assert unknown.err == "error: unknown --format 'yaml' (expected one of: table, json, prometheus)\n"
    missing = tmp_path / "nowhere" / "r.prom"
    nodir = await cli("status", *conn, "--textfile", str(missing))
    assert (nodir.code, nodir.out) == (EXIT_USAGE, "")
    assert nodir.err == f"error: cannot write {missing}: directory {missing.parent} does not exist\n"
    assert not missing.parent.exists()
    assert EDGE_TOKEN not in unknown.err + nodir.err
