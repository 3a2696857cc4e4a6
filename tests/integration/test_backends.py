"""Transport failures behave the same with both backends (httpx and aiohttp), over real sockets.

Every test here runs once per backend through the ``client`` fixture (or builds its own client for
each backend): what a failure means for retries (sent or not, ambiguous or final) is decided per
backend in ``_transport.py``, so each class of failure is checked for both.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Literal

import pytest

import influxdb_replications
from influxdb_replications import (
    APIConnectionError,
    APITimeoutError,
    NotFoundError,
    RateLimitError,
    ReplicationClient,
    RetryPolicy,
    UnauthorizedError,
)
from influxdb_replications.testing import FakeInfluxDB

from .conftest import Target

Backend = Literal["httpx", "aiohttp"]
BACKENDS: list[Backend] = ["httpx", "aiohttp"]


async def _no_wait(_seconds: float) -> None:
    return None


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Backend:
    value: Backend = request.param
    return value


@pytest.fixture
async def edge(backend: Backend) -> AsyncIterator[tuple[FakeInfluxDB, ReplicationClient]]:
    async with (
        FakeInfluxDB(org="edge", buckets=["local"]) as fake,
        ReplicationClient(
            url=fake.url, token=fake.token, org="edge", sleep=_no_wait, backend=backend, timeout=2.0
        ) as client,
    ):
        yield fake, client


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_backend_is_reported(edge: tuple[FakeInfluxDB, ReplicationClient], backend: Backend) -> None:
    _fake, client = edge
    assert client.backend == backend


async def test_create_after_a_dropped_answer_returns_the_stored_object(
    edge: tuple[FakeInfluxDB, ReplicationClient],
) -> None:
    """The create landed but the connection closed before the answer: one object, found by name."""
    fake, client = edge
    fake.drop_next(1, after_handler=True, method="POST", path="/api/v2/remotes")
    remote = await client.remotes.create(
        name="cloud", remote_url="http://cloud.test:8086", remote_api_token="t"
    )
    listed = await client.remotes.list()
    assert [r.id for r in listed] == [remote.id]
    posts = [r for r in fake.request_log if r.method == "POST" and r.path == "/api/v2/remotes"]
    assert len(posts) == 1  # found by the look-up, not sent twice


async def test_delete_after_a_dropped_connection_is_not_repeated_blindly(
    edge: tuple[FakeInfluxDB, ReplicationClient],
) -> None:
    """A delete whose answer was lost and whose retry finds nothing counts as done."""
    fake, client = edge
    remote = await client.remotes.create(
        name="cloud", remote_url="http://cloud.test:8086", remote_api_token="t"
    )
    fake.drop_next(1, after_handler=True, method="DELETE")
    await client.remotes.delete(remote.id)
    assert await client.remotes.list() == []


async def test_retry_after_on_429_is_honoured(edge: tuple[FakeInfluxDB, ReplicationClient]) -> None:
    fake, client = edge
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    client._sleep = record
    fake.fail_next(2, status=429, retry_after=1, method="GET", path="/api/v2/remotes")
    assert await client.remotes.list() == []
    assert waits == [1.0, 1.0]


async def test_429_beyond_the_attempts_raises_with_retry_after(
    edge: tuple[FakeInfluxDB, ReplicationClient],
) -> None:
    fake, client = edge
    fake.fail_next(10, status=429, retry_after=2, method="GET", path="/api/v2/remotes")
    with pytest.raises(RateLimitError) as caught:
        await client.remotes.list()
    assert caught.value.retry_after == 2.0
    assert caught.value.method == "GET"
    assert "/api/v2/remotes" in caught.value.url


async def test_a_hanging_server_is_a_timeout(edge: tuple[FakeInfluxDB, ReplicationClient]) -> None:
    """A read that outlasts the per-call timeout is APITimeoutError (retried, then raised)."""
    fake, client = edge
    fake.hang_next(10, seconds=1.0, method="GET", path="/api/v2/remotes")
    with pytest.raises(APITimeoutError):
        await client.remotes.list(timeout=0.2)


async def test_unknown_id_is_not_found(edge: tuple[FakeInfluxDB, ReplicationClient]) -> None:
    _fake, client = edge
    with pytest.raises(NotFoundError):
        await client.replications.get("0123456789abcdef")


async def test_refused_connection_is_retried_then_raised(backend: Backend) -> None:
    """Nothing listens: every attempt is made (nothing was sent, so even create may retry)."""
    attempts: list[float] = []

    async def count(seconds: float) -> None:
        attempts.append(seconds)

    async with ReplicationClient(
        url=f"http://127.0.0.1:{_closed_port()}",
        token="t",
        org_id="0" * 16,
        retry=RetryPolicy(max_attempts=3),
        sleep=count,
        backend=backend,
    ) as client:
        with pytest.raises(APIConnectionError) as caught:
            await client.remotes.create(name="x", remote_url="http://cloud.test", remote_api_token="t")
    assert not isinstance(caught.value, APITimeoutError)
    assert len(attempts) == 2  # three attempts, two waits
    assert "POST /api/v2/remotes" in str(caught.value)


async def test_a_bad_token_is_unauthorized_and_never_echoed(backend: Backend) -> None:
    async with (
        FakeInfluxDB(org="edge") as fake,
        ReplicationClient(url=fake.url, token="wrong-token-value", org="edge", backend=backend) as client,
    ):
        with pytest.raises(UnauthorizedError) as caught:
            await client.remotes.list()
    text = f"{caught.value} {caught.value!r}"
    assert "wrong-token-value" not in text


async def test_validate_query_parameter_is_sent_as_true(client: ReplicationClient, target: Target) -> None:
    """Booleans in the query string are written true/false by both backends (aiohttp refuses bools)."""
    if target.fake is None:
        pytest.skip("reads the embedded server's request log")
    remote = await client.remotes.create(
        name=target.name("self"),
        remote_url=target.url,
        remote_api_token=target.token,
        remote_org_id=target.org_id,
    )
    await client.replications.validate_create(
        name=target.name("rep"),
        remote=remote,
        local_bucket=target.bucket,
        remote_bucket_id=target.target_bucket_id,
    )
    posts = [r for r in target.fake.request_log if r.method == "POST" and r.path == "/api/v2/replications"]
    assert posts[-1].query.get("validate") == "true"
    assert await client.replications.list() == []  # validated, not created


class _RecordingServer:
    """A loopback HTTP/1.1 stand-in (for a forward proxy or a server): records each request's head and
    answers every request with an empty list and a cookie."""

    def __init__(self) -> None:
        self.heads: list[str] = []
        self._server: asyncio.Server | None = None

    @property
    def request_lines(self) -> list[str]:
        return [head.split("\r\n", 1)[0] for head in self.heads]

    def header(self, index: int, name: str) -> list[str]:
        """The values of header ``name`` in request ``index``."""
        lines = self.heads[index].split("\r\n")[1:]
        return [line.partition(":")[2].strip() for line in lines if line.partition(":")[0].lower() == name]

    async def __aenter__(self) -> str:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        body = b'{"remotes": null}'
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                self.heads.append(head.decode("latin-1"))
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Set-Cookie: session=abc; Path=/\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def test_the_proxy_environment_is_honoured(backend: Backend, monkeypatch: pytest.MonkeyPatch) -> None:
    """HTTP_PROXY sends the calls through the proxy (whose host alone is ever connected to)."""
    proxy = _RecordingServer()
    async with proxy as proxy_url:
        monkeypatch.setenv("HTTP_PROXY", proxy_url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        async with ReplicationClient(
            url="http://influx.invalid:8086", token="t", org_id="0" * 16, backend=backend
        ) as client:
            assert await client.remotes.list() == []
            assert await client.remotes.list() == []
        assert (
            proxy.request_lines
            == ["GET http://influx.invalid:8086/api/v2/remotes?orgID=0000000000000000 HTTP/1.1"] * 2
        )


async def test_no_proxy_bypasses_the_proxy(backend: Backend, monkeypatch: pytest.MonkeyPatch) -> None:
    proxy = _RecordingServer()
    async with proxy as proxy_url:
        monkeypatch.setenv("HTTP_PROXY", proxy_url)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        async with ReplicationClient(
            url=f"http://127.0.0.1:{_closed_port()}",
            token="t",
            org_id="0" * 16,
            backend=backend,
            retry=RetryPolicy(max_attempts=1),
        ) as client:
            with pytest.raises(APIConnectionError):
                await client.remotes.list()
        assert proxy.request_lines == []


async def test_a_netrc_entry_for_the_server_changes_nothing(
    backend: Backend, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The token is the only credential sent: a netrc login for the host is neither used nor an error."""
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password not-the-token\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    async with (
        FakeInfluxDB(org="edge") as fake,
        ReplicationClient(url=fake.url, token=fake.token, org="edge", backend=backend) as client,
    ):
        assert await client.remotes.list() == []
        assert {_authorization(r.headers) for r in fake.request_log} == {"Token <redacted>"}


