"""Response writers that reproduce the server's byte-level output (reference sections 1.1 and 1.4)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ._errors import ApiError
from ._jsonio import encode, encode_compact

JSON_TYPE = "application/json; charset=utf-8"


def ok(obj: Any, status: int = 200) -> web.Response:
    """A success body: tab-indented JSON without a trailing newline."""
    return web.Response(status=status, body=encode(obj), headers={"Content-Type": JSON_TYPE})


def no_content() -> web.Response:
    """204: no body and no Content-Type."""
    return web.Response(status=204)


def error(exc: ApiError) -> web.Response:
    """An error body `{"code","message"}`, tab-indented, with `X-Platform-Error-Code`."""
    body = encode({"code": exc.code, "message": exc.message})
    headers = {"Content-Type": JSON_TYPE, "X-Platform-Error-Code": exc.code}
    return web.Response(status=exc.status, body=body, headers=headers)


def unauthenticated() -> web.Response:
    """The authentication middleware's 401: compact JSON, a different writer from `error`."""
    body = encode_compact({"code": "unauthorized", "message": "unauthorized access"})
    headers = {"Content-Type": JSON_TYPE, "X-Platform-Error-Code": "unauthorized"}
    return web.Response(status=401, body=body, headers=headers)


def page_not_found() -> web.Response:
    """chi's default 404 for an unknown sub-path of a feature router: plain text."""
    headers = {"Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff"}
    return web.Response(status=404, body=b"404 page not found\n", headers=headers)


def bare_method_not_allowed() -> web.Response:
    """chi's default 405 for a feature router: no body at all."""
    return web.Response(status=405, body=b"")
