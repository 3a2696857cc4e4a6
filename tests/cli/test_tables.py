"""Every table the command line prints (and the demo's status table) has its columns aligned."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from influxdb_replications.demo import _status_table
from influxdb_replications.testing import FakeInfluxDB

from .conftest import CLOUD_TOKEN, EDGE_TOKEN, cli
from .test_commands import make_remote, make_replication


def assert_aligned(text: str) -> None:
    """Each row's cells start where the header's columns start (cells two spaces apart, none empty)."""
    lines = [line for line in text.rstrip("\n").splitlines() if not line.startswith("  hint: ")]
    header = lines[0]
    starts = [0] + [m.end() for m in re.finditer(r"  +(?=\S)", header)]
    assert len(starts) > 1, text
    for line in lines[1:]:
        for start in starts[1:]:
            assert line[start - 2 : start] == "  " and line[start : start + 1].strip(), f"{line!r} in\n{text}"
        assert not re.search(r"\S  +\S", line[: starts[1] - 2]), f"{line!r} in\n{text}"


def table_part(text: str) -> str:
    """The table of a fleet command's output (the summary line after a blank line is not part of it)."""
    return text.split("\n\n")[0]


async def test_every_cli_table_is_aligned(
    conn: list[str], cloud: FakeInfluxDB, edge: FakeInfluxDB, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """remotes list, replications list, status, and the fleet's plan, apply and status tables are aligned."""
    await make_remote(conn, cloud, name="a-remote-with-a-long-name")
    await make_remote(conn, cloud, name="r")
    await make_replication(conn, name="rep", remote="r")
    await make_replication(conn, name="a-replication-with-a-long-name", remote="a-remote-with-a-long-name")
    for argv in (["remotes", "list"], ["replications", "list"], ["status"]):
        result = await cli(*conn, *argv)
        assert result.code == 0, result.err
        assert_aligned(result.out)

    monkeypatch.setenv("EDGE_TOKEN", EDGE_TOKEN)
    monkeypatch.setenv("CLOUD_TOKEN", CLOUD_TOKEN)
    fleet = tmp_path / "fleet.toml"
    fleet.write_text(
        f"""[defaults]
org = "edge"
token_env = "EDGE_TOKEN"

[[hosts]]
name = "edge"
url = "{edge.url}"

[[hosts]]
name = "the-cloud-as-a-host"
url = "{cloud.url}"
org = "cloud"
token_env = "CLOUD_TOKEN"

[[remotes]]
name = "cloud"
url = "{cloud.url}"
remote_org_id = "{cloud.org_id}"
token_env = "CLOUD_TOKEN"
hosts = ["edge"]
"""
    )
    for argv in (["plan", str(fleet)], ["apply", str(fleet)], ["status", "--file", str(fleet)]):
        result = await cli(*argv)
        assert result.code in (0, 2), result.err
        assert_aligned(table_part(result.out))


def test_the_demo_status_table_is_aligned() -> None:
    """The demo's table: header, rule and rows have the same width, and the rule's + sit under the |."""
    from influxdb_replications_api.models.replication import Replication

    rep = Replication.from_dict(
        {
            "id": "0000000000000001", "name": "edge-to-cloud", "orgID": "0000000000000002",
            "remoteID": "0000000000000003", "localBucketID": "0000000000000004",
            "remoteBucketID": "0000000000000005", "maxQueueSizeBytes": 67108860,
            "currentQueueSizeBytes": 0, "remainingBytesToBeSynced": 0, "dropNonRetryableData": False,
        }
    )  # fmt: skip
    lines = _status_table([rep]).splitlines()
    assert len(lines) == 3
    assert len({len(line) for line in lines}) == 1, lines
    bars = [i for i, c in enumerate(lines[0]) if c == "|"]
    assert (
        bars
        == [i for i, c in enumerate(lines[1]) if c == "+"]
        == [i for i, c in enumerate(lines[2]) if c == "|"]
    )


async def test_hide_headers_drops_only_the_header_line(
    conn: list[str], cloud: FakeInfluxDB, edge: FakeInfluxDB, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--hide-headers prints every table the same, minus its header line; an empty table prints nothing."""
    empty = await cli(*conn, "remotes", "list", "--hide-headers")
    assert (empty.code, empty.out) == (0, "")
    await make_remote(conn, cloud, name="r")
    await make_replication(conn, name="rep", remote="r")
    for argv in (["remotes", "list"], ["replications", "list"], ["status"]):
        shown = await cli(*conn, *argv)
        hidden = await cli(*conn, *argv, "--hide-headers")
        assert hidden.code == shown.code, hidden.err
        header, _, rest = shown.out.partition("\n")
        assert header.startswith("ID  " if argv[0] != "status" else "NAME  ")
        assert hidden.out == rest, argv
    monkeypatch.setenv("EDGE_TOKEN", EDGE_TOKEN)
    fleet = tmp_path / "fleet.toml"
    fleet.write_text(
        f'[defaults]\norg = "edge"\ntoken_env = "EDGE_TOKEN"\n\n[[hosts]]\nname = "e"\nurl = "{edge.url}"\n'
    )
    for argv in (["plan", str(fleet)], ["status", "--file", str(fleet)]):
        shown = await cli(*argv)
        hidden = await cli("--hide-headers", *argv)
        assert hidden.out == shown.out.partition("\n")[2], argv


async def test_json_is_one_document_per_command(
    conn: list[str], cloud: FakeInfluxDB, edge: FakeInfluxDB
) -> None:
    """--json prints exactly one JSON document on stdout, with the documented top-level shape."""
    import json

    await make_remote(conn, cloud, name="r")
    await make_replication(conn, name="rep", remote="r")
    expected = {
        ("remotes", "list"): list,
        ("remotes", "get", "r"): dict,
        ("replications", "list"): list,
        ("replications", "get", "rep"): dict,
        ("status",): dict,
    }
    for argv, kind in expected.items():
        result = await cli(*conn, *argv, "--json")
        document = json.loads(result.out)  # raises on a second document ("Extra data")
        assert isinstance(document, kind), argv
    status = json.loads((await cli(*conn, "status", "--json")).out)
    assert list(status) == ["replications"]
    assert list(status["replications"][0]) == [
        "id", "name", "health", "reason", "warnings", "hint", "synced", "queue_fill", "replication",
    ]  # fmt: skip
