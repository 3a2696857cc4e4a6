"""The exporter: /metrics and / over HTTP, one collection for concurrent scrapes, bind errors, signals."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from influxdb_replications.cli import EXIT_USAGE, run
from influxdb_replications.testing import FakeInfluxDB

from .conftest import EDGE_TOKEN, cli, free_port

REPLICATIONS = "/api/v2/replications"


@contextlib.asynccontextmanager
async def exporter(*argv: str) -> AsyncIterator[tuple[str, io.StringIO]]:
    """Run `exporter --listen 127.0.0.1:0 ARGV` in this loop; yield its base URL and its stderr."""
    out, err = io.StringIO(), io.StringIO()
    task = asyncio.create_task(run(["exporter", "--listen", "127.0.0.1:0", *argv], stdout=out, stderr=err))
    while "listening on " not in err.getvalue():
        assert not task.done(), err.getvalue()
        await asyncio.sleep(0.01)
    url = err.getvalue().split("listening on ")[1].split()[0].removesuffix("/metrics")
    try:
        yield url, err
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def collections(edge: FakeInfluxDB) -> int:
    """How many collections reached the server (each lists its replications once)."""
    return sum(1 for r in edge.request_log if r.method == "GET" and r.path == REPLICATIONS)


async def test_metrics_and_the_hints_page(conn: list[str], edge: FakeInfluxDB) -> None:
    """/metrics is the text format Prometheus parses; / lists the streams; other paths are 404."""
    async with exporter(*conn) as (url, err), httpx.AsyncClient(base_url=url) as http:
        metrics = await http.get("/metrics")
        assert metrics.status_code == 200
        assert metrics.headers["content-type"].startswith("text/plain; version=0.0.4")
        names = {f.name for f in text_string_to_metric_families(metrics.text)}
        assert "influxdb_replications_host_up" in names
        assert f'influxdb_replications_host_up{{host="{edge.url}"}} 1.0' in metrics.text
        page = await http.get("/")
        assert page.status_code == 200 and "HOST  NAME" in page.text
        assert (await http.get("/nothing")).status_code == 404
        assert (await http.post("/metrics")).status_code == 405
    assert EDGE_TOKEN not in err.getvalue()


async def test_concurrent_scrapes_share_one_collection(conn: list[str], edge: FakeInfluxDB) -> None:
    """Five scrapes while a slow collection runs start no other collection and all get its result."""
    edge.hang_next(1, seconds=2, method="GET", path=REPLICATIONS)
    async with exporter(*conn) as (url, _), httpx.AsyncClient(base_url=url, timeout=30) as http:
        edge.clear_request_log()
        answers = await asyncio.gather(*(http.get("/metrics") for _ in range(5)))
        assert collections(edge) == 1
        assert len({a.text for a in answers}) == 1
        await http.get("/metrics")  # no --min-interval: a later scrape collects again
        assert collections(edge) == 2


async def test_min_interval_reuses_the_last_collection(conn: list[str], edge: FakeInfluxDB) -> None:
    """A scrape within --min-interval of the last collection gets it again without asking the server."""
    async with exporter(*conn, "--min-interval", "600") as (url, _), httpx.AsyncClient(base_url=url) as http:
        edge.clear_request_log()
        first = await http.get("/metrics")
        second = await http.get("/metrics")
        assert collections(edge) == 1
        assert first.text == second.text


async def test_listen_problems_are_one_line_usage_errors(conn: list[str]) -> None:
    """A port in use, an address that cannot be bound, a malformed --listen: exit 2, one line."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        in_use = await cli("exporter", *conn, "--listen", f"127.0.0.1:{port}")
    assert in_use.code == EXIT_USAGE
    assert in_use.err.startswith(f"error: cannot listen on 127.0.0.1:{port}: ")
    foreign = await cli("exporter", *conn, "--listen", "192.0.2.1:9470")  # not an address of this machine
    assert foreign.code == EXIT_USAGE and foreign.err.startswith("error: cannot listen on 192.0.2.1:9470: ")
    bad = await cli("exporter", *conn, "--listen", "localhost:http")
    assert bad.err == "error: --listen 'localhost:http': expected HOST:PORT (e.g. 127.0.0.1:9470)\n"
    for result in (in_use, foreign, bad):
        assert result.code == EXIT_USAGE and result.err.count("\n") == 1 and result.out == ""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_the_process_stops_cleanly_on_sigterm_and_ctrl_c(sig: signal.Signals) -> None:
    """As a real process: serves on loopback, answers a scrape, exits 0 on SIGTERM or SIGINT."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("INFLUX_")}
    env.update(
        INFLUX_HOST=f"http://127.0.0.1:{free_port()}", INFLUX_TOKEN="process-token-51aa", INFLUX_ORG="o"
    )
    argv = [sys.executable, "-m", "influxdb_replications", "exporter", "--listen", "0", "--max-attempts", "1"]
    with subprocess.Popen(argv, stderr=subprocess.PIPE, text=True, env=env) as process:
        try:
            assert process.stderr is not None
            line = process.stderr.readline()
            assert line.startswith("listening on http://127.0.0.1:"), line
            scrape = httpx.get(line.split()[-1], timeout=30)
            assert 'influxdb_replications_host_up{host="' in scrape.text and "} 0.0" in scrape.text
            process.send_signal(sig)
            assert process.wait(timeout=30) == 0
            rest = process.stderr.read()
        finally:
            process.kill()
    assert "Traceback" not in rest and "process-token-51aa" not in line + rest
