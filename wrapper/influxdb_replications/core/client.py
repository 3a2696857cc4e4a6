"""The client's core: configuration, lifecycle, the org ID once resolved, and the one request path.

``ReplicationClient`` (``operations/replication_client.py``) is this core plus its resources. Every call of
every resource goes through ``Core._request``: once per attempt it awaits the generated endpoint function
(``module.asyncio_detailed(client=..., ...)``, looked up on its module at call time) with the chosen
sender (``core/transport.py``: httpx by default, aiohttp on request; both implement the generated ``Sender``
interface) as its client. The generated function builds the request and decodes the body once, straight
into a generated model (its ``from_dict``; ``core/models.py`` names the public ones). A non-2xx answer
becomes a typed error (``core/errors.py``). ``_request`` is a short loop: what to do after a failed attempt
(retry and how long to wait, raise, or settle an earlier attempt that got no answer) is decided in
``core/retry.py``. The org and bucket look-ups are the resources' (``resources/lookups.py``); the core only
keeps the org ID they resolve.
"""

# The public methods take `timeout=` by contract (the API); it is an httpx timeout per request,
# not an asyncio deadline, so ASYNC109's advice does not apply.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal, Self, TypeVar

import httpx

from influxdb_replications_api.models.error import Error
from influxdb_replications_api.types import Response

from .._version import __version__
from .args import check_id, check_name, check_timeout, check_trace_span, check_url
from .errors import (
    APIResponseValidationError,
    InfluxDBError,
    error_from_response,
)
from .models import ShapeError
from .retry import OPERATIONS, Retrying, RetryPolicy, Step, parse_retry_after
from .tls import ClientCert, Verify, tls_context
from .transport import AiohttpSender, Attempt, HttpxSender, Reply

__all__ = ["Call", "Core", "Reconcile", "ignore_body"]

R = TypeVar("R")
T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]

_DEFAULT_URL = "http://localhost:8086"
_USER_AGENT = f"influxdb-replications/{__version__}"
# Parse failures of a body (not JSON, missing key, wrong type, unknown value): the generated from_dict
# raises ShapeError (a TypeError), json.loads a ValueError.
_PARSE_ERRORS = (KeyError, TypeError, ValueError, AttributeError)
# At most this many connections at once (httpx's and aiohttp's default). httpx's pool also keeps only 20
# idle: raising that stopped reconnects at 50 calls in flight but cost more CPU than it saved, because
# httpcore checks every idle connection on each request (scripts/bench: get at 50 in flight, 2146 vs
# 1527 µs per call), so httpx keeps its default.
_MAX_CONNECTIONS = 100
Backend = Literal["httpx", "aiohttp"]


class _Secret:
    """Holds the token so that no repr, vars() dump or log line shows it."""

    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "<secret>"


def ignore_body(parsed: object) -> None:
    """The ``parse`` of calls whose answer has no body worth reading (delete, validate)."""
    del parsed


# One attempt of one operation: the generated endpoint function awaited with this sender and this
# Zap-Trace-Span, e.g. ``lambda c, span: get_replications.asyncio_detailed(client=c, ...,
# zap_trace_span=span)``.
Call = Callable[[Attempt, str | None], Awaitable[Response[T]]]


@dataclass(frozen=True, slots=True)
class Reconcile:
    """How ``create`` recovers after an ambiguous failure (contract note 1).

    Attributes:
        lookup: Finds the object by name (one attempt, no retries); None when it does not exist.
        verify: Returns the found object when it equals what was asked, else raises AlreadyExistsError.
    """

    lookup: Callable[[], Awaitable[Any]]
    verify: Callable[[Any], Any]


