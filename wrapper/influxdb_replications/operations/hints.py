"""Hints of the operations: a status's hint, the plan's warnings, the sentence that ends a message.

Where the hints reach the user (the table is ``KNOWN_FAILURES`` in ``resources/failures.py``):

* ``ReplicationStatus.hint`` (``assess``, ``replications.status``, the CLI's ``status``);
* ``ValidationFailedError.hint``, with the same sentence at the end of its message
  (``resources/hints.py``, where the resources raise it);
* ``SyncTimeoutError``'s message, which ends with the hint of the last status;
* a warning on the ``influxdb_replications`` logger when a remote is created or updated without a remote
  org ID (``resources/hints.py``), or a plan declares one without it (here; the CLI prints such warnings
  as one line on stderr, with ``cli/output.py``'s ``WarningLines``, and a status table's hints under their
  rows);
* the message of the 500 that one replication without a durable queue makes of every list
  (``resources/hints.py``).

A failure that matches no row keeps its reason and gets no hint. Hints are fixed sentences: they never
quote a server message, so they can never carry a token.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ..core.errors import HINT_LEAD
from ..resources.failures import QUEUE_FULL, REMOTE_ORG_WARNING, KnownFailure, match

if TYPE_CHECKING:
    from ..core.models import RemoteConnection

__all__ = [
    "INSECURE_TLS_WARNING",
    "hint_for",
    "hint_sentence",
    "plan_insecure_tls",
    "plan_missing_org",
    "queue_full",
]

_LOG = logging.getLogger("influxdb_replications")


def hint_for(
    code: int | None, message: str | None, *, drop_non_retryable_data: bool | None = None
) -> str | None:
    """The hint for a writer's result, or None when it matches no known failure (see ``match``)."""
    row = match(code, message, drop_non_retryable_data=drop_non_retryable_data)
    return None if row is None else row.hint


def queue_full() -> KnownFailure:
    """The row for a queue that is full or nearly full (``assess`` decides by the fill ratio)."""
    return QUEUE_FULL


def plan_missing_org(
    steps: Iterable[Any], have: dict[str, RemoteConnection], declared: Iterable[Any]
) -> None:
    """Warn about each declared remote without ``remote_org_id``, in the log and in the plan.

    Args:
        steps: The plan's steps (objects with a mutable ``change`` and a ``remote``: a DesiredRemote or None);
            the change of a remote that stays without an org ID gets the warning as its reason.
        have: The server's remotes by name.
        declared: The declared remotes (DesiredRemote).
    """
    missing: set[str] = set()
    for want in declared:
        current = have.get(want.name)
        if want.remote_org_id is None and (current is None or current.remote_org_id is None):
            missing.add(want.name)
            _LOG.warning("declared remote %r has no remote_org_id: %s", want.name, REMOTE_ORG_WARNING.hint)
    for step in steps:
        change = step.change
        if change.kind == "remote" and change.name in missing and not change.reason:
            step.change = replace(change, reason=f"warning: no remote_org_id: {REMOTE_ORG_WARNING.hint}")


INSECURE_TLS_WARNING = (
    "allow_insecure_tls=True disables the checks of the remote's TLS certificate: anyone on the path can "
    "read the data and the remote's token; trust the remote's CA on the edge instead (see the docs' TLS page)"
)


def plan_insecure_tls(steps: Iterable[Any]) -> None:
    """Warn, in the log and in the plan, about each remote change that turns ``allow_insecure_tls`` on.

    Args:
        steps: The plan's steps (objects with a mutable ``change``); a remote created with
            ``allow_insecure_tls=True`` or updated from False to True gets the warning in its reason.
    """
    for step in steps:
        change = step.change
        if change.kind != "remote" or change.fields.get("allow_insecure_tls", (None, False))[1] is not True:
            continue
        _LOG.warning("remote %r: %s", change.name, INSECURE_TLS_WARNING)
        warning = f"warning: {INSECURE_TLS_WARNING}"
        step.change = replace(change, reason=f"{change.reason}; {warning}" if change.reason else warning)


def hint_sentence(hint: str | None) -> str:
    """What ends a message that has this hint: ``". Hint: <hint>"``, or "" without a hint."""
    return "" if hint is None else "." + HINT_LEAD + hint
