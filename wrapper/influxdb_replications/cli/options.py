"""Option types of the command line, and the options of the fields the spec adds (``--extra-...``)."""

from __future__ import annotations

import argparse
import datetime
from collections.abc import Callable, Sequence
from typing import Any

from dateutil.parser import isoparse

from ..core.fields import FieldSpec


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
