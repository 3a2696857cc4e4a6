"""The standalone runner: `python -m influxdb_replications.testing`."""

from __future__ import annotations

import re
import ssl
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from influxdb_replications.testing import FakeCA


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


def test_cli_serves_https_with_tls_cert_and_key(tmp_path: Path) -> None:
    """--tls-cert/--tls-key: the banner's URL is https:// and a client trusting the CA gets answers."""
    ca = FakeCA(tmp_path)
    proc, line = run_fake("--tls-cert", str(ca.cert_file), "--tls-key", str(ca.key_file))
    try:
        match = re.search(r"listening on (https://127\.0\.0\.1:\d+) ", line)
        assert match, line
        assert (
            httpx.get(
                match.group(1) + "/ping", verify=ssl.create_default_context(cafile=ca.ca_file)
            ).status_code
            == 204
        )
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            httpx.get(match.group(1) + "/ping")  # not trusted without the CA
    finally:
        assert stop(proc) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tls-cert", "{missing}"], r"--tls-cert '.*missing\.pem' / --tls-key None: No such file"),
        (["--tls-cert", "{ca}", "--tls-key", "{key}"], r"not a certificate and its matching key"),
        (["--tls-key", "{key}"], r"--tls-key needs --tls-cert"),
        (["--remote-ca-file", "{missing}"], r"remote_ca_file '.*missing\.pem' cannot be used as a CA file"),
    ],
)
def test_cli_refuses_bad_tls_files_before_serving(tmp_path: Path, args: list[str], message: str) -> None:
    """A missing file, a key that does not match, or a key alone: exit 2 with a message naming the option."""
    ca = FakeCA(tmp_path)
    paths = {"missing": str(tmp_path / "missing.pem"), "ca": str(ca.ca_file), "key": str(ca.key_file)}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "influxdb_replications.testing",
            "--port",
            "0",
            *(a.format(**paths) for a in args),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert re.search(message, result.stderr), result.stderr
    assert "listening" not in result.stdout
