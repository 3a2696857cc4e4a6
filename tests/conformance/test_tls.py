"""The edge fake's writer over TLS (reference 4, 6.2): it verifies HTTPS remotes as the server does."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from influxdb_replications.testing import FakeCA, FakeInfluxDB

CLOUD_TOKEN = "cloud-token-tls-6b2e"
UNKNOWN_AUTHORITY = "tls: failed to verify certificate: x509: certificate signed by unknown authority"


@pytest.fixture
def ca(tmp_path: Path) -> FakeCA:
    """The cloud's private CA."""
    return FakeCA(tmp_path / "ca")


@pytest.fixture
async def cloud(ca: FakeCA) -> AsyncIterator[FakeInfluxDB]:
    """The replication target, serving HTTPS with a certificate of the private CA."""
    async with FakeInfluxDB(
        token=CLOUD_TOKEN, org="cloud", buckets=["archive"], ssl_context=ca.server_context()
    ) as fake:
        yield fake


class Edge:
    """An edge fake and raw API calls to it (as the influx CLI makes them)."""

    def __init__(self, fake: FakeInfluxDB, cloud: FakeInfluxDB) -> None:
        self.fake, self.cloud = fake, cloud
        self.http = httpx.AsyncClient(base_url=fake.url, headers={"Authorization": f"Token {fake.token}"})

    async def remote(self, *, insecure: bool = False, url: str | None = None) -> str:
        body = {
            "orgID": self.fake.org_id,
            "name": "cloud",
            "remoteURL": url or self.cloud.url,
            "remoteAPIToken": CLOUD_TOKEN,
            "remoteOrgID": self.cloud.org_id,
            "allowInsecureTLS": insecure,
        }
        response = await self.http.post("/api/v2/remotes", json=body)
        assert response.status_code == 201, response.text
        remote_id: str = response.json()["id"]
        return remote_id

    def replication_body(self, remote_id: str) -> dict[str, Any]:
        return {
            "orgID": self.fake.org_id,
            "name": "rep",
            "remoteID": remote_id,
            "localBucketID": self.fake.bucket_id("sensors"),
            "remoteBucketID": self.cloud.bucket_id("archive"),
            "maxQueueSizeBytes": 33554430,
        }

    async def replication(self, remote_id: str) -> str:
        response = await self.http.post("/api/v2/replications", json=self.replication_body(remote_id))
        assert response.status_code == 201, response.text
        replication_id: str = response.json()["id"]
        return replication_id

    async def write(self) -> None:
        response = await self.http.post(
            "/api/v2/write",
            params={"org": "edge", "bucket": "sensors"},
            content="cpu v=1 1700000000000000000",
        )
        assert response.status_code == 204, response.text

    async def latest(self, replication_id: str, done: Any, seconds: float = 10.0) -> dict[str, Any]:
        end = time.monotonic() + seconds
        while True:
            body: dict[str, Any] = (await self.http.get(f"/api/v2/replications/{replication_id}")).json()
            if done(body):
                return body
            assert time.monotonic() < end, body
            await asyncio.sleep(0.01)


async def edge_of(cloud: FakeInfluxDB, **options: Any) -> AsyncIterator[Edge]:
    async with FakeInfluxDB(org="edge", buckets=["sensors"], backoff_scale=0.01, **options) as fake:
        edge = Edge(fake, cloud)
        try:
            yield edge
        finally:
            await edge.http.aclose()


@pytest.fixture
async def edge(cloud: FakeInfluxDB) -> AsyncIterator[Edge]:
    """An edge that trusts only the system's CAs (not the cloud's private CA)."""
    async for edge in edge_of(cloud):
        yield edge


@pytest.fixture
async def trusting_edge(cloud: FakeInfluxDB, ca: FakeCA) -> AsyncIterator[Edge]:
    """An edge with the cloud's private CA installed (remote_ca_file)."""
    async for edge in edge_of(cloud, remote_ca_file=ca.ca_file):
        yield edge


def write_url(edge: Edge) -> str:
    return f"{edge.cloud.url}/api/v2/write?bucket={edge.cloud.bucket_id('archive')}&org={edge.cloud.org_id}"


