"""Every command against embedded servers, through run(): output (tables and JSON), names, exit codes."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from influxdb_replications import ReplicationClient
from influxdb_replications.cli import (
    EXIT_CHANGES,
    EXIT_ERROR,
    EXIT_OK,
    EXIT_UNHEALTHY,
    EXIT_USAGE,
    EXIT_WAIT_TIMEOUT,
)
from influxdb_replications.testing import FakeInfluxDB

from .conftest import CLOUD_TOKEN, EDGE_TOKEN, Result, cli, free_port, write_points


def rows(text: str) -> list[dict[str, str]]:
    """Parse an aligned table back into dicts (columns split on runs of 2+ spaces)."""
    import re

    lines = [line for line in text.rstrip("\n").splitlines() if not line.startswith("  hint: ")]
    headers = re.split(r"\s{2,}", lines[0].strip())
    return [dict(zip(headers, re.split(r"\s{2,}", line.strip()), strict=True)) for line in lines[1:]]


def details(text: str) -> dict[str, str]:
    """Parse the `field: value` listing of get/create/update."""
    return {k: v.strip() for k, v in (line.split(":", 1) for line in text.rstrip("\n").splitlines())}


async def make_remote(
    conn: list[str], cloud: FakeInfluxDB, name: str = "cloud", token: str = CLOUD_TOKEN
) -> str:
    result = await cli(
        *conn, "--json", "remotes", "create", "--name", name, "--remote-url", cloud.url,
        "--remote-org-id", cloud.org_id, "--remote-api-token-stdin", stdin=token + "\n",
    )  # fmt: skip
    assert result.code == 0, result.err
    remote_id: str = result.json()["id"]
    return remote_id


async def make_replication(conn: list[str], name: str = "rep", remote: str = "cloud") -> str:
    result = await cli(
        *conn, "--json", "replications", "create", "--name", name, "--remote", remote,
        "--local-bucket", "sensors", "--remote-bucket", "archive",
    )  # fmt: skip
    assert result.code == 0, result.err
    replication_id: str = result.json()["id"]
    return replication_id


def assert_one_error_line(result: Result) -> None:
    assert result.err.startswith("error: "), result.err
    assert result.err.count("\n") == 1, result.err
    assert "Traceback" not in result.err


# --- remotes --------------------------------------------------------------------------------------


async def test_remotes_create_list_get_update_delete(conn: list[str], cloud: FakeInfluxDB) -> None:
    """The remotes commands round-trip, by name and by ID, in tables and JSON."""
    created = await cli(
        *conn, "remotes", "create", "--name", "cloud", "--remote-url", cloud.url,
        "--remote-api-token", CLOUD_TOKEN, "--description", "the archive",
    )  # fmt: skip
    assert created.code == 0, created.err
    shown = details(created.out)
    assert (shown["name"], shown["remote_url"], shown["description"]) == ("cloud", cloud.url, "the archive")
    remote_id = shown["id"]

    listed = await cli(*conn, "remotes", "list")
    assert listed.code == 0
    assert rows(listed.out) == [
        {
            "ID": remote_id,
            "NAME": "cloud",
            "REMOTE_URL": cloud.url,
            "REMOTE_ORG_ID": "-",
            "ALLOW_INSECURE_TLS": "false",
            "DESCRIPTION": "the archive",
        }
    ]
    as_json = (await cli(*conn, "remotes", "list", "--json")).json()
    assert [(r["id"], r["name"], r["remote_url"], r["description"]) for r in as_json] == [
        (remote_id, "cloud", cloud.url, "the archive")
    ]
    assert set(as_json[0]) == {
        "id", "org_id", "name", "remote_url", "remote_org_id", "allow_insecure_tls", "description",
    }  # fmt: skip

    by_name = (await cli(*conn, "--json", "remotes", "get", "cloud")).json()
    by_id = (await cli(*conn, "--json", "remotes", "get", remote_id.upper())).json()
    assert by_name == by_id
    assert by_name["id"] == remote_id

    updated = await cli(
        *conn, "remotes", "update", "cloud", "--name", "archive", "--remote-org-id", cloud.org_id,
        "--allow-insecure-tls", "--json",
    )  # fmt: skip
    assert updated.code == 0, updated.err
    assert updated.json()["name"] == "archive"
    assert updated.json()["remote_org_id"] == cloud.org_id
    assert updated.json()["allow_insecure_tls"] is True
    assert (await cli(*conn, "--json", "remotes", "list", "--name", "archive")).json()[0]["id"] == remote_id

    deleted = await cli(*conn, "remotes", "delete", "archive")
    assert deleted.code == 0
    assert deleted.out == f"deleted remote connection 'archive' ({remote_id})\n"
    assert (await cli(*conn, "--json", "remotes", "list")).json() == []


async def test_remote_token_from_env_var_and_stdin_reaches_the_server(
    conn: list[str], cloud: FakeInfluxDB, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tokens from a variable or stdin work (validate writes to the cloud with them), never printed."""
    monkeypatch.setenv("MY_CLOUD_TOKEN", CLOUD_TOKEN)
    from_env = await cli(
        *conn, "remotes", "create", "--name", "via-env", "--remote-url", cloud.url,
        "--remote-org-id", cloud.org_id, "--remote-api-token-env", "MY_CLOUD_TOKEN",
    )  # fmt: skip
    assert from_env.code == 0, from_env.err
    await make_remote(conn, cloud, name="via-stdin")
    for remote in ("via-env", "via-stdin"):
        await make_replication(conn, name=f"rep-{remote}", remote=remote)
        validated = await cli(*conn, "replications", "validate", f"rep-{remote}")
        assert validated.code == 0, validated.err
    everything = from_env.out + from_env.err
    assert CLOUD_TOKEN not in everything


