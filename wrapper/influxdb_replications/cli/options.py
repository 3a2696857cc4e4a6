"""Option types of the command line, and the options of the spec's fields (walked from its metadata)."""

from __future__ import annotations

import argparse
import datetime
from collections.abc import Callable
from typing import Any

from dateutil.parser import isoparse

from ..operations.spec_fields import Resource


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


# How a command-line string becomes a value of each field kind.
_PARSERS: dict[str, Callable[[str], Any]] = {"int": _int, "float": _float, "datetime": _datetime}
# The value's name in the help, by the schema format it is checked against (else by its kind).
_METAVARS: dict[str, str] = {"uri": "URL", "influxdb-id": "ID"}
# Help texts that say more than the spec's key (create only; the update options share the words).
_HELP: dict[str, str] = {
    "remote_org_id": "the org ID on the remote",
    "allow_insecure_tls": "skip TLS checks towards the remote",
}


def _field_options(parser: argparse.ArgumentParser, resource: Resource, *, update: bool) -> None:
    """One option per walked field that the create (or update) request carries: ``--snake-name VALUE``.

    Nothing here names a field: the options come from the spec's metadata. A boolean is a flag (``--x``;
    on update ``--x/--no-x``); a field the spec requires on create without a default is a required
    option. An option not given is not sent (None), so the server's or the spec's default applies.
    """
    for spec_field in resource.fields:
        if not (spec_field.update if update else spec_field.create):
            continue
        spec = spec_field.spec
        flag = "--" + spec.name.replace("_", "-")
        dest = _FIELD_PREFIX + spec.name
        help_text = (None if update else _HELP.get(spec.name)) or f"the spec's {spec.key}"
        if not update and spec_field.default is not None and spec.kind != "bool":
            help_text += " (default " + str(spec_field.default).replace("%", "%%") + ")"
        if spec.kind == "bool":
            action: Any = argparse.BooleanOptionalAction if update else "store_true"
            parser.add_argument(flag, dest=dest, action=action, default=None, help=help_text)
            continue
        metavar = _METAVARS.get(spec.format) if spec.format is not None else None
        if metavar is None and spec.kind == "int" and (spec.minimum is not None or spec.maximum is not None):
            metavar = "S" if spec.name.endswith("_seconds") else "N"  # a bounded count, or seconds
        if metavar is None and not spec.choices:
            metavar = spec.name.upper() if spec.kind == "str" else spec.kind.upper()
        parser.add_argument(
            flag,
            dest=dest,
            type=_PARSERS.get(spec.kind, str),
            choices=spec.choices or None,
            metavar=metavar,
            required=spec_field.required and not update,
            help=help_text,
        )


def _field_values(args: argparse.Namespace) -> dict[str, Any]:
    """The field options given on the command line, by field name."""
    return {
        name[len(_FIELD_PREFIX) :]: value
        for name, value in vars(args).items()
        if name.startswith(_FIELD_PREFIX) and value is not None
    }


_FIELD_PREFIX = "field__"


DEFAULT_LISTEN = "127.0.0.1:9470"


def _metrics_options(parser: argparse.ArgumentParser) -> None:
    """``status``'s output choices: --format, --textfile, and the per-host limit of a collection."""
    parser.add_argument(
        "--format",
        metavar="FORMAT",
        help="table (default), json (as --json) or prometheus (the text format of the metrics)",
    )
    parser.add_argument(
        "--textfile",
        metavar="PATH",
        help="write the metrics to PATH atomically (node_exporter's textfile collector); print nothing",
    )
    _host_timeout_option(parser)


def _host_timeout_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host-timeout",
        type=_positive_float,
        default=10.0,
        metavar="S",
        help="seconds one host may take in all, retries included (default 10); then it is down",
    )


def _exporter_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--listen",
        default=DEFAULT_LISTEN,
        metavar="HOST:PORT",
        help=f"where to serve /metrics and / (default {DEFAULT_LISTEN}, loopback; PORT alone: loopback)",
    )
    parser.add_argument("--file", metavar="FILE", help="a fleet file: collect every host it lists")
    parser.add_argument(
        "--min-interval",
        type=_non_negative_float,
        default=0.0,
        metavar="S",
        help="a scrape within S seconds of the last collection gets its result (default 0)",
    )
    _host_timeout_option(parser)


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number >= 0, got {text!r}")
    return value


def _drain_options(parser: argparse.ArgumentParser, what: str) -> None:
    """--allow-data-loss, or --drain [--drain-timeout S]: how changes that discard a queue are made."""
    group = parser.add_argument_group("changes that discard a replication's queue (and its unsent data)")
    choice = group.add_mutually_exclusive_group()
    choice.add_argument(
        "--allow-data-loss",
        action="store_true",
        help=f"{what} even when a queue still holds unsent data (it is lost)",
    )
    choice.add_argument(
        "--drain",
        action="store_true",
        help=f"{what} without loss: wait until each queue is drained first",
    )
    group.add_argument(
        "--drain-timeout",
        type=_positive_float,
        metavar="S",
        help="seconds each drain may wait (default 300; with --drain only; exit 5 when it runs out)",
    )


def _rotate_token_options(parser: argparse.ArgumentParser) -> None:
    """``remotes rotate-token``'s own options (the fleet's --concurrency and --progress come with them).

    The tokens come only from the environment or stdin, never from the command line or a file.
    """
    parser.add_argument("remote", metavar="NAME|ID", help="the remote (in a fleet: its name on every host)")
    new = parser.add_mutually_exclusive_group(required=True)
    new.add_argument("--token-env", metavar="VAR", help="read the new token from this environment variable")
    new.add_argument("--token-stdin", action="store_true", help="read the new token from stdin (one line)")
    parser.add_argument(
        "--previous-token-env",
        metavar="VAR",
        help="the token the remote has now: put back where a replication refuses the new one",
    )
    parser.add_argument("--file", metavar="FILE", help="a fleet file: rotate on every host it lists")
    parser.add_argument(
        "--canary",
        type=_positive_int,
        metavar="N",
        help="rotate the first N hosts first; the rest only when none of them failed",
    )
