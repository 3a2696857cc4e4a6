"""Token rotation against running engines: edges replicating into one cloud whose tokens change."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from influxdb_replications import (
    APIConnectionError,
    NotFoundError,
    ReplicationClient,
    RetryPolicy,
    RotationError,
    RotationOutcome,
    ServerError,
)
from influxdb_replications.fleet import Host, HostResult, fleet_rotate_token
from influxdb_replications.operations.rotate import RotationResult
from influxdb_replications.resources.failures import REMOTE_THROTTLING, REMOTE_TOKEN
from influxdb_replications.testing import FakeInfluxDB

OPTIONS: dict[str, Any] = {"timeout": 5.0, "retry": RetryPolicy(max_attempts=1)}
WRONG = "a-token-the-cloud-never-issued"


@dataclass
class Fleet:
    """The servers, the hosts, and the cloud token every edge's remote "cloud" holds now."""

    edges: list[FakeInfluxDB]
    cloud: FakeInfluxDB
    hosts: list[Host]
    current: str

    def write_token(self) -> str:
        """A new token of the cloud that may write to its buckets."""
        return self.cloud.create_token([f"write:orgs/{self.cloud.org_id}/buckets"])

    def patches(self, edge: FakeInfluxDB) -> list[str]:
        """The PATCH requests an edge received (a rotation sends one per token it sets)."""
        return [r.path for r in edge.request_log if r.method == "PATCH"]


@contextlib.asynccontextmanager
async def rotation_fleet(
    edges: int, monkeypatch: pytest.MonkeyPatch, *, replicating: int | None = None
) -> AsyncIterator[Fleet]:
    """``edges`` edges, each with a remote "cloud" (a write token of the cloud) and, for the first
    ``replicating`` of them (default all), the replication "sensors-to-cloud" into the cloud's "archive"."""
    cloud = FakeInfluxDB(org="cloud", buckets=["archive"], backoff_scale=0.01)
    edge_list = [FakeInfluxDB(org="edge", buckets=["sensors"], backoff_scale=0.01) for _ in range(edges)]
    servers = [cloud, *edge_list]
    try:
        await asyncio.gather(*(server.start() for server in servers))
        token = cloud.create_token([f"write:orgs/{cloud.org_id}/buckets"])
        hosts = []
        for i, edge in enumerate(edge_list):
            monkeypatch.setenv(f"EDGE_{i:02d}_TOKEN", edge.token)
            hosts.append(
                Host(url=edge.url, org="edge", token_env=f"EDGE_{i:02d}_TOKEN", name=f"edge-{i:02d}")
            )
            async with ReplicationClient(url=edge.url, token=edge.token, org="edge") as client:
                await client.remotes.create(
                    name="cloud", remote_url=cloud.url, remote_api_token=token, remote_org_id=cloud.org_id
                )
                if replicating is None or i < replicating:
                    await client.replications.create(
                        name="sensors-to-cloud",
                        remote="cloud",
                        local_bucket="sensors",
                        remote_bucket="archive",
                    )
            edge.clear_request_log()
        yield Fleet(edge_list, cloud, hosts, token)
    finally:
        await asyncio.gather(*(server.stop() for server in servers))


async def write_points(edge: FakeInfluxDB, label: str, start: int, count: int = 3) -> set[tuple[str, float]]:
    """Write points tagged with ``label`` into the edge's "sensors"; return what should arrive."""
    lines = "\n".join(f"m,edge={label} v={j} {1_700_000_000 + j}" for j in range(start, start + count))
    async with httpx.AsyncClient(base_url=edge.url, headers={"Authorization": f"Token {edge.token}"}) as http:
        response = await http.post(
            "/api/v2/write", params={"org": "edge", "bucket": "sensors", "precision": "s"}, content=lines
        )
        assert response.status_code == 204, response.text
    return {(label, float(j)) for j in range(start, start + count)}


async def arrived(cloud: FakeInfluxDB, wanted: set[tuple[str, float]], seconds: float = 20.0) -> None:
    """Wait until every wanted (edge, value) point is in the cloud's "archive" (failing after ``seconds``)."""
    deadline = time.monotonic() + seconds
    while True:
        have = {(p.tags["edge"], float(p.fields["v"])) for p in await cloud.points("archive")}
        if wanted <= have:
            return
        assert time.monotonic() < deadline, f"missing: {sorted(wanted - have)}"
        await asyncio.sleep(0.02)


