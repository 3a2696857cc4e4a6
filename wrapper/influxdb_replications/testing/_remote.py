"""The fake's outgoing writes to a remote InfluxDB: validation probes and replication batches (section 4)."""

from __future__ import annotations

import http
import json
import os
import ssl
import typing
import urllib.parse
from dataclasses import dataclass

import anyio
import httpcore
import httpx

USER_AGENT = "influxdb-oss-replication/v2.9.1 (linux) Sha/fake Date/2026-04-01T00:00:00Z"


@dataclass(frozen=True)
class RemoteTarget:
    """Where one write goes: the remote's URL, token and org plus the bucket (a name or an ID)."""

    url: str
    token: str
    org_id: str | None
    bucket: str
    allow_insecure_tls: bool

    def __repr__(self) -> str:
        return f"RemoteTarget(url={self.url!r}, org_id={self.org_id!r}, bucket={self.bucket!r})"

    def write_url(self) -> str:
        """`{scheme}://{host}/api/v2/write?bucket=&org=`: the path of remoteURL is dropped, keys sorted."""
        parts = urllib.parse.urlsplit(self.url)
        query = urllib.parse.urlencode({"bucket": self.bucket, "org": self.org_id or ""})
        base = f"{parts.scheme}://{parts.netloc}" if parts.scheme else ""
        return f"{base}/api/v2/write?{query}"


@dataclass(frozen=True)
class WriteOutcome:
    """What a write attempt gave: the status (0 for a transport error) and the failure text, if any."""

    status: int
    error: str | None
    retry_after: str | None = None

    @property
    def ok(self) -> bool:
        """Only a 204 counts as success."""
        return self.error is None


def _remote_message(response: httpx.Response) -> str:
    try:
        data = json.loads(response.content)
    except ValueError:
        return response.text.strip()
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return str(data["message"])
    return response.text.strip()


def describe_status(response: httpx.Response) -> str | None:
    """The failure text for a non-204 answer, as the server's writer builds it; None for a 204."""
    code = response.status_code
    if code == 204:
        return None
    text = f"invalid response code {code}, must be 204"
    if code < 300:
        return text
    reason = response.reason_phrase or http.HTTPStatus(code).phrase
    status_line = f"{code} {reason}"
    message = _remote_message(response)
    return f"{text}: {status_line}: {message}" if message else f"{text}: {status_line}"


def _caused_by_refusal(exc: BaseException) -> bool:
    """Whether a ConnectionRefusedError is anywhere in the exception's cause/context chain."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ConnectionRefusedError) or "refused" in str(current).lower():
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


# OpenSSL verify codes (X509_V_ERR_*) that Go reports as "signed by unknown authority": no trusted issuer
_UNKNOWN_AUTHORITY = {2, 18, 19, 20, 21}
_EXPIRED = {9, 10}  # not yet valid, expired
_WRONG_HOST = {62, 64}  # hostname mismatch, IP address mismatch


def _certificate_error(exc: BaseException) -> ssl.SSLCertVerificationError | None:
    """The certificate verification failure in the exception's cause/context chain, if any."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLCertVerificationError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def x509_text(error: ssl.SSLCertVerificationError, host: str) -> str:
    """Go's words for a certificate the writer does not trust (crypto/tls and crypto/x509, Go >= 1.20).

    The real writer's message is ``tls: failed to verify certificate: x509: ...``; the three common causes
    get Go's own wording, any other keeps OpenSSL's reason after ``x509:``.
    """
    code = error.verify_code
    if code in _UNKNOWN_AUTHORITY:
        reason = "certificate signed by unknown authority"
    elif code in _EXPIRED:
        reason = "certificate has expired or is not yet valid"
    elif code in _WRONG_HOST:
        reason = f"certificate is not valid for {host}"
    else:
        reason = error.verify_message or "certificate verify failed"
    return f"tls: failed to verify certificate: x509: {reason}"


def describe_transport_error(url: str, exc: Exception) -> str:
    """A Go-like text for a failed request.

    For example `Post "http://h:1/api/v2/write?bucket=b&org=": dial tcp h:1: connect: connection refused`.
    """
    prefix = f'Post "{url}"'
    if isinstance(exc, httpx.UnsupportedProtocol):
        scheme = urllib.parse.urlsplit(url).scheme
        return f'{prefix}: unsupported protocol scheme "{scheme}"'
    if isinstance(exc, httpx.TimeoutException):
        return f"{prefix}: context deadline exceeded (Client.Timeout exceeded while awaiting headers)"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"{prefix}: EOF"
    certificate = _certificate_error(exc)
    if certificate is not None:
        return f"{prefix}: {x509_text(certificate, urllib.parse.urlsplit(url).hostname or '')}"
    if isinstance(exc, httpx.ConnectError):
        parts = urllib.parse.urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        refused = _caused_by_refusal(exc)
        detail = "connect: connection refused" if refused else str(exc) or "connect failed"
        return f"{prefix}: dial tcp {parts.hostname}:{port}: {detail}"
    return f"{prefix}: {exc or type(exc).__name__}"


