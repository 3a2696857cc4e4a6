"""Run by tests/generated/test_spec_flow.py in a fresh interpreter, against a regenerated scratch copy.

Usage: ``python _spec_flow_check.py FIELDS_JSON CLI_MODE`` with PYTHONPATH naming the scratch copy's
wrapper/ and generated/ first. FIELDS_JSON lists the fields the scratch overlay added (resource, JSON key,
expected snake_case name, kind, which requests carry it, two JSON values). Each layer is checked on
fresh embedded servers (FakeInfluxDB with ``keep_unknown_fields``, acting as a newer server that knows
the fields): ``models``, ``methods``, ``plan``, ``fleet``, ``cli``, and ``update_only`` (a desired field
that only the update request has). Nothing here names a field: everything is driven by the list, so
other field names exercise the same code.

CLI_MODE is ``inprocess`` (``cli.run`` in this event loop) or ``subprocess`` (``python -m
influxdb_replications``, as a user runs it). The last line of stdout is a JSON report::

    {"imported": {MODULE: PATH, ...}, "layers": {"models": "ok" | "FAILED: ...", ...}}

``imported`` names every module of the two packages that was loaded, so the test can see that all of
them came from the scratch copy.
"""

from __future__ import annotations

import asyncio
import datetime
import importlib
import io
import json
import os
import sys
import tempfile
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from dateutil.parser import isoparse

from influxdb_replications import ConfigError, ReplicationClient, load_fleet
from influxdb_replications.cli import run as cli_run
from influxdb_replications.operations.desired import DesiredRemote, DesiredReplication, DesiredState
from influxdb_replications.testing import FakeInfluxDB

TOKEN_ENV = "SPEC_FLOW_CLOUD_TOKEN"
PATHS = {"remote": "/api/v2/remotes", "replication": "/api/v2/replications"}
# the generated models whose FIELDS must list the new fields, by resource and schema role
MODELS = {
    "remote": {
        "response": "remote_connection.RemoteConnection",
        "create": "remote_connection_creation_request.RemoteConnectionCreationRequest",
        "update": "remote_connection_update_request.RemoteConnectionUpdateRequest",
    },
    "replication": {
        "response": "replication.Replication",
        "create": "replication_creation_request.ReplicationCreationRequest",
        "update": "replication_update_request.ReplicationUpdateRequest",
    },
}


@dataclass(frozen=True)
class NewField:
    """One field the scratch overlay added (see test_spec_flow.NewField)."""

    resource: str
    key: str
    name: str
    kind: str
    requests: tuple[str, ...]
    values: tuple[Any, Any]
    choices: tuple[str, ...]

    def py(self, index: int) -> Any:
        """Value ``index`` as the wrapper's models hold it."""
        value = self.values[index]
        if self.kind == "datetime":
            parsed = isoparse(value)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)
        return float(value) if self.kind == "float" else value

    def wire(self, index: int) -> Any:
        """Value ``index`` as the wrapper sends it in a request body."""
        value = self.py(index)
        return value.isoformat() if isinstance(value, datetime.datetime) else value

    def toml(self, index: int) -> str:
        """Value ``index`` as a TOML literal of the right type."""
        value = self.values[index]
        if self.kind == "datetime":
            return str(value)  # an RFC 3339 offset date-time is a TOML literal as it is
        if self.kind == "bool":
            return "true" if value else "false"
        return json.dumps(value)

    def wrong_toml(self) -> str:
        """A TOML literal of the wrong type for this field."""
        return {"str": "5", "enum": "5", "int": '"five"', "float": '"half"', "bool": '"yes"'}.get(
            self.kind, '"tomorrow"'
        )

    def wrong_py(self) -> Any:
        """A Python value the methods must refuse (ValueError) before any I/O."""
        if self.kind == "datetime":
            return datetime.datetime(2030, 1, 1)  # naive: the zone is unknown
        if self.kind == "enum":
            return "no-such-choice"
        return {"str": 5, "int": "5", "float": "half", "bool": "yes"}[self.kind]

    def cli(self, index: int, *, update: bool) -> list[str]:
        """The command-line options that set value ``index``."""
        flag = "--" + self.name.replace("_", "-")
        value = self.values[index]
        if self.kind == "bool":
            if value:
                return [flag]
            if not update:
                raise AssertionError(f"{self.key}: a create flag can only set true; use true first")
            return ["--no-" + self.name.replace("_", "-")]
        return [flag, str(value)]


