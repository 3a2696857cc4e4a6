"""The influx CLI's config profiles at the command line and in fleet files: precedence and errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from influxdb_replications.cli import EXIT_OK, EXIT_USAGE
from influxdb_replications.testing import FakeInfluxDB

from .conftest import EDGE_TOKEN, cli, free_port


def write_configs(path: Path, edge: FakeInfluxDB, *, active: str = "edge") -> Path:
    """A configs file like `influx config create` writes: the edge, and a profile pointing nowhere."""
    path.write_text(
        f"""[edge]
  url = "{edge.url}"
  token = "{EDGE_TOKEN}"
  org = "edge"
  active = {str(active == "edge").lower()}

[nowhere]
  url = "http://127.0.0.1:{free_port()}"
  token = "nowhere-token-5d5d"
  org = "edge"
  active = {str(active == "nowhere").lower()}
"""
    )
    return path


async def test_the_active_profile_supplies_the_connection(
    edge: FakeInfluxDB, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no flag and no variable, ~/.influxdbv2/configs' active profile gives url, token and org."""
    home = tmp_path / "home"
    (home / ".influxdbv2").mkdir(parents=True)
    write_configs(home / ".influxdbv2" / "configs", edge)
    monkeypatch.setenv("HOME", str(home))
    result = await cli("remotes", "list", "--json")
    assert (result.code, result.json()) == (EXIT_OK, []), result.err


async def test_flags_then_environment_then_profile(
    edge: FakeInfluxDB, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """-c and INFLUX_ACTIVE_CONFIG pick a profile; INFLUX_HOST beats the profile and --host beats both."""
    configs = write_configs(tmp_path / "configs", edge, active="nowhere")
    monkeypatch.setenv("INFLUX_CONFIGS_PATH", str(configs))
    unreachable = await cli("remotes", "list", "--max-attempts", "1")
    assert unreachable.code == 1 and "cannot reach" in unreachable.err
    assert (await cli("-c", "edge", "remotes", "list")).code == EXIT_OK
    monkeypatch.setenv("INFLUX_ACTIVE_CONFIG", "edge")
    assert (await cli("remotes", "list")).code == EXIT_OK
    monkeypatch.setenv("INFLUX_HOST", f"http://127.0.0.1:{free_port()}")  # the environment wins
    assert (await cli("remotes", "list", "--max-attempts", "1")).code == 1
    assert (await cli("remotes", "list", "--host", edge.url)).code == EXIT_OK  # the flag wins
    monkeypatch.delenv("INFLUX_HOST")
    monkeypatch.delenv("INFLUX_CONFIGS_PATH")
    flag = await cli("remotes", "list", "--configs-path", str(configs), "--active-config", "edge")
    assert flag.code == EXIT_OK, flag.err


async def test_profile_problems_are_one_line_usage_errors(edge: FakeInfluxDB, tmp_path: Path) -> None:
    """A missing or malformed file, an unknown profile: exit 2, one line naming the file; no token."""
    configs = write_configs(tmp_path / "configs", edge)
    missing = await cli("remotes", "list", "--configs-path", str(tmp_path / "none"))
    assert missing.code == EXIT_USAGE
    assert missing.err == f"error: {tmp_path / 'none'}: no such file (the influx CLI's configs)\n"
    unknown = await cli("remotes", "list", "--configs-path", str(configs), "-c", "prod")
    assert unknown.code == EXIT_USAGE
    assert unknown.err == f"error: {configs}: no profile named 'prod' (profiles: edge, nowhere)\n"
    broken = tmp_path / "broken"
    broken.write_text(f'[edge]\n  token = "{EDGE_TOKEN}"\n  url = http://x\n')
    bad = await cli("remotes", "list", "--configs-path", str(broken))
    assert bad.code == EXIT_USAGE
    assert bad.err.startswith(f"error: {broken}:3: invalid TOML") and bad.err.count("\n") == 1
    for result in (missing, unknown, bad):
        assert EDGE_TOKEN not in result.err + result.out
        assert "Traceback" not in result.err


async def test_a_fleet_host_can_name_a_profile(
    edge: FakeInfluxDB, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A [[hosts]] entry with profile = NAME takes url, org and token from it; bad names point at the line."""
    configs = write_configs(tmp_path / "configs", edge)
    monkeypatch.setenv("INFLUX_CONFIGS_PATH", str(configs))
    fleet = tmp_path / "fleet.toml"
    fleet.write_text('[[hosts]]\nname = "edge"\nprofile = "edge"\n')
    result = await cli("status", "--file", str(fleet), "--json")
    assert result.code == EXIT_OK, result.err
    [host] = result.json()["hosts"]
    assert (host["host"], host["url"], host["ok"]) == ("edge", edge.url, True)
    assert EDGE_TOKEN not in result.out + result.err
    fleet.write_text('[[hosts]]\nname = "edge"\n\nprofile = "prod"\n')
    unknown = await cli("status", "--file", str(fleet))
    assert unknown.code == EXIT_USAGE
    assert unknown.err.startswith(f"error: {fleet}:4: host 'edge': {configs}: no profile named 'prod'")
    fleet.write_text('[[hosts]]\nprofile = "edge"\ntoken_env = "X"\n')
    both = await cli("status", "--file", str(fleet))
    assert both.code == EXIT_USAGE and "give either profile or token_env" in both.err
