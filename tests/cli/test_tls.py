"""The command line over TLS: --skip-verify, SSL_CERT_FILE, an untrusted server, the TLS hint in status."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from influxdb_replications.cli import EXIT_ERROR, EXIT_OK, EXIT_UNHEALTHY
from influxdb_replications.resources.failures import REMOTE_TLS
from influxdb_replications.testing import FakeCA, FakeInfluxDB

from .conftest import CLOUD_TOKEN, EDGE_TOKEN, cli, write_points
from .test_hints import create_remote, create_replication, poll


@pytest.fixture
def ca(tmp_path: Path) -> FakeCA:
    """A private CA."""
    return FakeCA(tmp_path / "ca")


@pytest.fixture
async def https_edge(ca: FakeCA) -> AsyncIterator[FakeInfluxDB]:
    """The server the command line talks to, over HTTPS with a certificate of the private CA."""
    async with FakeInfluxDB(
        token=EDGE_TOKEN, org="edge", buckets=["sensors"], ssl_context=ca.server_context()
    ) as fake:
        yield fake


def https_conn(fake: FakeInfluxDB) -> list[str]:
    return ["--host", fake.url, "--token", EDGE_TOKEN, "--org", "edge"]


async def test_untrusted_server_is_one_clear_error_line(https_edge: FakeInfluxDB) -> None:
    """Without a trusted CA the command fails with the not-trusted message (how to pass a CA), no trace."""
    result = await cli(*https_conn(https_edge), "remotes", "list")
    assert result.code == EXIT_ERROR
    assert "the server's TLS certificate was not trusted" in result.err and "SSL_CERT_FILE" in result.err
    assert "Traceback" not in result.err and "SSLCertVerificationError" not in result.err
    assert EDGE_TOKEN not in result.err + result.out
    assert https_edge.request_log == []  # no HTTP request got through the handshake


async def test_skip_verify_talks_to_an_untrusted_server(https_edge: FakeInfluxDB) -> None:
    """--skip-verify turns certificate checks off."""
    result = await cli(*https_conn(https_edge), "--skip-verify", "--json", "remotes", "list")
    assert (result.code, result.json()) == (EXIT_OK, []), result.err


async def test_ssl_cert_file_makes_the_server_trusted(
    https_edge: FakeInfluxDB, ca: FakeCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SSL_CERT_FILE naming the private CA is how the command line trusts it."""
    monkeypatch.setenv("SSL_CERT_FILE", str(ca.ca_file))
    result = await cli(*https_conn(https_edge), "--json", "remotes", "list")
    assert (result.code, result.json()) == (EXIT_OK, []), result.err


@pytest.fixture
async def https_cloud(ca: FakeCA) -> AsyncIterator[FakeInfluxDB]:
    """The replication target over HTTPS, signed by a CA the edge does not trust."""
    async with FakeInfluxDB(
        token=CLOUD_TOKEN, org="cloud", buckets=["archive"], ssl_context=ca.server_context()
    ) as fake:
        yield fake


async def test_status_shows_the_tls_hint_then_healthy_with_insecure_tls(
    conn: list[str], https_cloud: FakeInfluxDB, edge: FakeInfluxDB
) -> None:
    """status (table and --json) shows failing with the TLS hint; --allow-insecure-tls then heals it."""
    await create_remote(conn, https_cloud.url, "--remote-org-id", https_cloud.org_id)
    replication_id = await create_replication(conn)
    await write_points(edge, "sensors", ["m v=1 1"], EDGE_TOKEN)
    table = await poll([*conn, "status"], lambda r: r.code == EXIT_UNHEALTHY)
    lines = table.out.rstrip("\n").split("\n")
    assert lines[1].startswith("rep") and "failing" in lines[1]
    assert lines[2] == f"  hint: {REMOTE_TLS.hint}"
    [entry] = (await cli(*conn, "--json", "status")).json()["replications"]
    assert (entry["id"], entry["health"], entry["hint"]) == (replication_id, "failing", REMOTE_TLS.hint)

    updated = await cli(*conn, "remotes", "update", "cloud", "--allow-insecure-tls")
    assert updated.code == EXIT_OK, updated.err
    await write_points(edge, "sensors", ["m v=2 2"], EDGE_TOKEN)
    healthy = await poll([*conn, "--json", "status"], lambda r: r.code == EXIT_OK)
    assert healthy.json()["replications"][0]["health"] == "healthy"
    assert CLOUD_TOKEN not in table.out + healthy.out
