"""JSON in and out the way the Go server does it (reference section 1.2 and 1.4).

Decoding follows Go's `encoding/json` Decoder: only the first JSON value is read, unknown keys are
ignored, keys match case-insensitively, `null` means "not given", and the error texts are Go's.
Encoding follows `json.MarshalIndent(v, "", "\\t")`, HTML-safe escaping included.
"""

from __future__ import annotations

import enum
import json
import re
from dataclasses import dataclass
from typing import Any

from ._ids import IDError, parse_id

_INT_LITERAL = re.compile(r"-?(0|[1-9][0-9]*)")
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_GO_SPACE = " \t\r\n"
_HTML_UNSAFE = "<>&\u2028\u2029"  # Go's encoder escapes these inside strings


class DecodeError(ValueError):
    """The body could not be decoded; str() is the Go error text (without the handler's prefix)."""


class Kind(enum.Enum):
    """The Go type of a request field, as far as decoding cares."""

    ID = "platform.ID"
    STRING = "string"
    INT64 = "int64"
    BOOL = "bool"


@dataclass(frozen=True)
class Field:
    """One field of a Go request struct: its JSON tag, its kind, and whether Go holds it as a pointer."""

    name: str
    kind: Kind
    pointer: bool = False


@dataclass(frozen=True)
class RequestType:
    """A Go request struct (package `influxdb`) that a body is decoded into."""

    go_name: str
    fields: tuple[Field, ...]


class _Number:
    """A JSON number kept as its literal text, so that 1.5 and 1e8 can be told from integers."""

    def __init__(self, literal: str) -> None:
        self.literal = literal


class _Object(list[tuple[str, Any]]):
    """A JSON object as its key/value pairs in document order (duplicates kept)."""


def _reject_constant(name: str) -> Any:
    # Python's json accepts NaN and Infinity; Go does not
    raise DecodeError(f"invalid character '{name[0]}' looking for beginning of value")


_DECODER = json.JSONDecoder(
    object_pairs_hook=_Object,
    parse_int=_Number,
    parse_float=_Number,
    parse_constant=_reject_constant,
)


def _json_kind(value: Any) -> str:
    if isinstance(value, _Object):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, _Number):
        return "number"
    return "string"


def _first_value(raw: bytes) -> Any:
    text = raw.decode("utf-8", errors="replace")
    start = 0
    while start < len(text) and text[start] in _GO_SPACE:
        start += 1
    if start == len(text):
        raise DecodeError("EOF")
    try:
        value, _end = _DECODER.raw_decode(text, start)
    except json.JSONDecodeError as exc:
        if exc.pos >= len(text) or exc.msg.startswith("Unterminated string"):
            raise DecodeError("unexpected EOF") from None
        char = text[exc.pos]
        raise DecodeError(f"invalid character {char!r} {exc.msg[0].lower()}{exc.msg[1:]}") from None
    return value


def _convert(field: Field, value: Any, struct: str) -> Any:
    """Convert one non-null value; return a DecodeError for a type mismatch, raise for a bad ID."""
    go_type = field.kind.value
    wrong = _json_kind(value)
    if field.kind is Kind.ID:
        if isinstance(value, str):
            return parse_id(value)  # IDError aborts decoding at once, like Go's UnmarshalText error
        if field.pointer:
            go_type = "*" + go_type
    elif field.kind is Kind.STRING:
        if isinstance(value, str):
            return value
    elif field.kind is Kind.BOOL:
        if isinstance(value, bool):
            return value
    elif isinstance(value, _Number):
        literal = value.literal
        if _INT_LITERAL.fullmatch(literal) and _INT64_MIN <= int(literal) <= _INT64_MAX:
            return int(literal)
        wrong = f"number {literal}"
    return DecodeError(
        f"json: cannot unmarshal {wrong} into Go struct field {struct}.{field.name} of type {go_type}"
    )


def decode(raw: bytes, request_type: RequestType) -> dict[str, Any]:
    """Decode a request body into the fields it sets (keyed by their JSON tag).

    Raises:
        DecodeError: with Go's error text, e.g. "EOF" or "id must have a length of 16 bytes".
    """
    value = _first_value(raw)
    if value is None:
        return {}
    if not isinstance(value, _Object):
        kind, go_name = _json_kind(value), request_type.go_name
        raise DecodeError(f"json: cannot unmarshal {kind} into Go value of type influxdb.{go_name}")
    by_name = {f.name: f for f in request_type.fields}
    by_folded = {f.name.lower(): f for f in request_type.fields}
    result: dict[str, Any] = {}
    saved: DecodeError | None = None
    for key, item in value:
        found = by_name.get(key) or by_folded.get(key.lower())
        if found is None or item is None:
            continue
        try:
            converted = _convert(found, item, request_type.go_name)
        except IDError as exc:
            raise DecodeError(str(exc)) from None
        if isinstance(converted, DecodeError):
            saved = saved or converted  # Go keeps decoding and reports the first type error
        else:
            result[found.name] = converted
    if saved is not None:
        raise saved
    return result


def encode(obj: Any) -> bytes:
    """Serialise like Go's `json.MarshalIndent(obj, "", "\\t")`: tabs, no trailing newline, HTML-safe."""
    text = json.dumps(obj, indent="\t", ensure_ascii=False)
    for char in _HTML_UNSAFE:
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text.encode()


def encode_compact(obj: Any) -> bytes:
    """Serialise without spaces, as the authentication middleware's error writer does."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()
