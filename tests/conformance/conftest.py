"""Fixtures for the conformance tests: fakes on real sockets, driven with plain httpx."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from influxdb_replications.testing import FakeInfluxDB

from ._helpers import FAST


@pytest.fixture
async def fake() -> AsyncIterator[FakeInfluxDB]:
    """The server under test (the "edge"), with buckets "edge-bucket" and "other-bucket"."""
    async with FakeInfluxDB(token="edge-token", buckets=["edge-bucket", "other-bucket"], **FAST) as server:
        yield server


@pytest.fixture
async def cloud() -> AsyncIterator[FakeInfluxDB]:
    """A second fake used as the remote that replications write into."""
    async with FakeInfluxDB(token="cloud-token", org="cloud-org", buckets=["cloud-bucket"], **FAST) as server:
        yield server


@pytest.fixture
async def client(fake: FakeInfluxDB) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client for the edge fake with its operator token."""
    headers = {"Authorization": f"Token {fake.token}"}
    async with httpx.AsyncClient(base_url=fake.url, headers=headers, timeout=10) as http_client:
        yield http_client


@pytest.fixture
async def anon(fake: FakeInfluxDB) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client for the edge fake without any token."""
    async with httpx.AsyncClient(base_url=fake.url, timeout=10) as http_client:
        yield http_client
