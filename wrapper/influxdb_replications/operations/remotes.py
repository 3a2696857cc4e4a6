"""``client.remotes`` with its operations: ``rotate_token``.

The resource (``resources/remotes.py``) sends the requests; this subclass adds what is built on them
(``rotate.py``: set a token, validate the replications, put the previous token back), so
``client.remotes.rotate_token()`` stays where users call the remote's other methods.
"""

# The public methods take `timeout=` by contract (the API); it is an httpx timeout per request,
# not an asyncio deadline, so ASYNC109's advice does not apply.
# ruff: noqa: ASYNC109

from __future__ import annotations

from ..core.models import RemoteConnection
from ..resources import remotes as resource
from ..resources.resource import Timeout
from .rotate import RotationResult, rotate_token

__all__ = ["Remotes"]


class Remotes(resource.Remotes):
    """Remote connections: where replications send their data. Reached as ``client.remotes``.

    ``find(name)`` comes from the shared pattern. Every method takes ``timeout=``
    (seconds or httpx.Timeout) and ``trace_span=`` (Zap-Trace-Span) overrides for that call. Besides the
    resource's methods it rotates a remote's token (``rotate_token``).
    """

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
        * ``rolled-back``: one failed and ``previous_token`` was given: it was set again (a stream that
          failed meanwhile resumes at its next attempt; a local write wakes it at once);
        * ``failing``: one failed and there was no previous token: the new token stays set and that
          replication fails until the token is fixed (``result.hint`` says what to change, e.g. for a
          refused token);
        * ``not-verifiable``: the token is set, but no replication uses the remote, so nothing could
          check it.

        A validation the server cannot do (it is unreachable meanwhile, or answers with an error of its
        own) counts as a failure when ``previous_token`` was given; without it, RotationError is raised,
        since the new token is set and not known to be good. The token cannot be read back (the server
        never returns it), so ``previous_token`` is trusted to be the one that was there. Tokens appear
        in no result, error or log line.

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
