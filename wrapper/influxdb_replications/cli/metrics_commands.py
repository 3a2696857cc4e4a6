"""Metrics at the command line: ``status --format prometheus``, ``status --textfile PATH`` and ``exporter``.

The collection and the text format are ``operations/metrics.py``'s; this module adds what a command does
with them: print them, write them atomically for node_exporter's textfile collector, or serve them over
HTTP (``exporter``: ``/metrics`` for Prometheus, ``/`` for people, with the hints).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import signal
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .commands import _Ctx
from .output import STATUS_COLUMNS, _status_row, table, under_rows
from .parser import EXIT_ERROR, EXIT_FLEET, EXIT_OK, EXIT_UNHEALTHY, UsageError

if TYPE_CHECKING:
    from ..operations.fleet_file import FleetConfig
    from ..operations.metrics import Collection, HostSample

FORMATS = ("table", "json", "prometheus")
_READ_LIMIT = 10.0  # seconds a client may take to send its request head


def _need_prometheus() -> None:
    from ..operations.metrics import prometheus_client_module

    try:
        prometheus_client_module()
    except ImportError as exc:
        raise UsageError(str(exc)) from None


class _Textfile:
    """A temporary file beside PATH, renamed over it by commit(); removed if never committed."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        directory = self.path.parent
        if not directory.is_dir():
            raise UsageError(f"cannot write {path}: directory {directory} does not exist")
        if self.path.is_dir():
            raise UsageError(f"cannot write {path}: it is a directory")
        try:
            fd, name = tempfile.mkstemp(dir=directory, prefix=f".{self.path.name}.", suffix=".tmp")
        except OSError as exc:
            raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
        self._fd: int | None = fd
        self._temp = name

    def commit(self, data: bytes) -> None:
        assert self._fd is not None
        with os.fdopen(self._fd, "wb") as file:
            self._fd = None
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(self._temp, 0o644)  # mkstemp makes it 0600; node_exporter may run as another user
        os.replace(self._temp, self.path)
        self._temp = ""

    def discard(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self._temp:
            with contextlib.suppress(OSError):
                os.unlink(self._temp)
            self._temp = ""


def _only(samples: Sequence[HostSample], ref: str | None) -> list[HostSample]:
    if ref is None:
        return list(samples)
    return [
        dataclasses.replace(s, streams=tuple(x for x in s.streams if ref in (x.status.name, x.status.id)))
        for s in samples
    ]


async def _collect(ctx: _Ctx, config: FleetConfig | None) -> tuple[list[HostSample], bool]:
    """The samples, and whether they come from a fleet file's hosts."""
    from ..operations.metrics import collect_client, collect_fleet

    args = ctx.args
    if config is not None and config.hosts:
        hosts = config.hosts
        samples = await collect_fleet(
            hosts,
            concurrency=args.concurrency,
            host_timeout=args.host_timeout,
            client_options=ctx.client_options(),
        )
        return samples, True
    async with ctx.client() as client:
        return [await collect_client(client, host_timeout=args.host_timeout)], False


async def _cmd_status_metrics(ctx: _Ctx, config: FleetConfig | None) -> int:
    """``status --format prometheus`` or ``status --textfile PATH``."""
    from ..operations.metrics import render

    _need_prometheus()
    args = ctx.args
    textfile = _Textfile(args.textfile) if args.textfile else None
    try:
        samples, fleet = await _collect(ctx, config)
        samples = _only(samples, args.replication)
        text = render(samples)
        if textfile is not None:
            textfile.commit(text)
        else:
            ctx.out.write(text.decode())
    finally:
        if textfile is not None:
            textfile.discard()
    down = [s for s in samples if not s.up]
    for sample in down:
        ctx.warn(f"error: {sample.host}: {sample.error}")
    if down:
        return EXIT_FLEET if fleet else EXIT_ERROR
    unhealthy = {"failing", "backlogged"}
    if any(str(x.status.health) in unhealthy for s in samples for x in s.streams):
        return EXIT_UNHEALTHY
    return EXIT_OK


def _listen(text: str) -> tuple[str, int]:
    """HOST:PORT, [IPv6]:PORT, or PORT alone (loopback)."""
    host, sep, port = text.rpartition(":")
    if not sep:
        host, port = "", text
    host = host.strip("[]") or "127.0.0.1"
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise UsageError(f"--listen {text!r}: expected HOST:PORT (e.g. 127.0.0.1:9470)")
    return host, int(port)


def _page(collection: Collection) -> bytes:
    """The / page: every host and stream, its verdict and reason, and the hint under it."""
    rows: list[list[object]] = []
    hints: list[str | None] = []
    for sample in collection.hosts:
        if not sample.up:
            rows.append([sample.host, None, None, "down", None, None, None, sample.error])
            hints.append(None)
        for stream in sample.streams:
            rows.append([sample.host, *_status_row(stream.status)])
            hints.append(stream.status.hint)
    head = "influxdb-replications exporter: metrics on /metrics\n\n"
    return (head + under_rows(table(("host", *STATUS_COLUMNS), rows), hints) + "\n").encode()


_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}


