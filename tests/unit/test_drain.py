"""Destructive changes (issue 19): the plan's marks, apply's refusal, consent, the drain, and their checks."""

from __future__ import annotations

import json
import pickle
from typing import Any

import httpx
import pytest
import respx

from influxdb_replications import (
    ApplyResult,
    DataLossError,
    DrainTimeoutError,
    ReplicationClient,
    SyncTimeoutError,
)
from influxdb_replications.operations.apply import ApplyError
from influxdb_replications.operations.desired import Change, DesiredReplication, DesiredState, Plan
from influxdb_replications.operations.drain import temporary_name
from influxdb_replications.operations.fleet import Host, fleet_apply

from .conftest import BUCKET_ID, REMOTE_BUCKET_ID, REMOTE_ID, REPL_ID, remote_json, replication_json
from .test_plan import ENV, NEW_REPL_ID, OTHER_BUCKET_ID, REMOTE, REPLICATION, STATE, serve, writes

MOVED = {"localBucketID": OTHER_BUCKET_ID}  # the server's replication copies another bucket: a recreate
TEMP = temporary_name("edge-to-cloud")
TEMP_ID = "3d3d3d3d3d3d3d3d"


@pytest.fixture(autouse=True)
def _token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, "remote-token")


def calls(router: respx.Router) -> list[tuple[str, str]]:
    """Every request but the reads of the plan, in order: (method, path)."""
    return [
        (call.request.method, call.request.url.path)
        for call in router.calls
        if call.request.url.path not in ("/api/v2/remotes", "/api/v2/replications", "/api/v2/buckets")
        or call.request.method != "GET"
    ]


def poll(router: respx.Router, replication_id: str, *remaining: int) -> respx.Route:
    """GET of one replication answers with these remainingBytesToBeSynced in turn (the last one repeats)."""
    answers = list(remaining)

    def answer(request: httpx.Request) -> httpx.Response:
        left = answers.pop(0) if len(answers) > 1 else answers[0]
        body = replication_json(
            id=replication_id, remainingBytesToBeSynced=left, currentQueueSizeBytes=left + 8, **MOVED
        )
        body["latestResponseCode"] = 204 if left == 0 else 503
        return httpx.Response(200, json=body)

    return router.get(f"/api/v2/replications/{replication_id}").mock(side_effect=answer)


# ---------------------------------------------------------------------------------------------- the marks


async def test_recreate_and_prune_are_marked_with_the_queue_sizes(
    router: respx.Router, client: ReplicationClient
) -> None:
    """A recreate and the prune of a replication are destructive and carry remaining/queue bytes."""
    stray = replication_json(
        id="2d2d2d2d2d2d2d2d", name="stray", remainingBytesToBeSynced=2048, currentQueueSizeBytes=4104
    )
    moved = replication_json(remainingBytesToBeSynced=1234, currentQueueSizeBytes=1242, **MOVED)
    serve(router, remotes=[remote_json()], replications=[moved, stray])
    plan = await client.plan(STATE, prune=True)
    recreate, prune = plan.changes
    assert (recreate.action, recreate.destructive, recreate.remaining_bytes, recreate.queue_bytes) == (
        "recreate",
        True,
        1234,
        1242,
    )
    assert (prune.action, prune.name, prune.destructive, prune.remaining_bytes) == (
        "delete",
        "stray",
        True,
        2048,
    )
    assert prune.queue_bytes == 4104 and prune.at_risk and recreate.at_risk
    text = str(plan)
    assert (
        "! destructive: discards its queue: 1234 bytes (1.2 KiB) unsent, queue 1242 bytes (1.2 KiB)" in text
    )
    assert (
        "! destructive: discards its queue: 2048 bytes (2.0 KiB) unsent, queue 4104 bytes (4.0 KiB)" in text
    )
    data = json.loads(json.dumps(plan.to_dict()))
    assert [(c["destructive"], c["remaining_bytes"], c["queue_bytes"]) for c in data["changes"]] == [
        (True, 1234, 1242),
        (True, 2048, 4104),
    ]


