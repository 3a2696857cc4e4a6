"""The exceptions raised by the client, and the one place that maps a response to one of them.

The tree::

    InfluxDBError                       base of everything this package raises (besides ValueError
    │                                   for bad arguments and RuntimeError for a closed client)
    ├── APIConnectionError              the request failed in transport (DNS, refused, reset, TLS...);
    │                                   .failure says whether it may have reached the server
    │   └── APITimeoutError             ... because a timeout expired
    ├── APIResponseValidationError      a 2xx whose body is not what the endpoint returns
    ├── APIStatusError                  any non-2xx answer: .status_code, .code, .message
    │   ├── BadRequestError             400
    │   │   └── ValidationFailedError   400 from a validate helper: the check against the remote failed;
    │   │                               .hint says what to change when the cause is a known failure
    │   ├── UnauthorizedError           401 (InfluxDB also uses 401 for "permission missing")
    │   ├── ForbiddenError              403
    │   ├── NotFoundError               404 (also raised for an unknown org, bucket or remote name)
    │   ├── ConflictError               409, and 422 with code "conflict"
    │   │   ├── AlreadyExistsError      500 "UNIQUE constraint failed": the name is taken
    │   │   └── RemoteInUseError        500: a replication still references the remote
    │   ├── UnprocessableEntityError    422
    │   ├── RateLimitError              429 (.retry_after)
    │   └── ServerError                 any other 5xx: the server (or a proxy) failed
    ├── SyncTimeoutError                wait_until_synced ran out of time (also a TimeoutError):
    │                                   .replication and .status hold the last state seen
    │                                   (defined with health, ``resources/health.py``)
    └── ApplyError                      apply stopped part-way: .done (a Plan), .failed (a Change)
                                        (defined with apply, ``operations/apply.py``)

This module only maps an answer to its class. What the hints add is attached where the errors are raised, by
the resources (``resources/hints.py``): the hint of a ``ValidationFailedError`` whose cause is known,
and, for a 500 ``durable queue not found for replication ID "<id>"`` on a list of replications (one
replication without its queue fails them all) or on a delete, a message that names the replication and says
how to recover (the error keeps its class, ``ServerError``).

``AlreadyExistsError`` and ``RemoteInUseError`` arrive as HTTP 500 but are deterministic answers about the
data (reference sections 2.3 and 2.6), so they are conflicts, never ``ServerError`` and never retried.
``ServerError`` means "the server failed".

No message or repr here ever contains the API token: errors keep the method, the URL (which carries no
token), the response headers and the body, never the request headers.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from typing import Any, Protocol, Self

import httpx

__all__ = [
    "HINT_LEAD",
    "APIConnectionError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AlreadyExistsError",
    "BadRequestError",
    "ConflictError",
    "Failure",
    "ForbiddenError",
    "InfluxDBError",
    "NotFoundError",
    "RateLimitError",
    "RemoteInUseError",
    "ServerError",
    "UnauthorizedError",
    "UnprocessableEntityError",
    "ValidationFailedError",
    "append_hint",
    "error_from_response",
]

# What starts the hint sentence at the end of a message.
HINT_LEAD = " Hint: "

# How long a non-JSON body may get inside a message (a proxy's HTML page can be large).
_MAX_TEXT = 200

# 400 messages that mean "the check against the remote failed" (reference section 4).
VALIDATION_PREFIXES = (
    "replication parameters fail validation",
    "validation fails after applying update",
    "replication failed validation",
)
_UNIQUE = "UNIQUE constraint failed"
_REMOTE_IN_USE = "remote-connection cannot be deleted as a replication references it"


class InfluxDBError(Exception):
    """Base class of every error raised by influxdb_replications."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __reduce__(self) -> tuple[Any, ...]:
        # keyword-only constructors do not survive the default pickling of exceptions
        return (_restore, (type(self), self.__dict__.copy()))


def _restore(cls: type[InfluxDBError], state: dict[str, Any]) -> InfluxDBError:
    error = cls.__new__(cls)
    Exception.__init__(error, state.get("message", ""))
    error.__dict__.update(state)
    return error


