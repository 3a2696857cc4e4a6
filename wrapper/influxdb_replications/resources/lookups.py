"""The org and bucket look-ups: names the API wants as IDs, found through the core's one request path.

``resolve_org_id`` gives the client's org ID: the one given, or the one its name resolves to, looked up once
per client (the core keeps it; ``client.org_id`` shows it). ``resolve_bucket_id`` finds a local bucket of
that org by name. Both take the core and are what the resources and ``plan`` call.
"""

# `timeout=` is an httpx timeout per request, not an asyncio deadline: ASYNC109 does not apply.
# ruff: noqa: ASYNC109

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import httpx

from influxdb_replications_api.api.buckets import get_buckets
from influxdb_replications_api.api.organizations import get_orgs
from influxdb_replications_api.models.buckets import Buckets
from influxdb_replications_api.models.error import Error
from influxdb_replications_api.models.organizations import Organizations

from ..core.args import check_id
from ..core.errors import NotFoundError

if TYPE_CHECKING:
    from ..core.client import Call, Core

__all__ = ["resolve_bucket_id", "resolve_org_id"]

T = TypeVar("T")
Timeout = float | httpx.Timeout | None


async def resolve_org_id(core: Core, timeout: Timeout, trace_span: str | None) -> str:
    """The client's org ID: given, or looked up by name once (concurrent first calls share one look-up).

    Raises:
        ValueError: the client has neither an org nor an org ID.
        NotFoundError: no org has that name (the message names it).
    """
    known = core.org_id
    if known is not None:  # given, or resolved before
        return known

    async def look_up(name: str) -> str:
        # the server answers an unknown name with 404 `organization name "x" not found`
        def pick(page: Organizations) -> str | None:
            return _id_named(name, [(org.name, org.id) for org in page.orgs or ()])

        return await _lookup(
            core,
            "orgs.lookup",
            lambda c, span: get_orgs.asyncio_detailed(client=c, org=name, zap_trace_span=span),
            pick,
            f"organization {name!r} not found",
            timeout,
            trace_span,
        )

    return await core._org_id_once(look_up)


async def resolve_bucket_id(core: Core, bucket: str, timeout: Timeout, trace_span: str | None) -> str:
    """Look a local bucket up by name in the client's org; NotFoundError if there is none."""
    org_id = await resolve_org_id(core, timeout, trace_span)

    def pick(page: Buckets) -> str | None:
        return _id_named(bucket, [(item.name, item.id) for item in page.buckets or ()])

    return await _lookup(
        core,
        "buckets.lookup",
        lambda c, span: get_buckets.asyncio_detailed(
            client=c, org_id=org_id, name=bucket, zap_trace_span=span
        ),
        pick,
        f"bucket {bucket!r} not found in org {org_id}",
        timeout,
        trace_span,
    )


async def _lookup(
    core: Core,
    op: str,
    call: Call[T | Error],
    pick: Callable[[T], str | None],
    not_found: str,
    timeout: Timeout,
    trace_span: str | None,
) -> str:
    """The ID that ``pick`` finds in the list answer of ``call``; else NotFoundError.

    A 404 (how the server answers an unknown org or bucket name), a null list and a list without that
    name all become the same NotFoundError with ``not_found`` as its message.
    """
    try:
        found = await core._request(op, call, parse=pick, timeout=timeout, trace_span=trace_span)
    except NotFoundError as exc:
        raise exc.with_message(not_found) from None
    if found is None:
        raise NotFoundError(not_found, status_code=404, code="not found")
    return found


def _id_named(wanted: str, items: list[tuple[str | None, str | None]]) -> str | None:
    """The ID of the first (name, ID) pair named ``wanted``; ValueError if that ID is not 16 hex digits."""
    for name, item_id in items:
        if name == wanted:
            return check_id(item_id, "id")
    return None