class Core:
    """Configuration, lifecycle, the resolved org ID, and the one request path (``_request``).

    ``ReplicationClient`` adds the resources and plan/apply; its docstring describes the arguments.
    """

    def __init__(
        self,
        *,
        url: str | None = None,
        token: str | None = None,
        org: str | None = None,
        org_id: str | None = None,
        timeout: float | httpx.Timeout = 10.0,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        verify: Verify = True,
        cert: ClientCert | None = None,
        headers: dict[str, str] | None = None,
        trace_span: str | None = None,
        sleep: Sleep | None = None,
        backend: Backend = "httpx",
    ) -> None:
        if url is None:
            url = os.environ.get("INFLUX_HOST") or _DEFAULT_URL
        base_url = check_url(url, "url").rstrip("/")
        if token is None:
            token = os.environ.get("INFLUX_TOKEN") or None
        if not token:
            raise ValueError("token is required: pass token= or set INFLUX_TOKEN")
        if not isinstance(token, str):
            raise ValueError("token must be a string")
        if org is None and org_id is None:
            org_id = os.environ.get("INFLUX_ORG_ID") or None
            if org_id is None:
                org = os.environ.get("INFLUX_ORG") or None
        self._org = None if org is None else check_name(org, "org")
        self._org_id: str | None = None if org_id is None else check_id(org_id, "org_id")
        self._org_lock = asyncio.Lock()
        default_timeout = check_timeout(timeout)
        if default_timeout is None:
            raise ValueError("timeout must be a number > 0 or an httpx.Timeout, got None")
        if retry is None:
            retry = RetryPolicy()
        elif not isinstance(retry, RetryPolicy):
            raise ValueError("retry must be a RetryPolicy")
        self._retry = retry
        self._trace_span = check_trace_span(trace_span)
        self._sleep: Sleep = asyncio.sleep if sleep is None else sleep
        self._url = base_url
        self._closed = False

        # the client sets Authorization itself (a caller's copy in any spelling would be sent as well)
        all_headers = {
            name: value for name, value in (headers or {}).items() if name.lower() != "authorization"
        }
        if not any(name.lower() == "user-agent" for name in all_headers):
            all_headers["User-Agent"] = _USER_AGENT  # names the client in the server's logs
        # InfluxDB's scheme; httpx masks the Authorization value in the Headers repr.
        all_headers["Authorization"] = f"Token {token}"
        self._secret = _Secret(token)
        tls = tls_context(verify, cert)  # a bad verify= or cert= is a ValueError here, before any request
        self._sender: HttpxSender | AiohttpSender
        if backend == "httpx":
            self._sender = HttpxSender(
                base_url,
                all_headers,
                default_timeout,
                transport=transport,
                verify=tls,
                limits=httpx.Limits(max_connections=_MAX_CONNECTIONS, max_keepalive_connections=20),
            )
        elif backend == "aiohttp":
            if transport is not None:
                raise ValueError('transport= is an httpx transport; it cannot be used with backend="aiohttp"')
            self._sender = AiohttpSender(base_url, all_headers, default_timeout, tls, _MAX_CONNECTIONS)
        else:
            raise ValueError(f'backend must be "httpx" or "aiohttp", got {backend!r}')
        self._backend: Backend = backend

    # ------------------------------------------------------------------ configuration and lifecycle

    @property
    def url(self) -> str:
        """The server URL (without a trailing slash)."""
        return self._url

    @property
    def org(self) -> str | None:
        """The org name given, if any."""
        return self._org

    @property
    def org_id(self) -> str | None:
        """The org ID given or already resolved from ``org``; None before resolution."""
        return self._org_id

    @property
    def retry(self) -> RetryPolicy:
        """The retry policy."""
        return self._retry

    @property
    def backend(self) -> Backend:
        """The HTTP library that sends requests: "httpx" or "aiohttp"."""
        return self._backend

    @property
    def is_closed(self) -> bool:
        """True once ``aclose()`` was called."""
        return self._closed

    def __repr__(self) -> str:
        return f"{type(self).__name__}(url={self._url!r}, org={self._org!r}, org_id={self._org_id!r})"

    async def __aenter__(self) -> Self:
        self._ensure_open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections. Idempotent; the client cannot be used afterwards."""
        if self._closed:
            return
        self._closed = True
        await self._sender.aclose()

    def _ensure_open(self) -> None:
        if self._closed:
            raise RuntimeError("this ReplicationClient is closed; create a new one")

    # ------------------------------------------------------------------ the org ID, resolved once

    async def _org_id_once(self, look_up: Callable[[str], Awaitable[str]]) -> str:
        """The org ID: given, or ``look_up(org)`` once and kept (concurrent first calls share one).

        The look-up itself is the resources' (``resources/lookups.py``); the core keeps its answer, so that
        ``org_id`` shows it and every resource of this client shares it.
        """
        if self._org_id is not None:
            return self._org_id
        if self._org is None:
            raise ValueError(
                "this call needs an organization: pass org= or org_id= to ReplicationClient "
                "(or set INFLUX_ORG / INFLUX_ORG_ID)"
            )
        async with self._org_lock:
            if self._org_id is None:
                self._org_id = await look_up(self._org)
        return self._org_id

    # ------------------------------------------------------------------ the one request path

    async def _request(
        self,
        op: str,
        call: Call[T | Error],
        *,
        parse: Callable[[T], R],
        timeout: float | httpx.Timeout | None,
        trace_span: str | None,
        expect_status: int | None = None,
        reconcile: Reconcile | None = None,
        attempts: int | None = None,
    ) -> R:
        """Send one operation, with retries, and return ``parse(the generated model of the 2xx answer)``.

        Args:
            op: The operation's row in ``core/retry.py``'s ``OPERATIONS``.
            call: One attempt: awaits the generated ``asyncio_detailed`` with the sender it is given as
                ``client=`` and the Zap-Trace-Span it is given as ``zap_trace_span=``.
            parse: Converts the parsed model (None for a 204); may raise TypeError, ValueError or KeyError
                for an answer it cannot use.
            timeout: Per-call timeout override.
            trace_span: Per-call Zap-Trace-Span override.
            expect_status: Require exactly this 2xx status (validate-only calls: 204).
            reconcile: For create: the look-up after an ambiguous failure.
            attempts: Override max_attempts (1 for look-ups inside another call's retry loop).
        """
        self._ensure_open()
        override = check_timeout(timeout)
        span = check_trace_span(trace_span) or self._trace_span
        retry_class = OPERATIONS[op]
        started = time.monotonic()
        retrying: Retrying | None = None  # made at the first failure
        while True:
            existing: Any = None
            sent = Attempt(self._sender, override)
            try:
                if retrying is not None and retrying.needs_lookup and reconcile is not None:
                    # after an ambiguous create: did it land? (contract note 1)
                    existing = await reconcile.lookup()
                    retrying.needs_lookup = False
                if existing is None:
                    return await self._attempt(sent, call, span, parse, expect_status)
            except InfluxDBError as exc:
                error: InfluxDBError = exc
            else:
                return reconcile.verify(existing)  # type: ignore[union-attr,no-any-return]
            if retrying is None:
                retrying = Retrying(
                    retry_class,
                    self._retry,
                    attempts=attempts,
                    reconcile=reconcile is not None,
                    started=started,
                )
            step = retrying.after(error)
            if step is Step.DONE:
                return parse(None)  # type: ignore[arg-type]
            if step is Step.RECONCILE and reconcile is not None:
                existing = await reconcile.lookup()
                if existing is None:
                    raise error
                return reconcile.verify(existing)  # type: ignore[no-any-return]
            if step is not Step.RETRY:
                raise error
            retrying.log(op, sent.request, error)
            await self._sleep(retrying.delay)

    async def _attempt(
        self,
        sent: Attempt,
        call: Call[T | Error],
        span: str | None,
        parse: Callable[[T], R],
        expect_status: int | None,
    ) -> R:
        """One request: the generated function sends and decodes; every failure is an InfluxDBError."""
        self._ensure_open()
        try:
            response = await call(sent, span)
        except InfluxDBError:
            raise
        except _PARSE_ERRORS as exc:
            # the generated function could not decode the answer's body
            reply = sent.reply
            if reply is None:  # pragma: no cover - failed before sending: a bug, not an answer
                raise
            self._check_status(reply, None, expect_status)
            if isinstance(exc, ValueError) and not isinstance(exc, ShapeError):
                raise _invalid(reply, "the response body is not JSON") from exc
            raise _invalid(reply, f"unexpected body ({type(exc).__name__}: {exc})") from exc
        reply = sent.reply
        assert reply is not None  # the generated function sent through `sent`
        parsed = response.parsed
        self._check_status(reply, parsed, expect_status)
        if parse is ignore_body:
            return None  # type: ignore[return-value]
        if isinstance(parsed, Error):
            # a 2xx that the spec does not document for this operation: the generator's default answer
            raise _invalid(reply, f"undocumented status {reply.status_code}")
        try:
            return parse(parsed)  # type: ignore[arg-type]
        except _PARSE_ERRORS as exc:
            raise _invalid(reply, f"unexpected body ({type(exc).__name__}: {exc})") from exc

    def _check_status(self, reply: Reply, parsed: object, expect_status: int | None) -> None:
        """Raise the typed error of a non-2xx answer, or of a 2xx other than ``expect_status``."""
        status = reply.status_code
        if not 200 <= status < 300:
            retry_after = None
            if status in (429, 503):
                retry_after = parse_retry_after(reply.headers.get("retry-after"))
            # the generated function decoded the error body into Error: its code and message are used
            error_body = (parsed.code, parsed.message) if isinstance(parsed, Error) else None
            raise error_from_response(
                reply, retry_after=retry_after, secret=self._secret.value, error_body=error_body
            )
        if expect_status is not None and status != expect_status:
            raise _invalid(reply, f"expected status {expect_status}, got {status}")


def _invalid(reply: Reply, reason: str) -> APIResponseValidationError:
    return APIResponseValidationError(
        f"{reply.method} {reply.url} returned {reply.status}: {reason}",
        status_code=reply.status,
        body=reply.body,
    )
