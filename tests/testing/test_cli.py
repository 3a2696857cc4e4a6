"""The standalone runner: `python -m influxdb_replications.testing`."""

from __future__ import annotations

import re
import subprocess
import sys

import httpx


def run_fake(*args: str) -> tuple[subprocess.Popen[str], str]:
    """Start the CLI on a free port and return the process and its first output line."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "influxdb_replications.testing", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline()


def stop(proc: subprocess.Popen[str]) -> int:
    """Send SIGTERM and wait for a clean exit."""
    proc.terminate()
    try:
        code = proc.wait(timeout=10)
    finally:
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    return code


def test_cli_serves_and_prints_ids_but_not_given_token() -> None:
    """The banner has the URL, org ID and bucket IDs, never a token that was passed in; SIGTERM exits 0."""
    proc, line = run_fake("--token", "secret-token", "--org", "o", "--bucket", "b1", "--bucket", "b2")
    try:
        match = re.search(r"listening on (http://127\.0\.0\.1:\d+) org=o orgID=([0-9a-f]{16})", line)
        assert match, line
        assert re.search(r"bucket=b1 bucketID=[0-9a-f]{16} bucket=b2 bucketID=[0-9a-f]{16}", line)
        assert "secret-token" not in line
        url = match.group(1)
        assert httpx.get(url + "/ping").status_code == 204
        response = httpx.get(url + "/api/v2/buckets", headers={"Authorization": "Token secret-token"})
        assert sorted(b["name"] for b in response.json()["buckets"]) == ["b1", "b2"]
    finally:
        assert stop(proc) == 0


def test_cli_prints_generated_token_once() -> None:
    """Without --token a random token is generated and printed, and it works."""
    proc, line = run_fake()
    try:
        match = re.search(r"listening on (\S+) .*token=(\S+)", line)
        assert match, line
        response = httpx.get(
            match.group(1) + "/api/v2/orgs", headers={"Authorization": f"Token {match.group(2)}"}
        )
        assert response.json()["orgs"][0]["name"] == "my-org"
    finally:
        assert stop(proc) == 0


def test_cli_help() -> None:
    """--help describes the options and exits 0."""
    result = subprocess.run(
        [sys.executable, "-m", "influxdb_replications.testing", "--help"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0
    assert "--bucket" in result.stdout
    assert "test double" in result.stdout
