"""Token rotation: give a remote a new API token, prove it with its replications, put the old one back.

A remote's token is write-only (the server never returns it, reference 2.1), and the server re-reads a
remote's settings before every write attempt (reference 2.5, 6.2), so a new token takes effect at once
and a wrong one stops every replication of that remote until someone notices. ``rotate_token`` therefore
sets the token (PATCH ``remoteAPIToken``), then validates every replication that uses the remote
(``POST /api/v2/replications/{id}/validate``, which writes an empty batch to the remote with the stored
settings, reference 3.8 and 4). When one is refused and the previous token was given, that token is put
back. The outcome is a :class:`RotationResult`; ``client.remotes.rotate_token`` is the way to call it.

Tokens are never kept in a result or an error, never logged, and any text that comes back from a server
is scrubbed of them before it is kept.
"""

# `timeout=` is an httpx timeout per request, not an asyncio deadline (see resources/resource.py).
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import contextlib
import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..core.errors import HINT_LEAD, APIStatusError, InfluxDBError, NotFoundError, ValidationFailedError
from ..core.models import RemoteConnection
from ..resources.refs import check_remote, remote_of

if TYPE_CHECKING:
    from ..core.models import Replication
    from ..resources.remotes import Remotes
    from ..resources.replications import Replications
    from ..resources.resource import Timeout

__all__ = ["RotationError", "RotationOutcome", "RotationResult", "check_token", "rotate_token"]


class RotationOutcome(enum.StrEnum):
    """How a rotation ended (its value is the word used in output)."""

    ROTATED = "rotated"
    """The new token is set and every replication of the remote validated with it."""
    ROLLED_BACK = "rolled back"
    """A replication could not be validated with the new token; the previous token was put back."""
    FAILING = "failing"
    """A replication could not be validated with the new token, and no previous token was given: the
    new token stays set, and that replication fails until the token is fixed."""
    NOT_VERIFIABLE = "not verifiable"
    """The new token is set, but no replication uses the remote, so nothing could check it (remotes
    have no validation endpoint, reference 1.1)."""
    SKIPPED = "skipped"
    """Fleet runs only: the host was not touched because the canary hosts did not prove the token."""


_SUCCEEDED = frozenset({RotationOutcome.ROTATED, RotationOutcome.NOT_VERIFIABLE})


@dataclass(frozen=True, slots=True)
class RotationResult:
    """What one rotation did. It never holds a token, so printing it is safe.

    ``str()`` gives one readable line.

    Attributes:
        outcome: How it ended.
        remote_id: The remote's ID (None for a skipped host of a fleet run, which was never asked).
        remote_name: The remote's name (for a skipped host: the name or ID the run was given).
        replications: The names of the replications that use the remote, sorted.
        validated: The names of those that validated with the new token, in the order they were checked.
        failed: The name of the replication whose validation failed; None unless rolled back or failing.
        reason: Why it is not ``rotated``, in words (the server's validation error for a refused token);
            None when rotated.
        hint: One sentence saying what to change, when the failure is a known one (for a refused token:
            give the remote a token with write access to the target bucket); else None.
    """

    outcome: RotationOutcome
    remote_id: str | None
    remote_name: str
    replications: tuple[str, ...] = ()
    validated: tuple[str, ...] = ()
    failed: str | None = None
    reason: str | None = None
    hint: str | None = None

    @property
    def ok(self) -> bool:
        """True when the new token is in place and nothing failed: rotated or not verifiable."""
        return self.outcome in _SUCCEEDED

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON-ready data (the outcome as its word)."""
        return {
            "outcome": str(self.outcome),
            "remote_id": self.remote_id,
            "remote_name": self.remote_name,
            "replications": list(self.replications),
            "validated": list(self.validated),
            "failed": self.failed,
            "reason": self.reason,
            "hint": self.hint,
        }

    def __str__(self) -> str:
        ident = f" ({self.remote_id})" if self.remote_id else ""
        text = (
            f"remote {self.remote_name!r}{ident}: {self.outcome}, "
            f"{len(self.validated)} of {len(self.replications)} replications validated"
        )
        if self.reason:
            text += f"; {self.reason}"
        return text + ("" if self.hint is None else "." + HINT_LEAD + self.hint)


class RotationError(InfluxDBError):
    """The rotation could not finish after the new token was sent, so the remote's token is not known
    to be good: a validation could not be done (the server was unreachable, or answered with an error
    of its own) and the previous token could not be put back (none was given, or that failed too).

    The error that stopped it is the ``__cause__``. Errors before the token was sent (the remote does
    not exist, the server cannot be reached) are raised as they are, not as a RotationError.

    Attributes:
        remote_id: The remote's ID.
        remote_name: The remote's name.
        token_set: True: the new token is set on the remote (its PATCH succeeded and nothing put the
            previous one back).
    """

    def __init__(self, message: str, *, remote_id: str, remote_name: str, token_set: bool = True) -> None:
        super().__init__(message)
        self.remote_id = remote_id
        self.remote_name = remote_name
        self.token_set = token_set


def check_token(value: Any, arg: str) -> str:
    """Return a token: a non-empty string without whitespace; ValueError (never showing it) otherwise."""
    if not isinstance(value, str):
        raise ValueError(f"{arg} must be a string, got {type(value).__name__}")
    if not value:
        raise ValueError(f"{arg} must not be empty")
    if any(c.isspace() or not c.isprintable() for c in value):
        raise ValueError(f"{arg} must not contain whitespace or control characters (the value is not shown)")
    return value


def _scrub(text: str, tokens: tuple[str, ...]) -> str:
    """``text`` with every token replaced by ``***`` (a server should never echo one; this makes sure)."""
    for token in tokens:
        text = text.replace(token, "***")
    return text


def _without_hint(error: ValidationFailedError) -> str:
    """The validation error's message without the hint that ends it (the result keeps the hint apart)."""
    message = error.message
    if error.hint is not None and message.endswith(HINT_LEAD + error.hint):
        message = message[: -len(HINT_LEAD + error.hint)]
        message = message.removesuffix(".")  # the full stop that append_hint put before the hint
    return message


