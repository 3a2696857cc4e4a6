"""The generated package: a low-level async client per operation, immutable attrs models, the overlay."""

from __future__ import annotations

import importlib
import importlib.resources
import inspect
import pkgutil
import typing
from typing import Any

import attrs
import httpx
import pytest

import influxdb_replications_api
from influxdb_replications_api import AuthenticatedClient, errors, models
from influxdb_replications_api.api.replications import post_replication
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
from influxdb_replications_api.types import FieldSpec, RequestArgs, Response, ShapeError

# The 11 operations of the two APIs: module -> (method, URL template as the function fills it).
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
    return [cls for cls in found if isinstance(cls, type) and attrs.has(cls)]


def _spec(cls: type[Any], key: str) -> FieldSpec:
    """The FieldSpec of ``cls`` for the JSON key ``key``."""
    found: FieldSpec = next(spec for spec in cls.FIELDS if spec.key == key)
    return found


class _Recorder:
    """A Sender that records what it is asked to send and answers with one canned response."""

    raise_on_unexpected_status = False

    def __init__(self, response: httpx.Response | None = None) -> None:
        self.requests: list[RequestArgs] = []
        error = httpx.Response(500, json={"code": "internal error", "message": "x"})
        self.response = response if response is not None else error

    async def send(self, request: RequestArgs) -> httpx.Response:
        self.requests.append(request)
        return self.response


def _arguments(module: str) -> tuple[list[str], dict[str, Any]]:
    """A path ID, the module's body, and an org ID where one is required."""
    function = importlib.import_module(f"influxdb_replications_api.api.{module}").asyncio_detailed
    parameters = inspect.signature(function).parameters
    args = ["0a/1"] if any(p.kind is p.POSITIONAL_OR_KEYWORD for p in parameters.values()) else []
    kwargs: dict[str, Any] = {}
    if module in BODIES:
        kwargs["body"] = BODIES[module]
    if "org_id" in parameters and parameters["org_id"].default is inspect.Parameter.empty:
        kwargs["org_id"] = "0000000000000002"
    return args, kwargs


async def _build(module: str, **extra: Any) -> RequestArgs:
    """What the module's asyncio_detailed hands its client (a path ID, its body, a required org ID)."""
    function = importlib.import_module(f"influxdb_replications_api.api.{module}").asyncio_detailed
    args, kwargs = _arguments(module)
    recorder = _Recorder()
    await function(*args, client=recorder, **kwargs, **extra)
    return recorder.requests[0]


# --------------------------------------------------------------------------- modules and operations


def test_every_generated_module_imports() -> None:
    """Every module in the generated package imports without error."""
    names = _all_modules()
    assert len(names) > 20
    for name in names:
        importlib.import_module(name)


def test_exactly_the_two_apis_and_lookups_are_generated() -> None:
    """The trim keeps the 11 operations plus the org and bucket look-ups, nothing else."""
    endpoints = {
        name.removeprefix("influxdb_replications_api.api.")
        for name in _all_modules()
        if name.startswith("influxdb_replications_api.api.") and name.count(".") == 3
    }
    assert endpoints == set(OPERATIONS) | set(LOOKUPS)


def test_every_model_module_is_used() -> None:
    """The trim leaves no model nothing reads: the list answers, their items, the bodies and Error."""
    names = {name.rsplit(".", 1)[1] for name in _all_modules() if ".models." in name}
    assert names == {
        "bucket",
        "buckets",
        "error",
        "organization",
        "organizations",
        "remote_connection",
        "remote_connection_creation_request",
        "remote_connection_update_request",
        "remote_connections",
        "replication",
        "replication_creation_request",
        "replication_update_request",
        "replications",
    }


