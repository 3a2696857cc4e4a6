"""The generated package: one build_request per operation, immutable models, and the overlay in effect."""

from __future__ import annotations

import datetime
import importlib
import importlib.resources
import inspect
import pkgutil
import typing
from typing import Any

import dataclasses
import pytest

import influxdb_replications_api
from influxdb_replications_api import models
from influxdb_replications_api.api.replications import post_replication
from influxdb_replications_api.models.bucket import Bucket
from influxdb_replications_api.models.error import Error
from influxdb_replications_api.models.remote_connection import RemoteConnection
from influxdb_replications_api.models.remote_connection_creation_request import (
    RemoteConnectionCreationRequest,
    RemoteConnectionCreationRequestExtras,
)
from influxdb_replications_api.models.remote_connection_update_request import (
    RemoteConnectionUpdateRequest,
    RemoteConnectionUpdateRequestExtras,
)
from influxdb_replications_api.models.remote_connections import RemoteConnections
from influxdb_replications_api.models.replication import Replication
from influxdb_replications_api.models.replication_creation_request import (
    ReplicationCreationRequest,
    ReplicationCreationRequestExtras,
)
from influxdb_replications_api.models.replication_update_request import (
    ReplicationUpdateRequest,
    ReplicationUpdateRequestExtras,
)
from influxdb_replications_api.models.replications import Replications
from influxdb_replications_api.types import FieldSpec, ShapeError

# The 11 operations of the two APIs: module -> (method, URL template as build_request fills it).
OPERATIONS = {
    "remote_connections.get_remote_connections": ("get", "/api/v2/remotes"),
    "remote_connections.post_remote_connection": ("post", "/api/v2/remotes"),
    "remote_connections.get_remote_connection_by_id": ("get", "/api/v2/remotes/{id}"),
    "remote_connections.patch_remote_connection_by_id": ("patch", "/api/v2/remotes/{id}"),
    "remote_connections.delete_remote_connection_by_id": ("delete", "/api/v2/remotes/{id}"),
    "replications.get_replications": ("get", "/api/v2/replications"),
    "replications.post_replication": ("post", "/api/v2/replications"),
    "replications.get_replication_by_id": ("get", "/api/v2/replications/{id}"),
    "replications.patch_replication_by_id": ("patch", "/api/v2/replications/{id}"),
    "replications.delete_replication_by_id": ("delete", "/api/v2/replications/{id}"),
    "replications.post_validate_replication_by_id": ("post", "/api/v2/replications/{id}/validate"),
}
LOOKUPS = {
    "organizations.get_orgs": ("get", "/api/v2/orgs"),
    "buckets.get_buckets": ("get", "/api/v2/buckets"),
    "health.get_health": ("get", "/health"),
    "ping.get_ping": ("get", "/ping"),
}
# What the request bodies are built from, by operation module (the rest send no body).
BODIES: dict[str, Any] = {
    "remote_connections.post_remote_connection": RemoteConnectionCreationRequest(
        name="cloud", org_id="0000000000000002", remote_url="https://cloud.example", remote_api_token="t"
    ),
    "remote_connections.patch_remote_connection_by_id": RemoteConnectionUpdateRequest(name="renamed"),
    "replications.post_replication": ReplicationCreationRequest(
        name="r", org_id="0000000000000002", remote_id="0000000000000003", local_bucket_id="0000000000000004"
    ),
    "replications.patch_replication_by_id": ReplicationUpdateRequest(name="renamed"),
}
REQUEST_MODELS = {
    RemoteConnectionCreationRequest: RemoteConnectionCreationRequestExtras,
    RemoteConnectionUpdateRequest: RemoteConnectionUpdateRequestExtras,
    ReplicationCreationRequest: ReplicationCreationRequestExtras,
    ReplicationUpdateRequest: ReplicationUpdateRequestExtras,
}
REPLICATION = {
    "id": "0000000000000001",
    "orgID": "0000000000000002",
    "name": "r",
    "remoteID": "0000000000000003",
    "localBucketID": "0000000000000004",
    "maxQueueSizeBytes": 67108860,
}


def _all_modules() -> list[str]:
    return [
        info.name
        for info in pkgutil.walk_packages(influxdb_replications_api.__path__, "influxdb_replications_api.")
    ]


