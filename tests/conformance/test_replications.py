"""Section 3 and tests 8.1 / 8.5 / 8.10: /api/v2/replications (checklist 5, 8)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from influxdb_replications.testing import FakeInfluxDB

from ._helpers import make_remote, make_replication

MIN = 33_554_430
DEFAULT = 67_108_860
KEYS = [
    "id",
    "orgID",
    "name",
    "description",
    "remoteID",
    "localBucketID",
    "remoteBucketID",
    "RemoteBucketName",
    "maxQueueSizeBytes",
    "currentQueueSizeBytes",
    "remainingBytesToBeSynced",
    "dropNonRetryableData",
    "maxAgeSeconds",
]


@pytest.fixture
async def remote(client: httpx.AsyncClient, fake: FakeInfluxDB) -> dict[str, Any]:
    """A remote to replicate to (nothing listens there; nothing is written in these tests)."""
    return await make_remote(client, fake)


def body(fake: FakeInfluxDB, remote: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A create request for "edge-bucket", with overrides."""
    base: dict[str, Any] = {
        "orgID": fake.org_id,
        "name": "repl",
        "remoteID": remote["id"],
        "localBucketID": fake.bucket_id("edge-bucket"),
        "remoteBucketID": "0123456789abcdef",
    }
    base.update(fields)
    return {k: v for k, v in base.items() if v is not ...}


async def test_create_default_queue_size_and_shape(
    client: httpx.AsyncClient, fake: FakeInfluxDB, remote: dict[str, Any]
) -> None:
    """Create without a size gets 67108860; the 201 body has sizes 0 and no latest* fields (8.1.3)."""
    response = await client.post("/api/v2/replications", json=body(fake, remote, description="d"))
    assert response.status_code == 201
    created = response.json()
    assert list(created) == KEYS
    assert created["maxQueueSizeBytes"] == DEFAULT
    assert (created["currentQueueSizeBytes"], created["remainingBytesToBeSynced"]) == (0, 0)
    assert (created["maxAgeSeconds"], created["dropNonRetryableData"]) == (0, False)
    assert created["RemoteBucketName"] == ""


async def test_create_explicit_queue_size(
    client: httpx.AsyncClient, fake: FakeInfluxDB, remote: dict[str, Any]
) -> None:
    """An explicit maxQueueSizeBytes is stored unchanged (8.1.2)."""
    response = await client.post(
        "/api/v2/replications", json=body(fake, remote, maxQueueSizeBytes=2 * DEFAULT)
    )
    assert response.json()["maxQueueSizeBytes"] == 2 * DEFAULT


async def test_get_after_create_shows_live_queue_sizes(
    client: httpx.AsyncClient, fake: FakeInfluxDB, remote: dict[str, Any]
) -> None:
    """GET right after create shows currentQueueSizeBytes 8 and remainingBytesToBeSynced 0 (8.1.6, 8.5.1)."""
    created = await make_replication(client, fake, remote["id"])
    response = await client.get(f"/api/v2/replications/{created['id']}")
    assert response.status_code == 200
    assert response.json() == {**created, "currentQueueSizeBytes": 8}


