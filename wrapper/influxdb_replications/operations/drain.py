"""Consent and draining for the changes that discard a replication's queue (``apply``, cascade delete).

The server discards a replication's durable queue, unsent data included, when the replication is
deleted (reference 3.7). So a change that deletes one (a recreate, a prune, a cascade delete of a
remote's replications) is refused while its queue still holds unsent bytes, unless the caller

* gives consent (``allow_data_loss=True``): it is done at once, the unsent bytes are lost; or
* asks for a drain (``drain=True``): the queue is first polled until ``remainingBytesToBeSynced`` is 0
  (``Replications.wait_until_synced``, the health module's polling), then the replication is deleted.
  A recreate is make-before-break: the new replication is created first under
  :func:`temporary_name`, so every write that arrives during the change is queued for it, then the old
  one is drained and deleted, and the new one is renamed to the declared name.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..core.args import check_bool
from ..core.models import Replication

if TYPE_CHECKING:
    from .replications import Replications

__all__ = ["DEFAULT_DRAIN_TIMEOUT", "TEMP_SUFFIX", "DrainOptions", "check_drain", "temporary_name"]

DEFAULT_DRAIN_TIMEOUT = 300.0
DEFAULT_POLL_INTERVAL = 1.0

# What a temporary replication's name ends with (its declared name comes first).
TEMP_SUFFIX = "~draining"

Progress = Callable[[Replication], object]


def temporary_name(name: str) -> str:
    """The name a drained recreate gives the new replication until the old one is gone.

    Deterministic, so the next ``apply`` recognises what an interrupted one left (by this name and the
    declared target). The server puts no limit on names other than being unique in the org.
    """
    return f"{name}{TEMP_SUFFIX}"


@dataclass(frozen=True, slots=True)
class DrainOptions:
    """How destructive changes are treated: consent, or a drain with its time limit."""

    allow_data_loss: bool = False
    drain: bool = False
    timeout: float = DEFAULT_DRAIN_TIMEOUT
    poll_interval: float = DEFAULT_POLL_INTERVAL
    on_progress: Progress | None = None

    async def wait(self, replications: Replications, replication_id: str) -> Replication:
        """Poll until the replication's queue is drained (SyncTimeoutError at the time limit)."""
        return await replications.wait_until_synced(
            replication_id,
            timeout=self.timeout,
            poll_interval=self.poll_interval,
            on_progress=self.on_progress,
        )


def check_drain(
    *,
    allow_data_loss: Any = False,
    drain: Any = False,
    drain_timeout: Any = None,
    drain_poll_interval: Any = DEFAULT_POLL_INTERVAL,
    on_drain_progress: Progress | None = None,
) -> DrainOptions:
    """Check the consent and drain arguments (ValueError naming the bad one) and bundle them."""
    check_bool(allow_data_loss, "allow_data_loss")
    check_bool(drain, "drain")
    if allow_data_loss and drain:
        raise ValueError("give allow_data_loss=True or drain=True, not both")
    if drain_timeout is not None:
        if not drain:
            raise ValueError("drain_timeout is only used with drain=True")
        _check_seconds(drain_timeout, "drain_timeout")
    _check_seconds(drain_poll_interval, "drain_poll_interval")
    if not math.isfinite(drain_poll_interval):
        raise ValueError(f"drain_poll_interval must be finite, got {drain_poll_interval!r}")
    if on_drain_progress is not None and not callable(on_drain_progress):
        raise ValueError(f"on_drain_progress must be callable, got {type(on_drain_progress).__name__}")
    return DrainOptions(
        allow_data_loss=allow_data_loss,
        drain=drain,
        timeout=DEFAULT_DRAIN_TIMEOUT if drain_timeout is None else float(drain_timeout),
        poll_interval=float(drain_poll_interval),
        on_progress=on_drain_progress,
    )


def _check_seconds(value: Any, arg: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ValueError(f"{arg} must be a number of seconds above 0, got {value!r}")
