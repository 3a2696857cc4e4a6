"""The ``influxdb-replications`` command line (also ``python -m influxdb_replications``).

Commands::

    remotes list|get|create|update|delete
    replications list|get|create|update|delete|validate
    status [ID|NAME] [--file FILE]
    plan FILE [--detailed-exitcode]
    apply FILE [--prune]
    wait ID|NAME [--timeout S] [--poll-interval S]

Wherever an ID is taken, a name is accepted too: exactly 16 hex digits is an ID, anything else a name,
looked up in the org. The connection comes from ``--host``, ``--token``, ``--org`` and ``--org-id``, else
from the influx CLI's environment variables ``INFLUX_HOST``, ``INFLUX_TOKEN``, ``INFLUX_ORG`` and
``INFLUX_ORG_ID``. Global options may be given before or after the command. ``plan``, ``apply`` and
``status --file`` run over every host of the file when it lists hosts (``--concurrency`` at a time, a
progress bar on stderr when it is a terminal), else against the one connection.

Output is an aligned plain-text table, or JSON with ``--json`` (keys are the models' snake_case field
names). Errors are one line on stderr, ``error: ...``; ``--debug`` adds the traceback and the client's log.

Exit codes (stable; scripts may rely on them):

====  ==========================================================================================
0     success
1     a request or operation failed (refused by the server, not found, unreachable, timed out)
2     usage error: bad arguments, missing connection settings, an unreadable or invalid file
3     fleet run: at least one host failed (the other hosts were still done)
4     ``status``: at least one replication is failing or backlogged
5     ``wait``: the replication was not synced before ``--timeout``
6     ``plan --detailed-exitcode``: the plan has changes (0 then means "no changes")
130   interrupted (Ctrl-C)
====  ==========================================================================================

A failure (1, 2 or 3) always wins over a finding (4 or 6): a fleet ``status`` with an unreachable host
exits 3 even when another host has a failing replication.

API tokens are never printed. A remote's token for ``remotes create/update`` can be read from an
environment variable (``--remote-api-token-env VAR``) or from stdin (``--remote-api-token-stdin``) so
that it does not end up in the shell history.
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import dataclasses
import datetime
import json
import logging
import os
import sys
import traceback
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from dateutil.parser import isoparse

from ..core.args import is_id
from ..core.errors import APIConnectionError, InfluxDBError, NotFoundError
from ..core.fields import REMOTE, REPLICATION, FieldSpec
from ..core.models import RemoteConnection, Replication
from ..core.retry import RetryPolicy
from ..operations.replication_client import ReplicationClient
from ..resources.hints import WarningLines, under_rows

if TYPE_CHECKING:
    from ..operations.desired import Plan
    from ..operations.fleet import Host, HostResult
    from ..operations.fleet_file import FleetConfig
    from ..resources.health import ReplicationStatus

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

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_FLEET = 3
EXIT_UNHEALTHY = 4
EXIT_WAIT_TIMEOUT = 5
EXIT_CHANGES = 6
EXIT_INTERRUPTED = 130

PROG = "influxdb-replications"
DEFAULT_REQUEST_TIMEOUT = 10.0
DEFAULT_WAIT_TIMEOUT = 300.0
DEFAULT_CONCURRENCY = 8

EPILOG = """\
connection: --host/--token/--org/--org-id, else INFLUX_HOST, INFLUX_TOKEN, INFLUX_ORG, INFLUX_ORG_ID
(prefer INFLUX_TOKEN to --token: command lines end up in the shell history).
Names are accepted wherever IDs are (16 hex digits is an ID, anything else a name).

exit codes:
  0    success
  1    a request or operation failed (refused, not found, unreachable, timed out)
  2    usage error: bad arguments, missing connection settings, bad or unreadable file
  3    fleet run: at least one host failed (the others were still done)
  4    status: at least one replication is failing or backlogged
  5    wait: not synced before --timeout
  6    plan --detailed-exitcode: the plan has changes
  130  interrupted (Ctrl-C)
"""

# Options whose value is a secret: masked in every message we print (argparse echoes unknown arguments).
_SECRET_OPTIONS = ("--token", "--remote-api-token")

# ---------------------------------------------------------------------------------------------------
# argparse plumbing: messages go to the streams given to run(), and no parse ever calls sys.exit


@dataclasses.dataclass
class _Streams:
    out: TextIO
    err: TextIO
    secrets: list[str]


_STREAMS: contextvars.ContextVar[_Streams | None] = contextvars.ContextVar("cli_streams", default=None)


class _Exit(Exception):
    """Leave run() with this status (the message, if any, was already written)."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class UsageError(Exception):
    """A usage problem found after parsing (e.g. no token configured): exit 2."""


def _mask(text: str, secrets: Iterable[str]) -> str:
    # a secret of a few characters cannot be masked without mangling the text around it
    for secret in secrets:
        if len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


