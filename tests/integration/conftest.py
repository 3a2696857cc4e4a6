"""Integration fixtures: our client over real sockets, against the embedded server or a real InfluxDB.

By default every test gets a fresh :class:`FakeInfluxDB`. With ``--real-server`` (``nox -s integration``)
the same tests run against the server named by INFLUX_HOST / INFLUX_TOKEN / INFLUX_ORG: the fixture then
creates two uniquely named buckets, the replication target is the server itself (a "self-remote", as the
server's own end-to-end tests do), and everything the test created is deleted afterwards. Tests that need
what only the embedded server offers (fault injection, reading the points that arrived) ask for
``fake`` and are skipped against a real server.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from influxdb_replications import ReplicationClient
from influxdb_replications.testing import FakeInfluxDB


@dataclass(frozen=True)
class Target:
    """Where the integration tests point the client."""

    url: str
    token: str
    org: str
    org_id: str
    bucket: str  # the local bucket that replications read from
    bucket_id: str
    target_bucket: str  # the bucket the self-remote writes into
    target_bucket_id: str
    prefix: str  # every remote/replication a test creates starts with this
    fake: FakeInfluxDB | None

    def name(self, suffix: str) -> str:
        return f"{self.prefix}{suffix}"


def _real_server_env() -> tuple[str, str, str]:
    missing = [n for n in ("INFLUX_HOST", "INFLUX_TOKEN", "INFLUX_ORG") if not os.environ.get(n)]
    if missing:
        pytest.skip(f"--real-server needs {', '.join(missing)}")
    return os.environ["INFLUX_HOST"], os.environ["INFLUX_TOKEN"], os.environ["INFLUX_ORG"]


async def _real_target(prefix: str) -> AsyncIterator[Target]:
    url, token, org = _real_server_env()
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Token {token}"}) as http:
        orgs = (await http.get("/api/v2/orgs", params={"org": org})).raise_for_status().json()["orgs"]
        org_id = orgs[0]["id"]
        bucket_ids = []
        for name in (f"{prefix}local", f"{prefix}target"):
            created = await http.post(
                "/api/v2/buckets", json={"orgID": org_id, "name": name, "retentionRules": []}
            )
            bucket_ids.append(created.raise_for_status().json()["id"])
        try:
            yield Target(
                url,
                token,
                org,
                org_id,
                f"{prefix}local",
                bucket_ids[0],
                f"{prefix}target",
                bucket_ids[1],
                prefix,
                None,
            )
        finally:
            # replications first: a remote that a replication uses cannot be deleted
            for kind in ("replications", "remotes"):
                listed = (await http.get(f"/api/v2/{kind}", params={"orgID": org_id})).json().get(kind) or []
                for item in listed:
                    if item["name"].startswith(prefix):
                        await http.delete(f"/api/v2/{kind}/{item['id']}")
            for bucket_id in bucket_ids:
                await http.delete(f"/api/v2/buckets/{bucket_id}")


@pytest.fixture
async def target(request: pytest.FixtureRequest) -> AsyncIterator[Target]:
    """A server to test against (embedded unless --real-server) with a local and a target bucket."""
    prefix = f"it-{uuid.uuid4().hex[:8]}-"
    if request.config.getoption("--real-server"):
        async for real in _real_target(prefix):
            yield real
        return
    async with FakeInfluxDB(org="it-org", buckets=["local", "target"]) as fake:
        yield Target(
            fake.url,
            fake.token,
            "it-org",
            fake.org_id,
            "local",
            fake.bucket_id("local"),
            "target",
            fake.bucket_id("target"),
            prefix,
            fake,
        )


@pytest.fixture
def fake(target: Target) -> FakeInfluxDB:
    """The embedded server behind ``target``; tests that need it are skipped against a real server."""
    if target.fake is None:
        pytest.skip("needs the embedded server (fault injection or reading arrived points)")
    return target.fake


@pytest.fixture(params=["httpx", "aiohttp"])
async def client(target: Target, request: pytest.FixtureRequest) -> AsyncIterator[ReplicationClient]:
    """Our client, configured for ``target`` by org name, with instant backoff between retries.

    Every test that uses it runs once per backend (httpx, the default, and aiohttp).
    """

    async def no_wait(_seconds: float) -> None:
        return None

    async with ReplicationClient(
        url=target.url, token=target.token, org=target.org, sleep=no_wait, backend=request.param
    ) as c:
        yield c
