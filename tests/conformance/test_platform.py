"""Orgs, buckets, writes, health and the FakeInfluxDB helpers (not in the reference; InfluxDB 2.x shape)."""

from __future__ import annotations

import gzip

import httpx
import pytest

from influxdb_replications.testing import FakeInfluxDB, Point

from ._helpers import auth, write


async def test_health_and_ping(anon: httpx.AsyncClient) -> None:
    """/health reports pass with a version; /ping is 204 with the version headers."""
    health = (await anon.get("/health")).json()
    assert {k: health[k] for k in ("name", "status", "message", "checks")} == {
        "name": "influxdb",
        "status": "pass",
        "message": "ready for queries and writes",
        "checks": [],
    }
    assert health["version"].startswith("v2.")
    ping = await anon.head("/ping")
    assert ping.status_code == 204
    assert ping.headers["X-Influxdb-Build"] == "OSS"
    assert ping.headers["X-Influxdb-Version"].startswith("v2.")


async def test_orgs(client: httpx.AsyncClient, fake: FakeInfluxDB) -> None:
    """GET /api/v2/orgs lists orgs, filters by name, and 404s an unknown name."""
    listed = (await client.get("/api/v2/orgs")).json()["orgs"]
    assert [(o["id"], o["name"]) for o in listed] == [(fake.org_id, "my-org")]
    by_name = (await client.get("/api/v2/orgs", params={"org": "my-org"})).json()["orgs"]
    assert by_name[0]["id"] == fake.org_id
    missing = await client.get("/api/v2/orgs", params={"org": "x"})
    assert (missing.status_code, missing.json()) == (
        404,
        {"code": "not found", "message": 'organization name "x" not found'},
    )
    assert (await client.get(f"/api/v2/orgs/{fake.org_id}")).json()["name"] == "my-org"


async def test_buckets(client: httpx.AsyncClient, fake: FakeInfluxDB) -> None:
    """GET /api/v2/buckets filters by org and name and carries the schema's required fields."""
    listed = (await client.get("/api/v2/buckets", params={"orgID": fake.org_id})).json()["buckets"]
    assert sorted(b["name"] for b in listed) == ["edge-bucket", "other-bucket"]
    [bucket] = (await client.get("/api/v2/buckets", params={"org": "my-org", "name": "edge-bucket"})).json()[
        "buckets"
    ]
    assert bucket["id"] == fake.bucket_id("edge-bucket")
    assert {"name", "retentionRules", "orgID", "type", "links", "createdAt"} <= set(bucket)
    missing = await client.get("/api/v2/buckets", params={"name": "nope"})
    assert (missing.status_code, missing.json()["message"]) == (404, 'bucket "nope" not found')


async def test_create_bucket(client: httpx.AsyncClient, fake: FakeInfluxDB) -> None:
    """POST /api/v2/buckets creates (201); a taken name is 422 `conflict`."""
    body = {"orgID": fake.org_id, "name": "new", "retentionRules": [{"type": "expire", "everySeconds": 3600}]}
    created = await client.post("/api/v2/buckets", json=body)
    assert created.status_code == 201
    assert created.json()["retentionRules"][0]["everySeconds"] == 3600
    assert fake.bucket_id("new") == created.json()["id"]
    again = await client.post("/api/v2/buckets", json=body)
    assert (again.status_code, again.json()) == (
        422,
        {"code": "conflict", "message": "bucket with name new already exists"},
    )


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"bucket": "edge-bucket"}, 400, "Please provide either orgID or org"),
        ({"org": "", "bucket": "edge-bucket"}, 400, "Please provide either orgID or org"),
        ({"org": "my-org", "bucket": "nope"}, 404, 'bucket "nope" not found'),
        ({"org": "my-org", "bucket": "edge-bucket", "precision": "h"}, 400, None),
    ],
)
async def test_write_errors(
    client: httpx.AsyncClient, params: dict[str, str], status: int, message: str | None
) -> None:
    """Writes need an org, an existing bucket and a known precision."""
    response = await client.post("/api/v2/write", params=params, content="m v=1")
    assert response.status_code == status
    if message is not None:
        assert response.json()["message"] == message


