"""Known replication failures: how each is recognised, and one sentence saying what to change.

``KNOWN_FAILURES`` is the one table. Each row says how the failure is recognised (the status code and/or a
pattern of the writer's ``latestResponseCode`` / ``latestErrorMessage``, of a validation error's cause, or
the situation it arises in), the hint (one sentence naming the setting or action that fixes it) and the
section of the server reference it comes from. Rows are tried in order; the first that matches wins, so the
specific rows (a 400 about the org) come before the general ones (any 400).

Where the hints reach the user:

* ``ReplicationStatus.hint`` (``assess``, ``replications.status``, the CLI's ``status``);
* ``ValidationFailedError.hint``, with the same sentence at the end of its message;
* ``SyncTimeoutError``'s message, which ends with the hint of the last status;
* a warning on the ``influxdb_replications`` logger when a remote is created or updated without a remote
  org ID, or a plan declares one without it (the CLI prints such warnings as one line on stderr);
* the message of the 500 that one replication without a durable queue makes of every list.

A failure that matches no row keeps its reason and gets no hint. Hints are fixed sentences: they never
quote a server message, so they can never carry a token.
"""

from __future__ import annotations

import logging
import re
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._models import RemoteConnection, Replication

__all__ = [
    "HINT_LEAD",
    "INSECURE_TLS_WARNING",
    "KNOWN_FAILURES",
    "KnownFailure",
    "WarningLines",
    "append_hint",
    "by_name_hint",
    "durable_queue_text",
    "hint_for",
    "hint_sentence",
    "match",
    "match_validation",
    "plan_insecure_tls",
    "plan_missing_org",
    "queue_full",
    "under_rows",
    "warn_max_age_change",
    "warn_missing_org",
]

_LOG = logging.getLogger("influxdb_replications")

HINT_LEAD = " Hint: "
"""What separates a message from the hint that ends it."""


@dataclass(frozen=True, slots=True)
class KnownFailure:
    """One row of the table.

    Attributes:
        key: A short stable name for the row (e.g. ``"remote-org-missing"``).
        symptom: What the user sees, in words (the README's table shows it).
        hint: One sentence: the setting or action that fixes it.
        section: The section of the server reference the row comes from (e.g. ``"4"``, ``"6.2"``).
        codes: The ``latestResponseCode`` values (0 = no HTTP answer) the row applies to; None when it is
            recognised by its situation, not by a write result.
        pattern: A regular expression searched (case-insensitive) in the error message; None: any message.
        refused_data: Only when ``drop_non_retryable_data`` is off (the refused block stays at the head).
    """

    key: str
    symptom: str
    hint: str
    section: str
    codes: frozenset[int] | None = None
    pattern: str | None = None
    refused_data: bool = False

    def matches(self, code: int, message: str, drop_non_retryable_data: bool | None) -> bool:
        """Whether a write result (or a validation cause) with this code and message is this failure."""
        if self.codes is None or code not in self.codes:
            return False
        if self.pattern is not None and not re.search(self.pattern, message, re.IGNORECASE):
            return False
        # only a stored replication knows its flag; validation writes no data, so this row never applies there
        return not self.refused_data or drop_non_retryable_data is False


_OTHER_2XX = frozenset(range(200, 300)) - {204}
_TLS = r"x509|tls:|certificate|\bssl\b|handshake"

