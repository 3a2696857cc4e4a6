"""``remotes rotate-token`` at the command line: one server, a fleet file, exit codes, JSON, bad input."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

from influxdb_replications import ReplicationClient
from influxdb_replications.cli import EXIT_ERROR, EXIT_FLEET, EXIT_OK, EXIT_USAGE
from influxdb_replications.resources.failures import REMOTE_TOKEN
from influxdb_replications.testing import FakeInfluxDB

from .conftest import CLOUD_TOKEN, EDGE_TOKEN, Result, cli, free_port
from .test_tables import assert_aligned, table_part

WRONG = "wrong-token-the-cloud-never-issued"
ROTATE = ("remotes", "rotate-token", "cloud")


def cells(line: str) -> list[str]:
    """The cells of a table row: columns are two or more spaces apart (a value may hold one)."""
    return re.split(r"\s{2,}", line.strip())


@dataclass
class Setup:
    """A cloud, edges with a remote "cloud" (and a replication), the fleet file, the tokens' values."""

    cloud: FakeInfluxDB
    edges: list[FakeInfluxDB]
    path: Path
    old: str
    new: str

    def conn(self, i: int = 0) -> list[str]:
        return ["--host", self.edges[i].url, "--token", EDGE_TOKEN, "--org", "edge"]

    def secrets(self) -> tuple[str, ...]:
        return (self.old, self.new, WRONG, EDGE_TOKEN, CLOUD_TOKEN)

    def patched(self, i: int) -> int:
        return sum(1 for r in self.edges[i].request_log if r.method == "PATCH")


def assert_no_secret(result: Result, setup: Setup) -> None:
    """No token value anywhere in what the command printed."""
    for secret in setup.secrets():
        assert secret not in result.out + result.err


@pytest.fixture
async def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Setup]:
    """Three edges replicating to one cloud; NEW_TOKEN, OLD_TOKEN, WRONG_TOKEN and EDGE_TOKEN are set."""
    async with AsyncExitStack() as stack:
        cloud = await stack.enter_async_context(
            FakeInfluxDB(token=CLOUD_TOKEN, org="cloud", buckets=["archive"])
        )
        edges = [
            await stack.enter_async_context(
                FakeInfluxDB(token=EDGE_TOKEN, org="edge", buckets=["sensors"], backoff_scale=0.01)
            )
            for _ in range(3)
        ]
        old = cloud.create_token([f"write:orgs/{cloud.org_id}/buckets"])
        new = cloud.create_token([f"write:orgs/{cloud.org_id}/buckets"])
        for edge in edges:
            async with ReplicationClient(url=edge.url, token=EDGE_TOKEN, org="edge") as client:
                await client.remotes.create(
                    name="cloud", remote_url=cloud.url, remote_api_token=old, remote_org_id=cloud.org_id
                )
                await client.replications.create(
                    name="rep", remote="cloud", local_bucket="sensors", remote_bucket="archive"
                )
            edge.clear_request_log()
        for name, value in (("NEW_TOKEN", new), ("OLD_TOKEN", old), ("WRONG_TOKEN", WRONG)):
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("EDGE_TOKEN", EDGE_TOKEN)
        path = tmp_path / "fleet.toml"
        hosts = "".join(f'[[hosts]]\nname = "edge-{i}"\nurl = "{e.url}"\n\n' for i, e in enumerate(edges))
        path.write_text(f'[defaults]\norg = "edge"\ntoken_env = "EDGE_TOKEN"\n\n{hosts}')
        yield Setup(cloud, edges, path, old, new)


async def test_one_server_rotated(setup: Setup) -> None:
    """A good token: exit 0, one aligned row `rotated 1/1`, the token printed nowhere."""
    result = await cli(
        *setup.conn(), *ROTATE, "--token-env", "NEW_TOKEN", "--previous-token-env", "OLD_TOKEN"
    )
    assert result.code == EXIT_OK, result.err
    assert_aligned(result.out)
    header, row = result.out.splitlines()
    assert header.split() == ["HOST", "REMOTE", "RESULT", "VALIDATED", "REASON"]
    assert row.split() == [setup.edges[0].url, "cloud", "rotated", "1/1", "-"]
    assert_no_secret(result, setup)


