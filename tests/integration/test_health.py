"""status() and wait_until_synced() on two embedded servers: an edge replicating into a cloud."""

from __future__ import annotations

import asyncio
import re
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest

from influxdb_replications import NotFoundError, RemoteConnection, Replication, ReplicationClient
from influxdb_replications.operations.health import Health, ReplicationStatus, SyncTimeoutError
from influxdb_replications.testing import FakeInfluxDB

from ._edge import WRITE, status_when, write_points


@dataclass
class Pair:
    """An edge fake replicating into a cloud fake, and our client on the edge."""

    edge: FakeInfluxDB
    cloud: FakeInfluxDB
    client: ReplicationClient
    remote: RemoteConnection

    async def replication(
        self, name: str = "to-cloud", remote: RemoteConnection | None = None
    ) -> Replication:
        """Create a replication of the edge's "sensors" bucket into the cloud's "archive" bucket."""
        return await self.client.replications.create(
            name=name,
            remote=remote or self.remote,
            local_bucket="sensors",
            remote_bucket_id=self.cloud.bucket_id("archive"),
        )

    async def write(self, count: int, start: int = 0) -> None:
        """Write `count` points into the edge's "sensors" bucket (they are queued for replication)."""
        await write_points(self.edge, count, start)

    async def status_when(
        self, replication_id: str, done: Callable[[ReplicationStatus], bool], seconds: float = 5.0
    ) -> ReplicationStatus:
        """Poll status(id) until `done` holds (failing the test after `seconds`)."""
        return await status_when(self.client, replication_id, done, seconds)


@pytest.fixture
async def pair() -> AsyncIterator[Pair]:
    """Edge and cloud fakes (near-instant sender backoff on the edge) with a remote to the cloud."""

    async def no_wait(_seconds: float) -> None:
        return None

    async with (
        FakeInfluxDB(org="edge", buckets=["sensors"], backoff_scale=0.01, remote_timeout=5) as edge,
        FakeInfluxDB(org="cloud", buckets=["archive"]) as cloud,
        ReplicationClient(url=edge.url, token=edge.token, org="edge", sleep=no_wait) as client,
    ):
        remote = await client.remotes.create(
            name="cloud", remote_url=cloud.url, remote_api_token=cloud.token, remote_org_id=cloud.org_id
        )
        yield Pair(edge, cloud, client, remote)


def _closed_port_url() -> str:
    """A loopback URL on which nothing listens (a port that was just free)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


async def test_never_attempted_right_after_create(pair: Pair) -> None:
    """A fresh replication nobody wrote to is never-attempted with nothing waiting, and already synced."""
    replication = await pair.replication()
    (status,) = await pair.client.replications.status(replication.id)
    assert status.health is Health.NEVER_ATTEMPTED
    assert "nothing is waiting" in status.reason
    assert status.synced is True
    assert status.replication.current_queue_size_bytes == 8  # the fake's empty-queue footer
    synced = await pair.client.replications.wait_until_synced(replication.id, timeout=5)
    assert synced.remaining_bytes_to_be_synced == 0
    assert synced.latest_response_code is None


async def test_healthy_after_points_arrive(pair: Pair) -> None:
    """After writing and waiting until synced, the stream is healthy and every point is in the cloud."""
    replication = await pair.replication()
    await pair.write(200)
    synced = await pair.client.replications.wait_until_synced(replication.id, timeout=10, poll_interval=0.02)
    assert synced.remaining_bytes_to_be_synced == 0
    (status,) = await pair.client.replications.status(replication.id)
    assert status.health is Health.HEALTHY, str(status)
    assert status.synced is True
    assert status.warnings == ()
    assert len(await pair.cloud.points("archive")) == 200


@pytest.mark.parametrize("code", [401, 500])
async def test_failing_when_the_cloud_rejects_writes(pair: Pair, code: int) -> None:
    """A cloud answering 401/500 to the edge's writes makes the stream failing, with the code and backlog."""
    pair.cloud.fail_next(10_000, status=code, method="POST", path=WRITE)
    replication = await pair.replication()
    await pair.write(50)
    status = await pair.status_when(replication.id, lambda s: s.replication.latest_response_code == code)
    assert status.health is Health.FAILING
    assert f"the remote answered {code}: " in status.reason
    assert "waiting to be sent" in status.reason
    assert status.synced is False


