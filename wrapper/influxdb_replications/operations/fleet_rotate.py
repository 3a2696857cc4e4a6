"""Token rotation across a fleet: ``fleet_rotate_token``, with canary hosts first.

Each host's remote of that name gets the same new token (``client.remotes.rotate_token`` per host,
through the fleet runner of ``fleet.py``: bounded concurrency, one result per host in host order, one bad
host never stops the others). With ``canary=N`` the first N hosts are rotated first; the others follow only
when no canary failed and at least one proved the token (ended ``rotated``): else they are left untouched
and reported ``skipped``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .fleet import _HOST_OPTIONS, Host, HostResult, _run
from .replication_client import ReplicationClient
from .rotate import RotationOutcome, RotationResult, check_token

__all__ = ["fleet_rotate_token"]


def _canary_failed(results: list[HostResult[RotationResult]]) -> str | None:
    """Why the canary hosts do not license the rest (None when they do)."""
    bad = [r.host.label for r in results if r.value is None or not r.value.ok]
    if bad:
        return f"not started: canary host(s) {', '.join(bad)} did not rotate"
    if not any(r.value is not None and r.value.outcome is RotationOutcome.ROTATED for r in results):
        return "not started: no canary host could verify the new token (none has a replication of the remote)"
    return None


async def fleet_rotate_token(
    hosts: Iterable[Host],
    remote: str,
    new_token: str,
    *,
    previous_token: str | None = None,
    canary: int | None = None,
    concurrency: int = 8,
    on_progress: Callable[[HostResult[RotationResult]], object] | None = None,
    client_options: Mapping[str, Any] | None = None,
) -> list[HostResult[RotationResult]]:
    """Rotate the token of the remote named ``remote`` on every host (``Remotes.rotate_token`` on each).

    A host whose rotation raised (unreachable, its own token missing or refused, no remote of that name)
    has that exception as its error; the others go on. A host that ran has a RotationResult (its
    ``ok`` tells whether the token is in place and nothing failed: rotated or not verifiable). No host is
    given a time limit beyond its client's per-request timeouts: a rotation cut short between setting the
    token and validating it would leave the token unproven.

    Args:
        hosts: The hosts; results come back in this order.
        remote: The remote's name on each host (an ID is taken as is, but IDs differ between hosts).
        new_token: The new token, the same for every host.
        previous_token: The token the remotes have now, put back on a host whose validation fails.
        canary: Rotate this many hosts (the first ones) first, and the rest only when none of them
            failed and at least one ended ``rotated``; otherwise every other host gets a ``skipped``
            RotationResult and is not contacted. None: every host at once.
        concurrency: How many hosts are worked on at once (at least 1).
        on_progress: Called with each HostResult as soon as its host is done (a skipped host's when the
            canary hosts are; see ``fleet_apply``). An exception it raises stops the run and propagates.
        client_options: Keyword arguments for every ReplicationClient (timeout, retry, transport, ...).

    Returns:
        One HostResult per host, in the order of ``hosts``.

    Raises:
        ValueError: before any host is contacted: ``hosts`` holds something that is not a Host,
            ``canary`` is not an int from 1 to the number of hosts, a token is not a non-empty string
            without whitespace (never shown) or both are the same, ``remote`` is empty, ``concurrency``
            is not an int >= 1, or ``client_options`` sets url, token, org or org_id.
    """
    host_list = list(hosts)
    for host in host_list:
        if not isinstance(host, Host):
            raise ValueError(f"hosts must hold Host objects, got {type(host).__name__}")
    if not isinstance(remote, str) or not remote:
        raise ValueError(f"remote must be a remote's name (or ID), got {remote!r}")
    new = check_token(new_token, "new_token")
    previous = None if previous_token is None else check_token(previous_token, "previous_token")
    if previous == new:
        raise ValueError("new_token and previous_token are the same token: nothing would be rotated")
    if canary is not None and (
        isinstance(canary, bool) or not isinstance(canary, int) or not 1 <= canary <= len(host_list)
    ):
        raise ValueError(
            f"canary must be an int from 1 to the number of hosts ({len(host_list)}), got {canary!r}"
        )
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise ValueError(f"concurrency must be an int >= 1, got {concurrency!r}")
    clash = sorted(_HOST_OPTIONS.intersection(client_options or {}))
    if clash:
        raise ValueError(f"client_options cannot set {', '.join(clash)}: they come from each Host")

    async def act(client: ReplicationClient, host: Host) -> RotationResult:
        del host
        return await client.remotes.rotate_token(remote, new, previous_token=previous)

    if canary is None:
        return await _run(host_list, act, concurrency, on_progress, client_options)
    first = await _run(host_list[:canary], act, concurrency, on_progress, client_options)
    why = _canary_failed(first)
    if why is None:
        return first + await _run(host_list[canary:], act, concurrency, on_progress, client_options)
    rest = [
        HostResult(host, RotationResult(RotationOutcome.SKIPPED, None, remote, reason=why), None)
        for host in host_list[canary:]
    ]
    for result in rest:
        if on_progress is not None:
            outcome = on_progress(result)
            if inspect.isawaitable(outcome):
                await outcome
    return first + rest