async def test_sizes_the_server_does_not_report_are_unknown(
    router: respx.Router, client: ReplicationClient
) -> None:
    """Without remainingBytesToBeSynced / currentQueueSizeBytes the marks say unknown (None in JSON)."""
    moved = replication_json(**MOVED)
    del moved["remainingBytesToBeSynced"], moved["currentQueueSizeBytes"]
    serve(router, remotes=[remote_json()], replications=[moved])
    [change] = (await client.plan(STATE)).changes
    assert change.destructive and change.remaining_bytes is None and change.queue_bytes is None
    assert change.at_risk
    assert "! destructive: discards its queue: unknown unsent, queue unknown" in str(change)
    assert change.to_dict()["remaining_bytes"] is None


async def test_other_changes_carry_no_mark(router: respx.Router, client: ReplicationClient) -> None:
    """Creates, updates and remote deletes are not destructive; their dicts keep their old keys."""
    serve(router, remotes=[remote_json(id="2b2b2b2b2b2b2b2b", name="stray")], replications=[])
    plan = await client.plan(STATE, prune=True)
    assert [(c.action, c.kind, c.destructive) for c in plan.changes] == [
        ("create", "remote", False),
        ("create", "replication", False),
        ("delete", "remote", False),
    ]
    assert all("destructive" not in c.to_dict() and "!" not in str(c) for c in plan.changes)


# ---------------------------------------------------------------------------------------------- refusal


async def test_unsent_data_is_refused_and_the_rest_goes_on(
    router: respx.Router, client: ReplicationClient
) -> None:
    """A recreate with unsent bytes is refused (nothing sent for it); an update elsewhere is applied."""
    other = DesiredReplication(
        name="other", remote="cloud", local_bucket="local", remote_bucket_id=REMOTE_BUCKET_ID
    )
    state = DesiredState(remotes=(REMOTE,), replications=(REPLICATION, other))
    moved = replication_json(remainingBytesToBeSynced=500, currentQueueSizeBytes=508, **MOVED)
    drifted = replication_json(id="4d4d4d4d4d4d4d4d", name="other", maxQueueSizeBytes=33554430)
    routes = serve(router, remotes=[remote_json()], replications=[moved, drifted])
    result = await client.apply(state)
    assert isinstance(result, ApplyResult) and isinstance(result, Plan)
    assert [(c.action, c.name) for c in result.changes] == [("update", "other")]
    [refused] = result.refused
    assert (refused.action, refused.name, refused.id, refused.remaining_bytes) == (
        "recreate",
        "edge-to-cloud",
        REPL_ID,
        500,
    )
    assert "refused: 500 bytes unsent, queue 508 bytes would be lost" in refused.reason
    assert not result.ok
    assert routes["delete_replication"].call_count == 0 and routes["create_replication"].call_count == 0
    assert calls(router) == [("PATCH", "/api/v2/replications/4d4d4d4d4d4d4d4d")]
    text = str(result)
    assert "refused (1): queued data would be lost" in text and "--drain" in text
    assert result.to_dict()["refused"][0]["remaining_bytes"] == 500


async def test_unknown_bytes_are_refused_too(router: respx.Router, client: ReplicationClient) -> None:
    """A server that does not report remainingBytesToBeSynced: the recreate is refused."""
    moved = replication_json(**MOVED)
    del moved["remainingBytesToBeSynced"]
    routes = serve(router, remotes=[remote_json()], replications=[moved])
    result = await client.apply(STATE)
    assert [c.name for c in result.refused] == ["edge-to-cloud"] and not result.changes
    assert writes(routes) == 0


