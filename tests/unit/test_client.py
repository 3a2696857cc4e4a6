"""ReplicationClient: configuration, environment fallbacks, lifecycle, headers, timeouts, org resolution."""

from __future__ import annotations

import asyncio
import logging
import ssl
from typing import Any, Literal

import certifi
import httpx
import pytest
import respx

from influxdb_replications import NotFoundError, ReplicationClient, RetryPolicy

from .conftest import BASE, ORG_ID, REMOTE_ID, TOKEN, MakeClient, error_json, remote_json


def test_env_fallbacks(monkeypatch: pytest.MonkeyPatch) -> None:
    """INFLUX_HOST, INFLUX_TOKEN, INFLUX_ORG and INFLUX_ORG_ID fill in missing arguments."""
    monkeypatch.setenv("INFLUX_HOST", "https://env.example:9999/")
    monkeypatch.setenv("INFLUX_TOKEN", "env-token")
    monkeypatch.setenv("INFLUX_ORG", "env-org")
    client = ReplicationClient()
    assert client.url == "https://env.example:9999"
    assert client.org == "env-org"
    assert client.org_id is None
    monkeypatch.setenv("INFLUX_ORG_ID", ORG_ID.upper())
    assert ReplicationClient().org_id == ORG_ID


def test_explicit_arguments_win_over_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Arguments take precedence over the environment; an explicit org ignores INFLUX_ORG_ID."""
    monkeypatch.setenv("INFLUX_HOST", "http://env.example")
    monkeypatch.setenv("INFLUX_ORG_ID", ORG_ID)
    client = ReplicationClient(url="http://arg.example", token="t", org="mine")
    assert client.url == "http://arg.example"
    assert client.org == "mine"
    assert client.org_id is None


def test_default_url() -> None:
    """Without url and INFLUX_HOST the client talks to http://localhost:8086."""
    assert ReplicationClient(token="t").url == "http://localhost:8086"


def test_missing_token_is_value_error() -> None:
    """No token argument and no INFLUX_TOKEN is a ValueError at construction naming token."""
    with pytest.raises(ValueError, match="token"):
        ReplicationClient(url=BASE)


@pytest.mark.parametrize("url", ["ftp://influx", "localhost:8086", "", "http://", "unix:///tmp/sock"])
def test_non_http_url_is_value_error(url: str) -> None:
    """A url that is not http(s) with a host is refused at construction."""
    with pytest.raises(ValueError, match="url"):
        ReplicationClient(url=url, token="t")


