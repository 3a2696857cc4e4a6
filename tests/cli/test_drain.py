"""Issue 19 at the command line: plan marks, apply's refusal (exit 1, 3 in a fleet), consent, --drain,
exit 5 on a drain timeout, the usage errors, and remotes delete --cascade."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from influxdb_replications import ReplicationClient
from influxdb_replications.cli import EXIT_ERROR, EXIT_FLEET, EXIT_OK, EXIT_USAGE, EXIT_WAIT_TIMEOUT
from influxdb_replications.operations.drain import temporary_name
from influxdb_replications.testing import FakeInfluxDB

from .conftest import CLOUD_TOKEN, EDGE_TOKEN, cli, write_points

NAME = "sensors-to-cloud"
TEMP = temporary_name(NAME)


def state_file(path: Path, cloud: FakeInfluxDB, bucket: str, *, hosts: str = "") -> str:
    path.write_text(
        f"""{hosts}
[[remotes]]
name = "cloud"
url = "{cloud.url}"
remote_org_id = "{cloud.org_id}"
token_env = "CLOUD_TOKEN_FOR_TEST"

[[replications]]
name = "{NAME}"
remote = "cloud"
local_bucket = "{bucket}"
remote_bucket = "archive"
"""
    )
    return str(path)


async def backlog(server: FakeInfluxDB, cloud: FakeInfluxDB) -> int:
    """Points queued on the server's replication while the cloud refuses writes; the unsent bytes."""
    cloud.fail_next(1_000_000, status=503, method="POST", path="/api/v2/write")
    lines = [f"m v={i}i {1_700_000_000_000_000_000 + i}" for i in range(20)]
    await write_points(server, "sensors", lines, EDGE_TOKEN)
    async with ReplicationClient(url=server.url, token=EDGE_TOKEN, org="edge") as client:
        deadline = time.monotonic() + 10
        while True:
            [rep] = [r for r in await client.replications.list() if r.name == NAME]
            if rep.latest_response_code == 503 and rep.remaining_bytes_to_be_synced:
                return rep.remaining_bytes_to_be_synced
            assert time.monotonic() < deadline
            await asyncio.sleep(0.01)


async def names(server: FakeInfluxDB) -> dict[str, str]:
    async with ReplicationClient(url=server.url, token=EDGE_TOKEN, org="edge") as client:
        return {r.name: r.id for r in await client.replications.list()}


