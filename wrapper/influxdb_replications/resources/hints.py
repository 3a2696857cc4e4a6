"""The hints the resources attach where they raise or return: validation failures, durable queue, warnings.

The failures and their hints are one table, ``KNOWN_FAILURES`` in ``failures.py``; this module attaches
them where the resources raise their errors (``explain``) and logs the warnings of a call
(``warn_missing_org``, ``warn_max_age_change``). The rest of the hints (a status's hint, the plan's
warnings, the sentence that ends a ``SyncTimeoutError``) are operations: ``operations/hints.py``.

Where the hints reach the user:

* ``ReplicationStatus.hint`` (``assess``, ``replications.status``, the CLI's ``status``);
* ``ValidationFailedError.hint``, with the same sentence at the end of its message;
* ``SyncTimeoutError``'s message, which ends with the hint of the last status;
* a warning on the ``influxdb_replications`` logger when a remote is created or updated without a remote
  org ID, or a plan declares one without it (the CLI prints such warnings as one line on stderr, with
  ``cli/output.py``'s ``WarningLines``, and a status table's hints under their rows);
* the message of the 500 that one replication without a durable queue makes of every list.

A failure that matches no row keeps its reason and gets no hint. Hints are fixed sentences: they never
quote a server message, so they can never carry a token.
"""

from __future__ import annotations

import logging
import re
import urllib.parse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from ..core.errors import HINT_LEAD, APIStatusError, ValidationFailedError, append_hint

if TYPE_CHECKING:
    from ..core.models import RemoteConnection, Replication
from .failures import (
    DURABLE_QUEUE_MISSING,
    MAX_AGE_RESTART,
    REMOTE_ORG_WARNING,
    VALIDATE_CREATE_BY_NAME,
    VALIDATE_UPDATE_BY_NAME,
    match_validation,
)

__all__ = [
    "HINT_LEAD",
    "append_hint",
    "by_name_hint",
    "durable_queue_text",
    "explain",
    "warn_max_age_change",
    "warn_missing_org",
]


_LOG = logging.getLogger("influxdb_replications")


def by_name_hint(*, update: bool) -> str:
    """The hint for a validation that could not succeed because of a bucket name (contract note 8).

    Args:
        update: True for ``validate_update(remote_bucket_id=...)`` on a name-based replication, False for
            ``validate_create(remote_bucket=NAME)``.
    """
    return (VALIDATE_UPDATE_BY_NAME if update else VALIDATE_CREATE_BY_NAME).hint


def durable_queue_text(status_code: int, message: str, method: str, url: str) -> str | None:
    """The message for a 500 ``durable queue not found for replication ID "<id>"`` from a list or a delete.

    One replication whose queue is gone fails every list of replications (reference 3.2): the list's
    error then names it and says how to recover. A delete of it removes the row all the same (reference
    3.7), and its error says so. For any other answer (a get or update of that replication included, which
    names it already) it returns None: the message stays as it is.
    """
    if status_code != 500 or not DURABLE_QUEUE_MISSING.matches(500, message, None):
        return None
    found = re.search(r'replication ID "([^"]*)"', message)
    ident = found.group(1) if found else "?"
    if method.upper() == "DELETE":
        return (
            f"{message}: replication {ident} had no durable queue on the server; the server deleted "
            "the replication all the same, so nothing is left to do"
        )
    if method.upper() == "GET" and urllib.parse.urlsplit(url).path.rstrip("/").endswith("/replications"):
        return (
            f"{message}: replication {ident} has lost its durable queue on the server, and one such "
            f"replication fails every list of replications. {DURABLE_QUEUE_MISSING.hint[:-1]} "
            f'(replications.delete("{ident}"); CLI: replications delete {ident}).'
        )
    return None


def warn_missing_org(
    parse: Callable[[Any], RemoteConnection], remote_org_id: str | None, *, create: bool = False
) -> Callable[[Any], RemoteConnection]:
    """Wrap the parser of ``remotes.create`` / ``remotes.update`` to warn about a remote without org ID.

    The warning (on the ``influxdb_replications`` logger) is logged when the call did not pass
    ``remote_org_id`` and either it is a create, or the remote as the server returns it has none (so renaming
    a remote that has an org ID says nothing). Reference 4: the server then sends ``org=`` to the remote.

    Args:
        parse: The remote's parser.
        remote_org_id: The ``remote_org_id`` the call passed (None: not passed).
        create: True for ``remotes.create``.
    """

    def parse_and_warn(data: Any) -> RemoteConnection:
        remote = parse(data)
        if remote_org_id is None and (create or remote.remote_org_id is None):
            _LOG.warning(
                "remote connection %r (%s) has no remote_org_id: %s",
                remote.name,
                remote.id,
                REMOTE_ORG_WARNING.hint,
            )
        return remote

    return parse_and_warn


def warn_max_age_change(
    parse: Callable[[Any], Replication], max_age_seconds: int | None
) -> Callable[[Any], Replication]:
    """Wrap ``replications.update``'s parser: a new ``max_age_seconds`` logs that it needs a restart.

    Returns ``parse`` itself when ``max_age_seconds`` was not passed.
    """
    if max_age_seconds is None:
        return parse

    def parse_and_warn(data: Any) -> Replication:
        replication = parse(data)
        _LOG.warning(
            "replication %r (%s): max_age_seconds set to %d: %s",
            replication.name,
            replication.id,
            max_age_seconds,
            MAX_AGE_RESTART.hint,
        )
        return replication

    return parse_and_warn


E = TypeVar("E", bound=APIStatusError)


def explain(error: E) -> E:
    """The error with what the hints know about it; the resources pass every error of a list, delete or
    validate through it before raising it.

    A ``ValidationFailedError`` whose cause is a known failure gets that row's hint (``match_validation``);
    the 500 of a missing durable queue on a list or a delete gets the message of ``durable_queue_text``
    (one replication without its queue fails every list, reference 3.2). Any other error is returned as is.
    """
    if isinstance(error, ValidationFailedError) and error.hint is None:
        found = match_validation(error.message)
        return error if found is None else error.with_hint(found.hint)  # type: ignore[return-value]
    text = durable_queue_text(error.status_code, error.message, error.method, error.url)
    return error if text is None else error.with_message(text)  # type: ignore[return-value]