async def rotate_token(
    remotes: Remotes,
    replications: Replications,
    remote: str | RemoteConnection,
    new_token: str,
    *,
    previous_token: str | None = None,
    timeout: Timeout = None,
    trace_span: str | None = None,
) -> RotationResult:
    """Set a remote's token, validate its replications, and put the previous token back on a refusal.

    See ``Remotes.rotate_token`` (``client.remotes.rotate_token``), which calls this.
    """
    ref = check_remote(remote)
    new = check_token(new_token, "new_token")
    previous = None if previous_token is None else check_token(previous_token, "previous_token")
    if previous == new:
        raise ValueError("new_token and previous_token are the same token: nothing would be rotated")
    tokens = (new,) if previous is None else (new, previous)
    found = await remote_of(remotes, ref, timeout, trace_span)
    # the replications of the remote's own org, so that no org needs configuring (as a cascade delete)
    using: list[Replication] = await replications._of_remote(found, timeout, trace_span)
    using.sort(key=lambda r: (r.name, r.id))
    validated: list[str] = []

    def result(outcome: RotationOutcome, **details: Any) -> RotationResult:
        reason = details.pop("reason", None)
        return RotationResult(
            outcome,
            found.id,
            found.name,
            tuple(r.name for r in using),
            tuple(validated),
            reason=None if reason is None else _scrub(reason, tokens),
            **details,
        )

    def error(text: str) -> RotationError:
        message = _scrub(f"remote {found.name!r} ({found.id}): {text}", tokens)
        return RotationError(message, remote_id=found.id, remote_name=found.name)

    async def set_token(token: str) -> None:
        try:
            await remotes.update(found.id, remote_api_token=token, timeout=timeout, trace_span=trace_span)
        except APIStatusError as exc:  # a server (or proxy) that quotes the body back: no token in the error
            if not any(t in exc.message or t.encode() in (exc.body or b"") for t in tokens):
                raise
            clean = exc.with_message(_scrub(exc.message, tokens))
            for t in tokens:
                clean.body = (clean.body or b"").replace(t.encode(), b"***")
            raise clean from None

    await set_token(new)  # from here on the server writes with the new token (reference 2.5)
    for replication in using:
        label = f"replication {replication.name!r} ({replication.id})"
        try:
            await replications.validate(replication.id, timeout=timeout, trace_span=trace_span)
        except asyncio.CancelledError:  # Ctrl-C mid-proof: the new token is unproven, the old one worked
            if previous is not None:
                with contextlib.suppress(Exception):
                    await asyncio.shield(set_token(previous))
            raise
        except NotFoundError:
            continue  # deleted meanwhile: nothing of it to prove
        except ValidationFailedError as exc:  # the remote refused the test write
            cause, hint = f"{label} failed validation with the new token: {_without_hint(exc)}", exc.hint
        except Exception as exc:  # the server could not tell: the token is not known to be good
            cause, hint = f"{label} could not be validated: {exc}", None
            if previous is None:
                raise error(f"the new token is set, but {cause}; no previous token was given") from exc
        else:
            validated.append(replication.name)
            continue
        if previous is None:
            why = f"{cause}; the new token stays set (no previous token to put back)"
            return result(RotationOutcome.FAILING, failed=replication.name, reason=why, hint=hint)
        try:
            await set_token(previous)
        except Exception as exc:
            raise error(f"{cause}; putting the previous token back failed too: {exc}") from exc
        why = f"{cause}; the previous token was put back"
        return result(RotationOutcome.ROLLED_BACK, failed=replication.name, reason=why, hint=hint)
    if not validated:  # no replication, or every one was deleted meanwhile
        why = (
            f"no replication uses remote {found.name!r}: the new token is set, but nothing could check it "
            "(remotes have no validation endpoint)"
        )
        return result(RotationOutcome.NOT_VERIFIABLE, reason=why)
    return result(RotationOutcome.ROTATED)
