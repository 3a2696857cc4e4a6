"""Benchmark our client against raw httpx/aiohttp, the generated layer and the official influxdb-client.

Usage (``nox -s bench -- [args]`` runs the same)::

    python scripts/bench/run.py                     # full run, 5 interleaved repetitions (~10 min)
    python scripts/bench/run.py --quick             # CI smoke run, under a minute; never judge speed by it
    python scripts/bench/run.py --clients httpx,generated,ours --workloads list100,get/seq --repeat 3

What happens:

1. ``server.py`` starts in its own process, pinned to the first allowed CPU.
2. For each repetition, each client runs in a fresh ``worker.py`` process pinned to the second CPU, all
   workloads in one go; the client order rotates between repetitions (A B C, then B C A, ...), so every
   client's samples are spread over the whole run.
3. ``python -X importtime`` measures the import of ``influxdb_replications`` and ``influxdb_client`` (and
   httpx/aiohttp for scale) in fresh interpreters.
4. Medians go to ``bench-results/bench.md`` (also printed), ``bench.json`` (every raw sample) and
   ``bench.png`` at the project root, ending with the targets of issue 5, each PASS or FAIL.

The primary figure is client CPU time per request (``time.process_time()`` of the worker over the timed
section): it does not depend on the server or on the other load of the machine as much as wall time does.
Exit status: 0, or 1 when a client returned a wrong answer (or the server failed); with ``--strict`` also
2 when a target fails. A client that cannot be imported or built is skipped with the reason, not an error.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from importlib import metadata
from pathlib import Path
from typing import Any

import report

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
OPERATIONS = ("list1", "list10", "list100", "list1000", "get", "create")
MODES = ("seq", "conc")
DEFAULT_CLIENTS = (
    "aiohttp",
    "httpx",
    "generated",
    "ours",
    "ours-aiohttp",
    "ours-httpx-aiohttp",
    "official-async",
    "official-sync",
)
# influxdb_replications loads its names on first use; influxdb_replications.operations.replication_client is
# what using ReplicationClient costs on top of the (small) package itself.
IMPORTS = (
    "influxdb_replications",
    "influxdb_replications.operations.replication_client",
    "influxdb_client",
    "httpx",
    "aiohttp",
)
# Timed requests per workload (sequential, 50 in flight), chosen so each section takes roughly 0.3-2 s.
COUNTS = {
    "full": {
        "list1": (2000, 4000),
        "list10": (1500, 3000),
        "list100": (400, 800),
        "list1000": (50, 150),
        "get": (2000, 4000),
        "create": (2000, 4000),
    },
    "quick": {
        "list1": (150, 300),
        "list10": (100, 200),
        "list100": (30, 100),
        "list1000": (4, 50),
        "get": (150, 300),
        "create": (150, 300),
    },
}


def parse_workloads(spec: str | None) -> list[tuple[str, str]]:
    """``list100,get/seq`` -> [(list100, seq), (list100, conc), (get, seq)], sequential ones first."""
    wanted: list[tuple[str, str]] = []
    items = [s.strip() for s in spec.split(",") if s.strip()] if spec else list(OPERATIONS)
    for item in items:
        op, _, mode = item.partition("/")
        if op not in OPERATIONS or (mode and mode not in MODES):
            raise SystemExit(
                f"unknown workload {item!r}: use {', '.join(OPERATIONS)}, optionally /seq or /conc"
            )
        for m in [mode] if mode else MODES:
            if (op, m) not in wanted:
                wanted.append((op, m))
    return sorted(wanted, key=lambda w: (MODES.index(w[1]), OPERATIONS.index(w[0])))


def make_plan(workloads: list[tuple[str, str]], quick: bool) -> list[dict[str, Any]]:
    """The steps a worker runs: operation, mode, warm-up and timed request counts."""
    counts = COUNTS["quick" if quick else "full"]
    plan = []
    for op, mode in workloads:
        seq, conc = counts[op]
        count = seq if mode == "seq" else conc
        # concurrent warm-up: enough requests to open all 50 connections before timing
        warmup = max(2, count // 20) if mode == "seq" else 50 if quick or op == "list1000" else 100
        plan.append({"op": op, "mode": mode, "warmup": warmup, "count": count})
    return plan


def pick_cpus() -> tuple[int | None, int | None]:
    """(server CPU, client CPU): two different allowed CPUs, or no pinning when that is impossible."""
    if not hasattr(os, "sched_getaffinity"):
        return None, None
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None, None
    return cpus[0], cpus[1]


def start_server(cpu: int | None) -> tuple[subprocess.Popen[str], str]:
    """Start server.py on a free loopback port; return the process and its URL."""
    cmd = [sys.executable, str(HERE / "server.py"), "--port", "0", "--ready"]
    if cpu is not None:
        cmd += ["--cpu", str(cpu)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline().split()
    if len(line) != 2 or line[0] != "READY":
        proc.kill()
        raise SystemExit(f"the benchmark server did not start (said {line!r})")
    return proc, f"http://127.0.0.1:{line[1]}"


def run_worker(client: str, url: str, plan: list[dict[str, Any]], cpu: int | None) -> dict[str, Any]:
    """One fresh worker process for one client; its JSON line, or an error record."""
    cmd = [
        sys.executable,
        str(HERE / "worker.py"),
        "--client",
        client,
        "--url",
        url,
        "--plan",
        json.dumps(plan),
    ]
    if cpu is not None:
        cmd += ["--cpu", str(cpu)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, check=False)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = done.stderr.strip().splitlines()[-3:]
        return {"client": client, "error": f"worker exited with {done.returncode}: {' / '.join(tail)}"}
    result: dict[str, Any] = json.loads(lines[-1])
    if result.get("errors") and done.stderr.strip():
        sys.stderr.write(done.stderr)
    return result


def import_time_ms(module: str, cpu: int | None) -> float | None:
    """Cumulative import time of ``module`` in a fresh interpreter, from ``-X importtime``."""
    with tempfile.TemporaryDirectory() as cwd:
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", f"import {module}"],
            capture_output=True,
            text=True,
            cwd=cwd,
            check=False,
            preexec_fn=(lambda: os.sched_setaffinity(0, {cpu})) if cpu is not None else None,
        )
    if done.returncode != 0:
        return None
    for line in reversed(done.stderr.splitlines()):
        fields = line.split("|")
        # the module's own line is the last one whose name is not indented (indent = nesting depth)
        if len(fields) == 3 and fields[2] == f" {module}":
            return int(fields[1]) / 1000
    return None


def import_times(runs: int, cpu: int | None) -> dict[str, list[float]]:
    """``runs`` samples per module, interleaved, after one untimed run each (warms the .pyc files)."""
    for module in IMPORTS:
        import_time_ms(module, cpu)
    samples: dict[str, list[float]] = {m: [] for m in IMPORTS}
    for _ in range(runs):
        for module in IMPORTS:
            value = import_time_ms(module, cpu)
            if value is not None:
                samples[module].append(value)
    return samples


def versions() -> str:
    parts = []
    for dist in ("influxdb-replications", "httpx", "aiohttp", "httpx-aiohttp", "influxdb-client"):
        try:
            parts.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{dist} (not installed)")
    return ", ".join(parts)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="run.py", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--quick", action="store_true", help="few requests, 1 repetition: a smoke run (< 1 min)"
    )
    parser.add_argument("--clients", help=f"comma list (default: {','.join(DEFAULT_CLIENTS)})")
    parser.add_argument(
        "--workloads", help=f"comma list of {','.join(OPERATIONS)}, each optionally /seq or /conc"
    )
    parser.add_argument("--repeat", type=int, help="interleaved repetitions (default 5; 1 with --quick)")
    parser.add_argument(
        "--import-runs", type=int, help="fresh interpreters per module (default 9; 3 with --quick)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results", help="output folder")
    parser.add_argument("--strict", action="store_true", help="exit 2 when a target fails")
    args = parser.parse_args(argv)

    clients = [c.strip() for c in args.clients.split(",")] if args.clients else list(DEFAULT_CLIENTS)
    unknown = [c for c in clients if c not in DEFAULT_CLIENTS]
    if unknown:
        parser.error(f"unknown client(s) {', '.join(unknown)}; choose from {', '.join(DEFAULT_CLIENTS)}")
    workloads = parse_workloads(args.workloads)
    repeat = args.repeat or (1 if args.quick else 5)
    import_runs = args.import_runs or (3 if args.quick else 9)
    plan = make_plan(workloads, args.quick)
    server_cpu, client_cpu = pick_cpus()

    started = time.perf_counter()
    conditions: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "mode": "QUICK (smoke run: do not judge speed by it)" if args.quick else "full",
        "python": f"{platform.python_implementation()} {platform.python_version()} on {platform.platform()}",
        "cpu": f"{cpu_model()}, {os.cpu_count()} logical CPUs",
        "pinning": (
            f"server on CPU {server_cpu}, clients on CPU {client_cpu}"
            if server_cpu is not None
            else "none (sched_setaffinity unavailable or a single CPU)"
        ),
        "repetitions": f"{repeat}, interleaved, client order rotated each time",
        "requests per workload": ", ".join(f"{s['op']}/{s['mode']} {s['count']}" for s in plan),
        "versions": versions(),
        "load average at start": load_average(),
    }
    print(f"benchmark: {len(clients)} clients x {len(plan)} workloads x {repeat} repetitions", flush=True)

    server, url = start_server(server_cpu)
    runs: list[dict[str, Any]] = []
    broken: dict[str, str] = {}
    try:
        for rep in range(repeat):
            order = clients[rep % len(clients) :] + clients[: rep % len(clients)]
            for client in order:
                if client in broken:
                    continue
                t0 = time.perf_counter()
                result = run_worker(client, url, plan, client_cpu)
                runs.append(result)
                if "error" in result:
                    broken[client] = result["error"]
                    print(f"  [{rep + 1}/{repeat}] {client:<19} skipped: {result['error']}", flush=True)
                    continue
                errors = result.get("errors", {})
                extra = f", {len(errors)} FAILED: {errors}" if errors else ""
                print(
                    f"  [{rep + 1}/{repeat}] {client:<19} {len(result['results'])} workloads in "
                    f"{time.perf_counter() - t0:.1f} s{extra}",
                    flush=True,
                )
            if server.poll() is not None:
                raise SystemExit(f"the benchmark server died (exit {server.returncode})")
    finally:
        server.terminate()
        server.wait(timeout=10)

    print("import times ...", flush=True)
    imports = import_times(import_runs, client_cpu)
    conditions["load average at end"] = load_average()
    conditions["duration"] = f"{time.perf_counter() - started:.0f} s"

    summary = report.summarise(runs, clients, [f"{op}/{mode}" for op, mode in workloads], imports)
    text = report.markdown(summary, conditions)
    print()
    print(text)

    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench.md").write_text(text + "\n")
    raw = {
        "conditions": conditions,
        "plan": plan,
        "runs": runs,
        "imports_ms": imports,
        "medians": {c: {w: asdict(cell) for w, cell in cells.items()} for c, cells in summary.cells.items()},
        "targets": report.targets(summary),
    }
    (args.out / "bench.json").write_text(json.dumps(raw, indent=1) + "\n")
    written = ["bench.md", "bench.json"]
    if summary.clients:
        try:
            report.chart(summary, args.out / "bench.png")
            written.append("bench.png")
        except ImportError:  # the test suite's smoke run has no matplotlib; `nox -s bench` installs it
            print("no chart: matplotlib is not installed", file=sys.stderr)
    print(f"\nwritten in {args.out}: {', '.join(written)}")

    if any(r.get("errors") for r in runs):
        return 1
    if args.strict and any("FAIL" in line for line in report.targets(summary)):
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
