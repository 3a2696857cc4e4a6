"""Replication health as Prometheus metrics: collect it from one server or a fleet, render the text format.

Collection reuses the status code: one ``client.replications.status()`` (the health verdicts of
``resources/health.py``) and one ``client.remotes.list()`` (for the remotes' names) per host, through the
fleet runner of ``fleet.py`` (bounded concurrency, a per-host timeout, one bad host never stopping the
others). Rendering uses ``prometheus_client`` (``pip install "influxdb-replications[prometheus]"``),
imported only when metrics are rendered.

The series (all gauges; the docs' Prometheus page describes each for Grafana). Per replication, labelled
``host``, ``replication`` (its name), ``replication_id``, ``remote`` (the remote's name), ``local_bucket``
(the local bucket's ID: the API reports no name) and ``remote_bucket`` (the name or ID it targets):

* ``influxdb_replications_remaining_bytes``: bytes not yet sent to the remote.
* ``influxdb_replications_queue_size_bytes``: the queue's size on disk.
* ``influxdb_replications_queue_max_size_bytes``: its limit (``maxQueueSizeBytes``).
* ``influxdb_replications_queue_fill_ratio``: size / limit (1 is full).
* ``influxdb_replications_latest_response_code``: the remote's answer to the latest write (0: unreachable);
  absent before the first attempt.
* ``influxdb_replications_last_healthy_age_seconds``: seconds since the stream was last seen healthy (0
  while it is); absent until it has been seen healthy by this process.
* ``influxdb_replications_health{state=...}``: one series per state (healthy, backlogged, failing,
  never_attempted), 1 for the current one.

Per host (label ``host``): ``influxdb_replications_host_up`` (1 when it answered),
``influxdb_replications_host_collection_duration_seconds`` and ``influxdb_replications_host_replications``.
A series the server did not report a value for is left out rather than given a made-up value. Hints are
not labels (they would multiply the series): :attr:`Stream.status` carries them for pages and tables.

:class:`MetricsCache` is what an exporter needs: collection on demand, at most one in flight (a caller that
arrives during one waits for it and gets its result), reused for ``min_interval`` seconds.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .fleet import Host, HostResult, _run
from .health import Health
from .replication_client import ReplicationClient

if TYPE_CHECKING:
    from .health import ReplicationStatus

__all__ = [
    "PREFIX",
    "Collection",
    "HealthMemory",
    "HostSample",
    "MetricsCache",
    "Stream",
    "collect_client",
    "collect_fleet",
    "render",
]

PREFIX = "influxdb_replications"
EXTRA = "influxdb-replications[prometheus]"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
DEFAULT_HOST_TIMEOUT = 10.0

# the state label's values: Prometheus label values are free text, but snake_case reads best in PromQL
STATES: dict[Health, str] = {
    Health.HEALTHY: "healthy",
    Health.BACKLOGGED: "backlogged",
    Health.FAILING: "failing",
    Health.NEVER_ATTEMPTED: "never_attempted",
}
LABELS = ("host", "replication", "replication_id", "remote", "local_bucket", "remote_bucket")


@dataclass(frozen=True, slots=True)
class Stream:
    """One replication of a host: its health verdict (with reason and hint) and its remote's name."""

    status: ReplicationStatus
    remote: str

    def labels(self, host: str) -> list[str]:
        """The label values, in the order of ``LABELS``."""
        r = self.status.replication
        remote_bucket = r.remote_bucket_name or r.remote_bucket_id or ""
        return [host, r.name, r.id, self.remote, r.local_bucket_id, remote_bucket]


@dataclass(frozen=True, slots=True)
class HostSample:
    """What one host gave: whether it answered, how long it took, its streams, or why it failed.

    Attributes:
        host: The host's label (its name, else its URL).
        url: The server URL.
        up: True when it answered.
        duration: Seconds the collection took for this host.
        streams: Its replications, sorted by name (empty when it is down).
        error: One line saying why it is down (never a token), else None.
    """

    host: str
    url: str
    up: bool
    duration: float
    streams: tuple[Stream, ...] = ()
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Collection:
    """One collection: the samples of every host, the Prometheus text, and when it ended (time.time())."""

    hosts: tuple[HostSample, ...]
    text: bytes
    at: float


