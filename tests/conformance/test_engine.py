"""Section 6 and tests 8.8 / 8.11.3-5: the replication sender, observed over HTTP."""

from __future__ import annotations

import asyncio
import functools
import gzip
import random
import time
from typing import Any

import httpx
import pytest

from influxdb_replications.testing import FakeInfluxDB

from ._helpers import eventually, get_replication, make_remote, make_replication, write

WRITE_PATH = "/api/v2/write"


async def replicate(
    client: httpx.AsyncClient, fake: FakeInfluxDB, cloud: FakeInfluxDB, **fields: Any
) -> dict[str, Any]:
    """A remote to the cloud fake plus a replication of edge-bucket into cloud-bucket."""
    remote = await make_remote(client, fake, cloud)
    return await make_replication(
        client, fake, remote["id"], remoteBucketID=cloud.bucket_id("cloud-bucket"), **fields
    )


def writes(cloud: FakeInfluxDB) -> list[Any]:
    """The write requests the cloud received."""
    return [r for r in cloud.request_log if r.path == WRITE_PATH]


async def test_success_records_204_and_drains(
    client: httpx.AsyncClient, fake: FakeInfluxDB, cloud: FakeInfluxDB
) -> None:
    """A 204 from the remote stores latestResponseCode 204 and "" and empties the queue (8.8.3)."""
    replication = await replicate(client, fake, cloud)
    await write(client, "cpu,host=a usage=1.5 1000\ncpu,host=b usage=2i 2000")
    await eventually(lambda: len(writes(cloud)) == 1)
    points = await cloud.points("cloud-bucket")
    assert [(p.tags["host"], p.fields["usage"], p.time) for p in points] == [("a", 1.5, 1000), ("b", 2, 2000)]
    await eventually(lambda: fake_latest(client, replication["id"], 204))
    current = await get_replication(client, replication["id"])
    assert (
        current["latestErrorMessage"],
        current["currentQueueSizeBytes"],
        current["remainingBytesToBeSynced"],
    ) == ("", 8, 0)


async def fake_latest(client: httpx.AsyncClient, replication_id: str, code: int) -> bool:
    """Whether the replication's latestResponseCode is `code`."""
    return (await get_replication(client, replication_id)).get("latestResponseCode") == code


async def test_outgoing_batch_is_gzipped_line_protocol_with_ns(
    client: httpx.AsyncClient, fake: FakeInfluxDB, cloud: FakeInfluxDB
) -> None:
    """Batches are gzip line protocol with ns timestamps, sent with `Content-Encoding: gzip` (6.2)."""
    await replicate(client, fake, cloud)
    response = await client.post(
        "/api/v2/write",
        params={"org": "my-org", "bucket": "edge-bucket", "precision": "s"},
        content='m,t=x\\ y f="a b" 5',
    )
    assert response.status_code == 204
    await eventually(lambda: len(writes(cloud)) == 1)
    record = writes(cloud)[0]
    headers = {k.lower(): v for k, v in record.headers.items()}
    assert headers["content-encoding"] == "gzip"
    assert record.query == {"bucket": cloud.bucket_id("cloud-bucket"), "org": cloud.org_id}
    assert gzip.decompress(record.body) == b'm,t=x\\ y f="a b" 5000000000\n'


@pytest.mark.parametrize("status", [200, 401, 418, 500])
async def test_failures_are_recorded_and_retried(
    client: httpx.AsyncClient, fake: FakeInfluxDB, cloud: FakeInfluxDB, status: int
) -> None:
    """Any status but 204 (200 included) is a failure: recorded, block kept and retried (8.8.5)."""
    replication = await replicate(client, fake, cloud)
    cloud.fail_next(3, status=status, path=WRITE_PATH)
    await write(client, "m v=1 1")
    await eventually(lambda: len(writes(cloud)) >= 2)
    failed = await get_replication(client, replication["id"])
    if failed.get("latestResponseCode") == status:
        assert failed["latestErrorMessage"].startswith(f"invalid response code {status}, must be 204")
    await eventually(lambda: len(writes(cloud)) == 4)
    await eventually(lambda: fake_latest(client, replication["id"], 204))
    assert len({r.body for r in writes(cloud)}) == 1  # the same block every time
    assert len(await cloud.points("cloud-bucket")) == 1


async def test_failure_state_is_visible_while_failing(
    client: httpx.AsyncClient, fake: FakeInfluxDB, cloud: FakeInfluxDB
) -> None:
    """While failing, GET shows the code, the message and the queued bytes (remaining = current - 8)."""
    replication = await replicate(client, fake, cloud)
    cloud.fail_next(1000, status=500, path=WRITE_PATH)
    await write(client, "m v=1 1")
    await eventually(lambda: fake_latest(client, replication["id"], 500))
    current = await get_replication(client, replication["id"])
    block = writes(cloud)[0].body
    assert current["remainingBytesToBeSynced"] == len(block) + 8
    assert current["currentQueueSizeBytes"] == len(block) + 16
    assert current["latestErrorMessage"].startswith(
        "invalid response code 500, must be 204: 500 Internal Server Error"
    )