async def test_headers_sent_are_the_same_on_both_backends(backend: Backend) -> None:
    """One Authorization (a caller's own is replaced), our User-Agent, and cookies neither kept nor sent."""
    server = _RecordingServer()
    async with server as url:
        async with ReplicationClient(
            url=url,
            token="t",
            org_id="0" * 16,
            backend=backend,
            headers={"authorization": "Basic c29tZW9uZQ==", "X-Extra": "1"},
        ) as client:
            assert await client.remotes.list() == []
            assert await client.remotes.list() == []
        for index in (0, 1):
            assert server.header(index, "authorization") == ["Token t"]
            assert server.header(index, "x-extra") == ["1"]
            assert server.header(index, "cookie") == []
            [agent] = server.header(index, "user-agent")
            assert agent == f"influxdb-replications/{influxdb_replications.__version__}"


async def test_a_callers_user_agent_wins(backend: Backend) -> None:
    server = _RecordingServer()
    async with server as url:
        async with ReplicationClient(
            url=url, token="t", org_id="0" * 16, backend=backend, headers={"user-agent": "fleet-bot/2"}
        ) as client:
            await client.remotes.list()
        assert server.header(0, "user-agent") == ["fleet-bot/2"]


def _authorization(headers: dict[str, str]) -> str | None:
    return next((value for key, value in headers.items() if key.lower() == "authorization"), None)


def test_aiohttp_backend_rejects_an_httpx_transport() -> None:
    import httpx

    def answer(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(200)

    with pytest.raises(ValueError, match="transport"):
        ReplicationClient(
            url="http://x.test", token="t", backend="aiohttp", transport=httpx.MockTransport(answer)
        )


def test_unknown_backend_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="backend"):
        ReplicationClient(url="http://x.test", token="t", backend="requests")  # type: ignore[arg-type]
