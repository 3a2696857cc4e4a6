"""Issue 19 on running engines: an edge replicating into a cloud while apply recreates or prunes streams.

Every test writes points with unique values and checks, at the end, which of them reached the cloud's
bucket: a drained change loses none, and a refused one leaves the replication (and its queue) in place.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from influxdb_replications import (
    DataLossError,
    DrainTimeoutError,
    Replication,
    ReplicationClient,
    SyncTimeoutError,
)
from influxdb_replications.operations.desired import DesiredRemote, DesiredReplication, DesiredState
from influxdb_replications.operations.drain import temporary_name
from influxdb_replications.testing import FakeInfluxDB

TOKEN_ENV = "DRAIN_TEST_CLOUD_TOKEN"
NAME = "sensors-to-cloud"
TEMP = temporary_name(NAME)
POLL = 0.02  # seconds between the polls of a drain


@dataclass
class Site:
    """An edge (buckets sensors, metrics), a cloud (bucket archive), a client on the edge, and the values
    of every point written so far."""

    edge: FakeInfluxDB
    cloud: FakeInfluxDB
    client: ReplicationClient
    written: list[int] = dataclasses.field(default_factory=list)

    def desired(self, local_bucket: str = "sensors", *more: DesiredReplication) -> DesiredState:
        remote = DesiredRemote(
            name="cloud", url=self.cloud.url, remote_org_id=self.cloud.org_id, token_env=TOKEN_ENV
        )
        rep = DesiredReplication(
            name=NAME, remote="cloud", local_bucket=local_bucket, remote_bucket="archive"
        )
        return DesiredState(remotes=(remote,), replications=(rep, *more))

    async def write(self, bucket: str, count: int) -> None:
        """Write `count` points with new values into an edge bucket."""
        start = len(self.written)
        values = list(range(start, start + count))
        lines = "\n".join(f"m,src={bucket} v={v}i {1_700_000_000 + v}" for v in values)
        async with httpx.AsyncClient(
            base_url=self.edge.url, headers={"Authorization": f"Token {self.edge.token}"}
        ) as http:
            response = await http.post(
                "/api/v2/write", params={"org": "edge", "bucket": bucket, "precision": "s"}, content=lines
            )
            assert response.status_code == 204, response.text
        self.written.extend(values)

    def refuse(self) -> None:
        """The cloud answers every write with 503 (the edge keeps the blocks queued and retries)."""
        self.cloud.fail_next(1_000_000, status=503, method="POST", path="/api/v2/write")

    async def arrived(self) -> set[int]:
        return {int(p.fields["v"]) for p in await self.cloud.points("archive")}

    async def replications(self) -> dict[str, Replication]:
        return {rep.name: rep for rep in await self.client.replications.list()}

    async def backlog(self, name: str = NAME) -> Replication:
        """Wait until the named replication holds unsent bytes that the cloud refused."""
        deadline = time.monotonic() + 10
        while True:
            rep = (await self.replications())[name]
            if (rep.remaining_bytes_to_be_synced or 0) > 0 and rep.latest_response_code == 503:
                return rep
            assert time.monotonic() < deadline, f"no refused backlog: {rep}"
            await asyncio.sleep(0.01)

    async def everything_arrives(self, name: str = NAME, bucket: str = "sensors") -> None:
        """Let the cloud accept again, wake the sender, wait until the stream is synced; all points there."""
        self.cloud.clear_faults()
        await self.write(bucket, 1)  # a local write wakes the sender out of its backoff (reference 6.2)
        rep = (await self.replications())[name]
        await self.client.replications.wait_until_synced(rep.id, timeout=20, poll_interval=0.02)
        missing = set(self.written) - await self.arrived()
        assert not missing, f"{len(missing)} points never reached the cloud: {sorted(missing)[:10]}"


@pytest.fixture
async def site(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Site]:
    async def no_wait(_seconds: float) -> None:
        return None

    async with (
        FakeInfluxDB(org="edge", buckets=["sensors", "metrics"], backoff_scale=0.01) as edge,
        FakeInfluxDB(org="cloud", buckets=["archive"]) as cloud,
        ReplicationClient(url=edge.url, token=edge.token, org="edge", sleep=no_wait) as client,
    ):
        monkeypatch.setenv(TOKEN_ENV, cloud.token)
        site = Site(edge, cloud, client)
        await client.apply(site.desired())
        yield site


async def test_drained_recreate_loses_no_point_written_before_during_or_after(site: Site) -> None:
    """Moving the stream to another bucket with drain=True while the cloud is down and points keep
    arriving: every point (old bucket before, both buckets during, new bucket after) reaches the cloud."""
    [before] = (await site.replications()).values()
    site.refuse()
    await site.write("sensors", 50)  # before: queued on the old stream, which cannot send
    await site.backlog()

    seen: list[tuple[str, int | None]] = []
    task = asyncio.create_task(
        site.client.apply(
            site.desired("metrics"),
            drain=True,
            drain_timeout=30,
            on_drain_progress=lambda r: seen.append((r.name, r.remaining_bytes_to_be_synced)),
            drain_poll_interval=POLL,
        )
    )
    deadline = time.monotonic() + 10
    while TEMP not in await site.replications():  # make before break: the new stream exists first
        if time.monotonic() > deadline or task.done():
            task.cancel()
            pytest.fail("the new replication was not created before the old one drained")
        await asyncio.sleep(0.01)
    assert before.id in {rep.id for rep in (await site.replications()).values()}
    await site.write("metrics", 40)  # during: queued on the new stream
    await site.write("sensors", 30)  # during: still queued on the old one, which is draining
    assert not task.done()
    site.cloud.clear_faults()
    await site.write("sensors", 1)  # wakes the old stream out of its backoff
    result = await task
    await site.write("metrics", 20)  # after

    [done] = result.changes
    assert (done.action, done.name, done.destructive) == ("recreate", NAME, True)
    reps = await site.replications()
    assert list(reps) == [NAME] and reps[NAME].id == done.id != before.id
    assert reps[NAME].local_bucket_id == site.edge.bucket_id("metrics")
    assert seen and seen[0][0] == NAME and seen[0][1] and seen[-1] == (NAME, 0)
    await site.everything_arrives(bucket="metrics")
    assert (await site.client.plan(site.desired("metrics"))).is_empty


async def test_without_drain_or_consent_nothing_is_deleted(site: Site) -> None:
    """A recreate and a prune with unsent data are refused; a new replication is still created; once
    the cloud is back every point arrives through the untouched replication."""
    stray = await site.client.replications.create(
        name="stray",
        remote=(await site.client.remotes.list())[0],
        local_bucket="sensors",
        remote_bucket="archive",
    )
    site.refuse()
    await site.write("sensors", 25)
    before = await site.backlog()
    await site.backlog("stray")
    extra = DesiredReplication(name="extra", remote="cloud", local_bucket="metrics", remote_bucket="archive")

    plan = await site.client.plan(site.desired("metrics", extra), prune=True)
    marked = {c.name: c for c in plan.changes if c.destructive}
    assert (
        set(marked) == {NAME, "stray"} and marked[NAME].remaining_bytes == before.remaining_bytes_to_be_synced
    )
    assert "! destructive" in str(plan)

    result = await site.client.apply(site.desired("metrics", extra), prune=True)
    assert [(c.action, c.name) for c in result.changes] == [("create", "extra")]
    assert {(c.action, c.name) for c in result.refused} == {("recreate", NAME), ("delete", "stray")}
    assert all((c.remaining_bytes or 0) > 0 for c in result.refused)
    reps = await site.replications()
    assert reps[NAME].id == before.id and reps[NAME].local_bucket_id == site.edge.bucket_id("sensors")
    assert reps["stray"].id == stray.id
    assert (reps[NAME].remaining_bytes_to_be_synced or 0) >= (before.remaining_bytes_to_be_synced or 0)
    await site.everything_arrives()


async def test_a_drain_timeout_is_truthful_and_the_next_apply_finishes(site: Site) -> None:
    """The cloud refuses: the drain times out with the bytes the server reports, changes nothing
    further, and the next apply reuses the temporary stream instead of creating another."""
    site.refuse()
    await site.write("sensors", 30)
    old = await site.backlog()
    with pytest.raises(DrainTimeoutError) as caught:
        await site.client.apply(
            site.desired("metrics"), drain=True, drain_timeout=0.3, drain_poll_interval=POLL
        )
    error = caught.value
    reps = await site.replications()
    assert set(reps) == {NAME, TEMP} and reps[NAME].id == old.id  # the old stream is still there
    assert error.remaining_bytes == error.replication.remaining_bytes_to_be_synced
    assert error.remaining_bytes > 0
    assert error.remaining_bytes >= (old.remaining_bytes_to_be_synced or 0)
    assert "503" in str(error) and f"{error.remaining_bytes} bytes" in str(error)
    assert [(c.action, c.name, c.id) for c in error.done.changes] == [("create", TEMP, reps[TEMP].id)]

    await site.write("metrics", 10)  # queued on the temporary stream meanwhile
    plan = await site.client.plan(site.desired("metrics"), prune=True)
    [change] = plan.changes
    assert change.action == "recreate" and "finishes an interrupted drain" in change.reason

    site.cloud.clear_faults()
    await site.write("sensors", 1)
    result = await site.client.apply(
        site.desired("metrics"), prune=True, drain=True, drain_poll_interval=POLL
    )
    assert [(c.action, c.id) for c in result.changes] == [("recreate", reps[TEMP].id)]
    assert list(await site.replications()) == [NAME]
    await site.everything_arrives(bucket="metrics")


async def test_a_cancelled_drain_is_finished_by_the_next_apply(site: Site) -> None:
    """An apply cancelled while draining leaves both streams; the next apply reuses the temporary one;
    and when the old one is gone too, only the rename is left."""
    site.refuse()
    await site.write("sensors", 10)
    old = await site.backlog()
    task = asyncio.create_task(
        site.client.apply(site.desired("metrics"), drain=True, drain_poll_interval=POLL)
    )
    deadline = time.monotonic() + 10
    while TEMP not in await site.replications():
        assert time.monotonic() < deadline
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    temp = (await site.replications())[TEMP]
    assert (await site.replications())[NAME].id == old.id
    await site.write("metrics", 10)

    site.cloud.clear_faults()
    await site.write("sensors", 1)
    result = await site.client.apply(site.desired("metrics"), drain=True, drain_poll_interval=POLL)
    assert [(c.action, c.id) for c in result.changes] == [("recreate", temp.id)]
    reps = await site.replications()
    assert list(reps) == [NAME] and reps[NAME].id == temp.id
    await site.everything_arrives(bucket="metrics")


async def test_only_the_rename_is_left(site: Site) -> None:
    """Interrupted after the old stream was deleted: the plan is a rename of the temporary one."""
    await site.client.apply(
        site.desired("metrics"), drain=True, drain_poll_interval=POLL
    )  # to metrics, then back by hand
    [rep] = (await site.replications()).values()
    await site.client.replications.update(rep.id, name=TEMP)
    [change] = (await site.client.plan(site.desired("metrics"))).changes
    assert (change.action, change.id, change.fields["name"]) == ("update", rep.id, (TEMP, NAME))
    await site.client.apply(site.desired("metrics"))
    assert [(r.name, r.id) for r in (await site.replications()).values()] == [(NAME, rep.id)]


async def test_cascade_delete_refuses_then_drains(site: Site) -> None:
    """remotes.delete(cascade=True) with unsent data: DataLossError and nothing deleted; with drain it
    times out truthfully while the cloud refuses, and succeeds once the queue can drain."""
    [remote] = await site.client.remotes.list()
    site.refuse()
    await site.write("sensors", 20)
    await site.backlog()
    with pytest.raises(DataLossError, match=NAME):
        await site.client.remotes.delete(remote.id, cascade=True)
    with pytest.raises(SyncTimeoutError, match="not deleted") as caught:
        await site.client.remotes.delete(
            remote.id, cascade=True, drain=True, drain_timeout=0.3, drain_poll_interval=POLL
        )
    assert caught.value.replication.remaining_bytes_to_be_synced
    assert list(await site.replications()) == [NAME] and len(await site.client.remotes.list()) == 1

    site.cloud.clear_faults()
    await site.write("sensors", 1)
    await site.client.remotes.delete(
        remote.id, cascade=True, drain=True, drain_timeout=20, drain_poll_interval=POLL
    )
    assert await site.client.remotes.list() == [] and await site.client.replications.list() == []
    assert (await site.arrived()) >= set(site.written)
