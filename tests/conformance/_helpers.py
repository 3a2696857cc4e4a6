"""Helpers shared by the conformance tests (plain functions; fixtures live in conftest.py)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx

from influxdb_replications.testing import FakeInfluxDB

# the sender's backoff is scaled down so that retry tests take milliseconds, not seconds
FAST: dict[str, Any] = {"backoff_scale": 0.01, "remote_timeout": 3.0}


def auth(token: str) -> dict[str, str]:
    """Headers that authenticate with `token`."""
    return {"Authorization": f"Token {token}"}


async def make_remote(
    client: httpx.AsyncClient, fake: FakeInfluxDB, cloud: FakeInfluxDB | None = None, **fields: Any
) -> dict[str, Any]:
    """Create a remote (pointing at `cloud` when given) and return its JSON."""
    body: dict[str, Any] = {
        "orgID": fake.org_id,
        "name": "remote",
        "remoteURL": cloud.url if cloud else "http://127.0.0.1:9",
        "remoteAPIToken": cloud.token if cloud else "t",
        "remoteOrgID": cloud.org_id if cloud else "0123456789abcdef",
    }
    body.update(fields)
    response = await client.post("/api/v2/remotes", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def make_replication(
    client: httpx.AsyncClient, fake: FakeInfluxDB, remote_id: str, **fields: Any
) -> dict[str, Any]:
    """Create a replication of "edge-bucket" and return its JSON."""
    body: dict[str, Any] = {
        "orgID": fake.org_id,
        "name": "repl",
        "remoteID": remote_id,
        "localBucketID": fake.bucket_id("edge-bucket"),
        "remoteBucketID": "0123456789abcdef",
    }
    body.update(fields)
    response = await client.post("/api/v2/replications", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def write(client: httpx.AsyncClient, lines: str, bucket: str = "edge-bucket") -> None:
    """Write line protocol to the edge fake and insist on 204."""
    response = await client.post("/api/v2/write", params={"org": "my-org", "bucket": bucket}, content=lines)
    assert response.status_code == 204, response.text


async def eventually(check: Callable[[], Any], within: float = 5.0) -> None:
    """Poll an async or sync predicate until it is true, failing after `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


async def get_replication(client: httpx.AsyncClient, replication_id: str) -> dict[str, Any]:
    """GET one replication's JSON."""
    response = await client.get(f"/api/v2/replications/{replication_id}")
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result
