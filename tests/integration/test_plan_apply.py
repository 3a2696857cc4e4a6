"""client.plan / client.apply against two embedded servers: an edge that replicates into a cloud."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from influxdb_replications import BadRequestError, ReplicationClient
from influxdb_replications.operations.apply import ApplyError
from influxdb_replications.operations.desired import DesiredRemote, DesiredReplication, DesiredState
from influxdb_replications.testing import FakeInfluxDB

TOKEN_ENV = "PLAN_TEST_CLOUD_TOKEN"


@dataclass
class Site:
    """An edge (buckets sensors, metrics), a cloud (bucket archive) and a client on the edge."""

    edge: FakeInfluxDB
    cloud: FakeInfluxDB
    client: ReplicationClient

    def desired(self, **replication: Any) -> DesiredState:
        """One remote to the cloud and one replication sensors -> archive, with overrides."""
        remote = DesiredRemote(
            name="cloud", url=self.cloud.url, remote_org_id=self.cloud.org_id, token_env=TOKEN_ENV
        )
        rep = DesiredReplication(
            name="sensors-to-cloud", remote="cloud", local_bucket="sensors", remote_bucket="archive"
        )
        return DesiredState(remotes=(remote,), replications=(dataclasses.replace(rep, **replication),))

    def methods(self) -> set[str]:
        """The HTTP methods the edge received since its request log was last cleared."""
        return {record.method for record in self.edge.request_log}


@pytest.fixture
async def site(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Site]:
    """A fresh edge and cloud, the cloud's token in TOKEN_ENV, a client on the edge (instant backoff)."""

    async def no_wait(_seconds: float) -> None:
        return None

    async with (
        FakeInfluxDB(org="edge", buckets=["sensors", "metrics"], backoff_scale=0.01) as edge,
        FakeInfluxDB(org="cloud", buckets=["archive"]) as cloud,
        ReplicationClient(url=edge.url, token=edge.token, org="edge", sleep=no_wait) as client,
    ):
        monkeypatch.setenv(TOKEN_ENV, cloud.token)
        yield Site(edge, cloud, client)


async def _write(server: FakeInfluxDB, org: str, bucket: str, line: str) -> None:
    async with httpx.AsyncClient(
        base_url=server.url, headers={"Authorization": f"Token {server.token}"}
    ) as http:
        response = await http.post(
            "/api/v2/write", params={"org": org, "bucket": bucket, "precision": "s"}, content=line
        )
        assert response.status_code == 204, response.text


async def test_apply_from_empty_creates_everything_and_data_flows(site: Site) -> None:
    """From an empty edge, apply creates the remote then the replication, and points reach the cloud."""
    done = await site.client.apply(site.desired())
    assert [(c.action, c.kind, c.name) for c in done.changes] == [
        ("create", "remote", "cloud"),
        ("create", "replication", "sensors-to-cloud"),
    ]
    [remote] = await site.client.remotes.list()
    [rep] = await site.client.replications.list()
    assert done.changes[0].id == remote.id and done.changes[1].id == rep.id
    assert (remote.remote_url, remote.remote_org_id) == (site.cloud.url, site.cloud.org_id)
    assert rep.remote_id == remote.id
    assert rep.local_bucket_id == site.edge.bucket_id("sensors")
    assert rep.remote_bucket_name == "archive"

    await _write(site.edge, "edge", "sensors", "temp,room=a value=21 1700000000")
    deadline = time.monotonic() + 10
    while not await site.cloud.points("archive"):
        assert time.monotonic() < deadline, "the point never arrived: was the token from the env used?"
        await asyncio.sleep(0.05)


async def test_second_apply_is_empty(site: Site) -> None:
    """Applying the same state twice: the second apply and a plan are empty, and only read."""
    await site.client.apply(site.desired())
    site.edge.clear_request_log()
    again = await site.client.apply(site.desired())
    assert again.is_empty and not again and len(again) == 0
    assert (await site.client.plan(site.desired())).is_empty
    assert site.methods() == {"GET"}
    assert "No changes" in str(again)


