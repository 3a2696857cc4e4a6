"""client.remotes.rotate_token: the requests in order, each outcome, and tokens kept out of everything."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import httpx
import pytest
import respx

from influxdb_replications import (
    APIStatusError,
    NotFoundError,
    ReplicationClient,
    RotationError,
    RotationOutcome,
    RotationResult,
    ServerError,
)
from influxdb_replications.resources.failures import REMOTE_TOKEN

from .conftest import REMOTE_ID, MakeClient, error_json, remote_json, replication_json

NEW = "new-token-SECRET-4d2f9a"
OLD = "old-token-SECRET-81c3e0"
FIRST = "1111111111111111"
SECOND = "2222222222222222"
REFUSED = (
    "replication failed validation: invalid response code 401, must be 204: "
    "401 Unauthorized: unauthorized access"
)


def replications(*names_and_ids: tuple[str, str]) -> httpx.Response:
    """The list answer of the remote's replications."""
    items = [replication_json(id=ident, name=name) for name, ident in names_and_ids]
    return httpx.Response(200, json={"replications": items})


@pytest.fixture
def routes(router: respx.Router) -> dict[str, respx.Route]:
    """The remote found by name, two replications (listed out of name order), PATCH and validate routes."""
    return {
        "find": router.get("/api/v2/remotes").respond(200, json={"remotes": [remote_json()]}),
        "list": router.get("/api/v2/replications").mock(
            return_value=replications(("b", SECOND), ("a", FIRST))
        ),
        "patch": router.patch(f"/api/v2/remotes/{REMOTE_ID}").respond(200, json=remote_json()),
        "first": router.post(f"/api/v2/replications/{FIRST}/validate").respond(204),
        "second": router.post(f"/api/v2/replications/{SECOND}/validate").respond(204),
    }


def tokens_sent(route: respx.Route) -> list[Any]:
    """The bodies of every PATCH, in order."""
    return [json.loads(call.request.content) for call in route.calls]


def no_token_in(*texts: str) -> None:
    for text in texts:
        assert NEW not in text and OLD not in text


async def test_rotated_sets_the_token_then_validates_in_name_order(
    client: ReplicationClient, routes: dict[str, respx.Route]
) -> None:
    """One PATCH with only the token, then every replication validated, in name order: rotated."""
    result = await client.remotes.rotate_token("cloud", NEW, previous_token=OLD)
    assert tokens_sent(routes["patch"]) == [{"remoteAPIToken": NEW}]
    assert routes["list"].calls.last.request.url.params["remoteID"] == REMOTE_ID
    assert routes["first"].call_count == routes["second"].call_count == 1
    assert routes["first"].calls.last.request.url != routes["second"].calls.last.request.url
    assert result == RotationResult(RotationOutcome.ROTATED, REMOTE_ID, "cloud", ("a", "b"), ("a", "b"))
    assert result.ok
    assert str(result) == f"remote 'cloud' ({REMOTE_ID}): rotated, 2 of 2 replications validated"


async def test_refused_with_previous_token_puts_it_back(
    client: ReplicationClient, routes: dict[str, respx.Route]
) -> None:
    """The first refusal stops the validations and a second PATCH sends the previous token: rolled back."""
    routes["first"].mock(return_value=error_json(400, "invalid", REFUSED))
    result = await client.remotes.rotate_token("cloud", NEW, previous_token=OLD)
    assert tokens_sent(routes["patch"]) == [{"remoteAPIToken": NEW}, {"remoteAPIToken": OLD}]
    assert routes["second"].call_count == 0
    assert result.outcome is RotationOutcome.ROLLED_BACK and not result.ok
    assert (result.failed, result.validated, result.hint) == ("a", (), REMOTE_TOKEN.hint)
    assert result.reason == (
        f"replication 'a' ({FIRST}) failed validation with the new token: {REFUSED}; "
        "the previous token was put back"
    )
    assert str(result).endswith(f"put back. Hint: {REMOTE_TOKEN.hint}")


