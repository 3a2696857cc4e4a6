"""ReplicationClient: configuration, lifecycle, org resolution and the one request path.

Every call of every resource goes through ``ReplicationClient._request``: it calls the generated
``asyncio_detailed`` function, applies the per-call timeout and trace-span overrides, runs the retry loop
(decisions in ``_retry.py``), and turns the outcome into a public model or a typed error.

Non-2xx responses are turned into typed errors by a response hook on the ``httpx.AsyncClient`` this client
owns, i.e. inside ``request()`` and before the generated parser (which would choke on a proxy's HTML page)
sees them. The per-call timeout reaches the request through a context variable read by a request hook,
so concurrent calls never touch shared state.
"""

# The public methods take `timeout=` by contract (the API); it is an httpx timeout per request,
# not an asyncio deadline, so ASYNC109's advice does not apply.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import json
import logging
import os
import ssl
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx

from influxdb_replications_api.api.buckets import get_buckets
from influxdb_replications_api.api.organizations import get_orgs
from influxdb_replications_api.client import Client as _GeneratedClient
from influxdb_replications_api.models.buckets import Buckets
from influxdb_replications_api.models.organizations import Organizations
from influxdb_replications_api.types import UNSET

from ._args import check_id, check_name, check_timeout, check_trace_span, check_url
from ._errors import (
    AlreadyExistsError,
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    InfluxDBError,
    NotFoundError,
    error_from_response,
)
from ._retry import OPERATIONS, Failure, RetryClass, RetryPolicy, classify, parse_retry_after, should_retry

__all__ = ["ReplicationClient"]

R = TypeVar("R")
Sleep = Callable[[float], Awaitable[None]]

_LOG = logging.getLogger("influxdb_replications")
_DEFAULT_URL = "http://localhost:8086"
# Parse failures of the generated layer on a 2xx body (missing key, wrong type, bad JSON, unknown enum).
_PARSE_ERRORS = (KeyError, TypeError, ValueError, AttributeError)


class _Call:
    """Per-call state shared with the httpx hooks through ``_CURRENT`` (one object per call)."""

    __slots__ = ("method", "path", "response", "timeout")

    def __init__(self, timeout: dict[str, float | None] | None) -> None:
        self.timeout = timeout
        self.response: httpx.Response | None = None
        self.method = ""
        self.path = ""


_CURRENT: ContextVar[_Call | None] = ContextVar("influxdb_replications_call", default=None)


async def _on_request(request: httpx.Request) -> None:
    call = _CURRENT.get()
    if call is not None:
        call.method = request.method
        call.path = request.url.path
        if call.timeout is not None:
            request.extensions["timeout"] = call.timeout


@dataclass(frozen=True, slots=True)
class Reconcile:
    """How ``create`` recovers after an ambiguous failure (contract note 1).

    Attributes:
        lookup: Finds the object by name (one attempt, no retries); None when it does not exist.
        verify: Returns the found object when it equals what was asked, else raises AlreadyExistsError.
    """

    lookup: Callable[[], Awaitable[Any]]
    verify: Callable[[Any], Any]