@dataclass
class HealthMemory:
    """When each stream (host, replication ID) was last seen healthy, across collections of one process."""

    seen: dict[tuple[str, str], float] = field(default_factory=dict)

    def update(self, hosts: Iterable[HostSample], now: float) -> None:
        """Remember the streams that are healthy now."""
        for host in hosts:
            for stream in host.streams:
                if stream.status.health is Health.HEALTHY:
                    self.seen[(host.host, stream.status.id)] = now

    def age(self, host: str, replication_id: str, now: float) -> float | None:
        """Seconds since that stream was last healthy; None when it never was (as far as we know)."""
        last = self.seen.get((host, replication_id))
        return None if last is None else max(0.0, now - last)


async def _streams(client: ReplicationClient) -> list[Stream]:
    statuses = await client.replications.status()
    names = {remote.id: remote.name for remote in await client.remotes.list()}
    streams = [Stream(s, names.get(s.replication.remote_id, s.replication.remote_id)) for s in statuses]
    return sorted(streams, key=lambda s: s.status.name)


def _error_line(error: BaseException, url: str) -> str:
    from ..core.errors import APIConnectionError

    text = str(error) or type(error).__name__
    if isinstance(error, APIConnectionError):
        text = f"cannot reach {url}: {text}"
    return " ".join(text.split())


def _sample(result: HostResult[list[Stream]]) -> HostSample:
    host = result.host
    if result.error is not None:
        return HostSample(
            host.label, host.url, False, result.elapsed, (), _error_line(result.error, host.url)
        )
    return HostSample(host.label, host.url, True, result.elapsed, tuple(result.value or ()))


async def collect_fleet(
    hosts: Sequence[Host],
    *,
    concurrency: int = 8,
    host_timeout: float | None = DEFAULT_HOST_TIMEOUT,
    client_options: Mapping[str, Any] | None = None,
) -> list[HostSample]:
    """Collect every host of a fleet, ``concurrency`` at a time, each within ``host_timeout`` seconds.

    Returns:
        One HostSample per host, in the order of ``hosts``; a host that failed or timed out is ``up=False``.

    Raises:
        ValueError: as for :func:`~influxdb_replications.fleet.fleet_status`.
    """

    async def act(client: ReplicationClient, host: Host) -> list[Stream]:
        del host
        return await _streams(client)

    results = await _run(hosts, act, concurrency, None, client_options, host_timeout)
    return [_sample(result) for result in results]


async def collect_client(
    client: ReplicationClient, *, label: str | None = None, host_timeout: float | None = DEFAULT_HOST_TIMEOUT
) -> HostSample:
    """Collect one server through an open client (which the caller closes); never raises for the server."""
    started = time.monotonic()
    label = label or client.url
    try:
        async with asyncio.timeout(host_timeout):
            streams = await _streams(client)
    except TimeoutError as exc:
        words = str(exc) or (f"no answer within {host_timeout:g} s" if host_timeout else "timed out")
        return HostSample(label, client.url, False, time.monotonic() - started, (), words)
    except Exception as exc:
        return HostSample(
            label, client.url, False, time.monotonic() - started, (), _error_line(exc, client.url)
        )
    return HostSample(label, client.url, True, time.monotonic() - started, tuple(streams))


def prometheus_client_module() -> Any:
    """``prometheus_client``, or ImportError naming the extra that installs it."""
    try:
        import prometheus_client
    except ImportError:
        raise ImportError(f'Prometheus metrics need prometheus_client: pip install "{EXTRA}"') from None
    return prometheus_client