class Fields:
    """The new fields of one resource, grouped by what carries them."""

    def __init__(self, fields: list[NewField], resource: str) -> None:
        self.all = [f for f in fields if f.resource == resource]
        self.create = [f for f in self.all if "create" in f.requests]
        self.update = [f for f in self.all if "update" in f.requests]
        self.updatable = [f for f in self.create if "update" in f.requests]
        self.create_only = [f for f in self.create if "update" not in f.requests]
        self.update_only = [f for f in self.update if "create" not in f.requests]
        self.response_only = [f for f in self.all if not f.requests]

    def kwargs(self, which: list[NewField], index: int) -> dict[str, Any]:
        return {f.name: f.py(index) for f in which}


def check(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


def check_model(model: Any, expected: dict[str, Any], where: str) -> None:
    """Every expected field is an attribute of ``model`` with that value (datetimes tz-aware)."""
    for name, value in expected.items():
        check(hasattr(model, name), f"{where}: {type(model).__name__} has no attribute {name}")
        got = getattr(model, name)
        check(got == value and type(got) is type(value), f"{where}: {name} is {got!r}, expected {value!r}")
        if isinstance(got, datetime.datetime):
            check(got.tzinfo is not None, f"{where}: {name} is a naive datetime")


def jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime.datetime) else value


# --------------------------------------------------------------------------------------------- servers


@dataclass
class Site:
    edge: FakeInfluxDB
    cloud: FakeInfluxDB
    # Any: the scratch copy's methods take keywords that the checkout's types (what mypy sees) lack
    client: Any

    def bodies(self, method: str, resource: str, *, validate: bool = False) -> list[Any]:
        """The JSON bodies of the edge's requests to one resource since the log was cleared."""
        found = []
        for record in self.edge.request_log:
            if record.method != method or not record.path.startswith(PATHS[resource]):
                continue
            if record.path.endswith("/validate") or (record.query.get("validate") == "true") != validate:
                continue
            found.append(json.loads(record.body))
        return found

    def body(self, method: str, resource: str, *, validate: bool = False) -> dict[str, Any]:
        found = self.bodies(method, resource, validate=validate)
        check(len(found) == 1, f"expected one {method} to {PATHS[resource]}, got {len(found)}")
        body: dict[str, Any] = found[0]
        return body

    async def set_server_fields(self, resource: str, object_id: str, fields: list[NewField]) -> None:
        """Give an object the values only the server sets (a newer server's computed fields)."""
        if not fields:
            return
        async with httpx.AsyncClient(base_url=self.edge.url) as http:
            response = await http.patch(
                f"{PATHS[resource]}/{object_id}",
                json={f.key: f.values[0] for f in fields},
                headers={"Authorization": f"Token {self.edge.token}"},
            )
        check(response.status_code == 200, f"raw PATCH failed: {response.status_code} {response.text}")


@asynccontextmanager
async def site() -> AsyncIterator[Site]:
    async def no_wait(_seconds: float) -> None:
        return None

    async with (
        FakeInfluxDB(org="edge", buckets=["sensors"], keep_unknown_fields=True) as edge,
        FakeInfluxDB(org="cloud", buckets=["archive"]) as cloud,
        ReplicationClient(url=edge.url, token=edge.token, org="edge", sleep=no_wait) as client,
    ):
        os.environ[TOKEN_ENV] = cloud.token
        yield Site(edge, cloud, client)


def sent(body: dict[str, Any], fields: list[NewField], index: int, where: str) -> None:
    for f in fields:
        check(f.key in body, f"{where}: {f.key} was not sent (the body has {sorted(body)})")
        check(
            body[f.key] == f.wire(index), f"{where}: {f.key} sent as {body[f.key]!r}, not {f.wire(index)!r}"
        )


def not_sent(body: dict[str, Any], fields: list[NewField], where: str) -> None:
    extra = sorted(f.key for f in fields if f.key in body)
    check(not extra, f"{where}: {extra} sent although not passed (the body has {sorted(body)})")


# ---------------------------------------------------------------------------------------------- layers


