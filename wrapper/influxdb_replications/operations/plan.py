"""Plan a :class:`~influxdb_replications.DesiredState` (``client.plan``); ``apply.py`` makes the changes.

Both read what the server has (``remotes.list()`` and ``replications.list()``), resolve the local bucket
names, and compare by name; ``apply`` then makes the changes in this order:

1. remotes: create the missing ones, update the drifted fields (so replications can use them);
2. replications, in declared order: create, update the drifted fields, or recreate (delete and create)
   when the local bucket changed, which the server cannot update (reference 3.6: PATCH has no
   ``localBucketID``);
3. with ``prune``: delete undeclared replications, then undeclared remotes (the server refuses to delete a
   remote that a replication uses, reference 2.6).

Everything else is updatable in place: PATCH changes a replication's remote, its target bucket (name or
ID) and its limits (reference 3.6). What the server cannot do is clear a field, so a ``None`` in the
desired state means "not managed": it is never compared and never sent.

The target bucket is compared as the server's writer uses it: a non-empty stored name wins over the ID
(reference 3.6, "Bucket-target pitfalls"), so a replication targets its name when it has one, else its ID.

Tokens: a remote's API token is only needed to create it, and the server never returns it (reference 2.1),
so a token cannot drift and is never compared. ``apply`` reads every token it needs before its first
change, and keeps them only in local variables: no Plan, Change, log line or error holds one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..core.args import is_id
from ..core.errors import NotFoundError
from ..core.fields import ExtraFields
from ..core.models import RemoteConnection, Replication
from .desired import Change, DesiredRemote, DesiredReplication, DesiredState, Kind, Plan
from .hints import plan_insecure_tls, plan_missing_org
from .legacy_fields import REMOTE, REPLICATION

if TYPE_CHECKING:  # the client calls plan/apply on first use; they call down into its resources
    from .replication_client import ReplicationClient


__all__ = ["LOST", "Step", "after_create", "create_args", "plan", "plan_steps"]


LOST = "its queued, unsent data is lost"


@dataclass(slots=True)
class Step:
    """A change plus what executing it needs (never a token)."""

    change: Change
    remote: DesiredRemote | None = None
    replication: DesiredReplication | None = None
    # resolved local bucket ID of ``replication``
    bucket_id: str | None = None
    # keyword arguments of the update call (remote names are resolved to IDs when applied)
    update: dict[str, Any] = field(default_factory=dict)


async def plan(client: ReplicationClient, desired: DesiredState, *, prune: bool = False) -> Plan:
    """Compare the server with ``desired`` and return what ``apply`` would do; changes nothing.

    Args:
        client: The client (its org is the one planned).
        desired: The desired state.
        prune: Also list the deletes of undeclared replications and remotes that ``apply(prune=True)``
            would make.

    Returns:
        The plan; empty when the server already matches.

    Raises:
        ValueError: ``desired`` is not a DesiredState, or the client has no org.
        NotFoundError: a declared local bucket does not exist (the message names it).
        APIStatusError: another answer of the server while reading.
        APIConnectionError: the server could not be reached.
    """
    steps, _ = await plan_steps(client, desired, prune=prune)
    return Plan(tuple(step.change for step in steps))


async def plan_steps(
    client: ReplicationClient, desired: DesiredState, *, prune: bool
) -> tuple[list[Step], dict[str, str]]:
    """The changes, in the order they must be made, and the current remote IDs by name."""
    if not isinstance(desired, DesiredState):
        raise ValueError(f"desired must be a DesiredState, got {type(desired).__name__}")
    remotes = await client.remotes.list()
    replications = await client.replications.list()
    bucket_ids = await _bucket_ids(client, desired.replications)
    bucket_names = {bucket_id: name for name, bucket_id in bucket_ids.items() if not is_id(name)}

    remote_by_name = {remote.name: remote for remote in remotes}
    remote_names = {remote.id: remote.name for remote in remotes}
    replication_by_name = {rep.name: rep for rep in replications}

    steps: list[Step] = []
    for want in desired.remotes:
        have = remote_by_name.get(want.name)
        if have is None:
            steps.append(_create_remote(want))
        else:
            step = _update_remote(want, have)
            if step is not None:
                steps.append(step)
    plan_missing_org(steps, remote_by_name, desired.remotes)  # warn: a remote without org ID (reference 4)
    plan_insecure_tls(steps)  # warn: a remote that will skip certificate checks

    for want_rep in desired.replications:
        have_rep = replication_by_name.get(want_rep.name)
        bucket_id = bucket_ids[want_rep.local_bucket]
        if have_rep is None:
            steps.append(_create_replication(want_rep, bucket_id))
        else:
            step = _change_replication(
                want_rep, have_rep, bucket_id, remote_by_name, remote_names, bucket_names
            )
            if step is not None:
                steps.append(step)

    if prune:
        declared_replications = {rep.name for rep in desired.replications}
        for rep in sorted(replications, key=lambda r: (r.name, r.id)):
            if rep.name not in declared_replications:
                steps.append(_delete("replication", rep.name, rep.id, f"not declared (prune); {LOST}"))
        declared_remotes = {remote.name for remote in desired.remotes}
        for remote in sorted(remotes, key=lambda r: (r.name, r.id)):
            if remote.name not in declared_remotes:
                steps.append(_delete("remote", remote.name, remote.id, "not declared (prune)"))
    return steps, {remote.name: remote.id for remote in remotes}


async def _bucket_ids(client: ReplicationClient, wanted: tuple[DesiredReplication, ...]) -> dict[str, str]:
    """Map every declared local bucket (name or ID) to its ID; NotFoundError naming a missing one."""
    ids: dict[str, str] = {}
    for rep in wanted:
        bucket = rep.local_bucket
        if bucket in ids:
            continue
        if is_id(bucket):
            ids[bucket] = bucket.lower()
            continue
        try:
            ids[bucket] = await client._resolve_bucket_id(bucket, None, None)
        except NotFoundError as exc:
            raise exc.with_message(
                f"local bucket {bucket!r} of replication {rep.name!r} not found in org {client.org_id}"
            ) from None
    return ids


def _remote_fields(want: DesiredRemote) -> dict[str, tuple[Any, Any]]:
    fields: dict[str, tuple[Any, Any]] = {"url": (None, want.remote_url)}
    if want.remote_org_id is not None:
        fields["remote_org_id"] = (None, want.remote_org_id)
    fields["allow_insecure_tls"] = (None, want.allow_insecure_tls)
    if want.description is not None:
        fields["description"] = (None, want.description)
    fields.update((name, (None, value)) for name, value in want.extra)
    return fields


def _create_remote(want: DesiredRemote) -> Step:
    change = Change("create", "remote", want.name, fields=_remote_fields(want))
    return Step(change, remote=want)


class _Drift:
    """The fields that differ (for the plan) and the matching update arguments (for apply)."""

    def __init__(self) -> None:
        self.fields: dict[str, tuple[Any, Any]] = {}
        self.update: dict[str, Any] = {}

    def compare(
        self, field: str, have: Any, want: Any, *, managed: bool = True, arg: str | None = None
    ) -> None:
        """Record ``field`` when it is managed and ``have != want``; ``arg`` names the update argument."""
        if managed and have != want:
            self.fields[field] = (have, want)
            self.update[arg or field] = want

    def compare_extras(self, extras: ExtraFields, have: Any, want: tuple[tuple[str, Any], ...]) -> None:
        """Compare the spec's other fields that the server returns and an update can send.

        A field only the create request has is set when the object is created and never compared
        afterwards (like a token); one the server does not return cannot be compared either.
        """
        updatable = {spec.name for spec in extras.update}
        for name, value in want:
            if name in extras.returned and name in updatable:
                self.compare(name, getattr(have, name), value)


def create_args(extras: ExtraFields, want: tuple[tuple[str, Any], ...]) -> dict[str, Any]:
    """The spec's other fields that a create request can carry."""
    creatable = {spec.name for spec in extras.create}
    return {name: value for name, value in want if name in creatable}