async def test_failing_with_a_wrong_remote_token(pair: Pair) -> None:
    """A remote whose token the cloud does not know gives a failing stream quoting the 401."""
    wrong = await pair.client.remotes.create(
        name="cloud-wrong-token",
        remote_url=pair.cloud.url,
        remote_api_token="not-a-token-the-cloud-knows",
        remote_org_id=pair.cloud.org_id,
    )
    replication = await pair.replication(name="bad-token", remote=wrong)
    await pair.write(10)
    status = await pair.status_when(replication.id, lambda s: s.health is Health.FAILING)
    assert "the remote answered 401: " in status.reason
    assert "not-a-token-the-cloud-knows" not in str(status)


async def test_failing_when_the_remote_is_unreachable(pair: Pair) -> None:
    """A remote nobody listens on gives code 0, read as failing with the network error quoted."""
    nowhere = await pair.client.remotes.create(
        name="nowhere", remote_url=_closed_port_url(), remote_api_token="t", remote_org_id=pair.cloud.org_id
    )
    replication = await pair.replication(name="unreachable", remote=nowhere)
    await pair.write(10)
    status = await pair.status_when(replication.id, lambda s: s.health is Health.FAILING)
    assert status.replication.latest_response_code == 0
    assert status.reason.startswith("the remote could not be reached: ")
    assert "connection refused" in status.reason


async def test_backlogged_while_points_wait(pair: Pair) -> None:
    """After a success, points held up by a slow cloud make the stream backlogged until they are sent."""
    replication = await pair.replication()
    await pair.write(20)
    await pair.client.replications.wait_until_synced(replication.id, timeout=10, poll_interval=0.02)
    pair.cloud.hang_next(1, seconds=1.0, method="POST", path=WRITE)
    await pair.write(20, start=20)
    (status,) = await pair.client.replications.status(replication.id)
    assert status.health is Health.BACKLOGGED, str(status)
    assert "waiting to be sent; the latest write succeeded" in status.reason
    assert status.synced is False
    synced = await pair.client.replications.wait_until_synced(replication.id, timeout=10, poll_interval=0.05)
    assert synced.latest_response_code == 204
    assert len(await pair.cloud.points("archive")) == 40


async def test_status_of_all_replications_sorted_by_name(pair: Pair) -> None:
    """status() without an ID reports every replication of the org, sorted by name."""
    nowhere = await pair.client.remotes.create(
        name="nowhere", remote_url=_closed_port_url(), remote_api_token="t", remote_org_id=pair.cloud.org_id
    )
    good = await pair.replication(name="b-good")
    bad = await pair.replication(name="a-bad", remote=nowhere)
    await pair.write(10)
    await pair.client.replications.wait_until_synced(good.id, timeout=10, poll_interval=0.02)
    await pair.status_when(bad.id, lambda s: s.health is Health.FAILING)
    statuses = await pair.client.replications.status()
    assert [(s.name, s.health) for s in statuses] == [("a-bad", Health.FAILING), ("b-good", Health.HEALTHY)]


async def test_sync_timeout_carries_the_last_state(pair: Pair) -> None:
    """With the cloud down, wait_until_synced gives up at the deadline with the last state it saw."""
    pair.cloud.fail_next(10_000, status=503, method="POST", path=WRITE)
    replication = await pair.replication()
    await pair.write(30)
    started = time.monotonic()
    with pytest.raises(SyncTimeoutError) as caught:
        await pair.client.replications.wait_until_synced(replication.id, timeout=0.5, poll_interval=0.05)
    elapsed = time.monotonic() - started
    assert 0.5 <= elapsed < 3
    error = caught.value
    assert isinstance(error, TimeoutError)
    assert error.replication.id == replication.id
    assert (error.replication.remaining_bytes_to_be_synced or 0) > 0
    assert error.status.health is Health.FAILING
    assert error.status.replication is error.replication
    assert 0.5 <= error.waited <= elapsed
    message = str(error)
    assert "'to-cloud'" in message and replication.id in message
    assert f"{error.replication.remaining_bytes_to_be_synced} bytes" in message
    assert "failing: the remote answered 503" in message
    assert re.search(r"not synced after \d+\.\d s: ", message)


