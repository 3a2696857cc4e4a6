"""Every known replication failure, produced for real with two embedded servers, and the hint it gets.

An edge fake replicates its "sensors" bucket into a cloud fake's "archive" bucket; each test breaks the
link one way (a wrong token, a missing bucket, a closed port, a remote without org, a refused line, a full
queue, a 2xx that is not 204, throttling, a lost durable queue) and checks the hint where users meet it:
``status``, the validate helpers, ``wait_until_synced`` and the list error.
"""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest

from influxdb_replications import (
    Health,
    RemoteConnection,
    Replication,
    ReplicationClient,
    ReplicationStatus,
    ServerError,
    SyncTimeoutError,
    ValidationFailedError,
)
from influxdb_replications.resources.failures import (
    DATA_REFUSED,
    DURABLE_QUEUE_MISSING,
    MAX_AGE_RESTART,
    QUEUE_FULL,
    REMOTE_BUCKET_NOT_FOUND,
    REMOTE_NOT_INFLUXDB_V2,
    REMOTE_ORG_MISSING,
    REMOTE_ORG_WARNING,
    REMOTE_THROTTLING,
    REMOTE_TOKEN,
    REMOTE_UNREACHABLE,
)
from influxdb_replications.testing import FakeInfluxDB

from ._edge import WRITE, status_when, write_points

CLOUD_TOKEN = "cloud-secret-token-5e1d"
MIN_QUEUE = 33554430


@dataclass
class Link:
    """An edge fake, a cloud fake and our client on the edge."""

    edge: FakeInfluxDB
    cloud: FakeInfluxDB
    client: ReplicationClient

    async def remote(
        self,
        name: str = "cloud",
        *,
        url: str | None = None,
        token: str = CLOUD_TOKEN,
        org: bool = True,
    ) -> RemoteConnection:
        """A remote to the cloud (or to `url`), with the cloud's org ID unless `org` is False."""
        return await self.client.remotes.create(
            name=name,
            remote_url=url or self.cloud.url,
            remote_api_token=token,
            remote_org_id=self.cloud.org_id if org else None,
        )

    async def replication(
        self, remote: RemoteConnection, *, bucket: str | None = None, drop: bool = False
    ) -> Replication:
        """A replication of "sensors" into the cloud's "archive" (or into the bucket named `bucket`)."""
        return await self.client.replications.create(
            name=f"to-{remote.name}",
            remote=remote,
            local_bucket="sensors",
            remote_bucket=bucket,
            remote_bucket_id=None if bucket else self.cloud.bucket_id("archive"),
            max_queue_size_bytes=MIN_QUEUE,
            drop_non_retryable_data=drop,
        )

    async def write(self, count: int = 5) -> None:
        """Write points into the edge's "sensors" bucket (they are queued for every replication of it)."""
        await write_points(self.edge, count)

    async def status_when(
        self, replication_id: str, done: Callable[[ReplicationStatus], bool], seconds: float = 10.0
    ) -> ReplicationStatus:
        """Poll status(id) until `done` holds (failing the test after `seconds`)."""
        return await status_when(self.client, replication_id, done, seconds)

    async def failing(self, replication_id: str) -> ReplicationStatus:
        """The status once the sender's first attempt failed."""
        return await self.status_when(replication_id, lambda s: s.health is Health.FAILING)


@pytest.fixture
async def link() -> AsyncIterator[Link]:
    """Edge and cloud fakes, the edge's sender retrying near-instantly, and a client on the edge."""

    async def no_wait(_seconds: float) -> None:
        return None

    async with (
        FakeInfluxDB(org="edge", buckets=["sensors"], backoff_scale=0.01, remote_timeout=5) as edge,
        FakeInfluxDB(token=CLOUD_TOKEN, org="cloud", buckets=["archive"]) as cloud,
        ReplicationClient(url=edge.url, token=edge.token, org="edge", sleep=no_wait) as client,
    ):
        yield Link(edge, cloud, client)


def closed_port_url() -> str:
    """A loopback URL on which nothing listens (a port that was just free)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def assert_no_secret(*texts: str) -> None:
    """No text carries either fake's token."""
    for text in texts:
        assert CLOUD_TOKEN not in text


# --- status: the writer's latest result -----------------------------------------------------------


