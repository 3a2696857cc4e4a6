"""``client.remotes`` with its operations: a cascade delete that loses no queued data unless told to, and
token rotation.

The resource (``resources/remotes.py``) sends the requests; this subclass adds what is built on them:

* the consent and the drain of ``delete(remote_id, cascade=True)``: deleting a replication discards its
  queue (reference 3.7), so a cascade that would lose unsent bytes is refused (:class:`DataLossError`)
  unless ``allow_data_loss`` or ``drain`` is given. The drain polls with
  ``client.replications.wait_until_synced`` (``drain.py``);
* ``rotate_token`` (``rotate.py``: set a token, validate the replications, put the previous token back), so
  that it stays where users call the remote's other methods.
"""

# The public methods take `timeout=` by contract (the API); it is an httpx timeout per request,
# not an asyncio deadline, so ASYNC109's advice does not apply.
# ruff: noqa: ASYNC109

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

from ..core.args import check_bool, check_id
from ..core.errors import InfluxDBError, NotFoundError
from ..core.models import RemoteConnection, Replication
from ..resources import remotes as resource
from ..resources.resource import Timeout
from .changes import Change, at_stake
from .drain import DrainOptions, Progress, check_drain
from .health import SyncTimeoutError
from .rotate import RotationResult, rotate_token

if TYPE_CHECKING:
    from .replications import Replications

__all__ = ["DataLossError", "Remotes"]


class DataLossError(InfluxDBError):
    """``remotes.delete(..., cascade=True)`` refused: deleting the remote's replications would lose
    queued data (their queues hold unsent bytes, or the server does not say). Nothing was deleted.

    Attributes:
        replications: The replications at risk, as read (``remaining_bytes_to_be_synced`` and
            ``current_queue_size_bytes`` say what is at stake).
    """

    def __init__(self, message: str, *, replications: Sequence[Replication]) -> None:
        super().__init__(message)
        self.replications = tuple(replications)


