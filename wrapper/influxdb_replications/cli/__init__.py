"""The ``influxdb-replications`` command line (also ``python -m influxdb_replications``).

Commands::

    remotes list|get|create|update|delete [--cascade [--allow-data-loss | --drain [--drain-timeout S]]]
    remotes rotate-token NAME|ID --token-env VAR|--token-stdin [--previous-token-env VAR] [--file FILE]
    replications list|get|create|update|delete|validate
    status [ID|NAME] [--file FILE] [--format table|json|prometheus] [--textfile PATH]
    exporter [--listen HOST:PORT] [--file FILE] [--min-interval S]
    plan FILE [--detailed-exitcode]
    apply FILE [--prune] [--allow-data-loss | --drain [--drain-timeout S]]
    wait ID|NAME [--timeout S] [--poll-interval S]

Wherever an ID is taken, a name is accepted too: exactly 16 hex digits is an ID, anything else a name,
looked up in the org. The connection comes from ``--host``, ``--token``, ``--org`` and ``--org-id``, else
from the influx CLI's environment variables ``INFLUX_HOST``, ``INFLUX_TOKEN``, ``INFLUX_ORG`` and
``INFLUX_ORG_ID``, else from its config profile (``-c/--active-config``, ``--configs-path``; the active one of
``~/.influxdbv2/configs`` by default). Global options may be given before or after the command.
``plan``, ``apply`` and ``status --file`` run over every host of the file when it lists hosts
(``--concurrency`` at a time, a progress bar on stderr when it is a terminal), else against the one
connection.

Output is an aligned plain-text table (``--hide-headers`` without its header line), or one JSON document
with ``--json`` (keys are the models' snake_case field names); ``status --format prometheus`` and
``--textfile`` give metrics (``metrics_commands.py``). Errors are one line on stderr, ``error: ...``;
``--debug`` adds the traceback and the client's log.

Exit codes (stable; scripts may rely on them):

====  ==========================================================================================
0     success
1     a request or operation failed (refused by the server, not found, unreachable, timed out);
      ``apply`` refused a change that would lose queued data (the rest of the plan was applied);
      ``remotes delete --cascade`` refused to lose queued data (nothing was deleted)
2     usage error: bad arguments, missing connection settings, an unreadable or invalid file
3     fleet run: at least one host failed, or refused a change that would lose queued data (the
      other hosts were still done)
4     ``status``: at least one replication is failing or backlogged
5     ``wait``: the replication was not synced before ``--timeout``; ``apply --drain`` and
      ``remotes delete --cascade --drain``: a queue was not drained before ``--drain-timeout``
      (nothing further was changed)
6     ``plan --detailed-exitcode``: the plan has changes (0 then means "no changes")
130   interrupted (Ctrl-C)
====  ==========================================================================================

A failure (1, 2 or 3) always wins over a finding (4 or 6): a fleet ``status`` with an unreachable host
exits 3 even when another host has a failing replication.

API tokens are never printed. A remote's token for ``remotes create/update`` can be read from an
environment variable (``--remote-api-token-env VAR``) or from stdin (``--remote-api-token-stdin``) so
that it does not end up in the shell history.

The package: ``parser.py`` (exit codes, the argparse parser) with ``options.py`` (option types, the spec's
extra fields), ``commands.py`` (remotes, replications, wait) and ``fleet_commands.py`` (status, plan, apply,
one server or a fleet), ``output.py`` (tables, JSON, progress, warning lines); this module runs them
(``run``, ``main``).
"""

from __future__ import annotations

import asyncio
import logging
import sys
import traceback
from collections.abc import Awaitable, Callable, Sequence
from typing import TextIO

from ..core.errors import APIConnectionError, InfluxDBError
from .commands import _cmd_replications, _cmd_wait, _Ctx
from .fleet_commands import _cmd_plan_or_apply, _cmd_status
from .metrics_commands import _cmd_exporter
from .output import _STREAMS, WarningLines, _one_line, _Streams
from .parser import (
    EXIT_CHANGES,
    EXIT_ERROR,
    EXIT_FLEET,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_UNHEALTHY,
    EXIT_USAGE,
    EXIT_WAIT_TIMEOUT,
    UsageError,
    _Exit,
    _secrets_in,
    build_parser,
)
from .rotate_commands import _cmd_remotes_or_rotate