async def test_a_remote_without_org_id(link: Link) -> None:
    """A remote created without remote_org_id: the cloud refuses every write, the hint says to set it."""
    remote = await link.remote(org=False)
    replication = await link.replication(remote)
    await link.write()
    status = await link.failing(replication.id)
    assert status.replication.latest_response_code == 400
    assert "Please provide either orgID or org" in status.reason
    assert status.hint == REMOTE_ORG_MISSING.hint
    assert "remote_org_id" in (status.hint or "")
    assert status.to_dict()["hint"] == status.hint
    assert str(status).endswith(f"hint: {status.hint}")

    await link.client.remotes.update(remote.id, remote_org_id=link.cloud.org_id)  # what the hint says
    synced = await link.client.replications.wait_until_synced(replication.id, timeout=10, poll_interval=0.02)
    assert synced.latest_response_code == 204
    assert (await link.client.replications.status(replication.id))[0].hint is None


async def test_a_wrong_remote_token(link: Link) -> None:
    """The cloud answers 401 to a token it does not know: the hint names the remote's API token."""
    wrong = "wrong-token-9d0c1b"
    replication = await link.replication(await link.remote(token=wrong))
    await link.write()
    status = await link.failing(replication.id)
    assert status.replication.latest_response_code == 401
    assert status.hint == REMOTE_TOKEN.hint
    assert wrong not in (status.hint or "")


async def test_a_token_that_cannot_write(link: Link) -> None:
    """A cloud token without write permission on the bucket is refused too, and gets the same hint."""
    read_only = link.cloud.create_token([f"read:orgs/{link.cloud.org_id}/buckets"])
    replication = await link.replication(await link.remote(token=read_only))
    await link.write()
    status = await link.failing(replication.id)
    assert status.replication.latest_response_code in (401, 403)
    assert status.hint == REMOTE_TOKEN.hint


async def test_a_missing_remote_bucket(link: Link) -> None:
    """A target bucket name the cloud does not have: 404, and the hint is about the remote bucket."""
    replication = await link.replication(await link.remote(), bucket="no-such-bucket")
    await link.write()
    status = await link.failing(replication.id)
    assert status.replication.latest_response_code == 404
    assert status.hint == REMOTE_BUCKET_NOT_FOUND.hint


async def test_a_closed_port(link: Link) -> None:
    """Nothing listens at the remote URL: code 0, and the hint says the server cannot reach it."""
    replication = await link.replication(await link.remote(url=closed_port_url()))
    await link.write()
    status = await link.failing(replication.id)
    assert status.replication.latest_response_code == 0
    assert status.hint == REMOTE_UNREACHABLE.hint
    assert "from the InfluxDB server" in (status.hint or "")


async def test_a_refused_line_blocks_the_queue(link: Link) -> None:
    """A 400 for the data while drop_non_retryable_data is off: the hint offers fixing data or flag."""
    body = json.dumps(
        {"code": "invalid", "message": 'partial write: field type conflict: input field "usage"'}
    )
    link.cloud.fail_next(
        10_000, status=400, method="POST", path=WRITE, body=body, content_type="application/json"
    )
    replication = await link.replication(await link.remote())
    await link.write()
    status = await link.failing(replication.id)
    assert status.replication.latest_response_code == 400
    assert status.synced is False  # blocked behind the refused block
    assert status.hint == DATA_REFUSED.hint
    assert "drop_non_retryable_data" in (status.hint or "")


async def test_a_refused_line_with_drop_has_no_blocking_hint(link: Link) -> None:
    """With drop_non_retryable_data the refused block is dropped: no hint about a blocked queue."""
    body = json.dumps({"code": "invalid", "message": "partial write: field type conflict"})
    link.cloud.fail_next(
        10_000, status=400, method="POST", path=WRITE, body=body, content_type="application/json"
    )
    replication = await link.replication(await link.remote(), drop=True)
    await link.write()
    status = await link.status_when(replication.id, lambda s: s.replication.latest_response_code == 400)
    assert "dropped" in status.reason
    assert status.hint is None


