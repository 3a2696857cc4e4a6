"""Hints on the command line: the warning for a remote without org ID, hints under status rows, in errors."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from influxdb_replications.cli import EXIT_CHANGES, EXIT_ERROR, EXIT_OK, EXIT_UNHEALTHY
from influxdb_replications.resources.failures import (
    REMOTE_ORG_MISSING,
    REMOTE_ORG_WARNING,
    REMOTE_TOKEN,
    REMOTE_UNREACHABLE,
)
from influxdb_replications.testing import FakeInfluxDB

from .conftest import CLOUD_TOKEN, EDGE_TOKEN, Result, cli, free_port, write_points


async def create_remote(conn: list[str], url: str, *extra: str, token: str = CLOUD_TOKEN) -> Result:
    """remotes create --name cloud with the token on stdin and the given extra options."""
    return await cli(
        *conn, "--json", "remotes", "create", "--name", "cloud", "--remote-url", url,
        "--remote-api-token-stdin", *extra, stdin=token + "\n",
    )  # fmt: skip


async def create_replication(conn: list[str]) -> str:
    """replications create rep: edge "sensors" into the cloud's "archive"."""
    result = await cli(
        *conn, "--json", "replications", "create", "--name", "rep", "--remote", "cloud",
        "--local-bucket", "sensors", "--remote-bucket", "archive",
    )  # fmt: skip
    assert result.code == EXIT_OK, result.err
    replication_id: str = result.json()["id"]
    return replication_id


async def poll(argv: list[str], check: Callable[[Result], bool], seconds: float = 10.0) -> Result:
    """Run the command until `check` holds (failing the test after `seconds`)."""
    end = time.monotonic() + seconds
    while True:
        result = await cli(*argv)
        if check(result):
            return result
        assert time.monotonic() < end, f"condition not met: {result}"
        await asyncio.sleep(0.05)


async def test_remote_create_without_org_warns_on_stderr(conn: list[str], cloud: FakeInfluxDB) -> None:
    """remotes create without --remote-org-id succeeds and prints exactly one warning line on stderr."""
    created = await create_remote(conn, cloud.url)
    assert created.code == EXIT_OK
    assert created.json()["remote_org_id"] is None
    assert created.err.count("\n") == 1, created.err
    assert created.err.startswith("warning: ")
    assert "--remote-org-id" in created.err and REMOTE_ORG_WARNING.hint in created.err
    assert CLOUD_TOKEN not in created.err + created.out and EDGE_TOKEN not in created.err


async def test_remote_with_org_does_not_warn(conn: list[str], cloud: FakeInfluxDB) -> None:
    """With --remote-org-id nothing is printed on stderr, and an update that sets it is quiet too."""
    created = await create_remote(conn, cloud.url, "--remote-org-id", cloud.org_id)
    assert (created.code, created.err) == (EXIT_OK, "")
    other = await cli(*conn, "remotes", "update", "cloud", "--description", "x")
    assert (other.code, other.err) == (EXIT_OK, "")


async def test_remote_update_without_org_warns(conn: list[str], cloud: FakeInfluxDB) -> None:
    """remotes update of a remote that still has no org ID warns; setting it silences the warning."""
    await create_remote(conn, cloud.url)
    renamed = await cli(*conn, "remotes", "update", "cloud", "--description", "edge to cloud")
    assert renamed.code == EXIT_OK
    assert renamed.err.startswith("warning: ") and renamed.err.count("\n") == 1
    fixed = await cli(*conn, "remotes", "update", "cloud", "--remote-org-id", cloud.org_id)
    assert (fixed.code, fixed.err) == (EXIT_OK, "")


async def test_status_prints_the_hint_under_the_failing_row(
    conn: list[str], cloud: FakeInfluxDB, edge: FakeInfluxDB
) -> None:
    """status prints each failing row's hint on the line under it, and --json carries it."""
    await create_remote(conn, cloud.url, "--remote-org-id", cloud.org_id, token="wrong-cloud-token")
    replication_id = await create_replication(conn)
    await write_points(edge, "sensors", ["m v=1 1"], EDGE_TOKEN)
    failing = await poll([*conn, "status"], lambda r: r.code == EXIT_UNHEALTHY)
    lines = failing.out.rstrip("\n").split("\n")
    assert lines[0].startswith("NAME")
    assert lines[1].startswith("rep") and "failing" in lines[1]
    assert lines[2] == f"  hint: {REMOTE_TOKEN.hint}"
    as_json = await cli(*conn, "--json", "status")
    [entry] = as_json.json()["replications"]
    assert (entry["id"], entry["health"], entry["hint"]) == (replication_id, "failing", REMOTE_TOKEN.hint)
    assert "wrong-cloud-token" not in failing.out + as_json.out


