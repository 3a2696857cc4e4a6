"""Section 4 and tests 8.7 / 8.11.1-2: validation really contacts the remote (checklist 9, 10)."""

from __future__ import annotations

import socket
from typing import Any

import httpx
import pytest

from influxdb_replications.testing import FakeInfluxDB

from ._helpers import auth, make_remote, make_replication

CREATE_PREFIX = "replication parameters fail validation: "
PATCH_PREFIX = "validation fails after applying update: "
VALIDATE_PREFIX = "replication failed validation: "


@pytest.fixture
async def remote(client: httpx.AsyncClient, fake: FakeInfluxDB, cloud: FakeInfluxDB) -> dict[str, Any]:
    """A remote pointing at the cloud fake, with a path prefix that must be dropped."""
    return await make_remote(client, fake, cloud, remoteURL=cloud.url + "/some/prefix")


def create_body(
    fake: FakeInfluxDB, cloud: FakeInfluxDB, remote: dict[str, Any], **fields: Any
) -> dict[str, Any]:
    """A create request that targets the cloud bucket by ID."""
    base = {
        "orgID": fake.org_id,
        "name": "v",
        "remoteID": remote["id"],
        "localBucketID": fake.bucket_id("edge-bucket"),
        "remoteBucketID": cloud.bucket_id("cloud-bucket"),
    }
    base.update(fields)
    return base


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.mark.parametrize(
    ("status", "cause"),
    [
        (204, None),
        (200, "invalid response code 200, must be 204"),
        (400, "invalid response code 400, must be 204: 400 Bad Request: injected fault: 400 Bad Request"),
        (418, "invalid response code 418, must be 204: 418 I'm a Teapot: injected fault: 418 I'm a Teapot"),
        (
            500,
            "invalid response code 500, must be 204: 500 Internal Server Error: "
            "injected fault: 500 Internal Server Error",
        ),
    ],
)
async def test_only_204_is_valid(
    client: httpx.AsyncClient,
    fake: FakeInfluxDB,
    cloud: FakeInfluxDB,
    remote: dict[str, Any],
    status: int,
    cause: str | None,
) -> None:
    """The remote's 204 validates; 200, 400, 418 and 500 fail with the status in the cause (8.7)."""
    if status != 204:
        cloud.fail_next(status=status, path="/api/v2/write")
    response = await client.post(
        "/api/v2/replications", params={"validate": "true"}, json=create_body(fake, cloud, remote)
    )
    if cause is None:
        assert (response.status_code, response.content) == (204, b"")
    else:
        assert response.status_code == 400
        assert response.json() == {"code": "invalid", "message": CREATE_PREFIX + cause}
    listed = await client.get("/api/v2/replications", params={"orgID": fake.org_id})
    assert listed.json() == {"replications": None}  # validation persists nothing


async def test_outgoing_request_shape(
    client: httpx.AsyncClient, fake: FakeInfluxDB, cloud: FakeInfluxDB, remote: dict[str, Any]
) -> None:
    """POST /api/v2/write?bucket=&org= on scheme+host only, Token auth, empty body, no Content-Encoding."""
    cloud.clear_request_log()
    response = await client.post(
        "/api/v2/replications", params={"validate": "true"}, json=create_body(fake, cloud, remote)
    )
    assert response.status_code == 204
    [record] = cloud.request_log
    assert (record.method, record.path) == ("POST", "/api/v2/write")
    assert record.query == {"bucket": cloud.bucket_id("cloud-bucket"), "org": cloud.org_id}
    headers = {k.lower(): v for k, v in record.headers.items()}
    assert headers["authorization"] == "Token <redacted>"
    assert headers["user-agent"].startswith("influxdb-oss-replication/")
    assert "content-encoding" not in headers
    assert record.body == b""


async def test_wrong_token_gives_remote_message(
    client: httpx.AsyncClient, fake: FakeInfluxDB, cloud: FakeInfluxDB
) -> None:
    """A bad remote token yields the documented 401 cause text."""
    remote = await make_remote(client, fake, cloud, remoteAPIToken="foo")
    response = await client.post(
        "/api/v2/replications", params={"validate": "true"}, json=create_body(fake, cloud, remote)
    )
    assert response.json()["message"] == (
        CREATE_PREFIX + "invalid response code 401, must be 204: 401 Unauthorized: unauthorized access"
    )


async def test_empty_token_sends_no_authorization(
    client: httpx.AsyncClient, fake: FakeInfluxDB, cloud: FakeInfluxDB
) -> None:
    """With remoteAPIToken "" the Authorization header is omitted."""
    remote = await make_remote(client, fake, cloud, remoteAPIToken="")
    cloud.clear_request_log()
    response = await client.post(
        "/api/v2/replications", params={"validate": "true"}, json=create_body(fake, cloud, remote)
    )
    assert response.status_code == 400
    assert all(k.lower() != "authorization" for k in cloud.request_log[0].headers)


