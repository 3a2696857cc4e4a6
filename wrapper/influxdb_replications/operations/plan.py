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

Destructive changes (a recreate, the prune of a replication) discard the replication's queue (reference
3.7); the plan marks them and carries the queue's sizes as read here. A replication named
``temporary_name(declared)`` (``drain.py``) whose target (remote, local bucket, remote bucket) is the
declared one is what an interrupted ``apply(drain=True)`` left behind: the plan finishes that change (a
recreate that reuses it, or, once the old replication is gone, a rename to the declared name) and never
prunes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from ..core.args import is_id
from ..core.errors import NotFoundError
from ..core.models import RemoteConnection, Replication
from ..resources.lookups import resolve_bucket_id
from .desired import Change, DesiredRemote, DesiredReplication, DesiredState, Kind, Plan
from .drain import temporary_name
from .hints import plan_insecure_tls, plan_missing_org
from .spec_fields import BUCKET_ID, MAX_AGE, REMOTE, REPLICATION, Resource

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
    # keyword arguments of the update call (remote names are resolved to IDs when applied); for a
    # recreate that reuses a temporary replication, those of its rename
    update: dict[str, Any] = field(default_factory=dict)
    # the replication as read, for a destructive change (recreate, delete of a replication)
    current: Replication | None = None
    # a recreate: the temporary replication an interrupted drain left, which the change reuses
    temp: Replication | None = None
    # a recreate: why it cannot be drained (its temporary name is taken by another replication)
    blocked: str | None = None


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

    declared_replications = {rep.name for rep in desired.replications}
    kept: set[str] = set()  # the temporary replications a change below finishes (never pruned)
    for want_rep in desired.replications:
        have_rep = replication_by_name.get(want_rep.name)
        bucket_id = bucket_ids[want_rep.local_bucket]
        temp_name = temporary_name(want_rep.name)
        temp = None if temp_name in declared_replications else replication_by_name.get(temp_name)
        ours = temp is not None and _same_target(temp, want_rep, bucket_id, remote_by_name)
        if have_rep is None:
            if temp is not None and ours:
                steps.append(_finish_rename(want_rep, temp, bucket_id))
                kept.add(temp_name)
            else:
                steps.append(_create_replication(want_rep, bucket_id))
            continue
        step = _change_replication(want_rep, have_rep, bucket_id, remote_by_name, remote_names, bucket_names)
        if step is None:
            continue
        if step.change.action == "recreate" and temp is not None:
            if ours:
                _reuse(step, want_rep, temp)
                kept.add(temp_name)
            else:
                step.blocked = (
                    f"its temporary name {temp_name!r} is taken by replication {temp.id}, which has "
                    "another target: rename or delete that one first"
                )
        steps.append(step)

    if prune:
        for rep in sorted(replications, key=lambda r: (r.name, r.id)):
            if rep.name not in declared_replications and rep.name not in kept:
                step = _delete("replication", rep.name, rep.id, f"not declared (prune); {LOST}")
                step.change, step.current = _marked(step.change, rep), rep
                steps.append(step)
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
            ids[bucket] = await resolve_bucket_id(client, bucket, None, None)
        except NotFoundError as exc:
            raise exc.with_message(
                f"local bucket {bucket!r} of replication {rep.name!r} not found in org {client.org_id}"
            ) from None
    return ids


Desired = DesiredRemote | DesiredReplication


def _create_fields(resource: Resource, want: Desired) -> dict[str, tuple[Any, Any]]:
    """The walked fields a create sets, as (None, desired value), labelled as plans show them."""
    managed = want.managed()
    return {f.label: (None, managed[f.name]) for f in resource.fields if f.name in managed}


def _create_remote(want: DesiredRemote) -> Step:
    change = Change("create", "remote", want.name, fields=_create_fields(REMOTE, want))
    return Step(change, remote=want)


class _Drift:
    """The fields that differ (for the plan) and the matching update arguments (for apply)."""

    def __init__(self) -> None:
        self.fields: dict[str, tuple[Any, Any]] = {}
        self.update: dict[str, Any] = {}

    def compare(self, resource: Resource, have: Any, want: Desired) -> None:
        """Compare the walked fields that are managed, that the server returns and that an update can send.

        None in the desired state means "not managed" (the server cannot clear a field, reference 2.5). A
        field only the create request has is set when the object is created and never compared afterwards
        (like a token); one the server does not return cannot be compared either, nor can one an older
        server does not report (it is None there: servers before v2.2 have no max age).
        """
        for name, value in want.managed().items():
            spec_field = resource.get(name)
            if spec_field is None or not (spec_field.update and spec_field.returned):
                continue
            current = getattr(have, name)
            if current is None and name == MAX_AGE:
                continue
            if current != value:
                self.fields[spec_field.label] = (current, value)
                self.update[name] = value


def create_args(resource: Resource, want: Desired) -> dict[str, Any]:
    """The walked fields that a create request can carry."""
    return {name: value for name, value in want.managed().items() if _has(resource, name, "create")}


