"""Request fields come from the spec's metadata: constraints, defaults, checks, the one resource pattern."""

from __future__ import annotations

import inspect
import json
import typing
from typing import Any

import pytest
import respx

from influxdb_replications import ReplicationClient
from influxdb_replications.core.fields import FieldSpec, check_extras, check_value, request_fields
from influxdb_replications.operations.replications import Replications as ReplicationsWithHealth
from influxdb_replications.resources.replications import Replications
from influxdb_replications_api.models.remote_connection_creation_request import (
    RemoteConnectionCreationRequest,
)
from influxdb_replications_api.models.remote_connection_update_request import RemoteConnectionUpdateRequest
from influxdb_replications_api.models.replication_creation_request import ReplicationCreationRequest
from influxdb_replications_api.models.replication_update_request import ReplicationUpdateRequest

from .conftest import BUCKET_ID, ORG_ID, REMOTE_BUCKET_ID, REMOTE_ID, REPL_ID, remote_json, replication_json

REQUESTS = (
    RemoteConnectionCreationRequest,
    RemoteConnectionUpdateRequest,
    ReplicationCreationRequest,
    ReplicationUpdateRequest,
)


def _spec(model: type[Any], key: str) -> FieldSpec:
    specs: tuple[FieldSpec, ...] = model.FIELDS
    return next(spec for spec in specs if spec.key == key)


@pytest.mark.parametrize("model", REQUESTS, ids=lambda cls: cls.__name__)
def test_wrapper_keywords_are_only_those_with_behaviour(model: type[Any]) -> None:
    """x-wrapper-keywords names the name, the org, the look-ups, the bucket switch and the token only."""
    wrapper = {spec.key for spec in model.FIELDS if spec.wrapper}
    allowed = {
        "name",
        "orgID",
        "remoteID",
        "localBucketID",
        "remoteBucketName",
        "remoteBucketID",
        "remoteAPIToken",
    }
    assert wrapper <= allowed
    assert "description" not in wrapper


@pytest.mark.parametrize("model", REQUESTS, ids=lambda cls: cls.__name__)
def test_server_limits_are_schema_constraints(model: type[Any]) -> None:
    """The overlay's constraints (reference 1.3, 2.3, 3.1) are in FIELDS."""
    keys = {spec.key for spec in model.FIELDS}
    if "remoteURL" in keys:
        assert _spec(model, "remoteURL").pattern is not None
        assert _spec(model, "remoteOrgID").format == "influxdb-id"
    else:
        assert _spec(model, "maxQueueSizeBytes").minimum == 33554430
        age = _spec(model, "maxAgeSeconds")
        assert (age.minimum, age.maximum, age.also_allowed) == (60, 5184000, (0,))


def test_create_defaults_are_the_specs() -> None:
    """The create request's required properties carry the spec's defaults."""
    assert _spec(ReplicationCreationRequest, "maxQueueSizeBytes").default == 67108860
    assert _spec(ReplicationCreationRequest, "maxAgeSeconds").default == 604800


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (59, "max_age_seconds must be 0 or between 60 and 5184000, got 59"),
        (5184001, "max_age_seconds must be 0 or between 60 and 5184000, got 5184001"),
        (True, "max_age_seconds must be 0 or between 60 and 5184000, got True"),
        ("60", "max_age_seconds must be 0 or between 60 and 5184000, got '60'"),
    ],
)
def test_range_check_reads_the_metadata(value: object, message: str) -> None:
    """A number outside minimum..maximum (and not a special value) is a ValueError naming the argument."""
    with pytest.raises(ValueError, match=f"^{message}$"):
        check_value(_spec(ReplicationUpdateRequest, "maxAgeSeconds"), value)


def test_special_values_and_bounds_pass() -> None:
    """0, 60 and 5184000 are allowed max ages; the queue minimum itself is allowed."""
    age = _spec(ReplicationCreationRequest, "maxAgeSeconds")
    assert [check_value(age, v) for v in (0, 60, 5184000)] == [0, 60, 5184000]
    assert check_value(_spec(ReplicationCreationRequest, "maxQueueSizeBytes"), 33554430) == 33554430


def test_a_pattern_without_a_format_is_checked() -> None:
    """A string property with only a pattern is checked against it (a field a new spec may add)."""
    spec = FieldSpec(name="colour", key="colour", kind="str", pattern="^[a-z]+$")
    assert check_value(spec, "red") == "red"
    with pytest.raises(ValueError, match=r"^colour must match \^\[a-z\]\+\$, got 'Red'$"):
        check_value(spec, "Red")