async def test_an_empty_queue_is_not_refused(router: respx.Router, client: ReplicationClient) -> None:
    """remaining 0: nothing can be lost, so the recreate is made (as before issue 19)."""
    routes = serve(router, remotes=[remote_json()], replications=[replication_json(**MOVED)])
    result = await client.apply(STATE)
    assert [c.action for c in result.changes] == ["recreate"] and result.ok
    assert routes["delete_replication"].call_count == 1 and routes["create_replication"].call_count == 1
    assert result == Plan(result.changes) and len(result) == 1 and bool(result)


async def test_allow_data_loss_applies_it(router: respx.Router, client: ReplicationClient) -> None:
    """allow_data_loss=True: delete then create, as the plan said."""
    moved = replication_json(remainingBytesToBeSynced=500, **MOVED)
    serve(router, remotes=[remote_json()], replications=[moved])
    result = await client.apply(STATE, allow_data_loss=True)
    [done] = result.changes
    assert (done.action, done.id, done.remaining_bytes) == ("recreate", NEW_REPL_ID, 500)
    assert calls(router) == [
        ("DELETE", f"/api/v2/replications/{REPL_ID}"),
        ("POST", "/api/v2/replications"),
    ]


async def test_a_refused_prune_keeps_its_remote(router: respx.Router, client: ReplicationClient) -> None:
    """Prune: the replication with unsent data is kept, and so is the remote it uses."""
    stray_remote = remote_json(id="2b2b2b2b2b2b2b2b", name="stray")
    stray = replication_json(
        id="2d2d2d2d2d2d2d2d", name="stray-rep", remoteID="2b2b2b2b2b2b2b2b", remainingBytesToBeSynced=9
    )
    routes = serve(router, remotes=[remote_json(), stray_remote], replications=[replication_json(), stray])
    result = await client.apply(STATE, prune=True)
    assert result.changes == ()
    assert [(c.kind, c.name) for c in result.refused] == [("replication", "stray-rep"), ("remote", "stray")]
    assert "'stray-rep' that use it were kept" in result.refused[1].reason
    assert writes(routes) == 0


# ---------------------------------------------------------------------------------------------- the drain


async def test_drained_recreate_is_make_before_break(router: respx.Router, client: ReplicationClient) -> None:
    """drain: create under the temporary name, poll the old one until drained, delete it, rename."""
    moved = replication_json(remainingBytesToBeSynced=500, **MOVED)
    routes = serve(router, remotes=[remote_json()], replications=[moved])
    polls = poll(router, REPL_ID, 500, 100, 0)
    seen: list[int | None] = []
    result = await client.apply(
        STATE,
        drain=True,
        drain_poll_interval=0.001,
        on_drain_progress=lambda r: seen.append(r.remaining_bytes_to_be_synced),
    )
    assert calls(router) == [
        ("POST", "/api/v2/replications"),
        *[("GET", f"/api/v2/replications/{REPL_ID}")] * 3,
        ("DELETE", f"/api/v2/replications/{REPL_ID}"),
        ("PATCH", f"/api/v2/replications/{NEW_REPL_ID}"),
    ]
    created = json.loads(routes["create_replication"].calls.last.request.content)
    assert (created["name"], created["localBucketID"]) == (TEMP, BUCKET_ID)
    assert json.loads(routes["patch_replication"].calls.last.request.content) == {"name": "edge-to-cloud"}
    assert polls.call_count == 3 and seen == [500, 100, 0]
    [done] = result.changes
    assert (done.action, done.id) == ("recreate", NEW_REPL_ID) and f"drained {REPL_ID}" in done.reason


async def test_drained_prune_waits_then_deletes(router: respx.Router, client: ReplicationClient) -> None:
    """drain with prune: the undeclared replication is polled until drained, then deleted."""
    stray = replication_json(id="2d2d2d2d2d2d2d2d", name="stray", remainingBytesToBeSynced=7)
    serve(router, remotes=[remote_json()], replications=[replication_json(), stray])
    poll(router, "2d2d2d2d2d2d2d2d", 7, 0)
    result = await client.apply(STATE, prune=True, drain=True, drain_poll_interval=0.001)
    assert [(c.action, c.name) for c in result.changes] == [("delete", "stray")]
    assert calls(router)[-1] == ("DELETE", "/api/v2/replications/2d2d2d2d2d2d2d2d")
    assert calls(router)[:-1] == [("GET", "/api/v2/replications/2d2d2d2d2d2d2d2d")] * 2