async def layer_models(rem: Fields, rep: Fields) -> None:
    """The generated models list the fields, and get and list return them with the right types."""
    for resource, fields in (("remote", rem), ("replication", rep)):
        for role, path in MODELS[resource].items():
            module_name, cls_name = path.split(".")
            module = importlib.import_module(f"influxdb_replications_api.models.{module_name}")
            specs = {spec.key: spec for spec in getattr(module, cls_name).FIELDS}
            members = fields.all if role == "response" else getattr(fields, role)
            for f in members:
                spec = specs.get(f.key)
                if spec is None:
                    raise AssertionError(f"{cls_name}.FIELDS lacks {f.key}")
                check((spec.name, spec.kind) == (f.name, f.kind), f"{cls_name}.FIELDS: {f.key} is {spec}")
                check(spec.choices == tuple(sorted(f.choices)), f"{cls_name}.FIELDS: {f.key} choices {spec}")
            if role != "response":
                extras = getattr(module, cls_name + "Extras").__annotations__
                missing = [f.name for f in members if f.name not in extras]
                check(not missing, f"{cls_name}Extras lacks {missing}")

    async with site() as s:
        remote = await s.client.remotes.create(
            name="cloud",
            remote_url=s.cloud.url,
            remote_api_token=s.cloud.token,
            **rem.kwargs(rem.create, 0),
        )
        await s.set_server_fields("remote", remote.id, rem.response_only)
        replication = await s.client.replications.create(
            name="to-cloud",
            remote=remote.id,
            local_bucket="sensors",
            remote_bucket="archive",
            **rep.kwargs(rep.create, 0),
        )
        await s.set_server_fields("replication", replication.id, rep.response_only)
        check_model(remote, rem.kwargs(rem.create, 0), "remotes.create()")
        check_model(replication, rep.kwargs(rep.create, 0), "replications.create()")
        expected = rem.kwargs(rem.create + rem.response_only, 0)
        check_model(await s.client.remotes.get(remote.id), expected, "remotes.get()")
        listed = [r for r in await s.client.remotes.list() if r.id == remote.id]
        check(len(listed) == 1, "remotes.list() lost the remote")
        check_model(listed[0], expected, "remotes.list()")
        check_model(await s.client.remotes.find("cloud"), expected, "remotes.find()")
        expected = rep.kwargs(rep.create + rep.response_only, 0)
        check_model(await s.client.replications.get(replication.id), expected, "replications.get()")
        found = [r for r in await s.client.replications.list() if r.id == replication.id]
        check(len(found) == 1, "replications.list() lost the replication")
        check_model(found[0], expected, "replications.list()")