async def test_remote_token_problems_are_usage_errors(conn: list[str], cloud: FakeInfluxDB) -> None:
    """An unset token variable or empty stdin: exit 2, nothing created."""
    base = [*conn, "remotes", "create", "--name", "x", "--remote-url", cloud.url]
    unset = await cli(*base, "--remote-api-token-env", "NO_SUCH_VARIABLE_HERE")
    assert unset.code == EXIT_USAGE
    assert "NO_SUCH_VARIABLE_HERE" in unset.err
    empty = await cli(*base, "--remote-api-token-stdin", stdin="")
    assert empty.code == EXIT_USAGE
    assert (await cli(*conn, "--json", "remotes", "list")).json() == []


async def test_update_without_fields_is_a_usage_error(conn: list[str], cloud: FakeInfluxDB) -> None:
    """`update` with nothing to change exits 2 before any request."""
    await make_remote(conn, cloud)
    await make_replication(conn)
    for argv in (["remotes", "update", "cloud"], ["replications", "update", "rep"]):
        result = await cli(*conn, *argv)
        assert result.code == EXIT_USAGE
        assert "nothing to change" in result.err


async def test_remote_delete_in_use_fails_and_cascade_works(conn: list[str], cloud: FakeInfluxDB) -> None:
    """Deleting a remote in use exits 1 with the server's reason; --cascade deletes its replications too."""
    await make_remote(conn, cloud)
    await make_replication(conn)
    refused = await cli(*conn, "remotes", "delete", "cloud")
    assert refused.code == EXIT_ERROR
    assert_one_error_line(refused)
    assert "replication references it" in refused.err
    assert (await cli(*conn, "remotes", "delete", "cloud", "--cascade")).code == 0
    assert (await cli(*conn, "--json", "replications", "list")).json() == []


# --- replications ---------------------------------------------------------------------------------