async def test_drift_in_one_field_gives_exactly_that_update(site: Site) -> None:
    """A changed queue size plans one update with one field; apply sends it and then all is quiet."""
    await site.client.apply(site.desired())
    [before] = await site.client.replications.list()
    changed = site.desired(max_queue_size_bytes=2 * 67108860)

    plan = await site.client.plan(changed)
    [change] = plan.changes
    assert (change.action, change.kind, change.name, change.id) == (
        "update",
        "replication",
        "sensors-to-cloud",
        before.id,
    )
    assert change.fields == {"max_queue_size_bytes": (67108860, 134217720)}
    assert 'replication "sensors-to-cloud"' in str(plan)
    assert "max_queue_size_bytes: 67108860 -> 134217720" in str(plan)

    site.edge.clear_request_log()
    done = await site.client.apply(changed)
    assert done.changes == plan.changes
    assert [r.method for r in site.edge.request_log if r.method != "GET"] == ["PATCH"]
    [after] = await site.client.replications.list()
    assert after.id == before.id and after.max_queue_size_bytes == 134217720
    assert (await site.client.plan(changed)).is_empty


async def test_drift_made_on_the_server_is_undone(site: Site) -> None:
    """Someone flips allow_insecure_tls on the server: plan shows that one field back."""
    await site.client.apply(site.desired())
    [remote] = await site.client.remotes.list()
    await site.client.remotes.update(remote.id, allow_insecure_tls=True, description="hand-edited")

    plan = await site.client.plan(site.desired())
    [change] = plan.changes  # description is not declared, so it is not managed
    assert (change.action, change.kind, change.id) == ("update", "remote", remote.id)
    assert change.fields == {"allow_insecure_tls": (True, False)}
    await site.client.apply(site.desired())
    [fixed] = await site.client.remotes.list()
    assert fixed.allow_insecure_tls is False and fixed.description == "hand-edited"


async def test_local_bucket_change_recreates(site: Site) -> None:
    """Moving a replication to another local bucket is a recreate: a new ID on the new bucket."""
    await site.client.apply(site.desired())
    [before] = await site.client.replications.list()

    plan = await site.client.plan(site.desired(local_bucket="metrics"))
    [change] = plan.changes
    assert (change.action, change.id) == ("recreate", before.id)
    # the old bucket is no longer declared, so only its ID is known (no bucket is looked up by ID)
    assert change.fields == {"local_bucket": (site.edge.bucket_id("sensors"), "metrics")}
    assert "lost" in change.reason
    assert str(plan).splitlines()[0].startswith("-/+ replication")

    done = await site.client.apply(site.desired(local_bucket="metrics"))
    [after] = await site.client.replications.list()
    assert after.id != before.id and after.local_bucket_id == site.edge.bucket_id("metrics")
    assert done.changes[0].action == "recreate" and done.changes[0].id == after.id
    assert (await site.client.plan(site.desired(local_bucket="metrics"))).is_empty


async def test_remote_bucket_switch_from_name_to_id(site: Site) -> None:
    """Switching the target from a name to an ID is an update that really makes the ID win."""
    await site.client.apply(site.desired())
    archive_id = site.cloud.bucket_id("archive")
    by_id = site.desired(remote_bucket=None, remote_bucket_id=archive_id)

    [change] = (await site.client.plan(by_id)).changes
    assert change.action == "update"
    assert change.fields == {"remote_bucket": ("archive", None), "remote_bucket_id": (None, archive_id)}
    await site.client.apply(by_id)
    [rep] = await site.client.replications.list()
    assert (rep.remote_bucket_name, rep.remote_bucket_id) == ("", archive_id)
    assert (await site.client.plan(by_id)).is_empty
    # and back to the name: the stored ID stays, but the name wins again
    await site.client.apply(site.desired())
    assert (await site.client.plan(site.desired())).is_empty


