"""Known failures (resources/failures.py) and their hints: recognition, statuses, errors, logs, plumbing."""

from __future__ import annotations

import io
import logging
import pickle
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from influxdb_replications import (
    BadRequestError,
    Replication,
    ReplicationClient,
    ServerError,
    SyncTimeoutError,
    ValidationFailedError,
)
from influxdb_replications.cli.output import WarningLines, under_rows
from influxdb_replications.core.errors import error_from_response
from influxdb_replications.core.transport import Reply
from influxdb_replications.operations.desired import DesiredRemote, DesiredReplication, DesiredState
from influxdb_replications.operations.health import Health, ReplicationStatus, assess
from influxdb_replications.operations.hints import hint_for
from influxdb_replications.resources.failures import (
    DATA_REFUSED,
    DURABLE_QUEUE_MISSING,
    KNOWN_FAILURES,
    MAX_AGE_RESTART,
    QUEUE_FULL,
    REMOTE_BUCKET_NOT_FOUND,
    REMOTE_NOT_INFLUXDB_V2,
    REMOTE_ORG_MISSING,
    REMOTE_ORG_NOT_FOUND,
    REMOTE_THROTTLING,
    REMOTE_TLS,
    REMOTE_TOKEN,
    REMOTE_UNREACHABLE,
    VALIDATE_CREATE_BY_NAME,
    VALIDATE_UPDATE_BY_NAME,
    KnownFailure,
    match,
    match_validation,
)
from influxdb_replications.resources.hints import (
    append_hint,
    durable_queue_text,
    explain,
)

from .conftest import (
    ORG_ID,
    REMOTE_BUCKET_ID,
    REMOTE_ID,
    REMOTE_ORG_ID,
    REPL_ID,
    TOKEN,
    error_json,
    remote_json,
    replication_json,
)

MAX = 67_108_860
URL = "http://127.0.0.1:9999/api/v2/write?bucket=0f0f0f0f0f0f0f0f&org="


def refused(code: int, status_text: str, message: str) -> str:
    """The writer's message for an HTTP answer other than 204 (reference 6.2)."""
    return f"invalid response code {code}, must be 204: {code} {status_text}: {message}"


def make(**override: Any) -> Replication:
    """A replication as a GET returns it: drained, latest write 204, empty queue."""
    fields: dict[str, Any] = {
        "id": REPL_ID,
        "org_id": ORG_ID,
        "name": "edge-to-cloud",
        "remote_id": REMOTE_ID,
        "local_bucket_id": "0e0e0e0e0e0e0e0e",
        "remote_bucket_id": REMOTE_BUCKET_ID,
        "remote_bucket_name": "",
        "max_queue_size_bytes": MAX,
        "max_age_seconds": 604800,
        "drop_non_retryable_data": False,
        "current_queue_size_bytes": 8,
        "remaining_bytes_to_be_synced": 0,
        "latest_response_code": 204,
        "latest_error_message": "",
    }
    fields.update(override)
    return Replication(**fields)


# (code, message, drop_non_retryable_data, expected row): real texts of the server's writer
RESULTS: list[tuple[int, str, bool | None, KnownFailure | None]] = [
    (400, refused(400, "Bad Request", "Please provide either orgID or org"), False, REMOTE_ORG_MISSING),
    (400, refused(400, "Bad Request", "Please provide either orgID or org"), True, REMOTE_ORG_MISSING),
    (
        404,
        refused(404, "Not Found", 'organization name "0c0c0c0c0c0c0c0c" not found'),
        False,
        REMOTE_ORG_NOT_FOUND,
    ),
    (404, refused(404, "Not Found", 'bucket "archive" not found'), False, REMOTE_BUCKET_NOT_FOUND),
    (404, refused(404, "Not Found", "404 page not found"), False, REMOTE_NOT_INFLUXDB_V2),
    (401, refused(401, "Unauthorized", "unauthorized access"), False, REMOTE_TOKEN),
    (403, refused(403, "Forbidden", "insufficient permissions for write"), False, REMOTE_TOKEN),
    (0, f'Post "{URL}": dial tcp 127.0.0.1:9999: connect: connection refused', False, REMOTE_UNREACHABLE),
    (0, f'Post "{URL}": dial tcp: lookup cloud.invalid: no such host', False, REMOTE_UNREACHABLE),
    (0, f'Post "{URL}": context deadline exceeded (Client.Timeout exceeded)', False, REMOTE_UNREACHABLE),
    (
        0,
        f'Post "{URL}": tls: failed to verify certificate: x509: certificate signed by unknown authority',
        False,
        REMOTE_TLS,
    ),
    (0, f'Post "{URL}": x509: certificate has expired or is not yet valid', False, REMOTE_TLS),
    (400, refused(400, "Bad Request", "partial write: field type conflict"), False, DATA_REFUSED),
    (400, refused(400, "Bad Request", "partial write: field type conflict"), True, None),
    (400, refused(400, "Bad Request", "unable to parse"), None, None),
    (429, refused(429, "Too Many Requests", "rate limited"), False, REMOTE_THROTTLING),
    (503, refused(503, "Service Unavailable", "unavailable"), True, REMOTE_THROTTLING),
    (200, "invalid response code 200, must be 204", False, REMOTE_NOT_INFLUXDB_V2),
    (202, "invalid response code 202, must be 204", False, REMOTE_NOT_INFLUXDB_V2),
    (500, refused(500, "Internal Server Error", "boom"), False, None),
    (418, refused(418, "I'm a teapot", "no"), False, None),
    (204, "", False, None),
]


