"""Shared fixtures for the unit tests: a respx router behind the client's transport, and sample bodies."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import respx

from influxdb_replications import ReplicationClient, RetryPolicy

BASE = "http://influx.test"
TOKEN = "tok-SECRET-0123456789"
ORG_ID = "0a0a0a0a0a0a0a0a"
REMOTE_ID = "0b0b0b0b0b0b0b0b"
REMOTE_ORG_ID = "0c0c0c0c0c0c0c0c"
REPL_ID = "0d0d0d0d0d0d0d0d"
BUCKET_ID = "0e0e0e0e0e0e0e0e"
REMOTE_BUCKET_ID = "0f0f0f0f0f0f0f0f"


def remote_json(**override: Any) -> dict[str, Any]:
    """A remote connection body as the server writes it."""
    body: dict[str, Any] = {
        "id": REMOTE_ID,
        "orgID": ORG_ID,
        "name": "cloud",
        "remoteURL": "https://cloud.example:8086",
        "remoteOrgID": REMOTE_ORG_ID,
        "allowInsecureTLS": False,
    }
    body.update(override)
    return body


def replication_json(**override: Any) -> dict[str, Any]:
    """A replication body as the server writes it (note the capital R of RemoteBucketName)."""
    body: dict[str, Any] = {
        "id": REPL_ID,
        "orgID": ORG_ID,
        "name": "edge-to-cloud",
        "remoteID": REMOTE_ID,
        "localBucketID": BUCKET_ID,
        "remoteBucketID": REMOTE_BUCKET_ID,
        "RemoteBucketName": "",
        "maxQueueSizeBytes": 67108860,
        "currentQueueSizeBytes": 8,
        "remainingBytesToBeSynced": 0,
        "dropNonRetryableData": False,
        "maxAgeSeconds": 604800,
    }
    body.update(override)
    return body


def error_json(status: int, code: str, message: str) -> httpx.Response:
    """An InfluxDB error response."""
    return httpx.Response(status, json={"code": code, "message": message})


class Sleeps:
    """A ``sleep=`` hook that records the requested waits and returns at once."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def router() -> respx.Router:
    """A respx router for the fake server (unmatched requests fail the test)."""
    return respx.Router(base_url=BASE, assert_all_called=False)


@pytest.fixture
def sleeps() -> Sleeps:
    """The recorded backoff waits."""
    return Sleeps()


MakeClient = Callable[..., ReplicationClient]


@pytest.fixture
async def make_client(router: respx.Router, sleeps: Sleeps) -> AsyncIterator[MakeClient]:
    """Build clients on the router; they are closed after the test."""
    made: list[ReplicationClient] = []

    def make(**kwargs: Any) -> ReplicationClient:
        kwargs.setdefault("url", BASE)
        kwargs.setdefault("token", TOKEN)
        if "org" not in kwargs:
            kwargs.setdefault("org_id", ORG_ID)
        kwargs.setdefault("transport", httpx.MockTransport(router.async_handler))
        kwargs.setdefault("sleep", sleeps)
        kwargs.setdefault("retry", RetryPolicy())
        client = ReplicationClient(**kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()


@pytest.fixture
async def client(make_client: MakeClient) -> ReplicationClient:
    """A client with org_id set, on the router, with instant backoff."""
    return make_client()


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No INFLUX_* variable of the developer's shell leaks into a test."""
    for name in ("INFLUX_HOST", "INFLUX_TOKEN", "INFLUX_ORG", "INFLUX_ORG_ID"):
        monkeypatch.delenv(name, raising=False)