async def test_drain_timeout_changes_nothing_further(router: respx.Router, client: ReplicationClient) -> None:
    """A queue that never drains: DrainTimeoutError with the bytes left; nothing deleted or renamed."""
    moved = replication_json(remainingBytesToBeSynced=500, **MOVED)
    other = replication_json(id="4d4d4d4d4d4d4d4d", name="other", remainingBytesToBeSynced=3)
    routes = serve(router, remotes=[remote_json()], replications=[moved, other])
    poll(router, REPL_ID, 500)
    with pytest.raises(DrainTimeoutError) as caught:
        await client.apply(STATE, prune=True, drain=True, drain_timeout=0.05, drain_poll_interval=0.01)
    error = caught.value
    assert isinstance(error, ApplyError) and isinstance(error, TimeoutError)
    assert isinstance(error.__cause__, SyncTimeoutError)
    assert (error.failed.name, error.remaining_bytes) == ("edge-to-cloud", 500)
    assert "500 bytes" in str(error) and "nothing further was changed" in str(error) and TEMP in str(error)
    assert [(c.action, c.name) for c in error.done.changes] == [("create", TEMP)]
    assert routes["delete_replication"].call_count == 0 and routes["patch_replication"].call_count == 0


async def test_an_interrupted_drain_is_finished(router: respx.Router, client: ReplicationClient) -> None:
    """The temporary replication of an earlier run (same name and target) is reused: no second create."""
    moved = replication_json(remainingBytesToBeSynced=500, **MOVED)
    temp = replication_json(id=TEMP_ID, name=TEMP)
    routes = serve(router, remotes=[remote_json()], replications=[moved, temp])
    [change] = (await client.plan(STATE, prune=True)).changes  # the temporary one is not pruned
    assert change.action == "recreate" and f"finishes an interrupted drain: the new replication {TEMP!r}" in (
        change.reason
    )
    poll(router, REPL_ID, 0)
    result = await client.apply(STATE, prune=True, drain=True, drain_poll_interval=0.001)
    assert routes["create_replication"].call_count == 0
    assert calls(router) == [
        ("GET", f"/api/v2/replications/{REPL_ID}"),
        ("DELETE", f"/api/v2/replications/{REPL_ID}"),
        ("PATCH", f"/api/v2/replications/{TEMP_ID}"),
    ]
    assert json.loads(routes["patch_replication"].calls.last.request.content) == {"name": "edge-to-cloud"}
    assert [(c.action, c.id) for c in result.changes] == [("recreate", TEMP_ID)]


async def test_only_the_rename_left(router: respx.Router, client: ReplicationClient) -> None:
    """The old replication is gone already: the plan is a rename of the temporary one (not a create)."""
    temp = replication_json(id=TEMP_ID, name=TEMP, maxQueueSizeBytes=33554430)
    routes = serve(router, remotes=[remote_json()], replications=[temp])
    [change] = (await client.plan(STATE)).changes
    assert (change.action, change.id, change.destructive) == ("update", TEMP_ID, False)
    assert change.fields == {
        "name": (TEMP, "edge-to-cloud"),
        "max_queue_size_bytes": (33554430, 67108860),
    }
    await client.apply(STATE)
    assert json.loads(routes["patch_replication"].calls.last.request.content) == {
        "name": "edge-to-cloud",
        "maxQueueSizeBytes": 67108860,
    }
    assert routes["create_replication"].call_count == 0