@pytest.fixture
async def applied(
    conn: list[str], edge: FakeInfluxDB, cloud: FakeInfluxDB, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[str]:
    """The edge has a second bucket and the declared replication of sensors; yields the moved file."""
    monkeypatch.setenv("CLOUD_TOKEN_FOR_TEST", CLOUD_TOKEN)
    edge.create_bucket("metrics")
    first = await cli(*conn, "apply", state_file(tmp_path / "first.toml", cloud, "sensors"))
    assert first.code == EXIT_OK, first.err
    yield state_file(tmp_path / "moved.toml", cloud, "metrics")


async def test_plan_shows_the_marks_and_bytes(
    conn: list[str], edge: FakeInfluxDB, cloud: FakeInfluxDB, applied: str
) -> None:
    """plan: the recreate's "! destructive" line with the unsent bytes; --json carries them."""
    left = await backlog(edge, cloud)
    text = await cli(*conn, "plan", applied)
    assert text.code == EXIT_OK
    assert f"! destructive: discards its queue: {left} bytes" in text.out
    [change] = (await cli(*conn, "--json", "plan", applied)).json()["changes"]
    assert (change["action"], change["destructive"], change["remaining_bytes"]) == ("recreate", True, left)
    assert change["queue_bytes"] >= left


async def test_apply_refuses_and_exits_1(
    conn: list[str], edge: FakeInfluxDB, cloud: FakeInfluxDB, applied: str
) -> None:
    """apply: the refused recreate is printed with its bytes, exit 1; nothing deleted; JSON says it too."""
    before = await names(edge)
    left = await backlog(edge, cloud)
    result = await cli(*conn, "apply", applied)
    assert result.code == EXIT_ERROR
    assert "refused (1): queued data would be lost" in result.out
    assert f'replication "{NAME}"' in result.out and f"refused: {left} bytes" in result.out
    as_json = await cli(*conn, "--json", "apply", applied)
    assert as_json.code == EXIT_ERROR
    [refused] = as_json.json()["refused"]
    assert (refused["name"], refused["remaining_bytes"]) == (NAME, left)
    assert await names(edge) == before

    allowed = await cli(*conn, "--json", "apply", applied, "--allow-data-loss")
    assert allowed.code == EXIT_OK, allowed.err
    assert [c["action"] for c in allowed.json()["changes"]] == ["recreate"]
    assert (await names(edge)).keys() == {NAME} and await names(edge) != before


async def test_apply_drain_shows_progress(
    conn: list[str], edge: FakeInfluxDB, cloud: FakeInfluxDB, applied: str
) -> None:
    """apply --drain on a terminal: "draining NAME: N bytes left" on stderr; the recreate is made."""
    await backlog(edge, cloud)
    cloud.clear_faults()
    await write_points(edge, "sensors", ["m v=1i 1"], EDGE_TOKEN)  # wakes the sender
    result = await cli(*conn, "apply", applied, "--drain", "--drain-timeout", "20", tty=True)
    assert result.code == EXIT_OK, result.err
    assert f"draining {NAME}: " in result.err and " bytes left" in result.err
    assert list(await names(edge)) == [NAME]


async def test_apply_drain_timeout_exits_5(
    conn: list[str], edge: FakeInfluxDB, cloud: FakeInfluxDB, applied: str
) -> None:
    """--drain-timeout runs out while the cloud refuses: exit 5, the bytes left; a rerun finishes."""
    await backlog(edge, cloud)
    result = await cli(*conn, "apply", applied, "--drain", "--drain-timeout", "0.3")
    assert result.code == EXIT_WAIT_TIMEOUT
    assert "timed out" in result.err and "bytes" in result.err and "nothing further was changed" in result.err
    assert f'+ replication "{TEMP}"' in result.out  # what was done before it ran out
    assert set(await names(edge)) == {NAME, TEMP}
    planned = await cli(*conn, "plan", applied)
    assert "finishes an interrupted drain" in planned.out
    cloud.clear_faults()
    await write_points(edge, "sensors", ["m v=1i 1"], EDGE_TOKEN)
    again = await cli(*conn, "apply", applied, "--drain")
    assert again.code == EXIT_OK, again.err
    assert list(await names(edge)) == [NAME]


@pytest.mark.parametrize(
    "flags",
    [
        ["--drain-timeout", "30"],
        ["--drain", "--drain-timeout", "0"],
        ["--drain", "--drain-timeout", "-5"],
        ["--drain", "--drain-timeout", "soon"],
        ["--drain", "--drain-timeout", "inf"],
        ["--drain", "--allow-data-loss"],
    ],
)
async def test_bad_drain_flags_are_usage_errors(
    conn: list[str], edge: FakeInfluxDB, applied: str, flags: list[str]
) -> None:
    """Bad drain flags: exit 2 with one error line, before any change."""
    edge.clear_request_log()
    result = await cli(*conn, "apply", applied, *flags)
    assert result.code == EXIT_USAGE
    last = result.err.strip().splitlines()[-1]  # argparse prints its usage first
    assert "error:" in last and ("--drain-timeout" in last or "--allow-data-loss" in last), last
    assert {r.method for r in edge.request_log} <= {"GET"}


async def test_remotes_delete_cascade(
    conn: list[str], edge: FakeInfluxDB, cloud: FakeInfluxDB, applied: str
) -> None:
    """--cascade with unsent data: exit 1 naming the replication and bytes, nothing deleted; --drain
    deletes once it is drained; consent flags without --cascade: exit 2."""
    left = await backlog(edge, cloud)
    refused = await cli(*conn, "remotes", "delete", "cloud", "--cascade")
    assert refused.code == EXIT_ERROR
    assert NAME in refused.err and f"{left} bytes" in refused.err
    assert list(await names(edge)) == [NAME]
    usage = await cli(*conn, "remotes", "delete", "cloud", "--allow-data-loss")
    assert usage.code == EXIT_USAGE and "--cascade" in usage.err
    timed_out = await cli(
        *conn, "remotes", "delete", "cloud", "--cascade", "--drain", "--drain-timeout", "0.3"
    )
    assert timed_out.code == EXIT_WAIT_TIMEOUT and "not deleted" in timed_out.err
    cloud.clear_faults()
    await write_points(edge, "sensors", ["m v=1i 1"], EDGE_TOKEN)
    done = await cli(*conn, "remotes", "delete", "cloud", "--cascade", "--drain")
    assert done.code == EXIT_OK, done.err
    assert await names(edge) == {}


async def test_fleet_apply_with_a_refusal_exits_3(
    cloud: FakeInfluxDB, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two edges, one with unsent data: that host's recreate is refused (exit 3), the other is applied."""
    monkeypatch.setenv("CLOUD_TOKEN_FOR_TEST", CLOUD_TOKEN)
    monkeypatch.setenv("EDGE_TOKEN", EDGE_TOKEN)
    async with (
        FakeInfluxDB(token=EDGE_TOKEN, org="edge", buckets=["sensors", "metrics"], backoff_scale=0.01) as one,
        FakeInfluxDB(token=EDGE_TOKEN, org="edge", buckets=["sensors", "metrics"], backoff_scale=0.01) as two,
    ):
        hosts = "".join(
            f'[[hosts]]\nname = "{label}"\nurl = "{edge.url}"\norg = "edge"\ntoken_env = "EDGE_TOKEN"\n'
            for label, edge in (("edge-1", one), ("edge-2", two))
        )
        first = state_file(tmp_path / "first.toml", cloud, "sensors", hosts=hosts)
        assert (await cli("apply", first, "--no-progress")).code == EXIT_OK
        moved = state_file(tmp_path / "moved.toml", cloud, "metrics", hosts=hosts)
        two_before = await names(two)
        await backlog(two, cloud)  # the cloud refuses every edge now, but only edge-2 has data queued

        planned = await cli("--json", "plan", moved, "--no-progress")
        marks = {h["host"]: h["plan"]["changes"][0]["remaining_bytes"] for h in planned.json()["hosts"]}
        assert marks["edge-1"] == 0 and marks["edge-2"] > 0

        result = await cli("apply", moved, "--no-progress")
        assert result.code == EXIT_FLEET
        assert "refused 1" in result.out and f"refused: edge-2: '{NAME}'" in result.err
        assert await names(two) == two_before
        assert (await names(one)).keys() == {NAME}
        as_json = await cli("--json", "apply", moved, "--no-progress")
        entries = {h["host"]: h for h in as_json.json()["hosts"]}
        assert as_json.code == EXIT_FLEET
        assert entries["edge-2"]["ok"] and entries["edge-2"]["plan"]["refused"][0]["name"] == NAME
        assert entries["edge-1"]["plan"]["changes"] == [] and entries["edge-1"]["plan"]["refused"] == []

        cloud.clear_faults()
        await write_points(two, "sensors", ["m v=1i 1"], EDGE_TOKEN)  # wakes edge-2's sender
        drained = await cli("apply", moved, "--no-progress", "--drain", "--drain-timeout", "20")
        assert drained.code == EXIT_OK, drained.err
        assert (await names(two)).keys() == {NAME} and await names(two) != two_before
        assert entries["edge-1"]["plan"] == {
            "changes": [],
            "summary": entries["edge-1"]["plan"]["summary"],
            "refused": [],
        }


async def test_fleet_apply_drain_shows_each_hosts_bytes_left(
    cloud: FakeInfluxDB, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """apply --drain on a fleet file: the progress line names the host, the replication and the bytes left
    of each poll; a drain that runs out of time fails that host (exit 3) and says how much is left."""
    monkeypatch.setenv("CLOUD_TOKEN_FOR_TEST", CLOUD_TOKEN)
    monkeypatch.setenv("EDGE_TOKEN", EDGE_TOKEN)
    async with FakeInfluxDB(
        token=EDGE_TOKEN, org="edge", buckets=["sensors", "metrics"], backoff_scale=0.01
    ) as edge:
        hosts = f'[[hosts]]\nname = "edge-1"\nurl = "{edge.url}"\norg = "edge"\ntoken_env = "EDGE_TOKEN"\n'
        first = state_file(tmp_path / "first.toml", cloud, "sensors", hosts=hosts)
        assert (await cli("apply", first, "--no-progress")).code == EXIT_OK
        left = await backlog(edge, cloud)  # the cloud refuses: the drain cannot finish
        moved = state_file(tmp_path / "moved.toml", cloud, "metrics", hosts=hosts)
        result = await cli("apply", moved, "--progress", "--drain", "--drain-timeout", "0.3")
        assert result.code == EXIT_FLEET
        assert f"edge-1: draining {NAME}: {left} bytes left" in result.err, result.err
        assert "\n" not in result.err.split("apply [", 1)[1].split("\x1b[K", 1)[0]  # one line, redrawn
        assert NAME in (await names(edge)) and TEMP in (await names(edge))
