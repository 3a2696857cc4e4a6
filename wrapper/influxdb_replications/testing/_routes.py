"""Routing of the fake's requests to handlers, and the answers of injected faults (reference 1.1)."""

from __future__ import annotations

import http
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web

from ._api import ManagementApi
from ._bodies import Call
from ._errors import STATUS_CODE, ApiError
from ._faults import Fault
from ._http import JSON_TYPE, bare_method_not_allowed, error, page_not_found
from ._jsonio import encode
from ._platform import PlatformApi

Handler = Callable[[], Awaitable[web.Response]]


async def route(
    mgmt: ManagementApi, plat: PlatformApi, call: Call, method: str, path: str, encoding: str
) -> web.Response:
    """Dispatch an authenticated /api/v2 request to its handler; unknown paths are the server's 404s."""
    parts = path.strip("/").split("/")
    if parts[:2] != ["api", "v2"] or len(parts) < 3:
        raise ApiError("not found", "path not found")
    feature, rest = parts[2], parts[3:]
    table: dict[str, Handler]
    if feature in ("remotes", "replications"):
        if feature == "remotes":
            table = _remote_routes(mgmt, call, rest)
        else:
            table = _replication_routes(mgmt, call, rest)
        if not table:
            return page_not_found()
        handler = table.get(method)
        return await handler() if handler else bare_method_not_allowed()
    if feature == "orgs" and len(rest) <= 1:
        table = {"GET": (lambda: plat.get_org(call, rest[0])) if rest else (lambda: plat.list_orgs(call))}
    elif feature == "buckets" and not rest:
        table = {"GET": lambda: plat.list_buckets(call), "POST": lambda: plat.create_bucket(call)}
    elif feature == "buckets" and len(rest) == 1:
        table = {
            "GET": lambda: plat.get_bucket(call, rest[0]),
            "DELETE": lambda: plat.delete_bucket(call, rest[0]),
        }
    elif feature == "write" and not rest:
        table = {"POST": lambda: plat.write(call, encoding)}
    else:
        raise ApiError("not found", "path not found")
    handler = table.get(method)
    return await handler() if handler else api_method_not_allowed(table)


def _remote_routes(mgmt: ManagementApi, call: Call, rest: list[str]) -> dict[str, Handler]:
    if not rest:
        return {"GET": lambda: mgmt.list_remotes(call), "POST": lambda: mgmt.create_remote(call)}
    if len(rest) == 1:
        rid = rest[0]
        return {
            "GET": lambda: mgmt.get_remote(call, rid),
            "PATCH": lambda: mgmt.update_remote(call, rid),
            "DELETE": lambda: mgmt.delete_remote(call, rid),
        }
    return {}  # e.g. POST /remotes/{id}/validate does not exist


def _replication_routes(mgmt: ManagementApi, call: Call, rest: list[str]) -> dict[str, Handler]:
    if not rest:
        return {"GET": lambda: mgmt.list_replications(call), "POST": lambda: mgmt.create_replication(call)}
    rid = rest[0]
    if len(rest) == 1:
        return {
            "GET": lambda: mgmt.get_replication(call, rid),
            "PATCH": lambda: mgmt.update_replication(call, rid),
            "DELETE": lambda: mgmt.delete_replication(call, rid),
        }
    if len(rest) == 2 and rest[1] == "validate":
        return {"POST": lambda: mgmt.validate_replication(call, rid)}
    return {}


def api_method_not_allowed(table: Mapping[str, object]) -> web.Response:
    """The main API router's JSON 405 (outside the remotes/replications routers)."""
    return error(ApiError("method not allowed", "allow: " + ", ".join(sorted(table))))


def failure(fault: Fault) -> web.Response:
    headers: dict[str, str] = {}
    if fault.retry_after is not None:
        headers["Retry-After"] = fault.retry_after
    if fault.body is not None:
        headers["Content-Type"] = fault.content_type or "text/plain; charset=utf-8"
        return web.Response(status=fault.status, body=fault.body, headers=headers)
    code = STATUS_CODE.get(fault.status, "internal error")
    try:
        phrase = http.HTTPStatus(fault.status).phrase
    except ValueError:
        phrase = "unknown status"
    headers.update({"Content-Type": JSON_TYPE, "X-Platform-Error-Code": code})
    body = encode({"code": code, "message": f"injected fault: {fault.status} {phrase}"})
    return web.Response(status=fault.status, body=body, headers=headers)


def drop(request: web.Request) -> web.Response:
    """Abort the connection; aiohttp then has nowhere to write the response it is given."""
    if request.transport is not None:
        request.transport.abort()
    return web.Response(status=500)
