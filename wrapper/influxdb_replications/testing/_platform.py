"""The rest of InfluxDB 2.x the fake needs: orgs, buckets, /api/v2/write, /health, /ping and /ready.

These are not part of the reference; they follow InfluxDB 2.x closely enough for a client (and for
another fake that replicates into this one), and their bodies carry every field the upstream OpenAPI
schemas require.
"""

from __future__ import annotations

import gzip
import json
import time
import zlib
from typing import Any

from aiohttp import web

from ._bodies import Call
from ._engine import Engine
from ._errors import ApiError, invalid, not_found
from ._http import no_content, ok
from ._ids import try_parse_id
from ._lineprotocol import PRECISIONS, LineProtocolError, parse
from ._store import Bucket, Org, Store, now_rfc3339, require

VERSION = "v2.9.1"
COMMIT = "d4fa19410000000000000000000000000000fake"
SHARD_GROUP_SECONDS = 604_800
_STARTED = now_rfc3339()
_STARTED_MONOTONIC = time.monotonic()


def org_json(org: Org) -> dict[str, Any]:
    """An org as InfluxDB 2.x writes it."""
    base = f"/api/v2/orgs/{org.id}"
    return {
        "links": {
            "buckets": f"/api/v2/buckets?org={org.name}",
            "dashboards": f"/api/v2/dashboards?org={org.name}",
            "labels": f"{base}/labels",
            "members": f"{base}/members",
            "owners": f"{base}/owners",
            "secrets": f"{base}/secrets",
            "self": base,
            "tasks": f"/api/v2/tasks?org={org.name}",
        },
        "id": org.id,
        "name": org.name,
        "description": "",
        "createdAt": org.created_at,
        "updatedAt": org.created_at,
    }


def bucket_json(bucket: Bucket) -> dict[str, Any]:
    """A bucket as InfluxDB 2.x writes it (`name` and `retentionRules` are required by the schema)."""
    base = f"/api/v2/buckets/{bucket.id}"
    out: dict[str, Any] = {
        "id": bucket.id,
        "orgID": bucket.org_id,
        "type": "user",
        "name": bucket.name,
    }
    if bucket.description:
        out["description"] = bucket.description
    out.update(
        {
            "retentionRules": [
                {
                    "type": "expire",
                    "everySeconds": bucket.retention_seconds,
                    "shardGroupDurationSeconds": SHARD_GROUP_SECONDS,
                }
            ],
            "createdAt": bucket.created_at,
            "updatedAt": bucket.created_at,
            "links": {
                "labels": f"{base}/labels",
                "members": f"{base}/members",
                "org": f"/api/v2/orgs/{bucket.org_id}",
                "owners": f"{base}/owners",
                "self": base,
                "write": f"/api/v2/write?org={bucket.org_id}&bucket={bucket.id}",
            },
            "labels": [],
        }
    )
    return out


def health() -> web.Response:
    """GET /health."""
    return ok(
        {
            "name": "influxdb",
            "message": "ready for queries and writes",
            "status": "pass",
            "checks": [],
            "version": VERSION,
            "commit": COMMIT,
        }
    )


def ping() -> web.Response:
    """GET|HEAD /ping: 204 with the version headers."""
    return web.Response(status=204, headers={"X-Influxdb-Version": VERSION, "X-Influxdb-Build": "OSS"})


def ready() -> web.Response:
    """GET /ready."""
    up = time.monotonic() - _STARTED_MONOTONIC
    return ok({"status": "ready", "started": _STARTED, "up": f"{up:.3f}s"})