async def test_one_server_rolled_back(setup: Setup) -> None:
    """A refused token with the previous one: exit 1, `rolled back` with the refused-token hint under it."""
    result = await cli(
        *setup.conn(), *ROTATE, "--token-env", "WRONG_TOKEN", "--previous-token-env", "OLD_TOKEN"
    )
    assert result.code == EXIT_ERROR, result.err
    assert_aligned(result.out)
    lines = result.out.splitlines()
    assert cells(lines[1])[2:4] == ["rolled back", "0/1"]
    assert lines[2] == f"  hint: {REMOTE_TOKEN.hint}"
    assert setup.patched(0) == 2
    assert_no_secret(result, setup)


async def test_one_server_failing_json(setup: Setup) -> None:
    """Without a previous token: exit 1 and one JSON document with the host's row."""
    result = await cli(*setup.conn(), *ROTATE, "--token-env", "WRONG_TOKEN", "--json")
    assert result.code == EXIT_ERROR, result.err
    (row,) = result.json()["hosts"]
    assert list(row) == ["host", "url", "ok", "outcome", "remote", "validated", "error", "rotation"]
    assert (row["ok"], row["outcome"], row["remote"], row["validated"]) == (False, "failing", "cloud", 0)
    assert row["rotation"]["failed"] == "rep"
    assert row["rotation"]["hint"] == REMOTE_TOKEN.hint
    assert setup.patched(0) == 1
    assert_no_secret(result, setup)


async def test_token_from_stdin(setup: Setup) -> None:
    """--token-stdin reads the new token from the first line of stdin."""
    result = await cli(*setup.conn(), *ROTATE, "--token-stdin", "--json", stdin=setup.new + "\n")
    assert result.code == EXIT_OK, result.err
    assert result.json()["hosts"][0]["outcome"] == "rotated"
    assert_no_secret(result, setup)


async def test_fleet_rotated_everywhere(setup: Setup) -> None:
    """Every host of the file rotated: exit 0, one row per host, a summary line, a progress line on a tty."""
    argv = (
        *ROTATE,
        "--token-env",
        "NEW_TOKEN",
        "--previous-token-env",
        "OLD_TOKEN",
        "--file",
        str(setup.path),
    )
    result = await cli(*argv, tty=True)
    assert result.code == EXIT_OK, result.err
    assert_aligned(table_part(result.out))
    rows = [line.split()[:4] for line in table_part(result.out).splitlines()[1:]]
    assert rows == [[f"edge-{i}", "cloud", "rotated", "1/1"] for i in range(3)]
    assert result.out.rstrip().endswith("3 of 3 hosts rotated")
    assert "rotate-token [" in result.err and "3/3 hosts" in result.err
    assert_no_secret(result, setup)


async def test_fleet_with_an_unreachable_host_and_a_missing_remote(setup: Setup) -> None:
    """A closed port and a host without the remote: their rows say so, the others are rotated, exit 3."""
    async with ReplicationClient(url=setup.edges[1].url, token=EDGE_TOKEN, org="edge") as client:
        await client.remotes.delete((await client.remotes.list())[0].id, cascade=True)
    text = setup.path.read_text() + f'[[hosts]]\nname = "edge-down"\nurl = "http://127.0.0.1:{free_port()}"\n'
    setup.path.write_text(text)
    argv = (*ROTATE, "--token-env", "NEW_TOKEN", "--file", str(setup.path), "--max-attempts", "1")
    result = await cli(*argv)
    assert result.code == EXIT_FLEET, result.err
    assert_aligned(table_part(result.out))
    rows = {line.split()[0]: line.split()[2] for line in table_part(result.out).splitlines()[1:]}
    assert rows == {"edge-0": "rotated", "edge-1": "error", "edge-2": "rotated", "edge-down": "unreachable"}
    assert "remote connection 'cloud' not found" in result.out
    assert "2 of 4 hosts rotated, 1 error, 1 unreachable" in result.out
    assert "error: edge-down: cannot reach" in result.err
    document = (await cli(*argv, "--json")).json()
    by_host = {row["host"]: row for row in document["hosts"]}
    assert by_host["edge-down"]["outcome"] == "unreachable" and by_host["edge-down"]["rotation"] is None
    assert by_host["edge-1"]["error"] == "404 not found: remote connection 'cloud' not found"
    assert_no_secret(result, setup)


