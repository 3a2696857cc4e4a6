"""Apply a plan's changes (``client.apply``): remotes first, then replications, then the prunes.

Every token needed is read before the first change (``secrets``, else the environment variable a remote's
``token_env`` names) and kept only in local variables; a change that fails stops the run with
:class:`ApplyError`, whose ``done`` says what was made. The order and the diff are ``plan.py``'s.
"""

from __future__ import annotations

import inspect
import logging
import os
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ..core.errors import InfluxDBError
from ..core.models import Replication
from .desired import Change, DesiredRemote, DesiredReplication, DesiredState, Plan
from .legacy_fields import REMOTE, REPLICATION

if TYPE_CHECKING:  # the client calls plan/apply on first use; they call down into its resources
    from .replication_client import ReplicationClient
from .plan import LOST, Step, after_create, create_args, plan_steps

__all__ = ["ApplyError", "Secrets", "apply"]

_LOG = logging.getLogger("influxdb_replications")

Secrets = Callable[[DesiredRemote], str | Awaitable[str]]


"""A callback that returns (or resolves to) the API token of the remote it is given."""


class ApplyError(InfluxDBError):
    """``apply`` stopped part-way: one change failed; the changes before it were made and stay made.

    The failing request's error is the ``__cause__``. Applying the same desired state again continues
    from where the server now is (``plan`` shows what is left).

    Attributes:
        done: A Plan of the changes made before the failure (a recreate whose delete succeeded but
            whose create failed appears here as a delete).
        failed: The change that failed.
    """

    def __init__(self, message: str, *, done: Plan, failed: Change) -> None:
        super().__init__(message)
        self.done = done
        self.failed = failed


async def apply(
    client: ReplicationClient,
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
    steps, remote_ids = await plan_steps(client, desired, prune=prune)
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
    client: ReplicationClient,
    step: Step,
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
                **create_args(REMOTE, want.extra),
            )
            if later := after_create(REMOTE, want.extra):
                await client.remotes.update(new_remote.id, **later)
            remote_ids[want.name] = new_remote.id
            done.append(replace(change, id=new_remote.id))
        else:
            await client.remotes.update(_known_id(change), **step.update)
            done.append(change)
        return
    rep = step.replication
    if rep is None or step.bucket_id is None:  # pragma: no cover - plan_steps always fills them
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
        done.append(replace(change, action="delete", fields={}, reason=f"recreate: deleted; {LOST}"))
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
    client: ReplicationClient, rep: DesiredReplication, bucket_id: str, remote_ids: dict[str, str]
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
        **create_args(REPLICATION, rep.extra),
    )
    if later := after_create(REPLICATION, rep.extra):
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
