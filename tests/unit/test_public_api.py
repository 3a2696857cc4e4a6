"""The public surface: __all__, the contract's signatures, no generated types leaking, a light import."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
import typing
from pathlib import Path

import pytest

import influxdb_replications
from influxdb_replications import Remotes, ReplicationClient, Replications
from influxdb_replications_api.models.remote_connection_creation_request import (
    RemoteConnectionCreationRequest,
)
from influxdb_replications_api.models.remote_connection_update_request import RemoteConnectionUpdateRequest
from influxdb_replications_api.models.replication_creation_request import ReplicationCreationRequest
from influxdb_replications_api.models.replication_update_request import ReplicationUpdateRequest

REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "reference" / "index.md"


def test_all_is_sorted_unique_and_importable() -> None:
    """__all__ is sorted, has no duplicates, and every name is importable from the package."""
    names = influxdb_replications.__all__
    assert names == sorted(names)
    assert len(names) == len(set(names))
    for name in names:
        assert getattr(influxdb_replications, name).__module__.startswith("influxdb_replications")


def test_all_lists_exactly_the_public_names() -> None:
    """__all__ holds exactly the package's public (non-underscore, non-module) attributes."""
    for name in dir(influxdb_replications):  # names load on first use (PEP 562)
        getattr(influxdb_replications, name)
    public = {
        name
        for name, value in vars(influxdb_replications).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    }
    assert public == set(influxdb_replications.__all__)


def test_all_matches_the_reference() -> None:
    """__all__ equals the names listed under the API reference's "## Public names" heading."""
    text = REFERENCE.read_text(encoding="utf-8")
    match = re.search(r"^## Public names\n(.*?)(?=^#|\Z)", text, re.S | re.M)
    assert match is not None, "docs/reference/index.md has no '## Public names' section"
    documented = {line.strip().strip("`-* ") for line in match.group(1).splitlines() if line.strip()}
    assert documented == set(influxdb_replications.__all__)


def _params(func: object) -> dict[str, object]:
    """The keyword arguments and their defaults; the keys of a ``**fields: Unpack[TypedDict]`` count too.

    A TypedDict key has no default of its own: a Required one shows as empty, another as the schema's
    default of the request model the method sends (``FIELDS``), or None.
    """
    signature = inspect.signature(func)  # type: ignore[arg-type]
    params = {
        name: p.default
        for name, p in signature.parameters.items()
        if name != "self" and name not in ("timeout", "trace_span") and p.kind is not p.VAR_KEYWORD
    }
    hints = typing.get_type_hints(func)
    for name, p in signature.parameters.items():
        if p.kind is p.VAR_KEYWORD and name in hints:
            (typed,) = typing.get_args(hints[name])
            model = _SENDS.get(getattr(func, "__name__", ""), {}).get(
                getattr(func, "__qualname__", "").split(".")[0]
            )
            defaults = {spec.name: spec.default for spec in getattr(model, "FIELDS", ())}
            # Required[...] read from the annotations: under postponed evaluation __required_keys__ misses it
            for key, hint in typing.get_type_hints(typed, include_extras=True).items():
                params[key] = NO if typing.get_origin(hint) is typing.Required else defaults.get(key)
    return params


def test_client_signature_matches_the_contract() -> None:
    """ReplicationClient takes the issue's keyword arguments with the issue's defaults."""
    params = _params(ReplicationClient.__init__)
    expected = {
        "url": None,
        "token": None,
        "org": None,
        "org_id": None,
        "retry": None,
        "transport": None,
        "verify": True,
        "headers": None,
        "sleep": None,
    }
    assert {k: params[k] for k in expected} == expected
    assert inspect.signature(ReplicationClient.__init__).parameters["timeout"].default == 10.0
    assert all(
        p.kind is inspect.Parameter.KEYWORD_ONLY
        for n, p in inspect.signature(ReplicationClient.__init__).parameters.items()
        if n != "self"
    )


NO = inspect.Parameter.empty
# the request model each method sends, by method and class name
_SENDS: dict[str, dict[str, type]] = {
    "create": {"Remotes": RemoteConnectionCreationRequest, "Replications": ReplicationCreationRequest},
    "validate_create": {"Replications": ReplicationCreationRequest},
    "update": {"Remotes": RemoteConnectionUpdateRequest, "Replications": ReplicationUpdateRequest},
    "validate_update": {"Replications": ReplicationUpdateRequest},
}
CREATE_REPLICATION = {
    "name": NO,
    "remote": NO,
    "local_bucket": NO,
    "remote_bucket": None,
    "remote_bucket_id": None,
    "max_queue_size_bytes": 67108860,
    "max_age_seconds": 604800,
    "drop_non_retryable_data": False,
    "description": None,
}
UPDATE_REPLICATION = {
    "replication_id": NO,
    "name": None,
    "description": None,
    "remote": None,
    "remote_bucket": None,
    "remote_bucket_id": None,
    "max_queue_size_bytes": None,
    "max_age_seconds": None,
    "drop_non_retryable_data": None,
}


