"""verify= and cert= checked at construction: each bad value is a ValueError naming the argument or file."""

from __future__ import annotations

import ssl
from pathlib import Path

import httpx
import pytest

from influxdb_replications import ReplicationClient
from influxdb_replications.core.tls import tls_context, untrusted_certificate
from influxdb_replications.testing import FakeCA, FakeInfluxDB

URL = "https://influx.test"


@pytest.fixture
def ca(tmp_path: Path) -> FakeCA:
    """A test CA for this test."""
    return FakeCA(tmp_path / "ca")


def build(**options: object) -> ReplicationClient:
    """A client whose transport fails the test if any request is sent."""

    def no_request(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"no request may be sent, got {request.method} {request.url}")

    return ReplicationClient(url=URL, token="t", transport=httpx.MockTransport(no_request), **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("backend", ["httpx", "aiohttp"])
def test_missing_ca_file_names_it(tmp_path: Path, backend: str) -> None:
    """verify= a missing file: ValueError naming verify and the path (not a bare FileNotFoundError)."""
    missing = tmp_path / "missing.pem"
    with pytest.raises(ValueError, match=r"verify: cannot read '.*missing\.pem': No such file or directory"):
        ReplicationClient(url=URL, token="t", verify=str(missing), backend=backend)  # type: ignore[arg-type]


def test_unreadable_ca_file_names_it(tmp_path: Path) -> None:
    """A CA path that cannot be opened (under a regular file) is a ValueError naming it."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ValueError, match=r"verify: cannot read '.*file/ca\.pem': Not a directory"):
        build(verify=str(blocker / "ca.pem"))


def test_ca_file_that_is_not_pem_names_it(tmp_path: Path) -> None:
    """A readable file without a PEM certificate is a ValueError naming the file."""
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n")
    with pytest.raises(ValueError, match=r"verify: '.*junk\.pem' is not a PEM file of CA certificates"):
        build(verify=junk)


@pytest.mark.parametrize("value", [1, 0, b"ca.pem", ["ca.pem"], None, 2.5])
def test_verify_of_the_wrong_type(value: object) -> None:
    """verify= that is not a bool, path or SSLContext is a ValueError naming verify and the type."""
    with pytest.raises(ValueError, match=rf"verify must be True, False, .* got {type(value).__name__}"):
        build(verify=value)


def test_ca_directory_is_accepted(ca: FakeCA) -> None:
    """verify= a directory of CA files is accepted (OpenSSL's capath)."""
    context = tls_context(str(ca.ca_file.parent))
    assert isinstance(context, ssl.SSLContext) and context.verify_mode is ssl.CERT_REQUIRED


def test_key_that_does_not_match_its_certificate(ca: FakeCA) -> None:
    """cert=(cert, key of another certificate) is a ValueError saying the key does not match."""
    cert_file, _ = ca.client_cert("one")
    _, other_key = ca.client_cert("two")
    with pytest.raises(
        ValueError, match=r"cert: the private key does not match the certificate \('.*one\.pem'"
    ):
        build(verify=ca.ca_file, cert=(cert_file, other_key))


def test_missing_cert_or_key_file_names_it(ca: FakeCA, tmp_path: Path) -> None:
    """cert= naming a missing certificate or key file is a ValueError naming that file."""
    cert_file, _ = ca.client_cert()
    with pytest.raises(ValueError, match=r"cert: cannot read '.*nope\.pem'"):
        build(cert=str(tmp_path / "nope.pem"))
    with pytest.raises(ValueError, match=r"cert \(key file\): cannot read '.*nope\.key'"):
        build(cert=(cert_file, tmp_path / "nope.key"))


def test_cert_without_its_key_names_the_file(ca: FakeCA) -> None:
    """cert= a certificate file that holds no key is a ValueError naming the file."""
    cert_file, _ = ca.client_cert()
    with pytest.raises(ValueError, match=r"cert: cannot load a certificate and its key from .*client\.pem"):
        build(cert=cert_file)


@pytest.mark.parametrize("value", [1, ("a",), ("a", "b", "c"), b"x"])
def test_cert_of_the_wrong_type(value: object) -> None:
    """cert= that is not a path or a pair of paths is a ValueError naming cert."""
    with pytest.raises(ValueError, match="cert must be a PEM file"):
        build(cert=value)


def test_cert_with_an_ssl_context_is_refused(ca: FakeCA) -> None:
    """cert= cannot be merged into a caller's SSLContext: ValueError saying how to load it instead."""
    cert_file, key_file = ca.client_cert()
    with pytest.raises(ValueError, match=r"load_cert_chain"):
        build(verify=ssl.create_default_context(), cert=(cert_file, key_file))


def test_verify_false_with_cert_checks_nothing_but_presents_it(ca: FakeCA) -> None:
    """verify=False with cert= gives a context that checks no certificate and holds the client's."""
    context = tls_context(False, ca.client_cert())
    assert isinstance(context, ssl.SSLContext)
    assert (context.verify_mode, context.check_hostname) == (ssl.CERT_NONE, False)


def test_default_context_follows_ssl_cert_file(ca: FakeCA, monkeypatch: pytest.MonkeyPatch) -> None:
    """verify=True is one shared context per SSL_CERT_FILE value (a changed variable is read again)."""
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    before = tls_context(True)
    assert tls_context(True) is before
    monkeypatch.setenv("SSL_CERT_FILE", str(ca.ca_file))
    after = tls_context(True)
    assert after is not before and tls_context(True) is after


def test_untrusted_certificate_finds_the_cause() -> None:
    """The certificate failure is found through __cause__; other errors are not certificate failures."""
    inner = ssl.SSLCertVerificationError(1, "certificate verify failed")
    outer = httpx.ConnectError("boom")
    outer.__cause__ = inner
    assert untrusted_certificate(outer) is inner
    assert untrusted_certificate(httpx.ConnectError("refused")) is None
    assert untrusted_certificate(ssl.SSLError(1, "wrong version number")) is None


def test_fake_checks_its_tls_arguments(tmp_path: Path) -> None:
    """FakeInfluxDB: a missing remote_ca_file is a ValueError naming it; a wrong ssl_context a TypeError."""
    with pytest.raises(ValueError, match=r"remote_ca_file '.*nope\.pem' cannot be used as a CA file"):
        FakeInfluxDB(remote_ca_file=tmp_path / "nope.pem")
    with pytest.raises(TypeError, match=r"ssl_context must be an ssl\.SSLContext"):
        FakeInfluxDB(ssl_context="server.pem")  # type: ignore[arg-type]
