"""Bad arguments are ValueErrors naming the argument, raised before any request."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import respx

from influxdb_replications import ReplicationClient

from .conftest import BUCKET_ID, REMOTE_BUCKET_ID, REMOTE_ID, REPL_ID

Call = Callable[[ReplicationClient], Awaitable[Any]]


def repl_create(**override: Any) -> Call:
    """A replications.create call with one argument replaced."""
    kwargs: dict[str, Any] = {
        "name": "r",
        "remote": REMOTE_ID,
        "local_bucket": BUCKET_ID,
        "remote_bucket_id": REMOTE_BUCKET_ID,
    }
    kwargs.update(override)
    return lambda c: c.replications.create(**kwargs)


def repl_validate_create(**override: Any) -> Call:
    """A replications.validate_create call with one argument replaced."""
    kwargs: dict[str, Any] = {
        "name": "r",
        "remote": REMOTE_ID,
        "local_bucket": BUCKET_ID,
        "remote_bucket_id": REMOTE_BUCKET_ID,
    }
    kwargs.update(override)
    return lambda c: c.replications.validate_create(**kwargs)


def remote_create(**override: Any) -> Call:
    """A remotes.create call with one argument replaced."""
    kwargs: dict[str, Any] = {"name": "cloud", "remote_url": "https://cloud.example", "remote_api_token": "t"}
    kwargs.update(override)
    return lambda c: c.remotes.create(**kwargs)


CASES: list[tuple[str, Call, str]] = [
    ("remotes.get id", lambda c: c.remotes.get("abc"), "remote_id"),
    ("remotes.get id 17", lambda c: c.remotes.get("0" * 17), "remote_id"),
    ("remotes.get non-hex", lambda c: c.remotes.get("g" * 16), "remote_id"),
    ("remotes.find empty", lambda c: c.remotes.find(""), "name"),
    ("remotes.list name", lambda c: c.remotes.list(name=""), "name"),
    ("remotes.list url", lambda c: c.remotes.list(remote_url="cloud.example"), "remote_url"),
    ("remotes.create name", remote_create(name=""), "name"),
    ("remotes.create url", remote_create(remote_url="ftp://cloud.example"), "remote_url"),
    ("remotes.create url no host", remote_create(remote_url="https://"), "remote_url"),
    ("remotes.create token", remote_create(remote_api_token=None), "remote_api_token"),
    ("remotes.create org", remote_create(remote_org_id="xyz"), "remote_org_id"),
    ("remotes.create tls", remote_create(allow_insecure_tls="yes"), "allow_insecure_tls"),
    ("remotes.create description", remote_create(description=5), "description"),
    ("remotes.update id", lambda c: c.remotes.update("nope", name="x"), "remote_id"),
    ("remotes.update name", lambda c: c.remotes.update(REMOTE_ID, name=""), "name"),
    ("remotes.update url", lambda c: c.remotes.update(REMOTE_ID, remote_url="x"), "remote_url"),
    ("remotes.update org", lambda c: c.remotes.update(REMOTE_ID, remote_org_id="1"), "remote_org_id"),
    ("remotes.update tls", lambda c: c.remotes.update(REMOTE_ID, allow_insecure_tls=1), "allow_insecure_tls"),  # type: ignore[arg-type]
    ("remotes.delete id", lambda c: c.remotes.delete(""), "remote_id"),
    ("remotes.delete cascade", lambda c: c.remotes.delete(REMOTE_ID, cascade="yes"), "cascade"),  # type: ignore[arg-type]
    ("replications.get id", lambda c: c.replications.get("x"), "replication_id"),
    ("replications.delete id", lambda c: c.replications.delete("x"), "replication_id"),
    ("replications.validate id", lambda c: c.replications.validate("x"), "replication_id"),
    ("replications.find empty", lambda c: c.replications.find(""), "name"),
    ("replications.list name", lambda c: c.replications.list(name=""), "name"),
    ("replications.list remote", lambda c: c.replications.list(remote=""), "remote"),
    ("replications.list bucket", lambda c: c.replications.list(local_bucket=""), "local_bucket"),
    ("create name", repl_create(name=""), "name"),
    ("create remote", repl_create(remote=""), "remote"),
    ("create remote type", repl_create(remote=5), "remote"),
    ("create local_bucket", repl_create(local_bucket=""), "local_bucket"),
    ("create both buckets", repl_create(remote_bucket="b"), "remote_bucket"),
    ("create no bucket", repl_create(remote_bucket_id=None), "remote_bucket"),
    ("create bucket id", repl_create(remote_bucket_id="123"), "remote_bucket_id"),
    ("create bucket name", repl_create(remote_bucket_id=None, remote_bucket=""), "remote_bucket"),
    ("create queue small", repl_create(max_queue_size_bytes=33554429), "max_queue_size_bytes"),
    ("create queue type", repl_create(max_queue_size_bytes=4e7), "max_queue_size_bytes"),
    ("create queue bool", repl_create(max_queue_size_bytes=True), "max_queue_size_bytes"),
    ("create age 59", repl_create(max_age_seconds=59), "max_age_seconds"),
    ("create age 1", repl_create(max_age_seconds=1), "max_age_seconds"),
    ("create age negative", repl_create(max_age_seconds=-1), "max_age_seconds"),
    ("create age too big", repl_create(max_age_seconds=5184001), "max_age_seconds"),
    ("create drop", repl_create(drop_non_retryable_data=None), "drop_non_retryable_data"),
    ("create description", repl_create(description=1), "description"),
    ("create timeout", repl_create(timeout=-1), "timeout"),
    ("create trace span", repl_create(trace_span=""), "trace_span"),
    ("validate_create queue", repl_validate_create(max_queue_size_bytes=0), "max_queue_size_bytes"),
    ("validate_create both", repl_validate_create(remote_bucket="b"), "remote_bucket"),
    ("update id", lambda c: c.replications.update("x", name="n"), "replication_id"),
    ("update name", lambda c: c.replications.update(REPL_ID, name=""), "name"),
    (
        "update both buckets",
        lambda c: c.replications.update(REPL_ID, remote_bucket="b", remote_bucket_id=REMOTE_BUCKET_ID),
        "remote_bucket",
    ),
    ("update bucket id", lambda c: c.replications.update(REPL_ID, remote_bucket_id="z"), "remote_bucket_id"),
    ("update bucket name", lambda c: c.replications.update(REPL_ID, remote_bucket=""), "remote_bucket"),
    (
        "update queue",
        lambda c: c.replications.update(REPL_ID, max_queue_size_bytes=1),
        "max_queue_size_bytes",
    ),
    ("update age", lambda c: c.replications.update(REPL_ID, max_age_seconds=30), "max_age_seconds"),
    ("update remote", lambda c: c.replications.update(REPL_ID, remote=""), "remote"),
    (
        "update drop",
        lambda c: c.replications.update(REPL_ID, drop_non_retryable_data="no"),  # type: ignore[arg-type]
        "drop_non_retryable_data",
    ),
    ("update timeout", lambda c: c.replications.update(REPL_ID, name="n", timeout=0), "timeout"),
    (
        "validate_update age",
        lambda c: c.replications.validate_update(REPL_ID, max_age_seconds=-5),
        "max_age_seconds",
    ),
    ("get timeout", lambda c: c.replications.get(REPL_ID, timeout="1"), "timeout"),  # type: ignore[arg-type]
    ("get trace span", lambda c: c.replications.get(REPL_ID, trace_span="a\r\nb"), "trace_span"),
]


@pytest.mark.parametrize(("call", "arg"), [(c, a) for _, c, a in CASES], ids=[i for i, _, _ in CASES])
async def test_bad_argument(router: respx.Router, client: ReplicationClient, call: Call, arg: str) -> None:
    """Each bad argument is a ValueError naming it, and nothing is sent."""
    with pytest.raises(ValueError, match=arg):
        await call(client)
    assert router.calls.call_count == 0


@pytest.mark.parametrize("age", [0, 60, 604800, 5184000])
async def test_max_age_edges_are_accepted(router: respx.Router, client: ReplicationClient, age: int) -> None:
    """max_age_seconds 0, 60 and 5184000 are accepted and sent as given (0 too)."""
    route = router.patch(f"/api/v2/replications/{REPL_ID}").respond(204)
    await client.replications.validate_update(REPL_ID, max_age_seconds=age)
    assert json.loads(route.calls.last.request.content) == {"maxAgeSeconds": age}


async def test_ids_are_lower_cased(router: respx.Router, client: ReplicationClient) -> None:
    """Upper-case hex IDs are accepted and sent in lower case, as the server writes IDs."""
    route = router.delete(f"/api/v2/replications/{REPL_ID}").respond(204)
    await client.replications.delete(REPL_ID.upper())
    assert route.called