async def test_write_needs_write_permission(client: httpx.AsyncClient, fake: FakeInfluxDB) -> None:
    """A token without write on the bucket gets 401; a write-only token may write."""
    bucket = fake.bucket_id("edge-bucket")
    reader = fake.create_token([f"read:orgs/{fake.org_id}/buckets/{bucket}"])
    params = {"org": fake.org_id, "bucket": bucket}
    denied = await client.post("/api/v2/write", params=params, content="m v=1", headers=auth(reader))
    assert (denied.status_code, denied.json()["message"]) == (
        401,
        f"write:orgs/{fake.org_id}/buckets/{bucket} is unauthorized",
    )
    writer = fake.create_token([f"write:orgs/{fake.org_id}/buckets/{bucket}"])
    allowed = await client.post("/api/v2/write", params=params, content="m v=1", headers=auth(writer))
    assert allowed.status_code == 204


async def test_write_empty_body_is_204(client: httpx.AsyncClient, fake: FakeInfluxDB) -> None:
    """An empty write body succeeds, which is what makes validation probes pass."""
    response = await client.post("/api/v2/write", params={"org": "my-org", "bucket": "edge-bucket"})
    assert response.status_code == 204
    assert await fake.points("edge-bucket") == []


async def test_write_line_protocol_error_names_line(client: httpx.AsyncClient) -> None:
    """A syntax error is 400 `invalid` naming the line, and nothing is stored."""
    response = await client.post(
        "/api/v2/write",
        params={"org": "my-org", "bucket": "edge-bucket"},
        content="good v=1 1\nbad-line-without-fields",
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "message": "unable to parse 'bad-line-without-fields': missing fields",
    }


async def test_points_sorted_overwritten_and_gzip(client: httpx.AsyncClient, fake: FakeInfluxDB) -> None:
    """Stored points are sorted by time then series; same series+time merges; gzip bodies work."""
    await write(client, 'cpu,host=b a=1i,s="x" 20\ncpu,host=a a=2.5 20\nmem free=3u 10')
    body = gzip.compress(b"cpu,host=b a=9i 20\ncpu,host=b ok=true 20")
    response = await client.post(
        "/api/v2/write",
        params={"org": "my-org", "bucket": "edge-bucket"},
        content=body,
        headers={"Content-Encoding": "gzip"},
    )
    assert response.status_code == 204
    assert await fake.points("edge-bucket") == [
        Point("mem", {}, {"free": 3}, 10),
        Point("cpu", {"host": "a"}, {"a": 2.5}, 20),
        Point("cpu", {"host": "b"}, {"a": 9, "s": "x", "ok": True}, 20),
    ]


async def test_precision_scales_timestamps(client: httpx.AsyncClient, fake: FakeInfluxDB) -> None:
    """precision=ms stores the timestamp in nanoseconds."""
    await client.post(
        "/api/v2/write",
        params={"org": "my-org", "bucket": "edge-bucket", "precision": "ms"},
        content="m v=1 5",
    )
    assert [p.time for p in await fake.points("edge-bucket")] == [5_000_000]


async def test_helpers_and_repr() -> None:
    """Defaults, bucket_id errors, and a repr that never shows the token."""
    async with FakeInfluxDB() as fake:
        assert fake.url.startswith("http://127.0.0.1:")
        assert fake.org == "my-org"
        assert len(fake.org_id) == 16
        assert fake.bucket_id("my-bucket")
        with pytest.raises(KeyError, match="no bucket named 'nope'"):
            fake.bucket_id("nope")
        with pytest.raises(KeyError):
            await fake.points("nope")
        assert fake.token not in repr(fake)
        assert fake.token_generated
        new_id = fake.create_bucket("made")
        assert fake.bucket_id("made") == new_id
        with pytest.raises(ValueError, match="already exists"):
            fake.create_bucket("made")
        with pytest.raises(ValueError, match="invalid permission"):
            fake.create_token(["admin:everything"])
    await fake.stop()


async def test_url_before_start_is_an_error() -> None:
    """The URL is only known once started; a stopped fake cannot be restarted."""
    fake = FakeInfluxDB(token="t")
    with pytest.raises(RuntimeError):
        _ = fake.url
    await fake.start()
    await fake.stop()
    with pytest.raises(RuntimeError):
        await fake.start()
