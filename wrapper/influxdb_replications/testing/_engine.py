"""The replication engine in small (reference section 6): in-memory queues and one sender task each.

A local write is serialised to line protocol (ns), gzipped in batches and appended to the queue of every
replication of that bucket. Each queue's sender posts its blocks to the remote in order, retrying the
head block with the server's backoff until it is accepted (204) or dropped (400 with
dropNonRetryableData). Queues live in memory only, so a stopped fake forgets unsent data.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import logging
import time
from collections import deque
from dataclasses import dataclass, field

from ._lineprotocol import Point, to_line
from ._remote import RemoteTarget, RemoteWriter, WriteOutcome
from ._store import Replication, Store

logger = logging.getLogger("influxdb_replications.testing")

MAX_BATCH_POINTS = 5000
MAX_BATCH_BYTES = 2_500_000
BLOCK_OVERHEAD = 8  # each queued block carries an 8-byte length prefix
QUEUE_FOOTER = 8  # an empty queue still reports 8 bytes (its segment footer)
DEFAULT_MAX_AGE = 604_800
MIN_MAX_AGE = 60
MAX_MAX_AGE = 5_184_000
LONGEST_BACKOFF = 15 * 60.0


def backoff(failures: int) -> float:
    """Seconds to wait after a failure when `failures` attempts had already failed before it.

    0.25, 0.5, 1, ... 256 s, then 15 minutes from the 12th failure on; no jitter (writer.go).
    """
    if failures > 10:
        return LONGEST_BACKOFF
    return 0.5 * 2.0 ** (failures - 1)


def effective_max_age(stored: int) -> int:
    """The purge age v2.9 uses: <= 0 means one week; 1-59 become 60; above 60 days is clamped."""
    if stored <= 0:
        return DEFAULT_MAX_AGE
    return min(max(stored, MIN_MAX_AGE), MAX_MAX_AGE)


def batches(points: list[Point]) -> list[bytes]:
    """Line protocol batches of at most 5000 points and 2.5 MB (uncompressed), each gzipped."""
    out: list[bytes] = []
    current: list[str] = []
    size = 0
    for point in points:
        line = to_line(point) + "\n"
        if current and (len(current) >= MAX_BATCH_POINTS or size + len(line) > MAX_BATCH_BYTES):
            out.append(gzip.compress("".join(current).encode()))
            current, size = [], 0
        current.append(line)
        size += len(line)
    if current:
        out.append(gzip.compress("".join(current).encode()))
    return out


def padding_block(size: int) -> bytes:
    """A gzip member of `size` bytes (21 at least) that decompresses to nothing.

    The bulk is the gzip header's comment (FCOMMENT, RFC 1952), which every gzip reader skips, so the block
    weighs `size` bytes in a queue yet writes no point if it ever reaches a remote.
    """
    empty = gzip.compress(b"", mtime=0)
    header = bytearray(empty[:10])
    header[3] |= 0x10  # FLG.FCOMMENT
    return bytes(header) + b"p" * max(size - len(empty) - 1, 0) + b"\0" + empty[10:]


@dataclass
class Block:
    """One gzipped batch waiting in a queue, with the time it was queued (for max-age purging)."""

    data: bytes
    queued_at: float = field(default_factory=time.monotonic)


class Queue:
    """A replication's bounded FIFO of blocks."""

    def __init__(self, max_size: int, max_age: int) -> None:
        self.blocks: deque[Block] = deque()
        self.max_size = max_size
        self.max_age = max_age  # fixed when the queue is opened, as in the server
        self.wake = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    @property
    def remaining(self) -> int:
        """`remainingBytesToBeSynced`: each unsent block's length plus its 8-byte prefix."""
        return sum(len(b.data) + BLOCK_OVERHEAD for b in self.blocks)

    @property
    def current(self) -> int:
        """`currentQueueSizeBytes`: the unsent bytes plus the 8-byte footer."""
        return QUEUE_FOOTER + self.remaining

    def append(self, data: bytes) -> bool:
        """Queue a block unless that would exceed the maximum size; return whether it was queued."""
        if self.current + len(data) + BLOCK_OVERHEAD > self.max_size:
            return False
        self.blocks.append(Block(data))
        self.wake.set()
        return True

    def purge(self) -> int:
        """Drop blocks older than the max age, unsent or not; return how many were dropped."""
        limit = time.monotonic() - self.max_age
        dropped = 0
        while self.blocks and self.blocks[0].queued_at < limit:
            self.blocks.popleft()
            dropped += 1
        return dropped