def _model_classes() -> list[type[Any]]:
    """Every schema class of the package (the enum modules export Literal aliases, not classes)."""
    found = [getattr(models, name) for name in models.__all__]
    return [cls for cls in found if isinstance(cls, type) and dataclasses.is_dataclass(cls)]


def _spec(cls: type[Any], key: str) -> FieldSpec:
    """The FieldSpec of ``cls`` for the JSON key ``key``."""
    found: FieldSpec = next(spec for spec in cls.FIELDS if spec.key == key)
    return found


def _build(module: str) -> dict[str, Any]:
    """Call the module's build_request with a path ID, its body, and an org ID where one is required."""
    build = importlib.import_module(f"influxdb_replications_api.api.{module}").build_request
    parameters = inspect.signature(build).parameters
    args = ["0a/1"] if any(p.kind is p.POSITIONAL_OR_KEYWORD for p in parameters.values()) else []
    kwargs: dict[str, Any] = {}
    if module in BODIES:
        kwargs["body"] = BODIES[module]
    if "org_id" in parameters and parameters["org_id"].default is inspect.Parameter.empty:
        kwargs["org_id"] = "0000000000000002"
    request: dict[str, Any] = build(*args, **kwargs)
    return request


# --------------------------------------------------------------------------- modules and operations


def test_every_generated_module_imports() -> None:
    """Every module in the generated package imports without error."""
    names = _all_modules()
    assert len(names) > 20
    for name in names:
        importlib.import_module(name)


def test_exactly_the_two_apis_and_lookups_are_generated() -> None:
    """The trim keeps the 11 operations plus org, bucket, health and ping lookups, nothing else."""
    endpoints = {
        name.removeprefix("influxdb_replications_api.api.")
        for name in _all_modules()
        if name.startswith("influxdb_replications_api.api.") and name.count(".") == 3
    }
    assert endpoints == set(OPERATIONS) | set(LOOKUPS)


@pytest.mark.parametrize("module", sorted({**OPERATIONS, **LOOKUPS}))
def test_endpoint_module_exposes_only_build_request(module: str) -> None:
    """Each endpoint module's public surface is exactly one plain function, build_request."""
    mod = importlib.import_module(f"influxdb_replications_api.api.{module}")
    assert mod.__all__ == ["build_request"]
    defined = {
        name
        for name, value in vars(mod).items()
        if inspect.isfunction(value) and value.__module__ == mod.__name__ and not name.startswith("_")
    }
    assert defined == {"build_request"}
    assert not inspect.iscoroutinefunction(mod.build_request)
    for gone in ("asyncio_detailed", "asyncio", "sync", "sync_detailed", "_get_kwargs"):
        assert not hasattr(mod, gone), gone


@pytest.mark.parametrize("module", sorted({**OPERATIONS, **LOOKUPS}))
def test_build_request_keeps_method_and_path(module: str) -> None:
    """build_request returns the operation's method and path, with the path ID percent-encoded."""
    method, url = {**OPERATIONS, **LOOKUPS}[module]
    request = _build(module)
    assert request["method"] == method
    assert request["url"] == url.format(id="0a%2F1")
    assert set(request) == {"method", "url", "params", "headers"} | ({"json"} if module in BODIES else set())


@pytest.mark.parametrize("module", sorted(OPERATIONS))
def test_operations_take_a_trace_span(module: str) -> None:
    """Every Replications/RemoteConnections operation sends Zap-Trace-Span only when given one."""
    build = importlib.import_module(f"influxdb_replications_api.api.{module}").build_request
    assert inspect.signature(build).parameters["zap_trace_span"].default is None
    assert "Zap-Trace-Span" not in _build(module)["headers"]
    kwargs = {"body": BODIES[module]} if module in BODIES else {}
    if module.endswith(("get_remote_connections", "get_replications")):
        kwargs["org_id"] = "0000000000000002"
    args = ["x"] if module.endswith(("by_id", "validate_replication_by_id")) else []
    assert build(*args, zap_trace_span="span", **kwargs)["headers"]["Zap-Trace-Span"] == "span"


def test_body_is_the_models_to_dict() -> None:
    """A request with a body carries the model's to_dict() as json and says it is JSON."""
    request = _build("replications.patch_replication_by_id")
    assert request["json"] == {"name": "renamed"}
    assert request["headers"] == {"Content-Type": "application/json"}


