"""Host and the fleet functions' argument checks: no network, no token in any repr or message."""

from __future__ import annotations

from typing import Any

import pytest

from influxdb_replications.fleet import Host, HostResult, fleet_apply, fleet_plan, fleet_status
from influxdb_replications.operations.desired import DesiredState

SECRET = "tok-FLEET-SECRET-42=="


def test_host_defaults_and_label() -> None:
    """token_env defaults to INFLUX_TOKEN; the label is the name, else the URL."""
    host = Host(url="http://edge:8086")
    assert host.token_env == "INFLUX_TOKEN"
    assert host.label == "http://edge:8086"
    assert Host(url="http://edge:8086", name="edge-01").label == "edge-01"


def test_host_normalises_org_id() -> None:
    """org_id is checked and lower-cased like the client does."""
    assert Host(url="http://edge:8086", org_id="0A0A0A0A0A0A0A0A").org_id == "0a0a0a0a0a0a0a0a"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"url": "ftp://edge"}, "url must be an http(s) URL"),
        ({"url": "http://user:pw@edge:8086"}, "url must not carry credentials"),
        ({"url": "http://edge:8086", "org_id": "xyz"}, "org_id must be an ID"),
        ({"url": "http://edge:8086", "org": ""}, "org must be a non-empty string"),
        ({"url": "http://edge:8086", "name": ""}, "name must be a non-empty string"),
        ({"url": "http://edge:8086", "token_env": "1ABC"}, "token_env must name an environment variable"),
        ({"url": "http://edge:8086", "token_env": ""}, "token_env must name an environment variable"),
    ],
)
def test_host_refuses_bad_values(kwargs: dict[str, Any], message: str) -> None:
    """Bad values are ValueError naming the field, before any I/O."""
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Host(**kwargs)


def test_token_pasted_into_token_env_is_not_echoed() -> None:
    """A token given as token_env is refused without showing it."""
    with pytest.raises(ValueError) as info:
        Host(url="http://edge:8086", token_env=SECRET)
    assert SECRET not in str(info.value)


async def test_client_reads_the_token_from_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """Host.client() builds a ReplicationClient for the host with the token from token_env."""
    monkeypatch.setenv("EDGE_TOKEN", SECRET)
    host = Host(url="http://edge:8086", org="edge", token_env="EDGE_TOKEN", name="edge-01")
    async with host.client(timeout=3.0) as client:
        assert client.url == "http://edge:8086"
        assert client.org == "edge"
        assert SECRET not in repr(client)
    assert SECRET not in repr(host)
    assert "EDGE_TOKEN" in repr(host)


@pytest.mark.parametrize("value", [None, ""])
def test_client_without_token_names_the_variable(monkeypatch: pytest.MonkeyPatch, value: str | None) -> None:
    """An unset or empty token variable is a ValueError naming the variable and the host."""
    if value is None:
        monkeypatch.delenv("EDGE_TOKEN", raising=False)
    else:
        monkeypatch.setenv("EDGE_TOKEN", value)
    with pytest.raises(ValueError, match=r"host edge-01: environment variable EDGE_TOKEN is not set"):
        Host(url="http://edge:8086", token_env="EDGE_TOKEN", name="edge-01").client()


def test_client_options_cannot_replace_the_hosts_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """url, token, org and org_id come from the Host, never from the options."""
    monkeypatch.setenv("INFLUX_TOKEN", SECRET)
    with pytest.raises(ValueError, match="cannot set org, token"):
        Host(url="http://edge:8086").client(token="x", org="y")


def test_host_result_ok() -> None:
    """ok is True exactly when there is no error."""
    host = Host(url="http://edge:8086")
    assert HostResult(host, [], None).ok
    assert not HostResult(host, None, ValueError("x")).ok


async def test_fleet_functions_check_their_arguments() -> None:
    """Bad concurrency, non-Host entries and host options in client_options fail before any I/O."""
    host = Host(url="http://127.0.0.1:9")
    for bad in (0, -1, True, 2.5):
        with pytest.raises(ValueError, match="concurrency must be an int >= 1"):
            await fleet_status([host], concurrency=bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="hosts must hold Host objects, got str"):
        await fleet_plan(["http://edge:8086"], DesiredState())  # type: ignore[list-item]
    with pytest.raises(ValueError, match="client_options cannot set token, url"):
        await fleet_apply([host], DesiredState(), client_options={"url": "http://x", "token": "t"})


async def test_no_hosts_no_results() -> None:
    """An empty fleet gives an empty list and never calls on_progress."""
    calls: list[object] = []
    assert await fleet_apply([], DesiredState(), on_progress=calls.append) == []
    assert await fleet_status((), on_progress=calls.append) == []
    assert calls == []
