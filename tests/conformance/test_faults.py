"""Fault injection on the fake itself: fail_next, hang_next, drop_next, clear_faults."""

from __future__ import annotations

import time

import httpx
import pytest

from influxdb_replications.testing import FakeInfluxDB

from ._helpers import make_remote


@pytest.mark.parametrize(
    ("status", "code"),
    [(500, "internal error"), (502, "internal error"), (503, "unavailable"), (429, "too many requests")],
)
async def test_fail_next_sends_influx_error(
    client: httpx.AsyncClient, fake: FakeInfluxDB, status: int, code: str
) -> None:
    """Without a body, an injected failure carries an InfluxDB JSON error with a fitting code."""
    fake.fail_next(status=status)
    response = await client.get("/api/v2/remotes", params={"orgID": fake.org_id})
    assert response.status_code == status
    assert response.json()["code"] == code
    assert response.headers["X-Platform-Error-Code"] == code
    assert (await client.get("/api/v2/remotes", params={"orgID": fake.org_id})).status_code == 200


async def test_fail_next_verbatim_body_and_retry_after(client: httpx.AsyncClient, fake: FakeInfluxDB) -> None:
    """A given body is sent verbatim with its content type, plus Retry-After when asked."""
    fake.fail_next(status=502, body="<html>bad gateway</html>", content_type="text/html", retry_after=7)
    response = await client.get("/api/v2/remotes", params={"orgID": fake.org_id})
    assert (response.status_code, response.text) == (502, "<html>bad gateway</html>")
    assert response.headers["Content-Type"] == "text/html"
    assert response.headers["Retry-After"] == "7"


async def test_faults_count_and_match_method_and_path(client: httpx.AsyncClient, fake: FakeInfluxDB) -> None:
    """Only matching requests consume a fault, n of them, in order."""
    fake.fail_next(2, status=503, method="POST", path="/api/v2/replications*")
    assert (await client.get("/api/v2/replications", params={"orgID": fake.org_id})).status_code == 200
    assert (await client.post("/api/v2/remotes", json={"orgID": fake.org_id})).status_code == 201
    assert (await client.post("/api/v2/replications", json={})).status_code == 503
    assert (await client.post("/api/v2/replications/x/validate")).status_code == 503
    assert (await client.post("/api/v2/replications", json={})).status_code == 400


async def test_faults_apply_before_auth(anon: httpx.AsyncClient, fake: FakeInfluxDB) -> None:
    """A fault answers even a request without a token."""
    fake.fail_next(status=503)
    assert (await anon.get("/api/v2/remotes")).status_code == 503
    assert (await anon.get("/api/v2/remotes")).status_code == 401


async def test_clear_faults(client: httpx.AsyncClient, fake: FakeInfluxDB) -> None:
    """clear_faults removes every pending fault."""
    fake.fail_next(5, status=500)
    fake.drop_next(5)
    fake.clear_faults()
    assert (await client.get("/api/v2/remotes", params={"orgID": fake.org_id})).status_code == 200


async def test_hang_next_delays_then_answers(client: httpx.AsyncClient, fake: FakeInfluxDB) -> None:
    """hang_next waits, then handles the request normally; a short client timeout sees a timeout."""
    fake.hang_next(seconds=0.3, path="/api/v2/remotes")
    started = time.monotonic()
    response = await client.get("/api/v2/remotes", params={"orgID": fake.org_id})
    assert response.status_code == 200
    assert time.monotonic() - started >= 0.3
    fake.hang_next(seconds=1.0)
    with pytest.raises(httpx.ReadTimeout):
        await client.get("/api/v2/remotes", params={"orgID": fake.org_id}, timeout=0.1)


async def test_drop_before_handler_has_no_side_effect(client: httpx.AsyncClient, fake: FakeInfluxDB) -> None:
    """drop_next closes the connection (a transport error for httpx) and nothing is created."""
    fake.drop_next(method="POST")
    with pytest.raises(httpx.RemoteProtocolError):
        await client.post("/api/v2/remotes", json={"orgID": fake.org_id, "name": "lost"})
    listed = await client.get("/api/v2/remotes", params={"orgID": fake.org_id})
    assert listed.json() == {"remotes": None}


async def test_drop_after_handler_persists_create(client: httpx.AsyncClient, fake: FakeInfluxDB) -> None:
    """With after_handler=True the create happens, but the client only sees a dropped connection."""
    fake.drop_next(after_handler=True, method="POST", path="/api/v2/remotes")
    with pytest.raises(httpx.RemoteProtocolError):
        await client.post("/api/v2/remotes", json={"orgID": fake.org_id, "name": "ghost"})
    listed = await client.get("/api/v2/remotes", params={"orgID": fake.org_id, "name": "ghost"})
    assert [r["name"] for r in listed.json()["remotes"]] == ["ghost"]
    retry = await client.post("/api/v2/remotes", json={"orgID": fake.org_id, "name": "ghost"})
    assert retry.status_code == 500  # why a blind retry of create hits the UNIQUE constraint


async def test_request_log_redacts_token(client: httpx.AsyncClient, fake: FakeInfluxDB) -> None:
    """The request log keeps method, path, query and body, but never the token."""
    fake.clear_request_log()
    await make_remote(client, fake)
    [record] = fake.request_log
    assert (record.method, record.path) == ("POST", "/api/v2/remotes")
    assert b'"orgID"' in record.body
    assert {k.lower(): v for k, v in record.headers.items()}["authorization"] == "Token <redacted>"
    assert fake.token not in repr(record)
    fake.clear_request_log()
    assert fake.request_log == []


@pytest.mark.parametrize("n", [0, -1])
async def test_fault_count_must_be_positive(fake: FakeInfluxDB, n: int) -> None:
    """A fault count below one is refused."""
    with pytest.raises(ValueError, match="at least 1"):
        fake.fail_next(n, status=500)