@pytest.mark.parametrize(("code", "message", "drop", "row"), RESULTS)
def test_writer_results_match_their_row(
    code: int, message: str, drop: bool | None, row: KnownFailure | None
) -> None:
    """Each real writer result is recognised as its known failure (first matching row), or as none."""
    found = match(code, message, drop_non_retryable_data=drop)
    assert (found and found.key) == (row and row.key)
    assert hint_for(code, message, drop_non_retryable_data=drop) == (None if row is None else row.hint)


@pytest.mark.parametrize(
    ("code", "message", "drop", "row"), [r for r in RESULTS if r[0] != 204 and r[2] is not None]
)
def test_assess_gives_the_hint_of_a_failing_stream(
    code: int, message: str, drop: bool, row: KnownFailure | None
) -> None:
    """A failing status carries its row's hint (in to_dict and str too); an unknown failure has none."""
    status = assess(
        make(
            latest_response_code=code,
            latest_error_message=message,
            drop_non_retryable_data=drop,
            remaining_bytes_to_be_synced=100,
            current_queue_size_bytes=108,
        )
    )
    assert status.health is Health.FAILING
    expected = None if row is None else row.hint
    assert status.hint == expected
    assert status.to_dict()["hint"] == expected
    assert str(status).endswith(f"; hint: {expected}") is (expected is not None)


def test_unknown_failure_keeps_todays_reason() -> None:
    """A failure no row knows keeps the reason it had before hints existed, with hint None."""
    status = assess(make(latest_response_code=500, latest_error_message=refused(500, "Internal", "boom")))
    assert status.hint is None
    assert status.reason == "the remote answered 500: 500 Internal: boom; nothing is waiting to be sent"
    assert "hint" not in str(status)


@pytest.mark.parametrize(
    ("health_fields", "health"),
    [
        ({}, Health.HEALTHY),
        ({"latest_response_code": None, "latest_error_message": None}, Health.NEVER_ATTEMPTED),
        ({"remaining_bytes_to_be_synced": 5000, "current_queue_size_bytes": 5008}, Health.BACKLOGGED),
    ],
)
def test_no_hint_when_nothing_is_wrong(health_fields: dict[str, Any], health: Health) -> None:
    """Healthy, never-attempted and a plain backlog have no hint."""
    status = assess(make(**health_fields))
    assert status.health is health
    assert status.hint is None
    assert status.to_dict()["hint"] is None


@pytest.mark.parametrize("current", [int(MAX * 0.85), MAX])
def test_a_full_queue_gets_the_queue_hint(current: int) -> None:
    """A queue at or above the warning ratio, on a stream whose writes succeed, gets the full-queue hint."""
    status = assess(make(current_queue_size_bytes=current, remaining_bytes_to_be_synced=current - 8))
    assert status.health is Health.BACKLOGGED
    assert status.hint == QUEUE_FULL.hint
    assert "max_queue_size_bytes" in status.hint


def test_the_failure_outranks_the_full_queue() -> None:
    """A failing stream with a full queue gets the failure's hint: fixing the remote drains the queue."""
    status = assess(
        make(
            latest_response_code=401,
            latest_error_message=refused(401, "Unauthorized", "x"),
            current_queue_size_bytes=MAX,
        )
    )
    assert status.warnings
    assert status.hint == REMOTE_TOKEN.hint


