"""Reading the influx CLI's configs file: which profile, where the file is, and every error naming it."""

from __future__ import annotations

from pathlib import Path

import pytest

from influxdb_replications import ReplicationClient
from influxdb_replications.core.influx_configs import (
    InfluxConfigError,
    read_profile,
    resolve_connection,
)

SECRET = "profile-token-8d1e2f"

CONFIGS = f"""[default]
  url = "http://localhost:8086"
  token = "default-token-0000"
  org = "home"

[edge-01]
  url = "http://edge-01:8086"
  token = "{SECRET}"
  org = "edge"
  active = true
  previous = false
"""


@pytest.fixture(autouse=True)
def no_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No INFLUX_* variable and no real home directory."""
    for name in (
        "INFLUX_HOST",
        "INFLUX_TOKEN",
        "INFLUX_ORG",
        "INFLUX_ORG_ID",
        "INFLUX_ACTIVE_CONFIG",
        "INFLUX_CONFIGS_PATH",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


@pytest.fixture
def configs(tmp_path: Path) -> Path:
    path = tmp_path / "configs"
    path.write_text(CONFIGS)
    return path


def test_the_active_profile_is_read_and_its_token_is_not_in_the_repr(configs: Path) -> None:
    """Without a name, the profile with active = true; the repr shows url and org, never the token."""
    profile = read_profile(path=configs)
    assert profile is not None
    assert (profile.name, profile.url, profile.token, profile.org) == (
        "edge-01",
        "http://edge-01:8086",
        SECRET,
        "edge",
    )
    assert SECRET not in repr(profile)


def test_a_name_then_the_environment_choose_the_profile(
    configs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """INFLUX_ACTIVE_CONFIG picks a profile, and a name given wins over it."""
    monkeypatch.setenv("INFLUX_ACTIVE_CONFIG", "default")
    assert (read_profile(path=configs) or pytest.fail()).name == "default"
    assert (read_profile("edge-01", path=configs) or pytest.fail()).name == "edge-01"


def test_the_path_comes_from_the_environment_then_the_home_directory(
    configs: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """INFLUX_CONFIGS_PATH, else ~/.influxdbv2/configs; a default file that is missing is no error."""
    assert read_profile(required=False) is None
    home = tmp_path / "home" / ".influxdbv2"
    home.mkdir(parents=True)
    (home / "configs").write_text('[only]\nurl = "http://h:1"\ntoken = "t"\n')
    assert (read_profile() or pytest.fail()).name == "only"  # the only profile is the one
    monkeypatch.setenv("INFLUX_CONFIGS_PATH", str(configs))
    assert (read_profile() or pytest.fail()).name == "edge-01"


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("[a]\nurl = \n", 2, "invalid TOML"),
        ('[a]\nurl = "x"\n[a]\n', 3, "invalid TOML"),
        ('url = "x"\n', 1, "is not a profile table"),
        ('[a]\nurl = "x"\ntoken = 12\n', 3, "token must be a string"),
        (b'[a]\nurl = "\xff"\n', 2, "not valid UTF-8"),
    ],
)
def test_a_malformed_file_names_the_file_and_line(
    tmp_path: Path, text: str | bytes, line: int, words: str
) -> None:
    """Bad TOML, a key outside a table, a wrong type, bad UTF-8: FILE:LINE: reason."""
    path = tmp_path / "configs"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(InfluxConfigError) as info:
        read_profile("a", path=path)
    assert str(info.value).startswith(f"{path}:{line}: "), str(info.value)
    assert words in str(info.value)
    assert info.value.line == line


def test_missing_unknown_and_unreadable_are_clear_errors(configs: Path, tmp_path: Path) -> None:
    """A missing file asked for, an unknown profile (the known ones listed), a directory: the file named."""
    with pytest.raises(InfluxConfigError, match=r"nowhere: no such file"):
        read_profile(path=tmp_path / "nowhere")
    with pytest.raises(InfluxConfigError) as info:
        read_profile("prod", path=configs)
    assert str(info.value) == f"{configs}: no profile named 'prod' (profiles: default, edge-01)"
    assert SECRET not in str(info.value)
    with pytest.raises(InfluxConfigError, match=r"cannot read it"):
        read_profile(path=tmp_path)


def test_precedence_is_arguments_then_environment_then_profile(
    configs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The influx CLI's order: given values, then INFLUX_*, then the profile; each value on its own."""
    conn = resolve_connection(path=configs)
    assert (conn.url, conn.token, conn.org, conn.org_id) == ("http://edge-01:8086", SECRET, "edge", None)
    monkeypatch.setenv("INFLUX_HOST", "http://from-env:8086")
    monkeypatch.setenv("INFLUX_ORG_ID", "0123456789abcdef")
    conn = resolve_connection(path=configs)
    assert (conn.url, conn.token, conn.org, conn.org_id) == (
        "http://from-env:8086",
        SECRET,
        None,
        "0123456789abcdef",
    )
    conn = resolve_connection(url="http://flag:1", token="flag-token", org="o", path=configs)
    assert (conn.url, conn.token, conn.org) == ("http://flag:1", "flag-token", "o")
    assert SECRET not in repr(conn)


async def test_from_influx_config(configs: Path) -> None:
    """ReplicationClient.from_influx_config takes url, org and token from a profile; arguments win."""
    async with ReplicationClient.from_influx_config(path=str(configs)) as client:
        assert (client.url, client.org) == ("http://edge-01:8086", "edge")
        assert SECRET not in repr(client)
    async with ReplicationClient.from_influx_config("default", str(configs), org="other") as client:
        assert (client.url, client.org) == ("http://localhost:8086", "other")
    with pytest.raises(InfluxConfigError, match="no profile named 'nope'"):
        ReplicationClient.from_influx_config("nope", str(configs))
