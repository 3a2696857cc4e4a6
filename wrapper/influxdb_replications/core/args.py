"""Argument checks that are not a field's, run before any I/O. Each raises ValueError naming the argument.

A request field's checks (its kind and the server's limits) come from the generated metadata:
``core/fields.py``.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

_ID = re.compile(r"[0-9a-fA-F]{16}")


def is_id(value: str) -> bool:
    """True when ``value`` is exactly 16 hex digits (an InfluxDB ID); anything else is a name."""
    return len(value) == 16 and _ID.fullmatch(value) is not None


def check_id(value: Any, arg: str) -> str:
    """Return the ID in lower case (how the server writes IDs); ValueError unless 16 hex digits."""
    if not isinstance(value, str) or not is_id(value):
        raise ValueError(f"{arg} must be an ID of exactly 16 hex digits, got {value!r}")
    return value.lower()


def check_name(value: Any, arg: str) -> str:
    """Return a non-empty name; ValueError otherwise."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"{arg} must be a non-empty string, got {value!r}")
    return value


def check_str(value: Any, arg: str) -> str:
    """Return a string (empty allowed); ValueError otherwise."""
    if not isinstance(value, str):
        raise ValueError(f"{arg} must be a string, got {type(value).__name__}")
    return value


def check_bool(value: Any, arg: str) -> bool:
    """Return a bool; ValueError for anything else (1 and "true" included)."""
    if not isinstance(value, bool):
        raise ValueError(f"{arg} must be True or False, got {value!r}")
    return value


def check_url(value: Any, arg: str) -> str:
    """Return an http(s) URL with a host; ValueError otherwise."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"{arg} must be an http(s) URL, got {value!r}")
    try:
        url = httpx.URL(value)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise ValueError(f"{arg} must be an http(s) URL, got {value!r}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError(f"{arg} must be an http(s) URL, got {value!r}")
    return value


def check_timeout(value: Any, arg: str = "timeout") -> httpx.Timeout | None:
    """Return an httpx.Timeout for a positive number or a Timeout, None for None; ValueError otherwise."""
    if value is None:
        return None
    if isinstance(value, httpx.Timeout):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ValueError(f"{arg} must be a number > 0 or an httpx.Timeout, got {value!r}")
    return httpx.Timeout(float(value))


def check_trace_span(value: Any, arg: str = "trace_span") -> str | None:
    """Return a Zap-Trace-Span header value or None; ValueError for a non-string or a multi-line value."""
    if value is None:
        return None
    if not isinstance(value, str) or not value or "\n" in value or "\r" in value:
        raise ValueError(f"{arg} must be a non-empty single-line string, got {value!r}")
    return value


def exactly_one_bucket(remote_bucket: str | None, remote_bucket_id: str | None) -> None:
    """ValueError unless exactly one of remote_bucket / remote_bucket_id is given."""
    if (remote_bucket is None) == (remote_bucket_id is None):
        raise ValueError("pass exactly one of remote_bucket (a name) and remote_bucket_id")
