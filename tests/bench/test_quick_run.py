"""`scripts/bench/run.py --quick` works end to end: a smoke run proving the harness, never judging speed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

RUN = Path(__file__).resolve().parents[2] / "scripts" / "bench" / "run.py"


def test_quick_run_measures_every_installed_client(tmp_path: Path) -> None:
    """One quick run: a server process, a worker per client, the markdown and JSON reports, the targets."""
    done = subprocess.run(
        [sys.executable, str(RUN), "--quick", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = (tmp_path / "bench.md").read_text(encoding="utf-8")
    raw = json.loads((tmp_path / "bench.json").read_text(encoding="utf-8"))

    medians = raw["medians"]
    # the test environment has our client (both backends), raw httpx and aiohttp, and influxdb-client
    expected = ("httpx", "generated", "ours", "ours-aiohttp", "aiohttp", "official-async", "official-sync")
    for client in expected:
        assert client in medians, f"{client} was not measured"
        for workload, cell in medians[client].items():
            assert cell["cpu_us"] > 0, (client, workload)
    assert set(medians["ours"]) == set(medians["httpx"])  # same workloads for every client
    assert raw["imports_ms"]["influxdb_replications"] and raw["imports_ms"]["influxdb_client"]
    assert len(raw["targets"]) == 5
    assert all(line.startswith(("PASS", "**FAIL**")) for line in raw["targets"])
    assert "| list1000 sequential |" in report and "QUICK" in report