def test_query_parameters_left_at_none_are_not_sent() -> None:
    """List filters left at None stay out of params; given ones use the spec's query names."""
    from influxdb_replications_api.api.replications import get_replications

    assert get_replications.build_request(org_id="o")["params"] == {"orgID": "o"}
    request = get_replications.build_request(org_id="o", remote_id="r", local_bucket_id="b", name="n")
    assert request["params"] == {"orgID": "o", "remoteID": "r", "localBucketID": "b", "name": "n"}


def test_validate_is_not_sent_unless_asked() -> None:
    """The create request has no validate default: it is sent only when the caller passes one."""
    body = BODIES["replications.post_replication"]
    assert inspect.signature(post_replication.build_request).parameters["validate"].default is None
    assert post_replication.build_request(body=body)["params"] == {}
    assert post_replication.build_request(body=body, validate=True)["params"] == {"validate": True}
    assert post_replication.build_request(body=body, validate=False)["params"] == {"validate": False}


def test_every_module_carries_the_do_not_edit_header() -> None:
    """Every generated source file says it is generated and must not be edited."""
    for name in _all_modules():
        module = importlib.import_module(name)
        source = inspect.getsource(module)
        assert source.startswith("# Generated by openapi-python-client"), name
        assert any("Do not edit" in line for line in source.splitlines()[:3]), name


def test_package_ships_py_typed() -> None:
    """The generated package has a py.typed marker that regeneration keeps."""
    path = importlib.resources.files("influxdb_replications_api") / "py.typed"
    assert path.is_file()


# --------------------------------------------------------------------------- models


def test_models_are_immutable() -> None:
    """Assigning to a parsed model raises dataclasses.FrozenInstanceError (an AttributeError)."""
    parsed = Replication.from_dict(REPLICATION)
    with pytest.raises(dataclasses.FrozenInstanceError):
        parsed.name = "changed"  # type: ignore[misc]
    assert parsed.name == "r"


def test_models_take_keywords_only() -> None:
    """Models are built with keyword arguments only, so a field order change cannot shuffle values."""
    with pytest.raises(TypeError):
        typing.cast(Any, RemoteConnectionUpdateRequest)("renamed")


def test_unknown_keys_are_ignored() -> None:
    """A key the spec does not know (a newer server's field) is ignored instead of failing the parse."""
    parsed = Replication.from_dict({**REPLICATION, "someFutureField": {"nested": 1}})
    assert parsed == Replication.from_dict(REPLICATION)


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({k: v for k, v in REPLICATION.items() if k != "remoteID"}, "remoteID is missing"),
        ({**REPLICATION, "name": None}, "name is missing"),
        ({**REPLICATION, "maxQueueSizeBytes": "64MiB"}, "maxQueueSizeBytes is a str, not int"),
        ({**REPLICATION, "dropNonRetryableData": 1}, "dropNonRetryableData is a int, not bool"),
        ({**REPLICATION, "maxAgeSeconds": True}, "maxAgeSeconds is a bool, not int"),
        ([REPLICATION], "replication is not a JSON object"),
    ],
)
def test_shape_error_names_the_json_key(body: Any, named: str) -> None:
    """A missing or mistyped field raises ShapeError (a TypeError) whose message names the JSON key."""
    with pytest.raises(ShapeError, match=named) as caught:
        Replication.from_dict(body)
    assert isinstance(caught.value, TypeError)


def test_shape_error_in_a_list_item_names_the_item_field() -> None:
    """A bad item inside a list body fails with the item's field named, not a generic error."""
    with pytest.raises(ShapeError, match="replication: orgID is a int"):
        Replications.from_dict({"replications": [REPLICATION, {**REPLICATION, "orgID": 2}]})


def test_enum_values_are_checked() -> None:
    """An enum field outside the spec's choices is a ShapeError naming the key and the choices."""
    with pytest.raises(ShapeError, match=r"type is 'weird', not one of \['system', 'user'\]"):
        Bucket.from_dict({"name": "b", "retentionRules": [], "type": "weird"})