async def test_400_is_dropped_only_with_drop_flag(
    client: httpx.AsyncClient, fake: FakeInfluxDB, cloud: FakeInfluxDB
) -> None:
    """400s are retried until dropNonRetryableData is PATCHed on, then the block is dropped (8.8.6)."""
    replication = await replicate(client, fake, cloud)
    cloud.fail_next(1000, status=400, path=WRITE_PATH)
    await write(client, "m v=1 1")
    await eventually(lambda: len(writes(cloud)) >= 3)
    assert (await get_replication(client, replication["id"]))["remainingBytesToBeSynced"] > 0
    await client.patch(f"/api/v2/replications/{replication['id']}", json={"dropNonRetryableData": True})
    await eventually(lambda: remaining_is(client, replication["id"], 0))
    cloud.clear_faults()
    await write(client, "m v=2 2")
    await eventually(lambda: len(cloud.request_log) > 0 and fake_latest(client, replication["id"], 204))
    assert [p.time for p in await cloud.points("cloud-bucket")] == [2]


async def remaining_is(client: httpx.AsyncClient, replication_id: str, value: int) -> bool:
    """Whether remainingBytesToBeSynced equals `value`."""
    remaining: int = (await get_replication(client, replication_id))["remainingBytesToBeSynced"]
    return remaining == value


async def test_drop_flag_does_not_drop_other_statuses(
    client: httpx.AsyncClient, fake: FakeInfluxDB, cloud: FakeInfluxDB
) -> None:
    """With dropNonRetryableData, a 422 is still retried, not dropped."""
    replication = await replicate(client, fake, cloud, dropNonRetryableData=True)
    cloud.fail_next(2, status=422, path=WRITE_PATH)
    await write(client, "m v=1 1")
    await eventually(lambda: len(writes(cloud)) == 3)
    await eventually(lambda: fake_latest(client, replication["id"], 204))
    assert len(await cloud.points("cloud-bucket")) == 1


@pytest.mark.parametrize(
    ("status", "retry_after", "low", "high"),
    [
        (429, "1", 0.95, 1.6),
        (429, "0", 0.0, 0.4),
        (429, "Wed, 21 Oct 2015 07:28:00 GMT", 0.0, 0.4),
        (503, "1", 0.0, 0.4),
    ],
)
async def test_retry_after_only_on_429(
    client: httpx.AsyncClient,
    fake: FakeInfluxDB,
    cloud: FakeInfluxDB,
    status: int,
    retry_after: str,
    low: float,
    high: float,
) -> None:
    """Retry-After seconds are waited exactly on 429 only; "0", dates and 503s use the backoff (8.8.8)."""
    await replicate(client, fake, cloud)
    cloud.fail_next(status=status, retry_after=retry_after, path=WRITE_PATH)
    await write(client, "m v=1 1")
    await eventually(lambda: len(writes(cloud)) == 2)
    first, second = writes(cloud)
    assert low <= second.received_at - first.received_at <= high


async def test_resume_after_temporary_504s(
    client: httpx.AsyncClient, fake: FakeInfluxDB, cloud: FakeInfluxDB
) -> None:
    """504s are retried with the same data until the remote answers 204 (8.8.10)."""
    replication = await replicate(client, fake, cloud)
    cloud.fail_next(5, status=504, path=WRITE_PATH)
    await write(client, "m v=1 1\nm v=2 2")
    await eventually(lambda: fake_latest(client, replication["id"], 204))
    assert len(writes(cloud)) == 6
    assert len({r.body for r in writes(cloud)}) == 1
    assert [p.fields["v"] for p in await cloud.points("cloud-bucket")] == [1.0, 2.0]


async def test_transport_error_records_code_zero(
    client: httpx.AsyncClient, fake: FakeInfluxDB, cloud: FakeInfluxDB
) -> None:
    """A dropped connection is recorded as latestResponseCode 0 with a Go-like error text (8.8.2)."""
    replication = await replicate(client, fake, cloud)
    cloud.drop_next(1000, path=WRITE_PATH)
    await write(client, "m v=1 1")
    await eventually(lambda: fake_latest(client, replication["id"], 0))
    message = (await get_replication(client, replication["id"]))["latestErrorMessage"]
    assert message.startswith(f'Post "{cloud.url}/api/v2/write?bucket=')


async def test_remote_patch_takes_effect_at_once(
    client: httpx.AsyncClient, fake: FakeInfluxDB, cloud: FakeInfluxDB
) -> None:
    """The sender re-reads the remote before every attempt, so fixing its token fixes delivery."""
    remote = await make_remote(client, fake, cloud, remoteAPIToken="wrong")
    replication = await make_replication(
        client, fake, remote["id"], remoteBucketID=cloud.bucket_id("cloud-bucket")
    )
    await write(client, "m v=1 1")
    await eventually(lambda: fake_latest(client, replication["id"], 401))
    await client.patch(f"/api/v2/remotes/{remote['id']}", json={"remoteAPIToken": cloud.token})
    await write(client, "m v=2 2")  # wakes the sender at once
    await eventually(lambda: fake_latest(client, replication["id"], 204))
    await eventually(lambda: remaining_is(client, replication["id"], 0))
    assert [p.time for p in await cloud.points("cloud-bucket")] == [1, 2]