async def layer_methods(rem: Fields, rep: Fields) -> None:
    """create/update/validate_create/validate_update take the new keywords and send them only when given."""
    async with site() as s:
        c = s.client
        base = {"remote_url": s.cloud.url, "remote_api_token": s.cloud.token, "remote_org_id": s.cloud.org_id}
        # a value of the wrong kind is refused before any I/O
        await refused(s, "remotes.create", rem.create, lambda **kw: c.remotes.create(name="x", **base, **kw))
        await refused(
            s, "remotes.update", rem.update, lambda **kw: c.remotes.update("0123456789abcdef", **kw)
        )

        s.edge.clear_request_log()
        plain = await c.remotes.create(name="plain", **base, **{f.name: None for f in rem.create})
        not_sent(s.body("POST", "remote"), rem.all, "remotes.create() without the new fields")
        s.edge.clear_request_log()
        remote = await c.remotes.create(name="cloud", **base, **rem.kwargs(rem.create, 0))
        sent(s.body("POST", "remote"), rem.create, 0, "remotes.create()")
        s.edge.clear_request_log()
        updated = await c.remotes.update(remote.id, **rem.kwargs(rem.update, 1))
        body = s.body("PATCH", "remote")
        sent(body, rem.update, 1, "remotes.update()")
        not_sent(body, rem.create_only + rem.response_only, "remotes.update()")
        check_model(updated, rem.kwargs(rem.update, 1), "remotes.update() result")
        s.edge.clear_request_log()
        await c.remotes.update(plain.id, description="only this")
        not_sent(s.body("PATCH", "remote"), rem.all, "remotes.update() without the new fields")

        bucket_id = s.cloud.bucket_id("archive")
        target = {"remote": remote.id, "local_bucket": "sensors", "remote_bucket_id": bucket_id}
        s.edge.clear_request_log()
        await c.replications.validate_create(name="v", **target)
        not_sent(s.body("POST", "replication", validate=True), rep.all, "validate_create() without them")
        s.edge.clear_request_log()
        await c.replications.validate_create(name="v", **target, **rep.kwargs(rep.create, 0))
        sent(s.body("POST", "replication", validate=True), rep.create, 0, "validate_create()")
        s.edge.clear_request_log()
        plain_rep = await c.replications.create(name="plain", **target)
        not_sent(s.body("POST", "replication"), rep.all, "replications.create() without the new fields")
        s.edge.clear_request_log()
        replication = await c.replications.create(name="to-cloud", **target, **rep.kwargs(rep.create, 0))
        sent(s.body("POST", "replication"), rep.create, 0, "replications.create()")
        s.edge.clear_request_log()
        await c.replications.validate_update(replication.id, **rep.kwargs(rep.update, 1))
        body = s.body("PATCH", "replication", validate=True)
        sent(body, rep.update, 1, "validate_update()")
        not_sent(body, rep.create_only + rep.response_only, "validate_update()")
        s.edge.clear_request_log()
        updated_rep = await c.replications.update(replication.id, **rep.kwargs(rep.update, 1))
        body = s.body("PATCH", "replication")
        sent(body, rep.update, 1, "replications.update()")
        not_sent(body, rep.create_only + rep.response_only, "replications.update()")
        check_model(updated_rep, rep.kwargs(rep.update, 1), "replications.update() result")
        s.edge.clear_request_log()
        await c.replications.update(
            plain_rep.id, description="only this", **{f.name: None for f in rep.update}
        )
        not_sent(s.body("PATCH", "replication"), rep.all, "replications.update() without the new fields")
        s.edge.clear_request_log()
        await c.replications.validate_update(plain_rep.id, description="only this")
        not_sent(s.body("PATCH", "replication", validate=True), rep.all, "validate_update() without them")

        reps, rid = c.replications, replication.id
        await refused(
            s, "replications.create", rep.create, lambda **kw: reps.create(name="x", **target, **kw)
        )
        await refused(
            s, "validate_create", rep.create, lambda **kw: reps.validate_create(name="x", **target, **kw)
        )
        await refused(s, "replications.update", rep.update, lambda **kw: reps.update(rid, **kw))
        await refused(s, "validate_update", rep.update, lambda **kw: reps.validate_update(rid, **kw))


async def refused(s: Site, method: str, fields: list[NewField], call: Callable[..., Awaitable[Any]]) -> None:
    """``call(field=wrong value)`` raises a ValueError naming the field, and sends nothing."""
    for f in fields:
        s.edge.clear_request_log()
        try:
            await call(**{f.name: f.wrong_py()})
        except ValueError as exc:
            check(f.name in str(exc), f"{method}: the ValueError does not name {f.name}: {exc}")
        else:
            raise AssertionError(f"{method}: {f.name}={f.wrong_py()!r} was accepted")
        check(not s.edge.request_log, f"{method}: a bad {f.name} reached the server")


def desired_state(s: Site, rem: Fields, rep: Fields, index: int) -> DesiredState:
    """A remote and a replication with the create fields at value 0 and the updatable ones at ``index``."""
    rem_values = {**rem.kwargs(rem.create_only, 0), **rem.kwargs(rem.updatable, index)}
    rep_values = {**rep.kwargs(rep.create_only, 0), **rep.kwargs(rep.updatable, index)}
    remote = DesiredRemote(
        name="cloud", remote_url=s.cloud.url, remote_org_id=s.cloud.org_id, token_env=TOKEN_ENV, **rem_values
    )
    replication = DesiredReplication(
        name="to-cloud", remote="cloud", local_bucket="sensors", remote_bucket="archive", **rep_values
    )
    for obj, values in ((remote, rem_values), (replication, rep_values)):
        # extras: every managed field the resource methods take through **fields, the new ones among them
        new = {name: obj.extras.get(name) for name in values}
        check(new == values, f"{type(obj).__name__}.extras is {obj.extras}, expected {values} among them")
        for name, value in values.items():
            check(getattr(obj, name) == value, f"{type(obj).__name__}.{name} is {getattr(obj, name)!r}")
    return DesiredState(remotes=(remote,), replications=(replication,))