class Failure(enum.Enum):
    """What a failed attempt tells about the request; the retry table (``core/retry.py``) decides by it."""

    NOT_SENT = "not sent"
    """Nothing reached the server (connect error, connect/pool timeout): any operation may repeat."""
    RETRY_LATER = "retry later"
    """429 or 503: the server refused before doing anything; any operation may repeat."""
    AMBIGUOUS = "ambiguous"
    """The request may or may not have been applied (read timeout, reset, 502, 504)."""
    FINAL = "final"
    """A definite answer (400, 401, 404, 409, 422, 500, ...), a request that cannot be sent as configured,
    or a server certificate the client does not trust (it cannot heal by repeating): never repeated."""


class APIConnectionError(InfluxDBError):
    """The request could not be completed in transport; no HTTP status was received.

    Attributes:
        method: The HTTP method of the request.
        url: The request URL (it never carries the token).
        failure: What the sender knows of the request: ``Failure.NOT_SENT`` (it never left: DNS, refused,
            connect timeout), ``Failure.FINAL`` (it cannot be sent as configured: an unusable URL or
            protocol, an untrusted server certificate) or ``Failure.AMBIGUOUS`` (the default: it may have
            reached the server). The retry table reads it.
    """

    def __init__(
        self, message: str, *, method: str = "", url: str = "", failure: Failure = Failure.AMBIGUOUS
    ) -> None:
        super().__init__(message)
        self.method = method
        self.url = url
        self.failure = failure


class APITimeoutError(APIConnectionError):
    """A connect, read, write or pool timeout expired."""


class APIResponseValidationError(InfluxDBError):
    """A 2xx response whose body does not have the shape the endpoint promises.

    Attributes:
        status_code: The HTTP status of the response.
        body: The raw response body.
    """

    def __init__(self, message: str, *, status_code: int, body: bytes = b"") -> None:
        super().__init__(message)
        self.status_code = status_code
        self.body = body


class APIStatusError(InfluxDBError):
    """The server answered with a non-2xx status.

    Attributes:
        status_code: The HTTP status.
        code: The ``code`` string of InfluxDB's error body, or None when the body had none (a proxy's
            HTML page, an empty body). Kept as a plain string so that unknown codes never fail.
        message: The ``message`` of the error body, or a short excerpt of a non-JSON body.
        method: The HTTP method of the request ("" for errors raised without a request).
        url: The request URL ("" likewise).
        headers: The response headers.
        body: The raw response body.
        retry_after: Seconds the server asked to wait (429/503 with ``Retry-After``), else None.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        code: str | None = None,
        method: str = "",
        url: str = "",
        headers: httpx.Headers | None = None,
        body: bytes = b"",
        retry_after: float | None = None,
    ) -> None:
        self.status_code = status_code
        self.code = code
        self.method = method
        self.url = url
        self.headers = headers if headers is not None else httpx.Headers()
        self.body = body
        self.retry_after = retry_after
        super().__init__(message)

    def __str__(self) -> str:
        where = f" ({self.method} {self.url})" if self.method else ""
        code = f" {self.code}" if self.code else ""
        return f"{self.status_code}{code}: {self.message}{where}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status_code={self.status_code!r}, code={self.code!r}, "
            f"message={self.message!r})"
        )

    def with_message(self, message: str) -> APIStatusError:
        """Return a copy of this error (same class and attributes) with another message."""
        return self._copy(message=message)

    def _copy(self, **changes: Any) -> Self:
        # every attribute is in __dict__ (the message too; see InfluxDBError.__reduce__)
        return _restore(type(self), {**self.__dict__, **changes})  # type: ignore[return-value]


class BadRequestError(APIStatusError):
    """400: the server refused the request (bad field, unknown local bucket or remote, ...)."""


class ValidationFailedError(BadRequestError):
    """400 from a validate helper: the server could not write to the remote with these settings.

    Attributes:
        hint: One sentence saying what to change, when the cause is a known failure (the validate helpers
            attach it, from ``resources/hints.py``); it also ends the message. None when the cause matches
            no known failure.
    """

    def __init__(self, message: str, *, hint: str | None = None, **fields: Any) -> None:
        """``fields`` are APIStatusError's (status_code, code, method, url, headers, body, retry_after)."""
        self.hint = hint
        super().__init__(append_hint(message, hint), **fields)

    def with_message(self, message: str) -> ValidationFailedError:
        """Return a copy with another message; the hint stays, at the end of the message."""
        return self._copy(message=append_hint(message, self.hint))

    def with_hint(self, hint: str) -> ValidationFailedError:
        """Return a copy whose hint is ``hint``, in place of the one at the end of the message."""
        message = self.message
        if self.hint is not None and message.endswith(HINT_LEAD + self.hint):
            message = message[: -len(HINT_LEAD + self.hint)]
        return self._copy(message=append_hint(message, hint), hint=hint)