async def test_new_write_cuts_backoff_short(cloud: FakeInfluxDB) -> None:
    """A new local write wakes a sender that is waiting out a long backoff (6.2)."""
    async with (
        FakeInfluxDB(buckets=["edge-bucket"], backoff_scale=400.0) as slow,
        httpx.AsyncClient(base_url=slow.url, headers={"Authorization": f"Token {slow.token}"}) as slow_client,
    ):
        await replicate(slow_client, slow, cloud)
        cloud.fail_next(status=500, path=WRITE_PATH)  # then a 100 s backoff
        await write(slow_client, "m v=1 1")
        await eventually(lambda: len(writes(cloud)) == 1)
        await write(slow_client, "m v=2 2")
        await eventually(lambda: len(writes(cloud)) >= 2, within=3)
        await eventually(lambda: cloud_has(cloud, 2), within=3)


async def cloud_has(cloud: FakeInfluxDB, count: int) -> bool:
    """Whether the cloud bucket holds `count` points."""
    return len(await cloud.points("cloud-bucket")) == count


async def test_delete_replication_discards_queue(
    client: httpx.AsyncClient, fake: FakeInfluxDB, cloud: FakeInfluxDB
) -> None:
    """Deleting a replication stops its sender and discards unsent data."""
    replication = await replicate(client, fake, cloud)
    cloud.fail_next(10_000, status=500, path=WRITE_PATH)
    await write(client, "m v=1 1")
    await eventually(lambda: len(writes(cloud)) >= 2)
    assert (await client.delete(f"/api/v2/replications/{replication['id']}")).status_code == 204
    await asyncio.sleep(0.05)
    seen = len(writes(cloud))
    await asyncio.sleep(0.2)
    assert len(writes(cloud)) == seen


async def test_second_replication_gets_only_later_data(
    client: httpx.AsyncClient, fake: FakeInfluxDB, cloud: FakeInfluxDB
) -> None:
    """Points reach the remote; a replication created later only gets data written after it (8.11.3)."""
    await replicate(client, fake, cloud)
    await write(client, "m,n=1 v=1 1")
    await eventually(lambda: cloud_has(cloud, 1))
    second_bucket = cloud.create_bucket("second")
    remote = await make_remote(client, fake, cloud, name="again")
    await make_replication(client, fake, remote["id"], name="later", remoteBucketID=second_bucket)
    await write(client, "m,n=2 v=2 2")
    await eventually(lambda: cloud_has(cloud, 2))
    await eventually(lambda: second_has(cloud, second_bucket))
    assert [p.tags["n"] for p in await cloud.points(second_bucket)] == ["2"]


async def second_has(cloud: FakeInfluxDB, bucket_id: str) -> bool:
    """Whether the given cloud bucket has any point."""
    return bool(await cloud.points(bucket_id))


async def test_end_to_end_with_random_remote_failures(
    client: httpx.AsyncClient, fake: FakeInfluxDB, cloud: FakeInfluxDB
) -> None:
    """With random 504s from the remote every point still arrives, in order (8.11.4)."""
    await replicate(client, fake, cloud)
    rng = random.Random(7)
    for batch in range(10):
        if rng.random() < 0.6:
            cloud.fail_next(rng.randint(1, 3), status=504, path=WRITE_PATH)
        await write(client, "\n".join(f"m,b={batch} v={i}i {batch * 100 + i}" for i in range(5)))
        if batch % 3 == 2:  # let the sender catch up now and then, so its backoff stays short
            await eventually(functools.partial(cloud_has, cloud, 5 * (batch + 1)))
    await eventually(lambda: cloud_has(cloud, 50))
    arrival = [p.time for p in await cloud.points("cloud-bucket")]
    assert arrival == sorted(batch * 100 + i for batch in range(10) for i in range(5))
    bodies = [gzip.decompress(r.body) for r in writes(cloud) if r.body]
    firsts = [int(b.split(b" ")[-1]) for b in dict.fromkeys(bodies)]
    assert firsts == sorted(firsts)  # blocks were delivered in the order they were written


async def test_failing_remote_never_blocks_writes_or_shutdown(cloud: FakeInfluxDB) -> None:
    """With a remote that always fails or hangs, local writes succeed and stop() is quick (8.11.5)."""
    edge = FakeInfluxDB(buckets=["edge-bucket"], backoff_scale=0.01)
    await edge.start()
    async with httpx.AsyncClient(
        base_url=edge.url, headers={"Authorization": f"Token {edge.token}"}
    ) as edge_client:
        await replicate(edge_client, edge, cloud)
        cloud.fail_next(3, status=500, path=WRITE_PATH)
        cloud.hang_next(10, seconds=30, path=WRITE_PATH)
        for i in range(20):
            await write(edge_client, f"m v={i} {i + 1}")
        assert len(await edge.points("edge-bucket")) == 20
        await eventually(lambda: len(writes(cloud)) >= 4)
    started = time.monotonic()
    await edge.stop()
    await edge.stop()  # idempotent
    assert time.monotonic() - started < 2.0
