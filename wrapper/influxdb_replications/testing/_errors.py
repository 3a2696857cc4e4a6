"""The error a handler raises, and InfluxDB's code-to-status table (reference section 7)."""

from __future__ import annotations

CODE_STATUS: dict[str, int] = {
    "internal error": 500,
    "not implemented": 501,
    "invalid": 400,
    "unprocessable entity": 422,
    "empty value": 400,
    "conflict": 422,
    "not found": 404,
    "unavailable": 503,
    "forbidden": 403,
    "too many requests": 429,
    "unauthorized": 401,
    "method not allowed": 405,
    "request too large": 413,
}

# the code an injected failure carries when the test did not give a body
STATUS_CODE: dict[int, str] = {
    400: "invalid",
    401: "unauthorized",
    403: "forbidden",
    404: "not found",
    405: "method not allowed",
    413: "request too large",
    422: "unprocessable entity",
    429: "too many requests",
    500: "internal error",
    501: "not implemented",
    503: "unavailable",
}


class ApiError(Exception):
    """An InfluxDB error response: `{"code": ..., "message": ...}` with the status its code maps to."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def status(self) -> int:
        """The HTTP status for this code (500 for a code the table does not know)."""
        return CODE_STATUS.get(self.code, 500)


def invalid(message: str) -> ApiError:
    """A 400 with code `invalid`."""
    return ApiError("invalid", message)


def not_found(message: str) -> ApiError:
    """A 404 with code `not found`."""
    return ApiError("not found", message)


def internal(message: str) -> ApiError:
    """A 500 with code `internal error`, the way raw SQLite errors reach the caller."""
    return ApiError("internal error", message)
