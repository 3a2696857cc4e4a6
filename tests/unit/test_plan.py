"""client.plan / client.apply against respx: what is compared, the order, tokens, and the rendering."""

from __future__ import annotations

import json
import logging
import pickle
from typing import Any

import httpx
import pytest
import respx

from influxdb_replications import BadRequestError, NotFoundError, ReplicationClient
from influxdb_replications.operations.apply import ApplyError
from influxdb_replications.operations.desired import (
    Change,
    DesiredRemote,
    DesiredReplication,
    DesiredState,
    Plan,
)

from .conftest import (
    BUCKET_ID,
    REMOTE_BUCKET_ID,
    REMOTE_ID,
    REMOTE_ORG_ID,
    REPL_ID,
    error_json,
    remote_json,
    replication_json,
)

SECRET = "remote-SECRET-token-42"
ENV = "UNIT_PLAN_REMOTE_TOKEN"
OTHER_BUCKET_ID = "1e1e1e1e1e1e1e1e"
NEW_REMOTE_ID = "1b1b1b1b1b1b1b1b"
NEW_REPL_ID = "1d1d1d1d1d1d1d1d"

REMOTE = DesiredRemote(
    name="cloud", url="https://cloud.example:8086", remote_org_id=REMOTE_ORG_ID, token_env=ENV
)
REPLICATION = DesiredReplication(
    name="edge-to-cloud", remote="cloud", local_bucket="local", remote_bucket_id=REMOTE_BUCKET_ID
)
STATE = DesiredState(remotes=(REMOTE,), replications=(REPLICATION,))


