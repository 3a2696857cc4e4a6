"""Handlers for /api/v2/remotes and /api/v2/replications (reference sections 2-5).

Each handler runs its checks in the server's order: path ID, body decoding, request validation,
lookup (404), authorization (401), then the store's constraints.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from ._bodies import (
    CREATE_REMOTE,
    CREATE_REPLICATION,
    DEFAULT_QUEUE_SIZE,
    UPDATE_REMOTE,
    UPDATE_REPLICATION,
    Call,
    check_limits,
    decode_body,
    remote_json,
    replication_json,
)
from ._engine import Engine
from ._errors import ApiError, internal, invalid, not_found
from ._http import no_content, ok
from ._ids import try_parse_id
from ._jsonio import RequestType
from ._remote import RemoteTarget
from ._store import Remote, Replication, Store, Token, require


class ManagementApi:
    """The remotes and replications endpoints over one store and engine."""

    def __init__(self, store: Store, engine: Engine, *, keep_unknown_fields: bool = False) -> None:
        self._store = store
        self._engine = engine
        self._keep_unknown_fields = keep_unknown_fields

    def _unknown(self, call: Call, request_type: RequestType) -> dict[str, Any]:
        """With keep_unknown_fields: the body's non-null top-level keys that the request type lacks.

        The real server ignores them (Go's decoder drops unknown keys); the knob lets tests act as a
        newer server that knows fields this one does not. Called after ``_decode`` accepted the body.
        """
        if not self._keep_unknown_fields:
            return {}
        try:
            value = json.loads(call.body)
        except ValueError:  # e.g. trailing data after the first value, which Go's decoder ignores
            return {}
        if not isinstance(value, dict):
            return {}
        known = {f.name.lower() for f in request_type.fields}
        return {k: v for k, v in value.items() if k.lower() not in known and v is not None}

    # --- remotes -----------------------------------------------------------------------------------

    def _remote(self, raw_id: str, token: Token, action: str) -> Remote:
        remote_id = try_parse_id(raw_id)
        if remote_id is None:
            raise invalid("remote-connection ID is invalid")
        remote = self._store.remotes.get(remote_id)
        if remote is None:
            raise not_found("remote connection not found")
        require(token, action, "remotes", remote.org_id, remote.id, with_id=True)
        return remote

    def _remote_name_taken(self, org_id: str, name: str, exclude: str | None = None) -> bool:
        rows = self._store.remotes.values()
        return any(r.org_id == org_id and r.name == name and r.id != exclude for r in rows)

    async def list_remotes(self, call: Call) -> web.Response:
        """GET /api/v2/remotes: `null` when nothing matched, rows the token cannot read dropped silently."""
        org_id = try_parse_id(call.query.get("orgID"))
        if org_id is None:
            raise invalid("invalid or missing org ID")
        name = call.query.get("name") or None
        url = call.query.get("remoteURL") or None
        rows = [
            r
            for r in self._store.remotes.values()
            if r.org_id == org_id and name in (None, r.name) and url in (None, r.remote_url)
        ]
        if not rows:
            return ok({"remotes": None})
        rows.sort(key=lambda r: (r.remote_url.encode(), r.seq))  # the (org_id, remote_url) index order
        visible = [remote_json(r) for r in rows if call.token.allows("read", "remotes", r.org_id, r.id)]
        return ok({"remotes": visible})

    async def create_remote(self, call: Call) -> web.Response:
        """POST /api/v2/remotes: no field validation; a duplicate name is a raw UNIQUE error (500)."""
        fields = decode_body(call, CREATE_REMOTE)
        org_id = fields.get("orgID")
        require(call.token, "write", "remotes", org_id)
        assert org_id is not None  # require() has rejected a zero org ID
        name = fields.get("name", "")
        if self._remote_name_taken(org_id, name):
            raise internal("UNIQUE constraint failed: remotes.org_id, remotes.name")
        remote = Remote(
            id=self._store.new_id(),
            org_id=org_id,
            name=name,
            description=fields.get("description"),
            remote_url=fields.get("remoteURL", ""),
            remote_api_token=fields.get("remoteAPIToken", ""),
            remote_org_id=fields.get("remoteOrgID"),
            allow_insecure_tls=fields.get("allowInsecureTLS", False),
            seq=self._store.next_seq(),
            extra=self._unknown(call, CREATE_REMOTE),
        )
        self._store.remotes[remote.id] = remote
        return ok(remote_json(remote), 201)

    async def get_remote(self, call: Call, raw_id: str) -> web.Response:
        """GET /api/v2/remotes/{id}: 404 before 401."""
        return ok(remote_json(self._remote(raw_id, call.token, "read")))

    async def update_remote(self, call: Call, raw_id: str) -> web.Response:
        """PATCH /api/v2/remotes/{id}: omitted or null fields stay as they are."""
        if try_parse_id(raw_id) is None:
            raise invalid("remote-connection ID is invalid")
        fields = decode_body(call, UPDATE_REMOTE)
        remote = self._remote(raw_id, call.token, "write")
        if "name" in fields and self._remote_name_taken(remote.org_id, fields["name"], remote.id):
            raise internal("UNIQUE constraint failed: remotes.org_id, remotes.name")
        remote.name = fields.get("name", remote.name)
        remote.description = fields.get("description", remote.description)
        remote.remote_url = fields.get("remoteURL", remote.remote_url)
        remote.remote_api_token = fields.get("remoteAPIToken", remote.remote_api_token)
        remote.remote_org_id = fields.get("remoteOrgID", remote.remote_org_id)
        remote.allow_insecure_tls = fields.get("allowInsecureTLS", remote.allow_insecure_tls)
        remote.extra.update(self._unknown(call, UPDATE_REMOTE))
        return ok(remote_json(remote))

    async def delete_remote(self, call: Call, raw_id: str) -> web.Response:
        """DELETE /api/v2/remotes/{id}: refused (500) while a replication uses it."""
        remote = self._remote(raw_id, call.token, "write")
        if any(r.remote_id == remote.id for r in self._store.replications.values()):
            raise internal("remote-connection cannot be deleted as a replication references it")
        del self._store.remotes[remote.id]
        return no_content()

    # --- replications ------------------------------------------------------------------------------

    def _replication(self, raw_id: str, token: Token, action: str) -> Replication:
        replication_id = try_parse_id(raw_id)
        if replication_id is None:
            raise invalid("replication ID is invalid")
        rep = self._store.replications.get(replication_id)
        if rep is None:
            raise not_found("replication not found")
        require(token, action, "replications", rep.org_id, rep.id, with_id=True)
        return rep

    def _optional_id(self, call: Call, key: str, message: str) -> str | None:
        raw = call.query.get(key)
        if not raw:
            return None
        parsed = try_parse_id(raw)
        if parsed is None:
            raise invalid(message)
        return parsed

    def _sizes(self, rep: Replication) -> tuple[int, int]:
        try:
            return self._engine.sizes(rep.id)
        except KeyError:
            raise internal(f'durable queue not found for replication ID "{rep.id}"') from None

    def _name_taken(self, org_id: str, name: str, exclude: str | None = None) -> bool:
        rows = self._store.replications.values()
        return any(r.org_id == org_id and r.name == name and r.id != exclude for r in rows)

    async def _probe(self, target: RemoteTarget, prefix: str) -> None:
        cause = await self._engine.probe(target)
        if cause is not None:
            raise invalid(f"{prefix}: {cause}")

    async def list_replications(self, call: Call) -> web.Response:
        """GET /api/v2/replications: filters, `null` when nothing matched, unreadable rows dropped."""
        org_id = try_parse_id(call.query.get("orgID"))
        if org_id is None:
            raise invalid("invalid or missing org ID")
        remote_id = self._optional_id(call, "remoteID", "invalid remote ID")
        bucket_id = self._optional_id(call, "localBucketID", "invalid local bucket ID")
        name = call.query.get("name") or None
        rows = [
            r
            for r in self._store.replications.values()
            if r.org_id == org_id
            and name in (None, r.name)
            and remote_id in (None, r.remote_id)
            and bucket_id in (None, r.local_bucket_id)
        ]
        if not rows:
            return ok({"replications": None})
        rows.sort(key=lambda r: (r.local_bucket_id, r.seq))  # the (org_id, local_bucket_id) index order
        sizes = [self._sizes(r) for r in rows]  # one missing queue fails the whole list
        visible = [
            replication_json(r, s, latest=True)
            for r, s in zip(rows, sizes, strict=True)
            if call.token.allows("read", "replications", r.org_id, r.id)
        ]
        return ok({"replications": visible})

    async def create_replication(self, call: Call) -> web.Response:
        """POST /api/v2/replications, or only a validation with `?validate=true` (exactly)."""
        fields = decode_body(call, CREATE_REPLICATION)
        fields.setdefault("maxQueueSizeBytes", DEFAULT_QUEUE_SIZE)
        check_limits(fields)
        org_id: str | None = fields.get("orgID")
        bucket_id: str | None = fields.get("localBucketID")
        remote_id: str | None = fields.get("remoteID")
        require(call.token, "write", "replications", org_id)
        require(call.token, "read", "buckets", org_id, bucket_id, with_id=True)
        require(call.token, "read", "remotes", org_id, remote_id, with_id=True)
        assert org_id is not None and bucket_id is not None and remote_id is not None  # checked by require()
        if bucket_id not in self._store.buckets:
            raise invalid(f'local bucket "{bucket_id}" not found: bucket not found')
        remote_bucket_id: str | None = fields.get("remoteBucketID")
        if call.query.get("validate") == "true":
            remote = self._store.remotes.get(remote_id)
            if remote is None:
                raise invalid(f'remote "{remote_id}" not found')
            # the server builds this config from remoteBucketID only, never from remoteBucketName
            target = RemoteTarget(
                remote.remote_url,
                remote.remote_api_token,
                remote.remote_org_id,
                remote_bucket_id or "",
                remote.allow_insecure_tls,
            )
            await self._probe(target, "replication parameters fail validation")
            return no_content()
        remote_bucket_name: str = fields.get("remoteBucketName", "")
        if remote_bucket_id is not None:
            remote_bucket_name = ""  # a bucket ID wins over a name
        elif not remote_bucket_name:
            raise ApiError(
                "unprocessable entity", "one of remote_bucket_id, remote_bucket_name should be provided"
            )
        name: str = fields.get("name", "")
        if self._name_taken(org_id, name):
            raise internal("UNIQUE constraint failed: replications.org_id, replications.name")
        if remote_id not in self._store.remotes:
            raise invalid(f'remote "{remote_id}" not found: FOREIGN KEY constraint failed')
        rep = Replication(
            id=self._store.new_id(),
            org_id=org_id,
            name=name,
            description=fields.get("description"),
            remote_id=remote_id,
            local_bucket_id=bucket_id,
            remote_bucket_id=remote_bucket_id,
            remote_bucket_name=remote_bucket_name,
            max_queue_size_bytes=fields["maxQueueSizeBytes"],
            drop_non_retryable_data=fields.get("dropNonRetryableData", False),
            max_age_seconds=fields.get("maxAgeSeconds", 0),
            seq=self._store.next_seq(),
            extra=self._unknown(call, CREATE_REPLICATION),
        )
        self._store.replications[rep.id] = rep
        self._engine.open(rep)
        return ok(replication_json(rep, (0, 0), latest=False), 201)  # create does not read the queue sizes

    async def get_replication(self, call: Call, raw_id: str) -> web.Response:
        """GET /api/v2/replications/{id}: live queue sizes and, once known, the latest send result."""
        rep = self._replication(raw_id, call.token, "read")
        return ok(replication_json(rep, self._sizes(rep), latest=True))

    async def update_replication(self, call: Call, raw_id: str) -> web.Response:
        """PATCH /api/v2/replications/{id}, or only a validation of the result with `?validate=true`."""
        if try_parse_id(raw_id) is None:
            raise invalid("replication ID is invalid")
        fields = decode_body(call, UPDATE_REPLICATION)
        check_limits(fields)
        rep = self._replication(raw_id, call.token, "write")
        new_remote_id: str | None = fields.get("remoteID")
        if new_remote_id is not None:
            require(call.token, "read", "remotes", rep.org_id, new_remote_id, with_id=True)
        if call.query.get("validate") == "true":
            return await self._validate_update(rep, fields)
        bucket_id = fields.get("remoteBucketID", rep.remote_bucket_id)
        bucket_name = fields.get("remoteBucketName", rep.remote_bucket_name)
        if bucket_id is None and bucket_name == "":
            raise internal("CHECK constraint failed: replications_one_of_id_name")
        if "name" in fields and self._name_taken(rep.org_id, fields["name"], rep.id):
            raise internal("UNIQUE constraint failed: replications.org_id, replications.name")
        if new_remote_id is not None and new_remote_id not in self._store.remotes:
            raise invalid(f'remote "{new_remote_id}" not found: FOREIGN KEY constraint failed')
        rep.name = fields.get("name", rep.name)
        rep.description = fields.get("description", rep.description)
        rep.remote_id = new_remote_id or rep.remote_id
        rep.remote_bucket_id, rep.remote_bucket_name = bucket_id, bucket_name
        rep.drop_non_retryable_data = fields.get("dropNonRetryableData", rep.drop_non_retryable_data)
        # stored only: the live queue keeps the purge age it was opened with (reference section 3.6)
        rep.max_age_seconds = fields.get("maxAgeSeconds", rep.max_age_seconds)
        if "maxQueueSizeBytes" in fields:
            rep.max_queue_size_bytes = fields["maxQueueSizeBytes"]
            queue = self._engine.queues.get(rep.id)
            if queue is not None:
                queue.max_size = rep.max_queue_size_bytes
        rep.extra.update(self._unknown(call, UPDATE_REPLICATION))
        return ok(replication_json(rep, self._sizes(rep), latest=False))

    async def _validate_update(self, rep: Replication, fields: dict[str, Any]) -> web.Response:
        # only remoteBucketID and remoteID of the request are applied; a stored name still wins
        target = self._engine.target(rep, fields.get("remoteBucketID"))
        new_remote_id: str | None = fields.get("remoteID")
        if new_remote_id is not None:
            remote = self._store.remotes.get(new_remote_id)
            if remote is None:
                raise invalid(f'remote "{new_remote_id}" not found')
            target = RemoteTarget(
                remote.remote_url,
                remote.remote_api_token,
                remote.remote_org_id,
                target.bucket,
                remote.allow_insecure_tls,
            )
        await self._probe(target, "validation fails after applying update")
        return no_content()

    async def delete_replication(self, call: Call, raw_id: str) -> web.Response:
        """DELETE /api/v2/replications/{id}: the queue and its unsent data are discarded."""
        rep = self._replication(raw_id, call.token, "write")
        del self._store.replications[rep.id]
        if rep.id not in self._engine.queues:
            # the row is gone, yet the answer is 500 (reference 3.7)
            raise internal(f'durable queue not found for replication ID "{rep.id}"')
        self._engine.close(rep.id)
        return no_content()

    async def validate_replication(self, call: Call, raw_id: str) -> web.Response:
        """POST /api/v2/replications/{id}/validate: needs only read; the body is ignored."""
        rep = self._replication(raw_id, call.token, "read")
        await self._probe(self._engine.target(rep), "replication failed validation")
        return no_content()