@pytest.mark.parametrize("code", [200, 202])
async def test_a_2xx_that_is_not_204(link: Link, code: int) -> None:
    """A remote answering a 2xx other than 204 (a proxy, not InfluxDB 2.x): the hint says so."""
    link.cloud.fail_next(10_000, status=code, method="POST", path=WRITE, body="OK")
    replication = await link.replication(await link.remote())
    await link.write()
    status = await link.failing(replication.id)
    assert status.replication.latest_response_code == code
    assert status.hint == REMOTE_NOT_INFLUXDB_V2.hint


@pytest.mark.parametrize("code", [429, 503])
async def test_throttling(link: Link, code: int) -> None:
    """A remote answering 429 or 503: the hint says the server backs off on its own."""
    link.cloud.fail_next(10_000, status=code, method="POST", path=WRITE, retry_after=0)
    replication = await link.replication(await link.remote())
    await link.write()
    status = await link.failing(replication.id)
    assert status.replication.latest_response_code == code
    assert status.hint == REMOTE_THROTTLING.hint


async def test_an_unknown_failure_keeps_its_reason_without_hint(link: Link) -> None:
    """A failure no row knows (the remote's 500) keeps today's reason and has no hint."""
    link.cloud.fail_next(10_000, status=500, method="POST", path=WRITE)
    replication = await link.replication(await link.remote())
    await link.write()
    status = await link.failing(replication.id)
    assert "the remote answered 500: " in status.reason
    assert status.hint is None
    assert status.to_dict()["hint"] is None


async def test_a_full_queue(link: Link, caplog: pytest.LogCaptureFixture) -> None:
    """A queue filled up behind a stalled remote drops new data: backlogged, and the hint names the limit."""
    replication = await link.replication(await link.remote())
    await link.write()
    await link.client.replications.wait_until_synced(replication.id, timeout=10, poll_interval=0.02)
    link.cloud.hang_next(10_000, seconds=30, method="POST", path=WRITE)  # the remote stalls
    link.edge.pad_queue(replication.id, MIN_QUEUE - 200)  # as after a long outage
    caplog.set_level(logging.WARNING, logger="influxdb_replications.testing")
    await link.write(50)  # does not fit any more: the server drops it
    assert "queue is full" in caplog.text
    (status,) = await link.client.replications.status(replication.id)
    assert status.replication.latest_response_code == 204  # the stalled write has not failed yet
    assert status.health is Health.BACKLOGGED
    assert status.warnings and "full" in status.warnings[0]
    assert status.hint == QUEUE_FULL.hint
    assert "max_queue_size_bytes" in (status.hint or "")


# --- validation ----------------------------------------------------------------------------------


async def test_validation_hints(link: Link) -> None:
    """validate, validate_create and validate_update end their message with the hint of the cause."""
    cases: list[tuple[RemoteConnection, str | None, str]] = [
        (await link.remote("no-org", org=False), None, REMOTE_ORG_MISSING.hint),
        (await link.remote("bad-token", token="bad-token-41f2"), None, REMOTE_TOKEN.hint),
        (await link.remote("closed", url=closed_port_url()), None, REMOTE_UNREACHABLE.hint),
        (await link.remote("good"), "no-such-bucket", REMOTE_BUCKET_NOT_FOUND.hint),
    ]
    for remote, bucket, hint in cases:
        replication = await link.replication(remote, bucket=bucket)
        with pytest.raises(ValidationFailedError) as info:
            await link.client.replications.validate(replication.id)
        assert info.value.hint == hint, info.value.message
        assert info.value.message.endswith(hint)
        assert info.value.message.startswith("replication failed validation: ")
        assert hint in str(info.value)
        assert_no_secret(str(info.value), repr(info.value))
    with pytest.raises(ValidationFailedError) as info:
        await link.client.replications.validate_create(
            name="v",
            remote=cases[0][0],
            local_bucket="sensors",
            remote_bucket_id=link.cloud.bucket_id("archive"),
        )
    assert info.value.hint == REMOTE_ORG_MISSING.hint
    good = await link.replication(await link.remote("fine"))
    with pytest.raises(ValidationFailedError) as info:
        await link.client.replications.validate_update(good.id, remote=cases[1][0])
    assert info.value.hint == REMOTE_TOKEN.hint


