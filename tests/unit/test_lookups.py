"""The org and bucket look-ups (resources/lookups.py): through the request path; the org ID once a client."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import respx

from influxdb_replications import APIResponseValidationError, NotFoundError, ServerError
from influxdb_replications.core.client import Core
from influxdb_replications.resources.lookups import resolve_bucket_id, resolve_org_id

from .conftest import BUCKET_ID, ORG_ID, MakeClient, Sleeps, error_json


async def test_a_given_org_id_needs_no_request(router: respx.Router, make_client: MakeClient) -> None:
    """With org_id= the look-up returns it and sends nothing."""
    client = make_client(org_id=ORG_ID)
    assert await resolve_org_id(client, None, None) == ORG_ID
    assert router.calls.call_count == 0


async def test_the_org_id_is_looked_up_once_and_kept_on_the_core(
    router: respx.Router, make_client: MakeClient
) -> None:
    """Concurrent first look-ups share one GET /orgs; the core keeps the answer (client.org_id shows it)."""
    orgs = router.get("/api/v2/orgs", params={"org": "acme"}).respond(
        200, json={"orgs": [{"id": "ffffffffffffffff", "name": "other"}, {"id": ORG_ID, "name": "acme"}]}
    )
    client = make_client(org="acme")
    assert client.org_id is None
    found = await asyncio.gather(*(resolve_org_id(client, None, None) for _ in range(4)))
    assert found == [ORG_ID] * 4 and orgs.call_count == 1
    assert client.org_id == ORG_ID
    assert await resolve_org_id(client, None, None) == ORG_ID and orgs.call_count == 1


async def test_without_an_org_the_look_up_is_a_value_error(make_client: MakeClient) -> None:
    """Neither org nor org_id: ValueError naming both, before any request."""
    with pytest.raises(ValueError, match=r"org=.*org_id="):
        await resolve_org_id(make_client(org_id=None), None, None)


async def test_a_failed_org_look_up_is_retried_and_not_kept(
    router: respx.Router, make_client: MakeClient, sleeps: Sleeps
) -> None:
    """orgs.lookup is SAFE: a 503 is retried; a look-up that fails keeps nothing, the next call asks again."""
    orgs = router.get("/api/v2/orgs").mock(
        side_effect=[
            httpx.Response(503),
            httpx.Response(503),
            httpx.Response(503),
            httpx.Response(503),
            httpx.Response(200, json={"orgs": [{"id": ORG_ID, "name": "acme"}]}),
        ]
    )
    client = make_client(org="acme")
    with pytest.raises(ServerError):
        await resolve_org_id(client, None, None)
    assert client.org_id is None and orgs.call_count == 4 and len(sleeps.calls) == 3
    assert await resolve_org_id(client, None, None) == ORG_ID


async def test_a_bucket_is_found_by_name_in_the_clients_org(
    router: respx.Router, make_client: MakeClient
) -> None:
    """GET /buckets?orgID=&name= and the ID of the bucket with exactly that name."""
    buckets = router.get("/api/v2/buckets").respond(
        200, json={"buckets": [{"id": BUCKET_ID, "name": "local", "retentionRules": []}]}
    )
    assert await resolve_bucket_id(make_client(), "local", 2.0, "span-1") == BUCKET_ID
    request = buckets.calls.last.request
    assert dict(request.url.params) == {"orgID": ORG_ID, "name": "local"}
    assert request.headers["Zap-Trace-Span"] == "span-1"


@pytest.mark.parametrize(
    "response",
    [
        error_json(404, "not found", 'bucket "ghost" not found'),
        httpx.Response(200, json={"buckets": []}),
        httpx.Response(200, json={"buckets": None}),
        httpx.Response(200, json={"buckets": [{"id": BUCKET_ID, "name": "other", "retentionRules": []}]}),
    ],
    ids=["404", "empty", "null", "other-name"],
)
async def test_an_unknown_bucket_is_one_not_found_error(
    router: respx.Router, make_client: MakeClient, response: httpx.Response
) -> None:
    """A 404, an empty or null list and a list without the name are the same NotFoundError naming both."""
    router.get("/api/v2/buckets").mock(return_value=response)
    with pytest.raises(NotFoundError) as caught:
        await resolve_bucket_id(make_client(), "ghost", None, None)
    assert caught.value.message == f"bucket 'ghost' not found in org {ORG_ID}"
    assert caught.value.status_code == 404


async def test_a_found_id_that_is_not_an_id_is_a_value_error(
    router: respx.Router, make_client: MakeClient
) -> None:
    """A matching entry whose ID is not 16 hex digits is refused (ValueError), not sent on."""
    router.get("/api/v2/buckets").respond(
        200, json={"buckets": [{"id": "xyz", "name": "local", "retentionRules": []}]}
    )
    with pytest.raises(APIResponseValidationError, match="16 hex digits"):
        await resolve_bucket_id(make_client(), "local", None, None)


def test_the_core_holds_no_look_up() -> None:
    """The look-ups are the resources'; the core only keeps the org ID they resolve."""
    for name in ("_resolve_org_id", "_lookup_org", "_resolve_bucket_id", "_lookup"):
        assert not hasattr(Core, name), name
