"""The two ways a request leaves the client: httpx (the default) and aiohttp (``backend="aiohttp"``).

Both are implementations of the generated package's ``Sender`` interface (``influxdb_replications_api.
client.Sender``): a generated endpoint function (``asyncio_detailed``) hands them the request it built
(``RequestArgs``: method, path, query, JSON body, headers), they send it and hand back a
:class:`Reply` with the status and the raw body, which the generated function decodes once into its model.
Every transport failure is turned into :class:`APIConnectionError` or :class:`APITimeoutError` here, so
the request path in ``core/client.py`` never sees a library's own exceptions; its ``failure`` says what the
sender knows of the request (never sent, never sendable, or maybe landed), which the retry table reads.
"""

# `timeout` is an httpx/aiohttp timeout per request, not an asyncio deadline: ASYNC109 does not apply.
# ruff: noqa: ASYNC109

from __future__ import annotations

import ssl
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

import httpx

from influxdb_replications_api.types import RequestArgs

from .errors import APIConnectionError, APITimeoutError, Failure
from .tls import untrusted_certificate, untrusted_message

if TYPE_CHECKING:
    import aiohttp

__all__ = ["PRIVATE_ATTRIBUTES", "AiohttpSender", "Attempt", "HttpxSender", "Reply", "env_proxy"]

# The one private attribute of a third-party library this package touches, and why. A test
# (tests/unit/test_private_attributes.py) fails loudly when the library no longer has it.
PRIVATE_ATTRIBUTES: Final = {
    "aiohttp.ClientSession._retry_connection": (
        "aiohttp resends an idempotent request once, silently, when a kept-alive connection drops (from 3.9; "
        "the switch exists from 3.11, the floor of the aiohttp extra); "
        "the retry table in core/retry.py must see that failure (a DELETE whose answer was lost and whose "
        "repeat finds nothing counts as done), so it is switched off and core/retry.py alone decides"
    ),
}

# httpx.AsyncClient's own default headers, which the transport-level sender sends itself.
_DEFAULT_HEADERS: Final = {"Accept": "*/*", "Accept-Encoding": "gzip, deflate", "Connection": "keep-alive"}


def env_proxy(url: str) -> str | None:
    """The proxy the environment names for ``url`` (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY), or None.

    Read with the standard library's ``urllib.request.getproxies``; NO_PROXY (``proxy_bypass``) wins.
    Both senders read it once, when they are made. A proxy given without a scheme is taken as http://.
    """
    parts = urllib.parse.urlsplit(url)
    proxies = urllib.request.getproxies()
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    if not proxy or urllib.request.proxy_bypass(parts.netloc):
        return None
    return proxy if "://" in proxy else f"http://{proxy}"


class Reply:
    """A response: status, headers and the whole body, plus where the request went (for messages).

    It is the generated package's ``SentResponse`` (``status_code``, ``content``, ``headers``);
    ``status`` and ``body`` are the same values under the names the error builders read.
    """

    __slots__ = ("_url", "content", "headers", "method", "reason", "status_code")

    def __init__(
        self, status: int, reason: str, headers: Mapping[str, str], body: bytes, method: str, url: object
    ) -> None:
        self.status_code = status
        self.reason = reason
        self.headers = headers
        self.content = body
        self.method = method
        self._url = url

    @property
    def status(self) -> int:
        """The status code."""
        return self.status_code

    @property
    def body(self) -> bytes:
        """The whole body."""
        return self.content

    @property
    def url(self) -> str:
        """The full request URL (formatted only when a message needs it)."""
        return str(self._url)