__all__ = [
    "EXIT_CHANGES",
    "EXIT_ERROR",
    "EXIT_FLEET",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_UNHEALTHY",
    "EXIT_USAGE",
    "EXIT_WAIT_TIMEOUT",
    "build_parser",
    "main",
    "run",
]


_COMMANDS: dict[str, Callable[[_Ctx], Awaitable[int]]] = {
    "remotes": _cmd_remotes_or_rotate,
    "replications": _cmd_replications,
    "status": _cmd_status,
    "plan": _cmd_plan_or_apply,
    "apply": _cmd_plan_or_apply,
    "wait": _cmd_wait,
    "exporter": _cmd_exporter,
}


def _describe(exc: BaseException, ctx: _Ctx | None) -> str:
    if isinstance(exc, APIConnectionError) and ctx is not None and ctx.url:
        return f"cannot reach {ctx.url}: {exc}"
    return str(exc) or type(exc).__name__


async def run(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    stdin: TextIO | None = None,
) -> int:
    """Run one command inside the running event loop and return its exit status.

    Nothing is written to the real stdout/stderr unless they are the streams used, and nothing calls
    ``sys.exit``, so tests can call it in the loop that hosts FakeInfluxDB servers.

    Args:
        argv: The arguments, without the program name (default ``sys.argv[1:]``).
        stdout: Where results go (default ``sys.stdout``).
        stderr: Where errors, warnings and the progress bar go (default ``sys.stderr``).
        stdin: Where ``--remote-api-token-stdin`` reads from (default ``sys.stdin``).

    Returns:
        The exit status; see the module docstring.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    streams = _Streams(stdout or sys.stdout, stderr or sys.stderr, _secrets_in(argv))
    reset = _STREAMS.set(streams)
    ctx: _Ctx | None = None
    handler: logging.Handler | None = None
    warnings: WarningLines | None = None
    try:
        try:
            args = build_parser().parse_args(argv)
        except _Exit as exc:
            return exc.status
        ctx = _Ctx(args, streams, stdin or sys.stdin)
        warnings = None if ctx.debug else WarningLines(ctx.warn)  # library warnings: one stderr line each
        if ctx.debug:
            handler = logging.StreamHandler(streams.err)
            handler.setFormatter(logging.Formatter("debug: %(name)s: %(message)s"))
            logger = logging.getLogger("influxdb_replications")
            logger.addHandler(handler)
            logger.setLevel(logging.DEBUG)
        command = _COMMANDS[args.command]
        try:
            return await command(ctx)
        except _Exit as exc:
            return exc.status
        except Exception as exc:
            return _fail(ctx, exc)
    finally:
        if warnings is not None:
            warnings.close()
        if handler is not None:
            logging.getLogger("influxdb_replications").removeHandler(handler)
        _STREAMS.reset(reset)


def _fail(ctx: _Ctx, exc: Exception) -> int:
    from ..operations.apply import DrainTimeoutError
    from ..operations.health import SyncTimeoutError

    if isinstance(exc, SyncTimeoutError | DrainTimeoutError):
        code = EXIT_WAIT_TIMEOUT
        message = _describe(exc, ctx)
    elif isinstance(exc, InfluxDBError):
        code = EXIT_ERROR
        message = _describe(exc, ctx)
    elif isinstance(exc, UsageError | ValueError):
        code = EXIT_USAGE
        message = str(exc)
    else:
        code = EXIT_ERROR
        message = f"unexpected {type(exc).__name__}: {exc}"
        if not ctx.debug:
            message += " (run with --debug for the traceback)"
    if ctx.debug:
        traceback.print_exception(exc, file=ctx.err)
    ctx.warn(f"error: {_one_line(message)}")
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """The console entry point: run the command in a new event loop and return the exit status.

    Ctrl-C ends it quietly with status 130.
    """
    try:
        return asyncio.run(run(argv))
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
