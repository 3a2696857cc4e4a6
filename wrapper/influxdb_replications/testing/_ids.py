"""IDs in the InfluxDB format: 16 hex digits, never zero, always written in lower case."""

from __future__ import annotations

import secrets

ID_LENGTH = 16


class IDError(ValueError):
    """An ID string that the server's ID decoder rejects; the message is the Go error text."""


def parse_id(text: str) -> str:
    """Decode an ID like `platform.ID.Decode`: 16 hex characters, upper case allowed, not zero.

    Returns:
        The ID in its canonical lower-case form.

    Raises:
        IDError: "id must have a length of 16 bytes" or "invalid ID".
    """
    if len(text.encode()) != ID_LENGTH:
        raise IDError("id must have a length of 16 bytes")
    try:
        value = int(text, 16)
    except ValueError:
        raise IDError("invalid ID") from None
    # int() would also accept "+", "_" and surrounding blanks; Go's hex decoder does not
    if value == 0 or not all(c in "0123456789abcdefABCDEF" for c in text):
        raise IDError("invalid ID")
    return f"{value:016x}"


def try_parse_id(text: str | None) -> str | None:
    """Return the canonical ID, or None when `text` is missing or not a valid ID."""
    if text is None:
        return None
    try:
        return parse_id(text)
    except IDError:
        return None


def new_id(taken: set[str]) -> str:
    """Make a fresh random non-zero ID that is not in `taken`, and add it there."""
    while True:
        value = secrets.randbits(63) or 1
        text = f"{value:016x}"
        if text not in taken:
            taken.add(text)
            return text