def test_formats_keep_their_messages_and_normal_form() -> None:
    """influxdb-id lower-cases the ID; uri accepts http(s) only, with the old messages."""
    spec = _spec(RemoteConnectionUpdateRequest, "remoteOrgID")
    assert check_value(spec, "0C0C0C0C0C0C0C0C") == "0c0c0c0c0c0c0c0c"
    with pytest.raises(ValueError, match="remote_org_id must be an ID of exactly 16 hex digits"):
        check_value(spec, "nope")
    with pytest.raises(ValueError, match="remote_url must be an http"):
        check_value(_spec(RemoteConnectionUpdateRequest, "remoteURL"), "ftp://x")


def test_required_field_missing_is_a_type_error() -> None:
    """remote_url is required by remotes.create: leaving it out is a TypeError, as Python says."""
    specs = request_fields(RemoteConnectionCreationRequest)
    with pytest.raises(
        TypeError, match="create\\(\\) missing 1 required keyword-only argument: 'remote_url'"
    ):
        check_extras(specs, {}, "create")


def test_none_means_not_passed_only_without_a_default() -> None:
    """None is "not passed" for an optional property; for one with a default to send it is a bad value."""
    specs = request_fields(ReplicationCreationRequest)
    assert check_extras(specs, {"description": None}, "create") == {}
    with pytest.raises(ValueError, match="drop_non_retryable_data must be True or False"):
        check_extras(specs, {"drop_non_retryable_data": None}, "create")


def test_extras_mark_required_properties() -> None:
    """The generated Extras TypedDict marks remote_url Required for remotes.create (mypy sees it)."""
    from influxdb_replications_api.models.remote_connection_creation_request import (
        RemoteConnectionCreationRequestExtras,
    )

    hints = typing.get_type_hints(RemoteConnectionCreationRequestExtras, include_extras=True)
    assert typing.get_origin(hints["remote_url"]) is typing.Required
    assert typing.get_origin(hints["description"]) is not typing.Required


async def test_create_sends_the_defaults_of_fields_not_passed(
    router: respx.Router, client: ReplicationClient
) -> None:
    """A replication create without queue settings sends the spec's defaults and only passed optionals."""
    route = router.post("/api/v2/replications").respond(201, json=replication_json())
    await client.replications.create(
        name="edge-to-cloud", remote=REMOTE_ID, local_bucket=BUCKET_ID, remote_bucket_id=REMOTE_BUCKET_ID
    )
    body = json.loads(route.calls.last.request.content)
    assert body == {
        "name": "edge-to-cloud",
        "orgID": ORG_ID,
        "remoteID": REMOTE_ID,
        "localBucketID": BUCKET_ID,
        "remoteBucketID": REMOTE_BUCKET_ID,
        "maxQueueSizeBytes": 67108860,
        "maxAgeSeconds": 604800,
        "dropNonRetryableData": False,
    }


def test_validate_variants_take_exactly_their_actions_arguments() -> None:
    """validate_create and validate_update show the signatures of create and update (one definition)."""
    for action, variant in (
        (Replications.create, Replications.validate_create),
        (Replications.update, Replications.validate_update),
    ):
        assert inspect.signature(variant).parameters == inspect.signature(action).parameters
        assert inspect.signature(variant).return_annotation == "None"


async def test_validate_create_refuses_unknown_and_missing_arguments(client: ReplicationClient) -> None:
    """A validate variant binds its arguments like its action: TypeError before any request."""
    with pytest.raises(TypeError):
        await client.replications.validate_create(name="x", local_bucket=BUCKET_ID)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        await client.replications.validate_update(REPL_ID, colour="red")  # type: ignore[call-arg]


def test_client_replications_adds_health_over_the_resource(client: ReplicationClient) -> None:
    """client.replications is the operations' subclass: the resource plus status and wait_until_synced."""
    assert isinstance(client.replications, ReplicationsWithHealth)
    assert isinstance(client.replications, Replications)
    assert not hasattr(Replications, "status")


async def test_cascade_goes_through_client_replications(
    router: respx.Router, client: ReplicationClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """remotes.delete(cascade=True) deletes the remote's replications with client.replications.delete."""
    router.get(f"/api/v2/remotes/{REMOTE_ID}").respond(200, json=remote_json())
    router.get("/api/v2/replications").respond(200, json={"replications": [replication_json()]})
    router.delete(f"/api/v2/remotes/{REMOTE_ID}").respond(204)
    deleted: list[str] = []

    async def delete(replication_id: str, **_: object) -> None:
        deleted.append(replication_id)

    monkeypatch.setattr(client.replications, "delete", delete)
    await client.remotes.delete(REMOTE_ID, cascade=True)
    assert deleted == [REPL_ID]