def after_create(resource: Resource, want: Desired) -> dict[str, Any]:
    """The walked fields that only an update can set: apply sends them right after the create."""
    return {
        name: value
        for name, value in want.managed().items()
        if _has(resource, name, "update") and not _has(resource, name, "create")
    }


def _has(resource: Resource, name: str, request: str) -> bool:
    spec_field = resource.get(name)
    return spec_field is not None and bool(getattr(spec_field, request))


def _update_remote(want: DesiredRemote, have: RemoteConnection) -> Step | None:
    drift = _Drift()
    drift.compare(REMOTE, have, want)
    if not drift.fields:
        return None
    change = Change("update", "remote", want.name, id=have.id, fields=drift.fields)
    return Step(change, remote=want, update=drift.update)


def _replication_fields(want: DesiredReplication) -> dict[str, tuple[Any, Any]]:
    fields: dict[str, tuple[Any, Any]] = {
        "remote": (None, want.remote),
        "local_bucket": (None, want.local_bucket),
    }
    if want.remote_bucket is not None:
        fields["remote_bucket"] = (None, want.remote_bucket)
    else:
        fields[BUCKET_ID] = (None, want.remote_bucket_id)
    return {**fields, **_create_fields(REPLICATION, want)}


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
    have_id, want_id = have.remote_bucket_id, want.remote_bucket_id
    if want.remote_bucket is not None:
        if have_name != want.remote_bucket:
            fields["remote_bucket"] = (have_name, want.remote_bucket)
            update["remote_bucket"] = want.remote_bucket
    elif have_name is not None or have_id != want_id:
        # update(remote_bucket_id=...) also blanks the stored name, so the ID really takes over
        if have_name is not None:
            fields["remote_bucket"] = (have_name, None)
        fields[BUCKET_ID] = (None if have_name else have_id, want_id)
        update[BUCKET_ID] = want_id

    drift.compare(REPLICATION, have, want)

    if recreate:
        reason = f"the server cannot change a replication's local bucket: delete and create; {LOST}"
        change = Change("recreate", "replication", want.name, id=have.id, fields=fields, reason=reason)
        return Step(_marked(change, have), replication=want, bucket_id=bucket_id, current=have)
    if not fields:
        return None
    reason = ""
    if MAX_AGE in fields:  # reference 3.6, step 4
        reason = f"the server applies a new {MAX_AGE} only after it restarts"
    change = Change("update", "replication", want.name, id=have.id, fields=fields, reason=reason)
    return Step(change, replication=want, bucket_id=bucket_id, update=update)


def _delete(kind: Kind, name: str, object_id: str, reason: str) -> Step:
    return Step(Change("delete", kind, name, id=object_id, reason=reason))


def _marked(change: Change, have: Replication) -> Change:
    """``change`` marked destructive, with the queue's sizes as the server reported them."""
    return replace(
        change,
        destructive=True,
        remaining_bytes=have.remaining_bytes_to_be_synced,
        queue_bytes=have.current_queue_size_bytes,
    )


def _same_target(
    temp: Replication, want: DesiredReplication, bucket_id: str, remote_by_name: dict[str, RemoteConnection]
) -> bool:
    """Whether ``temp`` writes what ``want`` declares: the same remote, local bucket and remote bucket."""
    remote = remote_by_name.get(want.remote)
    if remote is None or temp.remote_id != remote.id or temp.local_bucket_id != bucket_id:
        return False
    if want.remote_bucket is not None:
        return temp.remote_bucket_name == want.remote_bucket
    return not temp.remote_bucket_name and temp.remote_bucket_id == want.remote_bucket_id


def _temp_drift(want: DesiredReplication, temp: Replication) -> _Drift:
    """Rename ``temp`` to the declared name, and update what drifted since an earlier run created it."""
    drift = _Drift()
    drift.fields["name"] = (temp.name, want.name)
    drift.update["name"] = want.name
    drift.compare(REPLICATION, temp, want)
    return drift


def _finish_rename(want: DesiredReplication, temp: Replication, bucket_id: str) -> Step:
    """The old replication is gone: an interrupted drain only has its rename left."""
    drift = _temp_drift(want, temp)
    reason = f"finishes an interrupted drain: renames the new replication {temp.name!r} to its declared name"
    change = Change("update", "replication", want.name, id=temp.id, fields=drift.fields, reason=reason)
    return Step(change, replication=want, bucket_id=bucket_id, update=drift.update)


def _reuse(step: Step, want: DesiredReplication, temp: Replication) -> None:
    """A recreate whose new replication an interrupted drain already created: reuse it."""
    step.temp = temp
    step.update = _temp_drift(want, temp).update
    reason = (
        f"{step.change.reason}; finishes an interrupted drain: the new replication {temp.name!r} "
        f"({temp.id}) exists and is kept"
    )
    step.change = replace(step.change, reason=reason)