REMOTE_ORG_MISSING = KnownFailure(
    "remote-org-missing",
    'the remote answers 400 "Please provide either orgID or org" (the remote has no remote_org_id)',
    "Set the remote's org ID with remotes.update(remote_id, remote_org_id=...) (CLI: remotes update "
    "--remote-org-id): without it the server sends an empty org, which an InfluxDB OSS 2.x remote refuses.",
    "4",
    frozenset({400}),
    r"provide either orgID or org",
)
REMOTE_ORG_NOT_FOUND = KnownFailure(
    "remote-org-not-found",
    "the remote answers 404 organization not found",
    "The remote's remote_org_id is not an organization on the remote: set the right ID with "
    "remotes.update(remote_id, remote_org_id=...).",
    "4",
    frozenset({404}),
    r"organization",
)
REMOTE_NOT_INFLUXDB_V2 = KnownFailure(
    "remote-not-influxdb-v2",
    "the remote answers 200 or another 2xx instead of 204 (or 404 page not found)",
    "The remote URL does not lead to an InfluxDB 2.x write API (a proxy, an InfluxDB 1.x or 3.x server "
    "answers like this): point remote_url at the InfluxDB 2.x server with remotes.update(remote_id, "
    "remote_url=...).",
    "4, 6.2",
    _OTHER_2XX,
)
REMOTE_PAGE_NOT_FOUND = replace(REMOTE_NOT_INFLUXDB_V2, codes=frozenset({404}), pattern=r"page not found")
REMOTE_BUCKET_NOT_FOUND = KnownFailure(
    "remote-bucket-not-found",
    "the remote answers 404 bucket not found",
    "The target bucket does not exist in the remote org: create it on the remote, or point the replication "
    "at an existing one with replications.update(id, remote_bucket_id=...) (or remote_bucket=NAME).",
    "4, 6.2",
    frozenset({404}),
)
REMOTE_TOKEN = KnownFailure(
    "remote-token",
    "the remote answers 401 or 403",
    "The remote's API token is wrong or cannot write to the target bucket: give the remote a token with "
    "write access to that bucket with remotes.update(remote_id, remote_api_token=...).",
    "4, 6.2",
    frozenset({401, 403}),
)
REMOTE_TLS = KnownFailure(
    "remote-tls",
    "no HTTP answer (code 0) because of a TLS failure (x509: certificate ...)",
    "The InfluxDB server does not trust the remote's TLS certificate: fix the certificate (or the trust "
    "store of the server's host), or as a last resort set "
    "remotes.update(remote_id, allow_insecure_tls=True).",
    "4, 6.2",
    frozenset({0}),
    _TLS,
)
REMOTE_UNREACHABLE = KnownFailure(
    "remote-unreachable",
    "no HTTP answer (code 0): connection refused, DNS failure, timeout",
    "The remote URL is not reachable from the InfluxDB server (not from this client): check the URL, DNS, "
    "firewalls and proxies as seen from the server's host, and fix it with remotes.update(remote_id, "
    "remote_url=...).",
    "6.2",
    frozenset({0}),
)
REMOTE_THROTTLING = KnownFailure(
    "remote-throttling",
    "the remote answers 429 or 503",
    "The remote is throttling or briefly unavailable: the server backs off and retries on its own, so "
    "nothing needs changing unless it lasts (then ask the remote's operator about its limits).",
    "6.2",
    frozenset({429, 503}),
)
DATA_REFUSED = KnownFailure(
    "data-refused",
    "the remote answers 400 while drop_non_retryable_data is off",
    "The remote refuses this data and the queue is blocked behind it: fix the data at its source, or set "
    "replications.update(id, drop_non_retryable_data=True) to drop what the remote refuses.",
    "6.2",
    frozenset({400}),
    refused_data=True,
)
QUEUE_FULL = KnownFailure(
    "queue-full",
    "currentQueueSizeBytes reaches (or nears) maxQueueSizeBytes",
    "New data is being dropped silently once the queue is full: raise the limit with replications.update(id, "
    "max_queue_size_bytes=...) or fix the remote so that the queue drains.",
    "6.1",
)
VALIDATE_CREATE_BY_NAME = KnownFailure(
    "validate-create-by-name",
    "validate_create(remote_bucket=NAME) always fails (the server validates with the bucket ID only)",
    "The server validates a new replication with the remote bucket ID only and sends an empty bucket to the "
    "remote, so validating by bucket name cannot succeed: validate with remote_bucket_id=..., or create the "
    "replication and call replications.validate(id).",
    "4",
)
VALIDATE_UPDATE_BY_NAME = KnownFailure(
    "validate-update-by-name",
    "validate_update(id, remote_bucket_id=NEW) on a replication that targets a bucket by name fails",
    "This replication targets a remote bucket by name and the server's validation of an update still uses "
    "that stored name, not the new remote_bucket_id: apply the update, then call replications.validate(id).",
    "3.6, 4",
)
MAX_AGE_RESTART = KnownFailure(
    "max-age-restart",
    "a changed max_age_seconds has no effect",
    "The server applies a new max_age_seconds only when the replication's queue is opened: restart the "
    "InfluxDB server for the new purge age to take effect.",
    "3.6, 6.3",
)
DURABLE_QUEUE_MISSING = KnownFailure(
    "durable-queue-missing",
    'every list of replications fails with 500 durable queue not found for replication ID "<id>"',
    "Restart the InfluxDB server (it recreates missing queues on startup), or delete that replication by "
    "its ID.",
    "3.2, 3.7, 6.1",
    frozenset({500}),
    r"durable queue not found",
)
REMOTE_ORG_WARNING = KnownFailure(
    "remote-without-org",
    "a remote is created, updated or declared without remote_org_id",
    "Set its remote_org_id (remotes.update(remote_id, remote_org_id=...), CLI --remote-org-id): an InfluxDB "
    "OSS 2.x remote refuses every write without it; only an InfluxDB Cloud remote does without.",
    "4",
)

# Tried in this order against a write result or a validation cause; the first match wins.
_BY_RESULT: tuple[KnownFailure, ...] = (
    REMOTE_ORG_MISSING,
    REMOTE_ORG_NOT_FOUND,
    REMOTE_PAGE_NOT_FOUND,
    REMOTE_BUCKET_NOT_FOUND,
    REMOTE_TOKEN,
    REMOTE_TLS,
    REMOTE_UNREACHABLE,
    REMOTE_THROTTLING,
    REMOTE_NOT_INFLUXDB_V2,
    DATA_REFUSED,
)