async def test_refused_without_previous_token_is_failing(
    client: ReplicationClient, routes: dict[str, respx.Route]
) -> None:
    """Without a previous token nothing is put back: failing, with the refused token's hint."""
    routes["second"].mock(return_value=error_json(400, "invalid", REFUSED))
    result = await client.remotes.rotate_token("cloud", NEW)
    assert tokens_sent(routes["patch"]) == [{"remoteAPIToken": NEW}]
    assert result.outcome is RotationOutcome.FAILING
    assert (result.validated, result.failed, result.hint) == (("a",), "b", REMOTE_TOKEN.hint)
    assert result.reason is not None and result.reason.endswith("(no previous token to put back)")


async def test_no_replication_is_not_verifiable(
    client: ReplicationClient, routes: dict[str, respx.Route]
) -> None:
    """A remote no replication uses gets the token and the outcome not verifiable (ok: nothing failed)."""
    routes["list"].mock(return_value=httpx.Response(200, json={"replications": None}))
    result = await client.remotes.rotate_token("cloud", NEW)
    assert routes["patch"].call_count == 1
    assert result.outcome is RotationOutcome.NOT_VERIFIABLE and result.ok
    assert result.to_dict() == {
        "outcome": "not verifiable",
        "remote_id": REMOTE_ID,
        "remote_name": "cloud",
        "replications": [],
        "validated": [],
        "failed": None,
        "reason": "no replication uses remote 'cloud': the new token is set, but nothing could check it "
        "(remotes have no validation endpoint)",
        "hint": None,
    }


async def test_a_replication_deleted_meanwhile_is_left_out(
    client: ReplicationClient, routes: dict[str, respx.Route]
) -> None:
    """A 404 from one validation skips that replication; when all are gone it is not verifiable."""
    routes["first"].mock(return_value=error_json(404, "not found", "replication not found"))
    assert (await client.remotes.rotate_token("cloud", NEW)).validated == ("b",)
    routes["second"].mock(return_value=error_json(404, "not found", "replication not found"))
    assert (await client.remotes.rotate_token("cloud", NEW)).outcome is RotationOutcome.NOT_VERIFIABLE


async def test_a_failed_rollback_raises_rotation_error(
    client: ReplicationClient, routes: dict[str, respx.Route]
) -> None:
    """When putting the previous token back fails, RotationError says the new one is set; cause chained."""
    routes["first"].mock(return_value=error_json(400, "invalid", REFUSED))
    routes["patch"].mock(
        side_effect=[httpx.Response(200, json=remote_json()), error_json(500, "internal error", "disk full")]
    )
    with pytest.raises(RotationError) as caught:
        await client.remotes.rotate_token("cloud", NEW, previous_token=OLD)
    assert caught.value.token_set and caught.value.remote_id == REMOTE_ID
    assert isinstance(caught.value.__cause__, ServerError)
    assert "putting the previous token back failed too" in str(caught.value)


async def test_by_id_needs_no_org(make_client: MakeClient, router: respx.Router) -> None:
    """A remote ID is fetched directly and its replications listed in its own org: no org configured."""
    client = make_client(org_id=None)
    get = router.get(f"/api/v2/remotes/{REMOTE_ID}").respond(200, json=remote_json())
    listed = router.get("/api/v2/replications").mock(return_value=replications(("a", FIRST)))
    router.patch(f"/api/v2/remotes/{REMOTE_ID}").respond(200, json=remote_json())
    router.post(f"/api/v2/replications/{FIRST}/validate").respond(204)
    result = await client.remotes.rotate_token(REMOTE_ID.upper(), NEW)
    assert get.called and listed.calls.last.request.url.params["orgID"] == remote_json()["orgID"]
    assert result.outcome is RotationOutcome.ROTATED


async def test_an_unknown_name_changes_nothing(client: ReplicationClient, router: respx.Router) -> None:
    """No remote of that name: NotFoundError naming it, and no PATCH was sent."""
    router.get("/api/v2/remotes").respond(200, json={"remotes": None})
    patch = router.patch(f"/api/v2/remotes/{REMOTE_ID}").respond(200, json=remote_json())
    with pytest.raises(NotFoundError, match="remote connection 'nope' not found"):
        await client.remotes.rotate_token("nope", NEW)
    assert not patch.called