def _secrets_in(argv: Sequence[str]) -> list[str]:
    """The values of secret options in argv (``--token X`` and ``--token=X`` forms)."""
    found = []
    for i, arg in enumerate(argv):
        for option in _SECRET_OPTIONS:
            if arg == option and i + 1 < len(argv):
                found.append(argv[i + 1])
            elif arg.startswith(option + "="):
                found.append(arg[len(option) + 1 :])
    return found


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that writes to run()'s streams and raises _Exit instead of exiting."""

    def _print_message(self, message: str, file: Any = None) -> None:
        streams = _STREAMS.get()
        if not message:
            return
        if streams is None:
            super()._print_message(message, file)
            return
        target = streams.err if file is sys.stderr else streams.out
        target.write(_mask(message, streams.secrets))

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            self._print_message(message, sys.stderr)
        raise _Exit(status)

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


# ---------------------------------------------------------------------------------------------------
# the parser


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number > 0, got {text!r}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text!r}")
    return value


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None


def _datetime(text: str) -> datetime.datetime:
    try:
        value = isoparse(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an RFC 3339 date-time: {text!r}") from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"give a time zone (e.g. Z or +02:00): {text!r}")
    return value


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None


# How a command-line string becomes a value of each field kind (the spec's extras).
_PARSERS: dict[str, Callable[[str], Any]] = {"int": _int, "float": _float, "datetime": _datetime}


def _extra_options(parser: argparse.ArgumentParser, specs: Sequence[FieldSpec], *, update: bool) -> None:
    """One option per extra field of the spec (no per-field code): ``--snake-name VALUE``.

    A boolean is a flag (``--x``; on update ``--x/--no-x``, absent meaning "unchanged").
    """
    for spec in specs:
        flag = "--" + spec.name.replace("_", "-")
        dest = _EXTRA_PREFIX + spec.name
        if spec.kind == "bool":
            action: Any = argparse.BooleanOptionalAction if update else "store_true"
            parser.add_argument(flag, dest=dest, action=action, default=None, help=f"the spec's {spec.key}")
        else:
            parser.add_argument(
                flag,
                dest=dest,
                type=_PARSERS.get(spec.kind, str),
                choices=spec.choices or None,
                metavar=spec.kind.upper() if not spec.choices else None,
                help=f"the spec's {spec.key}",
            )


def _extra_values(args: argparse.Namespace) -> dict[str, Any]:
    """The extra field options given on the command line, by field name."""
    return {
        name[len(_EXTRA_PREFIX) :]: value
        for name, value in vars(args).items()
        if name.startswith(_EXTRA_PREFIX) and value is not None
    }


_EXTRA_PREFIX = "extra__"


def _global_options(*, with_timeout: bool = True) -> _Parser:
    """The options every command takes, before or after the command name.

    Defaults are SUPPRESS so that a value given before the command is not reset by the subcommand's
    parser; ``_get`` supplies the real defaults.
    """
    parent = _Parser(add_help=False, allow_abbrev=False)
    group = parent.add_argument_group("global options")
    s = argparse.SUPPRESS
    group.add_argument("--host", default=s, metavar="URL", help="server URL (env INFLUX_HOST)")
    group.add_argument(
        "--token",
        default=s,
        help="API token (env INFLUX_TOKEN; prefer the variable, command lines are kept in history)",
    )
    group.add_argument("--org", default=s, metavar="NAME", help="org name (env INFLUX_ORG)")
    group.add_argument(
        "--org-id", default=s, metavar="ID", help="org ID, wins over --org (env INFLUX_ORG_ID)"
    )
    if with_timeout:
        group.add_argument(
            "--timeout",
            default=s,
            type=_positive_float,
            metavar="S",
            help=f"seconds per request (default {DEFAULT_REQUEST_TIMEOUT:g}); in `wait`, the wait limit",
        )
    group.add_argument(
        "--request-timeout",
        default=s,
        type=_positive_float,
        metavar="S",
        help="seconds per request, also in `wait` (where --timeout is the wait limit)",
    )
    group.add_argument(
        "--max-attempts",
        default=s,
        type=_positive_int,
        metavar="N",
        help="attempts per request, retries included (default 4; 1 disables retries)",
    )
    group.add_argument(
        "--skip-verify", default=s, action="store_true", help="do not verify the server's TLS certificate"
    )
    group.add_argument("--json", default=s, action="store_true", help="print JSON instead of tables")
    group.add_argument(
        "--debug", default=s, action="store_true", help="print tracebacks and the client's log on stderr"
    )
    return parent


def _fleet_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("fleet options (when the file lists hosts)")
    group.add_argument(
        "--concurrency",
        type=_positive_int,
        default=DEFAULT_CONCURRENCY,
        metavar="N",
        help=f"hosts worked on at the same time (default {DEFAULT_CONCURRENCY})",
    )
    progress = group.add_mutually_exclusive_group()
    progress.add_argument(
        "--progress",
        dest="progress",
        action="store_const",
        const=True,
        default=None,
        help="always draw the progress bar on stderr (default: only when stderr is a terminal)",
    )
    progress.add_argument(
        "--no-progress", dest="progress", action="store_const", const=False, help="never draw it"
    )


def _token_options(parser: argparse.ArgumentParser, *, required: bool) -> None:
    group = parser.add_mutually_exclusive_group(required=required)
    group.add_argument(
        "--remote-api-token",
        metavar="TOKEN",
        help="the remote's API token (visible in the shell history; prefer the two options below)",
    )
    group.add_argument(
        "--remote-api-token-env", metavar="VAR", help="read the remote's API token from this variable"
    )
    group.add_argument(
        "--remote-api-token-stdin", action="store_true", help="read the remote's API token from stdin"
    )


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser (exposed for tests and documentation tools)."""
    common = _global_options()
    common_wait = _global_options(with_timeout=False)
    formatter = argparse.RawDescriptionHelpFormatter
    parser = _Parser(
        prog=PROG,
        description="Manage and watch InfluxDB OSS v2 replications (remotes, replications, fleets).",
        epilog=EPILOG,
        formatter_class=formatter,
        parents=[common],
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def leaf(group: Any, name: str, help_text: str, *, wait: bool = False) -> argparse.ArgumentParser:
        sub: argparse.ArgumentParser = group.add_parser(
            name,
            help=help_text,
            description=help_text,
            epilog=EPILOG,
            formatter_class=formatter,
            parents=[common_wait if wait else common],
            allow_abbrev=False,
        )
        return sub

    # remotes -------------------------------------------------------------------------------------
    remotes = commands.add_parser(
        "remotes", help="remote connections", description="Remote connections.", parents=[common]
    )
    rsub = remotes.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = leaf(rsub, "list", "list remote connections")
    p.add_argument("--name", help="only the remote with this name")
    p.add_argument("--remote-url", metavar="URL", help="only remotes with this URL")
    p = leaf(rsub, "get", "show one remote connection")
    p.add_argument("remote", metavar="ID|NAME")
    p = leaf(rsub, "create", "create a remote connection")
    p.add_argument("--name", required=True)
    p.add_argument("--remote-url", required=True, metavar="URL")
    _token_options(p, required=True)
    p.add_argument("--remote-org-id", metavar="ID", help="the org ID on the remote")
    p.add_argument("--allow-insecure-tls", action="store_true", help="skip TLS checks towards the remote")
    p.add_argument("--description")
    _extra_options(p, REMOTE.create, update=False)
    p = leaf(rsub, "update", "change fields of a remote connection")
    p.add_argument("remote", metavar="ID|NAME")
    p.add_argument("--name", help="a new name")
    p.add_argument("--remote-url", metavar="URL")
    _token_options(p, required=False)
    p.add_argument("--remote-org-id", metavar="ID")
    p.add_argument("--allow-insecure-tls", action=argparse.BooleanOptionalAction, default=None)
    p.add_argument("--description")
    _extra_options(p, REMOTE.update, update=True)
    p = leaf(rsub, "delete", "delete a remote connection")
    p.add_argument("remote", metavar="ID|NAME")
    p.add_argument("--cascade", action="store_true", help="delete the replications that use it first")

    # replications --------------------------------------------------------------------------------
    reps = commands.add_parser(
        "replications", help="replication streams", description="Replications.", parents=[common]
    )
    qsub = reps.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = leaf(qsub, "list", "list replications")
    p.add_argument("--name", help="only the replication with this name")
    p.add_argument("--remote", metavar="ID|NAME", help="only those writing to this remote")
    p.add_argument("--local-bucket", metavar="ID|NAME", help="only those copying this bucket")
    p = leaf(qsub, "get", "show one replication")
    p.add_argument("replication", metavar="ID|NAME")
    p = leaf(qsub, "create", "create a replication")
    p.add_argument("--name", required=True)
    p.add_argument("--remote", required=True, metavar="ID|NAME")
    p.add_argument("--local-bucket", required=True, metavar="ID|NAME")
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--remote-bucket", metavar="NAME", help="target bucket on the remote, by name")
    target.add_argument("--remote-bucket-id", metavar="ID", help="target bucket on the remote, by ID")
    p.add_argument("--max-queue-size-bytes", type=_int, metavar="N")
    p.add_argument("--max-age-seconds", type=_int, metavar="S")
    p.add_argument("--drop-non-retryable-data", action="store_true")
    p.add_argument("--description")
    _extra_options(p, REPLICATION.create, update=False)
    p.add_argument(
        "--validate-only", action="store_true", help="only check it against the remote; create nothing"
    )
    p = leaf(qsub, "update", "change fields of a replication")
    p.add_argument("replication", metavar="ID|NAME")
    p.add_argument("--name", help="a new name")
    p.add_argument("--description")
    p.add_argument("--remote", metavar="ID|NAME")
    target = p.add_mutually_exclusive_group()
    target.add_argument("--remote-bucket", metavar="NAME")
    target.add_argument("--remote-bucket-id", metavar="ID")
    p.add_argument("--max-queue-size-bytes", type=_int, metavar="N")
    p.add_argument("--max-age-seconds", type=_int, metavar="S")
    p.add_argument("--drop-non-retryable-data", action=argparse.BooleanOptionalAction, default=None)
    _extra_options(p, REPLICATION.update, update=True)
    p.add_argument("--validate-only", action="store_true", help="only check the change against the remote")
    p = leaf(qsub, "delete", "delete a replication (its unsent queue is discarded)")
    p.add_argument("replication", metavar="ID|NAME")
    p = leaf(qsub, "validate", "check a replication against its remote")
    p.add_argument("replication", metavar="ID|NAME")

    # status, plan, apply, wait ------------------------------------------------------------------
    p = leaf(commands, "status", "health of replications (exit 4 when one is failing or backlogged)")
    p.add_argument("replication", nargs="?", metavar="ID|NAME", help="only this replication")
    p.add_argument("--file", metavar="FILE", help="a fleet file: report every host it lists")
    _fleet_options(p)
    p = leaf(commands, "plan", "show what `apply FILE` would change")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--prune", action="store_true", help="also show deletions of what is not declared")
    p.add_argument(
        "--detailed-exitcode",
        action="store_true",
        help="exit 6 when there are changes, 0 when there are none",
    )
    _fleet_options(p)
    p = leaf(commands, "apply", "make the server(s) match FILE")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--prune", action="store_true", help="delete remotes and replications not declared")
    _fleet_options(p)
    p = leaf(commands, "wait", "wait until a replication's queue is drained (exit 5 on timeout)", wait=True)
    p.add_argument("replication", metavar="ID|NAME")
    p.add_argument(
        "--timeout",
        type=_positive_float,
        default=argparse.SUPPRESS,
        metavar="S",
        help=f"seconds to wait in all (default {DEFAULT_WAIT_TIMEOUT:g})",
    )
    p.add_argument(
        "--poll-interval", type=_positive_float, default=1.0, metavar="S", help="seconds between polls"
    )
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("influxdb-replications")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


def _get(args: argparse.Namespace, name: str, default: Any = None) -> Any:
    return getattr(args, name, default)


# ---------------------------------------------------------------------------------------------------
# output


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    return " ".join(str(value).split()) or "-"


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """Render an aligned plain-text table: upper-case headers, columns two spaces apart.

    Args:
        headers: The column titles.
        rows: The rows; None prints as "-", booleans as true/false, whitespace is collapsed.

    Returns:
        The table without a trailing newline.
    """
    cells = [[h.upper() for h in headers]] + [[_cell(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    )


def _details(pairs: Iterable[tuple[str, Any]]) -> str:
    pairs = list(pairs)
    width = max(len(k) for k, _ in pairs)
    return "\n".join(f"{k + ':':<{width + 1}} {_cell(v)}".rstrip() for k, v in pairs)


def _model_items(model: Any) -> list[tuple[str, Any]]:
    """A generated model's fields and values, in the spec's order (every field, new ones included)."""
    return [(spec.name, getattr(model, spec.name)) for spec in type(model).FIELDS]


def _jsonable(value: Any) -> Any:
    if hasattr(type(value), "FIELDS"):
        return {name: _jsonable(field) for name, field in _model_items(value)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


REMOTE_COLUMNS = ("id", "name", "remote_url", "remote_org_id", "allow_insecure_tls", "description")
REPLICATION_COLUMNS = (
    "id",
    "name",
    "remote_id",
    "local_bucket_id",
    "remote_bucket",
    "max_queue_size_bytes",
    "current_queue_size_bytes",
    "remaining_bytes_to_be_synced",
    "latest_response_code",
    "latest_error_message",
)


def _replication_row(r: Replication) -> list[Any]:
    row: list[Any] = []
    for column in REPLICATION_COLUMNS:
        if column == "remote_bucket":
            row.append(r.remote_bucket_id or r.remote_bucket_name)
        else:
            row.append(getattr(r, column))
    return row


def _status_dict(status: ReplicationStatus) -> dict[str, Any]:
    return {
        "id": status.id,
        "name": status.name,
        "health": str(status.health),
        "reason": status.reason,
        "warnings": list(status.warnings),
        "hint": status.hint,
        "synced": status.synced,
        "queue_fill": status.queue_fill,
        "replication": _jsonable(status.replication),
    }


STATUS_COLUMNS = ("name", "id", "health", "synced", "remaining_bytes", "queue_fill", "reason")


def _status_row(status: ReplicationStatus) -> list[Any]:
    fill = status.queue_fill
    return [
        status.name,
        status.id,
        str(status.health),
        status.synced,
        status.replication.remaining_bytes_to_be_synced,
        None if fill is None else f"{fill:.0%}",
        status.reason,
    ]


def _unhealthy(statuses: Iterable[ReplicationStatus]) -> bool:
    return any(str(s.health) in ("failing", "backlogged") for s in statuses)


class _Progress:
    """A one-line progress bar on stderr: ``apply [#######-----] 12/21 hosts, 1 failed``."""

    WIDTH = 30

    def __init__(self, stream: TextIO, label: str, total: int, enabled: bool) -> None:
        self._stream = stream
        self._label = label
        self._total = total
        self._enabled = enabled and total > 0
        self.done = 0
        self.failed = 0
        self._draw()

    def update(self, result: HostResult[Any]) -> None:
        self.done += 1
        if not result.ok:
            self.failed += 1
        self._draw()

    def _draw(self) -> None:
        if not self._enabled:
            return
        filled = self.WIDTH * self.done // self._total
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        failed = f", {self.failed} failed" if self.failed else ""
        self._stream.write(f"\r{self._label} [{bar}] {self.done}/{self._total} hosts{failed}")
        self._stream.flush()

    def close(self) -> None:
        if self._enabled:
            self._stream.write("\n")
            self._stream.flush()


# ---------------------------------------------------------------------------------------------------
# running a command


class _Ctx:
    """What a command needs: the parsed arguments, the streams, and the connection settings."""

    def __init__(self, args: argparse.Namespace, streams: _Streams, stdin: TextIO) -> None:
        self.args = args
        self.out = streams.out
        self.err = streams.err
        self.stdin = stdin
        self.streams = streams
        self.json: bool = bool(_get(args, "json", False))
        self.debug: bool = bool(_get(args, "debug", False))
        self.url: str | None = None

    def print(self, text: str = "") -> None:
        self.out.write(text + "\n")

    def emit(self, data: Any) -> None:
        self.out.write(json.dumps(_jsonable(data), indent=2) + "\n")

    def warn(self, text: str) -> None:
        self.err.write(_mask(text, self.streams.secrets) + "\n")

    def request_timeout(self) -> float:
        value = _get(self.args, "request_timeout")
        if value is None and self.args.command != "wait":
            value = _get(self.args, "timeout")
        return DEFAULT_REQUEST_TIMEOUT if value is None else float(value)

    def client_options(self) -> dict[str, Any]:
        options: dict[str, Any] = {"timeout": self.request_timeout()}
        attempts = _get(self.args, "max_attempts")
        if attempts is not None:
            options["retry"] = RetryPolicy(max_attempts=attempts)
        if _get(self.args, "skip_verify", False):
            options["verify"] = False
        return options

    def client(self) -> ReplicationClient:
        """A client for the single connection: flags first, then the influx CLI's variables."""
        env = os.environ
        url = _get(self.args, "host") or env.get("INFLUX_HOST") or None
        token = _get(self.args, "token") or env.get("INFLUX_TOKEN") or None
        if not token:
            raise UsageError("no API token: pass --token or set INFLUX_TOKEN")
        self.streams.secrets.append(token)
        org = _get(self.args, "org")
        org_id = _get(self.args, "org_id")
        if org is None and org_id is None:
            org_id = env.get("INFLUX_ORG_ID") or None
            org = None if org_id else env.get("INFLUX_ORG") or None
        client = ReplicationClient(url=url, token=token, org=org, org_id=org_id, **self.client_options())
        self.url = client.url
        return client

    def progress(self, label: str, total: int) -> _Progress:
        wanted = _get(self.args, "progress")
        if wanted is None:
            isatty = getattr(self.err, "isatty", None)
            wanted = bool(isatty()) if callable(isatty) else False
        return _Progress(self.err, label, total, wanted)


async def _remote_id(client: ReplicationClient, ref: str) -> str:
    return (await _get_remote(client, ref)).id if not is_id(ref) else ref.lower()


async def _get_remote(client: ReplicationClient, ref: str) -> RemoteConnection:
    if is_id(ref):
        return await client.remotes.get(ref)
    found = await client.remotes.find(ref)
    if found is None:
        raise NotFoundError(f"remote connection {ref!r} not found", status_code=404, code="not found")
    return found


async def _replication_id(client: ReplicationClient, ref: str) -> str:
    return (await _get_replication(client, ref)).id if not is_id(ref) else ref.lower()


async def _get_replication(client: ReplicationClient, ref: str) -> Replication:
    if is_id(ref):
        return await client.replications.get(ref)
    found = await client.replications.find(ref)
    if found is None:
        raise NotFoundError(f"replication {ref!r} not found", status_code=404, code="not found")
    return found


def _remote_token(ctx: _Ctx) -> str | None:
    args = ctx.args
    token: str | None = None
    if args.remote_api_token is not None:
        token = args.remote_api_token
    elif args.remote_api_token_env is not None:
        token = os.environ.get(args.remote_api_token_env)
        if not token:
            raise UsageError(f"environment variable {args.remote_api_token_env} is not set or empty")
    elif args.remote_api_token_stdin:
        token = ctx.stdin.readline().strip()
        if not token:
            raise UsageError("no token on stdin")
    if token is not None:
        ctx.streams.secrets.append(token)
    return token


def _show_remote(ctx: _Ctx, remote: RemoteConnection) -> None:
    if ctx.json:
        ctx.emit(remote)
    else:
        ctx.print(_details(_model_items(remote)))


def _show_replication(ctx: _Ctx, replication: Replication) -> None:
    if ctx.json:
        ctx.emit(replication)
    else:
        ctx.print(_details(_model_items(replication)))


async def _cmd_remotes(ctx: _Ctx) -> int:
    args = ctx.args
    async with ctx.client() as client:
        if args.action == "list":
            remotes = await client.remotes.list(name=args.name, remote_url=args.remote_url)
            remotes.sort(key=lambda r: r.name)
            if ctx.json:
                ctx.emit(remotes)
            else:
                ctx.print(table(REMOTE_COLUMNS, ([getattr(r, c) for c in REMOTE_COLUMNS] for r in remotes)))
        elif args.action == "get":
            _show_remote(ctx, await _get_remote(client, args.remote))
        elif args.action == "create":
            token = _remote_token(ctx)
            if token is None:  # the option group is required, so argparse already refused this
                raise UsageError("remotes create: give the remote's API token")
            remote = await client.remotes.create(
                name=args.name,
                remote_url=args.remote_url,
                remote_api_token=token,
                remote_org_id=args.remote_org_id,
                allow_insecure_tls=args.allow_insecure_tls,
                description=args.description,
                **_extra_values(args),
            )
            _show_remote(ctx, remote)
        elif args.action == "update":
            fields = {
                "name": args.name,
                "remote_url": args.remote_url,
                "remote_org_id": args.remote_org_id,
                "allow_insecure_tls": args.allow_insecure_tls,
                "description": args.description,
                **_extra_values(args),
            }
            token = _remote_token(ctx)
            if token is None and all(v is None for v in fields.values()):
                raise UsageError("remotes update: nothing to change; pass at least one field option")
            remote_id = await _remote_id(client, args.remote)
            remote = await client.remotes.update(remote_id, remote_api_token=token, **fields)
            _show_remote(ctx, remote)
        else:  # delete
            remote = await _get_remote(client, args.remote)
            await client.remotes.delete(remote.id, cascade=args.cascade)
            if ctx.json:
                ctx.emit({"id": remote.id, "name": remote.name, "deleted": True})
            else:
                ctx.print(f"deleted remote connection {remote.name!r} ({remote.id})")
    return EXIT_OK


async def _cmd_replications(ctx: _Ctx) -> int:
    args = ctx.args
    async with ctx.client() as client:
        if args.action == "list":
            found = await client.replications.list(
                name=args.name, remote=args.remote, local_bucket=args.local_bucket
            )
            found.sort(key=lambda r: r.name)
            if ctx.json:
                ctx.emit(found)
            else:
                ctx.print(table(REPLICATION_COLUMNS, (_replication_row(r) for r in found)))
        elif args.action == "get":
            _show_replication(ctx, await _get_replication(client, args.replication))
        elif args.action == "create":
            options: dict[str, Any] = {
                "name": args.name,
                "remote": args.remote,
                "local_bucket": args.local_bucket,
                "remote_bucket": args.remote_bucket,
                "remote_bucket_id": args.remote_bucket_id,
                "drop_non_retryable_data": args.drop_non_retryable_data,
                "description": args.description,
                **_extra_values(args),
            }
            if args.max_queue_size_bytes is not None:
                options["max_queue_size_bytes"] = args.max_queue_size_bytes
            if args.max_age_seconds is not None:
                options["max_age_seconds"] = args.max_age_seconds
            if args.validate_only:
                await client.replications.validate_create(**options)
                _said_valid(ctx, None, args.name)
            else:
                _show_replication(ctx, await client.replications.create(**options))
        elif args.action == "update":
            fields = {
                "name": args.name,
                "description": args.description,
                "remote": args.remote,
                "remote_bucket": args.remote_bucket,
                "remote_bucket_id": args.remote_bucket_id,
                "max_queue_size_bytes": args.max_queue_size_bytes,
                "max_age_seconds": args.max_age_seconds,
                "drop_non_retryable_data": args.drop_non_retryable_data,
                **_extra_values(args),
            }
            if all(v is None for v in fields.values()):
                raise UsageError("replications update: nothing to change; pass at least one field option")
            replication_id = await _replication_id(client, args.replication)
            if args.validate_only:
                await client.replications.validate_update(replication_id, **fields)
                _said_valid(ctx, replication_id, args.replication)
            else:
                _show_replication(ctx, await client.replications.update(replication_id, **fields))
        elif args.action == "delete":
            replication = await _get_replication(client, args.replication)
            await client.replications.delete(replication.id)
            if ctx.json:
                ctx.emit({"id": replication.id, "name": replication.name, "deleted": True})
            else:
                ctx.print(f"deleted replication {replication.name!r} ({replication.id})")
        else:  # validate
            replication_id = await _replication_id(client, args.replication)
            await client.replications.validate(replication_id)
            _said_valid(ctx, replication_id, args.replication)
    return EXIT_OK


def _said_valid(ctx: _Ctx, replication_id: str | None, ref: str) -> None:
    if ctx.json:
        ctx.emit({"id": replication_id, "name": None if ref == replication_id else ref, "valid": True})
    else:
        ctx.print(f"replication {ref!r} is valid: the remote accepted a test write")


# --- status -------------------------------------------------------------------------------------


def _load(path: str) -> FleetConfig:
    from ..operations.fleet_file import load_fleet

    try:
        return load_fleet(path)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from exc


def _host_label(host: Host) -> str:
    return host.label


def _host_error(result: HostResult[Any]) -> str:
    error = result.error
    if error is None:
        return ""
    text = str(error) or type(error).__name__
    if isinstance(error, APIConnectionError):
        text = f"cannot reach {result.host.url}: {text}"
    return _one_line(text)


def _report_failures(ctx: _Ctx, results: Sequence[HostResult[Any]]) -> None:
    for result in results:
        if not result.ok:
            ctx.warn(f"error: {_host_label(result.host)}: {_host_error(result)}")
            if ctx.debug and result.error is not None:
                traceback.print_exception(result.error, file=ctx.err)


def _host_json(result: HostResult[Any]) -> dict[str, Any]:
    return {
        "host": _host_label(result.host),
        "url": result.host.url,
        "ok": result.ok,
        "error": None if result.ok else _host_error(result),
    }


async def _cmd_status(ctx: _Ctx) -> int:
    args = ctx.args
    config = _load(args.file) if args.file else None
    if config is not None and config.hosts:
        return await _fleet_status(ctx, config.hosts, args.replication)
    async with ctx.client() as client:
        replication_id = None
        if args.replication is not None:
            replication_id = await _replication_id(client, args.replication)
        statuses = await client.replications.status(replication_id)
    statuses.sort(key=lambda s: s.name)
    if ctx.json:
        ctx.emit({"replications": [_status_dict(s) for s in statuses]})
    else:
        rendered = table(STATUS_COLUMNS, (_status_row(s) for s in statuses))
        ctx.print(under_rows(rendered, (s.hint for s in statuses)))  # each hint under its row
        for s in statuses:
            for warning in s.warnings:
                ctx.print(f"warning: {s.name}: {warning}")
    return EXIT_UNHEALTHY if _unhealthy(statuses) else EXIT_OK


async def _fleet_status(ctx: _Ctx, hosts: Sequence[Host], only: str | None) -> int:
    from ..operations.fleet import fleet_status

    progress = ctx.progress("status", len(hosts))
    try:
        results = await fleet_status(
            hosts,
            concurrency=ctx.args.concurrency,
            on_progress=progress.update,
            client_options=ctx.client_options(),
        )
    finally:
        progress.close()

    def selected(result: HostResult[list[ReplicationStatus]]) -> list[ReplicationStatus]:
        statuses = list(result.value or [])
        if only is not None:
            statuses = [s for s in statuses if only in (s.name, s.id)]
        return sorted(statuses, key=lambda s: s.name)

    everything = [s for r in results for s in selected(r)]
    if ctx.json:
        ctx.emit(
            {
                "hosts": [
                    {
                        **_host_json(r),
                        "replications": [_status_dict(s) for s in selected(r)] if r.ok else None,
                    }
                    for r in results
                ]
            }
        )
    else:
        rows: list[list[Any]] = []
        hints: list[str | None] = []
        for result in results:
            if not result.ok:
                rows.append(
                    [_host_label(result.host), None, None, "error", None, None, None, _host_error(result)]
                )
                hints.append(None)
            for s in selected(result):
                rows.append([_host_label(result.host), *_status_row(s)])
                hints.append(s.hint)
        ctx.print(under_rows(table(("host", *STATUS_COLUMNS), rows), hints))
        for result in results:
            for s in selected(result):
                for warning in s.warnings:
                    ctx.print(f"warning: {_host_label(result.host)}: {s.name}: {warning}")
        ctx.print()
        ctx.print(_summary(results))
    _report_failures(ctx, results)
    if any(not r.ok for r in results):
        return EXIT_FLEET
    return EXIT_UNHEALTHY if _unhealthy(everything) else EXIT_OK


def _summary(results: Sequence[HostResult[Any]]) -> str:
    failed = sum(1 for r in results if not r.ok)
    text = f"{len(results) - failed} of {len(results)} hosts ok"
    return text + (f", {failed} failed" if failed else "")


# --- plan and apply ------------------------------------------------------------------------------


def _plan_text(plan: Plan) -> str:
    return str(plan).rstrip("\n")


async def _cmd_plan_or_apply(ctx: _Ctx) -> int:
    args = ctx.args
    applying = args.command == "apply"
    config = _load(args.file)
    if config.hosts:
        code = await _fleet_plan_or_apply(ctx, config, applying)
    else:
        async with ctx.client() as client:
            if applying:
                plan = await client.apply(config.desired, prune=args.prune)
            else:
                plan = await client.plan(config.desired, prune=args.prune)
        if ctx.json:
            ctx.emit(plan.to_dict())
        else:
            ctx.print(_plan_text(plan))
        code = EXIT_OK
        if not applying and args.detailed_exitcode and not plan.is_empty:
            code = EXIT_CHANGES
    return code


async def _fleet_plan_or_apply(ctx: _Ctx, config: FleetConfig, applying: bool) -> int:
    from ..operations.fleet import fleet_apply, fleet_plan

    args = ctx.args
    hosts = config.hosts
    progress = ctx.progress("apply" if applying else "plan", len(hosts))
    try:
        if applying:
            results = await fleet_apply(
                hosts,
                config.desired_for,
                prune=args.prune,
                concurrency=args.concurrency,
                on_progress=progress.update,
                client_options=ctx.client_options(),
            )
        else:
            results = await fleet_plan(
                hosts,
                config.desired_for,
                prune=args.prune,
                concurrency=args.concurrency,
                on_progress=progress.update,
                client_options=ctx.client_options(),
            )
    finally:
        progress.close()
    plans: list[Plan | None] = [result.value if result.ok else None for result in results]
    if ctx.json:
        hosts_json = []
        for result, plan in zip(results, plans, strict=True):
            entry = _host_json(result)
            entry["plan"] = None if plan is None else plan.to_dict()
            hosts_json.append(entry)
        ctx.emit({"hosts": hosts_json})
    else:
        verb = "applied" if applying else "planned"
        rows: list[list[Any]] = []
        for result, plan in zip(results, plans, strict=True):
            if plan is None:
                rows.append([_host_label(result.host), result.host.url, "failed", None])
            else:
                rows.append([_host_label(result.host), result.host.url, "ok", len(plan)])
        ctx.print(table(("host", "url", "result", f"changes {verb}"), rows))
        # hosts whose plans read the same are shown once
        groups: dict[str, list[str]] = {}
        for result, plan in zip(results, plans, strict=True):
            if plan is not None and not plan.is_empty:
                groups.setdefault(_plan_text(plan), []).append(_host_label(result.host))
        for text, labels in groups.items():
            ctx.print()
            ctx.print(f"{', '.join(labels)}:")
            ctx.print(text)
        ctx.print()
        ctx.print(_summary(results))
    _report_failures(ctx, results)
    if any(not r.ok for r in results):
        return EXIT_FLEET
    if not applying and args.detailed_exitcode and any(p is not None and not p.is_empty for p in plans):
        return EXIT_CHANGES
    return EXIT_OK


# --- wait ----------------------------------------------------------------------------------------


async def _cmd_wait(ctx: _Ctx) -> int:
    from ..resources.health import SyncTimeoutError

    args = ctx.args
    limit = _get(args, "timeout")
    limit = DEFAULT_WAIT_TIMEOUT if limit is None else float(limit)
    isatty = getattr(ctx.err, "isatty", None)
    show = (not ctx.json) and callable(isatty) and bool(isatty())

    def on_progress(replication: Replication) -> None:
        if show:
            left = replication.remaining_bytes_to_be_synced
            ctx.err.write(f"\rwaiting for {replication.name}: {_cell(left)} bytes left\x1b[K")
            ctx.err.flush()

    async with ctx.client() as client:
        replication_id = await _replication_id(client, args.replication)
        try:
            replication = await client.replications.wait_until_synced(
                replication_id, timeout=limit, poll_interval=args.poll_interval, on_progress=on_progress
            )
        except SyncTimeoutError as exc:
            if show:
                ctx.err.write("\n")
            if ctx.json:
                last = exc.replication
                ctx.emit({"synced": False, "replication": None if last is None else _jsonable(last)})
            raise
    if show:
        ctx.err.write("\n")
    if ctx.json:
        ctx.emit({"synced": True, "replication": _jsonable(replication)})
    else:
        ctx.print(f"replication {replication.name!r} ({replication.id}) is synced")
    return EXIT_OK


# ---------------------------------------------------------------------------------------------------
# entry points

_COMMANDS: dict[str, Callable[[_Ctx], Awaitable[int]]] = {
    "remotes": _cmd_remotes,
    "replications": _cmd_replications,
    "status": _cmd_status,
    "plan": _cmd_plan_or_apply,
    "apply": _cmd_plan_or_apply,
    "wait": _cmd_wait,
}


def _one_line(text: str) -> str:
    return " ".join(text.split())


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
    from ..resources.health import SyncTimeoutError

    if isinstance(exc, SyncTimeoutError):
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