def test_to_dict_leaves_none_out() -> None:
    """to_dict writes every field that is not None under its JSON key, and nothing else.

    An optional request property is sent only when passed, whatever its schema default (the required
    ones with a default, maxAgeSeconds and maxQueueSizeBytes, are always sent).
    """
    request = ReplicationCreationRequest(
        name="r", org_id="o", remote_id="m", local_bucket_id="l", remote_bucket_id=None, description="d"
    )
    assert request.to_dict() == {
        "name": "r",
        "orgID": "o",
        "remoteID": "m",
        "localBucketID": "l",
        "description": "d",
        "maxAgeSeconds": 604800,
        "maxQueueSizeBytes": 67108860,
    }


def test_parse_and_serialise_round_trip() -> None:
    """to_dict of a parsed replication parses back to an equal model."""
    parsed = Replication.from_dict({**REPLICATION, "remoteBucketID": "0000000000000005", "maxAgeSeconds": 60})
    assert Replication.from_dict(parsed.to_dict()) == parsed


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-02T03:04:05Z", datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)),
        ("2026-01-02T03:04:05.5+02:00", datetime.datetime(2026, 1, 2, 1, 4, 5, 500000, tzinfo=datetime.UTC)),
        ("2026-01-02T03:04:05", datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)),
    ],
)
def test_date_time_fields_parse_timezone_aware(text: str, expected: datetime.datetime) -> None:
    """A date-time field parses to an aware datetime; a string without an offset is taken as UTC."""
    parsed = Bucket.from_dict({"name": "b", "retentionRules": [], "createdAt": text})
    assert parsed.created_at is not None
    assert parsed.created_at.utcoffset() is not None
    assert parsed.created_at == expected


def test_bad_date_time_is_a_shape_error() -> None:
    """A createdAt that is not RFC 3339 raises ShapeError naming createdAt."""
    with pytest.raises(ShapeError, match="createdAt is not an RFC 3339 date-time"):
        Bucket.from_dict({"name": "b", "retentionRules": [], "createdAt": "yesterday"})


def test_nested_models_and_lists_parse_to_models_and_tuples() -> None:
    """A list of objects becomes a tuple of models (immutable all the way down)."""
    parsed = Bucket.from_dict({"name": "b", "retentionRules": [{"everySeconds": 3600, "type": "expire"}]})
    assert isinstance(parsed.retention_rules, tuple)
    assert parsed.retention_rules[0].every_seconds == 3600


# --------------------------------------------------------------------------- field metadata


@pytest.mark.parametrize("cls", _model_classes(), ids=lambda cls: cls.__name__)
def test_fields_metadata_matches_the_dataclass_fields(cls: type[Any]) -> None:
    """FIELDS names every dataclass field in order, with the same required-ness, default and Python type."""
    fields = dataclasses.fields(cls)
    specs: tuple[FieldSpec, ...] = cls.FIELDS
    assert [s.name for s in specs] == [f.name for f in fields]
    assert len({s.key for s in specs}) == len(specs)
    hints = typing.get_type_hints(cls)
    request = cls.__name__.endswith("Request")
    for spec, field in zip(specs, fields, strict=True):
        if spec.required and spec.default is None:
            assert field.default is dataclasses.MISSING, spec.name
        elif request and not spec.required:  # a request sends only what was passed
            assert field.default is None, spec.name
        else:  # optional, or required with a schema default that stands in for an absent key
            assert field.default == spec.default, spec.name
        hint = hints[spec.name]
        if spec.kind in ("str", "int", "float", "bool", "datetime", "enum"):
            assert spec.python_type in (hint, *typing.get_args(hint)), (spec.name, hint)
        if spec.kind == "enum":
            assert spec.choices and list(spec.choices) == sorted(spec.choices), spec.name


def test_fields_metadata_describes_the_replication_quirks() -> None:
    """Replication's FIELDS carry the overlay's corrections: the alias, the nullable ID, the default."""
    by_key = {spec.key: spec for spec in Replication.FIELDS}
    assert by_key["remoteBucketName"].aliases == ("RemoteBucketName",)
    assert by_key["remoteBucketID"].nullable is True
    assert by_key["dropNonRetryableData"].default is False
    assert by_key["id"].required is True
    assert by_key["maxAgeSeconds"].kind == "int"