def test_status_without_hint_stays_constructible_positionally() -> None:
    """ReplicationStatus(replication, health, reason[, warnings]) still works; hint defaults to None."""
    status = ReplicationStatus(make(), Health.HEALTHY, "fine", ())
    assert status.hint is None
    assert status.to_dict()["hint"] is None


def test_hints_never_contain_a_token() -> None:
    """A token inside the server's message never reaches the hint (hints are fixed sentences)."""
    message = refused(401, "Unauthorized", f"token {TOKEN} is not valid")
    status = assess(make(latest_response_code=401, latest_error_message=message))
    assert status.hint is not None and TOKEN not in status.hint
    for row in KNOWN_FAILURES:
        assert TOKEN not in row.hint


def test_the_table_is_complete_and_well_formed() -> None:
    """Every row has a unique key, a one-sentence hint and a reference section; the issue's rows are in."""
    keys = [row.key for row in KNOWN_FAILURES]
    assert len(keys) == len(set(keys))
    for row in KNOWN_FAILURES:
        assert row.hint.endswith(".") and row.hint[0].isupper(), row.key
        assert row.hint.count(". ") == 0, row.key  # one sentence
        assert re.fullmatch(r"\d+(\.\d+)?(, \d+(\.\d+)?)*", row.section), row.key
        assert row.symptom
    names = {
        "remote_org_id": REMOTE_ORG_MISSING,
        "remote_api_token": REMOTE_TOKEN,
        "remote_bucket_id": REMOTE_BUCKET_NOT_FOUND,
        "not from this client": REMOTE_UNREACHABLE,
        "allow_insecure_tls": REMOTE_TLS,
        "drop_non_retryable_data": DATA_REFUSED,
        "backs off": REMOTE_THROTTLING,
        "InfluxDB 2.x": REMOTE_NOT_INFLUXDB_V2,
        "max_queue_size_bytes": QUEUE_FULL,
        "restart": MAX_AGE_RESTART,
    }
    for text, row in names.items():
        assert text in row.hint, row.key
        assert row in KNOWN_FAILURES
    assert "remote_bucket_id" in VALIDATE_CREATE_BY_NAME.hint
    assert "replications.validate(id)" in VALIDATE_UPDATE_BY_NAME.hint


# ------------------------------------------------------------------ validation errors


@pytest.mark.parametrize(
    ("cause", "row"),
    [
        (refused(400, "Bad Request", "Please provide either orgID or org"), REMOTE_ORG_MISSING),
        (refused(401, "Unauthorized", "unauthorized access"), REMOTE_TOKEN),
        (refused(404, "Not Found", 'bucket "" not found'), REMOTE_BUCKET_NOT_FOUND),
        ("invalid response code 200, must be 204", REMOTE_NOT_INFLUXDB_V2),
        (f'Post "{URL}": dial tcp 127.0.0.1:9999: connect: connection refused', REMOTE_UNREACHABLE),
        (
            f'Post "{URL}": tls: failed to verify certificate: x509: certificate signed by unknown authority',
            REMOTE_TLS,
        ),
        (refused(400, "Bad Request", "unable to parse"), None),  # validation writes no data
        (refused(500, "Internal Server Error", "boom"), None),
        ("boom", None),
    ],
)
@pytest.mark.parametrize(
    "prefix",
    [
        "replication parameters fail validation",
        "validation fails after applying update",
        "replication failed validation",
    ],
)
def test_validation_errors_end_with_their_hint(prefix: str, cause: str, row: KnownFailure | None) -> None:
    """ValidationFailedError.hint is the cause's row, and the same sentence ends its message."""
    message = f"{prefix}: {cause}"
    found = match_validation(message)
    assert (found and found.key) == (row and row.key)
    body = error_json(400, "invalid", message).content
    error = explain(
        error_from_response(Reply(400, "Bad Request", httpx.Headers(), body, "POST", "http://x/api/v2/x"))
    )
    assert isinstance(error, ValidationFailedError)
    if row is None:
        assert error.hint is None
        assert error.message == message
    else:
        assert error.hint == row.hint
        assert error.message.startswith(message)
        assert error.message.endswith(row.hint)
        assert str(error).count(row.hint) == 1


