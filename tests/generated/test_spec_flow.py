"""A new server field costs one `nox -s generate`: overlay-only fields reach every layer, no hand edits.

In a scratch copy of wrapper/, generated/, openapi/ and scripts/, the overlay gains actions that add new
fields to the remote and replication schemas: response fields (date-time among them, and fields only the
server sets) and optional fields of the create and update requests (one create-only, one update-only).
The scratch scripts/codegen.py regenerates generated/ with the pinned generator; then a fresh interpreter
that imports the scratch packages (``_spec_flow_check.py``) checks every layer on embedded servers: the
models (get and list), the four methods (sent only when passed), desired state with plan and apply, the
fleet file, and the CLI's options and ``--json``. FakeInfluxDB's ``keep_unknown_fields`` makes the
embedded server act as a newer server that knows the fields.

The flow runs twice, with two unrelated sets of names and kinds; the second runs the CLI from outside,
as ``python -m influxdb_replications`` in its own process.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECK_SCRIPT = Path(__file__).with_name("_spec_flow_check.py")
PACKAGES = ("influxdb_replications", "influxdb_replications_api")
# the schemas a field of each resource is added to, by role
SCHEMAS = {
    "remote": {
        "response": "RemoteConnection",
        "create": "RemoteConnectionCreationRequest",
        "update": "RemoteConnectionUpdateRequest",
    },
    "replication": {
        "response": "Replication",
        "create": "ReplicationCreationRequest",
        "update": "ReplicationUpdateRequest",
    },
}
BOTH = ("create", "update")
STRING: dict[str, Any] = {"type": "string"}
DATE_TIME: dict[str, Any] = {"type": "string", "format": "date-time"}
INTEGER: dict[str, Any] = {"type": "integer", "format": "int64"}
NUMBER: dict[str, Any] = {"type": "number", "format": "double"}
BOOLEAN: dict[str, Any] = {"type": "boolean"}


@dataclass(frozen=True)
class NewField:
    """A field the scratch overlay adds.

    Attributes:
        resource: "remote" or "replication".
        key: Its JSON key.
        name: The snake_case name the generator must give it.
        schema: Its OpenAPI schema.
        requests: The requests that carry it besides the response: ("create", "update"), ("create",),
            ("update",), or () for a field only the server sets.
        values: Two JSON values: the first for create (or the server's), the second for update. A
            boolean's first value is true (a create flag can only set true).
    """

    resource: str
    key: str
    name: str
    schema: dict[str, Any]
    requests: tuple[str, ...]
    values: tuple[Any, Any]

    @property
    def kind(self) -> str:
        if "enum" in self.schema:
            return "enum"
        if self.schema.get("format") == "date-time":
            return "datetime"
        kinds = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}
        return kinds[self.schema["type"]]

    def as_json(self) -> dict[str, Any]:
        return {
            "resource": self.resource,
            "key": self.key,
            "name": self.name,
            "kind": self.kind,
            "requests": list(self.requests),
            "values": list(self.values),
            "choices": list(self.schema.get("enum", ())),
        }


def _enum(*choices: str) -> dict[str, Any]:
    return {"type": "string", "enum": list(choices)}


# The names the issue suggests: region, lastSyncedAt, priority, a boolean.
BRIEF_NAMES = (
    NewField("remote", "region", "region", STRING, BOTH, ("eu-west", "eu-north")),
    NewField(
        "remote",
        "maintenanceUntil",
        "maintenance_until",
        DATE_TIME,
        BOTH,
        ("2030-01-02T03:04:05+00:00", "2031-06-07T08:09:10+02:00"),
    ),
    NewField("remote", "provisionedBy", "provisioned_by", STRING, ("create",), ("ops-team", "unused")),
    NewField("remote", "drainMode", "drain_mode", BOOLEAN, ("update",), (True, False)),
    NewField("remote", "lastSyncedAt", "last_synced_at", DATE_TIME, (), ("2029-12-31T23:59:58Z", None)),
    NewField("replication", "priority", "priority", INTEGER, BOTH, (3, 7)),
    NewField("replication", "compressBatches", "compress_batches", BOOLEAN, BOTH, (True, False)),
    NewField("replication", "throttleRatio", "throttle_ratio", NUMBER, BOTH, (0.25, 0.75)),
    NewField(
        "replication",
        "deliveryMode",
        "delivery_mode",
        _enum("ordered", "unordered"),
        BOTH,
        ("ordered", "unordered"),
    ),
    NewField("replication", "region", "region", STRING, (), ("eu-west", None)),
    NewField(
        "replication", "lastSyncedAt", "last_synced_at", DATE_TIME, (), ("2029-12-31T23:00:00+01:00", None)
    ),
)
# Unrelated names, with the kinds moved to the other resource.
OTHER_NAMES = (
    NewField("remote", "tierLevel", "tier_level", INTEGER, BOTH, (1, 2)),
    NewField("remote", "pinCertificate", "pin_certificate", BOOLEAN, BOTH, (True, False)),
    NewField("remote", "weightFactor", "weight_factor", NUMBER, BOTH, (1.5, 2.0)),
    NewField("remote", "auditMode", "audit_mode", _enum("strict", "lenient"), BOTH, ("strict", "lenient")),
    NewField("remote", "registeredAt", "registered_at", DATE_TIME, (), ("2028-02-29T12:00:00Z", None)),
    NewField(
        "replication",
        "windowStart",
        "window_start",
        DATE_TIME,
        BOTH,
        ("2030-03-04T05:06:07-05:00", "2030-03-05T00:00:00+00:00"),
    ),
    NewField("replication", "ownerTeam", "owner_team", STRING, BOTH, ("data", "platform")),
    NewField("replication", "batchLabel", "batch_label", STRING, ("create",), ("nightly", "unused")),
    NewField("replication", "retryBudget", "retry_budget", INTEGER, ("update",), (5, 9)),
    NewField("replication", "lastFlushAt", "last_flush_at", DATE_TIME, (), ("2029-01-01T00:00:00Z", None)),
    NewField("replication", "healthScore", "health_score", NUMBER, (), (0.9, None)),
)
# name set -> (fields, how the check runs the CLI)
FLOWS = {"brief-names": (BRIEF_NAMES, "inprocess"), "other-names": (OTHER_NAMES, "subprocess")}


def overlay_actions(fields: tuple[NewField, ...]) -> list[dict[str, Any]]:
    """Overlay actions adding ``fields`` to the response, create and update schemas of both resources."""
    actions = []
    for resource, schemas in SCHEMAS.items():
        for role, schema in schemas.items():
            props = {
                f.key: f.schema
                for f in fields
                if f.resource == resource and (role == "response" or role in f.requests)
            }
            if props:
                actions.append(
                    {
                        "target": f"$.components.schemas.{schema}.properties",
                        "description": f"spec-flow test: fields a newer server's {schema} has.",
                        "update": props,
                    }
                )
    return actions


@dataclass(frozen=True)
class Flow:
    """One regenerated scratch copy and what the fresh interpreter reported about it."""

    scratch: Path
    layers: dict[str, str]
    imported: dict[str, str]


def _copy(name: str, scratch: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", ".ruff_cache", ".mypy_cache", "*.pyc")
    shutil.copytree(ROOT / name, scratch / name, ignore=ignore)


def _run(argv: list[str], *, env: dict[str, str], cwd: Path, timeout: float) -> str:
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout)
    if proc.returncode != 0:
        pytest.fail(f"{' '.join(argv[:3])} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


@pytest.fixture(scope="module", params=sorted(FLOWS))
def flow(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    spec_bytes: bytes,
    generator: str,
) -> Flow:
    """A scratch copy regenerated with the new fields, checked layer by layer in a fresh interpreter."""
    fields, cli_mode = FLOWS[request.param]
    scratch = tmp_path_factory.mktemp(f"spec-flow-{request.param}")
    for name in ("wrapper", "generated", "openapi", "scripts"):
        _copy(name, scratch)
    overlay_file = scratch / "openapi" / "overlay.yaml"
    overlay = _yaml().safe_load(overlay_file.read_text(encoding="utf-8"))
    overlay["actions"].extend(overlay_actions(fields))
    overlay_file.write_text(_yaml().safe_dump(overlay, sort_keys=False), encoding="utf-8")
    spec = scratch / "spec.yml"
    spec.write_bytes(spec_bytes)
    env = {k: v for k, v in os.environ.items() if not k.startswith("INFLUX_") and k != "PYTHONPATH"}
    _run(
        [sys.executable, str(scratch / "scripts" / "codegen.py"), "generate", "--from", str(spec)],
        env=env,
        cwd=scratch,
        timeout=180,
    )

    table = scratch / "fields.json"
    table.write_text(json.dumps([f.as_json() for f in fields]), encoding="utf-8")
    env["PYTHONPATH"] = os.pathsep.join([str(scratch / "wrapper"), str(scratch / "generated")])
    out = _run([sys.executable, str(CHECK_SCRIPT), str(table), cli_mode], env=env, cwd=scratch, timeout=300)
    report = json.loads(out.strip().splitlines()[-1])
    return Flow(scratch, report["layers"], report["imported"])


def _yaml() -> ModuleType:
    module: ModuleType = pytest.importorskip(
        "yaml", reason="PyYAML comes with the `generate` dependency group"
    )
    return module


def test_only_the_overlay_changed(flow: Flow, codegen: ModuleType) -> None:
    """The scratch wrapper/ is the checkout's, byte for byte; regeneration changed only generated models."""
    assert codegen.diff_trees(ROOT / "wrapper", flow.scratch / "wrapper") == []
    package = Path("generated") / codegen.PACKAGE_NAME
    changed = codegen.diff_trees(ROOT / package, flow.scratch / package)
    assert changed and all(rel.startswith("models/") for rel in changed), changed


def test_the_fresh_interpreter_used_the_scratch_copy(flow: Flow) -> None:
    """Every module of both packages the check loaded came from the scratch copy, not the checkout."""
    assert {name.split(".")[0] for name in flow.imported} == set(PACKAGES)
    scratch = flow.scratch.resolve()
    outside = {name: path for name, path in flow.imported.items() if not Path(path).is_relative_to(scratch)}
    assert outside == {}


def test_models_carry_the_new_fields(flow: Flow) -> None:
    """FIELDS and the Extras TypedDicts list them; create, get, list and find return them, typed."""
    assert flow.layers["models"] == "ok", flow.layers["models"]


def test_methods_send_the_new_fields_only_when_passed(flow: Flow) -> None:
    """The four replication methods and remotes create/update take them, check them, send them if given."""
    assert flow.layers["methods"] == "ok", flow.layers["methods"]


def test_desired_state_plan_and_apply_carry_the_new_fields(flow: Flow) -> None:
    """Desired state takes them; plan shows them; apply creates and updates with them; then no changes."""
    assert flow.layers["plan"] == "ok", flow.layers["plan"]


def test_fleet_file_carries_the_new_fields(flow: Flow) -> None:
    """The fleet file takes them with TOML types, applies them, and refuses a wrong type at FILE:LINE."""
    assert flow.layers["fleet"] == "ok", flow.layers["fleet"]


def test_apply_sets_update_only_fields_in_one_run(flow: Flow) -> None:
    """A desired field only the update request has is set by one apply that creates the object."""
    assert flow.layers["update_only"] == "ok", flow.layers["update_only"]


def test_cli_carries_the_new_fields(flow: Flow) -> None:
    """The CLI's create/update options send them; --json of create, get, list and update shows them."""
    assert flow.layers["cli"] == "ok", flow.layers["cli"]