async def test_null_remote_org_sends_empty_org(
    client: httpx.AsyncClient, fake: FakeInfluxDB, cloud: FakeInfluxDB
) -> None:
    """Without remoteOrgID the probe sends `org=`, which an OSS remote refuses."""
    remote = await make_remote(client, fake, cloud, remoteOrgID=None)
    response = await client.post(
        "/api/v2/replications", params={"validate": "true"}, json=create_body(fake, cloud, remote)
    )
    assert response.json()["message"] == (
        CREATE_PREFIX
        + "invalid response code 400, must be 204: 400 Bad Request: Please provide either orgID or org"
    )


async def test_create_validate_ignores_bucket_name(
    client: httpx.AsyncClient, fake: FakeInfluxDB, cloud: FakeInfluxDB, remote: dict[str, Any]
) -> None:
    """Create+validate uses only remoteBucketID: a name-only request probes with `bucket=` empty."""
    cloud.clear_request_log()
    body = create_body(fake, cloud, remote, remoteBucketName="cloud-bucket")
    del body["remoteBucketID"]
    response = await client.post("/api/v2/replications", params={"validate": "true"}, json=body)
    assert response.status_code == 400
    assert cloud.request_log[0].query["bucket"] == ""


async def test_transport_error_cause(client: httpx.AsyncClient, fake: FakeInfluxDB) -> None:
    """A refused connection gives a Go-like `Post "<url>": dial tcp ...` cause."""
    port = closed_port()
    remote = await make_remote(client, fake, remoteURL=f"http://127.0.0.1:{port}")
    body = {
        "orgID": fake.org_id,
        "remoteID": remote["id"],
        "localBucketID": fake.bucket_id("edge-bucket"),
        "remoteBucketID": "0123456789abcdef",
    }
    response = await client.post("/api/v2/replications", params={"validate": "true"}, json=body)
    message = response.json()["message"]
    assert message.startswith(
        f'{CREATE_PREFIX}Post "http://127.0.0.1:{port}/api/v2/write?bucket=0123456789abcdef&org='
    )
    assert message.endswith(f"dial tcp 127.0.0.1:{port}: connect: connection refused")


@pytest.mark.parametrize("value", ["1", "True", "TRUE", "yes", ""])
async def test_validate_must_be_exactly_true(
    client: httpx.AsyncClient, fake: FakeInfluxDB, cloud: FakeInfluxDB, remote: dict[str, Any], value: str
) -> None:
    """Any `validate` value other than "true" creates the replication for real (201)."""
    response = await client.post(
        "/api/v2/replications", params={"validate": value}, json=create_body(fake, cloud, remote)
    )
    assert response.status_code == 201


async def test_create_validate_skips_store_checks(
    client: httpx.AsyncClient, fake: FakeInfluxDB, cloud: FakeInfluxDB, remote: dict[str, Any]
) -> None:
    """Create+validate does not check name uniqueness (8.1.4)."""
    await make_replication(client, fake, remote["id"], name="v")
    response = await client.post(
        "/api/v2/replications", params={"validate": "true"}, json=create_body(fake, cloud, remote, name="v")
    )
    assert response.status_code == 204


async def test_create_validate_checks_bucket_then_remote(
    client: httpx.AsyncClient, fake: FakeInfluxDB, cloud: FakeInfluxDB, remote: dict[str, Any]
) -> None:
    """Create+validate needs the local bucket, then the remote (no FK suffix), before probing."""
    no_bucket = create_body(fake, cloud, remote, localBucketID="00000000000000bb")
    response = await client.post("/api/v2/replications", params={"validate": "true"}, json=no_bucket)
    assert response.json()["message"] == 'local bucket "00000000000000bb" not found: bucket not found'
    no_remote = create_body(fake, cloud, {"id": "00000000000000cc"})
    response = await client.post("/api/v2/replications", params={"validate": "true"}, json=no_remote)
    assert (response.status_code, response.json()["message"]) == (400, 'remote "00000000000000cc" not found')


async def test_validate_endpoint_and_latest_code_untouched(
    client: httpx.AsyncClient, fake: FakeInfluxDB, cloud: FakeInfluxDB, remote: dict[str, Any]
) -> None:
    """POST /{id}/validate answers 204 or 400 with its prefix and never sets latestResponseCode (8.1.10)."""
    replication = await make_replication(
        client, fake, remote["id"], remoteBucketID=cloud.bucket_id("cloud-bucket")
    )
    path = f"/api/v2/replications/{replication['id']}/validate"
    assert (await client.post(path, content=b"ignored garbage")).status_code == 204
    cloud.fail_next(status=503, path="/api/v2/write")
    response = await client.post(path)
    assert response.json()["message"].startswith(VALIDATE_PREFIX + "invalid response code 503, must be 204")
    current = (await client.get(f"/api/v2/replications/{replication['id']}")).json()
    assert "latestResponseCode" not in current
    assert "latestErrorMessage" not in current


