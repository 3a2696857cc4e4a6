"""The installed entry points, run as real processes."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

from .conftest import free_port


def run_process(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("INFLUX_")}
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, env={**clean, **(env or {})})


def test_python_dash_m_help() -> None:
    """`python -m influxdb_replications --help` prints the commands and the exit codes, status 0."""
    result = run_process(sys.executable, "-m", "influxdb_replications", "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: influxdb-replications")
    assert "exit codes:" in result.stdout
    assert "130  interrupted" in result.stdout


def test_console_script_entry_point() -> None:
    """The `influxdb-replications` script is installed next to the interpreter and runs main()."""
    script = shutil.which("influxdb-replications", path=str(Path(sys.executable).parent))
    assert script is not None, "the [project.scripts] entry point is not installed"
    result = run_process(script, "--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("influxdb-replications ")
    usage = run_process(script, "replications", "frobnicate")
    assert usage.returncode == 2
    assert "invalid choice" in usage.stderr


def test_error_exit_without_traceback_and_token() -> None:
    """An unreachable server from the environment: exit 1, one `error:` line, no traceback, no token."""
    env = {
        "INFLUX_HOST": f"http://127.0.0.1:{free_port()}",
        "INFLUX_TOKEN": "process-secret-token",
        "INFLUX_ORG": "o",
    }
    result = run_process(
        sys.executable, "-m", "influxdb_replications", "--max-attempts", "1", "status", env=env
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("error: cannot reach http://127.0.0.1:")
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
    assert "process-secret-token" not in result.stderr
    debug = run_process(
        sys.executable, "-m", "influxdb_replications", "--debug", "--max-attempts", "1", "status", env=env
    )
    assert debug.returncode == 1
    assert "Traceback (most recent call last)" in debug.stderr
    assert "process-secret-token" not in debug.stderr


def test_ctrl_c_exits_130_quietly() -> None:
    """SIGINT while a request is in flight: status 130, nothing on stderr."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.settimeout(30)
        env = {
            "INFLUX_HOST": f"http://127.0.0.1:{server.getsockname()[1]}",
            "INFLUX_TOKEN": "tok-sigint",
            "INFLUX_ORG_ID": "0123456789abcdef",
        }
        clean = {k: v for k, v in os.environ.items() if not k.startswith("INFLUX_")}
        proc = subprocess.Popen(
            [sys.executable, "-m", "influxdb_replications", "remotes", "list", "--timeout", "30"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**clean, **env},
        )
        try:
            connection, _ = server.accept()  # the request is in flight: the server never answers
            with connection:
                connection.recv(1024)
                proc.send_signal(signal.SIGINT)
                out, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert proc.returncode == 130
    assert (out, err) == ("", "")
