"""Many servers at once: plan, apply and status across a fleet, with bounded concurrency.

A :class:`Host` says where a server is and which environment variable holds its API token (the token
itself is never stored in a Host, so printing one is safe). :func:`fleet_apply`, :func:`fleet_plan` and
:func:`fleet_status` open one :class:`~influxdb_replications.ReplicationClient` per host, at most
``concurrency`` at a time, and return one :class:`HostResult` per host in the order of ``hosts``: either
its value or the exception that host raised. One bad host (unreachable, wrong token, missing env var,
a server error) never stops the others; only cancellation (and other ``BaseException``) does.

Example::

    hosts = [Host(url=f"http://edge-{i}:8086", org="edge", token_env=f"EDGE_{i}_TOKEN") for i in range(20)]
    results = await fleet_apply(hosts, desired, concurrency=8, on_progress=lambda r: print(r.host.label))
    for result in results:
        print(result.host.label, "ok" if result.ok else result.error)

The desired state may differ per host: pass a callable ``Host -> DesiredState`` instead of one state,
e.g. ``FleetConfig.desired_for`` from :mod:`influxdb_replications.config`.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import httpx

from ..core.args import check_id, check_name, check_url
from ..core.influx_configs import read_profile
from .apply import Secrets
from .desired import DesiredState, Plan
from .drain import check_drain
from .replication_client import ReplicationClient

if TYPE_CHECKING:
    from ..core.models import Replication
    from .health import ReplicationStatus

__all__ = ["Host", "HostResult", "fleet_apply", "fleet_plan", "fleet_status"]

T = TypeVar("T")

DEFAULT_TOKEN_ENV = "INFLUX_TOKEN"
"""The environment variable a Host reads its token from unless told otherwise (the influx CLI's name)."""

# POSIX's portable environment variable names. Anything else (a token pasted by mistake, say) is refused
# without echoing it, so that it cannot end up in a repr or a log line.
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# The client takes these from the Host; client_options must not try to set them.
_HOST_OPTIONS = frozenset({"url", "token", "org", "org_id"})

Desired = DesiredState | Callable[["Host"], DesiredState]


def check_env_name(value: Any, arg: str) -> str:
    """Return ``value`` if it is an environment variable's name; ValueError (not showing it) otherwise."""
    if not isinstance(value, str) or _ENV_NAME.fullmatch(value) is None:
        raise ValueError(
            f"{arg} must name an environment variable (letters, digits and _, not starting with a digit); "
            "it never holds the token itself"
        )
    return value


@dataclass(frozen=True, slots=True)
class Host:
    """One server of a fleet. Holds no secret: the token is read from the environment when connecting.

    Attributes:
        url: The server URL, e.g. "http://edge-01:8086".
        org: The org name (resolved by the client). With neither ``org`` nor ``org_id``, the client falls
            back to INFLUX_ORG_ID / INFLUX_ORG like a single ReplicationClient does.
        org_id: The org ID (16 hex digits); wins over ``org``.
        token_env: The environment variable holding this host's API token (default INFLUX_TOKEN).
        name: A label for results and progress output; defaults to the URL.
        profile: An influx CLI profile (``~/.influxdbv2/configs``) whose token this host uses, read when
            connecting (``token_env`` is then not read); the fleet file also takes its url and org from it.
        configs_path: The influx CLI's configs file for ``profile``; None for INFLUX_CONFIGS_PATH, else
            ``~/.influxdbv2/configs``.

    Raises:
        ValueError: a URL that is not http(s) or carries credentials, a malformed org_id, an empty
            org or name, a token_env that is not an environment variable's name.
    """

    url: str
    org: str | None = None
    org_id: str | None = None
    token_env: str = DEFAULT_TOKEN_ENV
    name: str | None = None
    profile: str | None = None
    configs_path: str | None = None

    def __post_init__(self) -> None:
        check_url(self.url, "url")
        # a password in the URL would show in every repr and result; the token belongs in token_env
        if httpx.URL(self.url).userinfo:
            raise ValueError(
                "url must not carry credentials; put the token in the variable named by token_env"
            )
        if self.org is not None:
            check_name(self.org, "org")
        if self.org_id is not None:
            object.__setattr__(self, "org_id", check_id(self.org_id, "org_id"))
        check_env_name(self.token_env, "token_env")
        if self.name is not None:
            check_name(self.name, "name")
        if self.profile is not None:
            check_name(self.profile, "profile")

    @property
    def label(self) -> str:
        """The name, or the URL when the host has no name."""
        return self.name if self.name is not None else self.url

    def client(self, **kwargs: Any) -> ReplicationClient:
        """A new ReplicationClient for this host (the caller closes it, e.g. with ``async with``).

        Args:
            **kwargs: Other ReplicationClient options (timeout, retry, transport, verify, headers...).

        Raises:
            ValueError: the environment variable ``token_env`` is unset or empty (or, with ``profile``, the
                profile cannot be read or has no token: InfluxConfigError), or ``kwargs`` tries to set
                url, token, org or org_id (they come from the Host).
        """
        clash = sorted(_HOST_OPTIONS.intersection(kwargs))
        if clash:
            raise ValueError(f"client options cannot set {', '.join(clash)}: they come from the Host")
        if self.profile is not None:
            profile = read_profile(self.profile, self.configs_path)
            if profile is None or not profile.token:
                raise ValueError(f"host {self.label}: influx CLI profile {self.profile!r} has no token")
            token: str | None = profile.token
        else:
            token = os.environ.get(self.token_env)
        if not token:
            raise ValueError(
                f"host {self.label}: environment variable {self.token_env} is not set "
                "(it must hold this host's API token)"
            )
        return ReplicationClient(url=self.url, token=token, org=self.org, org_id=self.org_id, **kwargs)


@dataclass(frozen=True, slots=True)
class HostResult(Generic[T]):
    """What one host of a fleet run gave: a value, or the exception it raised.

    Attributes:
        host: The host.
        value: The result (a Plan, a list of ReplicationStatus); None when ``error`` is set.
        error: The exception this host raised, or None.
        elapsed: Seconds spent on this host (connection and calls), not counting the wait for a slot.
    """

    host: Host
    value: T | None
    error: BaseException | None
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        """True when the host succeeded."""
        return self.error is None


async def fleet_apply(
    hosts: Iterable[Host],
    desired: Desired,
    *,
    prune: bool = False,
    secrets: Secrets | None = None,
    allow_data_loss: bool = False,
    drain: bool = False,
    drain_timeout: float | None = None,
    on_drain_progress: Callable[[Host, Replication], object] | None = None,
    concurrency: int = 8,
    on_progress: Callable[[HostResult[Plan]], object] | None = None,
    client_options: Mapping[str, Any] | None = None,
) -> list[HostResult[Plan]]:
    """Apply a desired state to every host; each result holds the ApplyResult that host carried out.

    A host whose result has ``refused`` changes (destructive, with unsent data) is still ``ok``: its
    other changes were made; a drain that timed out is that host's error (DrainTimeoutError).

    Args:
        hosts: The hosts; results come back in this order.
        desired: One DesiredState for all, or a callable giving each host's state (an exception it
            raises is that host's error).
        prune: Also delete what the state does not declare (see ``ReplicationClient.apply``).
        secrets: Passed to ``ReplicationClient.apply``: supplies a remote's token when its
            ``token_env`` is not set.
        allow_data_loss: Passed to ``ReplicationClient.apply``: make destructive changes anyway.
        drain: Passed to ``ReplicationClient.apply``: drain each destructive change's queue first.
        drain_timeout: Passed to ``ReplicationClient.apply`` (these three are checked before any host).
        on_drain_progress: Called with the host and the drained Replication after every poll of a drain
            (hosts drain concurrently, so calls of different hosts interleave).
        concurrency: How many hosts are worked on at once (at least 1).
        on_progress: Called with each HostResult as soon as its host is done (a coroutine function is
            awaited). Calls never overlap. An exception it raises stops the run and propagates.
        client_options: Keyword arguments for every ReplicationClient (timeout, retry, transport, ...).

    Returns:
        One HostResult per host, in the order of ``hosts``.

    Raises:
        ValueError: ``hosts`` holds something that is not a Host, ``concurrency`` is not an int >= 1,
            ``client_options`` sets url, token, org or org_id, or a bad consent or drain argument.
    """
    check_drain(allow_data_loss=allow_data_loss, drain=drain, drain_timeout=drain_timeout)

    async def act(client: ReplicationClient, host: Host) -> Plan:
        state = desired(host) if callable(desired) else desired
        return await client.apply(
            state,
            prune=prune,
            secrets=secrets,
            allow_data_loss=allow_data_loss,
            drain=drain,
            drain_timeout=drain_timeout,
            on_drain_progress=None if on_drain_progress is None else _for_host(on_drain_progress, host),
        )

    return await _run(hosts, act, concurrency, on_progress, client_options)


def _for_host(callback: Callable[[Host, Replication], object], host: Host) -> Callable[[Replication], object]:
    """``callback`` with its host bound: the per-replication drain progress of one host."""
    return lambda replication: callback(host, replication)


async def fleet_plan(
    hosts: Iterable[Host],
    desired: Desired,
    *,
    prune: bool = False,
    concurrency: int = 8,
    on_progress: Callable[[HostResult[Plan]], object] | None = None,
    client_options: Mapping[str, Any] | None = None,
) -> list[HostResult[Plan]]:
    """Plan a desired state on every host without changing anything.

    Args:
        hosts: The hosts; results come back in this order.
        desired: One DesiredState for all, or a callable giving each host's state.
        prune: Also show the deletes ``fleet_apply(prune=True)`` would make.
        concurrency: How many hosts are worked on at once (at least 1).
        on_progress: Called with each HostResult as soon as its host is done (see :func:`fleet_apply`).
        client_options: Keyword arguments for every ReplicationClient.

    Returns:
        One HostResult per host, in the order of ``hosts``; each value is what ``apply`` would do there.

    Raises:
        ValueError: as for :func:`fleet_apply`.
    """

    async def act(client: ReplicationClient, host: Host) -> Plan:
        state = desired(host) if callable(desired) else desired
        return await client.plan(state, prune=prune)

    return await _run(hosts, act, concurrency, on_progress, client_options)


async def fleet_status(
    hosts: Iterable[Host],
    *,
    concurrency: int = 8,
    on_progress: Callable[[HostResult[list[ReplicationStatus]]], object] | None = None,
    client_options: Mapping[str, Any] | None = None,
    host_timeout: float | None = None,
) -> list[HostResult[list[ReplicationStatus]]]:
    """The health of every replication on every host (``client.replications.status()`` per host).

    Args:
        hosts: The hosts; results come back in this order.
        concurrency: How many hosts are worked on at once (at least 1).
        on_progress: Called with each HostResult as soon as its host is done (see :func:`fleet_apply`).
        client_options: Keyword arguments for every ReplicationClient.
        host_timeout: Seconds one host may take in all (retries included); a host that takes longer
            gets a TimeoutError as its error. None: no limit beyond the client's own timeouts.

    Returns:
        One HostResult per host, in the order of ``hosts``.

    Raises:
        ValueError: as for :func:`fleet_apply`.
    """

    async def act(client: ReplicationClient, host: Host) -> list[ReplicationStatus]:
        del host
        return await client.replications.status()

    return await _run(hosts, act, concurrency, on_progress, client_options, host_timeout)


async def _run(
    hosts: Iterable[Host],
    act: Callable[[ReplicationClient, Host], Awaitable[T]],
    concurrency: int,
    on_progress: Callable[[HostResult[T]], object] | None,
    client_options: Mapping[str, Any] | None,
    host_timeout: float | None = None,
) -> list[HostResult[T]]:
    """Run ``act`` on every host, at most ``concurrency`` at once; see :func:`fleet_apply`.

    ``host_timeout`` bounds each host (its wait for a slot not counted): past it the host's error is a
    TimeoutError saying so.
    """
    host_list = list(hosts)
    for host in host_list:
        if not isinstance(host, Host):
            raise ValueError(f"hosts must hold Host objects, got {type(host).__name__}")
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise ValueError(f"concurrency must be an int >= 1, got {concurrency!r}")
    options = dict(client_options or {})
    clash = sorted(_HOST_OPTIONS.intersection(options))
    if clash:
        raise ValueError(f"client_options cannot set {', '.join(clash)}: they come from each Host")
    slots = asyncio.Semaphore(concurrency)

    async def one(index: int, host: Host) -> tuple[int, HostResult[T]]:
        async with slots:
            started = time.monotonic()
            try:
                async with asyncio.timeout(host_timeout):
                    async with host.client(**options) as client:
                        value = await act(client, host)
            except TimeoutError as exc:
                # asyncio.timeout's TimeoutError has no words; say what ran out (an inner one keeps its own)
                error = exc
                if not str(exc) and host_timeout is not None:
                    error = TimeoutError(f"no answer within {host_timeout:g} s")
                return index, HostResult(host, None, error, time.monotonic() - started)
            # Exception, not BaseException: cancellation and KeyboardInterrupt must stop the whole run
            except Exception as exc:
                return index, HostResult(host, None, exc, time.monotonic() - started)
            return index, HostResult(host, value, None, time.monotonic() - started)

    results: list[HostResult[T] | None] = [None] * len(host_list)
    tasks = [asyncio.create_task(one(i, host)) for i, host in enumerate(host_list)]
    try:
        # the callback runs here, in the caller's task, one call at a time, in order of completion
        for finished in asyncio.as_completed(tasks):
            index, result = await finished
            results[index] = result
            if on_progress is not None:
                outcome = on_progress(result)
                if inspect.isawaitable(outcome):
                    await outcome
    finally:
        # on cancellation or a failing callback: stop the other hosts and let them close their clients
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return [result for result in results if result is not None]
