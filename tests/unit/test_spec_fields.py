"""The walked fields: read from the generated models' FIELDS, with the behavioural properties left out."""

from __future__ import annotations

import dataclasses
import io
from typing import Any

import pytest

from influxdb_replications.cli import run
from influxdb_replications.operations import fleet_checks
from influxdb_replications.operations.desired import DesiredRemote, DesiredReplication
from influxdb_replications.operations.spec_fields import REMOTE, REPLICATION, Resource
from influxdb_replications_api.models import (
    RemoteConnectionCreationRequest,
    RemoteConnectionUpdateRequest,
    ReplicationCreationRequest,
    ReplicationUpdateRequest,
)

BEHAVIOURAL = {"name", "org_id", "remote_api_token", "remote_id", "local_bucket_id"} | {
    "remote_bucket_id",
    "remote_bucket_name",
}


@pytest.mark.parametrize(
    ("resource", "create", "update"),
    [
        (REMOTE, RemoteConnectionCreationRequest, RemoteConnectionUpdateRequest),
        (REPLICATION, ReplicationCreationRequest, ReplicationUpdateRequest),
    ],
)
def test_walked_fields_are_the_request_properties_without_behaviour(
    resource: Resource, create: type[Any], update: type[Any]
) -> None:
    """Every request property is walked except the ones the wrapper adds behaviour to."""
    names = {spec.name for model in (create, update) for spec in model.FIELDS} - BEHAVIOURAL
    assert {f.name for f in resource.fields} == names
    for f in resource.fields:
        on_create = {spec.name: spec for spec in create.FIELDS}.get(f.name)
        assert f.create == (on_create is not None)
        assert f.update == any(spec.name == f.name for spec in update.FIELDS)
        assert f.default == (None if on_create is None else on_create.default)


def test_desired_defaults_come_from_the_spec() -> None:
    """A field not given takes the create request's default; one without a default is not managed."""
    rep = DesiredReplication(name="r", remote="c", local_bucket="b", remote_bucket="x")
    for f in REPLICATION.fields:
        assert getattr(rep, f.name) == f.default
    remote = DesiredRemote(name="c", remote_url="https://c.example")
    assert remote.managed() == {
        f.name: getattr(remote, f.name) for f in REMOTE.fields if f.default is not None or f.required
    }


@pytest.mark.parametrize("name", [f.name for f in REPLICATION.fields if f.default is not None])
def test_a_defaulted_field_given_as_none_is_refused(name: str) -> None:
    """None for a field with a spec default is a ValueError naming it (it is always managed)."""
    with pytest.raises(ValueError, match=name):
        fields: dict[str, Any] = {name: None}
        DesiredReplication(name="r", remote="c", local_bucket="b", remote_bucket="x", **fields)


def test_desired_objects_are_dataclasses_with_every_walked_field() -> None:
    """dataclasses.fields lists the walked fields, so replace() and equality cover them."""
    assert {f.name for f in REMOTE.fields} <= {f.name for f in dataclasses.fields(DesiredRemote)}
    rep = DesiredReplication(name="r", remote="c", local_bucket="b", remote_bucket="x")
    assert dataclasses.replace(rep, remote="d").remote == "d"
    assert dataclasses.replace(rep) == rep and hash(dataclasses.replace(rep)) == hash(rep)


async def test_fleet_keys_and_cli_options_follow_the_metadata() -> None:
    """The fleet file accepts, and the CLI's create commands offer, one key/option per walked field."""
    assert {f.name for f in REMOTE.fields} <= set(fleet_checks._REMOTE_FIELDS)
    assert {f.name for f in REPLICATION.fields} <= set(fleet_checks._REPLICATION_FIELDS)
    for command, resource in (("remotes", REMOTE), ("replications", REPLICATION)):
        out = io.StringIO()
        assert await run([command, "create", "--help"], stdout=out, stderr=io.StringIO()) == 0
        for f in resource.fields:
            if f.create:
                assert "--" + f.name.replace("_", "-") in out.getvalue()
