"""client.replications: request shapes and parsed results of every method, and the server's quirks."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx

from influxdb_replications import (
    APIResponseValidationError,
    BadRequestError,
    NotFoundError,
    Replication,
    ReplicationClient,
    ValidationFailedError,
)

from .conftest import (
    BUCKET_ID,
    ORG_ID,
    REMOTE_BUCKET_ID,
    REMOTE_ID,
    REPL_ID,
    MakeClient,
    error_json,
    remote_json,
    replication_json,
)

NEW_REMOTE = "1234567890abcdef"
CREATE_KEYS = {
    "orgID",
    "name",
    "remoteID",
    "localBucketID",
    "maxQueueSizeBytes",
    "maxAgeSeconds",
    "dropNonRetryableData",
}


def body_of(route: respx.Route) -> dict[str, Any]:
    """The JSON body of the last request a route received."""
    data = json.loads(route.calls.last.request.content)
    assert isinstance(data, dict)
    return data


async def test_get_full_model(router: respx.Router, client: ReplicationClient) -> None:
    """get() returns every field the server sends, RemoteBucketName (capital R) included."""
    router.get(f"/api/v2/replications/{REPL_ID}").respond(
        200,
        json=replication_json(
            remoteBucketID=None,
            RemoteBucketName="target",
            latestResponseCode=204,
            latestErrorMessage="",
            description="d",
            maxAgeSeconds=0,
        ),
    )
    assert await client.replications.get(REPL_ID) == Replication(
        id=REPL_ID,
        org_id=ORG_ID,
        name="edge-to-cloud",
        remote_id=REMOTE_ID,
        local_bucket_id=BUCKET_ID,
        remote_bucket_id=None,
        remote_bucket_name="target",
        max_queue_size_bytes=67108860,
        max_age_seconds=0,
        drop_non_retryable_data=False,
        current_queue_size_bytes=8,
        remaining_bytes_to_be_synced=0,
        latest_response_code=204,
        latest_error_message="",
        description="d",
    )


async def test_lower_case_remote_bucket_name_also_read(
    router: respx.Router, client: ReplicationClient
) -> None:
    """The spec's spelling remoteBucketName is read as well."""
    body = replication_json(remoteBucketID=None)
    del body["RemoteBucketName"]
    body["remoteBucketName"] = "target"
    router.get(f"/api/v2/replications/{REPL_ID}").respond(200, json=body)
    assert (await client.replications.get(REPL_ID)).remote_bucket_name == "target"


async def test_missing_optional_fields_are_none(router: respx.Router, client: ReplicationClient) -> None:
    """Fields the server omits (latest*, sizes, maxAgeSeconds on old servers) are None, never UNSET."""
    body = replication_json()
    for key in ("currentQueueSizeBytes", "remainingBytesToBeSynced", "maxAgeSeconds", "RemoteBucketName"):
        del body[key]
    router.get(f"/api/v2/replications/{REPL_ID}").respond(200, json=body)
    got = await client.replications.get(REPL_ID)
    assert got.max_age_seconds is None
    assert got.current_queue_size_bytes is None
    assert got.latest_response_code is None
    assert got.remote_bucket_name is None


@pytest.mark.parametrize(
    "override",
    [{"id": 5}, {"maxQueueSizeBytes": "big"}, {"dropNonRetryableData": "yes"}, {"maxAgeSeconds": True}],
)
async def test_wrong_types_are_validation_errors(
    router: respx.Router, client: ReplicationClient, override: dict[str, Any]
) -> None:
    """A 2xx body with a wrongly typed field is APIResponseValidationError."""
    router.get(f"/api/v2/replications/{REPL_ID}").respond(200, json=replication_json(**override))
    with pytest.raises(APIResponseValidationError):
        await client.replications.get(REPL_ID)


async def test_list_filters(router: respx.Router, client: ReplicationClient) -> None:
    """list() sends orgID plus name, remoteID and localBucketID filters as given."""
    route = router.get("/api/v2/replications").respond(200, json={"replications": [replication_json()]})
    assert [r.id for r in await client.replications.list()] == [REPL_ID]
    assert dict(route.calls.last.request.url.params) == {"orgID": ORG_ID}
    remote = await _remote_model(router, client)
    await client.replications.list(name="n", remote=remote, local_bucket=BUCKET_ID)
    assert dict(route.calls.last.request.url.params) == {
        "orgID": ORG_ID,
        "name": "n",
        "remoteID": REMOTE_ID,
        "localBucketID": BUCKET_ID,
    }


async def _remote_model(router: respx.Router, client: ReplicationClient) -> Any:
    router.get(f"/api/v2/remotes/{REMOTE_ID}").respond(200, json=remote_json())
    return await client.remotes.get(REMOTE_ID)