async def test_fleet_canary_failure(setup: Setup) -> None:
    """--canary 1 with a refused token: the first host rolled back, the rest skipped and untouched, exit 3."""
    argv = (*ROTATE, "--token-env", "WRONG_TOKEN", "--previous-token-env", "OLD_TOKEN")
    result = await cli(*argv, "--file", str(setup.path), "--canary", "1")
    assert result.code == EXIT_FLEET, result.err
    assert_aligned(table_part(result.out))
    lines = table_part(result.out).splitlines()
    assert [cells(line)[2] for line in lines if line.startswith("edge-")] == [
        "rolled back",
        "skipped",
        "skipped",
    ]
    assert "0 of 3 hosts rotated, 1 rolled back, 2 skipped" in result.out
    assert [setup.edges[i].request_log for i in (1, 2)] == [[], []]
    assert_no_secret(result, setup)


@pytest.mark.parametrize(
    ("extra", "env", "message"),
    [
        (["--token-env", "NEW_TOKEN", "--canary", "4", "--file", "FLEET"], {}, "--canary 4 is more than"),
        (["--token-env", "NEW_TOKEN", "--canary", "0", "--file", "FLEET"], {}, "must be at least 1"),
        (["--token-env", "NEW_TOKEN", "--canary", "1"], {}, "--canary needs --file"),
        (["--token-env", "UNSET_TOKEN", "--file", "FLEET"], {}, "UNSET_TOKEN is not set or empty"),
        (["--token-env", "EMPTY_TOKEN", "--file", "FLEET"], {"EMPTY_TOKEN": ""}, "EMPTY_TOKEN is not set"),
        (["--token-env", "NEW_TOKEN", "--previous-token-env", "NEW_TOKEN"], {}, "are the same"),
        (["--token-env", "SPACED", "--file", "FLEET"], {"SPACED": "has a space"}, "whitespace"),
        (["--token-env", "not a name"], {}, "must name an environment variable"),
        (["--token-stdin", "--file", "FLEET"], {}, "no token on stdin"),
        (["--file", "FLEET"], {}, "one of the arguments --token-env --token-stdin is required"),
        (["--token", EDGE_TOKEN, "--token-env", "NEW_TOKEN", "--remote-api-token", "x"], {}, "unrecognized"),
    ],
)
async def test_bad_input_exits_2_before_anything_changes(
    setup: Setup, monkeypatch: pytest.MonkeyPatch, extra: list[str], env: dict[str, str], message: str
) -> None:
    """Each mistake is one line on stderr and exit 2; no host received a single request."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    argv = [str(setup.path) if arg == "FLEET" else arg for arg in extra]
    result = await cli(*setup.conn(), *ROTATE, *argv)
    assert result.code == EXIT_USAGE, result.out
    assert message in result.err
    assert all(edge.request_log == [] for edge in setup.edges)
    assert "has a space" not in result.err
    assert_no_secret(result, setup)


async def test_rotation_keeps_replicating(setup: Setup) -> None:
    """After a fleet rotation with the old token revoked, points written on an edge reach the cloud."""
    argv = (*ROTATE, "--token-env", "NEW_TOKEN", "--file", str(setup.path))
    assert (await cli(*argv)).code == EXIT_OK
    setup.cloud.revoke_token(setup.old)
    from .conftest import write_points

    await write_points(setup.edges[2], "sensors", ["m v=1 1700000000000000000"], EDGE_TOKEN)
    for _ in range(500):
        if await setup.cloud.points("archive"):
            break
        await asyncio.sleep(0.02)
    assert [p.fields["v"] for p in await setup.cloud.points("archive")] == [1.0]


async def test_a_host_error_that_quotes_the_token_is_masked(setup: Setup) -> None:
    """A host whose answer quotes the new token: the token is masked in the table, the JSON and stderr."""
    for edge in setup.edges:
        edge.fail_next(
            2, status=500, method="PATCH", body=f'{{"code":"internal error","message":"{setup.new}"}}'
        )
    argv = (*ROTATE, "--token-env", "NEW_TOKEN", "--file", str(setup.path), "--max-attempts", "1")
    for result in (await cli(*argv), await cli(*argv, "--json")):
        assert result.code == EXIT_FLEET, result.err
        assert "***" in result.out and "***" in result.err
        assert_no_secret(result, setup)
