"""Section 5: permissions, their messages, and lookup before authorization (checklist 1, 2)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from influxdb_replications.testing import FakeInfluxDB

from ._helpers import auth, make_remote, make_replication


@pytest.fixture
async def remote(client: httpx.AsyncClient, fake: FakeInfluxDB) -> dict[str, Any]:
    """A remote created with the operator token (pointing nowhere)."""
    return await make_remote(client, fake)


@pytest.fixture
async def replication(
    client: httpx.AsyncClient, fake: FakeInfluxDB, remote: dict[str, Any]
) -> dict[str, Any]:
    """A replication created with the operator token."""
    return await make_replication(client, fake, remote["id"])


def unauthorized(message: str) -> dict[str, str]:
    """The error body of a failed permission check."""
    return {"code": "unauthorized", "message": message}


async def test_get_existing_forbidden_is_401_but_missing_is_404(
    client: httpx.AsyncClient, fake: FakeInfluxDB, remote: dict[str, Any]
) -> None:
    """The lookup runs before authz, so a forbidden remote is 401 while an unknown one is 404."""
    token = fake.create_token([f"read:orgs/{fake.org_id}/buckets"])
    forbidden = await client.get(f"/api/v2/remotes/{remote['id']}", headers=auth(token))
    assert forbidden.status_code == 401
    assert forbidden.json() == unauthorized(f"read:orgs/{fake.org_id}/remotes/{remote['id']} is unauthorized")
    missing = await client.get("/api/v2/remotes/00000000000000ff", headers=auth(token))
    assert missing.status_code == 404


async def test_write_does_not_imply_read(
    client: httpx.AsyncClient, fake: FakeInfluxDB, remote: dict[str, Any]
) -> None:
    """A write-only remotes permission may create but not read."""
    token = fake.create_token([f"write:orgs/{fake.org_id}/remotes"])
    created = await client.post(
        "/api/v2/remotes", json={"orgID": fake.org_id, "name": "w"}, headers=auth(token)
    )
    assert created.status_code == 201
    assert (await client.get(f"/api/v2/remotes/{remote['id']}", headers=auth(token))).status_code == 401


@pytest.mark.parametrize(("method", "action"), [("GET", "read"), ("PATCH", "write"), ("DELETE", "write")])
async def test_remote_object_permissions(
    client: httpx.AsyncClient, fake: FakeInfluxDB, remote: dict[str, Any], method: str, action: str
) -> None:
    """GET needs read, PATCH and DELETE need write on orgs/<org>/remotes/<id>."""
    other = "read" if action == "write" else "write"
    token = fake.create_token([f"{other}:orgs/{fake.org_id}/remotes"])
    response = await client.request(method, f"/api/v2/remotes/{remote['id']}", json={}, headers=auth(token))
    assert response.json() == unauthorized(
        f"{action}:orgs/{fake.org_id}/remotes/{remote['id']} is unauthorized"
    )
    allowed = fake.create_token([f"{action}:orgs/{fake.org_id}/remotes/{remote['id']}"])
    response = await client.request(method, f"/api/v2/remotes/{remote['id']}", json={}, headers=auth(allowed))
    assert response.status_code in (200, 204)


async def test_create_remote_needs_write_in_that_org(client: httpx.AsyncClient, fake: FakeInfluxDB) -> None:
    """Create needs write on orgs/<orgID>/remotes; a permission for another org does not count."""
    token = fake.create_token([f"write:orgs/{fake.org_id}/remotes"])
    response = await client.post("/api/v2/remotes", json={"orgID": "00000000000000aa"}, headers=auth(token))
    assert response.json() == unauthorized("write:orgs/00000000000000aa/remotes is unauthorized")


async def test_list_drops_unreadable_rows_giving_empty_list_not_null(
    client: httpx.AsyncClient, fake: FakeInfluxDB, remote: dict[str, Any]
) -> None:
    """Rows the token cannot read are dropped silently: `[]` when all matched rows were dropped."""
    token = fake.create_token([f"read:orgs/{fake.org_id}/buckets"])
    response = await client.get("/api/v2/remotes", params={"orgID": fake.org_id}, headers=auth(token))
    assert (response.status_code, response.json()) == (200, {"remotes": []})


async def test_list_keeps_only_readable_rows(
    client: httpx.AsyncClient, fake: FakeInfluxDB, remote: dict[str, Any]
) -> None:
    """A permission on one remote shows only that remote in the list."""
    second = await make_remote(client, fake, name="second")
    token = fake.create_token([f"read:orgs/{fake.org_id}/remotes/{second['id']}"])
    response = await client.get("/api/v2/remotes", params={"orgID": fake.org_id}, headers=auth(token))
    assert [r["id"] for r in response.json()["remotes"]] == [second["id"]]


async def test_create_replication_checks_three_permissions_in_order(
    client: httpx.AsyncClient, fake: FakeInfluxDB, remote: dict[str, Any]
) -> None:
    """Create needs write replications, then read on the local bucket, then read on the remote."""
    org, bucket = fake.org_id, fake.bucket_id("edge-bucket")
    body = {
        "orgID": org,
        "name": "p",
        "remoteID": remote["id"],
        "localBucketID": bucket,
        "remoteBucketName": "x",
    }
    granted: list[str] = []
    steps = [
        (f"write:orgs/{org}/replications", f"write:orgs/{org}/replications is unauthorized"),
        (f"read:orgs/{org}/buckets/{bucket}", f"read:orgs/{org}/buckets/{bucket} is unauthorized"),
        (
            f"read:orgs/{org}/remotes/{remote['id']}",
            f"read:orgs/{org}/remotes/{remote['id']} is unauthorized",
        ),
    ]
    for permission, message in steps:
        response = await client.post(
            "/api/v2/replications", json=body, headers=auth(fake.create_token(granted))
        )
        assert (response.status_code, response.json()) == (401, unauthorized(message))
        granted.append(permission)
    response = await client.post("/api/v2/replications", json=body, headers=auth(fake.create_token(granted)))
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("method", "suffix", "action"),
    [("GET", "", "read"), ("PATCH", "", "write"), ("DELETE", "", "write"), ("POST", "/validate", "read")],
)
async def test_replication_object_permissions(
    client: httpx.AsyncClient,
    fake: FakeInfluxDB,
    replication: dict[str, Any],
    method: str,
    suffix: str,
    action: str,
) -> None:
    """GET and /validate need read; PATCH and DELETE need write, on orgs/<org>/replications/<id>."""
    other = "read" if action == "write" else "write"
    token = fake.create_token([f"{other}:orgs/{fake.org_id}/replications"])
    path = f"/api/v2/replications/{replication['id']}{suffix}"
    response = await client.request(method, path, json={}, headers=auth(token))
    expected = f"{action}:orgs/{fake.org_id}/replications/{replication['id']} is unauthorized"
    assert (response.status_code, response.json()) == (401, unauthorized(expected))
    missing = await client.request(
        method, f"/api/v2/replications/00000000000000ff{suffix}", json={}, headers=auth(token)
    )
    assert missing.status_code == 404


async def test_patch_with_new_remote_needs_read_on_it(
    client: httpx.AsyncClient, fake: FakeInfluxDB, replication: dict[str, Any]
) -> None:
    """Changing remoteID also needs read on orgs/<replication org>/remotes/<new id>."""
    other = await make_remote(client, fake, name="other")
    token = fake.create_token([f"write:orgs/{fake.org_id}/replications"])
    response = await client.patch(
        f"/api/v2/replications/{replication['id']}", json={"remoteID": other["id"]}, headers=auth(token)
    )
    assert response.json() == unauthorized(f"read:orgs/{fake.org_id}/remotes/{other['id']} is unauthorized")
    token = fake.create_token([f"write:orgs/{fake.org_id}/replications", f"read:orgs/{fake.org_id}/remotes"])
    response = await client.patch(
        f"/api/v2/replications/{replication['id']}", json={"remoteID": other["id"]}, headers=auth(token)
    )
    assert response.status_code == 200


async def test_replication_list_is_filtered_per_row(
    client: httpx.AsyncClient, fake: FakeInfluxDB, replication: dict[str, Any]
) -> None:
    """A token without read on replications sees `[]`; the operator sees the row."""
    token = fake.create_token([f"write:orgs/{fake.org_id}/replications"])
    response = await client.get("/api/v2/replications", params={"orgID": fake.org_id}, headers=auth(token))
    assert response.json() == {"replications": []}
    everything = await client.get("/api/v2/replications", params={"orgID": fake.org_id})
    assert len(everything.json()["replications"]) == 1


async def test_a_revoked_token_is_refused_from_the_next_request_on(
    client: httpx.AsyncClient, fake: FakeInfluxDB
) -> None:
    """revoke_token on a running server: that token gets 401 unauthorized access; others still work."""
    token = fake.create_token([f"read:orgs/{fake.org_id}/remotes"])
    assert (
        await client.get("/api/v2/remotes", params={"orgID": fake.org_id}, headers=auth(token))
    ).status_code == 200
    fake.revoke_token(token)
    refused = await client.get("/api/v2/remotes", params={"orgID": fake.org_id}, headers=auth(token))
    assert refused.status_code == 401
    assert refused.json() == {"code": "unauthorized", "message": "unauthorized access"}
    assert (await client.get("/api/v2/remotes", params={"orgID": fake.org_id})).status_code == 200
    with pytest.raises(KeyError) as unknown:
        fake.revoke_token(token)
    assert token not in str(unknown.value)
    with pytest.raises(ValueError, match="operator token"):
        fake.revoke_token(fake.token)