async def test_patch_validate_applies_only_bucket_id_and_remote(
    client: httpx.AsyncClient, fake: FakeInfluxDB, cloud: FakeInfluxDB, remote: dict[str, Any]
) -> None:
    """PATCH+validate probes with the request's remoteBucketID/remoteID, changes nothing (8.1.9)."""
    replication = await make_replication(client, fake, remote["id"], remoteBucketID="00000000000000dd")
    path = f"/api/v2/replications/{replication['id']}"
    failing = await client.patch(path, params={"validate": "true"}, json={"name": "ignored"})
    assert failing.json()["message"].startswith(PATCH_PREFIX + "invalid response code 404, must be 204")
    good = {"remoteBucketID": cloud.bucket_id("cloud-bucket"), "remoteBucketName": "ignored-name"}
    response = await client.patch(path, params={"validate": "true"}, json=good)
    assert (response.status_code, response.content) == (204, b"")
    assert (await client.get(path)).json()["remoteBucketID"] == "00000000000000dd"
    missing = await client.patch(path, params={"validate": "true"}, json={"remoteID": "00000000000000cc"})
    assert missing.json()["message"] == 'remote "00000000000000cc" not found'


async def test_patch_validate_stored_name_still_wins(
    client: httpx.AsyncClient, fake: FakeInfluxDB, cloud: FakeInfluxDB, remote: dict[str, Any]
) -> None:
    """With a stored bucket name, PATCH+validate still probes that name even if an ID is sent."""
    replication = await make_replication(
        client, fake, remote["id"], remoteBucketID=None, remoteBucketName="nope"
    )
    cloud.clear_request_log()
    response = await client.patch(
        f"/api/v2/replications/{replication['id']}",
        params={"validate": "true"},
        json={"remoteBucketID": cloud.bucket_id("cloud-bucket")},
    )
    assert response.status_code == 400
    assert cloud.request_log[0].query["bucket"] == "nope"


async def test_end_to_end_valid_self_remote(client: httpx.AsyncClient, fake: FakeInfluxDB) -> None:
    """A self-remote validates; after switching to a write-only-bucket token it still does (8.11.1)."""
    target = fake.bucket_id("other-bucket")
    remote = await make_remote(
        client, fake, remoteURL=fake.url, remoteAPIToken=fake.token, remoteOrgID=fake.org_id
    )
    body = {
        "orgID": fake.org_id,
        "name": "self",
        "remoteID": remote["id"],
        "localBucketID": fake.bucket_id("edge-bucket"),
        "remoteBucketID": target,
    }
    assert (
        await client.post("/api/v2/replications", params={"validate": "true"}, json=body)
    ).status_code == 204
    replication = (await client.post("/api/v2/replications", json=body)).json()
    validate = f"/api/v2/replications/{replication['id']}/validate"
    assert (await client.post(validate)).status_code == 204
    write_only = fake.create_token([f"write:orgs/{fake.org_id}/buckets/{target}"])
    await client.patch(f"/api/v2/remotes/{remote['id']}", json={"remoteAPIToken": write_only})
    assert (await client.post(validate)).status_code == 204


async def test_end_to_end_invalid_then_fixed(client: httpx.AsyncClient, fake: FakeInfluxDB) -> None:
    """Token "foo" fails validation but create works; fixing the token fixes /validate (8.11.2)."""
    target = fake.bucket_id("other-bucket")
    remote = await make_remote(
        client, fake, remoteURL=fake.url, remoteAPIToken="foo", remoteOrgID=fake.org_id
    )
    body = {
        "orgID": fake.org_id,
        "name": "self",
        "remoteID": remote["id"],
        "localBucketID": fake.bucket_id("edge-bucket"),
        "remoteBucketID": target,
    }
    assert (
        await client.post("/api/v2/replications", params={"validate": "true"}, json=body)
    ).status_code == 400
    replication = (await client.post("/api/v2/replications", json=body)).json()
    validate = f"/api/v2/replications/{replication['id']}/validate"
    assert (await client.post(validate)).status_code == 400
    token = fake.create_token([f"write:orgs/{fake.org_id}/buckets/{target}"])
    await client.patch(f"/api/v2/remotes/{remote['id']}", json={"remoteAPIToken": token})
    assert (await client.post(validate)).status_code == 204
    response = await client.patch(
        f"/api/v2/replications/{replication['id']}",
        params={"validate": "true"},
        json={"remoteBucketID": fake.bucket_id("edge-bucket")},
    )
    assert response.status_code == 400
    assert response.json()["message"].startswith(PATCH_PREFIX + "invalid response code 401")
    assert (await client.get("/api/v2/remotes/" + remote["id"], headers=auth(fake.token))).status_code == 200
