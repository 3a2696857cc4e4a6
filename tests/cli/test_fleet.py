"""The issue's end-to-end scenario at the command line: a fleet file for 20 edges and one cloud."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from influxdb_replications.cli import EXIT_CHANGES, EXIT_FLEET, EXIT_OK, EXIT_UNHEALTHY
from influxdb_replications.testing import FakeInfluxDB

from .conftest import CLOUD_TOKEN, EDGE_TOKEN, Result, cli, free_port, write_points

EDGES = 20
REPLICATION = "sensors-to-cloud"


@dataclass
class Fleet:
    cloud: FakeInfluxDB
    edges: list[FakeInfluxDB]
    path: Path

    def write(self, *, queue: int = 67108860, unreachable: str | None = None) -> None:
        """Write the fleet file: every edge, the cloud as a host too, one remote, one replication."""
        hosts = [
            f'[[hosts]]\nname = "edge-{i:02d}"\nurl = "{edge.url}"\n' for i, edge in enumerate(self.edges, 1)
        ]
        hosts.append(
            f'[[hosts]]\nname = "cloud"\nurl = "{self.cloud.url}"\norg = "cloud"\n'
            'token_env = "CLOUD_HOST_TOKEN"\n'
        )
        if unreachable is not None:
            hosts.append(f'[[hosts]]\nname = "edge-down"\nurl = "{unreachable}"\n')
        self.path.write_text(
            f"""# the fleet
[defaults]
org = "edge"
token_env = "EDGE_TOKEN"

{chr(10).join(hosts)}
[[remotes]]
name = "cloud"
url = "{self.cloud.url}"
remote_org_id = "{self.cloud.org_id}"
token_env = "CLOUD_TOKEN"
hosts = ["edge-*"]