def after_create(extras: ExtraFields, want: tuple[tuple[str, Any], ...]) -> dict[str, Any]:
    """The spec's other fields that only an update can set: apply sends them right after the create."""
    creatable = {spec.name for spec in extras.create}
    updatable = {spec.name for spec in extras.update}
    return {name: value for name, value in want if name in updatable and name not in creatable}


def _update_remote(want: DesiredRemote, have: RemoteConnection) -> Step | None:
    drift = _Drift()
    drift.compare("url", have.remote_url, want.remote_url, arg="remote_url")
    # None in the desired state: not managed (the server cannot clear a field, reference 2.5)
    drift.compare(
        "remote_org_id", have.remote_org_id, want.remote_org_id, managed=want.remote_org_id is not None
    )
    drift.compare("allow_insecure_tls", have.allow_insecure_tls, want.allow_insecure_tls)
    drift.compare("description", have.description, want.description, managed=want.description is not None)
    drift.compare_extras(REMOTE, have, want.extra)
    fields, update = drift.fields, drift.update
    if not fields:
        return None
    change = Change("update", "remote", want.name, id=have.id, fields=fields)
    return Step(change, remote=want, update=update)


def _replication_fields(want: DesiredReplication) -> dict[str, tuple[Any, Any]]:
    fields: dict[str, tuple[Any, Any]] = {
        "remote": (None, want.remote),
        "local_bucket": (None, want.local_bucket),
    }
    if want.remote_bucket is not None:
        fields["remote_bucket"] = (None, want.remote_bucket)
    else:
        fields["remote_bucket_id"] = (None, want.remote_bucket_id)
    fields["max_queue_size_bytes"] = (None, want.max_queue_size_bytes)
    fields["max_age_seconds"] = (None, want.max_age_seconds)
    fields["drop_non_retryable_data"] = (None, want.drop_non_retryable_data)
    if want.description is not None:
        fields["description"] = (None, want.description)
    fields.update((name, (None, value)) for name, value in want.extra)
    return fields