@pytest.mark.parametrize(("size", "ok"), [(0, False), (MIN // 2, False), (MIN - 1, False), (MIN, True)])
async def test_queue_size_minimum_on_create_and_update(
    client: httpx.AsyncClient, fake: FakeInfluxDB, remote: dict[str, Any], size: int, ok: bool
) -> None:
    """maxQueueSizeBytes below 33554430 (explicit 0 included) is 400 on create and PATCH (8.1.14, 8.1.15)."""
    message = {"code": "invalid", "message": f"maxQueueSize too small, must be at least {MIN}"}
    created = await client.post("/api/v2/replications", json=body(fake, remote, maxQueueSizeBytes=size))
    assert created.status_code == (201 if ok else 400)
    existing = await make_replication(client, fake, remote["id"], name="other")
    patched = await client.patch(f"/api/v2/replications/{existing['id']}", json={"maxQueueSizeBytes": size})
    assert patched.status_code == (200 if ok else 400)
    if not ok:
        assert created.json() == message
        assert patched.json() == message


@pytest.mark.parametrize(
    ("age", "ok"),
    [
        (0, True),
        (60, True),
        (604800, True),
        (5184000, True),
        (-1, False),
        (59, False),
        (1, False),
        (5184001, False),
    ],
)
async def test_max_age_range(
    client: httpx.AsyncClient, fake: FakeInfluxDB, remote: dict[str, Any], age: int, ok: bool
) -> None:
    """maxAgeSeconds must be 0 or 60..5184000 on create and PATCH, and is stored as sent (8.10)."""
    message = "maxAgeSeconds must be 0 (use default) or between 60 and 5184000"
    created = await client.post("/api/v2/replications", json=body(fake, remote, maxAgeSeconds=age))
    existing = await make_replication(client, fake, remote["id"], name="other")
    patched = await client.patch(f"/api/v2/replications/{existing['id']}", json={"maxAgeSeconds": age})
    if ok:
        assert created.json()["maxAgeSeconds"] == age
        assert patched.json()["maxAgeSeconds"] == age
    else:
        assert (created.status_code, created.json()["message"]) == (400, message)
        assert (patched.status_code, patched.json()["message"]) == (400, message)


async def test_name_only_target(
    client: httpx.AsyncClient, fake: FakeInfluxDB, remote: dict[str, Any]
) -> None:
    """With only remoteBucketName, remoteBucketID is null and the name is in RemoteBucketName (8.5.2)."""
    response = await client.post(
        "/api/v2/replications", json=body(fake, remote, remoteBucketID=..., remoteBucketName="cloud")
    )
    created = response.json()
    assert created["remoteBucketID"] is None
    assert created["RemoteBucketName"] == "cloud"
    assert "remoteBucketName" not in created


async def test_id_wins_over_name(
    client: httpx.AsyncClient, fake: FakeInfluxDB, remote: dict[str, Any]
) -> None:
    """With both bucket ID and name, the ID is kept and the name becomes "" (8.5.3)."""
    response = await client.post("/api/v2/replications", json=body(fake, remote, remoteBucketName="cloud"))
    assert (response.json()["remoteBucketID"], response.json()["RemoteBucketName"]) == (
        "0123456789abcdef",
        "",
    )


@pytest.mark.parametrize("extra", [{}, {"remoteBucketName": ""}, {"remoteBucketID": None}])
async def test_neither_id_nor_name_is_422(
    client: httpx.AsyncClient, fake: FakeInfluxDB, remote: dict[str, Any], extra: dict[str, Any]
) -> None:
    """Without a bucket ID or name the answer is 422 `unprocessable entity` (8.5.4)."""
    response = await client.post(
        "/api/v2/replications", json=body(fake, remote, **{"remoteBucketID": ..., **extra})
    )
    assert response.status_code == 422
    assert response.json() == {
        "code": "unprocessable entity",
        "message": "one of remote_bucket_id, remote_bucket_name should be provided",
    }


async def test_missing_remote_is_400_and_nothing_persisted(
    client: httpx.AsyncClient, fake: FakeInfluxDB
) -> None:
    """A remote that does not exist is 400 with the FK text, and nothing is created (8.5.5)."""
    response = await client.post("/api/v2/replications", json=body(fake, {"id": "00000000000000ff"}))
    assert response.status_code == 400
    assert response.json()["message"] == 'remote "00000000000000ff" not found: FOREIGN KEY constraint failed'
    listed = await client.get("/api/v2/replications", params={"orgID": fake.org_id})
    assert listed.json() == {"replications": None}


async def test_missing_local_bucket_is_400(
    client: httpx.AsyncClient, fake: FakeInfluxDB, remote: dict[str, Any]
) -> None:
    """An unknown local bucket is 400 `local bucket "<id>" not found: bucket not found`."""
    response = await client.post(
        "/api/v2/replications", json=body(fake, remote, localBucketID="00000000000000bb")
    )
    assert response.status_code == 400
    assert response.json()["message"] == 'local bucket "00000000000000bb" not found: bucket not found'


async def test_duplicate_name_is_500(
    client: httpx.AsyncClient, fake: FakeInfluxDB, remote: dict[str, Any]
) -> None:
    """A duplicate (org, name) is the raw UNIQUE error, 500; an empty name is allowed once."""
    await make_replication(client, fake, remote["id"], name="")
    response = await client.post("/api/v2/replications", json=body(fake, remote, name=""))
    assert response.status_code == 500
    assert response.json() == {
        "code": "internal error",
        "message": "UNIQUE constraint failed: replications.org_id, replications.name",
    }


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("orgID", "invalid org id for permission: invalid ID"),
        ("localBucketID", "invalid id for permission: invalid ID"),
        ("remoteID", "invalid id for permission: invalid ID"),
    ],
)
async def test_zero_ids_are_rejected_by_authorizer(
    client: httpx.AsyncClient, fake: FakeInfluxDB, remote: dict[str, Any], missing: str, message: str
) -> None:
    """Missing orgID, localBucketID or remoteID is a 400 from the permission check."""
    response = await client.post("/api/v2/replications", json=body(fake, remote, **{missing: ...}))
    assert response.status_code == 400
    assert response.json() == {"code": "invalid", "message": message}


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
async def test_invalid_replication_id_is_400(client: httpx.AsyncClient, method: str) -> None:
    """`/replications/foo` is 400 `replication ID is invalid` (8.1.11)."""
    response = await client.request(method, "/api/v2/replications/foo", json={})
    assert response.status_code == 400
    assert response.json() == {"code": "invalid", "message": "replication ID is invalid"}


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE", "POST"])
async def test_missing_replication_is_404(client: httpx.AsyncClient, method: str) -> None:
    """An unknown replication is 404 `replication not found` (also for /validate)."""
    path = "/api/v2/replications/0123456789abcdef" + ("/validate" if method == "POST" else "")
    response = await client.request(method, path, json={})
    assert response.status_code == 404
    assert response.json() == {"code": "not found", "message": "replication not found"}


async def test_update_fields_and_omits_latest(
    client: httpx.AsyncClient, fake: FakeInfluxDB, remote: dict[str, Any]
) -> None:
    """PATCH changes remoteID, size and drop flag; the body has live sizes and no latest* (8.1.8, 8.5.6)."""
    created = await make_replication(client, fake, remote["id"])
    other = await make_remote(client, fake, name="other")
    response = await client.patch(
        f"/api/v2/replications/{created['id']}",
        json={
            "remoteID": other["id"],
            "maxQueueSizeBytes": 2 * DEFAULT,
            "dropNonRetryableData": True,
            "description": "new",
        },
    )
    assert response.status_code == 200
    updated = response.json()
    assert updated == {
        **created,
        "remoteID": other["id"],
        "maxQueueSizeBytes": 2 * DEFAULT,
        "dropNonRetryableData": True,
        "description": "new",
        "currentQueueSizeBytes": 8,
    }


async def test_update_missing_remote_changes_nothing(
    client: httpx.AsyncClient, fake: FakeInfluxDB, remote: dict[str, Any]
) -> None:
    """PATCH to an unknown remoteID is 400 with the FK text and leaves the row as it was (8.5.8)."""
    created = await make_replication(client, fake, remote["id"])
    response = await client.patch(
        f"/api/v2/replications/{created['id']}", json={"remoteID": "00000000000000ff", "name": "renamed"}
    )
    assert response.status_code == 400
    assert response.json()["message"] == 'remote "00000000000000ff" not found: FOREIGN KEY constraint failed'
    assert (await client.get(f"/api/v2/replications/{created['id']}")).json()["name"] == "repl"


@pytest.mark.parametrize("patch", [{}, {"name": None, "remoteBucketID": None, "maxAgeSeconds": None}])
async def test_update_noop(
    client: httpx.AsyncClient, fake: FakeInfluxDB, remote: dict[str, Any], patch: dict[str, Any]
) -> None:
    """An empty or all-null PATCH returns the replication unchanged (8.5.9)."""
    created = await make_replication(client, fake, remote["id"])
    response = await client.patch(f"/api/v2/replications/{created['id']}", json=patch)
    assert response.json() == {**created, "currentQueueSizeBytes": 8}


async def test_rename_collision_is_500(
    client: httpx.AsyncClient, fake: FakeInfluxDB, remote: dict[str, Any]
) -> None:
    """A PATCH rename onto an existing name is the raw UNIQUE error."""
    await make_replication(client, fake, remote["id"], name="a")
    second = await make_replication(client, fake, remote["id"], name="b")
    response = await client.patch(f"/api/v2/replications/{second['id']}", json={"name": "a"})
    assert (response.status_code, response.json()["code"]) == (500, "internal error")


@pytest.mark.parametrize(
    ("create", "patch", "expected"),
    [
        (
            {"remoteBucketID": ..., "remoteBucketName": "n"},
            {"remoteBucketID": "00000000000000aa"},
            ("00000000000000aa", "n"),
        ),
        (
            {"remoteBucketID": ..., "remoteBucketName": "n"},
            {"remoteBucketID": "00000000000000aa", "remoteBucketName": ""},
            ("00000000000000aa", ""),
        ),
        ({}, {"remoteBucketName": "x"}, ("0123456789abcdef", "x")),
        ({}, {"remoteBucketName": ""}, ("0123456789abcdef", "")),
        ({"remoteBucketID": ..., "remoteBucketName": "n"}, {"remoteBucketName": ""}, None),
    ],
)
async def test_bucket_target_pitfalls(
    client: httpx.AsyncClient,
    fake: FakeInfluxDB,
    remote: dict[str, Any],
    create: dict[str, Any],
    patch: dict[str, Any],
    expected: tuple[str, str] | None,
) -> None:
    """The bucket ID and name columns are updated on their own; clearing the only name hits the CHECK."""
    created = (await client.post("/api/v2/replications", json=body(fake, remote, **create))).json()
    response = await client.patch(f"/api/v2/replications/{created['id']}", json=patch)
    if expected is None:
        assert response.status_code == 500
        assert response.json() == {
            "code": "internal error",
            "message": "CHECK constraint failed: replications_one_of_id_name",
        }
    else:
        assert (response.json()["remoteBucketID"], response.json()["RemoteBucketName"]) == expected


async def test_delete_then_get_is_404(
    client: httpx.AsyncClient, fake: FakeInfluxDB, remote: dict[str, Any]
) -> None:
    """DELETE answers 204 without a body, then GET is 404 (8.1.7, 8.5.10)."""
    created = await make_replication(client, fake, remote["id"])
    response = await client.delete(f"/api/v2/replications/{created['id']}")
    assert (response.status_code, response.content) == (204, b"")
    assert (await client.get(f"/api/v2/replications/{created['id']}")).status_code == 404


async def test_deleting_bucket_deletes_its_replications(
    client: httpx.AsyncClient, fake: FakeInfluxDB, remote: dict[str, Any]
) -> None:
    """Deleting a local bucket removes every replication of it, and only those (8.5.11)."""
    doomed = await make_replication(client, fake, remote["id"], name="a")
    await make_replication(client, fake, remote["id"], name="b")
    kept = await make_replication(
        client, fake, remote["id"], name="c", localBucketID=fake.bucket_id("other-bucket")
    )
    assert (await client.delete(f"/api/v2/buckets/{fake.bucket_id('edge-bucket')}")).status_code == 204
    listed = (await client.get("/api/v2/replications", params={"orgID": fake.org_id})).json()["replications"]
    assert [r["id"] for r in listed] == [kept["id"]]
    assert (await client.get(f"/api/v2/replications/{doomed['id']}")).status_code == 404


@pytest.fixture
async def listing(client: httpx.AsyncClient, fake: FakeInfluxDB, remote: dict[str, Any]) -> dict[str, Any]:
    """Three replications over two buckets and two remotes."""
    other = await make_remote(client, fake, name="other")
    first = fake.bucket_id("edge-bucket")
    second = fake.bucket_id("other-bucket")
    low, high = sorted([first, second])
    return {
        "remote": remote["id"],
        "other": other["id"],
        "low": low,
        "high": high,
        "reps": [
            await make_replication(client, fake, remote["id"], name="r1", localBucketID=high),
            await make_replication(client, fake, other["id"], name="r2", localBucketID=low),
            await make_replication(client, fake, remote["id"], name="r3", localBucketID=high),
        ],
    }


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({}, ["r2", "r1", "r3"]),
        ({"name": "r3"}, ["r3"]),
        ({"remoteID": "@remote"}, ["r1", "r3"]),
        ({"localBucketID": "@low"}, ["r2"]),
        ({"remoteID": "@other", "localBucketID": "@high"}, None),
        ({"name": "", "remoteID": "", "localBucketID": ""}, ["r2", "r1", "r3"]),
        ({"name": "nope"}, None),
    ],
)
async def test_list_filters_and_order(
    client: httpx.AsyncClient,
    fake: FakeInfluxDB,
    listing: dict[str, Any],
    params: dict[str, str],
    names: list[str] | None,
) -> None:
    """Filters are exact, order is localBucketID then insertion, no match is `null` (8.1.1, 8.5.12-15)."""
    resolved = {k: listing[v[1:]] if v.startswith("@") else v for k, v in params.items()}
    response = await client.get("/api/v2/replications", params={"orgID": fake.org_id, **resolved})
    assert response.status_code == 200
    reps = response.json()["replications"]
    assert (None if reps is None else [r["name"] for r in reps]) == names


async def test_list_other_org_is_null(client: httpx.AsyncClient, listing: dict[str, Any]) -> None:
    """Another org's list is `{"replications": null}` (8.5.15)."""
    response = await client.get("/api/v2/replications", params={"orgID": "00000000000000aa"})
    assert response.content == b'{\n\t"replications": null\n}'


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "invalid or missing org ID"),
        ({"orgID": "foo"}, "invalid or missing org ID"),
        ({"orgID": "@org", "remoteID": "foo"}, "invalid remote ID"),
        ({"orgID": "@org", "localBucketID": "0000000000000000"}, "invalid local bucket ID"),
    ],
)
async def test_list_bad_query_ids(
    client: httpx.AsyncClient, fake: FakeInfluxDB, params: dict[str, str], message: str
) -> None:
    """Bad IDs in the list query are 400 with their own messages (8.1.12)."""
    resolved = {k: fake.org_id if v == "@org" else v for k, v in params.items()}
    response = await client.get("/api/v2/replications", params=resolved)
    assert (response.status_code, response.json()["message"]) == (400, message)