[[replications]]
name = "{REPLICATION}"
remote = "cloud"
local_bucket = "sensors"
remote_bucket = "archive"
max_queue_size_bytes = {queue}
hosts = ["edge-*"]
"""
        )


@pytest.fixture
async def fleet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Fleet]:
    """20 edge servers and one cloud server, and the environment holding their tokens."""
    monkeypatch.setenv("EDGE_TOKEN", EDGE_TOKEN)
    monkeypatch.setenv("CLOUD_TOKEN", CLOUD_TOKEN)  # the remote's token, used by the edges
    monkeypatch.setenv("CLOUD_HOST_TOKEN", CLOUD_TOKEN)  # to manage the cloud itself
    async with AsyncExitStack() as stack:
        cloud = await stack.enter_async_context(
            FakeInfluxDB(token=CLOUD_TOKEN, org="cloud", buckets=["archive"])
        )
        edges = [
            await stack.enter_async_context(
                FakeInfluxDB(token=EDGE_TOKEN, org="edge", buckets=["sensors"], backoff_scale=0.01)
            )
            for _ in range(EDGES)
        ]
        fleet = Fleet(cloud, edges, tmp_path / "fleet.toml")
        fleet.write()
        yield fleet


def by_host(result: Result) -> dict[str, dict[str, Any]]:
    hosts: list[dict[str, Any]] = result.json()["hosts"]
    return {entry["host"]: entry for entry in hosts}


def edge_names() -> list[str]:
    return [f"edge-{i:02d}" for i in range(1, EDGES + 1)]


async def test_fleet_end_to_end(fleet: Fleet) -> None:
    """apply sets up 20 edges; points replicate; status healthy and synced; a change is planned exactly,
    applied, then a second apply is a no-op; an unreachable host is reported (exit 3) and the rest succeed."""
    path = str(fleet.path)

    # 1. apply sets everything up
    applied = await cli("--json", "apply", path, "--concurrency", "8")
    assert applied.code == EXIT_OK, applied.err
    hosts = by_host(applied)
    assert list(hosts) == [*edge_names(), "cloud"]
    for name in edge_names():
        entry = hosts[name]
        assert entry["ok"] is True and entry["error"] is None
        assert [(c["action"], c["kind"], c["name"]) for c in entry["plan"]["changes"]] == [
            ("create", "remote", "cloud"),
            ("create", "replication", REPLICATION),
        ]
    assert hosts["cloud"]["plan"]["changes"] == []

    # 2. points written to every edge reach the cloud
    for i, edge in enumerate(fleet.edges):
        await write_points(edge, "sensors", [f"temp,edge=e{i} v={n} {n + 1}" for n in range(5)], EDGE_TOKEN)

    # 3. status --file --json: every replication healthy and synced (polled with a deadline)
    deadline = time.monotonic() + 20
    while True:
        status = await cli("status", "--file", path, "--json")
        entries = by_host(status)
        reps = [rep for name in edge_names() for rep in entries[name]["replications"]]
        if (
            status.code == EXIT_OK
            and len(reps) == EDGES
            and all(rep["health"] == "healthy" and rep["synced"] is True for rep in reps)
        ):
            break
        assert time.monotonic() < deadline, status.out
        await asyncio.sleep(0.1)
    assert entries["cloud"]["replications"] == []
    assert all(rep["name"] == REPLICATION for rep in reps)
    assert len(await fleet.cloud.points("archive")) == EDGES * 5
    table_out = await cli("status", "--file", path)
    assert table_out.code == EXIT_OK
    assert table_out.out.count(" healthy ") == EDGES
    assert table_out.out.rstrip().endswith(f"{EDGES + 1} of {EDGES + 1} hosts ok")

    # 4. change the file: plan shows exactly that change, on the edges only
    fleet.write(queue=134217728)
    planned = await cli("--json", "plan", path)
    assert planned.code == EXIT_OK, planned.err
    hosts = by_host(planned)
    for name in edge_names():
        [change] = hosts[name]["plan"]["changes"]
        assert (change["action"], change["kind"], change["name"]) == ("update", "replication", REPLICATION)
        assert change["fields"] == {"max_queue_size_bytes": {"old": 67108860, "new": 134217728}}
    assert hosts["cloud"]["plan"]["changes"] == []
    text = await cli("plan", path, "--detailed-exitcode")
    assert text.code == EXIT_CHANGES
    assert text.out.count("max_queue_size_bytes: 67108860 -> 134217728") == EDGES
    assert f"{EDGES + 1} of {EDGES + 1} hosts ok" in text.out

    # 5. apply the change, then a second apply is a no-op everywhere
    assert (await cli("apply", path)).code == EXIT_OK
    second = await cli("--json", "apply", path)
    assert second.code == EXIT_OK
    assert all(entry["plan"]["changes"] == [] for entry in by_host(second).values())
    assert (await cli("plan", path, "--detailed-exitcode")).code == EXIT_OK

    # 6. one unreachable host: reported, exit 3, the others still succeed
    down = f"http://127.0.0.1:{free_port()}"
    fleet.write(queue=134217728, unreachable=down)
    partial = await cli("--json", "apply", path, "--max-attempts", "1", "--timeout", "2")
    assert partial.code == EXIT_FLEET
    hosts = by_host(partial)
    assert hosts["edge-down"]["ok"] is False
    assert hosts["edge-down"]["plan"] is None
    assert hosts["edge-down"]["url"] == down
    assert hosts["edge-down"]["error"]
    assert all(
        hosts[name]["ok"] and hosts[name]["plan"]["changes"] == [] for name in [*edge_names(), "cloud"]
    )
    assert partial.err.startswith("error: edge-down: ")
    assert partial.err.count("\n") == 1
    status_partial = await cli("status", "--file", path, "--max-attempts", "1")
    assert status_partial.code == EXIT_FLEET
    assert "edge-down" in status_partial.out
    status_json = by_host(await cli("--json", "status", "--file", path, "--max-attempts", "1"))
    assert status_json["edge-down"]["replications"] is None
    assert status_json["edge-down"]["error"].startswith(f"cannot reach {down}")
    assert f"{EDGES + 1} of {EDGES + 2} hosts ok, 1 failed" in status_partial.out
    assert "Traceback" not in partial.err + status_partial.err
    for result in (applied, planned, partial, status_partial):
        assert EDGE_TOKEN not in result.out + result.err
        assert CLOUD_TOKEN not in result.out + result.err


async def test_fleet_progress_bar(fleet: Fleet) -> None:
    """The progress bar is drawn on a terminal (or with --progress), never with --no-progress or a pipe."""
    path = str(fleet.path)
    on_tty = await cli("plan", path, tty=True)
    assert on_tty.code == EXIT_OK
    assert f"\rplan [{'#' * 30}] {EDGES + 1}/{EDGES + 1} hosts" in on_tty.err
    assert "\r" not in on_tty.out
    forced = await cli("plan", path, "--progress", "--concurrency", "4")
    assert f"{EDGES + 1}/{EDGES + 1} hosts" in forced.err
    assert (await cli("plan", path, "--no-progress", tty=True)).err == ""
    assert (await cli("plan", path)).err == ""


async def test_fleet_status_exit_4_when_a_replication_fails(
    fleet: Fleet, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fleet whose replications cannot write (wrong remote token) reports them failing: exit 4."""
    monkeypatch.setenv("CLOUD_TOKEN", "not-the-cloud-token")
    assert (await cli("apply", str(fleet.path))).code == EXIT_OK
    await write_points(fleet.edges[0], "sensors", ["m v=1 1"], EDGE_TOKEN)
    deadline = time.monotonic() + 10
    while True:
        result = await cli("status", "--file", str(fleet.path), "--json", REPLICATION)
        reps = by_host(result)["edge-01"]["replications"]
        if result.code == EXIT_UNHEALTHY:
            break
        assert time.monotonic() < deadline, result.out
        await asyncio.sleep(0.05)
    assert [rep["health"] for rep in reps] == ["failing"]