def render(
    hosts: Sequence[HostSample], *, memory: HealthMemory | None = None, now: float | None = None
) -> bytes:
    """The Prometheus text format of a collection (see the module docstring for the series).

    Args:
        hosts: The samples.
        memory: When streams were last healthy (updated here); None: only "healthy now" is known.
        now: The time of the collection (time.time()); default now.

    Raises:
        ImportError: prometheus_client is not installed (the message names the extra).
    """
    prom = prometheus_client_module()
    from prometheus_client.core import GaugeMetricFamily

    now = time.time() if now is None else now
    memory = HealthMemory() if memory is None else memory
    memory.update(hosts, now)

    def gauge(name: str, doc: str, labels: Sequence[str] = LABELS) -> Any:
        return GaugeMetricFamily(f"{PREFIX}_{name}", doc, labels=list(labels))

    up = gauge("host_up", "1 when the host answered the collection, else 0", ("host",))
    duration = gauge(
        "host_collection_duration_seconds", "Seconds the collection of this host took", ("host",)
    )
    count = gauge("host_replications", "Replications the host reported", ("host",))
    remaining = gauge("remaining_bytes", "Bytes not yet sent to the remote")
    size = gauge("queue_size_bytes", "Size of the replication queue on disk")
    limit = gauge("queue_max_size_bytes", "The replication queue's limit (maxQueueSizeBytes)")
    fill = gauge("queue_fill_ratio", "Queue size / limit (1 is full: new data is dropped)")
    code = gauge("latest_response_code", "The remote's status for the latest write (0: unreachable)")
    age = gauge("last_healthy_age_seconds", "Seconds since the stream was last seen healthy (0: healthy now)")
    health = gauge("health", "The health verdict: 1 for the current state", (*LABELS, "state"))
    for host in hosts:
        up.add_metric([host.host], 1.0 if host.up else 0.0)
        duration.add_metric([host.host], host.duration)
        if not host.up:
            continue
        count.add_metric([host.host], float(len(host.streams)))
        for stream in host.streams:
            r, labels = stream.status.replication, stream.labels(host.host)
            for family, value in (
                (remaining, r.remaining_bytes_to_be_synced),
                (size, r.current_queue_size_bytes),
                (limit, r.max_queue_size_bytes),
                (fill, stream.status.queue_fill),
                (code, r.latest_response_code),
                (age, memory.age(host.host, r.id, now)),
            ):
                if value is not None:
                    family.add_metric(labels, float(value))
            for verdict, state in STATES.items():
                health.add_metric([*labels, state], 1.0 if stream.status.health is verdict else 0.0)
    families = [up, duration, count, remaining, size, limit, fill, code, age, health]
    registry = prom.CollectorRegistry(auto_describe=False)
    registry.register(_Families(families))
    text: bytes = prom.generate_latest(registry)
    return text


class _Families:
    """A prometheus_client collector that yields metric families built beforehand."""

    def __init__(self, families: Sequence[Any]) -> None:
        self._families = families

    def collect(self) -> Iterator[Any]:
        return iter(self._families)


class MetricsCache:
    """Collection on demand for an exporter: one in flight at a time, reused for ``min_interval`` seconds.

    Args:
        collect: Gathers the samples (e.g. ``lambda: collect_fleet(hosts)``).
        min_interval: A call within this many seconds of the end of the last collection gets its result.
        clock: Monotonic seconds (tests pass their own).

    Attributes:
        collections: How many collections were started.
    """

    def __init__(
        self,
        collect: Callable[[], Awaitable[Sequence[HostSample]]],
        *,
        min_interval: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._collect = collect
        self._min_interval = min_interval
        self._clock = clock
        self._memory = HealthMemory()
        self._task: asyncio.Future[Collection] | None = None
        self._last: Collection | None = None
        self._last_end = 0.0
        self.collections = 0

    @property
    def last(self) -> Collection | None:
        """The latest finished collection, if any."""
        return self._last

    async def get(self) -> Collection:
        """The latest collection, or a new one (joining the one in flight, if there is one).

        A caller that is cancelled (a scraper that hung up) does not cancel the collection for the others.
        """
        if self._task is None:
            fresh = self._last is not None and self._clock() - self._last_end < self._min_interval
            if fresh and self._last is not None:
                return self._last
            self.collections += 1
            self._task = asyncio.ensure_future(self._run())
        return await asyncio.shield(self._task)

    async def _run(self) -> Collection:
        try:
            hosts = tuple(await self._collect())
            now = time.time()
            collection = Collection(hosts, render(hosts, memory=self._memory, now=now), now)
            self._last, self._last_end = collection, self._clock()
            return collection
        finally:
            self._task = None

    async def aclose(self) -> None:
        """Cancel a collection in flight."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