def trust_store(ca_file: str | os.PathLike[str] | None) -> ssl.SSLContext:
    """The context the writer verifies remotes with: the host's trust store, plus ``ca_file`` if given.

    Like the real server (Go reads the system roots, ``SSL_CERT_FILE`` and ``SSL_CERT_DIR``), it starts from
    the operating system's store (OpenSSL's default paths, which honour the same two variables), not
    certifi's bundle. ``ca_file`` stands for a private CA installed on the edge's host.

    Raises:
        ValueError: ``ca_file`` is missing, unreadable or holds no PEM certificate; the message names it.
    """
    context = ssl.create_default_context()
    if ca_file is not None:
        try:
            context.load_verify_locations(cafile=os.fspath(ca_file))
        except OSError as exc:  # ssl.SSLError (no PEM certificate in it) is an OSError too
            reason = exc.reason if isinstance(exc, ssl.SSLError) else exc.strerror or str(exc)
            raise ValueError(
                f"remote_ca_file {os.fspath(ca_file)!r} cannot be used as a CA file: {reason}"
            ) from None
    return context


class _TLSSafeStream(httpcore.AsyncNetworkStream):
    """A network stream that is closed when its TLS handshake is interrupted by any exception.

    httpcore's AnyIO stream closes the TCP connection when ``start_tls`` fails with an ``Exception`` only;
    a cancellation (a BaseException) in the middle of the handshake, as when the engine stops a sender
    whose attempt is connecting, leaves the socket open and unreferenced: httpcore has not yet handed the
    stream to a connection, so closing the client cannot reach it either, and the garbage collector later
    reports it as an unclosed transport (a ResourceWarning).
    """

    def __init__(self, stream: httpcore.AsyncNetworkStream) -> None:
        self._stream = stream

    # the signatures (timeout parameters included) are httpcore's network interface
    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109
        return await self._stream.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        await self._stream.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._stream.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> httpcore.AsyncNetworkStream:
        try:
            tls = await self._stream.start_tls(ssl_context, server_hostname, timeout)
        except BaseException:
            with anyio.CancelScope(shield=True):
                await self._stream.aclose()
            raise
        return _TLSSafeStream(tls)

    def get_extra_info(self, info: str) -> typing.Any:
        return self._stream.get_extra_info(info)


class _TLSSafeBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend with every stream wrapped in `_TLSSafeStream`."""

    def __init__(self, backend: httpcore.AsyncNetworkBackend) -> None:
        self._backend = backend

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._backend.connect_tcp(host, port, timeout, local_address, socket_options)
        return _TLSSafeStream(stream)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._backend.connect_unix_socket(path, timeout, socket_options)
        return _TLSSafeStream(stream)

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


def _close_interrupted_handshakes(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """Make every connection pool of ``client`` (the default one and any proxy's) use `_TLSSafeBackend`.

    httpx offers no public way to choose httpcore's network backend, so this sets the pools' backend; the
    client is otherwise left as httpx builds it (the same TLS set-up, environment proxies and limits).
    """
    transports = [client._transport, *client._mounts.values()]
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        if isinstance(pool, httpcore.AsyncConnectionPool):
            pool._network_backend = _TLSSafeBackend(pool._network_backend)
    return client


class RemoteWriter:
    """Owns the outgoing httpx clients (one verifying TLS, one not) and sends `POST /api/v2/write`.

    The verifying one trusts ``trust_store(ca_file)``; the other serves remotes with allowInsecureTLS,
    which the real writer maps to InsecureSkipVerify (reference 4).
    """

    def __init__(self, timeout: float, ca_file: str | os.PathLike[str] | None = None) -> None:
        self._timeout = timeout
        # built now when a CA file is given (a bad file fails the constructor), else on first use
        self._verify = None if ca_file is None else trust_store(ca_file)
        self._clients: dict[bool, httpx.AsyncClient] = {}

    def _client(self, insecure: bool) -> httpx.AsyncClient:
        client = self._clients.get(insecure)
        if client is None:
            verify: ssl.SSLContext | bool = False
            if not insecure:
                if self._verify is None:
                    self._verify = trust_store(None)
                verify = self._verify
            client = _close_interrupted_handshakes(
                httpx.AsyncClient(timeout=self._timeout, verify=verify, follow_redirects=False)
            )
            self._clients[insecure] = client
        return client

    async def post_write(self, target: RemoteTarget, body: bytes, *, gzipped: bool) -> WriteOutcome:
        """Send one write; the body is sent as given, with `Content-Encoding: gzip` when `gzipped`."""
        url = target.write_url()
        headers = {"User-Agent": USER_AGENT, "Content-Type": "text/plain", "Accept": "application/json"}
        if target.token:
            headers["Authorization"] = f"Token {target.token}"
        if gzipped:
            headers["Content-Encoding"] = "gzip"
        try:
            response = await self._client(target.allow_insecure_tls).post(url, content=body, headers=headers)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            return WriteOutcome(0, describe_transport_error(url, exc))
        retry_after = response.headers.get("Retry-After")
        return WriteOutcome(response.status_code, describe_status(response), retry_after)

    async def aclose(self) -> None:
        """Close every client; safe to call twice."""
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()