async def write_everywhere(
    fleet: Fleet, start: int, edges: list[int] | None = None
) -> set[tuple[str, float]]:
    """Write new points on the given edges (default all) and return them."""
    wanted: set[tuple[str, float]] = set()
    for i in range(len(fleet.edges)) if edges is None else edges:
        wanted |= await write_points(fleet.edges[i], f"edge-{i:02d}", start)
    return wanted


def values(results: list[HostResult[RotationResult]]) -> list[RotationResult]:
    """Every host's RotationResult, after checking that no host raised."""
    assert all(r.ok for r in results), [repr(r.error) for r in results]
    return [r.value for r in results if r.value is not None]


async def test_rotation_to_the_right_token_ends_rotated_and_replicating(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every host ends rotated; with the old token revoked on the cloud, points written after arrive."""
    async with rotation_fleet(3, monkeypatch) as fleet:
        await arrived(fleet.cloud, await write_everywhere(fleet, 0))
        new = fleet.write_token()
        results = await fleet_rotate_token(
            fleet.hosts, "cloud", new, previous_token=fleet.current, client_options=OPTIONS
        )
        for result in values(results):
            assert result.outcome is RotationOutcome.ROTATED
            assert result.ok
            assert (result.replications, result.validated) == (("sensors-to-cloud",), ("sensors-to-cloud",))
            assert (result.failed, result.reason, result.hint) == (None, None, None)
        fleet.cloud.revoke_token(fleet.current)  # only the new token can write now
        await arrived(fleet.cloud, await write_everywhere(fleet, 10))
        assert all(len(fleet.patches(edge)) == 1 for edge in fleet.edges)
        for token in (new, fleet.current):
            assert token not in repr(results) + str([str(r) for r in values(results)])


async def test_wrong_token_with_previous_rolls_back_every_host_and_keeps_replicating(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A token the cloud refuses: every host rolled back (token set, then put back), points still arrive."""
    async with rotation_fleet(3, monkeypatch) as fleet:
        results = await fleet_rotate_token(
            fleet.hosts, "cloud", WRONG, previous_token=fleet.current, client_options=OPTIONS
        )
        for result in values(results):
            assert result.outcome is RotationOutcome.ROLLED_BACK
            assert not result.ok
            assert result.failed == "sensors-to-cloud"
            assert result.validated == ()
            assert result.reason is not None and "401" in result.reason and "put back" in result.reason
            assert result.hint == REMOTE_TOKEN.hint
        assert all(len(fleet.patches(edge)) == 2 for edge in fleet.edges)
        await arrived(fleet.cloud, await write_everywhere(fleet, 0))
        assert WRONG not in repr(results) and fleet.current not in repr(results)


async def test_wrong_token_without_previous_is_failing_with_the_refused_token_hint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without a previous token the wrong one stays: failing, the hint, and no point arrives until fixed."""
    async with rotation_fleet(1, monkeypatch) as fleet:
        async with fleet.hosts[0].client(**OPTIONS) as client:
            result = await client.remotes.rotate_token("cloud", WRONG)
            assert result.outcome is RotationOutcome.FAILING
            assert result.hint == REMOTE_TOKEN.hint
            assert result.reason is not None and "stays set" in result.reason
            wanted = await write_points(fleet.edges[0], "edge-00", 0)
            (replication,) = await client.replications.list()
            deadline = time.monotonic() + 10
            while (await client.replications.get(replication.id)).latest_response_code != 401:
                assert time.monotonic() < deadline
                await asyncio.sleep(0.02)
            assert await fleet.cloud.points("archive") == []
            fixed = await client.remotes.rotate_token("cloud", fleet.current, previous_token=WRONG)
            assert fixed.outcome is RotationOutcome.ROTATED
        await arrived(fleet.cloud, wanted | await write_points(fleet.edges[0], "edge-00", 10))


async def test_canary_failure_leaves_the_other_hosts_untouched(monkeypatch: pytest.MonkeyPatch) -> None:
    """--canary 1 with a refused token: the canary rolls back, the others are skipped and never contacted."""
    async with rotation_fleet(3, monkeypatch) as fleet:
        progress: list[str] = []
        results = await fleet_rotate_token(
            fleet.hosts,
            "cloud",
            WRONG,
            previous_token=fleet.current,
            canary=1,
            on_progress=lambda r: progress.append(r.host.label),
            client_options=OPTIONS,
        )
        outcomes = [r.outcome for r in values(results)]
        assert outcomes == [RotationOutcome.ROLLED_BACK, RotationOutcome.SKIPPED, RotationOutcome.SKIPPED]
        assert [r.host.label for r in results] == ["edge-00", "edge-01", "edge-02"]
        assert progress == ["edge-00", "edge-01", "edge-02"]
        skipped = values(results)[1]
        assert skipped.remote_id is None and skipped.reason is not None and "edge-00" in skipped.reason
        assert [fleet.edges[i].request_log for i in (1, 2)] == [[], []]  # not even a read
        await arrived(fleet.cloud, await write_everywhere(fleet, 0))


async def test_canary_success_rotates_the_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    """Canary hosts that rotate let the rest follow; every host ends rotated."""
    async with rotation_fleet(3, monkeypatch) as fleet:
        new = fleet.write_token()
        results = await fleet_rotate_token(fleet.hosts, "cloud", new, canary=2, client_options=OPTIONS)
        assert [r.outcome for r in values(results)] == [RotationOutcome.ROTATED] * 3


async def test_canary_that_verifies_nothing_stops_the_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    """A canary whose remote has no replication proves nothing: the others are skipped."""
    async with rotation_fleet(2, monkeypatch, replicating=0) as fleet:
        new = fleet.write_token()
        results = await fleet_rotate_token(fleet.hosts, "cloud", new, canary=1, client_options=OPTIONS)
        first, second = values(results)
        assert (first.outcome, second.outcome) == (RotationOutcome.NOT_VERIFIABLE, RotationOutcome.SKIPPED)
        assert second.reason is not None and "verify" in second.reason
        assert fleet.edges[1].request_log == []


async def test_remote_without_replication_is_not_verifiable(monkeypatch: pytest.MonkeyPatch) -> None:
    """A remote no replication uses: the token is set, the outcome says nothing could check it."""
    async with rotation_fleet(2, monkeypatch, replicating=1) as fleet:
        results = await fleet_rotate_token(fleet.hosts, "cloud", fleet.write_token(), client_options=OPTIONS)
        replicating, idle = values(results)
        assert replicating.outcome is RotationOutcome.ROTATED
        assert idle.outcome is RotationOutcome.NOT_VERIFIABLE
        assert idle.ok and idle.replications == () and idle.validated == ()
        assert idle.reason is not None and "no replication uses remote 'cloud'" in idle.reason
        assert len(fleet.patches(fleet.edges[1])) == 1


async def test_a_host_that_goes_down_mid_run_is_unreachable_and_the_others_go_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A host stopped after the canary: its result is a connection error; the other hosts are rotated."""
    async with rotation_fleet(3, monkeypatch) as fleet:

        async def stop_the_last(result: HostResult[RotationResult]) -> None:
            if result.host.label == "edge-00":
                await fleet.edges[2].stop()

        new = fleet.write_token()
        results = await fleet_rotate_token(
            fleet.hosts, "cloud", new, canary=1, on_progress=stop_the_last, client_options=OPTIONS
        )
        assert [r.ok for r in results] == [True, True, False]
        assert isinstance(results[2].error, APIConnectionError)
        assert [r.value.outcome for r in results[:2] if r.value] == [RotationOutcome.ROTATED] * 2
        await arrived(fleet.cloud, await write_everywhere(fleet, 0, edges=[0, 1]))


async def test_a_remote_that_refuses_writes_rolls_back_truthfully(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cloud answers every write with 503: the right new token cannot be proven, so it is rolled back."""
    async with rotation_fleet(2, monkeypatch) as fleet:
        fleet.cloud.fail_next(1000, status=503, path="/api/v2/write")
        results = await fleet_rotate_token(
            fleet.hosts, "cloud", fleet.write_token(), previous_token=fleet.current, client_options=OPTIONS
        )
        for result in values(results):
            assert result.outcome is RotationOutcome.ROLLED_BACK
            assert result.reason is not None and "503" in result.reason
            assert result.hint == REMOTE_THROTTLING.hint
        fleet.cloud.clear_faults()
        await arrived(fleet.cloud, await write_everywhere(fleet, 0))


async def test_a_missing_remote_is_reported_for_that_host_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """A host without a remote of that name fails with NotFoundError; the others are rotated."""
    async with rotation_fleet(3, monkeypatch) as fleet:
        async with fleet.hosts[1].client() as client:
            await client.remotes.delete((await client.remotes.list())[0].id, cascade=True)
        results = await fleet_rotate_token(fleet.hosts, "cloud", fleet.write_token(), client_options=OPTIONS)
        assert isinstance(results[1].error, NotFoundError)
        assert "'cloud'" in str(results[1].error)
        assert [r.value.outcome for r in (results[0], results[2]) if r.value] == [RotationOutcome.ROTATED] * 2


async def test_a_validation_the_server_cannot_do(monkeypatch: pytest.MonkeyPatch) -> None:
    """The edge answers the validation with 500: rolled back with a previous token, RotationError without."""
    async with rotation_fleet(1, monkeypatch) as fleet:
        new = fleet.write_token()
        async with fleet.hosts[0].client(**OPTIONS) as client:
            fleet.edges[0].fail_next(1, status=500, path="/api/v2/replications/*/validate")
            with pytest.raises(RotationError) as caught:
                await client.remotes.rotate_token("cloud", new)
            assert caught.value.token_set and caught.value.remote_name == "cloud"
            assert isinstance(caught.value.__cause__, ServerError)
            assert "the new token is set" in str(caught.value) and new not in str(caught.value)

            fleet.edges[0].fail_next(1, status=500, path="/api/v2/replications/*/validate")
            result = await client.remotes.rotate_token("cloud", fleet.current, previous_token=new)
            assert result.outcome is RotationOutcome.ROLLED_BACK
            assert result.reason is not None and "could not be validated" in result.reason
            assert result.hint is None


async def test_a_server_lost_between_setting_and_validating(monkeypatch: pytest.MonkeyPatch) -> None:
    """The edge stops while it validates: RotationError says the new token is set and why nothing undid it."""
    async with rotation_fleet(1, monkeypatch) as fleet:
        edge = fleet.edges[0]
        new = fleet.write_token()
        edge.hang_next(1, seconds=5, path="/api/v2/replications/*/validate")
        async with fleet.hosts[0].client(**OPTIONS) as client:
            task = asyncio.create_task(
                client.remotes.rotate_token("cloud", new, previous_token=fleet.current)
            )
            deadline = time.monotonic() + 5
            while not any(r.path.endswith("/validate") for r in edge.request_log):
                assert time.monotonic() < deadline
                await asyncio.sleep(0.01)
            await edge.stop()
            with pytest.raises(RotationError) as caught:
                await task
        error = caught.value
        assert error.token_set
        assert "could not be validated" in str(error) and "putting the previous token back failed too" in str(
            error
        )
        assert isinstance(error.__cause__, APIConnectionError)
        assert new not in str(error) and fleet.current not in str(error)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"canary": 0}, "canary must be an int from 1 to the number of hosts"),
        ({"canary": 4}, "canary must be an int from 1 to the number of hosts"),
        ({"canary": True}, "canary must be an int"),
        ({"new_token": ""}, "new_token must not be empty"),
        ({"new_token": "two words"}, "new_token must not contain whitespace"),
        ({"previous_token": "the-same"}, "are the same token"),
        ({"remote": ""}, "remote must be"),
        ({"concurrency": 0}, "concurrency must be"),
    ],
)
async def test_bad_input_is_refused_before_any_host_is_contacted(
    monkeypatch: pytest.MonkeyPatch, arguments: dict[str, Any], message: str
) -> None:
    """Each bad argument is a ValueError before any request (no token value in the message)."""
    async with rotation_fleet(3, monkeypatch, replicating=0) as fleet:
        call: dict[str, Any] = {"remote": "cloud", "new_token": "the-same", **arguments}
        with pytest.raises(ValueError, match=message) as caught:
            await fleet_rotate_token(fleet.hosts, client_options=OPTIONS, **call)
        assert "two words" not in str(caught.value)
        assert all(edge.request_log == [] for edge in fleet.edges)


async def test_concurrency_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """With concurrency=2, at most two hosts have requests in flight, and two do at once."""
    from .test_fleet import CountingTransport

    async with rotation_fleet(4, monkeypatch) as fleet:
        for edge in fleet.edges:
            edge.hang_next(1, seconds=0.1)  # every host's first request is slow: the hosts overlap
        counting = CountingTransport()
        try:
            results = await fleet_rotate_token(
                fleet.hosts,
                "cloud",
                fleet.write_token(),
                concurrency=2,
                client_options={**OPTIONS, "transport": counting},
            )
        finally:
            await counting.inner.aclose()
        assert [r.outcome for r in values(results)] == [RotationOutcome.ROTATED] * 4
        assert counting.peak == 2