def _create_replication(want: DesiredReplication, bucket_id: str) -> Step:
    change = Change("create", "replication", want.name, fields=_replication_fields(want))
    return Step(change, replication=want, bucket_id=bucket_id)


def _change_replication(
    want: DesiredReplication,
    have: Replication,
    bucket_id: str,
    remote_by_name: dict[str, RemoteConnection],
    remote_names: dict[str, str],
    bucket_names: dict[str, str],
) -> Step | None:
    drift = _Drift()
    fields, update = drift.fields, drift.update

    target = remote_by_name.get(want.remote)
    if target is None or target.id != have.remote_id:
        # a remote that is still to be created gets its ID when applied
        fields["remote"] = (remote_names.get(have.remote_id, have.remote_id), want.remote)
        update["remote"] = want.remote

    recreate = have.local_bucket_id != bucket_id
    if recreate:
        fields["local_bucket"] = (
            bucket_names.get(have.local_bucket_id, have.local_bucket_id),
            want.local_bucket,
        )

    # The writer uses a non-empty stored name, else the ID (reference 3.6, "Bucket-target pitfalls").
    have_name = have.remote_bucket_name or None
    if want.remote_bucket is not None:
        if have_name != want.remote_bucket:
            fields["remote_bucket"] = (have_name, want.remote_bucket)
            update["remote_bucket"] = want.remote_bucket
    elif have_name is not None or have.remote_bucket_id != want.remote_bucket_id:
        # update(remote_bucket_id=...) also blanks the stored name, so the ID really takes over
        if have_name is not None:
            fields["remote_bucket"] = (have_name, None)
        fields["remote_bucket_id"] = (None if have_name else have.remote_bucket_id, want.remote_bucket_id)
        update["remote_bucket_id"] = want.remote_bucket_id

    drift.compare("max_queue_size_bytes", have.max_queue_size_bytes, want.max_queue_size_bytes)
    # servers before v2.2 do not report max_age_seconds: nothing to compare with
    drift.compare(
        "max_age_seconds",
        have.max_age_seconds,
        want.max_age_seconds,
        managed=have.max_age_seconds is not None,
    )
    drift.compare("drop_non_retryable_data", have.drop_non_retryable_data, want.drop_non_retryable_data)
    drift.compare("description", have.description, want.description, managed=want.description is not None)
    drift.compare_extras(REPLICATION, have, want.extra)

    if recreate:
        reason = f"the server cannot change a replication's local bucket: delete and create; {LOST}"
        change = Change("recreate", "replication", want.name, id=have.id, fields=fields, reason=reason)
        return Step(change, replication=want, bucket_id=bucket_id)
    if not fields:
        return None
    reason = ""
    if "max_age_seconds" in fields:  # reference 3.6, step 4
        reason = "the server applies a new max_age_seconds only after it restarts"
    change = Change("update", "replication", want.name, id=have.id, fields=fields, reason=reason)
    return Step(change, replication=want, bucket_id=bucket_id, update=update)


def _delete(kind: Kind, name: str, object_id: str, reason: str) -> Step:
    return Step(Change("delete", kind, name, id=object_id, reason=reason))
