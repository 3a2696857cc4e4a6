"""Instructions per call spent in the client's own layers (wrapper + generated), counted by valgrind.

    python scripts/bench/instructions.py [--workloads get,list1,list100,list1000] [--backends httpx,aiohttp]
        [--checkout DIR=PYTHON ...]

CPU time on a shared two-core machine moves by 30% or more between runs of the same code, which hides a 10%
change. Instructions counted by valgrind's callgrind do not move with the machine's load. Here the sender is
replaced by a stub that returns a canned answer at once (the benchmark server's bodies), so what is counted is
the method call, argument checks, the request path, the generated endpoint function, JSON decoding and the
models: everything but the HTTP library. Each cell runs the workload N and 0 times in two processes and
divides the difference by N, so start-up and imports cancel out.

``--checkout DIR=PYTHON`` (repeatable) counts another checkout with the interpreter of a venv where it is
installed (e.g. an older commit exported with ``git worktree add``); the default is this checkout with the
running interpreter. Checkouts from before the layered wrapper (``influxdb_replications._transport``, whose
senders take positional arguments) are stubbed the same way.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
COUNTS = {"get": 200, "list1": 200, "list10": 100, "list100": 20, "list1000": 4}
ID = "0123456789abcdef"


def _worker(backend: str, workload: str, count: int) -> None:
    """Run ``workload`` ``count`` times (after 3 warm-up calls) against the stub sender."""
    sys.path.insert(0, str(HERE))
    import responses

    from influxdb_replications import ReplicationClient

    size = None if workload == "get" else int(workload.removeprefix("list"))
    body = responses.single_replication() if size is None else responses.replication_list(size)
    headers = {"content-type": "application/json"}
    try:
        from influxdb_replications.core.transport import Reply
    except ImportError:  # before the layered wrapper: the sender took positional arguments
        from influxdb_replications._transport import Reply

        async def send(method: str, path: str, *_: Any) -> Any:
            return Reply(200, "OK", headers, body, method, path)

    else:

        async def send(request: Any, timeout: Any = None) -> Any:  # noqa: ASYNC109
            return Reply(200, "OK", headers, body, request["method"], request["url"])

    async def main() -> None:
        client = ReplicationClient(url="http://127.0.0.1:9", token="t", org_id=ID, backend=backend)
        core = getattr(client, "_core", client)
        core._sender.send = send
        for _ in range(3 + count):
            if size is None:
                await client.replications.get(ID)
            else:
                await client.replications.list()
        await client.aclose()

    asyncio.run(main())


def _instructions(python: str, checkout: Path, backend: str, workload: str, count: int) -> int:
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        python,
        str(Path(__file__).resolve()),
        "--worker",
        backend,
        workload,
        str(count),
    ]
    done = subprocess.run(command, cwd=checkout, capture_output=True, text=True, check=False)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"valgrind failed for {checkout} {backend} {workload}:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--worker":
        _worker(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workloads", default="get,list1,list100,list1000")
    parser.add_argument("--backends", default="httpx,aiohttp")
    parser.add_argument("--checkout", action="append", default=[], metavar="DIR=PYTHON")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt install valgrind)")
    checkouts = [(ROOT, sys.executable)]
    for item in args.checkout:
        folder, sep, python = item.partition("=")
        if not sep:
            parser.error(f"--checkout takes DIR=PYTHON, got {item!r}")
        checkouts.append((Path(folder).resolve(), python))
    workloads = [w for w in args.workloads.split(",") if w]
    unknown = [w for w in workloads if w not in COUNTS]
    if unknown:
        parser.error(f"unknown workload(s) {', '.join(unknown)}: use {', '.join(COUNTS)}")
    print("| workload | backend | " + " | ".join(str(folder) for folder, _ in checkouts) + " |")
    print("|---|---|" + "---:|" * len(checkouts))
    for workload in workloads:
        count = COUNTS[workload]
        for backend in args.backends.split(","):
            cells = []
            for folder, python in checkouts:
                base = _instructions(python, folder, backend, workload, 0)
                total = _instructions(python, folder, backend, workload, count)
                cells.append(f"{(total - base) // count:,}")
            print(f"| {workload} | {backend} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
