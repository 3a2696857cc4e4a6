"""Apply a plan's changes (``client.apply``): remotes first, then replications, then the prunes.

Every token needed is read before the first change (``secrets``, else the environment variable a remote's
``token_env`` names) and kept only in local variables; a change that fails stops the run with
:class:`ApplyError`, whose ``done`` says what was made. The order and the diff are ``plan.py``'s.

A destructive change (``Change.destructive``: a recreate, the prune of a replication) whose queue still
holds unsent bytes, or does not say, is refused unless ``allow_data_loss`` or ``drain`` is given
(``drain.py``): the object is left as it was, the rest of the plan goes on, and the
:class:`~influxdb_replications.ApplyResult` lists it in ``refused``. A drain that runs out of time stops
the run with :class:`DrainTimeoutError` (an ApplyError): nothing further is changed.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import os
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ..core.errors import InfluxDBError, NotFoundError
from ..core.models import Replication
from .changes import ApplyResult, at_stake
from .desired import Change, DesiredRemote, DesiredReplication, DesiredState, Plan
from .drain import DrainOptions, Progress, check_drain, temporary_name
from .health import SyncTimeoutError, format_bytes
from .plan import LOST, Step, after_create, create_args, plan_steps
from .spec_fields import REMOTE, REPLICATION

if TYPE_CHECKING:  # the client calls plan/apply on first use; they call down into its resources
    from .replication_client import ReplicationClient

__all__ = ["ApplyError", "ApplyResult", "DrainTimeoutError", "Secrets", "apply"]

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


class DrainTimeoutError(ApplyError, TimeoutError):
    """``apply(drain=True)`` stopped: a queue was not drained within ``drain_timeout``.

    Nothing further was changed: the replication being drained is still there with its queue, and for a
    recreate the new replication (created first, under its temporary name) stays too, so that nothing
    written meanwhile is missed; the next ``apply`` recognises it and finishes the change. Also a
    ``TimeoutError``; the SyncTimeoutError of the wait is the ``__cause__``.

    Attributes:
        done: An ApplyResult of what was done before (a drained recreate's temporary replication shows
            as a create) and what was refused.
        failed: The change whose drain timed out.
        replication: The drained replication as the last poll saw it.
        remaining_bytes: Its bytes still to send then.
    """

    def __init__(
        self, message: str, *, done: Plan, failed: Change, replication: Replication, remaining_bytes: int
    ) -> None:
        super().__init__(message, done=done, failed=failed)
        self.replication = replication
        self.remaining_bytes = remaining_bytes


async def apply(
    client: ReplicationClient,
    desired: DesiredState,
    *,
    prune: bool = False,
    secrets: Secrets | None = None,
    allow_data_loss: bool = False,
    drain: bool = False,
    drain_timeout: float | None = None,
    drain_poll_interval: float = 1.0,
    on_drain_progress: Progress | None = None,
) -> ApplyResult:
    """Make the server match ``desired`` and return what was done, and what was refused.

    Args:
        client: The client (its org is the one changed).
        desired: The desired state.
        prune: Delete the replications, then the remotes, that ``desired`` does not declare.
        secrets: Returns the API token of a remote to create (sync or async). Without it, a remote's
            token is read from the environment variable named by its ``token_env``.
        allow_data_loss: Make destructive changes even when their queues hold unsent bytes (lost).
        drain: Make destructive changes without loss: drain each queue first (see ``drain.py``).
        drain_timeout: Seconds each drain may take (default 300; only with ``drain``).
        drain_poll_interval: Seconds between the polls of a drain.
        on_drain_progress: Called with the drained Replication after every poll.

    Returns:
        The ApplyResult: the changes made, in order (creates carry the new IDs), and in ``refused`` the
        destructive changes not made because they would have lost queued data.

    Raises:
        ValueError: a bad consent or drain argument, a token is missing (the message names the
            environment variable or the remote, never a value), ``desired`` is not a DesiredState, or
            the client has no org. Nothing was changed.
        NotFoundError: a declared local bucket does not exist. Nothing was changed.
        ApplyError: a change failed; ``.done`` holds what was done before, ``.failed`` the failing change,
            and the server's error is the ``__cause__``.
        DrainTimeoutError: (an ApplyError) a drain ran out of time; nothing further was changed.
        APIStatusError: the server refused a read before any change.
        APIConnectionError: the server could not be reached before any change.
    """
    options = check_drain(
        allow_data_loss=allow_data_loss,
        drain=drain,
        drain_timeout=drain_timeout,
        drain_poll_interval=drain_poll_interval,
        on_drain_progress=on_drain_progress,
    )
    steps, remote_ids = await plan_steps(client, desired, prune=prune)
    tokens: dict[str, str] = {}
    for step in steps:  # every token first: a missing one must not leave a half-applied state
        if step.change.kind == "remote" and step.change.action == "create" and step.remote is not None:
            tokens[step.remote.name] = await _token(step.remote, secrets)
    done: list[Change] = []
    refused: list[Change] = []
    kept_remotes: dict[str, list[str]] = {}  # remote ID -> the refused replications that still use it
    for step in steps:
        change = step.change
        why = _refusal(step, options, kept_remotes)
        if why is not None:
            _LOG.warning("apply: refused: %s: %s", change.header.strip(), why)
            refused.append(replace(change, reason=f"{change.reason}; refused: {why}".lstrip("; ")))
            if step.current is not None:
                kept_remotes.setdefault(step.current.remote_id, []).append(change.name)
            continue
        _LOG.info("apply: %s", change.header.strip())
        try:
            await _execute(client, step, tokens, remote_ids, done, options)
        except SyncTimeoutError as exc:
            result = ApplyResult(tuple(done), tuple(refused))
            raise _timed_out(step, exc, result) from exc
        except Exception as exc:
            message = _failure(change, exc, done, tokens.values())
            raise ApplyError(message, done=ApplyResult(tuple(done), tuple(refused)), failed=change) from exc
    return ApplyResult(tuple(done), tuple(refused))


def _refusal(step: Step, options: DrainOptions, kept_remotes: dict[str, list[str]]) -> str | None:
    """Why this change must not be made, or None: it would lose queued data without consent or drain."""
    change = step.change
    if change.kind == "remote" and change.action == "delete" and change.id in kept_remotes:
        names = ", ".join(repr(name) for name in kept_remotes[change.id])
        return f"replication(s) {names} that use it were kept"
    if not change.destructive or options.allow_data_loss:
        return None
    if options.drain:
        if step.blocked is not None:
            return f"cannot drain: {step.blocked}"
        if change.remaining_bytes is None:
            return (
                "cannot drain: the server does not report remainingBytesToBeSynced; "
                f"{at_stake(change)} (allow_data_loss=True deletes it anyway)"
            )
        return None
    if not change.at_risk:
        return None
    return f"{at_stake(change)} would be lost"


def _timed_out(step: Step, exc: SyncTimeoutError, done: ApplyResult) -> DrainTimeoutError:
    change = step.change
    left = exc.replication.remaining_bytes_to_be_synced or 0
    message = (
        f"apply stopped: the drain of replication {change.name!r} ({change.id}) timed out after "
        f"{exc.waited:.1f} s with {left} bytes ({format_bytes(left)}) still to send; "
        f"{exc.status.health.value}: {exc.status.reason}; nothing further was changed"
    )
    if change.action == "recreate":
        message += (
            f"; the new replication {temporary_name(change.name)!r} stays, and the next apply "
            "finishes the change"
        )
    return DrainTimeoutError(
        message, done=done, failed=change, replication=exc.replication, remaining_bytes=left
    )


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
    options: DrainOptions,
) -> None:
    """Make one change and append it to ``done`` (with the new ID for a create or recreate)."""
    change = step.change
    if change.action == "delete":
        if change.kind == "remote":
            await client.remotes.delete(_known_id(change))
        else:
            if options.drain:
                await options.wait(client.replications, _known_id(change))
            await client.replications.delete(_known_id(change))
        done.append(change)
        return
    if step.remote is not None:
        want = step.remote
        if change.action == "create":
            new_remote = await client.remotes.create(
                name=want.name, remote_api_token=tokens[want.name], **create_args(REMOTE, want)
            )
            if later := after_create(REMOTE, want):
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
        if options.drain:
            await _drained_recreate(client, step, rep, remote_ids, done, options)
            return
        old_id = _known_id(change)
        await client.replications.delete(old_id)
        # the delete is done: if the create below fails, ApplyError.done must say so
        done.append(replace(change, action="delete", fields={}, reason=f"recreate: deleted; {LOST}"))
        if step.temp is not None:  # an interrupted drain's new replication: it only needs its name
            new_id = (await client.replications.update(step.temp.id, **step.update)).id
        else:
            new_id = (await _create(client, rep, step.bucket_id, remote_ids)).id
        done[-1] = replace(change, id=new_id, reason=f"{change.reason}; replaced {old_id}")
        return
    created = await _create(client, rep, step.bucket_id, remote_ids)
    done.append(replace(change, id=created.id))


async def _drained_recreate(
    client: ReplicationClient,
    step: Step,
    rep: DesiredReplication,
    remote_ids: dict[str, str],
    done: list[Change],
    options: DrainOptions,
) -> None:
    """Make before break: the new replication (temporary name), drain the old one, delete it, rename."""
    change, old_id = step.change, _known_id(step.change)
    temp_name = temporary_name(rep.name)
    rename: dict[str, Any] = {"name": rep.name}
    if step.temp is None:
        new_id = (await _create(client, rep, step.bucket_id or "", remote_ids, name=temp_name)).id
        reason = "drain: the new replication, named so until the old one is drained and deleted"
        done.append(Change("create", "replication", temp_name, id=new_id, reason=reason))
    else:  # an interrupted drain created it already
        new_id, rename = step.temp.id, step.update
    # from here on every write is queued for the new replication too: the old one only has to drain
    await options.wait(client.replications, old_id)
    with contextlib.suppress(NotFoundError):  # deleted meanwhile: that is what we want
        await client.replications.delete(old_id)
    deleted = replace(
        change,
        action="delete",
        fields={},
        reason=f"recreate: drained and deleted; the new replication {temp_name!r} ({new_id}) keeps its name",
    )
    if step.temp is None:
        done[-1] = deleted
    else:
        done.append(deleted)
    await client.replications.update(new_id, **rename)
    done[-1] = replace(change, id=new_id, reason=f"{change.reason}; drained {old_id}, then replaced it")


def _known_id(change: Change) -> str:
    if change.id is None:  # pragma: no cover - only creates have no ID
        raise RuntimeError(f"{change.action} of {change.kind} {change.name!r} without an ID")
    return change.id


async def _create(
    client: ReplicationClient,
    rep: DesiredReplication,
    bucket_id: str,
    remote_ids: dict[str, str],
    *,
    name: str | None = None,
) -> Replication:
    created = await client.replications.create(
        name=rep.name if name is None else name,
        remote=remote_ids[rep.remote],
        local_bucket=bucket_id,
        remote_bucket=rep.remote_bucket,
        remote_bucket_id=rep.remote_bucket_id,
        **create_args(REPLICATION, rep),
    )
    if later := after_create(REPLICATION, rep):
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
