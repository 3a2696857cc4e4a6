"""Argument parsing, help, usage errors and output helpers of the command line (no server needed)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from influxdb_replications import cli
from influxdb_replications.cli import build_parser
from influxdb_replications.cli.output import table
from influxdb_replications.cli.parser import EPILOG

from .conftest import cli as run_cli


def parse(*argv: str) -> Any:
    return build_parser().parse_args(list(argv))


def test_global_options_before_and_after_the_command() -> None:
    """--host/--json/--debug are accepted before the command, after it, and after the action."""
    before = parse("--host", "http://a:1", "--json", "remotes", "list")
    after = parse("remotes", "list", "--host", "http://a:1", "--json")
    middle = parse("remotes", "--json", "list", "--host", "http://a:1")
    for args in (before, after, middle):
        assert args.host == "http://a:1"
        assert args.json is True
        assert (args.command, args.action) == ("remotes", "list")


def test_a_value_given_before_the_command_is_not_reset_by_the_subcommand() -> None:
    """Subcommand parsers do not overwrite a global option given earlier with their default."""
    args = parse("--org", "o1", "--debug", "status")
    assert args.org == "o1"
    assert args.debug is True
    assert not hasattr(args, "json")  # defaults are applied by the command, not by argparse


def test_later_global_option_wins() -> None:
    """When a global option is given twice, the one after the command wins."""
    assert parse("--org", "first", "status", "--org", "second").org == "second"


def test_wait_timeout_is_the_wait_limit_and_request_timeout_separate() -> None:
    """In `wait`, --timeout is how long to wait; --request-timeout is the per-request timeout."""
    args = parse("wait", "rep", "--timeout", "7", "--request-timeout", "2", "--poll-interval", "0.5")
    assert (args.timeout, args.request_timeout, args.poll_interval) == (7.0, 2.0, 0.5)
    assert args.replication == "rep"


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["nope"],
        ["remotes"],
        ["remotes", "get"],
        ["remotes", "create", "--name", "x", "--remote-url", "http://c"],  # no token option
        [
            "remotes",
            "create",
            "--name",
            "x",
            "--remote-url",
            "http://c",
            "--remote-api-token",
            "tok-abcd",
            "--remote-api-token-stdin",
        ],
        ["replications", "create", "--name", "x", "--remote", "r", "--local-bucket", "b"],  # no target
        [
            "replications",
            "create",
            "--name",
            "x",
            "--remote",
            "r",
            "--local-bucket",
            "b",
            "--remote-bucket",
            "n",
            "--remote-bucket-id",
            "0123456789abcdef",
        ],
        [
            "replications",
            "create",
            "--name",
            "x",
            "--remote",
            "r",
            "--local-bucket",
            "b",
            "--remote-bucket",
            "n",
            "--max-queue-size-bytes",
            "lots",
        ],
        ["wait", "rep", "--timeout", "0"],
        ["wait", "rep", "--poll-interval", "-1"],
        ["status", "--concurrency", "0"],
        ["status", "--progress", "--no-progress"],
        ["plan"],
        ["remotes", "list", "--nam", "abbreviations-are-refused"],
    ],
)
async def test_usage_errors_exit_2_with_usage_on_stderr(argv: list[str]) -> None:
    """Bad arguments: exit 2, usage and a message on stderr, nothing on stdout."""
    result = await run_cli(*argv)
    assert result.code == cli.EXIT_USAGE
    assert result.out == ""
    assert "usage:" in result.err
    assert "error:" in result.err
    assert "Traceback" not in result.err


async def test_help_goes_to_stdout_with_exit_codes() -> None:
    """--help exits 0, prints to stdout, and documents the exit codes."""
    result = await run_cli("--help")
    assert result.code == 0
    assert result.err == ""
    for line in ("0    success", "3    fleet run", "4    status", "5    wait", "130  interrupted"):
        assert line in result.out
    for command in ("remotes", "replications", "status", "plan", "apply", "wait"):
        assert command in result.out


async def test_subcommand_help_and_version() -> None:
    """Each command has its own help; --version prints the package version."""
    result = await run_cli("replications", "create", "--help")
    assert result.code == 0
    assert "--remote-bucket-id" in result.out
    version = await run_cli("--version")
    assert version.code == 0
    assert version.out.startswith("influxdb-replications ")


async def test_argparse_errors_never_echo_a_token() -> None:
    """A token given on the command line is masked even where argparse echoes arguments."""
    result = await run_cli(
        "--token", "s3cr3t-value", "remotes", "list", "s3cr3t-value", "--remote-api-token=zz-top"
    )
    assert result.code == 2
    assert "unrecognized arguments" in result.err
    assert "s3cr3t-value" not in result.err
    assert "***" in result.err


async def test_missing_token_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without --token, INFLUX_TOKEN or a profile: exit 2 and a message naming all three."""
    result = await run_cli("--host", "http://127.0.0.1:9", "remotes", "list")
    assert result.code == 2
    assert result.err == (
        "error: no API token: pass --token, set INFLUX_TOKEN or use an influx CLI profile\n"
    )


def test_table_aligns_columns_and_renders_none_and_bools() -> None:
    """Columns are padded to the widest cell; None is '-', booleans true/false; no trailing spaces."""
    text = table(("id", "name", "flag"), [("1", "a long name", True), ("22", None, False)])
    assert text.splitlines() == [
        "ID  NAME         FLAG",
        "1   a long name  true",
        "22  -            false",
    ]


def test_table_collapses_newlines_in_cells() -> None:
    """A multi-line value (a server message) stays on its row."""
    assert table(("x",), [("a\nb",)]).splitlines() == ["X", "a b"]


def test_main_returns_130_quietly_on_ctrl_c(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ctrl-C during a command ends main() with 130 and prints nothing."""

    async def interrupted(argv: Any = None, **kwargs: Any) -> int:
        await asyncio.sleep(0)
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "run", interrupted)
    assert cli.main(["status"]) == 130
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", "")


def test_main_runs_a_command(capsys: pytest.CaptureFixture[str]) -> None:
    """main() runs run() in a fresh event loop and returns its status."""
    assert cli.main(["--version"]) == 0
    assert "influxdb-replications" in capsys.readouterr().out


def test_exit_codes_are_documented_in_the_docstring_and_the_epilog() -> None:
    """Every EXIT_* constant appears in the module docstring's table and in the --help epilog."""
    codes = {getattr(cli, name) for name in dir(cli) if name.startswith("EXIT_")}
    assert codes == {0, 1, 2, 3, 4, 5, 6, 130}
    doc = cli.__doc__ or ""
    for code in codes:
        assert f"\n{code} " in doc, code
        assert f"\n  {code} " in EPILOG, code
