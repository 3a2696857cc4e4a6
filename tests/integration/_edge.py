"""Helpers shared by the integration tests that drive an edge fake's replication engine."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import httpx

from influxdb_replications import ReplicationClient
from influxdb_replications.operations.health import ReplicationStatus
from influxdb_replications.testing import FakeInfluxDB

WRITE = "/api/v2/write"


async def write_points(edge: FakeInfluxDB, count: int, start: int = 0) -> None:
    """Write `count` points into the edge's "sensors" bucket (org "edge"); they are queued for replication."""
    lines = "\n".join(
        f"cpu,host=h{i % 3} usage={i}.5 {1_700_000_000 + i}" for i in range(start, start + count)
    )
    async with httpx.AsyncClient(base_url=edge.url, headers={"Authorization": f"Token {edge.token}"}) as http:
        response = await http.post(
            WRITE, params={"org": "edge", "bucket": "sensors", "precision": "s"}, content=lines
        )
        assert response.status_code == 204, response.text


async def status_when(
    client: ReplicationClient,
    replication_id: str,
    done: Callable[[ReplicationStatus], bool],
    seconds: float,
) -> ReplicationStatus:
    """Poll status(id) until `done` holds (failing the test after `seconds`)."""
    deadline = time.monotonic() + seconds
    while True:
        (status,) = await client.replications.status(replication_id)
        if done(status):
            return status
        assert time.monotonic() < deadline, f"condition never met; last: {status}"
        await asyncio.sleep(0.01)