class HttpxSender:
    """Sends through an httpx transport that it owns (connection pool, TLS, the environment's proxy).

    There is no ``httpx.AsyncClient``: its per-request work (merging base URL, headers and cookies,
    reading cookies out of every response) is of no use for token-authenticated JSON calls, so each call
    builds an ``httpx.Request`` and hands it to the transport's public ``handle_async_request``. A
    caller's own transport (``ReplicationClient(transport=...)``) is used as it is and closed with us.
    """

    def __init__(
        self,
        base_url: str,
        headers: Mapping[str, str],
        timeout: httpx.Timeout,
        *,
        transport: httpx.AsyncBaseTransport | None,
        verify: bool | ssl.SSLContext,
        limits: httpx.Limits,
    ) -> None:
        self._base = base_url
        self._headers = httpx.Headers({**_DEFAULT_HEADERS, **headers})  # its repr masks Authorization
        self._timeout = timeout
        if transport is None:
            transport = httpx.AsyncHTTPTransport(verify=verify, limits=limits, proxy=env_proxy(base_url))
        self.transport = transport

    # the generated functions' Sender interface: a 4xx/5xx is an answer for the request path, never raised
    raise_on_unexpected_status: Final = False

    async def send(self, request: RequestArgs, timeout: httpx.Timeout | None = None) -> Reply:
        """Send one request (the generated ``Sender`` interface); ``timeout`` overrides the default."""
        method = request["method"].upper()
        path = request["url"]
        headers = request.get("headers")
        all_headers = self._headers
        if headers:
            all_headers = all_headers.copy()
            all_headers.update(headers)
        http_request = httpx.Request(
            method,
            self._base + path,
            params=request.get("params") or None,
            json=request.get("json"),
            headers=all_headers,
            extensions={"timeout": (self._timeout if timeout is None else timeout).as_dict()},
        )
        try:
            response = await self.transport.handle_async_request(http_request)
            try:
                await response.aread()
            finally:
                await response.aclose()
        except httpx.TimeoutException as exc:
            raise APITimeoutError(
                f"{type(exc).__name__} during {method} {path}",
                method=method,
                url=path,
                failure=_httpx_failure(exc),
            ) from exc
        except httpx.RequestError as exc:
            message = (
                untrusted_message(exc, method, path) or f"{type(exc).__name__} during {method} {path}: {exc}"
            )
            raise APIConnectionError(message, method=method, url=path, failure=_httpx_failure(exc)) from exc
        return Reply(
            response.status_code,
            response.reason_phrase,
            response.headers,
            response.content,
            method,
            http_request.url,
        )

    async def aclose(self) -> None:
        await self.transport.aclose()


def _query_value(value: Any) -> Any:
    # httpx writes booleans as true/false; aiohttp refuses them
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


class AiohttpSender:
    """Sends through an ``aiohttp.ClientSession``, created on first use inside the running loop.

    Chosen with ``ReplicationClient(backend="aiohttp")`` (install ``influxdb-replications[aiohttp]``).
    aiohttp parses HTTP in C and does less per request than httpx, which matters most for many small
    calls in flight.
    """

    def __init__(
        self,
        base_url: str,
        headers: dict[str, str],
        timeout: httpx.Timeout,
        verify: bool | ssl.SSLContext,
        max_connections: int,
    ) -> None:
        try:
            import aiohttp  # noqa: F401
        except ImportError:
            raise ValueError(
                'backend="aiohttp" needs aiohttp: pip install "influxdb-replications[aiohttp]"'
            ) from None
        self._base_url = base_url
        self._headers = httpx.Headers(headers)  # its repr masks the Authorization value
        self._default_timeout = _client_timeout(timeout)
        self._ssl: bool | ssl.SSLContext = verify
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None
        self._proxy: tuple[Any, Any] = (None, None)  # URL without credentials, BasicAuth or None

    def _open(self) -> aiohttp.ClientSession:
        import aiohttp

        connector = aiohttp.TCPConnector(limit=self._max_connections, ssl=self._ssl)
        # Not trust_env: with it aiohttp looks the proxy up again and reads ~/.netrc on every request,
        # each in a worker thread (about 340 µs of CPU per call), and a netrc entry for the server makes
        # every call fail ("Cannot combine AUTHORIZATION header ..."). Like httpx, the proxy environment
        # (HTTP_PROXY, HTTPS_PROXY, NO_PROXY) is read once, here.
        proxy = env_proxy(self._base_url)
        if proxy is not None:
            from yarl import URL

            proxy_url = URL(proxy)
            self._proxy = (proxy_url.with_user(None), aiohttp.BasicAuth.from_url(proxy_url))
        self._session = aiohttp.ClientSession(
            headers=dict(self._headers.items()),
            connector=connector,
            timeout=self._default_timeout,
            auto_decompress=True,
            raise_for_status=False,
            # like the httpx sender (which skips httpx's cookie handling): cookies are neither kept nor
            # sent; the token is the only credential
            cookie_jar=aiohttp.DummyCookieJar(),
        )
        if hasattr(self._session, "_retry_connection"):  # see PRIVATE_ATTRIBUTES
            self._session._retry_connection = False
        return self._session

    # the generated functions' Sender interface: a 4xx/5xx is an answer for the request path, never raised
    raise_on_unexpected_status: Final = False

    async def send(self, request: RequestArgs, timeout: httpx.Timeout | None = None) -> Reply:
        """Send one request (the generated ``Sender`` interface); ``timeout`` overrides the default."""
        import aiohttp

        session = self._session or self._open()
        method = request["method"].upper()
        path = request["url"]
        params = request.get("params")
        if params:
            params = {key: _query_value(value) for key, value in params.items()}
        url = self._base_url + path
        try:
            async with session.request(
                method,
                url,
                params=params or None,
                json=request.get("json"),
                headers=request.get("headers") or None,
                allow_redirects=False,
                timeout=self._default_timeout if timeout is None else _client_timeout(timeout),
                proxy=self._proxy[0],
                proxy_auth=self._proxy[1],
            ) as response:
                content = await response.read()
                return Reply(
                    response.status,
                    response.reason or "",
                    response.headers,
                    content,
                    method,
                    response.url,
                )
        except TimeoutError as exc:
            # aiohttp's connect timeouts subclass TimeoutError too: nothing was sent then
            failure = Failure.NOT_SENT if _is_connect_timeout(exc) else Failure.AMBIGUOUS
            raise _connection_error(APITimeoutError, exc, method, path, failure) from exc
        except aiohttp.ClientConnectorError as exc:  # DNS, refused, TLS handshake: nothing sent
            raise _connection_error(APIConnectionError, exc, method, path, Failure.NOT_SENT) from exc
        except aiohttp.InvalidURL as exc:
            raise _connection_error(APIConnectionError, exc, method, path, Failure.FINAL) from exc
        except aiohttp.ClientError as exc:  # reset, disconnect, bad payload: the request may have landed
            raise _connection_error(APIConnectionError, exc, method, path, Failure.AMBIGUOUS) from exc

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()


