"""The main job, end to end: replicate points from an edge InfluxDB to a cloud InfluxDB.

Run it with ``nox -s demo`` or ``python -m influxdb_replications.demo``. It starts two embedded test
servers on loopback (an *edge* and a *cloud* instance, see :mod:`influxdb_replications.testing`), then uses
nothing but the public client to:

1. create a remote connection on the edge that points at the cloud,
2. create a replication from the edge bucket to the cloud bucket, and validate it against the cloud,
3. write points to the edge bucket,
4. wait until the replication queue is drained,
5. print a status table and check that every point arrived in the cloud,
6. clean up (the remote is deleted together with its replications).

It needs the ``testing`` extra (``pip install influxdb-replications[testing]``).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from typing import TextIO

import httpx

from influxdb_replications import InfluxDBError, Replication, ReplicationClient

EDGE_BUCKET = "telemetry"
CLOUD_BUCKET = "telemetry-archive"


def _line_protocol(count: int, start_ns: int) -> str:
    """``count`` sensor readings, one second apart, as line protocol."""
    lines = []
    for i in range(count):
        sensor = f"s{i % 4}"
        lines.append(
            f"temperature,site=edge-1,sensor={sensor} celsius={20 + (i % 50) / 10},seq={i}i {start_ns + i}"
        )
    return "\n".join(lines)


def _status_table(replications: list[Replication]) -> str:
    header = ("name", "state", "last code", "queue bytes", "unsynced bytes", "max queue")
    rows = [header]
    for r in replications:
        state = "synced" if r.remaining_bytes_to_be_synced == 0 else "backlogged"
        if r.latest_response_code not in (None, 204):
            state = "failing"
        rows.append(
            (
                r.name,
                state,
                "-" if r.latest_response_code is None else str(r.latest_response_code),
                str(r.current_queue_size_bytes),
                str(r.remaining_bytes_to_be_synced),
                str(r.max_queue_size_bytes),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    rule = "-+-".join("-" * w for w in widths)  # as wide as the rows: "+" under each " | "
    out = []
    for n, row in enumerate(rows):
        out.append(" | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)))
        if n == 0:
            out.append(rule)
    return "\n".join(out)


async def run_demo(points: int = 1000, *, out: TextIO = sys.stdout, wait_seconds: float = 30.0) -> None:
    """Run the demo; raises on any failure (the command line turns that into one line and exit 1)."""
    from influxdb_replications.testing import FakeInfluxDB

    def say(text: str) -> None:
        print(text, file=out, flush=True)

    started = time.perf_counter()
    async with (
        FakeInfluxDB(org="edge-org", buckets=[EDGE_BUCKET]) as edge,
        FakeInfluxDB(org="cloud-org", buckets=[CLOUD_BUCKET]) as cloud,
    ):
        say(f"edge  InfluxDB at {edge.url} (org edge-org, bucket {EDGE_BUCKET})")
        say(f"cloud InfluxDB at {cloud.url} (org cloud-org, bucket {CLOUD_BUCKET})")
        async with ReplicationClient(url=edge.url, token=edge.token, org="edge-org") as client:
            remote = await client.remotes.create(
                name="cloud",
                remote_url=cloud.url,
                remote_api_token=cloud.token,
                remote_org_id=cloud.org_id,
            )
            say(f"created remote connection {remote.name!r} ({remote.id}) -> {cloud.url}")
            replication = await client.replications.create(
                name="telemetry-to-cloud",
                remote=remote,
                local_bucket=EDGE_BUCKET,
                remote_bucket_id=cloud.bucket_id(CLOUD_BUCKET),
            )
            say(f"created replication {replication.name!r} ({replication.id})")
            await client.replications.validate(replication.id)
            say("validated: the cloud accepted an empty write with the remote's token")

            start_ns = time.time_ns() - points * 1_000_000_000
            batch = 250
            async with httpx.AsyncClient(
                base_url=edge.url, headers={"Authorization": f"Token {edge.token}"}
            ) as http:
                for first in range(0, points, batch):
                    count = min(batch, points - first)
                    body = _line_protocol(count, start_ns + first * 1_000_000_000)
                    response = await http.post(
                        "/api/v2/write",
                        params={"org": "edge-org", "bucket": EDGE_BUCKET, "precision": "ns"},
                        content=body.encode(),
                    )
                    if response.status_code != 204:
                        raise RuntimeError(f"writing to the edge failed with HTTP {response.status_code}")
            say(f"wrote {points} points to the edge bucket {EDGE_BUCKET!r}")

            drained = await client.replications.wait_until_synced(
                replication.id, timeout=wait_seconds, poll_interval=0.05
            )
            arrived = await cloud.points(CLOUD_BUCKET)
            say("")
            say(_status_table([drained]))
            say("")
            say(f"{len(arrived)} of {points} points arrived in the cloud bucket {CLOUD_BUCKET!r}")
            if len(arrived) != points:
                raise RuntimeError(f"expected {points} points in the cloud, found {len(arrived)}")

            await client.remotes.delete(remote.id, cascade=True)
            left = await client.replications.list()
            say(f"cleaned up: remote and its replication deleted ({len(left)} replications left)")
    say(f"done in {time.perf_counter() - started:.2f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(  # prog, usage, and the text above the options
        "python -m influxdb_replications.demo",
        None,
        "Replicate points from an embedded edge InfluxDB to an embedded cloud InfluxDB.",
    )
    parser.add_argument("--points", type=int, default=1000, help="how many points to write (default 1000)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the queue to drain")
    args = parser.parse_args(argv)
    if args.points < 1:
        parser.error("--points must be at least 1")
    try:
        asyncio.run(run_demo(args.points, wait_seconds=args.timeout))
    except ImportError as exc:
        print(
            f"error: the demo needs the testing extra (pip install 'influxdb-replications[testing]'): {exc}"
        )
        return 1
    except (InfluxDBError, RuntimeError, TimeoutError, httpx.HTTPError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