class UnauthorizedError(APIStatusError):
    """401: bad token, or (InfluxDB's way) a missing permission."""


class ForbiddenError(APIStatusError):
    """403: the token's user is inactive."""


class NotFoundError(APIStatusError):
    """404: the object does not exist (also for an unknown org, bucket or remote name)."""


class ConflictError(APIStatusError):
    """409, or 422 with code "conflict": the request conflicts with stored data."""


class AlreadyExistsError(ConflictError):
    """An object with this name already exists in the org (the server's 500 "UNIQUE constraint failed")."""


class RemoteInUseError(ConflictError):
    """The remote cannot be deleted because a replication references it (the server answers 500)."""


class UnprocessableEntityError(APIStatusError):
    """422: e.g. neither a remote bucket ID nor a name."""


class RateLimitError(APIStatusError):
    """429: too many requests; ``retry_after`` says how long to wait, when the server said so."""


class ServerError(APIStatusError):
    """5xx: the server or a proxy in front of it failed."""


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: UnauthorizedError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def error_class(status_code: int, code: str | None, message: str) -> type[APIStatusError]:
    """Choose the exception class for a non-2xx answer: the status first, then the body's code/message."""
    if status_code == 400 and message.startswith(VALIDATION_PREFIXES):
        return ValidationFailedError
    if status_code == 422 and code == "conflict":
        return ConflictError
    if status_code == 500:
        # Both arrive as 500 "internal error" with the raw text as message (reference 1.4, 2.3, 2.6).
        if _UNIQUE in message:
            return AlreadyExistsError
        if message.startswith(_REMOTE_IN_USE):
            return RemoteInUseError
    cls = _BY_STATUS.get(status_code)
    if cls is not None:
        return cls
    if status_code >= 500:
        return ServerError
    return APIStatusError


def parse_error_body(content: bytes, reason: str) -> tuple[str | None, str]:
    """Return (code, message) from an error body, whatever it contains; never raises."""
    data: Any = None
    if content[:1] in (b"{", b" ", b"\t", b"\n", b"\r"):
        try:
            data = json.loads(content)
        except ValueError:  # JSONDecodeError and UnicodeDecodeError are both ValueErrors
            data = None
    if isinstance(data, dict):
        code = data.get("code")
        message = data.get("message")
        code_s = code if isinstance(code, str) and code else None
        if isinstance(message, str) and message:
            return code_s, message
        return code_s, reason or "(no message)"
    text = content[:_MAX_TEXT].decode("utf-8", "replace").strip()
    if len(content) > _MAX_TEXT:
        text += "..."
    return None, text or reason or "(no message)"


class _Answer(Protocol):
    """What error_from_response reads of an answer (the senders' ``Reply``)."""

    reason: str
    headers: Mapping[str, str]
    method: str

    @property
    def status(self) -> int: ...

    @property
    def body(self) -> bytes: ...

    @property
    def url(self) -> str: ...


def error_from_response(
    response: _Answer,
    *,
    retry_after: float | None = None,
    secret: str | None = None,
    error_body: tuple[str | None, str | None] | None = None,
) -> APIStatusError:
    """Build the typed error for a non-2xx response.

    Args:
        response: The response, with its whole body.
        retry_after: The parsed ``Retry-After`` value, if any.
        secret: A string (the token) that must never appear in the message; it is masked if present.
        error_body: The body's ``code`` and ``message`` when the caller decoded it already (the generated
            ``Error`` model); the body is not decoded a second time then.

    Returns:
        The APIStatusError subclass instance for this status, code and message.
    """
    if error_body is None:
        code, message = parse_error_body(response.body, response.reason)
    else:
        code = error_body[0] or None
        message = error_body[1] or response.reason or "(no message)"
    if secret and secret in message:
        message = message.replace(secret, "***")
    cls = error_class(response.status, code, message)
    error = cls(
        message,
        status_code=response.status,
        code=code,
        method=response.method,
        url=response.url,
        headers=httpx.Headers(list(response.headers.items())),
        body=response.body,
        retry_after=retry_after,
    )
    return error


def append_hint(message: str, hint: str | None) -> str:
    """The message with the hint as its last sentence (unchanged without a hint, or when it ends so)."""
    if hint is None or message.endswith(hint):
        return message
    return message + ("" if message.endswith(".") else ".") + HINT_LEAD + hint