class Attempt:
    """The ``client=`` of one attempt of ``Core._request``: the chosen sender with this call's timeout.

    It implements the generated ``Sender`` interface and keeps the request (for the retry's log line) and
    the reply, so that an answer whose body the generated function could not decode (a proxy's HTML 502,
    a malformed 2xx) still becomes the typed error of its status.
    """

    __slots__ = ("_sender", "_timeout", "reply", "request")

    raise_on_unexpected_status: Final = False

    def __init__(self, sender: HttpxSender | AiohttpSender, timeout: httpx.Timeout | None) -> None:
        self._sender = sender
        self._timeout = timeout
        self.request: RequestArgs | None = None
        self.reply: Reply | None = None

    async def send(self, request: RequestArgs) -> Reply:
        """Send through the chosen sender with this call's timeout; keep the request and the reply."""
        self.request = request
        self.reply = reply = await self._sender.send(request, self._timeout)
        return reply


def _client_timeout(timeout: httpx.Timeout) -> aiohttp.ClientTimeout:
    import aiohttp

    return aiohttp.ClientTimeout(
        total=None, connect=timeout.pool, sock_connect=timeout.connect, sock_read=timeout.read
    )


def _is_connect_timeout(exc: BaseException) -> bool:
    import aiohttp

    connect_timeout = getattr(aiohttp, "ConnectionTimeoutError", None)  # aiohttp >= 3.10
    return connect_timeout is not None and isinstance(exc, connect_timeout)


def _connection_error(
    cls: type[APIConnectionError],
    exc: BaseException,
    method: str,
    path: str,
    failure: Failure,
) -> APIConnectionError:
    detail = str(exc)
    message = untrusted_message(exc, method, path) or (
        f"{type(exc).__name__} during {method} {path}" + (f": {detail}" if detail else "")
    )
    return cls(message, method=method, url=path, failure=_unless_untrusted(exc, failure))


def _httpx_failure(exc: httpx.RequestError) -> Failure:
    """What an httpx failure tells the retry table (see ``APIConnectionError.failure``)."""
    if isinstance(exc, httpx.UnsupportedProtocol):
        return Failure.FINAL  # it never can be sent
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return _unless_untrusted(exc, Failure.NOT_SENT)
    return _unless_untrusted(exc, Failure.AMBIGUOUS)


def _unless_untrusted(exc: BaseException, failure: Failure) -> Failure:
    # an untrusted certificate stays untrusted until the CA changes: never repeated
    return Failure.FINAL if untrusted_certificate(exc) is not None else failure