@pytest.mark.parametrize("module", sorted({**OPERATIONS, **LOOKUPS}))
def test_endpoint_module_has_the_generators_async_functions(module: str) -> None:
    """Each endpoint module has async asyncio_detailed and asyncio (client= keyword-only), no sync ones."""
    mod = importlib.import_module(f"influxdb_replications_api.api.{module}")
    assert inspect.iscoroutinefunction(mod.asyncio_detailed)
    assert inspect.iscoroutinefunction(mod.asyncio)
    client = inspect.signature(mod.asyncio_detailed).parameters["client"]
    assert client.kind is inspect.Parameter.KEYWORD_ONLY
    for gone in ("sync", "sync_detailed", "build_request"):
        assert not hasattr(mod, gone), gone


@pytest.mark.parametrize("module", sorted({**OPERATIONS, **LOOKUPS}))
async def test_request_keeps_method_and_path(module: str) -> None:
    """The request has the operation's method and path, with the path ID percent-encoded."""
    method, url = {**OPERATIONS, **LOOKUPS}[module]
    request = await _build(module)
    assert request["method"] == method
    assert request["url"] == url.format(id="0a%2F1")


@pytest.mark.parametrize("module", sorted(OPERATIONS))
async def test_operations_take_a_trace_span(module: str) -> None:
    """Every Replications/RemoteConnections operation sends Zap-Trace-Span only when given one."""
    function = importlib.import_module(f"influxdb_replications_api.api.{module}").asyncio_detailed
    assert inspect.signature(function).parameters["zap_trace_span"].default is None
    assert "Zap-Trace-Span" not in (await _build(module)).get("headers", {})
    assert (await _build(module, zap_trace_span="span"))["headers"]["Zap-Trace-Span"] == "span"


async def test_body_is_the_models_to_dict() -> None:
    """A request with a body carries the model's to_dict() as json and says it is JSON."""
    request = await _build("replications.patch_replication_by_id")
    assert request["json"] == {"name": "renamed"}
    assert request.get("headers") == {"Content-Type": "application/json"}


async def test_query_parameters_left_at_none_are_not_sent() -> None:
    """List filters left at None stay out of params; given ones use the spec's query names."""
    assert (await _build("replications.get_replications")).get("params") == {"orgID": "0000000000000002"}
    request = await _build("replications.get_replications", remote_id="r", local_bucket_id="b", name="n")
    assert request.get("params") == {
        "orgID": "0000000000000002",
        "remoteID": "r",
        "localBucketID": "b",
        "name": "n",
    }


async def test_validate_is_not_sent_unless_asked() -> None:
    """The create request has no validate default: it is sent only when the caller passes one."""
    assert inspect.signature(post_replication.asyncio_detailed).parameters["validate"].default is None
    assert (await _build("replications.post_replication")).get("params") == {}
    for value in (True, False):
        request = await _build("replications.post_replication", validate=value)
        assert request.get("params") == {"validate": value}


async def test_validate_true_goes_on_the_wire_as_exactly_true() -> None:
    """Through AuthenticatedClient (httpx), validate=True is the query validate=true (reference 3.4)."""
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    client = AuthenticatedClient(
        base_url="http://influx.test", token="secret", httpx_args={"transport": httpx.MockTransport(answer)}
    )
    async with client:
        response = await post_replication.asyncio_detailed(
            client=client, body=BODIES["replications.post_replication"], validate=True
        )
    assert response.status_code == 204 and response.parsed is None
    assert seen[0].url.query == b"validate=true"
    assert seen[0].headers["Authorization"] == "Token secret"
    assert "secret" not in repr(client)