async def test_status_of_a_remote_without_org(
    conn: list[str], cloud: FakeInfluxDB, edge: FakeInfluxDB
) -> None:
    """The issue's case: a remote without org ID fails every write, and status says to set remote_org_id."""
    await create_remote(conn, cloud.url)
    await create_replication(conn)
    await write_points(edge, "sensors", ["m v=1 1"], EDGE_TOKEN)
    failing = await poll([*conn, "--json", "status"], lambda r: r.code == EXIT_UNHEALTHY)
    assert failing.json()["replications"][0]["hint"] == REMOTE_ORG_MISSING.hint
    validated = await cli(*conn, "replications", "validate", "rep")
    assert validated.code == EXIT_ERROR
    assert validated.err.startswith("error: 400 invalid: replication failed validation: ")
    assert validated.err.count("\n") == 1
    assert f"Hint: {REMOTE_ORG_MISSING.hint}" in validated.err


async def test_healthy_status_has_no_hint_line(
    conn: list[str], cloud: FakeInfluxDB, edge: FakeInfluxDB
) -> None:
    """A healthy replication's row has no hint under it, and its JSON hint is null."""
    await create_remote(conn, cloud.url, "--remote-org-id", cloud.org_id)
    await create_replication(conn)
    await write_points(edge, "sensors", ["m v=1 1"], EDGE_TOKEN)
    healthy = await poll(
        [*conn, "--json", "status"], lambda r: r.json()["replications"][0]["health"] == "healthy"
    )
    assert healthy.json()["replications"][0]["hint"] is None
    table = await cli(*conn, "status")
    assert "hint:" not in table.out
    assert table.out.count("\n") == 2


async def test_validate_against_a_closed_port(conn: list[str], edge: FakeInfluxDB) -> None:
    """replications validate against an unreachable remote ends its error with the reachability hint."""
    await create_remote(conn, f"http://127.0.0.1:{free_port()}", "--remote-org-id", edge.org_id)
    await create_replication(conn)
    validated = await cli(*conn, "replications", "validate", "rep")
    assert validated.code == EXIT_ERROR
    assert REMOTE_UNREACHABLE.hint in validated.err


async def test_plan_warns_about_a_declared_remote_without_org(
    conn: list[str], cloud: FakeInfluxDB, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """plan shows the warning in the diff and on stderr for a declared remote without remote_org_id."""
    monkeypatch.setenv("CLOUD_TOKEN_FOR_TEST", CLOUD_TOKEN)
    path = tmp_path / "desired.toml"
    path.write_text(f'[[remotes]]\nname = "cloud"\nurl = "{cloud.url}"\ntoken_env = "CLOUD_TOKEN_FOR_TEST"\n')
    planned = await cli(*conn, "plan", str(path), "--detailed-exitcode")
    assert planned.code == EXIT_CHANGES
    assert "# warning: no remote_org_id" in planned.out
    assert planned.err.startswith("warning: declared remote 'cloud' has no remote_org_id")
    assert planned.err.count("\n") == 1
    applied = await cli(*conn, "apply", str(path))
    assert applied.code == EXIT_OK
    assert "remote_org_id" in applied.err
    assert CLOUD_TOKEN not in planned.out + planned.err + applied.out + applied.err


async def test_fleet_warns_once_and_prints_hints_under_host_rows(
    edge: FakeInfluxDB, cloud: FakeInfluxDB, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fleet whose remote lacks remote_org_id: one warning for all hosts, and each host's hint in status."""
    monkeypatch.setenv("EDGE_TOKEN", EDGE_TOKEN)
    monkeypatch.setenv("CLOUD_TOKEN", CLOUD_TOKEN)
    async with FakeInfluxDB(token=EDGE_TOKEN, org="edge", buckets=["sensors"], backoff_scale=0.01) as other:
        path = tmp_path / "fleet.toml"
        path.write_text(
            f'[defaults]\norg = "edge"\ntoken_env = "EDGE_TOKEN"\n\n'
            f'[[hosts]]\nname = "edge-a"\nurl = "{edge.url}"\n\n'
            f'[[hosts]]\nname = "edge-b"\nurl = "{other.url}"\n\n'
            f'[[remotes]]\nname = "cloud"\nurl = "{cloud.url}"\ntoken_env = "CLOUD_TOKEN"\n\n'
            '[[replications]]\nname = "rep"\nremote = "cloud"\nlocal_bucket = "sensors"\n'
            'remote_bucket = "archive"\n'
        )
        applied = await cli("apply", str(path), "--no-progress")
        assert applied.code == EXIT_OK, applied.err
        declared = [line for line in applied.err.splitlines() if line.startswith("warning: declared remote")]
        assert len(declared) == 1  # the same warning from both hosts, printed once
        for fake in (edge, other):
            await write_points(fake, "sensors", ["m v=1 1"], EDGE_TOKEN)
        status = await poll(
            ["status", "--file", str(path), "--no-progress"],
            lambda r: r.out.count(f"  hint: {REMOTE_ORG_MISSING.hint}") == 2,
        )
        assert status.code == EXIT_UNHEALTHY
        lines = status.out.splitlines()
        for host in ("edge-a", "edge-b"):
            row = next(i for i, line in enumerate(lines) if line.startswith(host))
            assert lines[row + 1] == f"  hint: {REMOTE_ORG_MISSING.hint}"
        as_json = await cli("--json", "status", "--file", str(path), "--no-progress")
        hints = [r["hint"] for h in as_json.json()["hosts"] for r in h["replications"]]
        assert hints == [REMOTE_ORG_MISSING.hint] * 2
