"""FakeInfluxDB: the test double on a real socket, its lifecycle, setup helpers, authentication and faults."""

from __future__ import annotations

import asyncio
import os
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from aiohttp import web

from ._api import ManagementApi
from ._bodies import Call
from ._engine import Engine
from ._errors import ApiError
from ._faults import Fault, FaultKind, FaultList
from ._http import error, unauthenticated
from ._lineprotocol import Point
from ._platform import PlatformApi, health, ping, ready
from ._remote import RemoteWriter
from ._routes import api_method_not_allowed, drop, failure, route
from ._store import Permission, Store, Token

_NO_AUTH = {"/health", "/ping", "/ready"}


@dataclass(frozen=True)
class RequestRecord:
    """One request the fake received, raw body included (still gzipped if it was sent so).

    The Authorization value is replaced by `<scheme> <redacted>`; `received_at` is `time.monotonic()`.
    """

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    received_at: float


def _redact(value: str) -> str:
    scheme, _, rest = value.partition(" ")
    return f"{scheme} <redacted>" if rest else "<redacted>"


class FakeInfluxDB:
    """A fake InfluxDB OSS 2.x server on 127.0.0.1 for tests; see the package docstring.

    Besides the knobs listed there, ``keep_unknown_fields`` (default False) keeps the non-null top-level
    keys of remote and replication create and update bodies that this server does not know, and returns
    them in that object's JSON (an update overwrites a kept key; a validate-only request keeps nothing).
    The fake then acts as a newer server with fields this one lacks, for testing that a new spec field
    reaches every layer (tests/generated/test_spec_flow.py). Off, unknown keys are ignored, as the real
    server does.
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        org: str = "my-org",
        buckets: Sequence[str] = ("my-bucket",),
        host: str = "127.0.0.1",
        port: int = 0,
        remote_timeout: float = 120.0,
        backoff_scale: float = 1.0,
        purge_interval: float = 60.0,
        keep_unknown_fields: bool = False,
        ssl_context: ssl.SSLContext | None = None,
        remote_ca_file: str | os.PathLike[str] | None = None,
    ) -> None:
        if isinstance(buckets, str):
            raise TypeError("buckets must be a sequence of names, not a single string")
        if ssl_context is not None and not isinstance(ssl_context, ssl.SSLContext):
            raise TypeError(
                f"ssl_context must be an ssl.SSLContext or None, got {type(ssl_context).__name__}"
            )
        if remote_ca_file is not None and not isinstance(remote_ca_file, str | os.PathLike):
            raise TypeError(f"remote_ca_file must be a path or None, got {type(remote_ca_file).__name__}")
        self._ssl_context = ssl_context
        self._store = Store()
        self._operator = self._store.add_token(operator=True, value=token)
        self.token_generated = token is None
        self._org = self._store.add_org(org)
        for name in buckets:
            self._store.add_bucket(self._org.id, name)
        self._host = host
        self._port = port
        self._writer = RemoteWriter(remote_timeout, remote_ca_file)
        self._engine = Engine(
            self._store, self._writer, backoff_scale=backoff_scale, purge_interval=purge_interval
        )
        self._management = ManagementApi(self._store, self._engine, keep_unknown_fields=keep_unknown_fields)
        self._platform = PlatformApi(self._store, self._engine)
        self._faults = FaultList()
        self._runner: web.AppRunner | None = None
        self._url: str | None = None
        self._stopped = False
        self.request_log: list[RequestRecord] = []

    def __repr__(self) -> str:
        state = self._url or ("stopped" if self._stopped else "not started")
        return f"<FakeInfluxDB {state} org={self._org.name!r}>"

    # --- lifecycle ---------------------------------------------------------------------------------

    async def start(self) -> None:
        """Bind the socket and start serving.

        Raises:
            RuntimeError: when already started or stopped.
        """
        if self._runner is not None or self._stopped:
            raise RuntimeError("FakeInfluxDB can be started only once")
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        # auto_decompress=False: the management API never gunzips bodies (reference 1.2), /write does itself
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5, auto_decompress=False)
        await runner.setup()
        site = web.TCPSite(runner, self._host, self._port, ssl_context=self._ssl_context)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        address = runner.addresses[0]
        scheme = "http" if self._ssl_context is None else "https"
        self._url = f"{scheme}://{self._host}:{address[1]}"

    async def stop(self) -> None:
        """Stop the senders, close outgoing connections and the server; calling it again does nothing."""
        if self._stopped:
            return
        self._stopped = True
        await self._engine.aclose()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        await self._writer.aclose()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    # --- what tests read ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """`http://127.0.0.1:<port>` once started (`https://` when serving TLS).

        Raises:
            RuntimeError: before `start()`.
        """
        if self._url is None:
            raise RuntimeError("FakeInfluxDB is not started")
        return self._url

    @property
    def token(self) -> str:
        """The operator token, allowed to do everything."""
        return self._operator.value

    @property
    def org(self) -> str:
        """The name of the org created at construction."""
        return self._org.name

    @property
    def org_id(self) -> str:
        """The ID (16 lower-case hex digits) of the org created at construction."""
        return self._org.id

    def bucket_id(self, name: str) -> str:
        """The ID of a bucket of the default org, by name.

        Raises:
            KeyError: when no such bucket exists.
        """
        bucket = self._store.bucket_by_name(self._org.id, name)
        if bucket is None:
            known = sorted(b.name for b in self._store.buckets.values() if b.org_id == self._org.id)
            raise KeyError(f"no bucket named {name!r} in org {self._org.name!r}; known buckets: {known}")
        return bucket.id

    async def points(self, bucket: str) -> list[Point]:
        """The points stored in a bucket (given by name in the default org, or by ID).

        Returns:
            Points sorted by time, then measurement and tags.

        Raises:
            KeyError: when the bucket does not exist.
        """
        bucket_id = bucket if bucket in self._store.buckets else self.bucket_id(bucket)
        return self._store.stored_points(bucket_id)

    def pad_queue(self, replication_id: str, size_bytes: int) -> None:
        """Add `size_bytes` to a replication's queue with one block that holds no points.

        As if that much data had piled up while the remote was away: a full queue in a test without
        writing 32 MiB of line protocol. The block decompresses to nothing, so a remote that ever receives
        it stores no point.

        Raises:
            KeyError: no replication with this ID (or its queue is lost).
            ValueError: the queue has no room for `size_bytes` more.
        """
        if not self._engine.pad(replication_id, size_bytes):
            raise ValueError(f"the queue of replication {replication_id} has no room for {size_bytes} bytes")

    def lose_queue(self, replication_id: str) -> None:
        """Remove a replication's durable queue but keep the replication, as when its directory vanished.

        From then on, as on the real server (reference 3.2, 3.7), every list of replications of its org, a
        get or update of it answer 500 ``durable queue not found for replication ID "<id>"``; a delete
        removes it and answers that 500 too.
        """
        self._engine.lose(replication_id)

    def clear_request_log(self) -> None:
        """Forget the requests recorded so far."""
        self.request_log.clear()

    # --- setup helpers -----------------------------------------------------------------------------

    def create_org(self, name: str) -> str:
        """Create another org (synchronous) and return its ID."""
        return self._store.add_org(name).id

    def create_bucket(self, name: str, *, org_id: str | None = None, retention_seconds: int = 0) -> str:
        """Create a bucket (synchronous; in the default org unless `org_id` is given) and return its ID.

        Raises:
            KeyError: for an unknown `org_id`.
            ValueError: when the org already has a bucket of that name.
        """
        org = self._org.id if org_id is None else self._store.orgs[org_id].id
        try:
            return self._store.add_bucket(org, name, retention_seconds).id
        except ApiError as exc:
            raise ValueError(exc.message) from None

    def create_token(self, permissions: list[str]) -> str:
        """Create a token holding exactly these permissions and return it (synchronous).

        Args:
            permissions: strings like `"write:orgs/<orgID>/buckets/<bucketID>"` or
                `"read:orgs/<orgID>/remotes"`.
                A permission without a resource ID covers every resource of that type in the org;
                `"read:remotes"` (no org) covers all orgs. Write does not imply read.

        Raises:
            ValueError: for a malformed permission string.
        """
        parsed = tuple(Permission.parse(p) for p in permissions)
        return self._store.add_token(parsed).value

    def revoke_token(self, token: str) -> None:
        """Delete a token (synchronous), as deleting its authorization does on a running server.

        From the next request on it is refused with 401 `unauthorized access`, remote writes and
        validations that a replication sends with it included; a test rotates a remote's token this way.

        Raises:
            KeyError: no such token (the value is not shown).
            ValueError: the operator token, which this fake's own API needs.
        """
        found = self._store.tokens.get(token)
        if found is None:
            raise KeyError("no such token")
        if found.operator:
            raise ValueError("the operator token cannot be revoked")
        del self._store.tokens[token]

    # --- fault injection ---------------------------------------------------------------------------

    def fail_next(
        self,
        n: int = 1,
        *,
        status: int,
        method: str | None = None,
        path: str | None = None,
        retry_after: str | int | None = None,
        body: str | bytes | None = None,
        content_type: str | None = None,
    ) -> None:
        """Answer the next `n` matching requests with `status` instead of handling them.

        Args:
            status: the status to send.
            method: only requests with this method (None: any).
            path: an fnmatch glob on the URL path, e.g. "/api/v2/replications*" (None: any).
            retry_after: sent as the Retry-After header when given.
            body: sent verbatim (with `content_type`); None sends `{"code","message"}` JSON with the
                code InfluxDB uses for that status (e.g. 503 -> "unavailable").
            content_type: the Content-Type for `body` (default text/plain).
        """
        raw = body.encode() if isinstance(body, str) else body
        self._faults.add(
            Fault(
                FaultKind.FAIL,
                n,
                method,
                path,
                status=status,
                retry_after=None if retry_after is None else str(retry_after),
                body=raw,
                content_type=content_type,
            )
        )

    def hang_next(
        self, n: int = 1, *, seconds: float, method: str | None = None, path: str | None = None
    ) -> None:
        """Delay the next `n` matching requests by `seconds`, then handle them normally."""
        self._faults.add(Fault(FaultKind.HANG, n, method, path, seconds=seconds))

    def drop_next(
        self, n: int = 1, *, after_handler: bool = False, method: str | None = None, path: str | None = None
    ) -> None:
        """Close the connection of the next `n` matching requests without sending a response.

        Args:
            after_handler: run the handler first (its side effects happen, e.g. a create is stored),
                then drop the connection instead of sending its response.
        """
        self._faults.add(Fault(FaultKind.DROP, n, method, path, after_handler=after_handler))

    def clear_faults(self) -> None:
        """Remove every pending fault."""
        self._faults.clear()

    # --- request handling --------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        headers = {k: (_redact(v) if k.lower() == "authorization" else v) for k, v in request.headers.items()}
        self.request_log.append(
            RequestRecord(request.method, request.path, dict(request.query), headers, body, time.monotonic())
        )
        fault = self._faults.take(request.method, request.path)
        if fault is not None and fault.kind is FaultKind.HANG:
            await asyncio.sleep(fault.seconds)
        elif fault is not None and fault.kind is FaultKind.FAIL:
            return failure(fault)
        elif fault is not None and fault.kind is FaultKind.DROP and not fault.after_handler:
            return drop(request)
        response = await self._respond(request, body)
        if fault is not None and fault.kind is FaultKind.DROP:
            return drop(request)
        return response

    async def _respond(self, request: web.Request, body: bytes) -> web.Response:
        path = request.path.rstrip("/") or "/"  # the base router strips trailing slashes
        method = request.method
        if path in _NO_AUTH:
            simple: dict[str, dict[str, Callable[[], web.Response]]] = {
                "/health": {"GET": health, "HEAD": health},
                "/ping": {"GET": ping, "HEAD": ping},
                "/ready": {"GET": ready, "HEAD": ready},
            }
            handler = simple[path].get(method)
            return handler() if handler else api_method_not_allowed(simple[path])
        token = self._authenticate(request.headers.get("Authorization", ""))
        if token is None:
            return unauthenticated()
        call = Call(request.query, body, token)
        try:
            encoding = request.headers.get("Content-Encoding", "")
            return await route(self._management, self._platform, call, method, path, encoding)
        except ApiError as exc:
            return error(exc)

    def _authenticate(self, header: str) -> Token | None:
        scheme, _, value = header.partition(" ")
        if scheme.lower() not in ("token", "bearer") or not value:
            return None
        return self._store.tokens.get(value)
