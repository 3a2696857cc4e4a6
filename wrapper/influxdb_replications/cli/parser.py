"""The command line's arguments: exit codes, the argparse parser and its option types.

argparse plumbing: messages go to the streams given to run(), and no parse ever calls sys.exit.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from ..operations.spec_fields import BUCKET_ID, REMOTE, REPLICATION
from .options import (
    _drain_options,
    _exporter_options,
    _field_options,
    _metrics_options,
    _positive_float,
    _positive_int,
    _rotate_token_options,
)
from .output import _STREAMS, _mask

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
connection: --host/--token/--org/--org-id, else INFLUX_HOST, INFLUX_TOKEN, INFLUX_ORG, INFLUX_ORG_ID,
else the influx CLI's active profile (-c NAME, --configs-path FILE; ~/.influxdbv2/configs)
(prefer INFLUX_TOKEN or a profile to --token: command lines end up in the shell history).
Names are accepted wherever IDs are (16 hex digits is an ID, anything else a name).

exit codes:
  0    success
  1    a request or operation failed (refused, not found, unreachable, timed out), or apply refused
       a change that would lose queued data (the rest was applied)
  2    usage error: bad arguments, missing connection settings, bad or unreadable file
  3    fleet run: at least one host failed or refused a change (the others were still done)
  4    status: at least one replication is failing or backlogged
  5    wait, apply --drain, remotes delete --drain: not synced before the timeout
  6    plan --detailed-exitcode: the plan has changes
  130  interrupted (Ctrl-C)
"""


# Options whose value is a secret: masked in every message we print (argparse echoes unknown arguments).
_SECRET_OPTIONS = ("--token", "--remote-api-token")


class _Exit(Exception):
    """Leave run() with this status (the message, if any, was already written)."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class UsageError(Exception):
    """A usage problem found after parsing (e.g. no token configured): exit 2."""


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
    """An ArgumentParser that writes to run()'s streams and raises _Exit instead of exiting.

    ``about`` is argparse's text above the options (its third parameter).
    """

    def __init__(self, prog: str | None = None, *, about: str | None = None, **kwargs: Any) -> None:
        super().__init__(prog, None, about, **kwargs)

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
    group.add_argument(
        "-c",
        "--active-config",
        default=s,
        metavar="NAME",
        help="the influx CLI profile for what flags and env leave unset (env INFLUX_ACTIVE_CONFIG)",
    )
    group.add_argument(
        "--configs-path",
        default=s,
        metavar="FILE",
        help="the influx CLI's configs file (env INFLUX_CONFIGS_PATH; default ~/.influxdbv2/configs)",
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
        "--hide-headers", default=s, action="store_true", help="print tables without their header line"
    )
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


def _bucket_options(parser: argparse.ArgumentParser, *, required: bool) -> None:
    """The remote-bucket switch: the target bucket by name or by ID, not both (reference 3.6)."""
    target = parser.add_mutually_exclusive_group(required=required)
    name_help, id_help = ("target bucket on the remote, by name", "target bucket on the remote, by ID")
    target.add_argument("--remote-bucket", metavar="NAME", help=name_help if required else None)
    flag = "--" + BUCKET_ID.replace("_", "-")
    target.add_argument(flag, dest=BUCKET_ID, metavar="ID", help=id_help if required else None)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser (exposed for tests and documentation tools)."""
    common = _global_options()
    common_wait = _global_options(with_timeout=False)
    formatter = argparse.RawDescriptionHelpFormatter
    parser = _Parser(
        prog=PROG,
        about="Manage and watch InfluxDB OSS v2 replications (remotes, replications, fleets).",
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
            about=help_text,
            epilog=EPILOG,
            formatter_class=formatter,
            parents=[common_wait if wait else common],
            allow_abbrev=False,
        )
        return sub

    # remotes -------------------------------------------------------------------------------------
    remotes = commands.add_parser(
        "remotes", help="remote connections", about="Remote connections.", parents=[common]
    )
    rsub = remotes.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = leaf(rsub, "list", "list remote connections")
    p.add_argument("--name", help="only the remote with this name")
    p.add_argument("--remote-url", metavar="URL", help="only remotes with this URL")
    p = leaf(rsub, "get", "show one remote connection")
    p.add_argument("remote", metavar="ID|NAME")
    p = leaf(rsub, "create", "create a remote connection")
    p.add_argument("--name", required=True)
    _token_options(p, required=True)
    _field_options(p, REMOTE, update=False)
    p = leaf(rsub, "update", "change fields of a remote connection")
    p.add_argument("remote", metavar="ID|NAME")
    p.add_argument("--name", help="a new name")
    _token_options(p, required=False)
    _field_options(p, REMOTE, update=True)
    p = leaf(rsub, "delete", "delete a remote connection")
    p.add_argument("remote", metavar="ID|NAME")
    p.add_argument("--cascade", action="store_true", help="delete the replications that use it first")
    _drain_options(p, "with --cascade: delete them")
    p = leaf(rsub, "rotate-token", "set a remote's token, validate its replications, roll back on failure")
    _rotate_token_options(p)
    _fleet_options(p)

    # replications --------------------------------------------------------------------------------
    reps = commands.add_parser(
        "replications", help="replication streams", about="Replications.", parents=[common]
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
    _bucket_options(p, required=True)
    _field_options(p, REPLICATION, update=False)
    p.add_argument(
        "--validate-only", action="store_true", help="only check it against the remote; create nothing"
    )
    p = leaf(qsub, "update", "change fields of a replication")
    p.add_argument("replication", metavar="ID|NAME")
    p.add_argument("--name", help="a new name")
    p.add_argument("--remote", metavar="ID|NAME")
    _bucket_options(p, required=False)
    _field_options(p, REPLICATION, update=True)
    p.add_argument("--validate-only", action="store_true", help="only check the change against the remote")
    p = leaf(qsub, "delete", "delete a replication (its unsent queue is discarded)")
    p.add_argument("replication", metavar="ID|NAME")
    p = leaf(qsub, "validate", "check a replication against its remote")
    p.add_argument("replication", metavar="ID|NAME")

    # status, plan, apply, wait ------------------------------------------------------------------
    p = leaf(commands, "status", "health of replications (exit 4 when one is failing or backlogged)")
    p.add_argument("replication", nargs="?", metavar="ID|NAME", help="only this replication")
    p.add_argument("--file", metavar="FILE", help="a fleet file: report every host it lists")
    _metrics_options(p)
    _fleet_options(p)
    p = leaf(commands, "exporter", "serve the status as Prometheus metrics on /metrics (hints on /)")
    _exporter_options(p)
    p.add_argument(
        "--concurrency",
        type=_positive_int,
        default=DEFAULT_CONCURRENCY,
        metavar="N",
        help=f"hosts collected at the same time (default {DEFAULT_CONCURRENCY})",
    )
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
    _drain_options(p, "recreate or prune a replication")
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