def test_validation_error_copies_keep_one_hint() -> None:
    """with_message keeps the hint; with_hint replaces it; pickling keeps it; the hint is never doubled."""
    cause = refused(404, "Not Found", 'bucket "" not found')
    error = explain(
        ValidationFailedError(
            f"replication parameters fail validation: {cause}", status_code=400, code="invalid"
        )
    )
    assert error.hint == REMOTE_BUCKET_NOT_FOUND.hint
    again = error.with_message(error.message)
    assert again.hint == error.hint and again.message == error.message
    moved = error.with_hint(VALIDATE_CREATE_BY_NAME.hint)
    assert moved.hint == VALIDATE_CREATE_BY_NAME.hint
    assert moved.message.endswith(VALIDATE_CREATE_BY_NAME.hint)
    assert REMOTE_BUCKET_NOT_FOUND.hint not in moved.message
    assert moved.message.count("Hint:") == 1
    restored = pickle.loads(pickle.dumps(moved))
    assert (restored.hint, restored.message) == (moved.hint, moved.message)


def test_append_hint() -> None:
    """append_hint ends a message with the hint as a sentence, once; None leaves it alone."""
    assert append_hint("a", None) == "a"
    assert append_hint("a", "Do b.") == "a. Hint: Do b."
    assert append_hint("a.", "Do b.") == "a. Hint: Do b."
    assert append_hint("a. Hint: Do b.", "Do b.") == "a. Hint: Do b."


async def test_validate_create_by_name_hint(router: respx.Router, client: ReplicationClient) -> None:
    """validate_create(remote_bucket=NAME) gets the by-name hint, not the hint of the 404 it caused."""
    cause = refused(404, "Not Found", 'bucket "" not found')
    router.post("/api/v2/replications").mock(
        return_value=error_json(400, "invalid", f"replication parameters fail validation: {cause}")
    )
    with pytest.raises(ValidationFailedError) as info:
        await client.replications.validate_create(
            name="r", remote=REMOTE_ID, local_bucket="0e0e0e0e0e0e0e0e", remote_bucket="target"
        )
    assert info.value.hint == VALIDATE_CREATE_BY_NAME.hint
    assert info.value.message.endswith(VALIDATE_CREATE_BY_NAME.hint)


async def test_validate_update_by_name_hint(router: respx.Router, client: ReplicationClient) -> None:
    """validate_update(remote_bucket_id=...) on a name-based replication gets the stored-name hint."""
    router.patch(f"/api/v2/replications/{REPL_ID}").mock(
        return_value=error_json(
            400, "invalid", "validation fails after applying update: " + refused(404, "Not Found", "x")
        )
    )
    router.get(f"/api/v2/replications/{REPL_ID}").respond(
        200, json=replication_json(RemoteBucketName="target")
    )
    with pytest.raises(ValidationFailedError) as info:
        await client.replications.validate_update(REPL_ID, remote_bucket_id=REMOTE_BUCKET_ID)
    assert info.value.hint == VALIDATE_UPDATE_BY_NAME.hint


async def test_other_400_from_validate_has_no_hint_attribute_change(
    router: respx.Router, client: ReplicationClient
) -> None:
    """A 400 that is not a failed check stays a BadRequestError with the server's words only."""
    message = 'local bucket "0e0e0e0e0e0e0e0e" not found: bucket not found'
    router.post(f"/api/v2/replications/{REPL_ID}/validate").mock(
        return_value=error_json(400, "invalid", message)
    )
    with pytest.raises(BadRequestError) as info:
        await client.replications.validate(REPL_ID)
    assert type(info.value) is BadRequestError
    assert info.value.message == message


# ------------------------------------------------------------------ wait_until_synced


async def test_sync_timeout_message_ends_with_the_hint(
    router: respx.Router, client: ReplicationClient
) -> None:
    """SyncTimeoutError's message ends with the hint of the last status; without a hint it is as before."""
    router.get(f"/api/v2/replications/{REPL_ID}").respond(
        200,
        json=replication_json(
            remainingBytesToBeSynced=100,
            latestResponseCode=0,
            latestErrorMessage=f'Post "{URL}": dial tcp 127.0.0.1:9999: connect: connection refused',
        ),
    )
    with pytest.raises(SyncTimeoutError) as info:
        await client.replications.wait_until_synced(REPL_ID, timeout=0.01, poll_interval=0.01)
    assert info.value.status.hint == REMOTE_UNREACHABLE.hint
    assert str(info.value).endswith(f". Hint: {REMOTE_UNREACHABLE.hint}")