def _sync_recorder(seen: list[Replication]) -> Callable[[Replication], object]:
    def record(replication: Replication) -> None:
        seen.append(replication)

    return record


def _async_recorder(seen: list[Replication]) -> Callable[[Replication], Awaitable[None]]:
    async def record(replication: Replication) -> None:
        await asyncio.sleep(0)
        seen.append(replication)

    return record


@pytest.mark.parametrize("make_callback", [_sync_recorder, _async_recorder], ids=["sync", "async"])
async def test_progress_callback_after_every_poll(
    pair: Pair, make_callback: Callable[[list[Replication]], Callable[[Replication], object]]
) -> None:
    """on_progress (plain or async) sees every poll, ending with the synced state."""
    replication = await pair.replication()
    pair.cloud.hang_next(1, seconds=0.3, method="POST", path=WRITE)
    await pair.write(100)
    pair.edge.clear_request_log()
    seen: list[Replication] = []
    synced = await pair.client.replications.wait_until_synced(
        replication.id, timeout=10, poll_interval=0.02, on_progress=make_callback(seen)
    )
    polls = [r for r in pair.edge.request_log if r.method == "GET" and r.path.endswith(replication.id)]
    assert len(seen) == len(polls) >= 2
    assert (seen[0].remaining_bytes_to_be_synced or 0) > 0
    assert seen[-1] == synced
    assert synced.remaining_bytes_to_be_synced == 0


async def test_progress_callback_errors_end_the_wait(pair: Pair) -> None:
    """An exception raised by on_progress propagates out of wait_until_synced."""
    replication = await pair.replication()

    def explode(_replication: Replication) -> None:
        raise RuntimeError("callback failed")

    with pytest.raises(RuntimeError, match="callback failed"):
        await pair.client.replications.wait_until_synced(replication.id, timeout=5, on_progress=explode)


async def test_deleted_while_waiting_raises_not_found(pair: Pair) -> None:
    """Errors from polling propagate: a replication deleted during the wait gives NotFoundError."""
    pair.cloud.fail_next(10_000, status=503, method="POST", path=WRITE)
    replication = await pair.replication()
    await pair.write(10)
    seen: list[Replication] = []

    async def delete_after_first_poll(current: Replication) -> None:
        seen.append(current)
        if len(seen) == 1:
            await pair.client.replications.delete(current.id)

    with pytest.raises(NotFoundError):
        await pair.client.replications.wait_until_synced(
            replication.id, timeout=10, poll_interval=0.01, on_progress=delete_after_first_poll
        )
    assert len(seen) == 1


async def test_bad_arguments(pair: Pair) -> None:
    """A name, a bad timeout or poll interval is a ValueError; an unknown ID is NotFoundError."""
    replication = await pair.replication()
    replications = pair.client.replications
    pair.edge.clear_request_log()
    with pytest.raises(ValueError, match="replication_id"):
        await replications.wait_until_synced("to-cloud", timeout=1)
    with pytest.raises(ValueError, match="timeout"):
        await replications.wait_until_synced(replication.id, timeout=0)
    with pytest.raises(ValueError, match="poll_interval"):
        await replications.wait_until_synced(replication.id, timeout=1, poll_interval=-1)
    with pytest.raises(ValueError, match="replication_id"):
        await replications.status("to-cloud")
    assert pair.edge.request_log == []
    with pytest.raises(NotFoundError):
        await replications.wait_until_synced("0123456789abcdef", timeout=1)
    with pytest.raises(NotFoundError):
        await replications.status("0123456789abcdef")