async def test_replications_create_list_get_update_validate_delete(
    conn: list[str], cloud: FakeInfluxDB, edge: FakeInfluxDB
) -> None:
    """The replications commands round-trip; remote and local bucket are given by name."""
    remote_id = await make_remote(conn, cloud)
    created = await cli(
        *conn, "replications", "create", "--name", "rep", "--remote", "cloud", "--local-bucket", "sensors",
        "--remote-bucket-id", cloud.bucket_id("archive"), "--max-queue-size-bytes", "40000000",
        "--max-age-seconds", "3600", "--drop-non-retryable-data", "--description", "d",
    )  # fmt: skip
    assert created.code == 0, created.err
    shown = details(created.out)
    assert shown["remote_id"] == remote_id
    assert shown["local_bucket_id"] == edge.bucket_id("sensors")
    assert shown["remote_bucket_id"] == cloud.bucket_id("archive")
    assert (shown["max_queue_size_bytes"], shown["max_age_seconds"]) == ("40000000", "3600")
    assert shown["drop_non_retryable_data"] == "true"
    rep_id = shown["id"]

    listed = rows((await cli(*conn, "replications", "list", "--remote", "cloud")).out)
    assert [(r["ID"], r["NAME"], r["REMOTE_BUCKET"]) for r in listed] == [
        (rep_id, "rep", cloud.bucket_id("archive"))
    ]
    assert (await cli(*conn, "--json", "replications", "list", "--local-bucket", "sensors")).json()[0][
        "id"
    ] == rep_id
    assert (await cli(*conn, "--json", "replications", "list", "--name", "other")).json() == []

    by_name = (await cli(*conn, "--json", "replications", "get", "rep")).json()
    by_id = (await cli(*conn, "--json", "replications", "get", rep_id)).json()
    assert by_name["id"] == by_id["id"] == rep_id
    assert by_name["remote_bucket_name"] == ""

    updated = await cli(
        *conn, "--json", "replications", "update", "rep", "--max-queue-size-bytes", "50000000",
        "--no-drop-non-retryable-data", "--description", "",
    )  # fmt: skip
    assert updated.code == 0, updated.err
    data = updated.json()
    assert (data["max_queue_size_bytes"], data["drop_non_retryable_data"], data["description"]) == (
        50000000,
        False,
        "",
    )

    valid = await cli(*conn, "replications", "validate", rep_id)
    assert (valid.code, valid.out) == (
        0,
        f"replication '{rep_id}' is valid: the remote accepted a test write\n",
    )
    valid_json = (await cli(*conn, "--json", "replications", "validate", "rep")).json()
    assert valid_json == {"id": rep_id, "name": "rep", "valid": True}

    deleted = (await cli(*conn, "--json", "replications", "delete", "rep")).json()
    assert deleted == {"id": rep_id, "name": "rep", "deleted": True}
    gone = await cli(*conn, "replications", "get", rep_id)
    assert gone.code == EXIT_ERROR
    assert_one_error_line(gone)
    assert "404" in gone.err


async def test_validate_only_creates_nothing(conn: list[str], cloud: FakeInfluxDB) -> None:
    """create --validate-only checks against the remote, saves nothing; a bad token fails it (exit 1)."""
    await make_remote(conn, cloud)
    await make_remote(conn, cloud, name="bad", token="wrong-token-value")
    argv = ["replications", "create", "--name", "r", "--local-bucket", "sensors",
            "--remote-bucket-id", cloud.bucket_id("archive"), "--validate-only"]  # fmt: skip
    ok = await cli(*conn, *argv, "--remote", "cloud")
    assert ok.code == 0, ok.err
    failed = await cli(*conn, *argv, "--remote", "bad")
    assert failed.code == EXIT_ERROR
    assert_one_error_line(failed)
    assert (await cli(*conn, "--json", "replications", "list")).json() == []


async def test_names_that_do_not_exist_exit_1(conn: list[str], cloud: FakeInfluxDB) -> None:
    """Unknown remote, replication or bucket names are 'not found' (exit 1), named in the message."""
    await make_remote(conn, cloud)
    for argv, name in [
        (["remotes", "get", "ghost"], "ghost"),
        (["replications", "validate", "ghost-rep"], "ghost-rep"),
        (["replications", "list", "--remote", "ghost-remote"], "ghost-remote"),
        (["replications", "create", "--name", "r", "--remote", "cloud", "--local-bucket", "no-bucket",
          "--remote-bucket", "archive"], "no-bucket"),
        (["wait", "ghost-wait"], "ghost-wait"),
        (["status", "ghost-status"], "ghost-status"),
    ]:  # fmt: skip
        result = await cli(*conn, *argv)
        assert result.code == EXIT_ERROR, argv
        assert_one_error_line(result)
        assert name in result.err
        assert "not found" in result.err


