"""``client.replications`` with its health operations: ``status`` and ``wait_until_synced``.

The resource (``resources/replications.py``) sends the requests; this subclass reads what they return
with ``assess`` (``health.py``), so ``client.replications.status()`` and ``wait_until_synced()`` stay where
users call them while the verdicts live with the operations.
"""

# The public methods take `timeout=` by contract (the API); it is an httpx timeout per request,
# not an asyncio deadline, so ASYNC109's advice does not apply.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import builtins
import inspect
import math
import time
from collections.abc import Callable

from ..core.args import check_id
from ..core.errors import InfluxDBError
from ..core.models import Replication
from ..resources import replications as resource
from ..resources.resource import Timeout
from .health import ReplicationStatus, SyncTimeoutError, assess, check_ratio, format_bytes
from .hints import hint_sentence

__all__ = ["Replications"]


class Replications(resource.Replications):
    """Replication streams from a local bucket to a remote. Reached as ``client.replications``.

    Wherever a method takes ``remote``, it accepts a RemoteConnection, a remote ID or a remote name;
    wherever it takes ``local_bucket``, a bucket ID or a bucket name. A string of exactly 16 hex digits is
    an ID, anything else a name, looked up in the client's org (NotFoundError when there is none).
    Every method takes ``timeout=`` and ``trace_span=`` overrides for that call. Besides the resource's
    methods it tells how each replication is doing (``status``) and waits for one to drain
    (``wait_until_synced``).
    """

    async def status(
        self,
        replication_id: str | None = None,
        *,
        queue_warning_ratio: float = 0.8,
        timeout: Timeout = None,
        trace_span: str | None = None,
    ) -> builtins.list[ReplicationStatus]:
        """Tell how each replication is doing: a health verdict with the reason in words.

        The verdict (``healthy``, ``backlogged``, ``failing`` or ``never-attempted``) is derived from the
        latest write result and the queue sizes the server reports; a queue at least
        ``queue_warning_ratio`` full adds a warning, because the server drops new data silently once
        the queue is full. The rules are those of ``assess``.

        Args:
            replication_id: One replication's ID (16 hex digits); None for every replication of the
                client's org.
            queue_warning_ratio: Warn when current / max queue size reaches this (0 < ratio <= 1).
            timeout: Timeout for this call.
            trace_span: Zap-Trace-Span for this call.

        Returns:
            One ReplicationStatus per replication, sorted by name, then ID ([] when there is none).

        Raises:
            ValueError: replication_id is not 16 hex digits, queue_warning_ratio is out of range, or
                (without an ID) no org configured.
            NotFoundError: no replication with this ID.
            APIStatusError: another subclass for the server's answer.
            APIConnectionError: the server could not be reached.
        """
        ratio = check_ratio(queue_warning_ratio)
        if replication_id is None:
            found = await self.list(timeout=timeout, trace_span=trace_span)
        else:
            found = [await self.get(replication_id, timeout=timeout, trace_span=trace_span)]
        found.sort(key=lambda item: (item.name, item.id))
        return [assess(item, queue_warning_ratio=ratio) for item in found]

    async def wait_until_synced(
        self,
        replication_id: str,
        *,
        timeout: float,
        poll_interval: float = 1.0,
        on_progress: Callable[[Replication], object] | None = None,
        trace_span: str | None = None,
    ) -> Replication:
        """Poll a replication until nothing is waiting to be sent (``remainingBytesToBeSynced`` is 0).

        A replication nobody wrote to is synced at once. ``timeout`` is a deadline for the whole wait
        (``math.inf`` waits for ever): the waits between polls never go past it, and when it has passed
        the last poll's state is raised in SyncTimeoutError. Each poll is an ordinary ``get`` with the
        client's per-request timeout and retries, so a poll in flight is not cut short; wrap the call in
        ``asyncio.timeout`` for a hard limit. Errors of ``get`` (NotFoundError when the replication is
        deleted meanwhile, ...) end the wait.

        Args:
            replication_id: Its ID (16 hex digits).
            timeout: Seconds to wait in all; above 0.
            poll_interval: Seconds between polls; above 0 and finite.
            on_progress: Called with the Replication after every poll (the last one included); it may
                be a plain function or return an awaitable, which is awaited. Its errors end the wait.
            trace_span: Zap-Trace-Span for the polls.

        Returns:
            The replication as the poll that found it synced saw it.

        Raises:
            ValueError: replication_id is not 16 hex digits, or timeout or poll_interval is not above 0.
            SyncTimeoutError: still not synced at the deadline; ``.replication`` and ``.status`` hold the
                last state seen (the status's reason says e.g. that the remote refuses the writes).
            InfluxDBError: the server does not report remainingBytesToBeSynced, so there is nothing to
                wait for.
            NotFoundError: no such replication.
            APIStatusError: another subclass for the server's answer.
            APIConnectionError: the server could not be reached.
        """
        replication_id = check_id(replication_id, "replication_id")
        for arg, value in (("timeout", timeout), ("poll_interval", poll_interval)):
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise ValueError(f"{arg} must be a number of seconds above 0, got {value!r}")
        if not math.isfinite(poll_interval):
            raise ValueError(f"poll_interval must be finite, got {poll_interval!r}")
        started = time.monotonic()
        deadline = started + timeout
        while True:
            current = await self.get(replication_id, trace_span=trace_span)
            if on_progress is not None:
                result = on_progress(current)
                if inspect.isawaitable(result):
                    await result
            remaining = current.remaining_bytes_to_be_synced
            if remaining is None:
                raise InfluxDBError(
                    f"replication {current.name!r} ({current.id}): the server does not report "
                    "remainingBytesToBeSynced, so wait_until_synced cannot tell when it is synced"
                )
            if remaining == 0:
                return current
            now = time.monotonic()
            if now >= deadline:
                waited = now - started
                status = assess(current)
                raise SyncTimeoutError(
                    f"replication {current.name!r} ({current.id}) not synced after {waited:.1f} s: "
                    f"{remaining} bytes ({format_bytes(remaining)}) still to send; "
                    f"{status.health.value}: {status.reason}" + hint_sentence(status.hint),
                    replication=current,
                    status=status,
                    waited=waited,
                )
            # asyncio.sleep, not the client's backoff hook: this is the caller's wait, not a retry
            await asyncio.sleep(min(poll_interval, deadline - now))