async def test_list_null_is_empty(router: respx.Router, client: ReplicationClient) -> None:
    """The server's {"replications": null} is []."""
    router.get("/api/v2/replications").respond(200, json={"replications": None})
    assert await client.replications.list() == []


async def test_list_resolves_local_bucket_and_remote_names(
    router: respx.Router, client: ReplicationClient
) -> None:
    """local_bucket and remote given as names are looked up (buckets by orgID+name, remotes by name)."""
    buckets = router.get("/api/v2/buckets").respond(
        200, json={"buckets": [{"id": BUCKET_ID, "name": "local", "retentionRules": []}]}
    )
    remotes = router.get("/api/v2/remotes").respond(200, json={"remotes": [remote_json()]})
    route = router.get("/api/v2/replications").respond(200, json={"replications": []})
    await client.replications.list(local_bucket="local", remote="cloud")
    assert dict(buckets.calls.last.request.url.params) == {"orgID": ORG_ID, "name": "local"}
    assert remotes.calls.last.request.url.params["name"] == "cloud"
    assert route.calls.last.request.url.params["localBucketID"] == BUCKET_ID
    assert route.calls.last.request.url.params["remoteID"] == REMOTE_ID


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, json={"buckets": []}),
        error_json(404, "not found", "bucket not found"),
    ],
    ids=["empty", "404"],
)
async def test_unknown_bucket_name(
    router: respx.Router, client: ReplicationClient, response: httpx.Response
) -> None:
    """A local bucket name that does not exist is NotFoundError naming it; nothing else is sent."""
    router.get("/api/v2/buckets").mock(return_value=response)
    post = router.post("/api/v2/replications").respond(201, json=replication_json())
    with pytest.raises(NotFoundError, match="no-such-bucket"):
        await client.replications.create(
            name="r", remote=REMOTE_ID, local_bucket="no-such-bucket", remote_bucket_id=REMOTE_BUCKET_ID
        )
    assert not post.called


async def test_unknown_remote_name(router: respx.Router, client: ReplicationClient) -> None:
    """A remote name that does not exist is NotFoundError naming it."""
    router.get("/api/v2/remotes").respond(200, json={"remotes": None})
    with pytest.raises(NotFoundError, match="ghost"):
        await client.replications.list(remote="ghost")


async def test_find(router: respx.Router, client: ReplicationClient) -> None:
    """find() lists by exact name and returns the match or None."""
    route = router.get("/api/v2/replications").mock(
        side_effect=[
            httpx.Response(200, json={"replications": [replication_json()]}),
            httpx.Response(200, json={"replications": None}),
        ]
    )
    found = await client.replications.find("edge-to-cloud")
    assert found is not None and found.id == REPL_ID
    assert route.calls.last.request.url.params["name"] == "edge-to-cloud"
    assert await client.replications.find("edge-to-cloud") is None


async def test_create_by_bucket_id(router: respx.Router, client: ReplicationClient) -> None:
    """create() sends the CLI's fields, the bucket ID only, and returns the model."""
    route = router.post("/api/v2/replications").respond(201, json=replication_json())
    created = await client.replications.create(
        name="edge-to-cloud", remote=REMOTE_ID, local_bucket=BUCKET_ID, remote_bucket_id=REMOTE_BUCKET_ID
    )
    assert created.id == REPL_ID
    assert "validate" not in route.calls.last.request.url.params
    assert body_of(route) == {
        "orgID": ORG_ID,
        "name": "edge-to-cloud",
        "remoteID": REMOTE_ID,
        "localBucketID": BUCKET_ID,
        "remoteBucketID": REMOTE_BUCKET_ID,
        "maxQueueSizeBytes": 67108860,
        "maxAgeSeconds": 604800,
        "dropNonRetryableData": False,
    }


async def test_create_by_bucket_name_with_everything(router: respx.Router, client: ReplicationClient) -> None:
    """create() with remote_bucket sends remoteBucketName (never both) and every optional field."""
    route = router.post("/api/v2/replications").respond(
        201, json=replication_json(remoteBucketID=None, RemoteBucketName="target", description="d")
    )
    remote = await _remote_model(router, client)
    created = await client.replications.create(
        name="r",
        remote=remote,
        local_bucket=BUCKET_ID,
        remote_bucket="target",
        max_queue_size_bytes=33554430,
        max_age_seconds=0,
        drop_non_retryable_data=True,
        description="d",
    )
    assert created.remote_bucket_name == "target"
    body = body_of(route)
    assert set(body) == CREATE_KEYS | {"remoteBucketName", "description"}
    assert (body["remoteBucketName"], body["maxQueueSizeBytes"], body["maxAgeSeconds"]) == (
        "target",
        33554430,
        0,
    )
    assert body["dropNonRetryableData"] is True