@pytest.mark.parametrize(
    ("kwargs", "arg"),
    [
        ({"org_id": "abc"}, "org_id"),
        ({"org": ""}, "org"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": -1.0}, "timeout"),
        ({"trace_span": "a\nb"}, "trace_span"),
        ({"retry": 3}, "retry"),
    ],
)
def test_bad_constructor_arguments(kwargs: dict[str, Any], arg: str) -> None:
    """Malformed constructor arguments are ValueErrors naming the argument."""
    with pytest.raises(ValueError, match=arg):
        ReplicationClient(url=BASE, token="t", **kwargs)


@pytest.mark.parametrize("backend", ["httpx", "aiohttp"])
def test_repr_never_shows_the_token(backend: Literal["httpx", "aiohttp"]) -> None:
    """The client's repr names url and org but not the token, nor do its attributes or its sender's."""
    client = ReplicationClient(url=BASE, token=TOKEN, org="o", backend=backend)
    assert TOKEN not in repr(client)
    assert TOKEN not in repr(vars(client))
    assert TOKEN not in repr({name: getattr(client._sender, name) for name in dir(client._sender)})


def test_verify_accepts_a_ca_bundle_path() -> None:
    """verify= may be the path of a CA bundle (turned into an SSLContext, without deprecation warnings)."""
    ReplicationClient(url="https://influx.test", token="t", verify=certifi.where())
    ReplicationClient(url="https://influx.test", token="t", verify=False)


async def test_async_with_and_idempotent_aclose(make_client: MakeClient) -> None:
    """async with closes the client; aclose() may be called again; a closed client says so."""
    async with make_client() as client:
        assert not client.is_closed
    assert client.is_closed
    await client.aclose()
    with pytest.raises(RuntimeError, match="closed"):
        await client.remotes.get(REMOTE_ID)
    with pytest.raises(RuntimeError, match="closed"):
        async with client:
            pass


async def test_auth_and_extra_headers(router: respx.Router, make_client: MakeClient) -> None:
    """Every request carries `Authorization: Token <token>` and the extra default headers."""
    route = router.get(f"/api/v2/remotes/{REMOTE_ID}").respond(200, json=remote_json())
    custom = make_client(headers={"X-Extra": "1", "Authorization": "Bearer other"})
    await custom.remotes.get(REMOTE_ID)
    request = route.calls.last.request
    assert request.headers["Authorization"] == f"Token {TOKEN}"
    assert request.headers["X-Extra"] == "1"


async def test_url_path_prefix_is_kept(router: respx.Router, make_client: MakeClient) -> None:
    """A url with a path prefix (a reverse proxy) keeps it in front of /api/v2."""
    route = router.get(f"{BASE}/influx/api/v2/remotes/{REMOTE_ID}").respond(200, json=remote_json())
    client = make_client(url=f"{BASE}/influx/")
    await client.remotes.get(REMOTE_ID)
    assert route.called


async def test_trace_span_default_and_override(router: respx.Router, make_client: MakeClient) -> None:
    """trace_span= on the client is the default Zap-Trace-Span; trace_span= on a call overrides it."""
    route = router.get(f"/api/v2/remotes/{REMOTE_ID}").respond(200, json=remote_json())
    client = make_client(trace_span="default-span")
    await client.remotes.get(REMOTE_ID)
    assert route.calls.last.request.headers["Zap-Trace-Span"] == "default-span"
    await client.remotes.get(REMOTE_ID, trace_span="call-span")
    assert route.calls.last.request.headers["Zap-Trace-Span"] == "call-span"
    plain = make_client()
    await plain.remotes.get(REMOTE_ID)
    assert "Zap-Trace-Span" not in route.calls.last.request.headers


async def test_timeout_default_and_per_call_override(router: respx.Router, make_client: MakeClient) -> None:
    """The client's timeout applies to every request; timeout= on a call applies to that call only."""
    route = router.get(f"/api/v2/remotes/{REMOTE_ID}").respond(200, json=remote_json())
    client = make_client(timeout=7.0)
    await client.remotes.get(REMOTE_ID)
    assert route.calls.last.request.extensions["timeout"]["read"] == 7.0
    await client.remotes.get(REMOTE_ID, timeout=httpx.Timeout(1.0, read=2.5))
    assert route.calls.last.request.extensions["timeout"]["read"] == 2.5
    await client.remotes.get(REMOTE_ID, timeout=0.5)
    assert route.calls.last.request.extensions["timeout"]["connect"] == 0.5
    await client.remotes.get(REMOTE_ID)
    assert route.calls.last.request.extensions["timeout"]["read"] == 7.0


async def test_concurrent_timeouts_do_not_leak(router: respx.Router, client: ReplicationClient) -> None:
    """Concurrent calls with different timeouts each get their own."""
    seen: dict[str, float] = {}

    async def handler(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0)
        seen[request.headers["Zap-Trace-Span"]] = request.extensions["timeout"]["read"]
        return httpx.Response(200, json=remote_json())

    router.get(f"/api/v2/remotes/{REMOTE_ID}").mock(side_effect=handler)
    await asyncio.gather(
        *(client.remotes.get(REMOTE_ID, timeout=float(i), trace_span=f"s{i}") for i in range(1, 6))
    )
    assert seen == {f"s{i}": float(i) for i in range(1, 6)}


async def test_org_name_is_resolved_once(router: respx.Router, make_client: MakeClient) -> None:
    """org= is looked up once via GET /api/v2/orgs?org=, even by concurrent first calls."""
    orgs = router.get("/api/v2/orgs", params={"org": "acme"}).respond(
        200, json={"orgs": [{"id": ORG_ID, "name": "acme"}]}
    )
    remotes = router.get("/api/v2/remotes").respond(200, json={"remotes": []})
    client = make_client(org="acme")
    await asyncio.gather(*(client.remotes.list() for _ in range(5)))
    await client.remotes.list()
    assert orgs.call_count == 1
    assert dict(orgs.calls.last.request.url.params) == {"org": "acme"}
    assert remotes.calls.last.request.url.params["orgID"] == ORG_ID
    assert client.org_id == ORG_ID


@pytest.mark.parametrize(
    "response",
    [
        error_json(404, "not found", 'organization name "ghost" not found'),
        httpx.Response(200, json={"orgs": []}),
        httpx.Response(200, json={"orgs": None}),
        httpx.Response(200, json={"orgs": [{"id": ORG_ID, "name": "other"}]}),
    ],
    ids=["404", "empty", "null", "other-name"],
)
async def test_unknown_org_is_not_found(
    router: respx.Router, make_client: MakeClient, response: httpx.Response
) -> None:
    """An org name the server does not know is NotFoundError naming the org."""
    router.get("/api/v2/orgs").mock(return_value=response)
    client = make_client(org="ghost")
    with pytest.raises(NotFoundError, match="ghost"):
        await client.remotes.list()


async def test_no_org_is_value_error_naming_both(router: respx.Router, make_client: MakeClient) -> None:
    """Without org or org_id, calls that need one raise ValueError naming both; get still works."""
    router.get(f"/api/v2/remotes/{REMOTE_ID}").respond(200, json=remote_json())
    client = make_client(org_id=None)
    with pytest.raises(ValueError, match=r"org=.*org_id="):
        await client.remotes.list()
    with pytest.raises(ValueError, match="org_id"):
        await client.replications.find("x")
    assert (await client.remotes.get(REMOTE_ID)).id == REMOTE_ID


async def test_token_never_logged(
    router: respx.Router, client: ReplicationClient, caplog: pytest.LogCaptureFixture
) -> None:
    """Retry log lines (and everything else logged at DEBUG) never contain the token."""
    router.get(f"/api/v2/remotes/{REMOTE_ID}").mock(
        side_effect=[
            httpx.ConnectError("refused"),
            httpx.Response(503),
            httpx.Response(200, json=remote_json()),
        ]
    )
    with caplog.at_level(logging.DEBUG):
        await client.remotes.get(REMOTE_ID)
    assert caplog.records
    assert all(TOKEN not in record.getMessage() for record in caplog.records)


def test_retry_policy_is_exposed() -> None:
    """The client keeps the RetryPolicy it was given."""
    policy = RetryPolicy(max_attempts=1)
    assert ReplicationClient(url=BASE, token="t", retry=policy).retry is policy


def test_clients_share_one_default_tls_context(monkeypatch: pytest.MonkeyPatch) -> None:
    """Verifying clients reuse one TLS context (httpx would load the CA bundle again for every client)."""
    from influxdb_replications.core.tls import default_context

    given: list[Any] = []
    real = httpx.AsyncHTTPTransport

    def recording(**kwargs: Any) -> httpx.AsyncHTTPTransport:
        given.append(kwargs["verify"])
        return real(**kwargs)

    monkeypatch.setattr(httpx, "AsyncHTTPTransport", recording)
    for _ in range(2):
        ReplicationClient(url="https://influx.test", token="t")
    assert given[0] is given[1] is default_context()
    assert given[0].verify_mode is ssl.CERT_REQUIRED
    ReplicationClient(url="https://influx.test", token="t", verify=False)
    assert given[2] is False