def serve(
    router: respx.Router,
    *,
    remotes: list[dict[str, Any]] | None = None,
    replications: list[dict[str, Any]] | None = None,
    buckets: dict[str, str] | None = None,
) -> dict[str, respx.Route]:
    """Answer the reads with this state, and every write with a plausible success; return the routes."""
    bucket_ids = {"local": BUCKET_ID, "other": OTHER_BUCKET_ID} if buckets is None else buckets

    def bucket_lookup(request: httpx.Request) -> httpx.Response:
        name = request.url.params["name"]
        found = [{"id": bucket_ids[name], "name": name}] if name in bucket_ids else []
        return httpx.Response(200, json={"buckets": found})

    def created_remote(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        return httpx.Response(
            201, json=remote_json(id=NEW_REMOTE_ID, name=body["name"], remoteURL=body["remoteURL"])
        )

    def created_replication(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        return httpx.Response(201, json=replication_json(id=NEW_REPL_ID, name=body["name"]))

    return {
        "remotes": router.get("/api/v2/remotes").respond(200, json={"remotes": remotes}),
        "replications": router.get("/api/v2/replications").respond(200, json={"replications": replications}),
        "buckets": router.get("/api/v2/buckets").mock(side_effect=bucket_lookup),
        "create_remote": router.post("/api/v2/remotes").mock(side_effect=created_remote),
        "create_replication": router.post("/api/v2/replications").mock(side_effect=created_replication),
        "patch_remote": router.patch(path__regex=r"/api/v2/remotes/\w+").respond(200, json=remote_json()),
        "patch_replication": router.patch(path__regex=r"/api/v2/replications/\w+").respond(
            200, json=replication_json()
        ),
        "delete_remote": router.delete(path__regex=r"/api/v2/remotes/\w+").respond(204),
        "delete_replication": router.delete(path__regex=r"/api/v2/replications/\w+").respond(204),
    }


def writes(routes: dict[str, respx.Route]) -> int:
    """How many non-GET requests were sent."""
    return sum(
        route.call_count
        for key, route in routes.items()
        if key.split("_")[0] in ("create", "patch", "delete")
    )


# ---------------------------------------------------------------------------------------------- planning


async def test_matching_state_plans_nothing(router: respx.Router, client: ReplicationClient) -> None:
    """A server that already matches gives an empty plan, and apply sends no write."""
    routes = serve(router, remotes=[remote_json()], replications=[replication_json()])
    assert (await client.plan(STATE)).is_empty
    assert (await client.apply(STATE)).is_empty
    assert writes(routes) == 0


async def test_empty_server_plans_creates_in_order(router: respx.Router, client: ReplicationClient) -> None:
    """From nothing: the remote is created before the replication, with every declared field shown."""
    serve(router)
    plan = await client.plan(STATE)
    assert [(c.action, c.kind, c.name, c.id) for c in plan.changes] == [
        ("create", "remote", "cloud", None),
        ("create", "replication", "edge-to-cloud", None),
    ]
    assert plan.changes[0].fields == {
        "url": (None, "https://cloud.example:8086"),
        "remote_org_id": (None, REMOTE_ORG_ID),
        "allow_insecure_tls": (None, False),
    }
    assert plan.changes[1].fields["remote"] == (None, "cloud")
    assert plan.changes[1].fields["local_bucket"] == (None, "local")


async def test_unmanaged_fields_are_not_compared(router: respx.Router, client: ReplicationClient) -> None:
    """None (description, remote_org_id) is "not managed", and an unreported max age is not a drift."""
    serve(
        router,
        remotes=[remote_json(description="set by hand", remoteOrgID="0909090909090909")],
        replications=[replication_json(description="set by hand", maxAgeSeconds=None)],
    )
    state = DesiredState(
        remotes=(REMOTE.__class__(name="cloud", url=REMOTE.url),), replications=(REPLICATION,)
    )
    assert (await client.plan(state)).is_empty


@pytest.mark.parametrize(
    ("remote_override", "replication_override", "kind", "fields"),
    [
        ({"remoteURL": "https://old.example"}, {}, "remote", {"url": ("https://old.example", REMOTE.url)}),
        ({"remoteOrgID": None}, {}, "remote", {"remote_org_id": (None, REMOTE_ORG_ID)}),
        ({"allowInsecureTLS": True}, {}, "remote", {"allow_insecure_tls": (True, False)}),
        ({}, {"maxQueueSizeBytes": 33554430}, "replication", {"max_queue_size_bytes": (33554430, 67108860)}),
        ({}, {"maxAgeSeconds": 0}, "replication", {"max_age_seconds": (0, 604800)}),
        ({}, {"dropNonRetryableData": True}, "replication", {"drop_non_retryable_data": (True, False)}),
        (
            {},
            {"remoteBucketID": "2f2f2f2f2f2f2f2f"},
            "replication",
            {"remote_bucket_id": ("2f2f2f2f2f2f2f2f", REMOTE_BUCKET_ID)},
        ),
    ],
)
async def test_one_drifted_field_is_one_update(
    router: respx.Router,
    client: ReplicationClient,
    remote_override: dict[str, Any],
    replication_override: dict[str, Any],
    kind: str,
    fields: dict[str, tuple[Any, Any]],
) -> None:
    """Each drifted field gives one update of that object with exactly that field, and is what is sent."""
    routes = serve(
        router,
        remotes=[remote_json(**remote_override)],
        replications=[replication_json(**replication_override)],
    )
    [change] = (await client.plan(STATE)).changes
    assert (change.action, change.kind, change.id) == (
        "update",
        kind,
        REMOTE_ID if kind == "remote" else REPL_ID,
    )
    assert change.fields == fields

    done = await client.apply(STATE)
    assert done.changes == (change,)
    sent = json.loads(routes[f"patch_{kind}"].calls.last.request.content)
    assert len(sent) == 1 or set(sent) == {"remoteBucketID", "remoteBucketName"}
    assert writes(routes) == 1


async def test_name_target_wins_over_a_stored_id(router: respx.Router, client: ReplicationClient) -> None:
    """A stored non-empty bucket name is the target (reference 3.6): wanting the ID blanks the name."""
    routes = serve(
        router,
        remotes=[remote_json()],
        replications=[replication_json(remoteBucketID=REMOTE_BUCKET_ID, RemoteBucketName="archive")],
    )
    [change] = (await client.plan(STATE)).changes
    assert change.fields == {"remote_bucket": ("archive", None), "remote_bucket_id": (None, REMOTE_BUCKET_ID)}
    await client.apply(STATE)
    sent = json.loads(routes["patch_replication"].calls.last.request.content)
    assert sent == {"remoteBucketID": REMOTE_BUCKET_ID, "remoteBucketName": ""}

    by_name = DesiredState(
        remotes=(REMOTE,),
        replications=(
            DesiredReplication(
                name="edge-to-cloud", remote="cloud", local_bucket="local", remote_bucket="archive"
            ),
        ),
    )
    assert (await client.plan(by_name)).is_empty


async def test_local_bucket_change_is_a_recreate(router: respx.Router, client: ReplicationClient) -> None:
    """Another local bucket: recreate (delete then create), with the reason saying unsent data is lost."""
    routes = serve(
        router, remotes=[remote_json()], replications=[replication_json(localBucketID=OTHER_BUCKET_ID)]
    )
    [change] = (await client.plan(STATE)).changes
    assert (change.action, change.id) == ("recreate", REPL_ID)
    assert change.fields == {"local_bucket": (OTHER_BUCKET_ID, "local")}
    assert "unsent data is lost" in change.reason

    [done] = (await client.apply(STATE)).changes
    assert (done.action, done.id) == ("recreate", NEW_REPL_ID)
    assert routes["delete_replication"].call_count == 1
    assert routes["delete_replication"].calls.last.request.url.path.endswith(REPL_ID)
    body = json.loads(routes["create_replication"].calls.last.request.content)
    assert (body["localBucketID"], body["remoteID"], body["remoteBucketID"]) == (
        BUCKET_ID,
        REMOTE_ID,
        REMOTE_BUCKET_ID,
    )


async def test_a_declared_bucket_name_shows_instead_of_its_id(
    router: respx.Router, client: ReplicationClient
) -> None:
    """When the old local bucket is declared elsewhere in the state, the diff shows its name."""
    serve(router, remotes=[remote_json()], replications=[replication_json(localBucketID=OTHER_BUCKET_ID)])
    other = DesiredReplication(name="other-rep", remote="cloud", local_bucket="other", remote_bucket="x")
    state = DesiredState(remotes=(REMOTE,), replications=(REPLICATION, other))
    change = (await client.plan(state)).changes[0]
    assert change.fields == {"local_bucket": ("other", "local")}


async def test_missing_local_bucket_is_named(router: respx.Router, client: ReplicationClient) -> None:
    """A declared local bucket that does not exist: NotFoundError naming it and the replication."""
    routes = serve(router, buckets={})
    with pytest.raises(NotFoundError, match=r"local bucket 'local' of replication 'edge-to-cloud'"):
        await client.apply(STATE)
    assert writes(routes) == 0


async def test_local_bucket_given_as_id_is_not_looked_up(
    router: respx.Router, client: ReplicationClient
) -> None:
    """A 16-hex-digit local_bucket is an ID: no bucket request."""
    routes = serve(router, remotes=[remote_json()], replications=[replication_json()])
    state = DesiredState(
        remotes=(REMOTE,),
        replications=(
            REPLICATION.__class__(
                name="edge-to-cloud",
                remote="cloud",
                local_bucket=BUCKET_ID.upper(),
                remote_bucket_id=REMOTE_BUCKET_ID,
            ),
        ),
    )
    assert (await client.plan(state)).is_empty
    assert routes["buckets"].call_count == 0


async def test_prune_deletes_replications_then_remotes(
    router: respx.Router, client: ReplicationClient
) -> None:
    """Undeclared objects are left alone without prune; with prune replications go before remotes."""
    stray_remote = remote_json(id="2b2b2b2b2b2b2b2b", name="stray")
    stray_rep = replication_json(id="2d2d2d2d2d2d2d2d", name="stray-rep", remoteID="2b2b2b2b2b2b2b2b")
    routes = serve(
        router, remotes=[stray_remote, remote_json()], replications=[stray_rep, replication_json()]
    )
    assert (await client.apply(STATE)).is_empty
    assert writes(routes) == 0

    done = await client.apply(STATE, prune=True)
    assert [(c.action, c.kind, c.id) for c in done.changes] == [
        ("delete", "replication", "2d2d2d2d2d2d2d2d"),
        ("delete", "remote", "2b2b2b2b2b2b2b2b"),
    ]
    assert routes["delete_replication"].call_count == 1 and routes["delete_remote"].call_count == 1


async def test_plan_rejects_what_is_not_a_desired_state(
    router: respx.Router, client: ReplicationClient
) -> None:
    """plan(desired) must be given a DesiredState."""
    serve(router)
    with pytest.raises(ValueError, match="DesiredState"):
        await client.plan({"remotes": []})  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------- tokens


async def test_missing_env_var_is_named_and_nothing_changes(
    router: respx.Router, client: ReplicationClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No token in the remote's variable: ValueError naming the variable, before any write."""
    monkeypatch.delenv(ENV, raising=False)
    routes = serve(router)
    with pytest.raises(ValueError, match=ENV):
        await client.apply(STATE)
    assert writes(routes) == 0


async def test_no_token_env_and_no_secrets(router: respx.Router, client: ReplicationClient) -> None:
    """A remote to create without token_env or secrets callback: ValueError naming the remote."""
    routes = serve(router)
    state = DesiredState(remotes=(DesiredRemote(name="cloud", url=REMOTE.url),))
    with pytest.raises(ValueError, match=r"remote 'cloud'.*no token_env"):
        await client.apply(state)
    assert writes(routes) == 0


async def test_env_token_is_sent_only_when_creating(
    router: respx.Router, client: ReplicationClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The token comes from the variable and is sent in the create; an existing remote needs none."""
    monkeypatch.setenv(ENV, SECRET)
    routes = serve(router)
    await client.apply(STATE)
    assert json.loads(routes["create_remote"].calls.last.request.content)["remoteAPIToken"] == SECRET

    monkeypatch.delenv(ENV)
    serve(router, remotes=[remote_json(allowInsecureTLS=True)], replications=[replication_json()])
    assert len(await client.apply(STATE)) == 1  # an update needs no token


@pytest.mark.parametrize("is_async", [False, True])
async def test_secrets_callback_sync_and_async(
    router: respx.Router, client: ReplicationClient, caplog: pytest.LogCaptureFixture, is_async: bool
) -> None:
    """A sync or async secrets callback supplies the token; it shows in no str, repr, dict or log line."""
    asked: list[DesiredRemote] = []

    def sync_secrets(remote: DesiredRemote) -> str:
        asked.append(remote)
        return SECRET

    async def async_secrets(remote: DesiredRemote) -> str:
        return sync_secrets(remote)

    routes = serve(router)
    caplog.set_level(logging.DEBUG)
    done = await client.apply(STATE, secrets=async_secrets if is_async else sync_secrets)
    assert asked == [REMOTE]
    assert json.loads(routes["create_remote"].calls.last.request.content)["remoteAPIToken"] == SECRET
    assert done.changes[0].id == NEW_REMOTE_ID
    for text in (str(done), repr(done), json.dumps(done.to_dict()), caplog.text, repr(STATE)):
        assert SECRET not in text
    assert "apply:" in caplog.text


async def test_every_token_is_read_before_the_first_change(
    router: respx.Router, client: ReplicationClient
) -> None:
    """When the second remote's token is missing, the first remote is not created either."""
    routes = serve(router)
    second = DesiredRemote(name="backup", url="https://backup.example")
    state = DesiredState(remotes=(REMOTE, second))

    def secrets(remote: DesiredRemote) -> str:
        return SECRET if remote.name == "cloud" else ""

    with pytest.raises(ValueError, match="remote 'backup'") as caught:
        await client.apply(state, secrets=secrets)
    assert SECRET not in str(caught.value)
    assert writes(routes) == 0


async def test_apply_error_carries_done_and_masks_the_token(
    router: respx.Router, client: ReplicationClient
) -> None:
    """A failing replication create: ApplyError with the remote create done, the cause, and no token."""
    routes = serve(router)
    routes["create_replication"].mock(
        side_effect=lambda _request: error_json(400, "invalid", f"echoing {SECRET} back")
    )
    with pytest.raises(ApplyError) as caught:
        await client.apply(STATE, secrets=lambda _remote: SECRET)
    error = caught.value
    assert [(c.action, c.kind, c.id) for c in error.done.changes] == [("create", "remote", NEW_REMOTE_ID)]
    assert (error.failed.action, error.failed.kind, error.failed.name) == (
        "create",
        "replication",
        "edge-to-cloud",
    )
    assert isinstance(error.__cause__, BadRequestError)
    assert "create of replication 'edge-to-cloud' failed" in str(error)
    assert SECRET not in str(error) and SECRET not in repr(error)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.done, copy.failed) == (error.done, error.failed)


# ---------------------------------------------------------------------------------------------- rendering

PLAN = Plan(
    (
        Change(
            "create",
            "remote",
            "cloud",
            fields={"url": (None, "https://c.example"), "allow_insecure_tls": (None, False)},
        ),
        Change(
            "update", "replication", "edge", id=REPL_ID, fields={"max_queue_size_bytes": (33554430, 67108860)}
        ),
        Change(
            "recreate",
            "replication",
            "moved",
            id=NEW_REPL_ID,
            fields={"local_bucket": ("a", "b")},
            reason="why",
        ),
        Change("delete", "remote", "old", id=REMOTE_ID, reason="not declared (prune)"),
        Change("update", "remote", "desc", id=NEW_REMOTE_ID, fields={"description": (None, "new")}),
    )
)


def test_plan_renders_as_a_diff() -> None:
    """str(plan): a marked header per change, its fields as old -> new, and a summary line."""
    assert str(PLAN).splitlines() == [
        '  + remote "cloud"',
        '      url: "https://c.example"',
        "      allow_insecure_tls: false",
        f'  ~ replication "edge" ({REPL_ID})',
        "      max_queue_size_bytes: 33554430 -> 67108860",
        f'-/+ replication "moved" ({NEW_REPL_ID})',
        "      # why",
        '      local_bucket: "a" -> "b"',
        f'  - remote "old" ({REMOTE_ID})',
        "      # not declared (prune)",
        f'  ~ remote "desc" ({NEW_REMOTE_ID})',
        '      description: (unset) -> "new"',
        "",
        "1 to create, 2 to update, 1 to recreate, 1 to delete",
    ]
    assert PLAN.summary == "1 to create, 2 to update, 1 to recreate, 1 to delete"
    assert PLAN.counts == {"create": 1, "update": 2, "recreate": 1, "delete": 1}


def test_empty_plan_says_so() -> None:
    """An empty plan prints one clear line and a dict with no changes."""
    assert str(Plan()) == "No changes: the server already matches the desired state."
    assert Plan().to_dict() == {
        "changes": [],
        "summary": {"create": 0, "update": 0, "recreate": 0, "delete": 0},
    }


def test_to_dict_is_json_ready() -> None:
    """to_dict survives json.dumps and keeps every field as {"old", "new"}."""
    data = json.loads(json.dumps(PLAN.to_dict()))
    assert data["summary"]["update"] == 2
    assert data["changes"][0] == {
        "action": "create",
        "kind": "remote",
        "name": "cloud",
        "id": None,
        "reason": "",
        "fields": {
            "url": {"old": None, "new": "https://c.example"},
            "allow_insecure_tls": {"old": None, "new": False},
        },
    }
    assert data["changes"][3]["fields"] == {}


def test_names_are_quoted_safely() -> None:
    """A name with quotes or spaces is quoted as JSON, so a header stays on one unambiguous line."""
    change = Change("delete", "replication", 'a "b"\nc', id=REPL_ID)
    assert change.header == f'  - replication "a \\"b\\"\\nc" ({REPL_ID})'
