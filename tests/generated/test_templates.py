"""Our templates rendered by the pinned openapi-python-client into a scratch folder, and the result used.

Beyond the byte-for-byte drift check: these tests import what the templates render, so an upgrade of the
generator that breaks a template (or the template data it reads) fails here, by name.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

# The version the templates are written against (pyproject's `generate` group pins the same).
PINNED_GENERATOR = "0.29.1"

# A spec with what the kept schemas no longer have: a date-time, an enum, a nested list of models.
_KINDS_SPEC: dict[str, Any] = {
    "openapi": "3.0.0",
    "info": {"title": "kinds", "version": "1"},
    "paths": {
        "/things/{thingID}": {
            "get": {
                "operationId": "GetThing",
                "parameters": [
                    {"name": "thingID", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}},
                    }
                },
            }
        }
    },
    "components": {
        "schemas": {
            "Thing": {
                "type": "object",
                "required": ["name", "rules"],
                "properties": {
                    "name": {"type": "string"},
                    "type": {"type": "string", "enum": ["user", "system"]},
                    "createdAt": {"type": "string", "format": "date-time"},
                    "rules": {"type": "array", "items": {"$ref": "#/components/schemas/Rule"}},
                },
            },
            "Rule": {
                "type": "object",
                "required": ["everySeconds"],
                "properties": {"everySeconds": {"type": "integer"}},
            },
        }
    },
}

_KINDS_CHECK = textwrap.dedent(
    """
    import asyncio, datetime
    import httpx
    from influxdb_replications_api import AuthenticatedClient
    from influxdb_replications_api.api.default import get_thing
    from influxdb_replications_api.models.thing import Thing
    from influxdb_replications_api.types import ShapeError

    # date-time: timezone-aware, a string without an offset taken as UTC; a bad one named
    parsed = Thing.from_dict({"name": "b", "rules": [], "createdAt": "2026-01-02T03:04:05.5+02:00"})
    assert parsed.created_at == datetime.datetime(2026, 1, 2, 1, 4, 5, 500000, tzinfo=datetime.UTC)
    naive = Thing.from_dict({"name": "b", "rules": [], "createdAt": "2026-01-02T03:04:05"})
    assert naive.created_at == datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    try:
        Thing.from_dict({"name": "b", "rules": [], "createdAt": "yesterday"})
    except ShapeError as exc:
        assert "createdAt is not an RFC 3339 date-time" in str(exc)
    else:
        raise AssertionError("a bad date-time parsed")
    # enum: checked against the spec's choices, named
    try:
        Thing.from_dict({"name": "b", "rules": [], "type": "weird"})
    except ShapeError as exc:
        assert "type is 'weird', not one of ['system', 'user']" in str(exc), exc
    else:
        raise AssertionError("an unknown enum value parsed")
    # a list of objects: a tuple of models
    nested = Thing.from_dict({"name": "b", "rules": [{"everySeconds": 3600}]})
    assert isinstance(nested.rules, tuple) and nested.rules[0].every_seconds == 3600
    assert Thing.from_dict(nested.to_dict()) == nested

    async def main():
        def answer(request):
            assert request.url.raw_path == b"/things/a%2Fb"
            return httpx.Response(200, json={"name": "n", "rules": []})

        client = AuthenticatedClient(base_url="http://x", token="t", httpx_args={"transport": httpx.MockTransport(answer)})
        async with client:
            response = await get_thing.asyncio_detailed("a/b", client=client)
        assert response.status_code == 200 and response.parsed == Thing(name="n", rules=())

    asyncio.run(main())
    print("ok")
    """
)

_PINNED_CHECK = textwrap.dedent(
    """
    import asyncio, importlib, pkgutil
    import httpx
    import influxdb_replications_api
    from influxdb_replications_api import AuthenticatedClient
    from influxdb_replications_api.api.replications import get_replications
    from influxdb_replications_api.models.replications import Replications

    assert influxdb_replications_api.__file__.startswith(SCRATCH), influxdb_replications_api.__file__
    for info in pkgutil.walk_packages(influxdb_replications_api.__path__, "influxdb_replications_api."):
        importlib.import_module(info.name)

    async def main():
        def answer(request):
            assert request.url.params["orgID"] == "0000000000000002"
            return httpx.Response(200, json={"replications": None})

        client = AuthenticatedClient(base_url="http://x", token="t", httpx_args={"transport": httpx.MockTransport(answer)})
        async with client:
            response = await get_replications.asyncio_detailed(client=client, org_id="0000000000000002")
        assert response.parsed == Replications(replications=None)

    asyncio.run(main())
    print("ok")
    """
)


def _run(scratch: Path, code: str) -> None:
    """Run ``code`` with the scratch package first on the path (not the installed generated/)."""
    proc = subprocess.run(
        [sys.executable, "-c", f"SCRATCH = {str(scratch)!r}\n" + code],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(scratch), "PATH": ""},
        cwd=scratch,
        timeout=120,
    )
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stdout + proc.stderr


def test_templates_are_written_for_the_pinned_generator() -> None:
    """The installed openapi-python-client is the version the templates follow; an upgrade fails here first."""
    import openapi_python_client

    assert openapi_python_client.__version__ == PINNED_GENERATOR


@pytest.mark.usefixtures("generator")
def test_templates_render_the_pinned_spec_into_an_importable_client(
    codegen: ModuleType, spec_bytes: bytes, tmp_path: Path
) -> None:
    """Rendered from the pinned spec into a scratch folder, every module imports and a call works."""
    codegen.generate_into(codegen.prepare_spec(spec_bytes), tmp_path / codegen.PACKAGE_NAME)
    _run(tmp_path, _PINNED_CHECK)


@pytest.mark.usefixtures("generator")
def test_templates_render_date_times_enums_and_nested_lists(codegen: ModuleType, tmp_path: Path) -> None:
    """A schema with a date-time, an enum and a list of models renders to strict, working models."""
    codegen.generate_into(_KINDS_SPEC, tmp_path / codegen.PACKAGE_NAME)
    _run(tmp_path, _KINDS_CHECK)