KNOWN_FAILURES: tuple[KnownFailure, ...] = (
    *(row for row in _BY_RESULT if row is not REMOTE_PAGE_NOT_FOUND),  # a second pattern of one failure
    QUEUE_FULL,
    VALIDATE_CREATE_BY_NAME,
    VALIDATE_UPDATE_BY_NAME,
    MAX_AGE_RESTART,
    DURABLE_QUEUE_MISSING,
    REMOTE_ORG_WARNING,
)
"""Every known failure, in the order the README's table lists them."""

# The cause inside a validation error (reference 4): an HTTP status other than 204, or a Go transport error.
_RESPONSE_CODE = re.compile(r"invalid response code (\d{1,3}), must be 204")
_TRANSPORT = re.compile(
    r'Post "|dial tcp|connection refused|no such host|i/o timeout|deadline exceeded|Client\.Timeout|'
    r"connection reset|network is unreachable|unsupported protocol scheme|: EOF\b|" + _TLS,
    re.IGNORECASE,
)


def match(
    code: int | None, message: str | None, *, drop_non_retryable_data: bool | None = None
) -> KnownFailure | None:
    """The known failure behind a writer's result (``latestResponseCode``, ``latestErrorMessage``).

    Args:
        code: The response code (0: no HTTP answer; 204: success, never a failure).
        message: The error message ("" or None when there is none).
        drop_non_retryable_data: The replication's flag; None when unknown ("data refused" never matches).

    Returns:
        The first matching row, or None (also for a success or when nothing was attempted).
    """
    if code is None or code == 204:
        return None
    text = message or ""
    return next((row for row in _BY_RESULT if row.matches(code, text, drop_non_retryable_data)), None)


def hint_for(
    code: int | None, message: str | None, *, drop_non_retryable_data: bool | None = None
) -> str | None:
    """The hint for a writer's result, or None when it matches no known failure (see ``match``)."""
    row = match(code, message, drop_non_retryable_data=drop_non_retryable_data)
    return None if row is None else row.hint


def match_validation(message: str) -> KnownFailure | None:
    """The known failure behind a validation error's message (reference 4), or None.

    The cause is ``invalid response code N, must be 204: ...`` for an HTTP answer, or a transport error
    (``Post "...": dial tcp ...: connection refused``), which counts as code 0.
    """
    found = _RESPONSE_CODE.search(message)
    if found is not None:
        code = int(found.group(1))
    elif _TRANSPORT.search(message):
        code = 0
    else:
        return None
    return match(code, message)


def queue_full() -> KnownFailure:
    """The row for a queue that is full or nearly full (``assess`` decides by the fill ratio)."""
    return QUEUE_FULL


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


def hint_sentence(hint: str | None) -> str:
    """What ends a message that has this hint: ``". Hint: <hint>"``, or "" without a hint."""
    return "" if hint is None else "." + HINT_LEAD + hint


def append_hint(message: str, hint: str | None) -> str:
    """The message with the hint as its last sentence (unchanged without a hint, or when it ends so)."""
    if hint is None or message.endswith(hint):
        return message
    return message + ("" if message.endswith(".") else ".") + HINT_LEAD + hint


class WarningLines(logging.Handler):
    """Shows the library's warnings as ``warning: ...`` lines (the CLI's stderr), each distinct one once.

    Only records of the ``influxdb_replications`` logger itself (not of ``influxdb_replications.testing``,
    whose fake servers may share the process) at WARNING or above. ``close()`` detaches it.
    """

    def __init__(self, write: Callable[[str], object]) -> None:
        super().__init__(logging.WARNING)
        self._write = write
        self._seen: set[str] = set()
        _LOG.addHandler(self)

    def emit(self, record: logging.LogRecord) -> None:
        if record.name != _LOG.name:
            return
        text = record.getMessage()
        if text not in self._seen:  # a fleet run warns once, not once per host
            self._seen.add(text)
            self._write(f"warning: {text}")

    def close(self) -> None:
        _LOG.removeHandler(self)
        super().close()


def under_rows(table: str, hints: Iterable[str | None]) -> str:
    """A rendered table (a header line, then one line per row) with ``  hint: ...`` under rows that have one.

    Args:
        table: The table, one line per row after the header.
        hints: One entry per row, None for no hint.
    """
    lines = table.split("\n")
    notes = list(hints)
    out = lines[:1]
    for index, line in enumerate(lines[1:]):
        out.append(line)
        if index < len(notes) and notes[index] is not None:
            out.append(f"  hint: {notes[index]}")
    return "\n".join(out)