async def _serve_one(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, get: Callable[[], Awaitable[Collection]]
) -> None:
    from ..operations.metrics import CONTENT_TYPE

    try:
        async with asyncio.timeout(_READ_LIMIT):
            request = await reader.readline()
            while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
                del line
        parts = request.decode("latin-1").split()
        status, content_type, body = 400, "text/plain; charset=utf-8", b"bad request\n"
        if len(parts) >= 2:
            method, path = parts[0], parts[1].split("?", 1)[0]
            if method not in ("GET", "HEAD"):
                status, body = 405, b"only GET\n"
            elif path == "/metrics":
                status, content_type, body = 200, CONTENT_TYPE, (await get()).text
            elif path == "/":
                status, body = 200, _page(await get())
            else:
                status, body = 404, b"not found: try /metrics or /\n"
            if method == "HEAD":
                body = b""
        head = (
            f"HTTP/1.1 {status} {_REASONS[status]}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        writer.write(head.encode("latin-1") + body)
        await writer.drain()
    except (TimeoutError, ConnectionError, ValueError):
        pass  # a client that is slow, gone, or sent a line too long: nothing to answer
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


async def _cmd_exporter(ctx: _Ctx) -> int:
    """Serve /metrics and / until SIGTERM or Ctrl-C (or until cancelled)."""
    from ..operations.metrics import MetricsCache
    from .fleet_commands import _load

    _need_prometheus()
    args = ctx.args
    host, port = _listen(args.listen)
    config = _load(args.file) if args.file else None
    async with contextlib.AsyncExitStack() as stack:
        collect: Callable[[], Awaitable[Sequence[HostSample]]]
        if config is not None and config.hosts:
            from ..operations.metrics import collect_fleet

            hosts, options = config.hosts, ctx.client_options()

            def collect() -> Awaitable[Sequence[HostSample]]:
                return collect_fleet(
                    hosts,
                    concurrency=args.concurrency,
                    host_timeout=args.host_timeout,
                    client_options=options,
                )
        else:
            from ..operations.metrics import collect_client

            client = await stack.enter_async_context(ctx.client())

            async def collect() -> Sequence[HostSample]:
                return [await collect_client(client, host_timeout=args.host_timeout)]

        cache = MetricsCache(collect, min_interval=args.min_interval)
        stack.push_async_callback(cache.aclose)

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await _serve_one(reader, writer, cache.get)

        try:
            server = await asyncio.start_server(handle, host, port)
        except OSError as exc:
            raise UsageError(f"cannot listen on {args.listen}: {exc.strerror or exc}") from None
        stack.push_async_callback(server.wait_closed)
        stack.callback(server.close)
        bound = server.sockets[0].getsockname()
        shown = f"[{bound[0]}]" if ":" in bound[0] else bound[0]
        ctx.warn(f"listening on http://{shown}:{bound[1]}/metrics")
        stop = asyncio.Event()
        stack.callback(_on_signals(stop.set))
        await stop.wait()
        ctx.warn("stopping")
    return EXIT_OK


def _on_signals(callback: Callable[[], object]) -> Callable[[], None]:
    """Call ``callback`` on SIGTERM and SIGINT (where the loop can: the main thread, not Windows)."""
    loop = asyncio.get_running_loop()
    installed = []
    for number in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(number, callback)
        except (NotImplementedError, RuntimeError, ValueError):
            continue
        installed.append(number)

    def remove() -> None:
        for number in installed:
            loop.remove_signal_handler(number)

    return remove