async def test_an_id_is_used_as_an_id(conn: list[str], edge: FakeInfluxDB) -> None:
    """16 hex digits are taken as an ID: no name look-up, a GET by ID, and its 404."""
    edge.clear_request_log()
    result = await cli(*conn, "remotes", "get", "0123456789abcdef")
    assert result.code == EXIT_ERROR
    paths = [record.path for record in edge.request_log]
    assert paths == ["/api/v2/remotes/0123456789abcdef"]


# --- connection settings --------------------------------------------------------------------------


async def test_environment_variables_configure_the_connection(
    edge: FakeInfluxDB, monkeypatch: pytest.MonkeyPatch
) -> None:
    """INFLUX_HOST, INFLUX_TOKEN and INFLUX_ORG (or INFLUX_ORG_ID) are used when no flag is given."""
    monkeypatch.setenv("INFLUX_HOST", edge.url)
    monkeypatch.setenv("INFLUX_TOKEN", EDGE_TOKEN)
    monkeypatch.setenv("INFLUX_ORG", "edge")
    assert (await cli("remotes", "list", "--json")).json() == []
    monkeypatch.delenv("INFLUX_ORG")
    monkeypatch.setenv("INFLUX_ORG_ID", edge.org_id)
    assert (await cli("remotes", "list", "--json")).json() == []
    monkeypatch.delenv("INFLUX_ORG_ID")
    no_org = await cli("remotes", "list")
    assert no_org.code == EXIT_USAGE
    assert "org" in no_org.err