async def test_untrusted_remote_fails_the_write_with_code_0_and_x509(edge: Edge) -> None:
    """A write to an HTTPS remote signed by an unknown CA: code 0 and Go's x509 text, nothing delivered."""
    replication_id = await edge.replication(await edge.remote())
    await edge.write()
    body = await edge.latest(replication_id, lambda b: "latestErrorMessage" in b)
    assert body["latestResponseCode"] == 0
    assert body["latestErrorMessage"] == f'Post "{write_url(edge)}": {UNKNOWN_AUTHORITY}'
    assert await edge.cloud.points("archive") == []


async def test_allow_insecure_tls_skips_the_check(edge: Edge) -> None:
    """allowInsecureTLS on the remote: the same write is delivered (204), as InsecureSkipVerify does."""
    replication_id = await edge.replication(await edge.remote(insecure=True))
    await edge.write()
    body = await edge.latest(replication_id, lambda b: b.get("latestResponseCode") == 204)
    assert body["latestErrorMessage"] == ""
    assert len(await edge.cloud.points("archive")) == 1


async def test_remote_ca_file_makes_the_remote_trusted(trusting_edge: Edge) -> None:
    """With the private CA as remote_ca_file the edge delivers to the HTTPS remote with checks on."""
    replication_id = await trusting_edge.replication(await trusting_edge.remote())
    await trusting_edge.write()
    await trusting_edge.latest(replication_id, lambda b: b.get("latestResponseCode") == 204)
    assert len(await trusting_edge.cloud.points("archive")) == 1


async def test_patching_allow_insecure_tls_heals_the_queue(edge: Edge) -> None:
    """A failing replication delivers once its remote is PATCHed to allowInsecureTLS (re-read per attempt)."""
    remote_id = await edge.remote()
    replication_id = await edge.replication(remote_id)
    await edge.write()
    await edge.latest(replication_id, lambda b: b.get("latestResponseCode") == 0)
    patched = await edge.http.patch(f"/api/v2/remotes/{remote_id}", json={"allowInsecureTLS": True})
    assert patched.status_code == 200 and patched.json()["allowInsecureTLS"] is True
    await edge.write()
    await edge.latest(replication_id, lambda b: b.get("latestResponseCode") == 204)


async def test_validation_goes_through_the_same_check(edge: Edge) -> None:
    """?validate=true and /validate fail with the x509 cause; with allowInsecureTLS they pass."""
    remote_id = await edge.remote()
    probe = await edge.http.post(
        "/api/v2/replications", params={"validate": "true"}, json=edge.replication_body(remote_id)
    )
    assert probe.status_code == 400
    assert (
        probe.json()["message"]
        == f'replication parameters fail validation: Post "{write_url(edge)}": {UNKNOWN_AUTHORITY}'
    )
    replication_id = await edge.replication(remote_id)
    validated = await edge.http.post(f"/api/v2/replications/{replication_id}/validate")
    assert validated.status_code == 400
    assert validated.json()["message"].endswith(UNKNOWN_AUTHORITY)
    await edge.http.patch(f"/api/v2/remotes/{remote_id}", json={"allowInsecureTLS": True})
    assert (await edge.http.post(f"/api/v2/replications/{replication_id}/validate")).status_code == 204


async def test_validation_passes_with_the_ca_installed(trusting_edge: Edge) -> None:
    """With remote_ca_file the edge's validation of the HTTPS remote succeeds (204)."""
    replication_id = await trusting_edge.replication(await trusting_edge.remote())
    validated = await trusting_edge.http.post(f"/api/v2/replications/{replication_id}/validate")
    assert validated.status_code == 204, validated.text


async def test_certificate_for_another_host(tmp_path: Path) -> None:
    """A trusted certificate issued for another name fails with Go's x509 host-name wording."""
    ca = FakeCA(tmp_path, hosts=("cloud.example.invalid",))
    async with FakeInfluxDB(
        token=CLOUD_TOKEN, org="cloud", buckets=["archive"], ssl_context=ca.server_context()
    ) as cloud:
        async for edge in edge_of(cloud, remote_ca_file=ca.ca_file):
            replication_id = await edge.replication(await edge.remote())
            validated = await edge.http.post(f"/api/v2/replications/{replication_id}/validate")
    message = validated.json()["message"]
    assert re.search(
        r"tls: failed to verify certificate: x509: certificate is not valid for 127\.0\.0\.1$", message
    )