@pytest.mark.parametrize(
    ("new", "previous", "message"),
    [
        ("", None, "new_token must not be empty"),
        (None, None, "new_token must be a string, got NoneType"),
        ("with space", None, "new_token must not contain whitespace"),
        ("line\n", None, "new_token must not contain whitespace"),
        ("bell\x07", None, "new_token must not contain whitespace or control characters"),
        (NEW, "", "previous_token must not be empty"),
        (NEW, b"bytes", "previous_token must be a string, got bytes"),
        (NEW, NEW, "are the same token"),
    ],
)
async def test_bad_tokens_are_refused_before_any_request(
    client: ReplicationClient, router: respx.Router, new: Any, previous: Any, message: str
) -> None:
    """A token that is not a non-empty string without whitespace is a ValueError that never shows it."""
    with pytest.raises(ValueError, match=message) as caught:
        await client.remotes.rotate_token("cloud", new, previous_token=previous)
    assert not router.calls
    assert "with space" not in str(caught.value) and NEW not in str(caught.value)


async def test_tokens_never_appear_in_results_errors_or_logs(
    client: ReplicationClient, routes: dict[str, respx.Route], caplog: pytest.LogCaptureFixture
) -> None:
    """A remote that echoes the token: the reason is scrubbed; repr, str, to_dict and the log have none."""
    echoed = f"{REFUSED}: bad token {NEW}"
    routes["first"].mock(return_value=error_json(400, "invalid", echoed))
    caplog.set_level(logging.DEBUG, logger="influxdb_replications")
    result = await client.remotes.rotate_token("cloud", NEW, previous_token=OLD)
    assert result.reason is not None and "bad token ***" in result.reason
    no_token_in(repr(result), str(result), json.dumps(result.to_dict()), caplog.text)

    routes["first"].mock(return_value=error_json(503, "unavailable", f"proxy saw {OLD}"))
    with pytest.raises(RotationError) as caught:
        await client.remotes.rotate_token("cloud", OLD, previous_token=None)
    no_token_in(str(caught.value), repr(caught.value), caplog.text)


async def test_a_refused_patch_that_quotes_the_token_raises_without_it(
    client: ReplicationClient, routes: dict[str, respx.Route]
) -> None:
    """The PATCH that sets the token is refused with the token quoted back (a proxy echoing the body): the
    APIStatusError raised keeps its class and status, with the token masked in its message and body."""
    routes["patch"].mock(return_value=error_json(400, "invalid", f'bad body {{"remoteAPIToken":"{NEW}"}}'))
    with pytest.raises(APIStatusError) as caught:
        await client.remotes.rotate_token("cloud", NEW, previous_token=OLD)
    error = caught.value
    assert error.status_code == 400 and "***" in error.message
    no_token_in(str(error), repr(error), error.message, (error.body or b"").decode())
    assert error.__cause__ is None and error.__suppress_context__


async def test_a_rotation_cancelled_while_validating_puts_the_previous_token_back(
    client: ReplicationClient, routes: dict[str, respx.Route]
) -> None:
    """Cancelled (Ctrl-C) while a validation is in flight: the previous token is PATCHed back before the
    cancellation propagates, since the new one is unproven; without a previous token nothing more is sent."""
    started = asyncio.Event()

    async def hang(request: httpx.Request) -> httpx.Response:
        started.set()
        await asyncio.sleep(3600)
        raise AssertionError("not reached")  # pragma: no cover

    routes["first"].mock(side_effect=hang)
    for previous, sent in ((OLD, [NEW, OLD]), (None, [NEW])):
        before = len(routes["patch"].calls)
        started.clear()
        task = asyncio.create_task(client.remotes.rotate_token("cloud", NEW, previous_token=previous))
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert [body["remoteAPIToken"] for body in tokens_sent(routes["patch"])[before:]] == sent
