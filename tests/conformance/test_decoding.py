"""Section 1.2-1.3: Go encoding/json semantics for request bodies, and the ID format (checklist 3, 4)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from influxdb_replications.testing import FakeInfluxDB

from ._helpers import make_remote

PREFIX = "failed to unmarshal json: "
REPL = "CreateReplicationRequest"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "EOF"),
        (b"  \n\t ", "EOF"),
        (b"{", "unexpected EOF"),
        (b'{"name": "abc', "unexpected EOF"),
        (b'"a string"', f"json: cannot unmarshal string into Go value of type influxdb.{REPL}"),
        (b"[1, 2]", f"json: cannot unmarshal array into Go value of type influxdb.{REPL}"),
        (b"42", f"json: cannot unmarshal number into Go value of type influxdb.{REPL}"),
        (
            b'{"orgID": 5}',
            f"json: cannot unmarshal number into Go struct field {REPL}.orgID of type platform.ID",
        ),
        (
            b'{"maxQueueSizeBytes": "1"}',
            f"json: cannot unmarshal string into Go struct field {REPL}.maxQueueSizeBytes of type int64",
        ),
        (
            b'{"maxQueueSizeBytes": 1.5}',
            f"json: cannot unmarshal number 1.5 into Go struct field {REPL}.maxQueueSizeBytes of type int64",
        ),
        (
            b'{"maxQueueSizeBytes": 1e8}',
            f"json: cannot unmarshal number 1e8 into Go struct field {REPL}.maxQueueSizeBytes of type int64",
        ),
        (
            b'{"maxAgeSeconds": true}',
            f"json: cannot unmarshal bool into Go struct field {REPL}.maxAgeSeconds of type int64",
        ),
        (
            b'{"dropNonRetryableData": "true"}',
            f"json: cannot unmarshal string into Go struct field {REPL}.dropNonRetryableData of type bool",
        ),
        (b'{"name": 7}', f"json: cannot unmarshal number into Go struct field {REPL}.name of type string"),
        (b'{"orgID": ""}', "id must have a length of 16 bytes"),
        (b'{"orgID": "abc"}', "id must have a length of 16 bytes"),
        (b'{"remoteBucketID": ""}', "id must have a length of 16 bytes"),
        (b'{"orgID": "zzzzzzzzzzzzzzzz"}', "invalid ID"),
        (b'{"localBucketID": "0000000000000000"}', "invalid ID"),
    ],
)
async def test_decode_errors_on_create_replication(
    client: httpx.AsyncClient, body: bytes, message: str
) -> None:
    """Bodies that Go's decoder rejects give 400 `invalid` with Go's error text."""
    response = await client.post("/api/v2/replications", content=body)
    assert response.status_code == 400
    assert response.json() == {"code": "invalid", "message": PREFIX + message}


@pytest.mark.parametrize(
    ("path", "type_name"),
    [("/api/v2/remotes", "CreateRemoteConnectionRequest"), ("/api/v2/replications", REPL)],
)
async def test_json_string_body_is_rejected_on_both_creates(
    client: httpx.AsyncClient, path: str, type_name: str
) -> None:
    """A JSON string instead of an object names the request type (8.1.13, 8.2.8)."""
    response = await client.post(path, content=b'"x"')
    assert response.status_code == 400
    expected = f"{PREFIX}json: cannot unmarshal string into Go value of type influxdb.{type_name}"
    assert response.json()["message"] == expected


@pytest.mark.parametrize(
    ("path_kind", "type_name"),
    [("remotes", "UpdateRemoteConnectionRequest"), ("replications", "UpdateReplicationRequest")],
)
async def test_json_string_body_is_rejected_on_both_patches(
    client: httpx.AsyncClient, fake: FakeInfluxDB, path_kind: str, type_name: str
) -> None:
    """PATCH bodies that are JSON strings give 400 naming the update type."""
    remote = await make_remote(client, fake)
    target = remote["id"]
    if path_kind == "replications":
        response = await client.post(
            "/api/v2/replications",
            json={
                "orgID": fake.org_id,
                "remoteID": remote["id"],
                "localBucketID": fake.bucket_id("edge-bucket"),
                "remoteBucketName": "b",
            },
        )
        target = response.json()["id"]
    response = await client.patch(f"/api/v2/{path_kind}/{target}", content=b'"x"')
    assert response.status_code == 400
    assert (
        response.json()["message"]
        == f"{PREFIX}json: cannot unmarshal string into Go value of type influxdb.{type_name}"
    )


async def create_remote_raw(client: httpx.AsyncClient, body: bytes) -> httpx.Response:
    """POST /api/v2/remotes with a raw body."""
    return await client.post("/api/v2/remotes", content=body)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ('{"orgID": "@ORG@", "name": "a", "unknownKey": 1, "maxAge": 5}', {"name": "a"}),
        (
            '{"ORGID": "@ORG@", "NAME": "upper", "RemoteURL": "http://x"}',
            {"name": "upper", "remoteURL": "http://x"},
        ),
        ('{"orgID": "@ORG@", "name": "first", "name": "last"}', {"name": "last"}),
        ('{"orgID": "@ORG@", "name": "first", "NAME": "folded-last"}', {"name": "folded-last"}),
        ('{"orgID": "@ORG@", "name": "a"} trailing garbage {', {"name": "a"}),
        ('{"orgID": "@ORG@", "name": "b", "description": null, "remoteOrgID": null}', {"name": "b"}),
        ('{"orgID": "@ORG@", "name": "c", "name": null}', {"name": "c"}),
    ],
)
async def test_decoding_leniencies(
    client: httpx.AsyncClient, fake: FakeInfluxDB, template: str, expected: dict[str, Any]
) -> None:
    """Unknown keys ignored, keys fold case, last duplicate wins, trailing data and nulls ignored."""
    response = await create_remote_raw(client, template.replace("@ORG@", fake.org_id).encode())
    assert response.status_code == 201, response.text
    body = response.json()
    for key, value in expected.items():
        assert body[key] == value
    assert "description" not in body
    assert body["remoteOrgID"] is None


async def test_upper_case_id_is_accepted_and_written_lower_case(
    client: httpx.AsyncClient, fake: FakeInfluxDB
) -> None:
    """IDs are parsed case-insensitively and always written as lower-case hex."""
    body = {"orgID": fake.org_id.upper(), "name": "u", "remoteOrgID": "ABCDEF0123456789"}
    response = await client.post("/api/v2/remotes", json=body)
    assert response.status_code == 201
    assert response.json()["orgID"] == fake.org_id
    assert response.json()["remoteOrgID"] == "abcdef0123456789"


async def test_null_body_on_create_remote_keeps_defaults(client: httpx.AsyncClient) -> None:
    """A body of `null` sets no fields; the missing orgID is then refused by the authorizer."""
    response = await client.post("/api/v2/remotes", content=b"null")
    assert response.status_code == 400
    assert response.json()["message"] == "invalid org id for permission: invalid ID"


async def test_null_body_on_patch_is_a_no_op(client: httpx.AsyncClient, fake: FakeInfluxDB) -> None:
    """A PATCH body of `null` is a successful no-op update."""
    remote = await make_remote(client, fake, description="d")
    response = await client.patch(f"/api/v2/remotes/{remote['id']}", content=b"null")
    assert response.status_code == 200
    assert response.json() == remote


async def test_null_org_id_is_a_zero_id_not_a_decode_error(client: httpx.AsyncClient) -> None:
    """`"orgID": null` decodes to the zero ID, so the authorizer (not the decoder) answers 400."""
    response = await client.post("/api/v2/replications", content=json.dumps({"orgID": None}).encode())
    assert response.status_code == 400
    assert response.json()["message"] == "invalid org id for permission: invalid ID"
