"""The pytest plugin as a user meets it: real test files in a temporary folder, run by pytest (pytester).

Each run is a fresh pytest process, as a user's would be: an in-process run re-imports part of the library
next to the copy already loaded, which no user ever has.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from influxdb_replications.testing import pytest_plugin

INI = """
[pytest]
asyncio_mode = {mode}
asyncio_default_fixture_loop_scope = function
filterwarnings = error
"""

README = Path(__file__).resolve().parents[2] / "README.md"


def _readme_user_test() -> str:
    """The complete user test file the README's "Testing your code" section shows."""
    section = README.read_text(encoding="utf-8").split("## Testing your code", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match is not None, "the README's testing section shows no test file"
    return match.group(1)


def _user_file(body: str, mode: str) -> str:
    """The body as a user writes it in ``mode``: strict mode needs the asyncio mark on each async test."""
    body = textwrap.dedent(body)
    if mode == "strict":
        body = "import pytest\n" + body.replace("\nasync def ", "\n@pytest.mark.asyncio\nasync def ")
    return body


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """pytest in a fresh process, without hypothesis's plugin (ours, not the user's; slow to import)."""
    return pytester.runpytest_subprocess("-p", "no:hypothesispytest", *args)


@pytest.fixture(params=["auto", "strict"])
def mode(request: pytest.FixtureRequest, pytester: pytest.Pytester) -> str:
    """Each test runs once per pytest-asyncio mode, with warnings as errors."""
    pytester.makeini(INI.format(mode=request.param))
    return str(request.param)


def test_entry_point_is_registered() -> None:
    """The package registers the plugin module under pytest's `pytest11` entry point group."""
    plugins = {ep.name: ep.value for ep in entry_points(group="pytest11")}
    assert plugins.get("influxdb_replications") == "influxdb_replications.testing.pytest_plugin"


def test_user_test_needs_no_setup_code(pytester: pytest.Pytester, mode: str) -> None:
    """The README's user test passes as written, in auto and in strict mode."""
    pytester.makepyfile(test_user=_user_file(_readme_user_test(), mode))
    result = _run(pytester)
    result.assert_outcomes(passed=1)


def test_fake_influxdb_is_started_clean_and_stopped(pytester: pytest.Pytester, mode: str) -> None:
    """fake_influxdb is serving, with no faults and an empty log, and its port is closed after the test."""
    pytester.makepyfile(
        test_lifecycle=_user_file(
            """
            import socket

            import httpx

            SEEN = {}


            async def test_started(fake_influxdb):
                assert fake_influxdb.request_log == []
                async with httpx.AsyncClient(base_url=fake_influxdb.url) as http:
                    assert (await http.get("/ping")).status_code == 204
                SEEN["port"] = int(fake_influxdb.url.rsplit(":", 1)[1])


            def test_stopped_afterwards():
                with socket.socket() as sock:
                    assert sock.connect_ex(("127.0.0.1", SEEN["port"])) != 0
            """,
            mode,
        )
    )
    result = _run(pytester)
    result.assert_outcomes(passed=2)


def test_failing_test_still_stops_servers_and_closes_client(pytester: pytest.Pytester, mode: str) -> None:
    """A test that fails leaves no server listening and no client open."""
    pytester.makepyfile(
        test_failing=_user_file(
            """
            import socket

            SEEN = {}


            async def test_fails(fake_influxdb_factory, replication_client, fake_influxdb):
                edge = await fake_influxdb_factory(org="edge")
                cloud = await fake_influxdb_factory(org="cloud")
                SEEN["client"] = replication_client
                SEEN["ports"] = [int(s.url.rsplit(":", 1)[1]) for s in (fake_influxdb, edge, cloud)]
                await replication_client.remotes.list()
                raise AssertionError("this test fails on purpose")


            def test_nothing_left_behind():
                assert SEEN["client"].is_closed
                assert len(set(SEEN["ports"])) == 3
                for port in SEEN["ports"]:
                    with socket.socket() as sock:
                        assert sock.connect_ex(("127.0.0.1", port)) != 0, port
            """,
            mode,
        )
    )
    result = _run(pytester)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*this test fails on purpose*"])


def test_factory_servers_are_independent(pytester: pytest.Pytester, mode: str) -> None:
    """fake_influxdb_factory starts separate servers, its keywords overriding the defaults."""
    pytester.makepyfile(
        test_factory=_user_file(
            """
            async def test_two(fake_influxdb_factory):
                edge = await fake_influxdb_factory()
                cloud = await fake_influxdb_factory(org="cloud", buckets=["archive"], token="cloud-token")
                assert edge.url != cloud.url
                assert (edge.org, cloud.org) == ("my-org", "cloud")
                assert cloud.token == "cloud-token" and edge.token != "cloud-token"
                assert cloud.bucket_id("archive")
                assert edge.bucket_id("my-bucket")
            """,
            mode,
        )
    )
    result = _run(pytester)
    result.assert_outcomes(passed=1)


def test_replication_client_backoff_is_instant(pytester: pytest.Pytester, mode: str) -> None:
    """replication_client retries a 503 asking for 20 s of Retry-After without waiting."""
    pytester.makepyfile(
        test_backoff=_user_file(
            """
            import time


            async def test_retry(fake_influxdb, replication_client):
                fake_influxdb.fail_next(2, status=503, retry_after=20, path="/api/v2/remotes")
                started = time.monotonic()
                assert await replication_client.remotes.list() == []
                assert time.monotonic() - started < 10
                assert [r.method for r in fake_influxdb.request_log if r.path == "/api/v2/remotes"] == [
                    "GET", "GET", "GET"
                ]
            """,
            mode,
        )
    )
    result = _run(pytester)
    result.assert_outcomes(passed=1)


def test_options_from_ini_and_command_line(pytester: pytest.Pytester) -> None:
    """Org, bucket and token come from the ini file; the command line wins over it."""
    pytester.makeini(
        INI.format(mode="auto") + "influxdb_org = acme\ninfluxdb_bucket = sensors\ninfluxdb_token = tok\n"
    )
    pytester.makepyfile(
        test_options="""
        import os


        async def test_options(fake_influxdb, replication_client):
            assert fake_influxdb.org == os.environ["EXPECT_ORG"]
            assert fake_influxdb.token == "tok"
            assert fake_influxdb.bucket_id("sensors")
            assert replication_client.org == fake_influxdb.org
        """
    )
    os.environ["EXPECT_ORG"] = "acme"
    try:
        _run(pytester).assert_outcomes(passed=1)
        os.environ["EXPECT_ORG"] = "from-cli"
        _run(pytester, "--influxdb-org", "from-cli").assert_outcomes(passed=1)
    finally:
        del os.environ["EXPECT_ORG"]


def test_options_are_documented(pytester: pytest.Pytester) -> None:
    """`pytest --help` lists the plugin's flags and ini keys."""
    pytester.makeini(INI.format(mode="auto"))
    result = _run(pytester, "--help")
    result.stdout.fnmatch_lines(["*--influxdb-org*", "*--influxdb-bucket*", "*--influxdb-token*"])
    result.stdout.fnmatch_lines(["*influxdb_org*", "*influxdb_bucket*", "*influxdb_token*"])


def test_without_pytest_asyncio_the_fixtures_name_the_extra(pytester: pytest.Pytester) -> None:
    """Without pytest-asyncio, pytest still starts; a test asking for a fixture fails naming the extra."""
    # a module that hides the installed pytest-asyncio; pytest-asyncio's own plugin is switched off
    pytester.makepyfile(pytest_asyncio="raise ImportError('pytest-asyncio is not installed here')")
    pytester.makepyfile(
        test_missing="""
        def test_uses_fixture(fake_influxdb):
            pass


        def test_plain():
            pass
        """
    )
    env = {**os.environ, "PYTHONPATH": str(pytester.path)}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:asyncio", "-p", "no:cacheprovider", str(pytester.path)],
        cwd=pytester.path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "1 passed, 1 error" in proc.stdout
    assert "pip install 'influxdb-replications[testing]'" in proc.stdout


async def test_plugin_fixtures_in_this_suite(
    fake_influxdb: object,
    replication_client: object,
    fake_influxdb_factory: pytest_plugin.FakeInfluxDBFactory,
) -> None:
    """Our own suite has the plugin loaded too: the fixtures work here, next to the suite's own."""
    from influxdb_replications import ReplicationClient
    from influxdb_replications.testing import FakeInfluxDB

    assert isinstance(fake_influxdb, FakeInfluxDB)
    assert isinstance(replication_client, ReplicationClient)
    other = await fake_influxdb_factory(org="other")
    assert other.url != fake_influxdb.url


def test_docs_show_the_same_user_test() -> None:
    """The testing page of the docs shows the README's user test, word for word."""
    docs = (README.parent / "docs" / "testing.md").read_text(encoding="utf-8")
    assert _readme_user_test() in docs


TLS_DOCS = README.parent / "docs" / "tls.md"


def test_tls_page_example_passes(pytester: pytest.Pytester, mode: str) -> None:
    """The TLS page's example test file (HTTPS servers, the test CA, the edge's x509 check) passes as is."""
    blocks = re.findall(r"```python\n(.*?)```", TLS_DOCS.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 1, "the TLS page shows one example test file"
    pytester.makepyfile(test_tls_example=_user_file(blocks[0], mode))
    result = _run(pytester)
    result.assert_outcomes(passed=2)


def test_influxdb_tls_option_makes_every_server_https(pytester: pytest.Pytester, mode: str) -> None:
    """--influxdb-tls=true: fake_influxdb serves HTTPS and replication_client trusts fake_influxdb_ca."""
    pytester.makepyfile(
        test_tls_option=_user_file(
            """
            async def test_https(fake_influxdb, replication_client, fake_influxdb_factory, fake_influxdb_ca):
                assert fake_influxdb.url.startswith("https://")
                assert await replication_client.remotes.list() == []
                plain = await fake_influxdb_factory(tls=False)
                assert plain.url.startswith("http://")
                assert fake_influxdb_ca.ca_file.is_file()
            """,
            mode,
        )
    )
    result = _run(pytester, "--influxdb-tls=true")
    result.assert_outcomes(passed=1)
    refused = _run(pytester, "--influxdb-tls=maybe")
    refused.assert_outcomes(errors=1)
    refused.stdout.fnmatch_lines(["*influxdb_tls must be true or false, got 'maybe'*"])
