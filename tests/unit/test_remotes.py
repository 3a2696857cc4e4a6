"""client.remotes: request shapes and parsed results of every method."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx

from influxdb_replications import NotFoundError, RemoteConnection, RemoteInUseError, ReplicationClient

from .conftest import ORG_ID, REMOTE_ID, REMOTE_ORG_ID, REPL_ID, error_json, remote_json, replication_json


def body_of(route: respx.Route) -> dict[str, Any]:
    """The JSON body of the last request a route received."""
    data = json.loads(route.calls.last.request.content)
    assert isinstance(data, dict)
    return data


async def test_list_sends_org_and_filters(router: respx.Router, client: ReplicationClient) -> None:
    """list() sends orgID and only the filters given, and returns RemoteConnection models."""
    route = router.get("/api/v2/remotes").respond(200, json={"remotes": [remote_json(description="d")]})
    remotes = await client.remotes.list()
    assert dict(route.calls.last.request.url.params) == {"orgID": ORG_ID}
    assert remotes == [
        RemoteConnection(
            id=REMOTE_ID,
            org_id=ORG_ID,
            name="cloud",
            remote_url="https://cloud.example:8086",
            remote_org_id=REMOTE_ORG_ID,
            allow_insecure_tls=False,
            description="d",
        )
    ]
    await client.remotes.list(name="cloud", remote_url="https://cloud.example:8086")
    assert dict(route.calls.last.request.url.params) == {
        "orgID": ORG_ID,
        "name": "cloud",
        "remoteURL": "https://cloud.example:8086",
    }


@pytest.mark.parametrize("body", [{"remotes": None}, {"remotes": []}, {}])
async def test_list_null_is_empty(
    router: respx.Router, client: ReplicationClient, body: dict[str, Any]
) -> None:
    """The server's {"remotes": null} (and an empty or absent list) is []."""
    router.get("/api/v2/remotes").respond(200, json=body)
    assert await client.remotes.list() == []


async def test_get(router: respx.Router, client: ReplicationClient) -> None:
    """get() fetches /api/v2/remotes/{id}; remoteOrgID null and no description become None."""
    route = router.get(f"/api/v2/remotes/{REMOTE_ID}").respond(200, json=remote_json(remoteOrgID=None))
    remote = await client.remotes.get(REMOTE_ID.upper())
    assert route.called
    assert remote.remote_org_id is None
    assert remote.description is None


async def test_find(router: respx.Router, client: ReplicationClient) -> None:
    """find() lists by name and returns the match or None."""
    route = router.get("/api/v2/remotes").mock(
        side_effect=[
            httpx.Response(200, json={"remotes": [remote_json()]}),
            httpx.Response(200, json={"remotes": None}),
        ]
    )
    assert (await client.remotes.find("cloud")) is not None
    assert route.calls.last.request.url.params["name"] == "cloud"
    assert await client.remotes.find("cloud") is None


async def test_create_body(router: respx.Router, client: ReplicationClient) -> None:
    """create() posts exactly the fields of the request, token included, and returns the model."""
    route = router.post("/api/v2/remotes").respond(201, json=remote_json(description="d"))
    created = await client.remotes.create(
        name="cloud",
        remote_url="https://cloud.example:8086",
        remote_api_token="remote-token",
        remote_org_id=REMOTE_ORG_ID,
        description="d",
    )
    assert created.id == REMOTE_ID
    assert body_of(route) == {
        "orgID": ORG_ID,
        "name": "cloud",
        "remoteURL": "https://cloud.example:8086",
        "remoteAPIToken": "remote-token",
        "remoteOrgID": REMOTE_ORG_ID,
        "allowInsecureTLS": False,
        "description": "d",
    }