# ------------------------------------------------------------------ warnings


async def test_remote_create_without_org_warns(
    router: respx.Router, client: ReplicationClient, caplog: pytest.LogCaptureFixture
) -> None:
    """remotes.create without remote_org_id logs one warning naming the setting, never the token."""
    route = router.post("/api/v2/remotes")
    route.respond(201, json=remote_json(remoteOrgID=None))
    caplog.set_level(logging.WARNING, logger="influxdb_replications")
    await client.remotes.create(
        name="cloud", remote_url="https://c.example", remote_api_token="remote-SECRET-9"
    )
    await client.remotes.create(
        name="cloud", remote_url="https://c.example", remote_api_token="t", remote_org_id=REMOTE_ORG_ID
    )
    route.respond(201, json=remote_json())  # whatever the answer says: the call did not pass it
    await client.remotes.create(name="cloud", remote_url="https://c.example", remote_api_token="t")
    assert len(caplog.records) == 2
    record = caplog.records[0]
    assert record.name == "influxdb_replications" and record.levelno == logging.WARNING
    assert "remote_org_id" in record.getMessage() and REMOTE_ID in record.getMessage()
    assert "remote-SECRET-9" not in caplog.text and TOKEN not in caplog.text


async def test_remote_update_warns_only_without_org(
    router: respx.Router, client: ReplicationClient, caplog: pytest.LogCaptureFixture
) -> None:
    """remotes.update warns when the remote (as returned) has no org ID, and not when it has one."""
    route = router.patch(f"/api/v2/remotes/{REMOTE_ID}")
    caplog.set_level(logging.WARNING, logger="influxdb_replications")
    route.respond(200, json=remote_json())
    await client.remotes.update(REMOTE_ID, name="renamed")
    assert caplog.records == []
    route.respond(200, json=remote_json(remoteOrgID=None))
    await client.remotes.update(REMOTE_ID, name="renamed")
    assert len(caplog.records) == 1
    await client.remotes.update(REMOTE_ID, remote_org_id=REMOTE_ORG_ID)  # just set: nothing to warn about
    assert len(caplog.records) == 1


async def test_max_age_update_warns(
    router: respx.Router, client: ReplicationClient, caplog: pytest.LogCaptureFixture
) -> None:
    """replications.update(max_age_seconds=...) warns that it needs a restart; other updates do not."""
    router.patch(f"/api/v2/replications/{REPL_ID}").respond(200, json=replication_json())
    caplog.set_level(logging.WARNING, logger="influxdb_replications")
    await client.replications.update(REPL_ID, name="x")
    assert caplog.records == []
    await client.replications.update(REPL_ID, max_age_seconds=3600)
    assert MAX_AGE_RESTART.hint in caplog.text


@pytest.mark.parametrize(("server_org", "warned"), [(None, True), ("0c0c0c0c0c0c0c0c", False)])
async def test_plan_warns_about_a_declared_remote_without_org(
    router: respx.Router,
    client: ReplicationClient,
    caplog: pytest.LogCaptureFixture,
    server_org: str | None,
    warned: bool,
) -> None:
    """plan shows and logs a warning for a declared remote without remote_org_id unless the server has one."""
    remote = DesiredRemote(name="cloud", url="https://cloud.example:8086", token_env="X")
    replication = DesiredReplication(
        name="edge-to-cloud",
        remote="cloud",
        local_bucket="0e0e0e0e0e0e0e0e",
        remote_bucket_id=REMOTE_BUCKET_ID,
    )
    router.get("/api/v2/remotes").respond(
        200, json={"remotes": [remote_json(remoteOrgID=server_org, remoteURL="https://old.example")]}
    )
    router.get("/api/v2/replications").respond(200, json={"replications": [replication_json()]})
    caplog.set_level(logging.WARNING, logger="influxdb_replications")
    plan = await client.plan(DesiredState(remotes=(remote,), replications=(replication,)))
    [change] = plan.changes
    assert ("remote_org_id" in change.reason) is warned
    assert ("remote_org_id" in str(plan)) is warned
    assert ("remote_org_id" in caplog.text) is warned


async def test_plan_warns_for_a_remote_to_create(router: respx.Router, client: ReplicationClient) -> None:
    """A remote the plan would create without remote_org_id carries the warning as its reason."""
    router.get("/api/v2/remotes").respond(200, json={"remotes": None})
    router.get("/api/v2/replications").respond(200, json={"replications": None})
    plan = await client.plan(DesiredState(remotes=(DesiredRemote(name="c", url="https://c.example"),)))
    assert plan.changes[0].reason.startswith("warning: no remote_org_id")
    assert plan.to_dict()["changes"][0]["reason"] == plan.changes[0].reason