async def layer_plan(rem: Fields, rep: Fields) -> None:
    """Desired state takes the fields; plan shows them; apply sends them; a second plan is empty."""
    async with site() as s:
        first = desired_state(s, rem, rep, 0)
        plan = await s.client.plan(first)
        check([c.action for c in plan.changes] == ["create", "create"], f"first plan: {plan}")
        for change, fields in zip(plan.changes, (rem, rep), strict=True):
            for f in fields.create:
                check(change.fields.get(f.name) == (None, f.py(0)), f"plan create lacks {f.name}: {change}")
                check(f"{f.name}:" in str(change), f"the diff text does not show {f.name}:\n{change}")
        s.edge.clear_request_log()
        await s.client.apply(first)
        sent(s.body("POST", "remote"), rem.create, 0, "apply: remote create")
        sent(s.body("POST", "replication"), rep.create, 0, "apply: replication create")
        again = await s.client.plan(first)
        check(again.is_empty, f"plan after apply is not empty:\n{again}")

        second = desired_state(s, rem, rep, 1)
        plan = await s.client.plan(second)
        expected_actions = [a for a, fields in (("update", rem), ("update", rep)) if fields.updatable]
        check([c.action for c in plan.changes] == expected_actions, f"second plan: {plan}")
        for change in plan.changes:
            fields = rem if change.kind == "remote" else rep
            want = {f.name: (f.py(0), f.py(1)) for f in fields.updatable}
            check(change.fields == want, f"plan update fields {change.fields}, expected {want}")
        s.edge.clear_request_log()
        await s.client.apply(second)
        for resource, fields in (("remote", rem), ("replication", rep)):
            if fields.updatable:
                body = s.body("PATCH", resource)
                sent(body, fields.updatable, 1, f"apply: {resource} update")
                not_sent(body, fields.create_only, f"apply: {resource} update")
        again = await s.client.plan(second)
        check(again.is_empty, f"plan after the update is not empty:\n{again}")


async def layer_update_only(rem: Fields, rep: Fields) -> None:
    """A desired field only the update request has is set by one apply of a missing object."""
    async with site() as s:
        remote = DesiredRemote(
            name="cloud",
            remote_url=s.cloud.url,
            remote_org_id=s.cloud.org_id,
            token_env=TOKEN_ENV,
            **rem.kwargs(rem.update_only, 0),
        )
        replication = DesiredReplication(
            name="to-cloud",
            remote="cloud",
            local_bucket="sensors",
            remote_bucket="archive",
            **rep.kwargs(rep.update_only, 0),
        )
        state = DesiredState(remotes=(remote,), replications=(replication,))
        plan = await s.client.plan(state)
        for change, fields in zip(plan.changes, (rem, rep), strict=True):
            for f in fields.update_only:
                check(change.fields.get(f.name) == (None, f.py(0)), f"plan create lacks {f.name}: {change}")
        s.edge.clear_request_log()
        await s.client.apply(state)
        for resource, fields in (("remote", rem), ("replication", rep)):
            bodies = s.bodies("POST", resource) + s.bodies("PATCH", resource)
            for f in fields.update_only:
                check(
                    any(body.get(f.key) == f.wire(0) for body in bodies),
                    f"apply never sent {f.key} (the plan showed it for the create)",
                )
        again = await s.client.plan(state)
        check(again.is_empty, f"plan after apply is not empty:\n{again}")


def fleet_text(
    s: Site, rem: Fields, rep: Fields, wrong: NewField | None = None
) -> tuple[str, dict[str, int]]:
    """A fleet file setting every field (``wrong`` with a value of the wrong type) and each key's line."""
    lines = [
        "[[remotes]]",
        'name = "cloud"',
        f'remote_url = "{s.cloud.url}"',
        f'remote_org_id = "{s.cloud.org_id}"',
        f'token_env = "{TOKEN_ENV}"',
    ]
    where: dict[str, int] = {}

    def add(fields: Fields) -> None:
        for f in fields.create:
            where[f.resource + "." + f.name] = len(lines) + 1
            lines.append(f"{f.name} = {f.wrong_toml() if f is wrong else f.toml(0)}")

    add(rem)
    lines += [
        "",
        "[[replications]]",
        'name = "to-cloud"',
        'remote = "cloud"',
        'local_bucket = "sensors"',
        'remote_bucket = "archive"',
    ]
    add(rep)
    return "\n".join(lines) + "\n", where


