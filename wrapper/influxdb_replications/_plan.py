"""Plan and apply a :class:`~influxdb_replications.desired.DesiredState` (``client.plan`` / ``client.apply``).

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

import inspect
import logging
import os
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol

from ._args import is_id
from ._errors import ApplyError, NotFoundError
from ._fields import REMOTE, REPLICATION, ExtraFields
from ._hints import plan_insecure_tls, plan_missing_org
from ._models import RemoteConnection, Replication
from .desired import Change, DesiredRemote, DesiredReplication, DesiredState, Kind, Plan

if TYPE_CHECKING:
    import httpx

    from .remotes import Remotes
    from .replications import Replications


class PlanClient(Protocol):
    """What plan and apply use of a ReplicationClient (a protocol, so this module need not import it)."""

    @property
    def org_id(self) -> str | None: ...

    @property
    def remotes(self) -> Remotes: ...

    @property
    def replications(self) -> Replications: ...

    async def _resolve_bucket_id(
        self,
        bucket: str,
        timeout: float | httpx.Timeout | None,  # noqa: ASYNC109 - per-request httpx timeout
        trace_span: str | None,
    ) -> str: ...


__all__ = ["Secrets", "apply", "plan"]

Secrets = Callable[[DesiredRemote], str | Awaitable[str]]
"""A callback that returns (or resolves to) the API token of the remote it is given."""

_LOG = logging.getLogger("influxdb_replications")

_LOST = "its queued, unsent data is lost"


@dataclass(slots=True)
class _Step:
    """A change plus what executing it needs (never a token)."""

    change: Change
    remote: DesiredRemote | None = None
    replication: DesiredReplication | None = None
    # resolved local bucket ID of ``replication``
    bucket_id: str | None = None
    # keyword arguments of the update call (remote names are resolved to IDs when applied)
    update: dict[str, Any] = field(default_factory=dict)


async def plan(client: PlanClient, desired: DesiredState, *, prune: bool = False) -> Plan:
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
    steps, _ = await _steps(client, desired, prune=prune)
    return Plan(tuple(step.change for step in steps))


async def apply(
    client: PlanClient,
    desired: DesiredState,
    *,
    prune: bool = False,
    secrets: Secrets | None = None,
) -> Plan:
    """Make the server match ``desired`` and return what was done.

    Args:
        client: The client (its org is the one changed).
        desired: The desired state.
        prune: Delete the replications, then the remotes, that ``desired`` does not declare.
        secrets: Returns the API token of a remote to create (sync or async). Without it, a remote's
            token is read from the environment variable named by its ``token_env``.

    Returns:
        The changes made, in order (creates carry the new IDs); empty when nothing had to change.

    Raises:
        ValueError: a token is missing (the message names the environment variable or the remote, never
            a value), ``desired`` is not a DesiredState, or the client has no org. Nothing was changed.
        NotFoundError: a declared local bucket does not exist. Nothing was changed.
        ApplyError: a change failed; ``.done`` holds what was done before, ``.failed`` the failing change,
            and the server's error is the ``__cause__``.
        APIStatusError: the server refused a read before any change.
        APIConnectionError: the server could not be reached before any change.
    """
    steps, remote_ids = await _steps(client, desired, prune=prune)
    tokens: dict[str, str] = {}
    for step in steps:  # every token first: a missing one must not leave a half-applied state
        if step.change.kind == "remote" and step.change.action == "create" and step.remote is not None:
            tokens[step.remote.name] = await _token(step.remote, secrets)
    done: list[Change] = []
    for step in steps:
        _LOG.info("apply: %s", step.change.header.strip())
        try:
            await _execute(client, step, tokens, remote_ids, done)
        except Exception as exc:
            message = _failure(step.change, exc, done, tokens.values())
            raise ApplyError(message, done=Plan(tuple(done)), failed=step.change) from exc
    return Plan(tuple(done))


# ---------------------------------------------------------------------------------------------- planning


async def _steps(
    client: PlanClient, desired: DesiredState, *, prune: bool
) -> tuple[list[_Step], dict[str, str]]:
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

    steps: list[_Step] = []
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
                steps.append(_delete("replication", rep.name, rep.id, f"not declared (prune); {_LOST}"))
        declared_remotes = {remote.name for remote in desired.remotes}
        for remote in sorted(remotes, key=lambda r: (r.name, r.id)):
            if remote.name not in declared_remotes:
                steps.append(_delete("remote", remote.name, remote.id, "not declared (prune)"))
    return steps, {remote.name: remote.id for remote in remotes}


async def _bucket_ids(client: PlanClient, wanted: tuple[DesiredReplication, ...]) -> dict[str, str]:
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


def _create_remote(want: DesiredRemote) -> _Step:
    change = Change("create", "remote", want.name, fields=_remote_fields(want))
    return _Step(change, remote=want)


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


def _create_args(extras: ExtraFields, want: tuple[tuple[str, Any], ...]) -> dict[str, Any]:
    """The spec's other fields that a create request can carry."""
    creatable = {spec.name for spec in extras.create}
    return {name: value for name, value in want if name in creatable}


def _after_create(extras: ExtraFields, want: tuple[tuple[str, Any], ...]) -> dict[str, Any]:
    """The spec's other fields that only an update can set: apply sends them right after the create."""
    creatable = {spec.name for spec in extras.create}
    updatable = {spec.name for spec in extras.update}
    return {name: value for name, value in want if name in updatable and name not in creatable}


def _update_remote(want: DesiredRemote, have: RemoteConnection) -> _Step | None:
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
    return _Step(change, remote=want, update=update)


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


