"""Fixtures for the command-line tests: run() in the test's event loop against embedded servers."""

from __future__ import annotations

import io
import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from influxdb_replications.cli import run
from influxdb_replications.testing import FakeInfluxDB

EDGE_TOKEN = "edge-operator-token-3f9a"
CLOUD_TOKEN = "cloud-operator-token-77c1"


@dataclass(frozen=True)
class Result:
    """What one run of the command line gave."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


class TTY(io.StringIO):
    """A StringIO that says it is a terminal (for the progress bar)."""

    def isatty(self) -> bool:
        return True


async def cli(*argv: str, stdin: str | None = None, tty: bool = False) -> Result:
    """Run the command line with captured streams."""
    out = io.StringIO()
    err: io.StringIO = TTY() if tty else io.StringIO()
    code = await run(list(argv), stdout=out, stderr=err, stdin=io.StringIO(stdin or ""))
    return Result(code, out.getvalue(), err.getvalue())


def free_port() -> int:
    """A loopback port with nothing listening on it (for an unreachable host)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def write_points(fake: FakeInfluxDB, bucket: str, lines: list[str], token: str) -> None:
    """Write line protocol to a fake's bucket."""
    async with httpx.AsyncClient(base_url=fake.url, headers={"Authorization": f"Token {token}"}) as http:
        response = await http.post(
            "/api/v2/write",
            params={"org": fake.org, "bucket": bucket, "precision": "ns"},
            content="\n".join(lines).encode(),
        )
        assert response.status_code == 204, response.text


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No INFLUX_* variable of the developer's shell, nor their influx CLI profiles, leaks into a test."""
    for name in (
        "INFLUX_HOST",
        "INFLUX_TOKEN",
        "INFLUX_ORG",
        "INFLUX_ORG_ID",
        "INFLUX_ACTIVE_CONFIG",
        "INFLUX_CONFIGS_PATH",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))  # no ~/.influxdbv2/configs


@pytest.fixture
async def cloud() -> AsyncIterator[FakeInfluxDB]:
    """The replication target."""
    async with FakeInfluxDB(token=CLOUD_TOKEN, org="cloud", buckets=["archive"]) as fake:
        yield fake


@pytest.fixture
async def edge() -> AsyncIterator[FakeInfluxDB]:
    """The server the command line talks to."""
    async with FakeInfluxDB(token=EDGE_TOKEN, org="edge", buckets=["sensors"], backoff_scale=0.01) as fake:
        yield fake


@pytest.fixture
def conn(edge: FakeInfluxDB) -> list[str]:
    """Connection flags for the edge server."""
    return ["--host", edge.url, "--token", EDGE_TOKEN, "--org", "edge"]
