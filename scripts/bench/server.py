"""A small, fast HTTP/1.1 keep-alive server with pre-rendered InfluxDB replication responses.

It is the cheap side of the benchmark, so that the client is what gets measured: an asyncio Protocol that
parses just enough HTTP (request line, ``Content-Length``, ``Connection``), answers from a cache of complete
response bytes, and does no per-request JSON work. Requests with a chunked body get 411 (no benchmarked
client sends one). Requests are handled in arrival order on each connection.

Routes (responses from ``responses.py``; the list length is the org ID read as a hex number):

* ``GET /api/v2/replications?orgID=<id>``: 1, 10, 100 or 1000 replications; ``null`` for other orgs
* ``GET /api/v2/replications/<id>``: one replication (any ID)
* ``POST /api/v2/replications``: 201 with the created replication (the body is not parsed)
* ``GET /api/v2/orgs?org=bench-<n>``: the org ``org_id_for(n)``; 404 for other names
* ``GET /api/v2/buckets?...``, ``GET /api/v2/remotes/<id>``, ``GET /ping``, ``GET /health``
* ``GET /_bench/stats``: ``{"connections", "requests", "cpu"}`` (accepted connections, requests served,
  the server's CPU seconds) so the runner can see connection churn and whether the server kept up.

Real InfluxDB (Go net/http) sends bodies over ~2 KB with chunked transfer encoding; this server always
sends ``Content-Length``, which is cheaper for both sides and the same for every client.

Run it alone with ``python scripts/bench/server.py --port 8086``; ``run.py`` starts it pinned to one core.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import signal
import sys
import time
from email.utils import formatdate
from typing import Final
from urllib.parse import parse_qsl

import responses

_JSON: Final = b"application/json; charset=utf-8"
_REASONS: Final = {
    200: b"OK",
    201: b"Created",
    204: b"No Content",
    400: b"Bad Request",
    404: b"Not Found",
    405: b"Method Not Allowed",
    411: b"Length Required",
}
_CACHE_LIMIT: Final = 4096


class Bodies:
    """Every body the server can send, rendered once at start-up."""

    def __init__(self) -> None:
        self.lists = {responses.org_id_for(n): responses.replication_list(n) for n in responses.LIST_SIZES}
        self.orgs = {responses.org_name_for(n): responses.orgs_body(n) for n in responses.LIST_SIZES}
        self.empty_list = responses.empty_list()
        self.single = responses.single_replication()
        self.created = responses.created_replication()
        self.remote = responses.remote_body()


class Stats:
    """Counters served at /_bench/stats."""

    __slots__ = ("connections", "requests")

    def __init__(self) -> None:
        self.connections = 0
        self.requests = 0


class Server:
    """Routing and the response cache shared by all connections."""

    def __init__(self) -> None:
        self.bodies = Bodies()
        self.stats = Stats()
        self._date = b""
        # (method, target) -> the complete response bytes, valid until the Date header changes
        self._cache: dict[tuple[bytes, bytes], bytes] = {}
        self.tick()

    def tick(self) -> None:
        """Refresh the Date header (Go sends one); drop cached responses that carry the old one."""
        date = formatdate(usegmt=True).encode()
        if date != self._date:
            self._date = date
            self._cache.clear()

    def _response(self, status: int, body: bytes | None, extra: bytes = b"") -> bytes:
        head = [b"HTTP/1.1 %d %s\r\n" % (status, _REASONS.get(status, b"Unknown"))]
        if body is not None:
            head.append(b"Content-Type: " + _JSON + b"\r\n")
        head.append(b"X-Influxdb-Build: OSS\r\nX-Influxdb-Version: v2.7.11\r\n")
        head.append(extra)
        head.append(b"Date: " + self._date + b"\r\n")
        head.append(b"Content-Length: %d\r\n\r\n" % (0 if body is None else len(body)))
        return b"".join(head) + (body or b"")

    def _error(self, status: int, code: str, message: str) -> bytes:
        return self._response(
            status, responses.error_body(code, message), b"X-Platform-Error-Code: " + code.encode() + b"\r\n"
        )

    def respond(self, method: bytes, target: bytes) -> bytes:
        """The complete response for one request (from the cache after the first time)."""
        key = (method, target)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        if target.startswith(b"/_bench/stats"):
            body = json.dumps(
                {
                    "connections": self.stats.connections,
                    "requests": self.stats.requests,
                    "cpu": time.process_time(),
                }
            ).encode()
            return self._response(200, body)
        response = self._route(method, target)
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[key] = response
        return response

    def _route(self, method: bytes, target: bytes) -> bytes:
        raw_path, _, raw_query = target.partition(b"?")
        path = raw_path.decode("latin-1").rstrip("/")
        query = dict(parse_qsl(raw_query.decode("latin-1")))
        b = self.bodies
        if path == "/api/v2/replications":
            if method == b"GET":
                org_id = query.get("orgID", "")
                if len(org_id) != 16:
                    return self._error(400, "invalid", "invalid or missing org ID")
                return self._response(200, b.lists.get(org_id.lower(), b.empty_list))
            if method == b"POST":
                return self._response(201, b.created)
            return self._response(405, None)
        if path.startswith("/api/v2/replications/"):
            if method == b"GET":
                return self._response(200, b.single)
            return self._response(405, None)
        if path == "/api/v2/orgs" and method == b"GET":
            name = query.get("org", "")
            body = b.orgs.get(name)
            if body is None:
                return self._error(404, "not found", f'organization name "{name}" not found')
            return self._response(200, body)
        if path == "/api/v2/buckets" and method == b"GET":
            return self._response(
                200,
                responses.buckets_body(query.get("orgID", responses.org_id_for(1)), query.get("name", "b")),
            )
        if path.startswith("/api/v2/remotes/") and method == b"GET":
            return self._response(200, b.remote)
        if path == "/ping":
            return self._response(204, None)
        if path == "/health":
            return self._response(200, responses.render({"name": "influxdb", "status": "pass"}))
        return self._error(404, "not found", "path not found")


class Connection(asyncio.Protocol):
    """One keep-alive connection: buffer bytes, cut requests by Content-Length, answer each in order."""

    def __init__(self, server: Server) -> None:
        self._server = server
        self._buffer = bytearray()
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._server.stats.connections += 1

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        transport = self._transport
        assert transport is not None
        while True:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(buffer[:end]).lower()
            length = 0
            at = head.find(b"\r\ncontent-length:")
            if at >= 0:
                stop = head.find(b"\r\n", at + 2)
                length = int(head[at + 17 : stop if stop >= 0 else len(head)])
            if b"\r\ntransfer-encoding:" in head:
                transport.write(self._server._response(411, None, b"Connection: close\r\n"))
                transport.close()
                return
            total = end + 4 + length
            if len(buffer) < total:
                return
            line_end = head.find(b"\r\n")
            request_line = bytes(buffer[: line_end if line_end >= 0 else end])
            del buffer[:total]
            method, _, rest = request_line.partition(b" ")
            target, _, version = rest.partition(b" ")
            self._server.stats.requests += 1
            transport.write(self._server.respond(method, target))
            if b"\r\nconnection: close" in head or version == b"HTTP/1.0":
                transport.close()
                return


async def serve(host: str, port: int, ready: bool) -> None:
    """Serve until SIGTERM/SIGINT; print ``READY <port>`` on stdout once listening."""
    server = Server()
    loop = asyncio.get_running_loop()
    listener = await loop.create_server(lambda: Connection(server), host, port, backlog=1024)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    async def ticker() -> None:
        while True:
            await asyncio.sleep(0.25)
            server.tick()

    tick_task = asyncio.create_task(ticker())
    # everything rendered so far lives until exit: keep the collector away from it
    gc.collect()
    gc.freeze()
    bound = listener.sockets[0].getsockname()[1]
    if ready:
        print(f"READY {bound}", flush=True)
    else:
        print(f"serving on http://{host}:{bound}", file=sys.stderr, flush=True)
    await stop.wait()
    tick_task.cancel()
    listener.close()
    with contextlib.suppress(Exception):
        await listener.wait_closed()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8086, help="0 picks a free port")
    parser.add_argument("--cpu", type=int, default=None, help="pin the server to this CPU")
    parser.add_argument("--ready", action="store_true", help="print 'READY <port>' on stdout (for run.py)")
    args = parser.parse_args(argv)
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    asyncio.run(serve(args.host, args.port, args.ready))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