class Engine:
    """Queues and sender tasks for every replication of one fake."""

    def __init__(
        self, store: Store, writer: RemoteWriter, *, backoff_scale: float = 1.0, purge_interval: float = 60.0
    ) -> None:
        self._store = store
        self._writer = writer
        self._backoff_scale = backoff_scale
        self._purge_interval = purge_interval
        self.queues: dict[str, Queue] = {}

    def target(self, replication: Replication, bucket_id: str | None = None) -> RemoteTarget:
        """The remote write target of a replication; the bucket name wins over the ID when non-empty."""
        remote = self._store.remotes.get(replication.remote_id)
        bucket = replication.remote_bucket_name or (bucket_id or replication.remote_bucket_id or "")
        if remote is None:
            return RemoteTarget("", "", None, bucket, False)
        return RemoteTarget(
            remote.remote_url,
            remote.remote_api_token,
            remote.remote_org_id,
            bucket,
            remote.allow_insecure_tls,
        )

    async def probe(self, target: RemoteTarget) -> str | None:
        """Validate a target with an empty write; return the failure cause, or None when it answered 204."""
        outcome = await self._writer.post_write(target, b"", gzipped=False)
        return outcome.error

    def open(self, replication: Replication) -> None:
        """Create the replication's queue and start its sender."""
        queue = Queue(replication.max_queue_size_bytes, effective_max_age(replication.max_age_seconds))
        self.queues[replication.id] = queue
        queue.task = asyncio.get_running_loop().create_task(
            self._run(replication.id, queue), name=f"replication-sender-{replication.id}"
        )

    def close(self, replication_id: str) -> None:
        """Stop the sender and discard the queue with its unsent data."""
        queue = self.queues.pop(replication_id, None)
        if queue is not None and queue.task is not None:
            queue.task.cancel()

    def sizes(self, replication_id: str) -> tuple[int, int]:
        """(currentQueueSizeBytes, remainingBytesToBeSynced) of a live queue."""
        queue = self.queues[replication_id]
        return queue.current, queue.remaining

    def pad(self, replication_id: str, size: int) -> bool:
        """Queue one block of `size` bytes that holds no data; False when the queue has no room for it."""
        return self.queues[replication_id].append(padding_block(size))

    def lose(self, replication_id: str) -> None:
        """Drop a replication's queue but keep its row, as when its directory vanished (reference 3.2)."""
        self.close(replication_id)

    def enqueue(self, org_id: str, bucket_id: str, points: list[Point]) -> None:
        """Queue freshly written points for every replication of (org, bucket); full queues drop them."""
        rows = self._store.replications.values()
        targets = [r for r in rows if r.local_bucket_id == bucket_id and r.org_id == org_id]
        if not targets or not points:
            return
        blocks = batches(points)
        for replication in targets:
            queue = self.queues.get(replication.id)
            if queue is None:
                continue
            for data in blocks:
                if not queue.append(data):
                    logger.warning(
                        "replication %s: queue is full (max %d bytes), dropping %d bytes of data",
                        replication.id,
                        queue.max_size,
                        len(data),
                    )

    async def aclose(self) -> None:
        """Cancel every sender and wait for them to finish."""
        tasks = [q.task for q in self.queues.values() if q.task is not None]
        self.queues.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _wait_time(self, outcome: WriteOutcome, failures: int) -> float:
        if outcome.status == 429 and outcome.retry_after is not None:
            try:
                seconds = int(outcome.retry_after)
            except ValueError:
                seconds = None  # e.g. an HTTP date: fall back to the backoff
            if seconds is not None:
                return float(seconds) if seconds > 0 else backoff(1) * self._backoff_scale
        return backoff(failures) * self._backoff_scale

    async def _sleep(self, queue: Queue, seconds: float | None) -> None:
        """Wait until woken by a new write, or `seconds` pass; purge old blocks meanwhile."""
        deadline = None if seconds is None else time.monotonic() + seconds
        while True:
            step = self._purge_interval
            if deadline is not None:
                step = min(step, deadline - time.monotonic())
            if step > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(queue.wake.wait(), step)
            if queue.wake.is_set():
                return
            self._purge(queue)
            if deadline is not None and time.monotonic() >= deadline:
                return

    def _purge(self, queue: Queue) -> None:
        dropped = queue.purge()
        if dropped:
            logger.warning("replication queue: %d block(s) older than %d s purged", dropped, queue.max_age)

    async def _run(self, replication_id: str, queue: Queue) -> None:
        failures = 0
        while True:
            self._purge(queue)
            if not queue.blocks:
                queue.wake.clear()
                await self._sleep(queue, None)
                continue
            replication = self._store.replications.get(replication_id)
            if replication is None:
                return
            block = queue.blocks[0]
            queue.wake.clear()
            # the config is read again before every attempt, so PATCHes apply at once
            outcome = await self._writer.post_write(self.target(replication), block.data, gzipped=True)
            replication = self._store.replications.get(replication_id)
            if replication is None:
                return
            replication.latest_response_code = outcome.status
            replication.latest_error_message = outcome.error or ""
            if outcome.ok or (outcome.status == 400 and replication.drop_non_retryable_data):
                if queue.blocks and queue.blocks[0] is block:
                    queue.blocks.popleft()
                failures = 0
                continue
            wait = self._wait_time(outcome, failures)
            failures += 1
            logger.debug(
                "replication %s: attempt failed (%s); retry in %.2f s", replication_id, outcome.error, wait
            )
            await self._sleep(queue, wait)