async def test_new_remote_is_created_before_the_replication_moves_to_it(site: Site) -> None:
    """A replication re-pointed to a remote that does not exist yet gets the newly created ID."""
    await site.client.apply(site.desired())
    state = site.desired()
    backup = DesiredRemote(name="backup", url=site.cloud.url, token_env=TOKEN_ENV)
    moved = DesiredState(
        remotes=(*state.remotes, backup),
        replications=(dataclasses.replace(state.replications[0], remote="backup"),),
    )
    done = await site.client.apply(moved)
    assert [(c.action, c.kind) for c in done.changes] == [("create", "remote"), ("update", "replication")]
    assert done.changes[1].fields == {"remote": ("cloud", "backup")}
    [rep] = await site.client.replications.list()
    assert rep.remote_id == done.changes[0].id


async def test_prune_deletes_only_what_is_not_declared(site: Site) -> None:
    """Undeclared objects survive apply without prune; with prune the replication goes, then its remote."""
    await site.client.apply(site.desired())
    stray = await site.client.remotes.create(
        name="stray", remote_url="http://127.0.0.1:9", remote_api_token="x"
    )
    stray_rep = await site.client.replications.create(
        name="stray-rep", remote=stray.id, local_bucket="metrics", remote_bucket="archive"
    )

    assert (await site.client.apply(site.desired())).is_empty
    assert len(await site.client.remotes.list()) == 2
    assert len(await site.client.replications.list()) == 2

    preview = await site.client.plan(site.desired(), prune=True)
    done = await site.client.apply(site.desired(), prune=True)
    expected = [("delete", "replication", "stray-rep", stray_rep.id), ("delete", "remote", "stray", stray.id)]
    assert [(c.action, c.kind, c.name, c.id) for c in done.changes] == expected
    assert preview.changes == done.changes
    assert [r.name for r in await site.client.remotes.list()] == ["cloud"]
    assert [r.name for r in await site.client.replications.list()] == ["sensors-to-cloud"]


async def test_plan_sends_only_reads(site: Site) -> None:
    """plan on an empty edge (everything to create) and with prune sends GETs only."""
    stray = await site.client.remotes.create(
        name="stray", remote_url="http://127.0.0.1:9", remote_api_token="x"
    )
    site.edge.clear_request_log()
    plan = await site.client.plan(site.desired(), prune=True)
    assert plan.counts == {"create": 2, "update": 0, "recreate": 0, "delete": 1}
    assert site.edge.request_log and site.methods() == {"GET"}
    assert [r.id for r in await site.client.remotes.list()] == [stray.id]
    assert await site.client.replications.list() == []


async def test_missing_token_changes_nothing(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the token's variable, apply fails before any change, naming the variable."""
    monkeypatch.delenv(TOKEN_ENV)
    site.edge.clear_request_log()
    with pytest.raises(ValueError, match=TOKEN_ENV):
        await site.client.apply(site.desired())
    assert site.methods() == {"GET"}


async def test_apply_error_carries_what_was_done(site: Site) -> None:
    """A replication create refused mid-way: ApplyError has the remote create as done; a rerun finishes."""
    site.edge.fail_next(1, status=400, method="POST", path="/api/v2/replications")
    with pytest.raises(ApplyError) as caught:
        await site.client.apply(site.desired())
    error = caught.value
    assert [(c.action, c.kind) for c in error.done.changes] == [("create", "remote")]
    assert (error.failed.action, error.failed.name) == ("create", "sensors-to-cloud")
    assert isinstance(error.__cause__, BadRequestError)
    assert "sensors-to-cloud" in str(error) and "1 change(s) before it" in str(error)
    assert site.cloud.token not in str(error)

    rest = await site.client.apply(site.desired())
    assert [(c.action, c.kind) for c in rest.changes] == [("create", "replication")]


async def test_failed_recreate_reports_the_delete(site: Site) -> None:
    """A recreate whose create fails reports the delete as done (the old replication is gone)."""
    await site.client.apply(site.desired())
    [before] = await site.client.replications.list()
    site.edge.fail_next(1, status=400, method="POST", path="/api/v2/replications")
    with pytest.raises(ApplyError) as caught:
        await site.client.apply(site.desired(local_bucket="metrics"))
    [deleted] = caught.value.done.changes
    assert (deleted.action, deleted.id) == ("delete", before.id)
    assert caught.value.failed.action == "recreate"
    assert await site.client.replications.list() == []