@pytest.mark.parametrize(
    ("func", "expected"),
    [
        (Remotes.list, {"name": None, "remote_url": None}),
        (Remotes.get, {"remote_id": NO}),
        (Remotes.find, {"name": NO}),
        (
            Remotes.create,
            {
                "name": NO,
                "remote_url": NO,
                "remote_api_token": NO,
                "remote_org_id": None,
                "allow_insecure_tls": False,
                "description": None,
            },
        ),
        (
            Remotes.update,
            {
                "remote_id": NO,
                "name": None,
                "remote_url": None,
                "remote_api_token": None,
                "remote_org_id": None,
                "allow_insecure_tls": None,
                "description": None,
            },
        ),
        (
            Remotes.delete,
            {
                "remote_id": NO,
                "cascade": False,
                # issue 19: a cascade loses no queued data without consent or a drain
                "allow_data_loss": False,
                "drain": False,
                "drain_timeout": None,
                "drain_poll_interval": 1.0,
                "on_drain_progress": None,
            },
        ),
        (Replications.list, {"name": None, "remote": None, "local_bucket": None}),
        (Replications.get, {"replication_id": NO}),
        (Replications.find, {"name": NO}),
        (Replications.create, CREATE_REPLICATION),
        (Replications.validate_create, CREATE_REPLICATION),
        (Replications.update, UPDATE_REPLICATION),
        (Replications.validate_update, UPDATE_REPLICATION),
        (Replications.delete, {"replication_id": NO}),
        (Replications.validate, {"replication_id": NO}),
    ],
    ids=lambda v: getattr(v, "__qualname__", ""),
)
def test_method_signatures(func: object, expected: dict[str, object]) -> None:
    """Each method has the contract's arguments and defaults, plus timeout= and trace_span= overrides."""
    assert _params(func) == expected
    signature = inspect.signature(func)  # type: ignore[arg-type]
    assert signature.parameters["timeout"].default is None
    assert signature.parameters["trace_span"].default is None
    assert "Unset" not in str(signature)


WITH_FIELDS = {
    "Remotes.create": "RemoteConnectionCreationRequestExtras",
    "Remotes.update": "RemoteConnectionUpdateRequestExtras",
    "Replications.create": "ReplicationCreationRequestExtras",
    "Replications.validate_create": "ReplicationCreationRequestExtras",
    "Replications.update": "ReplicationUpdateRequestExtras",
    "Replications.validate_update": "ReplicationUpdateRequestExtras",
}


@pytest.mark.parametrize(("qualname", "typed_dict"), sorted(WITH_FIELDS.items()))
def test_create_and_update_take_the_specs_other_fields(qualname: str, typed_dict: str) -> None:
    """create/update (and their validate twins) end in ``**fields: Unpack[<generated Extras TypedDict>]``."""
    owner, method = qualname.split(".")
    func = getattr({"Remotes": Remotes, "Replications": Replications}[owner], method)
    last = list(inspect.signature(func).parameters.values())[-1]
    assert last.kind is last.VAR_KEYWORD and last.name == "fields"
    assert f"Unpack[{typed_dict}]" in str(last.annotation)


def test_import_is_light() -> None:
    """Importing the package loads neither aiohttp nor the embedded test server."""
    code = (
        "import sys, influxdb_replications; "
        "bad = [m for m in ('aiohttp', 'influxdb_replications.testing') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def _modules_loaded_by(code: str, watched: tuple[str, ...]) -> list[str]:
    probe = f"import sys; {code}; print(','.join(m for m in {watched!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return [m for m in out.stdout.strip().split(",") if m]


def test_names_load_on_first_use() -> None:
    """`import influxdb_replications` alone loads no HTTP library; the client loads httpx only."""
    client_module = "influxdb_replications.operations.replication_client"
    watched = ("httpx", "aiohttp", "influxdb_replications_api", client_module)
    assert _modules_loaded_by("import influxdb_replications", watched) == []
    used = _modules_loaded_by(
        "from influxdb_replications import ReplicationClient; ReplicationClient(url='http://x', token='t')",
        watched,
    )
    assert used == ["httpx", "influxdb_replications_api", client_module]


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        influxdb_replications.no_such_name  # noqa: B018