def _create_replication(want: DesiredReplication, bucket_id: str) -> _Step:
    change = Change("create", "replication", want.name, fields=_replication_fields(want))
    return _Step(change, replication=want, bucket_id=bucket_id)


def _change_replication(
    want: DesiredReplication,
    have: Replication,
    bucket_id: str,
    remote_by_name: dict[str, RemoteConnection],
    remote_names: dict[str, str],
    bucket_names: dict[str, str],
) -> _Step | None:
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
        reason = f"the server cannot change a replication's local bucket: delete and create; {_LOST}"
        change = Change("recreate", "replication", want.name, id=have.id, fields=fields, reason=reason)
        return _Step(change, replication=want, bucket_id=bucket_id)
    if not fields:
        return None
    reason = ""
    if "max_age_seconds" in fields:  # reference 3.6, step 4
        reason = "the server applies a new max_age_seconds only after it restarts"
    change = Change("update", "replication", want.name, id=have.id, fields=fields, reason=reason)
    return _Step(change, replication=want, bucket_id=bucket_id, update=update)


def _delete(kind: Kind, name: str, object_id: str, reason: str) -> _Step:
    return _Step(Change("delete", kind, name, id=object_id, reason=reason))


# ---------------------------------------------------------------------------------------------- applying


async def _token(remote: DesiredRemote, secrets: Secrets | None) -> str:
    """The API token for creating ``remote``; ValueError naming the variable or remote, never a value."""
    if secrets is not None:
        given: Any = secrets(remote)
        if inspect.isawaitable(given):
            given = await given
        if not isinstance(given, str) or not given:
            raise ValueError(
                f"the secrets callback returned no token (a non-empty str) for remote {remote.name!r}"
            )
        return given
    if remote.token_env is None:
        raise ValueError(
            f"remote {remote.name!r} must be created but has no token_env, and apply() was given no "
            "secrets callback"
        )
    token = os.environ.get(remote.token_env)
    if not token:
        raise ValueError(
            f"environment variable {remote.token_env} is not set: it must hold the API token for "
            f"creating remote {remote.name!r}"
        )
    return token


async def _execute(
    client: PlanClient,
    step: _Step,
    tokens: dict[str, str],
    remote_ids: dict[str, str],
    done: list[Change],
) -> None:
    """Make one change and append it to ``done`` (with the new ID for a create or recreate)."""
    change = step.change
    if change.action == "delete":
        if change.kind == "remote":
            await client.remotes.delete(_known_id(change))
        else:
            await client.replications.delete(_known_id(change))
        done.append(change)
        return
    if step.remote is not None:
        want = step.remote
        if change.action == "create":
            new_remote = await client.remotes.create(
                name=want.name,
                remote_url=want.remote_url,
                remote_api_token=tokens[want.name],
                remote_org_id=want.remote_org_id,
                allow_insecure_tls=want.allow_insecure_tls,
                description=want.description,
                **_create_args(REMOTE, want.extra),
            )
            if later := _after_create(REMOTE, want.extra):
                await client.remotes.update(new_remote.id, **later)
            remote_ids[want.name] = new_remote.id
            done.append(replace(change, id=new_remote.id))
        else:
            await client.remotes.update(_known_id(change), **step.update)
            done.append(change)
        return
    rep = step.replication
    if rep is None or step.bucket_id is None:  # pragma: no cover - _steps always fills them
        raise RuntimeError(f"incomplete plan step for {change.kind} {change.name!r}")
    if change.action == "update":
        update = dict(step.update)
        if "remote" in update:  # a name in the plan; the ID may be new (created above)
            update["remote"] = remote_ids[rep.remote]
        await client.replications.update(_known_id(change), **update)
        done.append(change)
        return
    if change.action == "recreate":
        old_id = _known_id(change)
        await client.replications.delete(old_id)
        # the delete is done: if the create below fails, ApplyError.done must say so
        done.append(replace(change, action="delete", fields={}, reason=f"recreate: deleted; {_LOST}"))
        created = await _create(client, rep, step.bucket_id, remote_ids)
        done[-1] = replace(change, id=created.id, reason=f"{change.reason}; replaced {old_id}")
        return
    created = await _create(client, rep, step.bucket_id, remote_ids)
    done.append(replace(change, id=created.id))


def _known_id(change: Change) -> str:
    if change.id is None:  # pragma: no cover - only creates have no ID
        raise RuntimeError(f"{change.action} of {change.kind} {change.name!r} without an ID")
    return change.id


async def _create(
    client: PlanClient, rep: DesiredReplication, bucket_id: str, remote_ids: dict[str, str]
) -> Replication:
    created = await client.replications.create(
        name=rep.name,
        remote=remote_ids[rep.remote],
        local_bucket=bucket_id,
        remote_bucket=rep.remote_bucket,
        remote_bucket_id=rep.remote_bucket_id,
        max_queue_size_bytes=rep.max_queue_size_bytes,
        max_age_seconds=rep.max_age_seconds,
        drop_non_retryable_data=rep.drop_non_retryable_data,
        description=rep.description,
        **_create_args(REPLICATION, rep.extra),
    )
    if later := _after_create(REPLICATION, rep.extra):
        created = await client.replications.update(created.id, **later)
    return created


def _failure(change: Change, exc: Exception, done: list[Change], tokens: Iterable[str]) -> str:
    ident = "" if change.id is None else f" ({change.id})"
    message = (
        f"apply stopped: {change.action} of {change.kind} {change.name!r}{ident} failed: {exc}; "
        f"{len(done)} change(s) before it were made"
    )
    for token in tokens:  # a server's error text should never echo a token, but make sure
        message = message.replace(token, "***")
    return message