async def test_create_minimal_body(router: respx.Router, client: ReplicationClient) -> None:
    """Without remote_org_id and description, neither key is sent."""
    route = router.post("/api/v2/remotes").respond(201, json=remote_json(remoteOrgID=None))
    await client.remotes.create(name="cloud", remote_url="http://x.example", remote_api_token="t")
    assert set(body_of(route)) == {"orgID", "name", "remoteURL", "remoteAPIToken", "allowInsecureTLS"}


async def test_rename_sends_only_name(router: respx.Router, client: ReplicationClient) -> None:
    """update(name=...) sends only the name: allowInsecureTLS is not touched."""
    route = router.patch(f"/api/v2/remotes/{REMOTE_ID}").respond(200, json=remote_json(name="new"))
    updated = await client.remotes.update(REMOTE_ID, name="new")
    assert updated.name == "new"
    assert body_of(route) == {"name": "new"}


async def test_update_sends_every_passed_field(router: respx.Router, client: ReplicationClient) -> None:
    """allow_insecure_tls=False and description="" passed explicitly are sent; None is not passed."""
    route = router.patch(f"/api/v2/remotes/{REMOTE_ID}").respond(200, json=remote_json())
    await client.remotes.update(
        REMOTE_ID,
        remote_url="https://new.example",
        remote_api_token="t2",
        remote_org_id=REMOTE_ORG_ID,
        allow_insecure_tls=False,
        description="",
        name=None,
    )
    assert body_of(route) == {
        "remoteURL": "https://new.example",
        "remoteAPIToken": "t2",
        "remoteOrgID": REMOTE_ORG_ID,
        "allowInsecureTLS": False,
        "description": "",
    }
    await client.remotes.update(REMOTE_ID)
    assert body_of(route) == {}


async def test_delete(router: respx.Router, client: ReplicationClient) -> None:
    """delete() sends DELETE /api/v2/remotes/{id} and returns None on 204."""
    route = router.delete(f"/api/v2/remotes/{REMOTE_ID}").respond(204)
    await client.remotes.delete(REMOTE_ID)
    assert route.call_count == 1


async def test_delete_in_use(router: respx.Router, client: ReplicationClient) -> None:
    """The server's 500 for a remote still in use is RemoteInUseError, not retried."""
    route = router.delete(f"/api/v2/remotes/{REMOTE_ID}").mock(
        return_value=error_json(
            500, "internal error", "remote-connection cannot be deleted as a replication references it"
        )
    )
    with pytest.raises(RemoteInUseError):
        await client.remotes.delete(REMOTE_ID)
    assert route.call_count == 1


async def test_delete_cascade(router: respx.Router, client: ReplicationClient) -> None:
    """cascade=True gets the remote, lists its replications in the remote's org, deletes them, then it."""
    other_org = "1111111111111111"
    second = "2222222222222222"
    get = router.get(f"/api/v2/remotes/{REMOTE_ID}").respond(200, json=remote_json(orgID=other_org))
    listed = router.get("/api/v2/replications").respond(
        200, json={"replications": [replication_json(), replication_json(id=second)]}
    )
    first_delete = router.delete(f"/api/v2/replications/{REPL_ID}").respond(204)
    gone = router.delete(f"/api/v2/replications/{second}").mock(
        return_value=error_json(404, "not found", "replication not found")
    )
    remote_delete = router.delete(f"/api/v2/remotes/{REMOTE_ID}").respond(204)
    await client.remotes.delete(REMOTE_ID, cascade=True)
    assert get.called
    assert dict(listed.calls.last.request.url.params) == {"orgID": other_org, "remoteID": REMOTE_ID}
    assert first_delete.called and gone.called and remote_delete.called


async def test_delete_cascade_of_missing_remote(router: respx.Router, client: ReplicationClient) -> None:
    """cascade=True on an unknown remote is NotFoundError and deletes nothing."""
    router.get(f"/api/v2/remotes/{REMOTE_ID}").mock(
        return_value=error_json(404, "not found", "remote connection not found")
    )
    with pytest.raises(NotFoundError):
        await client.remotes.delete(REMOTE_ID, cascade=True)