async def test_a_temporary_name_with_another_target_is_not_ours(
    router: respx.Router, client: ReplicationClient
) -> None:
    """Same name, other local bucket: not recognised; a drain refuses rather than colliding with it."""
    moved = replication_json(remainingBytesToBeSynced=5, **MOVED)
    impostor = replication_json(id=TEMP_ID, name=TEMP, **MOVED)
    routes = serve(router, remotes=[remote_json()], replications=[moved, impostor])
    [change] = (await client.plan(STATE)).changes
    assert "interrupted" not in change.reason
    result = await client.apply(STATE, drain=True)
    assert "its temporary name" in result.refused[0].reason and writes(routes) == 0
    [gone] = (await client.plan(DesiredState(remotes=(REMOTE,)), prune=True)).changes[:1]
    assert gone.name == "edge-to-cloud"  # and an undeclared one is pruned like any other


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"drain": True, "drain_timeout": 0}, "drain_timeout must be a number of seconds above 0"),
        ({"drain": True, "drain_timeout": -1.5}, "drain_timeout must be"),
        ({"drain": True, "drain_timeout": "30"}, "drain_timeout must be"),
        ({"drain": True, "drain_timeout": True}, "drain_timeout must be"),
        ({"drain": True, "drain_timeout": float("nan")}, "drain_timeout must be"),
        ({"drain_timeout": 30}, "drain_timeout is only used with drain=True"),
        ({"drain": True, "allow_data_loss": True}, "not both"),
        ({"drain": "yes"}, "drain must be True or False"),
        ({"allow_data_loss": 1}, "allow_data_loss must be True or False"),
        ({"drain": True, "drain_poll_interval": 0}, "drain_poll_interval"),
    ],
)
async def test_bad_drain_arguments_change_nothing(
    router: respx.Router, client: ReplicationClient, kwargs: dict[str, Any], message: str
) -> None:
    """Bad consent/drain arguments: ValueError before any request (the fleet checks them first too)."""
    serve(router, remotes=[remote_json()], replications=[replication_json(**MOVED)])
    with pytest.raises(ValueError, match=message):
        await client.apply(STATE, **kwargs)
    kwargs.pop("drain_poll_interval", None)
    if kwargs != {"drain": True}:
        with pytest.raises(ValueError, match=message):
            await fleet_apply([Host("http://127.0.0.1:9", org_id=REMOTE_ID)], STATE, **kwargs)
    assert not router.calls


def test_apply_result_is_a_compatible_plan() -> None:
    """ApplyResult: equal to the Plan of its changes when nothing was refused; pickles; str and dict."""
    change = Change("create", "remote", "cloud")
    refused = Change("delete", "replication", "r", id=REPL_ID, destructive=True, remaining_bytes=3)
    assert ApplyResult((change,)) == Plan((change,)) == ApplyResult((change,))
    assert ApplyResult((change,), (refused,)) != Plan((change,))
    assert pickle.loads(pickle.dumps(ApplyResult((change,), (refused,)))).refused == (refused,)
    assert str(ApplyResult((change,))) == str(Plan((change,)))
    assert ApplyResult().to_dict() == {**Plan().to_dict(), "refused": []}
    assert ApplyResult().ok and not ApplyResult((), (refused,)).ok


# ---------------------------------------------------------------------------------------------- cascade


def cascade_routes(router: respx.Router, *replications: dict[str, Any]) -> dict[str, respx.Route]:
    return {
        "get": router.get(f"/api/v2/remotes/{REMOTE_ID}").respond(200, json=remote_json()),
        "list": router.get("/api/v2/replications").respond(200, json={"replications": list(replications)}),
        "delete": router.delete(path__regex=r"/api/v2/replications/\w+").respond(204),
        "remote": router.delete(f"/api/v2/remotes/{REMOTE_ID}").respond(204),
    }