class Remotes(resource.Remotes):
    """Remote connections: where replications send their data. Reached as ``client.remotes``.

    ``find(name)`` comes from the shared pattern. Every method takes ``timeout=`` (seconds or
    httpx.Timeout) and ``trace_span=`` (Zap-Trace-Span) overrides for that call. ``delete`` with
    ``cascade=True`` loses no queued data unless ``allow_data_loss=True``; ``rotate_token`` gives a remote
    a new token and proves it.
    """

    async def delete(
        self,
        remote_id: str,
        *,
        cascade: bool = False,
        allow_data_loss: bool = False,
        drain: bool = False,
        drain_timeout: float | None = None,
        drain_poll_interval: float = 1.0,
        on_drain_progress: Progress | None = None,
        timeout: Timeout = None,
        trace_span: str | None = None,
    ) -> None:
        """Delete a remote connection.

        The server refuses to delete a remote that a replication uses (RemoteInUseError). With
        ``cascade=True`` the remote's replications are deleted first, as ``influx remote delete
        --delete-replications`` does: the remote is fetched (for its org), its replications are listed,
        and deleted (one already gone is fine), then the remote. Deleting a replication discards its
        queue, so unless ``allow_data_loss`` the cascade is refused when a queue holds unsent bytes (or
        the server does not report them): DataLossError, nothing deleted. With ``drain`` each queue is
        first polled until it is drained; a drain that times out deletes nothing more.

        Args:
            remote_id: Its ID (16 hex digits).
            cascade: Delete the replications that use it first.
            allow_data_loss: With cascade: delete them even when their queues hold unsent bytes.
            drain: With cascade: wait until every queue is drained, then delete.
            drain_timeout: Seconds each drain may take (default 300; only with ``drain``).
            drain_poll_interval: Seconds between the polls of a drain.
            on_drain_progress: Called with the drained Replication after every poll.
            timeout: Timeout for each request of this call.

        Raises:
            ValueError: remote_id is not 16 hex digits, or a bad consent or drain argument
                (``allow_data_loss`` and ``drain`` need ``cascade``).
            NotFoundError: no such remote.
            DataLossError: a replication's queue holds unsent bytes (or does not say); nothing deleted.
            SyncTimeoutError: a drain timed out; the replications not yet deleted are still there.
            RemoteInUseError: a replication still uses it (cascade=False, or one was added meanwhile).
        """
        remote_id = check_id(remote_id, "remote_id")
        check_bool(cascade, "cascade")
        options = check_drain(
            allow_data_loss=allow_data_loss,
            drain=drain,
            drain_timeout=drain_timeout,
            drain_poll_interval=drain_poll_interval,
            on_drain_progress=on_drain_progress,
        )
        if (options.allow_data_loss or options.drain) and not cascade:
            raise ValueError("allow_data_loss and drain apply to cascade=True only")
        if cascade:
            await self._cascade(remote_id, options, timeout, trace_span)
        await self._delete(remote_id, timeout, trace_span)

    async def _cascade(
        self, remote_id: str, options: DrainOptions, timeout: Timeout, trace_span: str | None
    ) -> None:
        # ReplicationClient hands its resources the operations subclass, which has wait_until_synced
        replications = cast("Replications", self._replications())
        remote = await self.get(remote_id, timeout=timeout, trace_span=trace_span)
        found = await replications._of_remote(remote, timeout, trace_span)
        at_risk = [rep for rep in found if _change(rep).at_risk]
        if at_risk and not (options.allow_data_loss or options.drain):
            raise DataLossError(_refusal(remote.name, at_risk), replications=at_risk)
        if options.drain:
            unknown = [rep for rep in found if _change(rep).remaining_bytes is None]
            if unknown:
                raise DataLossError(
                    _refusal(remote.name, unknown, "the server does not report their unsent bytes, so "),
                    replications=unknown,
                )
        if options.drain:  # every queue first: a drain that times out leaves all of them in place
            for replication in found:
                try:
                    await options.wait(replications, replication.id)
                except NotFoundError:
                    continue  # deleted meanwhile
                except SyncTimeoutError as exc:
                    raise SyncTimeoutError(
                        f"remote {remote.name!r} and its replications not deleted: {exc}",
                        replication=exc.replication,
                        status=exc.status,
                        waited=exc.waited,
                    ) from exc
        for replication in found:
            with contextlib.suppress(NotFoundError):  # deleted meanwhile: that is what we want
                await replications.delete(replication.id, timeout=timeout, trace_span=trace_span)

    async def rotate_token(
        self,
        remote: str | RemoteConnection,
        new_token: str,
        *,
        previous_token: str | None = None,
        timeout: Timeout = None,
        trace_span: str | None = None,
    ) -> RotationResult:
        """Give a remote a new API token and prove it with every replication that uses the remote.

        The token is set first (PATCH; the server uses it from its next write attempt on), then each
        replication of the remote is validated (``POST /api/v2/replications/{id}/validate``: the server
        writes an empty batch to the remote with the stored settings), in name order, stopping at the first
        that fails. The outcome (``result.outcome``):

        * ``rotated``: every replication validated with the new token;
        * ``rolled back``: one failed and ``previous_token`` was given: it was set again (a stream that
          failed meanwhile resumes at its next attempt; a local write wakes it at once);
        * ``failing``: one failed and there was no previous token: the new token stays set and that
          replication fails until the token is fixed (``result.hint`` says what to change, e.g. for a
          refused token);
        * ``not verifiable``: the token is set, but no replication uses the remote, so nothing could
          check it.

        A validation the server cannot do (it is unreachable meanwhile, or answers with an error of its
        own) counts as a failure when ``previous_token`` was given; without it, RotationError is raised,
        since the new token is set and not known to be good. The token cannot be read back (the server
        never returns it), so ``previous_token`` is trusted to be the one that was there. A rotation
        cancelled while it validates (Ctrl-C) puts ``previous_token``, when given, back before the
        cancellation goes on. Tokens appear in no result, error or log line.

        Args:
            remote: The remote: a RemoteConnection, its ID (16 hex digits) or its name (anything else).
            new_token: The new API token for the remote (a non-empty string without whitespace).
            previous_token: The token it has now, to put back when the new one fails validation.

        Returns:
            The RotationResult: the outcome, the replications validated, and why it failed.

        Raises:
            ValueError: a bad argument (a token that is not a non-empty string without whitespace, or the
                same token twice); the value is never shown. Nothing was changed.
            NotFoundError: no such remote; nothing was changed.
            RotationError: the new token was set, and a validation could not be done, nor the previous
                token put back; ``.token_set`` is True and the cause is ``__cause__``.
            APIStatusError: the server refused the look-up or the PATCH (the token is then unchanged).
            APIConnectionError: the server could not be reached before the token was set.
        """
        return await rotate_token(
            self,
            self._replications(),
            remote,
            new_token,
            previous_token=previous_token,
            timeout=timeout,
            trace_span=trace_span,
        )


def _change(replication: Replication) -> Change:
    """The delete of a replication as a destructive change, with its queue's sizes."""
    return Change(
        "delete",
        "replication",
        replication.name,
        id=replication.id,
        destructive=True,
        remaining_bytes=replication.remaining_bytes_to_be_synced,
        queue_bytes=replication.current_queue_size_bytes,
    )


def _refusal(remote: str, replications: Sequence[Replication], why: str = "") -> str:
    each = "; ".join(f"{rep.name!r} ({rep.id}): {at_stake(_change(rep))}" for rep in replications)
    return (
        f"remote {remote!r} not deleted: {why}deleting its replications would lose queued data: {each}; "
        "drain them first (drain=True, CLI --drain) or accept the loss (allow_data_loss=True, CLI "
        "--allow-data-loss)"
    )
