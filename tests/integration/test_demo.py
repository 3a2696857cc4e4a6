"""The README's main job: the demo runs on a fresh interpreter and proves replication end to end."""

from __future__ import annotations

import subprocess
import sys


def test_demo_runs_and_reports_every_point() -> None:
    """`python -m influxdb_replications.demo` exits 0, prints the status table and all points arrived."""
    proc = subprocess.run(
        [sys.executable, "-m", "influxdb_replications.demo", "--points", "300"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "300 of 300 points arrived in the cloud bucket" in out
    assert "telemetry-to-cloud | synced" in out
    assert "cleaned up" in out
    assert "Traceback" not in proc.stderr


def test_demo_rejects_bad_arguments() -> None:
    """A bad --points is a one-line usage error, not a traceback."""
    proc = subprocess.run(
        [sys.executable, "-m", "influxdb_replications.demo", "--points", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "--points must be at least 1" in proc.stderr
    assert "Traceback" not in proc.stderr
