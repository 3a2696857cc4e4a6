"""The JSON-to-model conversion of the generated public models: strict, immutable, None for absent."""

from __future__ import annotations

import pickle
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from influxdb_replications import RemoteConnection, Replication
from influxdb_replications.core.models import Replications, ShapeError, replications_of

remote_from_json = RemoteConnection.from_dict
replication_from_json = Replication.from_dict

REPLICATION_JSON: dict[str, Any] = {
    "id": "0b1e5e1ec7000001",
    "orgID": "00000000000003e8",
    "name": "edge-to-cloud",
    "description": "telemetry",
    "remoteID": "0b1e5c0ffee00001",
    "localBucketID": "7dd177d2c700d84c",
    "remoteBucketID": "0b1e5b0c4e700002",
    "RemoteBucketName": "",
    "maxQueueSizeBytes": 67108860,
    "currentQueueSizeBytes": 8,
    "remainingBytesToBeSynced": 0,
    "latestResponseCode": 204,
    "latestErrorMessage": "",
    "dropNonRetryableData": True,
    "maxAgeSeconds": 604800,
}
EXPECTED = Replication(
    id="0b1e5e1ec7000001",
    org_id="00000000000003e8",
    name="edge-to-cloud",
    remote_id="0b1e5c0ffee00001",
    local_bucket_id="7dd177d2c700d84c",
    remote_bucket_id="0b1e5b0c4e700002",
    remote_bucket_name="",
    max_queue_size_bytes=67108860,
    max_age_seconds=604800,
    drop_non_retryable_data=True,
    current_queue_size_bytes=8,
    remaining_bytes_to_be_synced=0,
    latest_response_code=204,
    latest_error_message="",
    description="telemetry",
)


def test_decoded_replication_is_an_ordinary_frozen_model() -> None:
    decoded = replication_from_json(REPLICATION_JSON)
    assert type(decoded) is Replication
    assert decoded == EXPECTED
    assert hash(decoded) == hash(EXPECTED)
    assert repr(decoded) == repr(EXPECTED)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        decoded.name = "other"  # type: ignore[misc]
    assert attrs.evolve(decoded, name="x").name == "x"
    assert attrs.asdict(decoded) == attrs.asdict(EXPECTED)
    assert pickle.loads(pickle.dumps(decoded)) == EXPECTED


def test_decoded_remote_is_an_ordinary_frozen_model() -> None:
    decoded = remote_from_json(
        {"id": "0b1e5c0ffee00001", "orgID": "00000000000003e8", "name": "cloud", "remoteURL": "http://c:8086"}
    )
    assert type(decoded) is RemoteConnection
    assert decoded == RemoteConnection(
        id="0b1e5c0ffee00001",
        org_id="00000000000003e8",
        name="cloud",
        remote_url="http://c:8086",
        remote_org_id=None,
        allow_insecure_tls=False,  # absent means False
        description=None,
    )
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        decoded.name = "other"  # type: ignore[misc]


def test_either_spelling_of_the_remote_bucket_name_is_read() -> None:
    lower = dict(REPLICATION_JSON, remoteBucketName="archive")
    del lower["RemoteBucketName"]
    upper = dict(REPLICATION_JSON, RemoteBucketName="archive")
    assert replication_from_json(lower).remote_bucket_name == "archive"
    assert replication_from_json(upper).remote_bucket_name == "archive"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("id", None, "id is missing"),
        ("maxQueueSizeBytes", "67108860", "maxQueueSizeBytes is a str, not int"),
        ("maxQueueSizeBytes", True, "maxQueueSizeBytes is a bool, not int"),
        ("latestResponseCode", 204.0, "latestResponseCode is a float, not int"),
        ("dropNonRetryableData", "false", "dropNonRetryableData is a str, not bool"),
        ("RemoteBucketName", 7, "remoteBucketName is a int, not str"),
    ],
)
def test_a_wrong_type_names_the_field(key: str, value: Any, message: str) -> None:
    bad = dict(REPLICATION_JSON, **{key: value})
    if key == "RemoteBucketName":
        bad.pop("remoteBucketName", None)
    with pytest.raises(ShapeError, match=message):
        replication_from_json(bad)


def test_lists_accept_null_and_absent_and_refuse_other_shapes() -> None:
    """A list answer's null or absent list is empty; another shape is a ShapeError."""
    assert replications_of(Replications.from_dict({"replications": None})) == []
    assert replications_of(Replications.from_dict({})) == []
    with pytest.raises(ShapeError):
        Replications.from_dict({"replications": {}})
    with pytest.raises(ShapeError):
        Replications.from_dict([])