@pytest.mark.parametrize(
    ("status", "body", "parsed"),
    [
        (200, {"replications": [REPLICATION]}, Replications),
        (400, {"code": "invalid", "message": "bad"}, Error),
        (401, {"code": "unauthorized", "message": "no"}, Error),
        (500, {"code": "internal error", "message": "boom"}, Error),
    ],
)
async def test_response_parsed_is_the_model_or_the_error(status: int, body: Any, parsed: type[Any]) -> None:
    """Response.parsed is the 2xx model, or Error for an error answer; no exception for a 4xx/5xx."""
    from influxdb_replications_api.api.replications import get_replications

    recorder = _Recorder(httpx.Response(status, json=body))
    response = await get_replications.asyncio_detailed(client=recorder, org_id="0000000000000002")
    assert isinstance(response, Response)
    assert response.status_code == status
    assert type(response.parsed) is parsed
    assert response.content and response.headers["content-type"] == "application/json"
    assert await get_replications.asyncio(client=recorder, org_id="0000000000000002") == response.parsed


@pytest.mark.parametrize("body", [b"<html>502</html>", b'{"replications": [', b"\xff\xfe{}"])
async def test_a_body_that_is_not_json_is_a_value_error(body: bytes) -> None:
    """The endpoints decode with types.loads (orjson's): a body that is not JSON, or not UTF-8, is a
    ValueError, which the wrapper's request path reports as APIResponseValidationError."""
    import orjson

    from influxdb_replications_api import types
    from influxdb_replications_api.api.replications import get_replications

    assert types.loads is orjson.loads  # the decoder docs/development.md measures
    recorder = _Recorder(httpx.Response(200, content=body))
    with pytest.raises(ValueError):
        await get_replications.asyncio_detailed(client=recorder, org_id="0000000000000002")


async def test_an_undocumented_status_is_the_documented_default_error() -> None:
    """Every operation documents a default (Error) answer: no UnexpectedStatus, even when asked for."""
    from influxdb_replications_api.api.replications import delete_replication_by_id

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(418, json={"code": "teapot", "message": "short and stout"})

    client = AuthenticatedClient(
        base_url="http://influx.test",
        token="t",
        raise_on_unexpected_status=True,
        httpx_args={"transport": httpx.MockTransport(answer)},
    )
    async with client:
        response = await delete_replication_by_id.asyncio_detailed("0000000000000001", client=client)
    assert response.parsed == Error(code="teapot", message="short and stout")
    assert issubclass(errors.UnexpectedStatus, Exception)


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
    """Assigning to a parsed model raises attrs' FrozenInstanceError (an AttributeError)."""
    parsed = Replication.from_dict(REPLICATION)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
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


# the date-time, enum and nested-list machinery of the model template: tests/generated/test_templates.py
# (no kept schema has such a field any more)


# --------------------------------------------------------------------------- field metadata


@pytest.mark.parametrize("cls", _model_classes(), ids=lambda cls: cls.__name__)
def test_fields_metadata_matches_the_attrs_fields(cls: type[Any]) -> None:
    """FIELDS names every attrs field in order, with the same required-ness, default and Python type."""
    fields = attrs.fields(cls)
    specs: tuple[FieldSpec, ...] = cls.FIELDS
    assert [s.name for s in specs] == [f.name for f in fields]
    assert len({s.key for s in specs}) == len(specs)
    hints = typing.get_type_hints(cls)
    request = cls.__name__.endswith("Request")
    for spec, field in zip(specs, fields, strict=True):
        if spec.required and spec.default is None:
            assert field.default is attrs.NOTHING, spec.name
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
    """Each request model has <Name>Extras: a total=False TypedDict of the non-wrapper fields (required ones
    without a default as Required)."""
    extras = REQUEST_MODELS[model]
    assert typing.is_typeddict(extras)
    assert extras.__name__ == f"{model.__name__}Extras"
    assert getattr(extras, "__total__") is False  # noqa: B009 (TypedDict classes are typed as type)
    expected = {spec.name for spec in model.FIELDS if not spec.wrapper}
    assert set(extras.__annotations__) == expected
    required = {spec.name for spec in model.FIELDS if not spec.wrapper and spec.required and spec.default is None}
    hints = typing.get_type_hints(extras, include_extras=True)  # __required_keys__ misses postponed Required
    assert {key for key, hint in hints.items() if typing.get_origin(hint) is typing.Required} == required
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