async def test_cascade_refuses_to_lose_data(router: respx.Router, client: ReplicationClient) -> None:
    """cascade=True with unsent bytes: DataLossError naming each replication and its bytes; no delete."""
    full = replication_json(remainingBytesToBeSynced=4096, currentQueueSizeBytes=4104)
    unknown = replication_json(id="2d2d2d2d2d2d2d2d", name="quiet")
    del unknown["remainingBytesToBeSynced"]
    empty = replication_json(id="4d4d4d4d4d4d4d4d", name="empty")
    routes = cascade_routes(router, full, unknown, empty)
    with pytest.raises(DataLossError) as caught:
        await client.remotes.delete(REMOTE_ID, cascade=True)
    text = str(caught.value)
    assert "'edge-to-cloud' (0d0d0d0d0d0d0d0d): 4096 bytes (4.0 KiB) unsent" in text
    assert "'quiet' (2d2d2d2d2d2d2d2d): unknown unsent" in text and "'empty'" not in text
    assert [r.name for r in caught.value.replications] == ["edge-to-cloud", "quiet"]
    assert routes["delete"].call_count == 0 and routes["remote"].call_count == 0

    await client.remotes.delete(REMOTE_ID, cascade=True, allow_data_loss=True)
    assert routes["delete"].call_count == 3 and routes["remote"].call_count == 1


async def test_cascade_drain(router: respx.Router, client: ReplicationClient) -> None:
    """drain=True: every queue is polled until drained, then they are deleted, then the remote."""
    routes = cascade_routes(router, replication_json(remainingBytesToBeSynced=10))
    poll(router, REPL_ID, 10, 0)
    await client.remotes.delete(REMOTE_ID, cascade=True, drain=True, drain_poll_interval=0.001)
    assert calls(router)[-4:] == [
        ("GET", f"/api/v2/replications/{REPL_ID}"),
        ("GET", f"/api/v2/replications/{REPL_ID}"),
        ("DELETE", f"/api/v2/replications/{REPL_ID}"),
        ("DELETE", f"/api/v2/remotes/{REMOTE_ID}"),
    ]
    assert routes["remote"].call_count == 1


async def test_cascade_drain_timeout_deletes_nothing(router: respx.Router, client: ReplicationClient) -> None:
    """A queue that does not drain: SyncTimeoutError saying nothing was deleted; no DELETE sent."""
    routes = cascade_routes(
        router,
        replication_json(id="4d4d4d4d4d4d4d4d", name="empty"),
        replication_json(remainingBytesToBeSynced=10),
    )
    poll(router, "4d4d4d4d4d4d4d4d", 0)
    poll(router, REPL_ID, 10)
    with pytest.raises(SyncTimeoutError, match="not deleted"):
        await client.remotes.delete(
            REMOTE_ID, cascade=True, drain=True, drain_timeout=0.05, drain_poll_interval=0.01
        )
    assert routes["delete"].call_count == 0 and routes["remote"].call_count == 0


async def test_cascade_arguments_are_checked_first(router: respx.Router, client: ReplicationClient) -> None:
    """Consent or drain without cascade, or a bad drain timeout: ValueError, no request."""
    with pytest.raises(ValueError, match="cascade=True only"):
        await client.remotes.delete(REMOTE_ID, allow_data_loss=True)
    with pytest.raises(ValueError, match="drain_timeout"):
        await client.remotes.delete(REMOTE_ID, cascade=True, drain=True, drain_timeout=-1)
    assert not router.calls


async def test_a_queue_that_does_not_report_cannot_be_drained(
    router: respx.Router, client: ReplicationClient
) -> None:
    """drain=True and no remainingBytesToBeSynced: apply refuses (saying why), the cascade raises."""
    moved = replication_json(**MOVED)
    del moved["remainingBytesToBeSynced"]
    routes = serve(router, remotes=[remote_json()], replications=[moved])
    result = await client.apply(STATE, drain=True)
    assert "cannot drain: the server does not report remainingBytesToBeSynced" in result.refused[0].reason
    assert writes(routes) == 0
    router.routes.clear()
    cascade = cascade_routes(router, moved)
    with pytest.raises(DataLossError, match="does not report their unsent bytes"):
        await client.remotes.delete(REMOTE_ID, cascade=True, drain=True)
    assert cascade["delete"].call_count == 0
