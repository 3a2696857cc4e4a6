"""Section 2 and tests 8.2 / 8.3: /api/v2/remotes (checklist 6, 7)."""

from __future__ import annotations

import httpx
import pytest

from influxdb_replications.testing import FakeInfluxDB

from ._helpers import make_remote, make_replication

REMOTE_KEYS = ["id", "orgID", "name", "description", "remoteURL", "remoteOrgID", "allowInsecureTLS"]


async def test_create_returns_object_without_token(client: httpx.AsyncClient, fake: FakeInfluxDB) -> None:
    """Create answers 201 with the remote in the server's key order and never the token (8.2.2, 8.3.1)."""
    response = await client.post(
        "/api/v2/remotes",
        json={
            "orgID": fake.org_id,
            "name": "r1",
            "description": "d",
            "remoteURL": "https://cloud:8086/x",
            "remoteAPIToken": "secret",
            "remoteOrgID": "0123456789abcdef",
            "allowInsecureTLS": True,
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert list(body) == REMOTE_KEYS
    assert "secret" not in response.text
    assert body["allowInsecureTLS"] is True
    assert "Location" not in response.headers


async def test_get_equals_create(client: httpx.AsyncClient, fake: FakeInfluxDB) -> None:
    """GET returns exactly what create returned (8.2.3, 8.3.1)."""
    remote = await make_remote(client, fake)
    response = await client.get(f"/api/v2/remotes/{remote['id']}")
    assert (response.status_code, response.json()) == (200, remote)


async def test_optional_fields_shape(client: httpx.AsyncClient, fake: FakeInfluxDB) -> None:
    """description is omitted when never set, "" is kept, remoteOrgID is null when not set."""
    bare = (await client.post("/api/v2/remotes", json={"orgID": fake.org_id})).json()
    assert "description" not in bare
    assert bare["remoteOrgID"] is None
    assert (bare["name"], bare["remoteURL"], bare["allowInsecureTLS"]) == ("", "", False)
    empty = await make_remote(client, fake, name="e", description="")
    assert empty["description"] == ""


async def test_dry_run_is_ignored_and_remote_is_created(
    client: httpx.AsyncClient, fake: FakeInfluxDB
) -> None:
    """`?dryRun=true` does not exist: the remote is created (201)."""
    response = await client.post(
        "/api/v2/remotes", params={"dryRun": "true"}, json={"orgID": fake.org_id, "name": "dry"}
    )
    assert response.status_code == 201
    listed = await client.get("/api/v2/remotes", params={"orgID": fake.org_id, "name": "dry"})
    assert len(listed.json()["remotes"]) == 1


async def test_missing_org_id_is_rejected_by_authorizer(client: httpx.AsyncClient) -> None:
    """A create without orgID is 400 `invalid org id for permission: invalid ID`."""
    response = await client.post("/api/v2/remotes", json={"name": "x"})
    assert response.status_code == 400
    assert response.json() == {"code": "invalid", "message": "invalid org id for permission: invalid ID"}


async def test_unknown_org_is_accepted(client: httpx.AsyncClient) -> None:
    """The org is not checked for existence on create."""
    response = await client.post("/api/v2/remotes", json={"orgID": "00000000000000aa", "name": "x"})
    assert response.status_code == 201


async def test_duplicate_name_is_raw_unique_error(client: httpx.AsyncClient, fake: FakeInfluxDB) -> None:
    """A second remote with the same name in the org is 500 with the raw SQLite text."""
    await make_remote(client, fake, name="dup")
    response = await client.post("/api/v2/remotes", json={"orgID": fake.org_id, "name": "dup"})
    assert response.status_code == 500
    assert response.json() == {
        "code": "internal error",
        "message": "UNIQUE constraint failed: remotes.org_id, remotes.name",
    }


async def test_names_are_case_sensitive_and_per_org(client: httpx.AsyncClient, fake: FakeInfluxDB) -> None:
    """Uniqueness is per org and case-sensitive."""
    await make_remote(client, fake, name="dup")
    assert (
        await client.post("/api/v2/remotes", json={"orgID": fake.org_id, "name": "DUP"})
    ).status_code == 201
    other = await client.post("/api/v2/remotes", json={"orgID": "00000000000000aa", "name": "dup"})
    assert other.status_code == 201


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
async def test_invalid_remote_id_is_400(client: httpx.AsyncClient, method: str) -> None:
    """`/remotes/foo` is 400 `remote-connection ID is invalid` for GET, PATCH and DELETE (8.2.6)."""
    response = await client.request(method, "/api/v2/remotes/foo", json={})
    assert response.status_code == 400
    assert response.json() == {"code": "invalid", "message": "remote-connection ID is invalid"}


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
async def test_missing_remote_is_404(client: httpx.AsyncClient, method: str) -> None:
    """An unknown remote is 404 `remote connection not found` (8.3.1, 8.3.2, 8.3.4)."""
    response = await client.request(method, "/api/v2/remotes/0123456789abcdef", json={})
    assert response.status_code == 404
    assert response.json() == {"code": "not found", "message": "remote connection not found"}


async def test_invalid_body_is_checked_after_id_on_patch(client: httpx.AsyncClient) -> None:
    """PATCH checks the path ID first, then the body (both 400), before the lookup."""
    bad_id = await client.patch("/api/v2/remotes/foo", content=b'"x"')
    assert bad_id.json()["message"] == "remote-connection ID is invalid"
    bad_body = await client.patch("/api/v2/remotes/0123456789abcdef", content=b'"x"')
    assert bad_body.status_code == 400


async def test_update_token_and_insecure_flag(client: httpx.AsyncClient, fake: FakeInfluxDB) -> None:
    """PATCH applies the token and honours allowInsecureTLS=false; GET then equals the response (8.3.2)."""
    remote = await make_remote(client, fake, allowInsecureTLS=True)
    response = await client.patch(
        f"/api/v2/remotes/{remote['id']}", json={"remoteAPIToken": "new", "allowInsecureTLS": False}
    )
    assert response.status_code == 200
    assert response.json() == {**remote, "allowInsecureTLS": False}
    assert (await client.get(f"/api/v2/remotes/{remote['id']}")).json() == response.json()


@pytest.mark.parametrize("body", [{}, {"description": None, "remoteOrgID": None, "name": None}])
async def test_update_noop(client: httpx.AsyncClient, fake: FakeInfluxDB, body: dict[str, object]) -> None:
    """An empty PATCH, or one of nulls, changes nothing: fields cannot be cleared (8.3.3)."""
    remote = await make_remote(client, fake, description="keep")
    response = await client.patch(f"/api/v2/remotes/{remote['id']}", json=body)
    assert (response.status_code, response.json()) == (200, remote)


async def test_update_description_to_empty_string(client: httpx.AsyncClient, fake: FakeInfluxDB) -> None:
    """description can be set to "" (but not back to NULL)."""
    remote = await make_remote(client, fake, description="d")
    response = await client.patch(f"/api/v2/remotes/{remote['id']}", json={"description": ""})
    assert response.json()["description"] == ""


async def test_rename_onto_existing_name_is_500(client: httpx.AsyncClient, fake: FakeInfluxDB) -> None:
    """A rename that collides is the raw UNIQUE error."""
    await make_remote(client, fake, name="a")
    second = await make_remote(client, fake, name="b")
    response = await client.patch(f"/api/v2/remotes/{second['id']}", json={"name": "a"})
    assert response.status_code == 500
    assert response.json()["message"] == "UNIQUE constraint failed: remotes.org_id, remotes.name"


async def test_delete_then_get_is_404(client: httpx.AsyncClient, fake: FakeInfluxDB) -> None:
    """DELETE answers 204, after which GET is 404 (8.2.4, 8.3.4)."""
    remote = await make_remote(client, fake)
    assert (await client.delete(f"/api/v2/remotes/{remote['id']}")).status_code == 204
    assert (await client.get(f"/api/v2/remotes/{remote['id']}")).status_code == 404


async def test_delete_in_use_is_500(client: httpx.AsyncClient, fake: FakeInfluxDB) -> None:
    """A remote referenced by a replication cannot be deleted: 500 with the handler's message."""
    remote = await make_remote(client, fake)
    replication = await make_replication(client, fake, remote["id"])
    response = await client.delete(f"/api/v2/remotes/{remote['id']}")
    assert response.status_code == 500
    assert response.json() == {
        "code": "internal error",
        "message": "remote-connection cannot be deleted as a replication references it",
    }
    assert (await client.delete(f"/api/v2/replications/{replication['id']}")).status_code == 204
    assert (await client.delete(f"/api/v2/remotes/{remote['id']}")).status_code == 204


@pytest.fixture
async def three(client: httpx.AsyncClient, fake: FakeInfluxDB) -> list[dict[str, object]]:
    """Three remotes in the fake's org; two share a URL."""
    return [
        await make_remote(client, fake, name="r1", remoteURL="http://b"),
        await make_remote(client, fake, name="r2", remoteURL="http://a"),
        await make_remote(client, fake, name="r3", remoteURL="http://b"),
    ]


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({}, ["r2", "r1", "r3"]),
        ({"name": "r1"}, ["r1"]),
        ({"remoteURL": "http://b"}, ["r1", "r3"]),
        ({"name": "", "remoteURL": ""}, ["r2", "r1", "r3"]),
        ({"name": "R1"}, None),
        ({"name": "r2", "remoteURL": "http://b"}, None),
    ],
)
async def test_list_filters_and_order(
    client: httpx.AsyncClient,
    fake: FakeInfluxDB,
    three: list[dict[str, object]],
    params: dict[str, str],
    names: list[str] | None,
) -> None:
    """List filters by exact name and URL (empty = absent), sorts by URL then insertion, `null` if none."""
    response = await client.get("/api/v2/remotes", params={"orgID": fake.org_id, **params})
    assert response.status_code == 200
    remotes = response.json()["remotes"]
    assert (None if remotes is None else [r["name"] for r in remotes]) == names


async def test_list_other_org_is_null(client: httpx.AsyncClient, three: list[dict[str, object]]) -> None:
    """Listing another (even unknown) org gives `{"remotes": null}` (8.3.8)."""
    response = await client.get("/api/v2/remotes", params={"orgID": "00000000000000aa"})
    assert response.content == b'{\n\t"remotes": null\n}'


@pytest.mark.parametrize("org_id", [None, "", "foo", "0000000000000000"])
async def test_list_needs_valid_org_id(client: httpx.AsyncClient, org_id: str | None) -> None:
    """A missing or invalid orgID is 400 `invalid or missing org ID` (8.2.7)."""
    params = {} if org_id is None else {"orgID": org_id}
    response = await client.get("/api/v2/remotes", params=params)
    assert response.status_code == 400
    assert response.json()["message"] == "invalid or missing org ID"