async def test_validation_against_a_2xx_that_is_not_204(link: Link) -> None:
    """Validation against a remote answering 200 fails, with the not-InfluxDB-2.x hint."""
    replication = await link.replication(await link.remote())
    link.cloud.fail_next(1, status=200, method="POST", path=WRITE, body="OK")
    with pytest.raises(ValidationFailedError) as info:
        await link.client.replications.validate(replication.id)
    assert "invalid response code 200, must be 204" in info.value.message
    assert info.value.hint == REMOTE_NOT_INFLUXDB_V2.hint
    await link.client.replications.validate(replication.id)  # the fault is gone: valid


async def test_validation_by_bucket_name_gets_its_own_hint(link: Link) -> None:
    """validate_create by bucket name cannot succeed; its hint explains that instead of the bucket's 404."""
    with pytest.raises(ValidationFailedError) as info:
        await link.client.replications.validate_create(
            name="v", remote=await link.remote(), local_bucket="sensors", remote_bucket="archive"
        )
    assert info.value.hint is not None and "remote_bucket_id" in info.value.hint
    assert info.value.hint != REMOTE_BUCKET_NOT_FOUND.hint
    assert info.value.message.endswith(info.value.hint)
    assert info.value.message.count("Hint:") == 1


# --- wait_until_synced, warnings, the durable queue ----------------------------------------------


async def test_wait_until_synced_timeout_ends_with_the_hint(link: Link) -> None:
    """SyncTimeoutError's message ends with the hint of the last status."""
    replication = await link.replication(await link.remote(token="wrong-token-77aa"))
    await link.write()
    await link.failing(replication.id)
    with pytest.raises(SyncTimeoutError) as info:
        await link.client.replications.wait_until_synced(replication.id, timeout=0.2, poll_interval=0.05)
    assert info.value.status.hint == REMOTE_TOKEN.hint
    assert str(info.value).endswith(REMOTE_TOKEN.hint)
    assert "wrong-token-77aa" not in str(info.value)


async def test_remote_without_org_warns(link: Link, caplog: pytest.LogCaptureFixture) -> None:
    """Creating or updating a remote without remote_org_id logs one warning; one with it logs none."""
    caplog.set_level(logging.WARNING, logger="influxdb_replications")
    remote = await link.remote(org=False)
    warned = [r for r in caplog.records if r.name == "influxdb_replications" and r.levelno == logging.WARNING]
    assert len(warned) == 1
    assert remote.id in warned[0].getMessage()
    assert REMOTE_ORG_WARNING.hint in warned[0].getMessage()
    caplog.clear()
    await link.client.remotes.update(remote.id, description="still no org")
    assert "remote_org_id" in caplog.text
    caplog.clear()
    await link.client.remotes.update(remote.id, remote_org_id=link.cloud.org_id)
    await link.remote("with-org")
    assert caplog.records == []
    assert CLOUD_TOKEN not in caplog.text


async def test_changed_max_age_warns_about_the_restart(link: Link, caplog: pytest.LogCaptureFixture) -> None:
    """update(max_age_seconds=...) logs that the server applies it only after a restart."""
    replication = await link.replication(await link.remote())
    caplog.set_level(logging.WARNING, logger="influxdb_replications")
    await link.client.replications.update(replication.id, description="no max age")
    assert caplog.records == []
    await link.client.replications.update(replication.id, max_age_seconds=3600)
    assert MAX_AGE_RESTART.hint in caplog.text


async def test_a_lost_durable_queue_breaks_the_list(link: Link) -> None:
    """One replication whose queue is gone fails the whole list: the error names it and how to recover."""
    remote = await link.remote()
    broken = await link.replication(remote)
    fine = await link.client.replications.create(
        name="fine", remote=remote, local_bucket="sensors", remote_bucket_id=link.cloud.bucket_id("archive")
    )
    link.edge.lose_queue(broken.id)
    with pytest.raises(ServerError) as info:
        await link.client.replications.list()
    message = info.value.message
    assert broken.id in message and fine.id not in message
    assert "restart" in message.lower()
    assert f'replications.delete("{broken.id}")' in message
    assert DURABLE_QUEUE_MISSING.hint[:-1] in message
    with pytest.raises(ServerError):
        await link.client.replications.status()

    with pytest.raises(ServerError) as deleted:  # what the hint says: delete it by ID
        await link.client.replications.delete(broken.id)
    assert "deleted the replication all the same" in deleted.value.message
    assert [r.id for r in await link.client.replications.list()] == [fine.id]
