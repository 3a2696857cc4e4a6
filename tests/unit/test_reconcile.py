"""create after an ambiguous failure: look the name up, return a match, refuse a difference, or send again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx

from influxdb_replications import (
    AlreadyExistsError,
    APITimeoutError,
    RemoteConnection,
    Replication,
    ReplicationClient,
    RetryPolicy,
    ServerError,
)

from .conftest import (
    BUCKET_ID,
    ORG_ID,
    REMOTE_BUCKET_ID,
    REMOTE_ID,
    MakeClient,
    error_json,
    remote_json,
    replication_json,
)

UNIQUE_REMOTE = "UNIQUE constraint failed: remotes.org_id, remotes.name"
UNIQUE_REPL = "UNIQUE constraint failed: replications.org_id, replications.name"
AMBIGUOUS: dict[str, Callable[[], Any]] = {
    "read-timeout": lambda: httpx.ReadTimeout("lost"),
    "reset": lambda: httpx.RemoteProtocolError("Server disconnected without sending a response."),
    "502": lambda: httpx.Response(502, content=b"<html>bad gateway</html>"),
    "504": lambda: httpx.Response(504),
}


async def create_remote(client: ReplicationClient) -> RemoteConnection:
    """The remote create used by these tests (matches remote_json())."""
    return await client.remotes.create(
        name="cloud",
        remote_url="https://cloud.example:8086",
        remote_api_token="t",
        remote_org_id="0c0c0c0c0c0c0c0c",
    )


@pytest.mark.parametrize("failure", list(AMBIGUOUS))
async def test_match_is_returned(router: respx.Router, client: ReplicationClient, failure: str) -> None:
    """After an ambiguous failure, an existing remote equal to what was asked is returned."""
    post = router.post("/api/v2/remotes").mock(side_effect=[AMBIGUOUS[failure]()])
    lookup = router.get("/api/v2/remotes").respond(200, json={"remotes": [remote_json()]})
    created = await create_remote(client)
    assert created == (await client.remotes.list())[0]
    assert post.call_count == 1
    assert dict(lookup.calls[0].request.url.params) == {"orgID": ORG_ID, "name": "cloud"}


async def test_difference_is_already_exists_naming_fields(
    router: respx.Router, client: ReplicationClient
) -> None:
    """An existing remote that differs raises AlreadyExistsError naming the differing fields."""
    router.post("/api/v2/remotes").mock(side_effect=[httpx.ReadTimeout("lost")])
    router.get("/api/v2/remotes").respond(
        200, json={"remotes": [remote_json(remoteURL="https://elsewhere.example", allowInsecureTLS=True)]}
    )
    with pytest.raises(AlreadyExistsError, match="remote_url, allow_insecure_tls"):
        await create_remote(client)


async def test_not_found_is_sent_again(router: respx.Router, client: ReplicationClient) -> None:
    """When the look-up finds nothing the create is sent again and its answer returned."""
    post = router.post("/api/v2/remotes").mock(
        side_effect=[httpx.Response(504), httpx.Response(201, json=remote_json(id="1111111111111111"))]
    )
    lookup = router.get("/api/v2/remotes").respond(200, json={"remotes": None})
    created = await create_remote(client)
    assert created.id == "1111111111111111"
    assert post.call_count == 2 and lookup.call_count == 1


async def test_already_exists_on_retry_goes_through_lookup(
    router: respx.Router, client: ReplicationClient
) -> None:
    """An AlreadyExistsError on a retry after an ambiguous attempt is resolved by the same look-up."""
    router.post("/api/v2/remotes").mock(
        side_effect=[httpx.ReadTimeout("lost"), error_json(500, "internal error", UNIQUE_REMOTE)]
    )
    lookup = router.get("/api/v2/remotes").mock(
        side_effect=[
            httpx.Response(200, json={"remotes": None}),  # the first attempt had not landed yet...
            httpx.Response(200, json={"remotes": [remote_json()]}),  # ...but it did meanwhile
        ]
    )
    created = await create_remote(client)
    assert created.id == REMOTE_ID
    assert lookup.call_count == 2


async def test_already_exists_on_retry_with_difference(
    router: respx.Router, client: ReplicationClient
) -> None:
    """An AlreadyExistsError on a retry, for an object that differs, names the fields."""
    router.post("/api/v2/remotes").mock(
        side_effect=[httpx.ReadTimeout("lost"), error_json(500, "internal error", UNIQUE_REMOTE)]
    )
    router.get("/api/v2/remotes").mock(
        side_effect=[
            httpx.Response(200, json={"remotes": None}),
            httpx.Response(200, json={"remotes": [remote_json(remoteOrgID=None)]}),
        ]
    )
    with pytest.raises(AlreadyExistsError, match="remote_org_id"):
        await create_remote(client)


async def test_already_exists_on_first_attempt_is_plain(
    router: respx.Router, client: ReplicationClient
) -> None:
    """A duplicate name on the first attempt is AlreadyExistsError at once, without a look-up."""
    post = router.post("/api/v2/remotes").mock(return_value=error_json(500, "internal error", UNIQUE_REMOTE))
    lookup = router.get("/api/v2/remotes")
    with pytest.raises(AlreadyExistsError) as info:
        await create_remote(client)
    assert info.value.status_code == 500 and info.value.message == UNIQUE_REMOTE
    assert post.call_count == 1 and not lookup.called


async def test_already_exists_after_plain_retry_has_no_lookup(
    router: respx.Router, client: ReplicationClient
) -> None:
    """After a connect error nothing reached the server, so a duplicate name on the retry is real."""
    router.post("/api/v2/remotes").mock(
        side_effect=[httpx.ConnectError("refused"), error_json(500, "internal error", UNIQUE_REMOTE)]
    )
    lookup = router.get("/api/v2/remotes")
    with pytest.raises(AlreadyExistsError):
        await create_remote(client)
    assert not lookup.called


async def test_plain_500_is_not_retried(router: respx.Router, client: ReplicationClient) -> None:
    """A create answered 500 (not a duplicate) is ServerError after one request."""
    post = router.post("/api/v2/remotes").mock(
        return_value=error_json(500, "internal error", "telemetry failed")
    )
    with pytest.raises(ServerError):
        await create_remote(client)
    assert post.call_count == 1


async def test_no_attempt_left_no_lookup(router: respx.Router, make_client: MakeClient) -> None:
    """With max_attempts=1 an ambiguous failure is raised as is."""
    router.post("/api/v2/remotes").mock(side_effect=httpx.ReadTimeout("lost"))
    lookup = router.get("/api/v2/remotes")
    with pytest.raises(APITimeoutError):
        await create_remote(make_client(retry=RetryPolicy(max_attempts=1)))
    assert not lookup.called


async def test_failed_lookup_is_retried(router: respx.Router, client: ReplicationClient) -> None:
    """A look-up that fails transiently is repeated before anything is sent again."""
    post = router.post("/api/v2/remotes").mock(side_effect=[httpx.ReadTimeout("lost")])
    lookup = router.get("/api/v2/remotes").mock(
        side_effect=[httpx.Response(503), httpx.Response(200, json={"remotes": [remote_json()]})]
    )
    await create_remote(client)
    assert post.call_count == 1 and lookup.call_count == 2


async def test_attempts_bound_lookups_and_resends(router: respx.Router, client: ReplicationClient) -> None:
    """Look-ups and re-sends share max_attempts: the last ambiguous failure is raised."""
    post = router.post("/api/v2/remotes").mock(side_effect=lambda request: httpx.Response(504))
    lookup = router.get("/api/v2/remotes").respond(200, json={"remotes": None})
    with pytest.raises(ServerError):
        await create_remote(client)
    assert post.call_count == 4 and lookup.call_count == 3


# ------------------------------------------------------------------ replications


async def create_replication(client: ReplicationClient, **override: str | None) -> Replication:
    """The replication create used here (matches replication_json())."""
    kwargs: dict[str, str | None] = {"remote_bucket_id": REMOTE_BUCKET_ID, **override}
    return await client.replications.create(
        name="edge-to-cloud",
        remote=REMOTE_ID,
        local_bucket=BUCKET_ID,
        remote_bucket=kwargs.get("remote_bucket"),
        remote_bucket_id=kwargs.get("remote_bucket_id"),
    )


async def test_replication_match_is_returned(router: respx.Router, client: ReplicationClient) -> None:
    """A replication created by the lost attempt is returned (the sizes and latest* are not compared)."""
    router.post("/api/v2/replications").mock(side_effect=[httpx.Response(502)])
    found = replication_json(currentQueueSizeBytes=100, latestResponseCode=204, latestErrorMessage="")
    router.get("/api/v2/replications").respond(200, json={"replications": [found]})
    created = await create_replication(client)
    assert created.id == found["id"]


async def test_replication_by_name_match(router: respx.Router, client: ReplicationClient) -> None:
    """A name-based create matches a found replication with RemoteBucketName and a null bucket ID."""
    router.post("/api/v2/replications").mock(side_effect=[httpx.ReadTimeout("lost")])
    found = replication_json(remoteBucketID=None, RemoteBucketName="target")
    router.get("/api/v2/replications").respond(200, json={"replications": [found]})
    created = await create_replication(client, remote_bucket_id=None, remote_bucket="target")
    assert created.remote_bucket_name == "target"


async def test_replication_difference(router: respx.Router, client: ReplicationClient) -> None:
    """A found replication with other settings raises AlreadyExistsError naming them."""
    router.post("/api/v2/replications").mock(side_effect=[httpx.ReadTimeout("lost")])
    found = replication_json(maxQueueSizeBytes=33554430, description="other")
    router.get("/api/v2/replications").respond(200, json={"replications": [found]})
    with pytest.raises(AlreadyExistsError, match="max_queue_size_bytes, description"):
        await create_replication(client)


async def test_replication_not_found_is_sent_again(router: respx.Router, client: ReplicationClient) -> None:
    """Nothing found after a reset: the replication create is sent again."""
    post = router.post("/api/v2/replications").mock(
        side_effect=[httpx.RemoteProtocolError("reset"), httpx.Response(201, json=replication_json())]
    )
    router.get("/api/v2/replications").respond(200, json={"replications": None})
    await create_replication(client)
    assert post.call_count == 2


async def test_replication_already_exists_on_retry(router: respx.Router, client: ReplicationClient) -> None:
    """A UNIQUE failure on the re-sent replication create is resolved by a look-up."""
    router.post("/api/v2/replications").mock(
        side_effect=[httpx.Response(504), error_json(500, "internal error", UNIQUE_REPL)]
    )
    router.get("/api/v2/replications").mock(
        side_effect=[
            httpx.Response(200, json={"replications": []}),
            httpx.Response(200, json={"replications": [replication_json()]}),
        ]
    )
    created = await create_replication(client)
    assert created.name == "edge-to-cloud"
