"""The fake's data: orgs, buckets, tokens, remotes, replications and stored points, plus permissions."""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass, field
from typing import Any

from ._errors import ApiError, invalid
from ._ids import IDError, new_id, parse_id
from ._lineprotocol import FieldValue, Point

ACTIONS = ("read", "write")


def now_rfc3339() -> str:
    """The current UTC time the way Go writes a time.Time in JSON."""
    return datetime.datetime.now(datetime.UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Permission:
    """`<action>:orgs/<orgID>/<type>[/<id>]`, or `<action>:<type>[/<id>]` for every org.

    A permission without an ID covers every resource of its type (in its org, if it names one).
    """

    action: str
    resource_type: str
    org_id: str | None = None
    resource_id: str | None = None

    @classmethod
    def parse(cls, text: str) -> Permission:
        """Parse a permission string such as "write:orgs/0123456789abcdef/buckets/fedcba9876543210".

        Raises:
            ValueError: for an unknown action, a malformed path or an invalid ID.
        """
        action, sep, path = text.partition(":")
        parts = path.split("/")
        if not sep or action not in ACTIONS or "" in parts or not 1 <= len(parts) <= 4:
            expected = "'<read|write>:orgs/<orgID>/<type>[/<id>]'"
            raise ValueError(f"invalid permission {text!r}: expected {expected}")
        try:
            if parts[0] == "orgs" and len(parts) >= 3:
                rid = parse_id(parts[3]) if len(parts) == 4 else None
                return cls(action, parts[2], parse_id(parts[1]), rid)
            if len(parts) > 2:
                raise ValueError(f"invalid permission {text!r}")
            return cls(action, parts[0], None, parse_id(parts[1]) if len(parts) == 2 else None)
        except IDError as exc:
            raise ValueError(f"invalid permission {text!r}: {exc}") from None

    def covers(self, action: str, resource_type: str, org_id: str, resource_id: str | None) -> bool:
        """Whether this permission grants `action` on the resource (write does not imply read)."""
        return (
            self.action == action
            and self.resource_type == resource_type
            and (self.org_id is None or self.org_id == org_id)
            and (self.resource_id is None or self.resource_id == resource_id)
        )


@dataclass
class Token:
    """An API token; the operator token may do everything."""

    value: str
    permissions: tuple[Permission, ...] = ()
    operator: bool = False

    def __repr__(self) -> str:
        return f"Token(operator={self.operator}, permissions={len(self.permissions)})"

    def allows(self, action: str, resource_type: str, org_id: str, resource_id: str | None = None) -> bool:
        """Whether the token grants `action` on the resource."""
        return self.operator or any(
            p.covers(action, resource_type, org_id, resource_id) for p in self.permissions
        )

    def touches_org(self, org_id: str) -> bool:
        """Whether any permission of the token concerns this org (used to decide which orgs it may see)."""
        return self.operator or any(p.org_id in (None, org_id) for p in self.permissions)


def require(
    token: Token,
    action: str,
    resource_type: str,
    org_id: str | None,
    resource_id: str | None = None,
    *,
    with_id: bool = False,
) -> None:
    """Check one permission like the server's authorizer (reference section 5).

    Args:
        with_id: the check is for one resource, so a missing `resource_id` is a zero ID (400).

    Raises:
        ApiError: 400 for a zero org or resource ID, 401 `<perm> is unauthorized` when not allowed.
    """
    if with_id and resource_id is None:
        raise invalid("invalid id for permission: invalid ID")
    if org_id is None:
        raise invalid("invalid org id for permission: invalid ID")
    if not token.allows(action, resource_type, org_id, resource_id):
        path = f"orgs/{org_id}/{resource_type}" + (f"/{resource_id}" if resource_id else "")
        raise ApiError("unauthorized", f"{action}:{path} is unauthorized")


@dataclass
class Org:
    """An organization."""

    id: str
    name: str
    created_at: str = field(default_factory=now_rfc3339)


@dataclass
class Bucket:
    """A bucket; `retention_seconds` 0 means keep forever."""

    id: str
    org_id: str
    name: str
    retention_seconds: int = 0
    description: str | None = None
    created_at: str = field(default_factory=now_rfc3339)


@dataclass
class Remote:
    """A remote connection row (the token is kept but never returned)."""

    id: str
    org_id: str
    name: str
    description: str | None
    remote_url: str
    remote_api_token: str
    remote_org_id: str | None
    allow_insecure_tls: bool
    seq: int = 0
    # body keys the server does not know, kept only with FakeInfluxDB(keep_unknown_fields=True)
    extra: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"Remote(id={self.id!r}, name={self.name!r}, remote_url={self.remote_url!r})"


@dataclass
class Replication:
    """A replication row; `latest_*` stay None until the sender's first attempt."""

    id: str
    org_id: str
    name: str
    description: str | None
    remote_id: str
    local_bucket_id: str
    remote_bucket_id: str | None
    remote_bucket_name: str
    max_queue_size_bytes: int
    drop_non_retryable_data: bool
    max_age_seconds: int
    latest_response_code: int | None = None
    latest_error_message: str | None = None
    seq: int = 0
    # body keys the server does not know, kept only with FakeInfluxDB(keep_unknown_fields=True)
    extra: dict[str, Any] = field(default_factory=dict)


SeriesKey = tuple[str, tuple[tuple[str, str], ...]]


class Store:
    """Everything the fake knows, in plain dicts keyed by ID."""

    def __init__(self) -> None:
        self.ids: set[str] = set()
        self.orgs: dict[str, Org] = {}
        self.buckets: dict[str, Bucket] = {}
        self.tokens: dict[str, Token] = {}
        self.remotes: dict[str, Remote] = {}
        self.replications: dict[str, Replication] = {}
        self.points: dict[str, dict[tuple[SeriesKey, int], dict[str, FieldValue]]] = {}
        self._seq = 0

    def next_seq(self) -> int:
        """A counter that orders rows by insertion."""
        self._seq += 1
        return self._seq

    def new_id(self) -> str:
        """A fresh ID unique within this fake."""
        return new_id(self.ids)

    def add_org(self, name: str) -> Org:
        """Create an org."""
        org = Org(self.new_id(), name)
        self.orgs[org.id] = org
        return org

    def add_bucket(self, org_id: str, name: str, retention_seconds: int = 0) -> Bucket:
        """Create a bucket.

        Raises:
            ApiError: 422 `conflict` when the org already has a bucket of that name.
        """
        if self.bucket_by_name(org_id, name) is not None:
            raise ApiError("conflict", f"bucket with name {name} already exists")
        bucket = Bucket(self.new_id(), org_id, name, retention_seconds)
        self.buckets[bucket.id] = bucket
        self.points[bucket.id] = {}
        return bucket

    def add_token(
        self, permissions: tuple[Permission, ...] = (), *, operator: bool = False, value: str | None = None
    ) -> Token:
        """Create a token with the given permissions."""
        token = Token(value or secrets.token_urlsafe(48), permissions, operator)
        self.tokens[token.value] = token
        return token

    def org_by_name(self, name: str) -> Org | None:
        """The org with this exact name."""
        return next((o for o in self.orgs.values() if o.name == name), None)

    def org_by_name_or_id(self, text: str) -> Org | None:
        """An org given as an ID (16 hex digits) or, failing that, as a name."""
        try:
            found = self.orgs.get(parse_id(text))
        except IDError:
            found = None
        return found or self.org_by_name(text)

    def bucket_by_name(self, org_id: str, name: str) -> Bucket | None:
        """The bucket of that org with this exact name."""
        return next((b for b in self.buckets.values() if b.org_id == org_id and b.name == name), None)

    def store_points(self, bucket_id: str, points: list[Point]) -> None:
        """Keep points; a point with the same series and time as a stored one merges its fields into it."""
        table = self.points.setdefault(bucket_id, {})
        for point in points:
            table.setdefault((point.series_key(), point.time), {}).update(point.fields)

    def stored_points(self, bucket_id: str) -> list[Point]:
        """The bucket's points, sorted by time, then measurement, then tags."""
        table = self.points.get(bucket_id, {})
        keys = sorted(table, key=lambda k: (k[1], k[0]))
        return [Point(k[0][0], dict(k[0][1]), dict(table[k]), k[1]) for k in keys]