@given(
    st.fixed_dictionaries(
        {},
        optional={
            "currentQueueSizeBytes": st.one_of(st.none(), st.integers()),
            "remainingBytesToBeSynced": st.one_of(st.none(), st.integers()),
            "latestResponseCode": st.one_of(st.none(), st.integers(0, 599)),
            "latestErrorMessage": st.one_of(st.none(), st.text()),
            "description": st.one_of(st.none(), st.text()),
            "maxAgeSeconds": st.one_of(st.none(), st.integers()),
            "remoteBucketID": st.one_of(st.none(), st.text()),
        },
    )
)
def test_fast_path_agrees_with_the_constructor(optional: dict[str, Any]) -> None:
    """Whatever the optional fields hold, the result equals the model built field by field."""
    body = {k: v for k, v in REPLICATION_JSON.items() if k not in optional} | optional
    decoded = replication_from_json(body)
    assert decoded == attrs.evolve(
        EXPECTED,
        current_queue_size_bytes=body.get("currentQueueSizeBytes"),
        remaining_bytes_to_be_synced=body.get("remainingBytesToBeSynced"),
        latest_response_code=body.get("latestResponseCode"),
        latest_error_message=body.get("latestErrorMessage"),
        description=body.get("description"),
        max_age_seconds=body.get("maxAgeSeconds"),
        remote_bucket_id=body.get("remoteBucketID"),
    )


def test_nulls_and_key_order_give_the_same_model() -> None:
    """Key order does not matter, and null counts as absent (False for dropNonRetryableData)."""
    backward = dict(reversed(list(REPLICATION_JSON.items())))
    nulls = dict(REPLICATION_JSON, description=None, latestResponseCode=None, dropNonRetryableData=None)
    assert replication_from_json(backward) == EXPECTED
    assert replication_from_json(nulls) == attrs.evolve(
        EXPECTED, description=None, latest_response_code=None, drop_non_retryable_data=False
    )


def test_unknown_keys_are_ignored_and_never_become_code() -> None:
    hostile = dict(REPLICATION_JSON, **{'x"); import os; os._exit(3) #': 1, "o.__class__": "x"})
    assert replication_from_json(hostile) == EXPECTED


def test_lists_convert_like_single_objects_and_name_a_bad_item() -> None:
    def replications_from_json(body: Any) -> list[Replication]:
        return replications_of(Replications.from_dict(body))

    body = {"replications": [REPLICATION_JSON, dict(REPLICATION_JSON, name="b"), REPLICATION_JSON]}
    assert replications_from_json(body) == [EXPECTED, attrs.evolve(EXPECTED, name="b"), EXPECTED]
    assert replications_from_json({"replications": None}) == []
    with pytest.raises(ShapeError, match="replication is not a JSON object"):
        replications_from_json({"replications": [REPLICATION_JSON, "x"]})
    with pytest.raises(ShapeError, match="name is a int"):
        replications_from_json({"replications": [REPLICATION_JSON, dict(REPLICATION_JSON, name=1)]})


def test_public_models_are_the_generated_ones_with_field_metadata() -> None:
    """The public classes come from the generated package and list every attribute in FIELDS."""
    assert Replication.__module__ == "influxdb_replications_api.models.replication"
    assert RemoteConnection.__module__ == "influxdb_replications_api.models.remote_connection"
    for model in (Replication, RemoteConnection):
        assert [spec.name for spec in model.FIELDS] == [f.name for f in attrs.fields(model)]
    by_name = {spec.name: spec for spec in Replication.FIELDS}
    assert by_name["remote_bucket_name"].aliases == ("RemoteBucketName",)
    assert by_name["max_queue_size_bytes"].key == "maxQueueSizeBytes"
    assert by_name["max_queue_size_bytes"].required


def test_models_refuse_positional_arguments() -> None:
    """Models are keyword-only, so a new spec field can never shift a positional argument."""
    positional: tuple[Any, ...] = ("0b1e5c0ffee00001", "00000000000003e8", "cloud", "http://c:8086")
    build: Any = RemoteConnection
    with pytest.raises(TypeError):
        build(*positional)


def test_to_dict_is_the_servers_spelling_without_nones() -> None:
    """to_dict writes JSON keys and leaves out what is None."""
    remote = remote_from_json({"id": "0b1e5c0ffee00001", "orgID": "00", "name": "c", "remoteURL": "http://c"})
    assert remote.to_dict() == {
        "id": "0b1e5c0ffee00001",
        "orgID": "00",
        "name": "c",
        "remoteURL": "http://c",
        "allowInsecureTLS": False,
    }


def test_a_subclass_is_built_through_its_own_constructor() -> None:
    """from_dict on a subclass returns an instance of that subclass, equal field by field."""

    @attrs.define(frozen=True, slots=True, kw_only=True)
    class Tagged(Replication):
        pass

    tagged = Tagged.from_dict(REPLICATION_JSON)
    assert type(tagged) is Tagged
    assert attrs.asdict(tagged) == attrs.asdict(EXPECTED)
