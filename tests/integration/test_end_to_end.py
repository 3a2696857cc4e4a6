"""End to end on two embedded servers: our client sets up replication and the points arrive."""

from __future__ import annotations

import asyncio
import time

import httpx

from influxdb_replications import Replication, ReplicationClient
from influxdb_replications.testing import FakeInfluxDB


async def _write(server: FakeInfluxDB, org: str, bucket: str, lines: list[str]) -> None:
    async with httpx.AsyncClient(
        base_url=server.url, headers={"Authorization": f"Token {server.token}"}
    ) as http:
        response = await http.post(
            "/api/v2/write", params={"org": org, "bucket": bucket, "precision": "s"}, content="\n".join(lines)
        )
        assert response.status_code == 204, response.text


async def _drained(client: ReplicationClient, replication_id: str, wait_seconds: float = 20.0) -> Replication:
    deadline = time.monotonic() + wait_seconds
    while True:
        current = await client.replications.get(replication_id)
        if current.remaining_bytes_to_be_synced == 0 and current.latest_response_code == 204:
            return current
        assert time.monotonic() < deadline, f"queue not drained: {current}"
        await asyncio.sleep(0.05)


async def test_points_written_to_the_edge_arrive_in_the_cloud() -> None:
    """Remote + replication created and validated by our client carry every point edge -> cloud."""
    async with (
        FakeInfluxDB(org="edge", buckets=["sensors"]) as edge,
        FakeInfluxDB(org="cloud", buckets=["archive"]) as cloud,
        ReplicationClient(url=edge.url, token=edge.token, org="edge") as client,
    ):
        remote = await client.remotes.create(
            name="cloud", remote_url=cloud.url, remote_api_token=cloud.token, remote_org_id=cloud.org_id
        )
        replication = await client.replications.create(
            name="to-cloud",
            remote=remote,
            local_bucket="sensors",
            remote_bucket_id=cloud.bucket_id("archive"),
        )
        await client.replications.validate(replication.id)

        lines = [f"cpu,host=h{i % 3} usage={i}.5 {1_700_000_000 + i}" for i in range(300)]
        await _write(edge, "edge", "sensors", lines[:150])
        await _write(edge, "edge", "sensors", lines[150:])

        status = await _drained(client, replication.id)
        assert status.latest_error_message in ("", None)
        arrived = await cloud.points("archive")
        assert len(arrived) == 300
        assert {p.fields["usage"] for p in arrived} == {i + 0.5 for i in range(300)}
        assert {p.time for p in arrived} == {(1_700_000_000 + i) * 1_000_000_000 for i in range(300)}


async def test_points_survive_a_cloud_outage() -> None:
    """With the cloud answering 503 for a while, every point still arrives afterwards."""
    async with (
        FakeInfluxDB(org="edge", buckets=["sensors"]) as edge,
        FakeInfluxDB(org="cloud", buckets=["archive"]) as cloud,
        ReplicationClient(url=edge.url, token=edge.token, org="edge") as client,
    ):
        remote = await client.remotes.create(
            name="cloud", remote_url=cloud.url, remote_api_token=cloud.token, remote_org_id=cloud.org_id
        )
        replication = await client.replications.create(
            name="to-cloud", remote=remote, local_bucket="sensors", remote_bucket="archive"
        )
        cloud.fail_next(4, status=503, method="POST", path="/api/v2/write")

        await _write(edge, "edge", "sensors", [f"m v={i} {1_700_000_000 + i}" for i in range(100)])
        deadline = time.monotonic() + 10
        while (await client.replications.get(replication.id)).latest_response_code != 503:
            assert time.monotonic() < deadline, "the outage was never seen"
            await asyncio.sleep(0.02)
        backlog = await client.replications.get(replication.id)
        assert (backlog.remaining_bytes_to_be_synced or 0) > 0
        assert "503" in (backlog.latest_error_message or "")

        await _write(edge, "edge", "sensors", [f"m v={i} {1_700_000_000 + i}" for i in range(100, 200)])
        await _drained(client, replication.id)
        arrived = await cloud.points("archive")
        assert sorted(int(p.fields["v"]) for p in arrived) == list(range(200))