@pytest.mark.parametrize("model", list(REQUEST_MODELS), ids=lambda cls: cls.__name__)
def test_request_models_have_an_extras_typeddict(model: type[Any]) -> None:
    """Each request model has <Name>Extras: a total=False TypedDict of the optional non-wrapper fields."""
    extras = REQUEST_MODELS[model]
    assert typing.is_typeddict(extras)
    assert extras.__name__ == f"{model.__name__}Extras"
    assert extras.__total__ is False
    expected = {spec.name for spec in model.FIELDS if not spec.wrapper and not spec.required}
    assert set(extras.__annotations__) == expected
    assert any(spec.wrapper for spec in model.FIELDS)


def test_only_request_models_have_extras() -> None:
    """Response models have no Extras TypedDict and no field marked as a wrapper keyword."""
    modules = {importlib.import_module(cls.__module__) for cls in _model_classes()}
    with_extras = sorted(name for mod in modules for name in mod.__all__ if name.endswith("Extras"))
    assert with_extras == sorted(extras.__name__ for extras in REQUEST_MODELS.values())
    assert not any(spec.wrapper for spec in Replication.FIELDS + RemoteConnection.FIELDS)


# --------------------------------------------------------------------------- the overlay's corrections


def test_replication_reads_the_servers_capitalised_bucket_name() -> None:
    """The server sends RemoteBucketName (capital R); the model reads it as remote_bucket_name."""
    parsed = Replication.from_dict({**REPLICATION, "RemoteBucketName": "archive", "remoteBucketID": None})
    assert parsed.remote_bucket_name == "archive"
    assert parsed.remote_bucket_id is None
    assert Replication.from_dict({**REPLICATION, "remoteBucketName": "b"}).remote_bucket_name == "b"


def test_replication_model_knows_max_age_seconds() -> None:
    """The overlay adds maxAgeSeconds, which the real server returns but the spec omits."""
    assert Replication.from_dict({**REPLICATION, "maxAgeSeconds": 604800}).max_age_seconds == 604800


def test_absent_drop_non_retryable_data_means_false() -> None:
    """A replication without dropNonRetryableData parses to False, as the server means it."""
    assert Replication.from_dict(REPLICATION).drop_non_retryable_data is False
    assert Replication.from_dict({**REPLICATION, "dropNonRetryableData": True}).drop_non_retryable_data


def test_remote_org_id_may_be_null() -> None:
    """A remote without remoteOrgID comes back with null, which parses to None."""
    parsed = RemoteConnection.from_dict(
        {
            "id": "0000000000000001",
            "orgID": "0000000000000002",
            "name": "cloud",
            "remoteURL": "https://cloud.example",
            "remoteOrgID": None,
            "allowInsecureTLS": False,
        }
    )
    assert parsed.remote_org_id is None
    assert _spec(RemoteConnection, "remoteOrgID").nullable is True


def test_description_is_a_real_field() -> None:
    """Models and request bodies carry description as a field of their own."""
    assert RemoteConnectionUpdateRequest(description="d").to_dict() == {"description": "d"}
    assert ReplicationUpdateRequest(description="").to_dict() == {"description": ""}


def test_null_lists_parse() -> None:
    """The server's {"remotes": null} and {"replications": null} parse (to None) instead of crashing."""
    assert RemoteConnections.from_dict({"remotes": None}).remotes is None
    assert Replications.from_dict({"replications": None}).replications is None
    assert Replications.from_dict({}).replications is None


def test_update_requests_send_only_what_was_set() -> None:
    """Update bodies carry no schema defaults: a rename must not send allowInsecureTLS."""
    assert RemoteConnectionUpdateRequest(name="renamed").to_dict() == {"name": "renamed"}
    assert ReplicationUpdateRequest(name="renamed").to_dict() == {"name": "renamed"}
    assert RemoteConnectionUpdateRequest().allow_insecure_tls is None
    assert _spec(RemoteConnectionUpdateRequest, "allowInsecureTLS").default is None


@pytest.mark.parametrize(
    "body",
    [
        {"code": "a code nobody has heard of", "message": "m"},
        {"message": "a proxy error without a code"},
        {"code": "invalid", "message": "m", "op": "x"},
    ],
)
def test_error_model_accepts_any_code(body: dict[str, str]) -> None:
    """Error.code is a plain optional string, so unknown or missing codes never crash parsing."""
    parsed = Error.from_dict(body)
    assert parsed.message == body["message"]
    assert parsed.code == body.get("code")
    assert _spec(Error, "code").kind == "str"
