"""InfluxDB line protocol: a parser for /api/v2/write and a serialiser for replication batches."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass

FieldValue = int | float | bool | str

PRECISIONS: dict[str, int] = {"ns": 1, "us": 1_000, "ms": 1_000_000, "s": 1_000_000_000}

_INT = re.compile(r"-?[0-9]+i")
_UINT = re.compile(r"[0-9]+u")
_FLOAT = re.compile(r"[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?")
_TIMESTAMP = re.compile(r"-?[0-9]+")
_NAME_SPECIALS = "\\, "  # backslash first, so that escapes added later are not doubled
_KEY_SPECIALS = "\\,= "
_TRUE = {"t", "T", "true", "True", "TRUE"}
_FALSE = {"f", "F", "false", "False", "FALSE"}


class Unsigned(int):
    """An integer field written with the `u` suffix; equal to the plain int of the same value."""


@dataclass(frozen=True)
class Point:
    """One stored point: measurement, tags, fields and a timestamp in nanoseconds since the epoch."""

    measurement: str
    tags: dict[str, str]
    fields: dict[str, FieldValue]
    time: int

    def series_key(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        """The measurement and sorted tags, which together with the time identify a stored point."""
        return self.measurement, tuple(sorted(self.tags.items()))


class LineProtocolError(ValueError):
    """A line that does not parse; the message names the line, like InfluxDB's."""


def _split(text: str, sep: str, *, quoted: bool) -> list[str]:
    """Split on `sep` where it is neither escaped by a backslash nor (if `quoted`) inside double quotes."""
    parts: list[str] = []
    current: list[str] = []
    in_quotes = False
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            current.append(text[i : i + 2])
            i += 2
            continue
        # a quote opens a string only at the start of a field value (right after "=")
        if quoted and char == '"' and (in_quotes or (i > 0 and text[i - 1] == "=")):
            in_quotes = not in_quotes
        if char == sep and not in_quotes:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        i += 1
    if in_quotes:
        raise ValueError("unbalanced quotes")
    parts.append("".join(current))
    return parts


def _unescape(text: str, specials: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in specials:
            out.append(text[i + 1])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _key_value(item: str) -> tuple[str, str]:
    pieces = _split(item, "=", quoted=False)
    if len(pieces) < 2 or pieces[0] == "":
        raise ValueError("missing tag key" if len(pieces) < 2 else "invalid field format")
    return pieces[0], "=".join(pieces[1:])


def _field_value(raw: str) -> FieldValue:
    if raw.startswith('"'):
        if len(raw) < 2 or not raw.endswith('"'):
            raise ValueError("invalid field format")
        return _unescape(raw[1:-1], '"\\')
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    if _INT.fullmatch(raw):
        value = int(raw[:-1])
        if not -(2**63) <= value < 2**63:
            raise ValueError("unable to parse integer: value out of range")
        return value
    if _UINT.fullmatch(raw):
        unsigned = int(raw[:-1])
        if unsigned >= 2**64:
            raise ValueError("unable to parse unsigned: value out of range")
        return Unsigned(unsigned)
    if _FLOAT.fullmatch(raw):
        return float(raw)
    raise ValueError(f"invalid number or unknown field type: {raw!r}")


def _sections(body: str) -> Iterator[list[str]]:
    """Split a body into lines and each line into its space-separated sections, raw (escapes kept).

    A double quote opens a string only at the start of a field value (section 1, right after "="),
    so spaces, commas and newlines inside a string field do not split anything.
    """
    sections: list[str] = []
    current: list[str] = []
    in_quotes = False
    i = 0
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body) and body[i + 1] != "\n":
            current.append(body[i : i + 2])
            i += 2
            continue
        i += 1
        if char == '"' and len(sections) == 1 and (in_quotes or (current and current[-1] == "=")):
            in_quotes = not in_quotes
        elif not in_quotes and char == " ":
            sections.append("".join(current))
            current = []
            continue
        elif not in_quotes and char == "\n":
            sections.append("".join(current))
            yield sections
            sections, current = [], []
            continue
        current.append(char)
    if in_quotes:
        raise ValueError("unterminated string")
    sections.append("".join(current))
    yield sections


def _parse_line(sections: list[str], multiplier: int, default_time: int) -> Point:
    if len(sections) < 2 or sections[1] == "":
        raise ValueError("missing fields")
    if len(sections) > 3:
        raise ValueError("invalid field format")
    series = _split(sections[0], ",", quoted=False)
    measurement = _unescape(series[0], _NAME_SPECIALS)
    if not measurement:
        raise ValueError("missing measurement")
    tags: dict[str, str] = {}
    for item in series[1:]:
        key, value = _key_value(item)
        if value == "":
            raise ValueError("missing tag value")
        tags[_unescape(key, _KEY_SPECIALS)] = _unescape(value, _KEY_SPECIALS)
    fields: dict[str, FieldValue] = {}
    for item in _split(sections[1], ",", quoted=True):
        if item == "":
            raise ValueError("missing fields")
        key, value = _key_value(item)
        fields[_unescape(key, _KEY_SPECIALS)] = _field_value(value)
    stamp = default_time
    if len(sections) == 3:
        if not _TIMESTAMP.fullmatch(sections[2]):
            raise ValueError("bad timestamp")
        stamp = int(sections[2]) * multiplier
    return Point(measurement, tags, fields, stamp)


def parse(body: str, precision: str = "ns", now_ns: int | None = None) -> list[Point]:
    """Parse a line protocol body; points without a timestamp get `now_ns` (default: the current time).

    Blank lines and lines starting with "#" are skipped.

    Raises:
        LineProtocolError: for the first line that does not parse, e.g. "unable to parse 'x': missing fields".
        KeyError: for an unknown precision.
    """
    multiplier = PRECISIONS[precision]
    now = time.time_ns() if now_ns is None else now_ns
    default_time = now - now % multiplier
    try:
        lines = list(_sections(body))
    except ValueError as exc:
        raise LineProtocolError(f"unable to parse '{body.strip()}': {exc}") from None
    points: list[Point] = []
    for sections in lines:
        while sections and sections[0].strip("\t\r") == "":
            sections = sections[1:]  # leading blanks
        while len(sections) > 1 and sections[-1].strip("\t\r") == "":
            sections = sections[:-1]  # trailing blanks and the \r of CRLF
        sections = [part.strip("\t\r") if n == len(sections) - 1 else part for n, part in enumerate(sections)]
        if not sections or not sections[0] or sections[0].startswith("#"):
            continue
        try:
            points.append(_parse_line(sections, multiplier, default_time))
        except ValueError as exc:
            raise LineProtocolError(f"unable to parse '{' '.join(sections)}': {exc}") from None
    return points


def _escape(text: str, specials: str) -> str:
    for char in specials:
        text = text.replace(char, "\\" + char)
    return text


def _format_value(value: FieldValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Unsigned):
        return f"{int(value)}u"
    if isinstance(value, int):
        return f"{value}i"
    if isinstance(value, float):
        return repr(value)
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_line(point: Point) -> str:
    """Serialise one point with a nanosecond timestamp (tags sorted by key, as InfluxDB writes them)."""
    head = _escape(point.measurement, _NAME_SPECIALS)
    for key, value in sorted(point.tags.items()):
        head += f",{_escape(key, _KEY_SPECIALS)}={_escape(value, _KEY_SPECIALS)}"
    fields = ",".join(f"{_escape(k, _KEY_SPECIALS)}={_format_value(v)}" for k, v in point.fields.items())
    return f"{head} {fields} {point.time}"
