"""The client over TLS, on both backends, against an HTTPS embedded server (certificates from FakeCA)."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from influxdb_replications import APIConnectionError, ReplicationClient, RetryPolicy
from influxdb_replications.core.retry import Failure, classify
from influxdb_replications.testing import FakeCA, FakeInfluxDB

BACKENDS = ["httpx", "aiohttp"]


@pytest.fixture
def ca(tmp_path: Path) -> FakeCA:
    """A test CA for this test."""
    return FakeCA(tmp_path / "ca")


@pytest.fixture
async def https(ca: FakeCA) -> AsyncIterator[FakeInfluxDB]:
    """An embedded server serving HTTPS with a certificate of `ca`."""
    async with FakeInfluxDB(org="edge", buckets=["sensors"], ssl_context=ca.server_context()) as fake:
        yield fake


def client(fake: FakeInfluxDB, backend: str, **options: object) -> ReplicationClient:
    """A client of `fake` by org name."""
    return ReplicationClient(url=fake.url, token=fake.token, org=fake.org, backend=backend, **options)  # type: ignore[arg-type]


async def lists_remotes(fake: FakeInfluxDB, backend: str, **options: object) -> None:
    """A full round trip (org look-up, then a list) succeeds over TLS."""
    async with client(fake, backend, **options) as c:
        assert await c.remotes.list() == []
    assert [r.path for r in fake.request_log][-1] == "/api/v2/remotes"


async def test_embedded_server_serves_https(https: FakeInfluxDB, ca: FakeCA) -> None:
    """With ssl_context the embedded server's URL starts with https:// and it answers over TLS only."""
    assert https.url.startswith("https://127.0.0.1:")
    trusting = ssl.create_default_context(cafile=str(ca.ca_file))
    async with httpx.AsyncClient(verify=trusting) as http:
        assert (await http.get(https.url + "/ping")).status_code == 204
        with pytest.raises(httpx.RemoteProtocolError):  # plain HTTP to the TLS port gets no HTTP answer
            await http.get(https.url.replace("https://", "http://") + "/ping")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("as_path", [False, True], ids=["str", "Path"])
async def test_verify_with_a_ca_bundle_path(
    https: FakeInfluxDB, ca: FakeCA, backend: str, as_path: bool
) -> None:
    """verify="ca.pem" (a str or a Path) trusts exactly that CA."""
    await lists_remotes(https, backend, verify=ca.ca_file if as_path else str(ca.ca_file))


@pytest.mark.parametrize("backend", BACKENDS)
async def test_verify_true_reads_ssl_cert_file(
    https: FakeInfluxDB, ca: FakeCA, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """verify=True (the default) trusts the bundle SSL_CERT_FILE names, on both backends."""
    monkeypatch.setenv("SSL_CERT_FILE", str(ca.ca_file))
    await lists_remotes(https, backend)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_verify_with_an_ssl_context(https: FakeInfluxDB, ca: FakeCA, backend: str) -> None:
    """verify=ssl.SSLContext is used as given."""
    await lists_remotes(https, backend, verify=ssl.create_default_context(cafile=str(ca.ca_file)))


@pytest.mark.parametrize("backend", BACKENDS)
async def test_verify_false_skips_the_check(https: FakeInfluxDB, backend: str) -> None:
    """verify=False talks to a server whose certificate nobody trusts."""
    await lists_remotes(https, backend, verify=False)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_untrusted_certificate_is_a_clear_error_never_retried(
    https: FakeInfluxDB, backend: str
) -> None:
    """An untrusted certificate: one attempt, an APIConnectionError that says so and how to pass a CA."""
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    async with client(https, backend, sleep=record, retry=RetryPolicy(max_attempts=4)) as c:
        with pytest.raises(APIConnectionError) as caught:
            await c.remotes.list()
    error = caught.value
    assert not isinstance(error, ssl.SSLError)
    message = str(error)
    assert message.startswith("GET /api/v2/orgs: the server's TLS certificate was not trusted (")
    assert 'verify="/path/to/ca.pem"' in message and "SSL_CERT_FILE" in message
    assert https.token not in message
    assert classify(error) is Failure.FINAL
    assert waits == []  # no backoff: the one attempt was the last


@pytest.mark.parametrize("backend", BACKENDS)
async def test_wrong_host_name_is_an_untrusted_certificate(tmp_path: Path, backend: str) -> None:
    """A certificate for another host name is reported (and not retried) like an unknown CA."""
    ca = FakeCA(tmp_path, hosts=("cloud.example.invalid",))
    async with (
        FakeInfluxDB(ssl_context=ca.server_context()) as fake,
        client(fake, backend, verify=str(ca.ca_file)) as c,
    ):
        with pytest.raises(APIConnectionError, match="TLS certificate was not trusted") as caught:
            await c.remotes.list()
    assert classify(caught.value) is Failure.FINAL


@pytest.mark.parametrize("backend", BACKENDS)
async def test_mutual_tls_with_cert(ca: FakeCA, backend: str) -> None:
    """cert=(cert_file, key_file) or one combined file answers a server that requires a client certificate."""
    cert_file, key_file = ca.client_cert("edge")
    combined = cert_file.with_name("edge-combined.pem")
    combined.write_bytes(key_file.read_bytes() + cert_file.read_bytes())
    context = ca.server_context(require_client_cert=True)
    async with FakeInfluxDB(ssl_context=context) as fake:
        await lists_remotes(fake, backend, verify=str(ca.ca_file), cert=(cert_file, key_file))
        await lists_remotes(fake, backend, verify=str(ca.ca_file), cert=str(combined))
        async with client(fake, backend, verify=str(ca.ca_file), retry=RetryPolicy(max_attempts=1)) as c:
            with pytest.raises(APIConnectionError):  # no client certificate: the server refuses
                await c.remotes.list()