def test_warning_lines_forward_each_library_warning_once() -> None:
    """WarningLines writes library warnings as one line each, once, and ignores the fake's own logger."""
    lines: list[str] = []
    handler = WarningLines(lines.append)
    try:
        logging.getLogger("influxdb_replications").warning("one %s", "thing")
        logging.getLogger("influxdb_replications").warning("one %s", "thing")
        logging.getLogger("influxdb_replications").info("not shown")
        logging.getLogger("influxdb_replications.testing").warning("a fake server's own warning")
    finally:
        handler.close()
    logging.getLogger("influxdb_replications").warning("after close")
    assert lines == ["warning: one thing"]


def test_under_rows() -> None:
    """under_rows puts each hint on its own indented line under its row."""
    table = "NAME  HEALTH\na     failing\nb     healthy\nc     failing"
    assert under_rows(table, ["fix a", None, "fix c"]) == (
        "NAME  HEALTH\na     failing\n  hint: fix a\nb     healthy\nc     failing\n  hint: fix c"
    )
    assert under_rows("NAME", []) == "NAME"


# ------------------------------------------------------------------ the durable queue


def _reply(method: str, url: str, status: int, message: str) -> Reply:
    body = error_json(status, "internal error", message).content
    return Reply(status, "Internal Server Error", httpx.Headers(), body, method, url)


def test_durable_queue_list_error_names_the_replication_and_the_way_out() -> None:
    """A list failing on one replication's missing queue names it and says: restart, or delete it by ID."""
    raw = f'durable queue not found for replication ID "{REPL_ID}"'
    error = explain(
        error_from_response(_reply("GET", f"http://x/api/v2/replications?orgID={ORG_ID}", 500, raw))
    )
    assert isinstance(error, ServerError)
    assert error.message.startswith(raw)
    assert REPL_ID in error.message and "restart" in error.message.lower()
    assert f'replications.delete("{REPL_ID}")' in error.message
    assert DURABLE_QUEUE_MISSING.hint[:-1] in error.message


def test_durable_queue_delete_error_says_it_is_gone() -> None:
    """A delete answered with the missing-queue 500 says the replication was deleted all the same."""
    raw = f'durable queue not found for replication ID "{REPL_ID}"'
    error = explain(
        error_from_response(_reply("DELETE", f"http://x/api/v2/replications/{REPL_ID}", 500, raw))
    )
    assert "deleted the replication all the same" in error.message


@pytest.mark.parametrize(
    ("method", "url", "message"),
    [
        ("GET", f"http://x/api/v2/replications/{REPL_ID}", 'durable queue not found for replication ID "x"'),
        ("GET", "http://x/api/v2/replications", "UNIQUE constraint failed"),
        ("GET", "http://x/api/v2/replications", "something else broke"),
    ],
)
def test_other_errors_keep_the_servers_words(method: str, url: str, message: str) -> None:
    """Other 500s, and a get of the replication itself (which names it already), keep the server's message."""
    error = explain(error_from_response(_reply(method, url, 500, message)))
    assert error.message == message
    assert durable_queue_text(error.status_code, error.message, error.method, error.url) is None


def test_log_records_of_the_cli_go_to_its_stream() -> None:
    """WarningLines writes through the given function only (the CLI passes its stderr writer)."""
    stream = io.StringIO()
    handler = WarningLines(lambda text: stream.write(text + "\n"))
    try:
        logging.getLogger("influxdb_replications").warning("remote %r has no remote_org_id", "cloud")
    finally:
        handler.close()
    assert stream.getvalue() == "warning: remote 'cloud' has no remote_org_id\n"


def test_the_readme_table_matches_the_code() -> None:
    """README's "When replication fails" table has one row per known failure, with its hint and section."""
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## When replication fails", 1)[1].split("\n## ", 1)[0]
    rows = [
        line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| symptom")
    ]
    assert len(rows) == len(KNOWN_FAILURES)
    for line, row in zip(rows, KNOWN_FAILURES, strict=True):
        cells = [cell.strip() for cell in line.strip("|").split(" | ")]
        assert cells[1:] == [row.hint, row.section], row.key