class ReplicationClient:
    """Async client for the InfluxDB OSS v2 Replications and Remote Connections APIs.

    Use it as ``async with ReplicationClient(...) as client:`` (or call ``aclose()`` yourself). The
    resources are ``client.remotes`` and ``client.replications``.

    Args:
        url: The server URL, e.g. "http://localhost:8086" (any path prefix is kept; the client adds
            /api/v2). Defaults to env INFLUX_HOST, then http://localhost:8086.
        token: The API token. Defaults to env INFLUX_TOKEN; missing -> ValueError.
        org: The org name, resolved once via GET /api/v2/orgs?org=. Defaults to env INFLUX_ORG.
        org_id: The org ID (16 hex digits), used directly; wins over ``org``. Defaults to env
            INFLUX_ORG_ID. Without either, calls that need an org (list, find, create, name look-ups)
            raise ValueError; get/update/delete work.
        timeout: Seconds (float) or an httpx.Timeout, for every request; each method takes ``timeout=``
            to override it for one call.
        retry: The RetryPolicy (default ``RetryPolicy()``); ``RetryPolicy(max_attempts=1)`` disables
            retries.
        transport: Any httpx.AsyncBaseTransport (tests, proxies, custom pools).
        verify: TLS verification: True, False, a CA bundle path or an ssl.SSLContext.
        headers: Extra headers sent with every request.
        trace_span: Default Zap-Trace-Span header value; each method takes ``trace_span=``.
        sleep: The coroutine used to wait between attempts (default ``asyncio.sleep``). Tests pass one
            that returns at once to make backoff instant.

    Raises:
        ValueError: missing token, a URL that is not http(s), a malformed org_id, bad timeout/retry.
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
        verify: bool | str | ssl.SSLContext = True,
        headers: dict[str, str] | None = None,
        trace_span: str | None = None,
        sleep: Sleep | None = None,
    ) -> None:
        from .remotes import Remotes
        from .replications import Replications

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

        all_headers = dict(headers or {})
        # InfluxDB's scheme; httpx masks the Authorization value in the Headers repr.
        all_headers["Authorization"] = f"Token {token}"
        secret = token

        async def on_response(response: httpx.Response) -> None:
            call = _CURRENT.get()
            if call is not None:
                call.response = response
            status = response.status_code
            if 200 <= status < 300:
                return
            await response.aread()
            retry_after = None
            if status in (429, 503):
                retry_after = parse_retry_after(response.headers.get("retry-after"))
            raise error_from_response(response, retry_after=retry_after, secret=secret)

        if transport is None and isinstance(verify, str):
            verify = ssl.create_default_context(cafile=verify)
        self._http = httpx.AsyncClient(
            base_url=base_url,
            headers=all_headers,
            timeout=default_timeout,
            transport=transport,
            verify=verify if transport is None else True,
            follow_redirects=False,
            # httpx keeps only 20 idle connections by default; with 50 calls in flight that reopens a
            # connection for most requests (measured by scripts/bench), so keep as many as we may use
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=100),
            event_hooks={"request": [_on_request], "response": [on_response]},
        )
        # The generated client only carries our AsyncClient: it never sees the token.
        self._api = _GeneratedClient(base_url=base_url).set_async_httpx_client(self._http)
        self.remotes = Remotes(self)
        """Remote connections: list, get, find, create, update, delete."""
        self.replications = Replications(self)
        """Replications: list, get, find, create, update, delete and the validate helpers."""

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
    def is_closed(self) -> bool:
        """True once ``aclose()`` was called."""
        return self._closed

    def __repr__(self) -> str:
        return f"ReplicationClient(url={self._url!r}, org={self._org!r}, org_id={self._org_id!r})"

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
        await self._http.aclose()

    def _ensure_open(self) -> None:
        if self._closed:
            raise RuntimeError("this ReplicationClient is closed; create a new one")

    # ------------------------------------------------------------------ org and bucket resolution

    async def _resolve_org_id(self, timeout: float | httpx.Timeout | None, trace_span: str | None) -> str:
        """The org ID: given, or looked up once by name (concurrent first calls share one look-up)."""
        if self._org_id is not None:
            return self._org_id
        if self._org is None:
            raise ValueError(
                "this call needs an organization: pass org= or org_id= to ReplicationClient "
                "(or set INFLUX_ORG / INFLUX_ORG_ID)"
            )
        async with self._org_lock:
            if self._org_id is None:
                self._org_id = await self._lookup_org(self._org, timeout, trace_span)
        return self._org_id

    async def _lookup_org(
        self, name: str, timeout: float | httpx.Timeout | None, trace_span: str | None
    ) -> str:
        # the server answers an unknown name with 404 `organization name "x" not found`
        return await self._id_by_name(
            "orgs",
            get_orgs.asyncio_detailed,
            Organizations,
            name,
            f"organization {name!r} not found",
            timeout,
            trace_span,
            org=name,
            limit=UNSET,
            descending=UNSET,
        )

    async def _resolve_bucket_id(
        self, bucket: str, timeout: float | httpx.Timeout | None, trace_span: str | None
    ) -> str:
        """Look a local bucket up by name in the client's org; NotFoundError if there is none."""
        org_id = await self._resolve_org_id(timeout, trace_span)
        return await self._id_by_name(
            "buckets",
            get_buckets.asyncio_detailed,
            Buckets,
            bucket,
            f"bucket {bucket!r} not found in org {org_id}",
            timeout,
            trace_span,
            org_id=org_id,
            name=bucket,
            limit=UNSET,
        )

    async def _id_by_name(
        self,
        key: str,
        fn: Callable[..., Awaitable[Any]],
        list_type: type,
        wanted: str,
        not_found: str,
        timeout: float | httpx.Timeout | None,
        trace_span: str | None,
        **params: Any,
    ) -> str:
        """The ID of the item called ``wanted`` in the ``key`` list that ``fn`` returns; else NotFoundError.

        A 404 (how the server answers an unknown org or bucket name), a null list and a list without that
        name all become the same NotFoundError with ``not_found`` as its message.
        """

        def parse(parsed: Any) -> str | None:
            if parsed is None:  # {"<key>": null}
                return None
            if not isinstance(parsed, list_type):
                raise TypeError(f"not a {key} list")
            for item in getattr(parsed, key) or []:
                if item.name == wanted:
                    return check_id(item.id, "id")
            return None

        try:
            found = await self._request(
                f"{key}.lookup",
                fn,
                parse=parse,
                timeout=timeout,
                trace_span=trace_span,
                null_list=key,
                **params,
            )
        except NotFoundError as exc:
            raise exc.with_message(not_found) from None
        if found is None:
            raise NotFoundError(not_found, status_code=404, code="not found")
        return found

    # ------------------------------------------------------------------ the one request path

    async def _request(
        self,
        op: str,
        fn: Callable[..., Awaitable[Any]],
        *,
        parse: Callable[[Any], R],
        timeout: float | httpx.Timeout | None,
        trace_span: str | None,
        expect_status: int | None = None,
        null_list: str | None = None,
        reconcile: Reconcile | None = None,
        attempts: int | None = None,
        **kwargs: Any,
    ) -> R:
        """Send one operation, with retries, and return ``parse(generated result)``.

        Args:
            op: The operation's row in ``_retry.OPERATIONS``.
            fn: The generated ``asyncio_detailed`` function.
            parse: Narrows the generated result (isinstance) and converts it; may raise TypeError/
                ValueError/KeyError for a malformed body. Called with None for a ``null`` list.
            timeout: Per-call timeout override.
            trace_span: Per-call Zap-Trace-Span override.
            expect_status: Require exactly this 2xx status (validate-only calls: 204).
            null_list: The list key of a list response whose ``null`` means "empty" (reference 2.1).
            reconcile: For create: the look-up after an ambiguous failure.
            attempts: Override max_attempts (1 for look-ups inside another call's retry loop).
            **kwargs: Passed on to ``fn``.
        """
        self._ensure_open()
        override = check_timeout(timeout)
        call = _Call(None if override is None else override.as_dict())
        span = check_trace_span(trace_span) or self._trace_span
        if span is not None:
            kwargs["zap_trace_span"] = span
        retry_class = OPERATIONS[op]
        policy = self._retry
        max_attempts = policy.max_attempts if attempts is None else attempts
        deadline = policy.deadline
        started = time.monotonic()
        ambiguous_seen = False
        needs_lookup = False

        for attempt in range(1, max_attempts + 1):
            existing: Any = None
            try:
                if needs_lookup and reconcile is not None:
                    # after an ambiguous create: did it land? (contract note 1)
                    existing = await reconcile.lookup()
                    needs_lookup = False
                if existing is None:
                    return await self._attempt(fn, call, kwargs, parse, expect_status, null_list)
            except InfluxDBError as exc:
                error: InfluxDBError = exc
            else:
                return reconcile.verify(existing)  # type: ignore[union-attr,no-any-return]

            failure = classify(error)
            if failure is Failure.AMBIGUOUS:
                ambiguous_seen = True
            elif ambiguous_seen and attempt > 1:
                if retry_class is RetryClass.DELETE and isinstance(error, NotFoundError):
                    # an earlier attempt that got no answer did delete it
                    return parse(None)
                if reconcile is not None and isinstance(error, AlreadyExistsError):
                    # an earlier attempt that got no answer did create it: compare (contract note 1)
                    existing = await reconcile.lookup()
                    if existing is None:
                        raise error
                    return reconcile.verify(existing)  # type: ignore[no-any-return]
            if retry_class is RetryClass.CREATE and failure is Failure.AMBIGUOUS and reconcile is not None:
                needs_lookup = True  # the next attempt looks the name up before sending again
            elif not should_retry(retry_class, failure):
                raise error
            if attempt >= max_attempts:
                raise error
            retry_after = error.retry_after if isinstance(error, APIStatusError) else None
            if failure is Failure.RETRY_LATER and retry_after is not None:
                if retry_after > policy.max_retry_after:
                    raise error
                delay = retry_after
            else:
                delay = policy.backoff(attempt - 1)
            if deadline is not None and delay >= deadline - (time.monotonic() - started):
                raise error
            if _LOG.isEnabledFor(logging.INFO):
                _LOG.info(
                    "retrying %s %s (attempt %d of %d) in %.3fs after %s",
                    call.method,
                    call.path,
                    attempt + 1,
                    max_attempts,
                    delay,
                    _describe(error),
                )
            await self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _attempt(
        self,
        fn: Callable[..., Awaitable[Any]],
        call: _Call,
        kwargs: dict[str, Any],
        parse: Callable[[Any], R],
        expect_status: int | None,
        null_list: str | None,
    ) -> R:
        """One request: send, then narrow the generated result; every failure is an InfluxDBError."""
        self._ensure_open()
        call.response = None
        token = _CURRENT.set(call)
        try:
            detailed = await fn(client=self._api, **kwargs)
        except InfluxDBError:
            raise
        except httpx.TimeoutException as exc:
            raise APITimeoutError(
                f"{type(exc).__name__} during {call.method} {call.path}", method=call.method, url=call.path
            ) from exc
        except httpx.DecodingError as exc:
            raise self._invalid(call, "the response body could not be decoded") from exc
        except httpx.RequestError as exc:
            raise APIConnectionError(
                f"{type(exc).__name__} during {call.method} {call.path}: {exc}",
                method=call.method,
                url=call.path,
            ) from exc
        except _PARSE_ERRORS as exc:
            if call.response is None:  # not a parse failure: a bug, let it surface
                raise
            if null_list is None or not _is_null_list(call.response, null_list):
                raise self._invalid(call, f"unexpected body ({type(exc).__name__}: {exc})") from exc
            parsed: Any = None  # the server's {"<list>": null}: an empty list (reference 2.1, 3.2)
        else:
            parsed = detailed.parsed
        finally:
            _CURRENT.reset(token)
        response = call.response
        if response is None:  # pragma: no cover - the response hook always runs
            raise APIResponseValidationError("no response recorded", status_code=0)
        if expect_status is not None and response.status_code != expect_status:
            raise self._invalid(call, f"expected status {expect_status}, got {response.status_code}")
        try:
            return parse(parsed)
        except _PARSE_ERRORS as exc:
            raise self._invalid(call, f"unexpected body ({type(exc).__name__}: {exc})") from exc

    @staticmethod
    def _invalid(call: _Call, reason: str) -> APIResponseValidationError:
        response = call.response
        status = 0 if response is None else response.status_code
        body = b"" if response is None else response.content
        return APIResponseValidationError(
            f"{call.method} {call.path} returned {status}: {reason}", status_code=status, body=body
        )


def _is_null_list(response: httpx.Response, key: str) -> bool:
    try:
        data = json.loads(response.content)
    except ValueError:
        return False
    return isinstance(data, dict) and key in data and data[key] is None


def _describe(error: InfluxDBError) -> str:
    if isinstance(error, APIStatusError):
        return f"status {error.status_code}"
    cause = error.__cause__
    return type(cause).__name__ if cause is not None else type(error).__name__