class PlatformApi:
    """Orgs, buckets and writes over one store and engine."""

    def __init__(self, store: Store, engine: Engine) -> None:
        self._store = store
        self._engine = engine

    def _org_from_query(self, call: Call) -> Org | None:
        """The org named by `orgID` or `org` (404 when given but unknown); None when neither is given."""
        raw_id = call.query.get("orgID")
        if raw_id:
            org = self._store.orgs.get(try_parse_id(raw_id) or "")
            if org is None:
                raise not_found("organization not found")
            return org
        name = call.query.get("org")
        if name:
            found = self._store.org_by_name(name)
            if found is None:
                raise not_found(f'organization name "{name}" not found')
            return found
        return None

    async def list_orgs(self, call: Call) -> web.Response:
        """GET /api/v2/orgs: the orgs the token has any permission in."""
        chosen = self._org_from_query(call)
        orgs = [chosen] if chosen else list(self._store.orgs.values())
        visible = [org_json(o) for o in orgs if call.token.touches_org(o.id)]
        return ok({"links": {"self": "/api/v2/orgs?descending=false&limit=20&offset=0"}, "orgs": visible})

    async def get_org(self, call: Call, raw_id: str) -> web.Response:
        """GET /api/v2/orgs/{id}."""
        org = self._store.orgs.get(try_parse_id(raw_id) or "")
        if org is None or not call.token.touches_org(org.id):
            raise not_found("organization not found")
        return ok(org_json(org))

    async def list_buckets(self, call: Call) -> web.Response:
        """GET /api/v2/buckets with optional `orgID`, `org`, `name` and `id` filters."""
        org = self._org_from_query(call)
        name = call.query.get("name")
        bucket_id = call.query.get("id")
        rows = [
            b
            for b in self._store.buckets.values()
            if (org is None or b.org_id == org.id)
            and (not name or b.name == name)
            and (not bucket_id or b.id == try_parse_id(bucket_id))
            and call.token.allows("read", "buckets", b.org_id, b.id)
        ]
        if name and not rows:
            raise not_found(f'bucket "{name}" not found')
        return ok(
            {
                "links": {"self": "/api/v2/buckets?descending=false&limit=20&offset=0"},
                "buckets": [bucket_json(b) for b in rows],
            }
        )

    async def create_bucket(self, call: Call) -> web.Response:
        """POST /api/v2/buckets: `{orgID, name, retentionRules?}`; a taken name is 422 `conflict`."""
        try:
            body = json.loads(call.body or b"null")
        except ValueError as exc:
            raise invalid(f"failed to unmarshal json: {exc}") from None
        if not isinstance(body, dict):
            raise invalid("failed to unmarshal json: expected a JSON object")
        org_id = try_parse_id(body.get("orgID") if isinstance(body.get("orgID"), str) else None)
        if org_id is None or org_id not in self._store.orgs:
            raise not_found("organization not found")
        name = body.get("name")
        if not isinstance(name, str) or not name:
            raise ApiError("empty value", "bucket name is empty")
        require(call.token, "write", "buckets", org_id)
        retention = 0
        rules = body.get("retentionRules")
        if isinstance(rules, list) and rules and isinstance(rules[0], dict):
            every = rules[0].get("everySeconds", 0)
            retention = every if isinstance(every, int) and not isinstance(every, bool) else 0
        return ok(bucket_json(self._store.add_bucket(org_id, name, retention)), 201)

    def _bucket(self, call: Call, raw_id: str, action: str) -> Bucket:
        bucket = self._store.buckets.get(try_parse_id(raw_id) or "")
        if bucket is None:
            raise not_found("bucket not found")
        require(call.token, action, "buckets", bucket.org_id, bucket.id, with_id=True)
        return bucket

    async def get_bucket(self, call: Call, raw_id: str) -> web.Response:
        """GET /api/v2/buckets/{id}."""
        return ok(bucket_json(self._bucket(call, raw_id, "read")))

    async def delete_bucket(self, call: Call, raw_id: str) -> web.Response:
        """DELETE /api/v2/buckets/{id}: also deletes the bucket's replications and their queues."""
        bucket = self._bucket(call, raw_id, "write")
        del self._store.buckets[bucket.id]
        self._store.points.pop(bucket.id, None)
        for rep in [r for r in self._store.replications.values() if r.local_bucket_id == bucket.id]:
            del self._store.replications[rep.id]
            self._engine.close(rep.id)
        return no_content()

    async def write(self, call: Call, content_encoding: str) -> web.Response:
        """POST /api/v2/write: store line protocol points, then queue them for the bucket's replications."""
        org = self._find_write_org(call)
        bucket_text = call.query.get("bucket", "")
        bucket = self._store.buckets.get(try_parse_id(bucket_text) or "")
        if bucket is None or bucket.org_id != org.id:
            bucket = self._store.bucket_by_name(org.id, bucket_text)
        if bucket is None:
            raise not_found(f'bucket "{bucket_text}" not found')
        require(call.token, "write", "buckets", org.id, bucket.id, with_id=True)
        precision = call.query.get("precision") or "ns"
        if precision not in PRECISIONS:
            raise invalid(f'invalid precision "{precision}"; valid values are ns, us, ms and s')
        body = call.body
        if content_encoding.strip().lower() == "gzip" and body:
            try:
                body = gzip.decompress(body)
            except (OSError, EOFError, zlib.error) as exc:
                raise invalid(f"failed to read request body: {exc}") from None
        if not body.strip():
            return no_content()
        try:
            points = parse(body.decode("utf-8", errors="replace"), precision)
        except LineProtocolError as exc:
            raise invalid(str(exc)) from None
        self._store.store_points(bucket.id, points)
        self._engine.enqueue(org.id, bucket.id, points)
        return no_content()

    def _find_write_org(self, call: Call) -> Org:
        text = call.query.get("orgID") or call.query.get("org") or ""
        if not text:
            raise invalid("Please provide either orgID or org")
        org = self._store.org_by_name_or_id(text)
        if org is None:
            raise not_found(f'organization name "{text}" not found')
        return org