async def test_update_sends_only_passed_fields(router: respx.Router, client: ReplicationClient) -> None:
    """update() sends only the fields passed; None is "not passed"; description "" is sent."""
    route = router.patch(f"/api/v2/replications/{REPL_ID}").respond(200, json=replication_json())
    await client.replications.update(REPL_ID, max_queue_size_bytes=40_000_000, description="", name=None)
    assert body_of(route) == {"maxQueueSizeBytes": 40_000_000, "description": ""}
    assert "validate" not in route.calls.last.request.url.params
    await client.replications.update(
        REPL_ID, name="n", remote=NEW_REMOTE, max_age_seconds=60, drop_non_retryable_data=False
    )
    assert body_of(route) == {
        "name": "n",
        "remoteID": NEW_REMOTE,
        "maxAgeSeconds": 60,
        "dropNonRetryableData": False,
    }
    await client.replications.update(REPL_ID)
    assert body_of(route) == {}


async def test_update_switch_from_name_to_id(router: respx.Router, client: ReplicationClient) -> None:
    """remote_bucket_id is sent together with remoteBucketName "" so the switch from a name takes effect."""
    route = router.patch(f"/api/v2/replications/{REPL_ID}").respond(200, json=replication_json())
    await client.replications.update(REPL_ID, remote_bucket_id=REMOTE_BUCKET_ID)
    assert body_of(route) == {"remoteBucketID": REMOTE_BUCKET_ID, "remoteBucketName": ""}


async def test_update_to_bucket_name(router: respx.Router, client: ReplicationClient) -> None:
    """remote_bucket alone sends only remoteBucketName (never "", which the CHECK constraint refuses)."""
    route = router.patch(f"/api/v2/replications/{REPL_ID}").respond(200, json=replication_json())
    await client.replications.update(REPL_ID, remote_bucket="target")
    assert body_of(route) == {"remoteBucketName": "target"}


async def test_delete(router: respx.Router, client: ReplicationClient) -> None:
    """delete() sends DELETE /api/v2/replications/{id} and returns None."""
    route = router.delete(f"/api/v2/replications/{REPL_ID}").respond(204)
    await client.replications.delete(REPL_ID)
    assert route.call_count == 1


async def test_validate(router: respx.Router, client: ReplicationClient) -> None:
    """validate() posts /replications/{id}/validate and returns None on 204."""
    route = router.post(f"/api/v2/replications/{REPL_ID}/validate").respond(204)
    await client.replications.validate(REPL_ID)
    assert route.called


async def test_validate_create_sends_validate_true(router: respx.Router, client: ReplicationClient) -> None:
    """validate_create() posts the create body with validate=true exactly and returns None on 204."""
    route = router.post("/api/v2/replications").respond(204)
    await client.replications.validate_create(
        name="r", remote=REMOTE_ID, local_bucket=BUCKET_ID, remote_bucket_id=REMOTE_BUCKET_ID
    )
    assert route.calls.last.request.url.query == b"validate=true"
    assert set(body_of(route)) == CREATE_KEYS | {"remoteBucketID"}


async def test_validate_update_sends_validate_true(router: respx.Router, client: ReplicationClient) -> None:
    """validate_update() patches with validate=true and the same body as update()."""
    route = router.patch(f"/api/v2/replications/{REPL_ID}").respond(204)
    await client.replications.validate_update(REPL_ID, max_queue_size_bytes=40_000_000)
    assert route.calls.last.request.url.query == b"validate=true"
    assert body_of(route) == {"maxQueueSizeBytes": 40_000_000}


async def test_validate_variants_apply_their_own_timeout_and_trace_span(
    router: respx.Router, client: ReplicationClient
) -> None:
    """validate_create/validate_update take create's/update's arguments: timeout= and trace_span= reach the
    request (they are read from the call by name, whatever their order in the signature)."""
    post = router.post("/api/v2/replications").respond(204)
    patch = router.patch(f"/api/v2/replications/{REPL_ID}").respond(204)
    await client.replications.validate_create(
        name="r",
        remote=REMOTE_ID,
        local_bucket=BUCKET_ID,
        remote_bucket_id=REMOTE_BUCKET_ID,
        timeout=httpx.Timeout(1.0, read=4.5),
        trace_span="span-create",
    )
    await client.replications.validate_update(
        REPL_ID, max_queue_size_bytes=40_000_000, timeout=3.5, trace_span="span-update"
    )
    for route, span, read in ((post, "span-create", 4.5), (patch, "span-update", 3.5)):
        request = route.calls.last.request
        assert request.headers["Zap-Trace-Span"] == span
        assert request.extensions["timeout"]["read"] == read


async def test_validate_helpers_want_204(router: respx.Router, client: ReplicationClient) -> None:
    """A validate-only call answered 201 (the server saved it) is APIResponseValidationError, not success."""
    router.post("/api/v2/replications").respond(201, json=replication_json())
    with pytest.raises(APIResponseValidationError, match="204"):
        await client.replications.validate_create(
            name="r", remote=REMOTE_ID, local_bucket=BUCKET_ID, remote_bucket_id=REMOTE_BUCKET_ID
        )


