"""Random statuses and bodies for every method: only InfluxDBError subclasses or a correctly typed result."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from influxdb_replications import InfluxDBError, RemoteConnection, Replication, ReplicationClient, RetryPolicy

from .conftest import BUCKET_ID, ORG_ID, REMOTE_BUCKET_ID, REMOTE_ID, REPL_ID, remote_json, replication_json

Call = Callable[[ReplicationClient], Awaitable[Any]]


def is_remote_list(value: Any) -> bool:
    """A list of RemoteConnection."""
    return isinstance(value, list) and all(isinstance(v, RemoteConnection) for v in value)


def is_replication_list(value: Any) -> bool:
    """A list of Replication."""
    return isinstance(value, list) and all(isinstance(v, Replication) for v in value)


METHODS: dict[str, tuple[Call, Callable[[Any], bool]]] = {
    "remotes.list": (lambda c: c.remotes.list(name="cloud"), is_remote_list),
    "remotes.get": (lambda c: c.remotes.get(REMOTE_ID), lambda v: isinstance(v, RemoteConnection)),
    "remotes.find": (
        lambda c: c.remotes.find("cloud"),
        lambda v: v is None or isinstance(v, RemoteConnection),
    ),
    "remotes.create": (
        lambda c: c.remotes.create(
            name="cloud", remote_url="https://cloud.example:8086", remote_api_token="t"
        ),
        lambda v: isinstance(v, RemoteConnection),
    ),
    "remotes.update": (
        lambda c: c.remotes.update(REMOTE_ID, name="x"),
        lambda v: isinstance(v, RemoteConnection),
    ),
    "remotes.delete": (lambda c: c.remotes.delete(REMOTE_ID, cascade=True), lambda v: v is None),
    "replications.list": (
        lambda c: c.replications.list(local_bucket="local", remote="cloud"),
        is_replication_list,
    ),
    "replications.get": (lambda c: c.replications.get(REPL_ID), lambda v: isinstance(v, Replication)),
    "replications.find": (
        lambda c: c.replications.find("r"),
        lambda v: v is None or isinstance(v, Replication),
    ),
    "replications.create": (
        lambda c: c.replications.create(
            name="edge-to-cloud", remote="cloud", local_bucket="local", remote_bucket_id=REMOTE_BUCKET_ID
        ),
        lambda v: isinstance(v, Replication),
    ),
    "replications.update": (
        lambda c: c.replications.update(REPL_ID, remote_bucket_id=REMOTE_BUCKET_ID, remote="cloud"),
        lambda v: isinstance(v, Replication),
    ),
    "replications.delete": (lambda c: c.replications.delete(REPL_ID), lambda v: v is None),
    "replications.validate": (lambda c: c.replications.validate(REPL_ID), lambda v: v is None),
    "replications.validate_create": (
        lambda c: c.replications.validate_create(
            name="r", remote=REMOTE_ID, local_bucket=BUCKET_ID, remote_bucket="target"
        ),
        lambda v: v is None,
    ),
    "replications.validate_update": (
        lambda c: c.replications.validate_update(REPL_ID, remote_bucket_id=REMOTE_BUCKET_ID),
        lambda v: v is None,
    ),
}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
plausible = st.sampled_from(
    [
        remote_json(),
        replication_json(),
        {"remotes": None},
        {"remotes": [remote_json()]},
        {"replications": None},
        {"replications": [replication_json()]},
        {"remotes": [{"id": 5}]},
        {"buckets": [{"id": BUCKET_ID, "name": "local", "retentionRules": []}]},
        {"buckets": None},
        {"orgs": [{"id": ORG_ID, "name": "o"}]},
        {"code": "invalid", "message": "replication failed validation: x"},
        {"code": "internal error", "message": "UNIQUE constraint failed: remotes.org_id, remotes.name"},
        {"code": "conflict", "message": "c"},
        {"code": 5, "message": None},
    ]
)
bodies = st.one_of(
    st.binary(max_size=40),
    json_values.map(lambda v: json.dumps(v).encode()),
    plausible.map(lambda v: json.dumps(v).encode()),
)
statuses = st.one_of(
    st.sampled_from([200, 201, 204, 400, 404, 422, 429, 500, 502, 503, 504]), st.integers(200, 599)
)
failures = st.sampled_from([httpx.ConnectError("x"), httpx.ReadTimeout("x"), httpx.RemoteProtocolError("x")])
answers = st.one_of(
    st.tuples(statuses, bodies, st.sampled_from(["", "1", "soon", "Wed, 21 Oct 2015 07:28:00 GMT"])),
    failures,
)


async def no_wait(seconds: float) -> None:
    """Backoff that returns at once."""


@pytest.mark.parametrize("method", list(METHODS))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_answers(method: str, data: st.DataObject) -> None:
    """Whatever the server answers, each method returns a correct result or raises an InfluxDBError."""
    call, check = METHODS[method]

    def handler(request: httpx.Request) -> httpx.Response:
        answer = data.draw(answers)
        if isinstance(answer, Exception):
            raise type(answer)(str(answer), request=request)
        status, content, retry_after = answer
        headers = {"Retry-After": retry_after} if retry_after else {}
        return httpx.Response(status, content=content, headers=headers)

    async def run() -> None:
        async with ReplicationClient(
            url="http://influx.test",
            token="t",
            org_id=ORG_ID,
            transport=httpx.MockTransport(handler),
            retry=RetryPolicy(max_attempts=3),
            sleep=no_wait,
        ) as client:
            try:
                result = await call(client)
            except InfluxDBError:
                return
            assert check(result), result

    asyncio.run(run())