async def test_flags_win_over_environment_variables(
    edge: FakeInfluxDB, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Flags override the variables: a bad INFLUX_HOST/TOKEN/ORG does not matter when flags are given."""
    monkeypatch.setenv("INFLUX_HOST", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("INFLUX_TOKEN", "not-the-token")
    monkeypatch.setenv("INFLUX_ORG", "no-such-org")
    monkeypatch.setenv("INFLUX_ORG_ID", "0000000000000001")
    result = await cli("remotes", "list", "--host", edge.url, "--token", EDGE_TOKEN, "--org", "edge")
    assert result.code == 0, result.err
    by_id = await cli("remotes", "list", "--host", edge.url, "--token", EDGE_TOKEN, "--org-id", edge.org_id)
    assert by_id.code == 0, by_id.err
    env_only = await cli("remotes", "list", "--max-attempts", "1")
    assert env_only.code == EXIT_ERROR
    assert "cannot reach" in env_only.err


# --- failures: exit codes, one line, tracebacks, tokens ---------------------------------------------


async def test_unreachable_host_exits_1_with_one_line() -> None:
    """A server that refuses connections: exit 1, 'cannot reach URL', no traceback."""
    url = f"http://127.0.0.1:{free_port()}"
    result = await cli(
        "--host", url, "--token", "t0ken-x", "--org", "o", "--max-attempts", "1", "remotes", "list"
    )
    assert result.code == EXIT_ERROR
    assert_one_error_line(result)
    assert result.err.startswith(f"error: cannot reach {url}: ")
    assert result.out == ""


async def test_wrong_token_exits_1(edge: FakeInfluxDB) -> None:
    """A token the server refuses: exit 1 with the server's 401, and the token is not shown."""
    result = await cli(
        "--host", edge.url, "--token", "wrong-token-123", "--org-id", edge.org_id, "remotes", "list"
    )
    assert result.code == EXIT_ERROR
    assert_one_error_line(result)
    assert "401" in result.err
    assert "wrong-token-123" not in result.err


async def test_unknown_org_exits_1(edge: FakeInfluxDB) -> None:
    """An org name that does not exist: exit 1, named in the message."""
    result = await cli("--host", edge.url, "--token", EDGE_TOKEN, "--org", "nowhere", "replications", "list")
    assert result.code == EXIT_ERROR
    assert "nowhere" in result.err


async def test_invalid_values_are_usage_errors(conn: list[str], cloud: FakeInfluxDB) -> None:
    """Values the client refuses before any request (queue too small, bad URL, bad org ID): exit 2."""
    await make_remote(conn, cloud)
    cases = [
        ["replications", "create", "--name", "r", "--remote", "cloud", "--local-bucket", "sensors",
         "--remote-bucket", "archive", "--max-queue-size-bytes", "10"],
        ["remotes", "create", "--name", "x", "--remote-url", "ftp://x", "--remote-api-token", "tokn-1"],
        ["--org-id", "xyz", "remotes", "list"],
        ["--host", "not a url", "remotes", "list"],
    ]  # fmt: skip
    for argv in cases:
        result = await cli(*conn, *argv)
        assert result.code == EXIT_USAGE, (argv, result)
        assert_one_error_line(result)


async def test_debug_prints_the_traceback_and_without_it_there_is_none(conn: list[str]) -> None:
    """--debug adds the traceback (and the client's log) before the error line; the token never appears."""
    plain = await cli(*conn, "replications", "get", "0123456789abcdef")
    debug = await cli(*conn, "replications", "get", "0123456789abcdef", "--debug")
    assert plain.code == debug.code == EXIT_ERROR
    assert "Traceback" not in plain.err
    assert "Traceback (most recent call last)" in debug.err
    assert "NotFoundError" in debug.err
    assert debug.err.rstrip("\n").splitlines()[-1] == plain.err.rstrip("\n")
    for result in (plain, debug):
        assert EDGE_TOKEN not in result.out + result.err


async def test_retries_are_logged_with_debug(conn: list[str], edge: FakeInfluxDB) -> None:
    """With --debug the client's retry log lines appear on stderr, without the token."""
    edge.fail_next(1, status=503, path="/api/v2/remotes*")
    result = await cli(*conn, "--debug", "remotes", "list")
    assert result.code == 0, result.err
    assert "debug: influxdb_replications:" in result.err
    assert EDGE_TOKEN not in result.err


async def test_tokens_never_printed_anywhere(
    conn: list[str], cloud: FakeInfluxDB, edge: FakeInfluxDB
) -> None:
    """Across commands, successes and failures, with --debug and --json, no token is printed."""
    outputs = []
    await make_remote(conn, cloud)
    for argv in (
        ["remotes", "list"],
        ["--json", "remotes", "get", "cloud"],
        ["--debug", "remotes", "update", "cloud", "--remote-api-token", CLOUD_TOKEN],
        ["--debug", "remotes", "create", "--name", "cloud", "--remote-url", cloud.url, "--remote-api-token",
         CLOUD_TOKEN],  # already exists: an error
        ["--debug", "--org", "missing-org", "remotes", "list"],
        ["--debug", "status"],
    ):  # fmt: skip
        result = await cli(*conn, *argv)
        outputs.append(result.out + result.err)
    text = "\n".join(outputs)
    assert "Traceback" in text  # the failing ones were run with --debug
    assert EDGE_TOKEN not in text
    assert CLOUD_TOKEN not in text
    for record in edge.request_log:
        assert EDGE_TOKEN not in str(record)


# --- status and wait ------------------------------------------------------------------------------


async def poll(condition_argv: list[str], check: object, deadline: float = 10.0) -> Result:
    """Run a command until check(result) is true, or fail after the deadline."""
    assert callable(check)
    end = time.monotonic() + deadline
    while True:
        result = await cli(*condition_argv)
        if check(result):
            return result
        assert time.monotonic() < end, f"condition not met: {result}"
        await asyncio.sleep(0.05)


async def test_status_and_wait_when_healthy(conn: list[str], cloud: FakeInfluxDB, edge: FakeInfluxDB) -> None:
    """After writes replicate, status says healthy and synced (exit 0) and wait returns at once."""
    await make_remote(conn, cloud)
    rep_id = await make_replication(conn)
    fresh = await cli(*conn, "status")
    assert fresh.code == EXIT_OK  # never-attempted is not a failure
    assert rows(fresh.out)[0]["HEALTH"] == "never-attempted"

    await write_points(edge, "sensors", [f"m,host=a v={i} {i}" for i in range(1, 50)], EDGE_TOKEN)
    waited = await cli(*conn, "wait", "rep", "--timeout", "10", "--poll-interval", "0.05")
    assert waited.code == 0, waited.err
    assert waited.out == f"replication 'rep' ({rep_id}) is synced\n"
    assert len(await cloud.points("archive")) == 49

    status = await poll(
        [*conn, "status", "--json"], lambda r: r.json()["replications"][0]["health"] == "healthy"
    )
    assert status.code == EXIT_OK
    entry = status.json()["replications"][0]
    assert (entry["id"], entry["name"], entry["synced"]) == (rep_id, "rep", True)
    assert set(entry) == {
        "id", "name", "health", "reason", "warnings", "hint", "synced", "queue_fill", "replication",
    }  # fmt: skip
    assert entry["replication"]["latest_response_code"] == 204
    table_rows = rows((await cli(*conn, "status", "rep")).out)
    assert [(r["NAME"], r["ID"], r["HEALTH"], r["SYNCED"]) for r in table_rows] == [
        ("rep", rep_id, "healthy", "true")
    ]
    wait_json = (await cli(*conn, "--json", "wait", rep_id, "--timeout", "5")).json()
    assert wait_json["synced"] is True
    assert wait_json["replication"]["id"] == rep_id


async def test_status_exit_4_and_wait_exit_5_when_failing(
    conn: list[str], cloud: FakeInfluxDB, edge: FakeInfluxDB
) -> None:
    """A remote refusing writes: status exits 4 naming the reason; wait times out with exit 5."""
    await make_remote(conn, cloud, token="wrong-cloud-token")
    await make_replication(conn)
    await write_points(edge, "sensors", ["m v=1 1", "m v=2 2"], EDGE_TOKEN)
    failing = await poll([*conn, "status"], lambda r: r.code == EXIT_UNHEALTHY)
    row = rows(failing.out)[0]
    assert row["HEALTH"] == "failing"
    assert "401" in row["REASON"]
    as_json = await cli(*conn, "--json", "status")
    assert as_json.code == EXIT_UNHEALTHY
    assert as_json.json()["replications"][0]["health"] == "failing"

    started = time.monotonic()
    timed_out = await cli(*conn, "wait", "rep", "--timeout", "0.3", "--poll-interval", "0.05")
    assert time.monotonic() - started < 5
    assert timed_out.code == EXIT_WAIT_TIMEOUT
    assert_one_error_line(timed_out)
    assert "rep" in timed_out.err
    timed_out_json = await cli(*conn, "--json", "wait", "rep", "--timeout", "0.2", "--poll-interval", "0.05")
    assert timed_out_json.code == EXIT_WAIT_TIMEOUT
    assert timed_out_json.json()["synced"] is False
    assert timed_out_json.json()["replication"]["remaining_bytes_to_be_synced"] > 0


async def test_wait_draws_progress_on_a_terminal(conn: list[str], cloud: FakeInfluxDB) -> None:
    """On a terminal, wait shows the bytes left on stderr; stdout keeps only the result."""
    await make_remote(conn, cloud)
    await make_replication(conn)
    result = await cli(*conn, "wait", "rep", "--timeout", "5", tty=True)
    assert result.code == 0
    assert "\rwaiting for rep: 0 bytes left" in result.err
    assert "waiting" not in result.out


# --- plan and apply against one server ---------------------------------------------------------------


def single_file(path: Path, cloud: FakeInfluxDB, *, queue: int = 67108860) -> Path:
    path.write_text(
        f"""
[[remotes]]
name = "cloud"
url = "{cloud.url}"
remote_org_id = "{cloud.org_id}"
token_env = "CLOUD_TOKEN_FOR_TEST"

[[replications]]
name = "sensors-to-cloud"
remote = "cloud"
local_bucket = "sensors"
remote_bucket = "archive"
max_queue_size_bytes = {queue}
"""
    )
    return path


async def test_plan_and_apply_a_file_without_hosts(
    conn: list[str], cloud: FakeInfluxDB, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file without [[hosts]] is applied to the one connection; plan then shows exactly a change."""
    monkeypatch.setenv("CLOUD_TOKEN_FOR_TEST", CLOUD_TOKEN)
    path = single_file(tmp_path / "one.toml", cloud)
    planned = await cli(*conn, "plan", str(path), "--detailed-exitcode")
    assert planned.code == EXIT_CHANGES
    assert '+ remote "cloud"' in planned.out
    assert '+ replication "sensors-to-cloud"' in planned.out
    applied = await cli(*conn, "--json", "apply", str(path))
    assert applied.code == 0, applied.err
    assert [(c["action"], c["kind"], c["name"]) for c in applied.json()["changes"]] == [
        ("create", "remote", "cloud"),
        ("create", "replication", "sensors-to-cloud"),
    ]
    again = await cli(*conn, "apply", str(path))
    assert again.code == 0
    assert again.out.startswith("No changes")
    assert (await cli(*conn, "plan", str(path), "--detailed-exitcode")).code == EXIT_OK
    status = await cli(*conn, "--json", "status", "--file", str(path))  # no hosts: the one connection
    assert status.code == EXIT_OK
    assert [entry["name"] for entry in status.json()["replications"]] == ["sensors-to-cloud"]

    single_file(path, cloud, queue=134217728)
    changed = await cli(*conn, "--json", "plan", str(path))
    assert changed.code == 0
    [change] = changed.json()["changes"]
    assert (change["action"], change["name"], change["fields"]) == (
        "update",
        "sensors-to-cloud",
        {"max_queue_size_bytes": {"old": 67108860, "new": 134217728}},
    )
    text = await cli(*conn, "plan", str(path))
    assert "max_queue_size_bytes: 67108860 -> 134217728" in text.out
    assert CLOUD_TOKEN not in text.out + changed.out + applied.out


async def test_plan_prune_shows_deletions(conn: list[str], cloud: FakeInfluxDB, tmp_path: Path) -> None:
    """plan --prune shows the deletes apply --prune would make; plain plan does not."""
    await make_remote(conn, cloud, name="stray")
    path = tmp_path / "empty.toml"
    path.write_text("")
    assert (await cli(*conn, "--json", "plan", str(path))).json()["changes"] == []
    pruned = (await cli(*conn, "--json", "plan", str(path), "--prune")).json()["changes"]
    assert [(c["action"], c["name"]) for c in pruned] == [("delete", "stray")]
    assert (await cli(*conn, "apply", str(path), "--prune")).code == 0
    assert (await cli(*conn, "--json", "remotes", "list")).json() == []


async def test_file_errors_are_usage_errors(conn: list[str], tmp_path: Path) -> None:
    """A missing file or a bad value: exit 2, one line with FILE:LINE."""
    missing = await cli(*conn, "plan", str(tmp_path / "nope.toml"))
    assert missing.code == EXIT_USAGE
    assert_one_error_line(missing)
    assert "nope.toml" in missing.err
    bad = tmp_path / "bad.toml"
    bad.write_text('[[remotes]]\nname = "cloud"\nurl = "http://c:1"\nallow_insecure_tls = "yes"\n')
    result = await cli(*conn, "apply", str(bad))
    assert result.code == EXIT_USAGE
    assert_one_error_line(result)
    assert f"{bad}:4:" in result.err
    status = await cli(*conn, "status", "--file", str(bad))
    assert status.code == EXIT_USAGE


async def test_apply_without_the_remote_token_is_a_usage_error(
    conn: list[str], cloud: FakeInfluxDB, tmp_path: Path
) -> None:
    """A remote to create whose token variable is unset: exit 2 naming the variable; nothing changed."""
    path = single_file(tmp_path / "one.toml", cloud)
    result = await cli(*conn, "apply", str(path))
    assert result.code == EXIT_USAGE
    assert "CLOUD_TOKEN_FOR_TEST" in result.err
    async with ReplicationClient(url=conn[1], token=EDGE_TOKEN, org="edge") as client:
        assert await client.remotes.list() == []