@pytest.mark.parametrize(
    "message",
    [
        "replication parameters fail validation: invalid response code 401, must be 204",
        "validation fails after applying update: boom",
        "replication failed validation: boom",
    ],
)
async def test_validation_failures(router: respx.Router, client: ReplicationClient, message: str) -> None:
    """The three validation prefixes are ValidationFailedError carrying the server's reason."""
    router.post(f"/api/v2/replications/{REPL_ID}/validate").mock(
        return_value=error_json(400, "invalid", message)
    )
    with pytest.raises(ValidationFailedError) as info:
        await client.replications.validate(REPL_ID)
    assert info.value.message.startswith(message)  # a known cause adds its hint at the end


async def test_other_400_stays_bad_request(router: respx.Router, client: ReplicationClient) -> None:
    """A 400 from a validate helper that is not a failed check (unknown bucket) stays BadRequestError."""
    router.post("/api/v2/replications").mock(
        return_value=error_json(400, "invalid", f'local bucket "{BUCKET_ID}" not found: bucket not found')
    )
    with pytest.raises(BadRequestError) as info:
        await client.replications.validate_create(
            name="r", remote=REMOTE_ID, local_bucket=BUCKET_ID, remote_bucket_id=REMOTE_BUCKET_ID
        )
    assert type(info.value) is BadRequestError


async def test_validate_create_by_name_explains(router: respx.Router, client: ReplicationClient) -> None:
    """validate_create(remote_bucket=NAME) that fails says why and what to do instead."""
    router.post("/api/v2/replications").mock(
        return_value=error_json(
            400, "invalid", "replication parameters fail validation: invalid response code 400"
        )
    )
    with pytest.raises(ValidationFailedError, match="remote_bucket_id") as info:
        await client.replications.validate_create(
            name="r", remote=REMOTE_ID, local_bucket=BUCKET_ID, remote_bucket="target"
        )
    assert info.value.message.startswith("replication parameters fail validation")
    assert "validate(id)" in info.value.message


async def test_validate_create_by_id_has_no_note(router: respx.Router, client: ReplicationClient) -> None:
    """validate_create(remote_bucket_id=...) failing carries only the server's reason."""
    message = "replication parameters fail validation: invalid response code 401"
    router.post("/api/v2/replications").mock(return_value=error_json(400, "invalid", message))
    with pytest.raises(ValidationFailedError) as info:
        await client.replications.validate_create(
            name="r", remote=REMOTE_ID, local_bucket=BUCKET_ID, remote_bucket_id=REMOTE_BUCKET_ID
        )
    assert info.value.message == message


@pytest.mark.parametrize(("stored_name", "noted"), [("target", True), ("", False)])
async def test_validate_update_new_bucket_id(
    router: respx.Router, client: ReplicationClient, stored_name: str, noted: bool
) -> None:
    """validate_update(remote_bucket_id=...) on a name-based replication explains the stored name wins."""
    message = "validation fails after applying update: invalid response code 404"
    router.patch(f"/api/v2/replications/{REPL_ID}").mock(return_value=error_json(400, "invalid", message))
    get = router.get(f"/api/v2/replications/{REPL_ID}").respond(
        200, json=replication_json(RemoteBucketName=stored_name)
    )
    with pytest.raises(ValidationFailedError) as info:
        await client.replications.validate_update(REPL_ID, remote_bucket_id=REMOTE_BUCKET_ID)
    assert get.call_count == 1
    assert (info.value.message != message) is noted
    assert info.value.message.startswith(message)


async def test_validate_update_without_bucket_change_does_no_get(
    router: respx.Router, client: ReplicationClient
) -> None:
    """validate_update without remote_bucket_id does not fetch the replication on failure."""
    router.patch(f"/api/v2/replications/{REPL_ID}").mock(
        return_value=error_json(400, "invalid", "validation fails after applying update: x")
    )
    get = router.get(f"/api/v2/replications/{REPL_ID}").respond(200, json=replication_json())
    with pytest.raises(ValidationFailedError):
        await client.replications.validate_update(REPL_ID, remote=NEW_REMOTE)
    assert not get.called


async def test_validate_success_does_no_get(router: respx.Router, make_client: MakeClient) -> None:
    """A successful validate_update with a new bucket ID costs exactly one request."""
    client = make_client()
    patch = router.patch(f"/api/v2/replications/{REPL_ID}").respond(204)
    get = router.get(f"/api/v2/replications/{REPL_ID}").respond(200, json=replication_json())
    await client.replications.validate_update(REPL_ID, remote_bucket_id=REMOTE_BUCKET_ID)
    assert patch.call_count == 1 and not get.called