async def layer_fleet(rem: Fields, rep: Fields) -> None:
    """The fleet file takes the fields with TOML types, refuses a wrong type at FILE:LINE, and applies."""
    async with site() as s:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "fleet.toml"
            text, _ = fleet_text(s, rem, rep)
            path.write_text(text)
            config = load_fleet(path)
            remote, replication = config.desired.remotes[0], config.desired.replications[0]
            for obj, fields in ((remote, rem), (replication, rep)):
                want = fields.kwargs(fields.create, 0)
                got = {name: obj.extras.get(name) for name in want}
                check(got == want, f"fleet file: {type(obj).__name__} extras {obj.extras}, expected {want} among them")
                for name, value in want.items():
                    check(type(got[name]) is type(value), f"fleet file: {name} is a {type(got[name])}")
            await s.client.apply(config.desired)
            again = await s.client.plan(config.desired)
            check(again.is_empty, f"plan of the fleet file after applying it is not empty:\n{again}")

            for f in rem.create + rep.create:
                text, where = fleet_text(s, rem, rep, wrong=f)
                path.write_text(text)
                try:
                    load_fleet(path)
                except ConfigError as exc:
                    prefix = f"{path}:{where[f.resource + '.' + f.name]}:"
                    check(str(exc).startswith(prefix), f"fleet error {exc!s} does not start with {prefix}")
                    check(f.name in str(exc), f"fleet error {exc!s} does not name {f.name}")
                else:
                    raise AssertionError(f"fleet file: {f.name} = {f.wrong_toml()} was accepted")
            for f in [f for f in rem.create + rep.create if f.kind == "enum"]:
                text, where = fleet_text(s, rem, rep)
                text = text.replace(f"{f.name} = {f.toml(0)}", f'{f.name} = "no-such-choice"')
                path.write_text(text)
                try:
                    load_fleet(path)
                except ConfigError as exc:
                    prefix = f"{path}:{where[f.resource + '.' + f.name]}:"
                    check(str(exc).startswith(prefix), f"fleet error {exc!s} does not start with {prefix}")
                else:
                    raise AssertionError(f"fleet file: {f.name} = 'no-such-choice' was accepted")


CliRunner = Callable[[list[str]], Awaitable[tuple[int, str, str]]]


