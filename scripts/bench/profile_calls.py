"""Profile one client's path from method call to parsed result against the benchmark server.

Usage::

    python scripts/bench/profile_calls.py --client ours --op list100 --count 300
    python scripts/bench/profile_calls.py --client generated --op get --count 2000 --top 30
    python scripts/bench/profile_calls.py --client ours --op get --callers 'email|urlparse'

It starts ``server.py`` pinned to one core, pins itself to another, builds the client from ``clients.py``,
warms up, then runs ``--count`` sequential calls under cProfile. It prints the CPU time per call without
and with the profiler, the time per package (self time of every function, grouped by where its code lives:
our wrapper, the generated layer, httpx, httpcore, h11, asyncio, json ...) and the top functions.
cProfile inflates cheap, frequent calls, so read the package split as proportions, not absolute costs.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import sys
import time
from collections import defaultdict
from typing import Any

import run
from clients import FACTORIES
from worker import operation


def where(filename: str, function: str) -> str:
    """A short name for the place a profiled function lives."""
    if filename == "~":
        # C functions: name them by what they do (json decoding, socket calls, ...)
        if "json" in function or "scanstring" in function:
            return "json (C)"
        return "builtins (C)"
    path = filename.replace("\\", "/")
    for marker, label in (
        ("/influxdb_replications_api/", "generated layer"),
        ("/influxdb_replications/", "wrapper (influxdb_replications)"),
        ("/bench/", "benchmark harness"),
    ):
        if marker in path:
            return label
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1].split("/", 1)[0]
    parts = path.split("/")
    for i, part in enumerate(parts):
        if part.startswith("python3") and i + 1 < len(parts):
            return f"stdlib {parts[i + 1].removesuffix('.py')}"
    return path


def by_package(stats: pstats.Stats) -> list[tuple[str, float]]:
    """Self time per package, largest first."""
    totals: dict[str, float] = defaultdict(float)
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    for (filename, _line, function), (_cc, _nc, tottime, _ct, _callers) in raw.items():
        totals[where(filename, function)] += tottime
    return sorted(totals.items(), key=lambda kv: kv[1], reverse=True)


async def profile(
    client_name: str, url: str, op: str, count: int, top: int, sort: str, callers: str | None = None
) -> None:
    client = await FACTORIES[client_name](url)
    if client.sync:
        raise SystemExit("profile the async clients only")
    call, check = operation(client, op)
    try:
        for _ in range(max(20, count // 10)):
            check(await call())
        cpu0 = time.process_time()
        for _ in range(count):
            await call()
        plain = (time.process_time() - cpu0) / count * 1e6

        profiler = cProfile.Profile()
        cpu0 = time.process_time()
        profiler.enable()
        for _ in range(count):
            await call()
        profiler.disable()
        profiled = (time.process_time() - cpu0) / count * 1e6
    finally:
        await client.close()

    print(f"{client_name} {op}: {plain:,.0f} µs CPU per call ({profiled:,.0f} µs under cProfile)")
    stats = pstats.Stats(profiler)
    total = sum(t for _, t in by_package(stats))
    print("\nself time by package (share of the profiled total):")
    for package, seconds in by_package(stats):
        if seconds / total >= 0.005:
            print(f"  {seconds / total:6.1%}  {seconds / count * 1e6:8.1f} µs/call  {package}")
    print(f"\ntop {top} functions by {sort}:")
    stats.sort_stats(sort).print_stats(top)
    if callers:
        print(f"\nwho calls functions matching {callers!r}:")
        stats.print_callers(callers)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Profile one client against the benchmark server.")
    parser.add_argument("--client", default="ours", choices=sorted(FACTORIES))
    parser.add_argument("--op", default="list100", choices=run.OPERATIONS)
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sort", default="tottime", choices=["tottime", "cumulative", "ncalls"])
    parser.add_argument("--callers", help="also print who calls the functions matching this regex")
    args = parser.parse_args(argv)
    server_cpu, client_cpu = run.pick_cpus()
    if client_cpu is not None:
        os.sched_setaffinity(0, {client_cpu})
    server, url = run.start_server(server_cpu)
    try:
        asyncio.run(profile(args.client, url, args.op, args.count, args.top, args.sort, args.callers))
    finally:
        server.terminate()
        server.wait(timeout=10)
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
