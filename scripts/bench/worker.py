"""Measure one client in a fresh process: every workload of the plan, then the peak RSS.

``run.py`` starts one worker per client and repetition, pinned to its own core, and reads the JSON line
this prints on stdout. A client that cannot be imported or built gives ``{"error": ...}`` (exit status 0)
so the runner can say why it was skipped. The process is fresh so that ``ru_maxrss`` is this client's
own peak.

A workload is an operation (``list1``, ``list10``, ``list100``, ``list1000``, ``get``, ``create``) and a
mode: ``seq`` (one request at a time) or ``conc`` (50 in flight: 50 tasks, or 50 threads for a sync
client, each taking the next request until the count is reached). Each workload gets a client of its
own, built untimed: a connection pool left over from the previous workload made the next one's cost
depend on when its idle connections expired (httpx list100 at 50 in flight: from about 1,850 down to
1,350 µs per request within one process). Each starts with untimed warm-up requests (which also fill the
connection pool and check the answers), then a garbage collection, then the timed section, for which it
records:

* ``cpu_us``: ``time.process_time()`` of this process (all threads) over the section, per request;
* ``rps``: requests per wall-clock second;
* ``connections``: TCP connections the server accepted during the section (pool churn);
* ``server_cpu``: the server's CPU time over the section's wall time (near 1.0 means the server, not
  the client, was the bottleneck).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import json
import os
import resource
import socket
import sys
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

from clients import FACTORIES, BenchClient, BenchError

IN_FLIGHT = 50
OPERATIONS = ("list1", "list10", "list100", "list1000", "get", "create")


def server_stats(url: str) -> dict[str, float]:
    """GET /_bench/stats over a throwaway socket (no client library involved)."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80)) as sock:
        sock.sendall(b"GET /_bench/stats HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    _, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    return json.loads(body)  # type: ignore[no-any-return]


def operation(client: BenchClient, op: str) -> tuple[Callable[[], Any], Callable[[Any], None]]:
    """The call for ``op`` and a check of its result."""
    if op.startswith("list"):
        size = int(op[4:])

        def check_list(result: Any) -> None:
            if len(result) != size:
                raise BenchError(f"{op}: expected {size} items, got {len(result)}")

        return (lambda: client.list(size)), check_list

    def check_one(result: Any) -> None:
        if result is None:
            raise BenchError(f"{op}: no result")

    if op == "get":
        return client.get, check_one
    if op == "create":
        return client.create, check_one
    raise ValueError(f"unknown operation {op!r}")


async def run_async(call: Callable[[], Any], count: int, in_flight: int) -> Any:
    """``count`` calls, ``in_flight`` at a time; returns the last result."""
    last: Any = None
    if in_flight == 1:
        for _ in range(count):
            last = await call()
        return last
    counter = itertools.count()

    async def lane() -> None:
        nonlocal last
        while next(counter) < count:
            last = await call()

    await asyncio.gather(*(lane() for _ in range(min(in_flight, count))))
    return last


def run_sync(call: Callable[[], Any], count: int, in_flight: int, pool: ThreadPoolExecutor | None) -> Any:
    """The same for a sync client: a loop, or ``in_flight`` threads."""
    last: Any = None
    if in_flight == 1 or pool is None:
        for _ in range(count):
            last = call()
        return last
    counter = itertools.count()

    def lane() -> Any:
        result = None
        while next(counter) < count:
            result = call()
        return result

    futures = [pool.submit(lane) for _ in range(min(in_flight, count))]
    for future in futures:
        last = future.result() or last
    return last


async def measure(
    client: BenchClient,
    url: str,
    op: str,
    mode: str,
    warmup: int,
    count: int,
    pool: ThreadPoolExecutor | None,
) -> dict[str, float]:
    """Warm up, check, then time one workload."""
    call, check = operation(client, op)
    in_flight = 1 if mode == "seq" else IN_FLIGHT
    if client.sync:
        check(run_sync(call, warmup, in_flight, pool))
    else:
        check(await run_async(call, warmup, in_flight))
    gc.collect()
    before = server_stats(url)
    wall0, cpu0 = time.perf_counter(), time.process_time()
    if client.sync:
        # run on this thread for seq, so no executor hand-off is timed; conc uses the 50-thread pool
        last = run_sync(call, count, in_flight, pool)
    else:
        last = await run_async(call, count, in_flight)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    after = server_stats(url)
    check(last)
    return {
        "n": count,
        "cpu_us": cpu / count * 1e6,
        "rps": count / wall,
        "wall_s": wall,
        # the stats request itself opens one connection
        "connections": after["connections"] - before["connections"] - 1,
        "server_cpu": (after["cpu"] - before["cpu"]) / wall,
    }


def current_rss_kb() -> int:
    """Resident set size now, in KiB (Linux; 0 elsewhere)."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
    except OSError:
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE") // 1024


async def main_async(name: str, url: str, plan: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"client": name, "results": {}, "errors": {}}
    try:
        client = await FACTORIES[name](url)
    except Exception as exc:
        out["error"] = f"{type(exc).__name__}: {exc}"
        return out
    out["note"] = client.note
    out["rss_setup_kb"] = current_rss_kb()
    pool = ThreadPoolExecutor(max_workers=IN_FLIGHT) if client.sync else None
    try:
        for index, step in enumerate(plan):
            key = f"{step['op']}/{step['mode']}"
            try:
                if index:  # a fresh client (and connection pool) for every workload
                    await client.close()
                    client = await FACTORIES[name](url)
                out["results"][key] = await measure(
                    client, url, step["op"], step["mode"], step["warmup"], step["count"], pool
                )
            except Exception as exc:
                out["errors"][key] = f"{type(exc).__name__}: {exc}"
                traceback.print_exc(file=sys.stderr)
    finally:
        if pool is not None:
            pool.shutdown()
        await client.close()
    out["peak_rss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Measure one client (started by run.py).")
    parser.add_argument("--client", required=True, choices=sorted(FACTORIES))
    parser.add_argument("--url", required=True)
    parser.add_argument("--plan", required=True, help="JSON list of {op, mode, warmup, count}")
    parser.add_argument("--cpu", type=int, default=None, help="pin to this CPU")
    args = parser.parse_args(argv)
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    result = asyncio.run(main_async(args.client, args.url, json.loads(args.plan)))
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