async def run_inprocess(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = await cli_run(argv, stdout=out, stderr=err, stdin=io.StringIO())
    return code, out.getvalue(), err.getvalue()


async def run_subprocess(argv: list[str]) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INFLUX_")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "influxdb_replications",
        *argv,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode or 0, out.decode(), err.decode()


async def layer_cli(rem: Fields, rep: Fields, runner: CliRunner) -> None:
    """The CLI's create/update options set the fields; --json of get/list/create/update shows them."""
    async with site() as s:
        # tokens go as --opt=VALUE: a random token may start with "-", which argparse would take for an option
        conn = ["--host", s.edge.url, f"--token={s.edge.token}", "--org", "edge", "--json"]

        async def cli(*argv: str) -> Any:
            code, out, err = await runner([*argv, *conn])
            check(code == 0, f"`{' '.join(argv[:2])}` exited {code}: {err.strip()}")
            return json.loads(out)

        def shows(data: Any, fields: list[NewField], index: int, where: str) -> None:
            for f in fields:
                check(f.name in data, f"{where}: --json has no {f.name}: {data}")
                check(data[f.name] == jsonable(f.py(index)), f"{where}: {f.name} is {data[f.name]!r}")

        def options(fields: list[NewField], index: int, *, update: bool) -> list[str]:
            return [arg for f in fields for arg in f.cli(index, update=update)]

        s.edge.clear_request_log()
        created = await cli(
            "remotes",
            "create",
            "--name",
            "cloud",
            "--remote-url",
            s.cloud.url,
            f"--remote-api-token={s.cloud.token}",
            "--remote-org-id",
            s.cloud.org_id,
            *options(rem.create, 0, update=False),
        )
        sent(s.body("POST", "remote"), rem.create, 0, "remotes create")
        shows(created, rem.create, 0, "remotes create --json")
        await s.set_server_fields("remote", created["id"], rem.response_only)
        shows(await cli("remotes", "get", "cloud"), rem.create + rem.response_only, 0, "remotes get --json")
        listed = await cli("remotes", "list")
        check(len(listed) == 1, f"remotes list --json: {listed}")
        shows(listed[0], rem.create + rem.response_only, 0, "remotes list --json")
        s.edge.clear_request_log()
        updated = await cli("remotes", "update", "cloud", *options(rem.update, 1, update=True))
        body = s.body("PATCH", "remote")
        sent(body, rem.update, 1, "remotes update")
        not_sent(body, rem.create_only, "remotes update")
        shows(updated, rem.update, 1, "remotes update --json")

        s.edge.clear_request_log()
        created = await cli(
            "replications",
            "create",
            "--name",
            "to-cloud",
            "--remote",
            "cloud",
            "--local-bucket",
            "sensors",
            "--remote-bucket",
            "archive",
            *options(rep.create, 0, update=False),
        )
        sent(s.body("POST", "replication"), rep.create, 0, "replications create")
        shows(created, rep.create, 0, "replications create --json")
        await s.set_server_fields("replication", created["id"], rep.response_only)
        got = await cli("replications", "get", "to-cloud")
        shows(got, rep.create + rep.response_only, 0, "replications get --json")
        listed = await cli("replications", "list")
        check(len(listed) == 1, f"replications list --json: {listed}")
        shows(listed[0], rep.create + rep.response_only, 0, "replications list --json")
        s.edge.clear_request_log()
        updated = await cli("replications", "update", "to-cloud", *options(rep.update, 1, update=True))
        body = s.body("PATCH", "replication")
        sent(body, rep.update, 1, "replications update")
        not_sent(body, rep.create_only, "replications update")
        shows(updated, rep.update, 1, "replications update --json")


# ---------------------------------------------------------------------------------------------- main


def _short(exc: BaseException) -> str:
    """The check's own message, or an unexpected error with the place it was raised."""
    if isinstance(exc, AssertionError):
        return str(exc)
    where = traceback.extract_tb(exc.__traceback__)[-1]
    return f"{type(exc).__name__}: {exc} (raised at {where.filename}:{where.lineno})"


async def main(fields: list[NewField], cli_mode: str) -> dict[str, str]:
    rem, rep = Fields(fields, "remote"), Fields(fields, "replication")
    runner = run_inprocess if cli_mode == "inprocess" else run_subprocess
    layers: dict[str, Callable[[], Awaitable[None]]] = {
        "models": lambda: layer_models(rem, rep),
        "methods": lambda: layer_methods(rem, rep),
        "plan": lambda: layer_plan(rem, rep),
        "fleet": lambda: layer_fleet(rem, rep),
        "cli": lambda: layer_cli(rem, rep, runner),
        "update_only": lambda: layer_update_only(rem, rep),
    }
    results: dict[str, str] = {}
    for name, layer in layers.items():
        try:
            await asyncio.wait_for(layer(), 60)
        except Exception as exc:
            results[name] = f"FAILED: {_short(exc)}"
        else:
            results[name] = "ok"
    return results


def _load(path: str) -> Iterator[NewField]:
    for item in json.loads(Path(path).read_text()):
        yield NewField(
            resource=item["resource"],
            key=item["key"],
            name=item["name"],
            kind=item["kind"],
            requests=tuple(item["requests"]),
            values=(item["values"][0], item["values"][1]),
            choices=tuple(item.get("choices", ())),
        )


if __name__ == "__main__":
    table, mode = sys.argv[1:3]
    layers = asyncio.run(main(list(_load(table)), mode))
    # every module of both packages that was used, and where it came from
    imported = {}
    for name, module in sorted(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if name.split(".")[0] in ("influxdb_replications", "influxdb_replications_api") and file:
            imported[name] = str(Path(file).resolve())
    print(json.dumps({"imported": imported, "layers": layers}))
