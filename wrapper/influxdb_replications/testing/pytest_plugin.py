"""pytest fixtures for code that uses this library: an embedded InfluxDB per test, no setup code.

Installed with the ``testing`` extra (``pip install "influxdb-replications[testing]"``) and loaded by pytest
through the ``pytest11`` entry point, so a test file only names the fixtures it wants::

    async def test_creates_a_remote(replication_client, fake_influxdb):
        remote = await replication_client.remotes.create(
            name="cloud", remote_url="http://cloud:8086", remote_api_token="t", remote_org_id="0" * 16
        )
        assert [r.name for r in await replication_client.remotes.list()] == ["cloud"]

Fixtures (each for one test; everything they start is stopped afterwards, also when the test fails):

* ``fake_influxdb``: a started :class:`~influxdb_replications.testing.FakeInfluxDB` with no faults queued
  and an empty request log.
* ``fake_influxdb_factory``: ``await fake_influxdb_factory(**kwargs)`` starts one more server (an edge and a
  cloud, say); ``kwargs`` go to ``FakeInfluxDB`` and override the options below. ``tls=True`` (or
  ``tls=False``) overrides the ``influxdb_tls`` option: the server then serves HTTPS with a certificate
  of ``fake_influxdb_ca``.
* ``fake_influxdb_ca``: the test's :class:`~influxdb_replications.testing.FakeCA` (made on the fly with
  trustme, in a temporary folder); ``fake_influxdb_ca.ca_file`` is the CA a client must trust.
* ``replication_client``: a :class:`~influxdb_replications.ReplicationClient` bound to ``fake_influxdb`` by
  org name, whose backoff between retries is instant (over HTTPS it trusts ``fake_influxdb_ca``).

Options, on the command line or in the ini file (``[tool.pytest.ini_options]``); the command line wins:

* ``--influxdb-org`` / ``influxdb_org``: the org created on every server (default ``my-org``).
* ``--influxdb-bucket`` / ``influxdb_bucket``: the bucket created in it (default ``my-bucket``).
* ``--influxdb-token`` / ``influxdb_token``: the operator token (default: a new random token per server).
* ``--influxdb-tls`` / ``influxdb_tls``: ``true`` makes every server serve HTTPS (default ``false``).

The fixtures are pytest-asyncio fixtures: they work in its ``auto`` and ``strict`` modes alike and run in
the test's event loop (the default fixture loop scope, ``function``). Without pytest-asyncio or aiohttp (the
``testing`` extra brings both) the plugin still loads, and a test that asks for a fixture fails with a
message naming the extra to install.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

import pytest

if TYPE_CHECKING:
    from influxdb_replications import ReplicationClient
    from influxdb_replications.testing import FakeCA, FakeInfluxDB

try:
    import pytest_asyncio
except ImportError:  # the entry point is installed with the package, the extra may be missing
    pytest_asyncio = None  # type: ignore[assignment]

__all__ = [
    "FakeInfluxDBFactory",
    "fake_influxdb",
    "fake_influxdb_ca",
    "fake_influxdb_factory",
    "pytest_addoption",
    "replication_client",
]

MISSING_EXTRA = (
    "the fake_influxdb fixtures need the testing extra: pip install 'influxdb-replications[testing]' ({})"
)
_OPTIONS = {
    # ini name: (command-line flag, default, help)
    "influxdb_org": ("--influxdb-org", "my-org", "org created on every fake_influxdb server"),
    "influxdb_bucket": ("--influxdb-bucket", "my-bucket", "bucket created in that org"),
    "influxdb_token": ("--influxdb-token", None, "operator token of every server (default: a random one)"),
    "influxdb_tls": (
        "--influxdb-tls",
        "false",
        "true: every server serves HTTPS, signed by fake_influxdb_ca",
    ),
}
_TRUE, _FALSE = ("true", "yes", "1", "on"), ("false", "no", "0", "off", "")


class FakeInfluxDBFactory(Protocol):
    """The type of ``fake_influxdb_factory``: starts one more server per call."""

    def __call__(self, *, tls: bool | None = None, **kwargs: Any) -> Awaitable[FakeInfluxDB]:
        """Start a :class:`FakeInfluxDB` built with the plugin's options, overridden by ``kwargs``.

        ``tls`` overrides the ``influxdb_tls`` option (None: the option decides).
        """
        ...


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the org, bucket and token options, as flags and as ini keys."""
    group = parser.getgroup("influxdb-replications", "fake_influxdb fixtures (influxdb-replications)")
    for ini_name, (flag, default, help_text) in _OPTIONS.items():
        group.addoption(flag, dest=ini_name, default=None, help=f"{help_text} (ini: {ini_name})")
        parser.addini(ini_name, help=help_text, default=default)


def _option(config: pytest.Config, name: str) -> str | None:
    value = config.getoption(name)
    if value is None:
        value = config.getini(name)
    return str(value) if value else None


def _tls_option(config: pytest.Config) -> bool:
    value = (_option(config, "influxdb_tls") or "").strip().lower()
    if value not in _TRUE + _FALSE:
        raise pytest.UsageError(f"influxdb_tls must be true or false, got {value!r}")
    return value in _TRUE


_Fixture = TypeVar("_Fixture", bound=Callable[..., Any])


def _async_fixture(func: _Fixture) -> _Fixture:
    """``pytest_asyncio.fixture`` (strict and auto mode), or a fixture that names the missing extra."""
    if pytest_asyncio is None:

        def missing() -> None:
            pytest.fail(MISSING_EXTRA.format("pytest-asyncio is not installed"), pytrace=False)

        return cast(_Fixture, pytest.fixture(name=func.__name__)(missing))
    return cast(_Fixture, pytest_asyncio.fixture(func))


@pytest.fixture
def fake_influxdb_ca(tmp_path_factory: pytest.TempPathFactory) -> FakeCA:
    """A test certificate authority for one test, made on the fly (needs trustme, in the testing extra)."""
    try:
        from influxdb_replications.testing import FakeCA
    except ImportError as exc:
        pytest.fail(MISSING_EXTRA.format(exc), pytrace=False)
    try:
        return FakeCA(tmp_path_factory.mktemp("fake-influxdb-ca"))
    except RuntimeError as exc:
        pytest.fail(MISSING_EXTRA.format(exc), pytrace=False)


@_async_fixture
async def fake_influxdb_factory(request: pytest.FixtureRequest) -> AsyncIterator[FakeInfluxDBFactory]:
    """Start embedded InfluxDB servers on demand; all of them are stopped when the test ends."""
    try:
        from influxdb_replications.testing import FakeInfluxDB
    except ImportError as exc:
        pytest.fail(MISSING_EXTRA.format(exc), pytrace=False)

    defaults: dict[str, Any] = {
        "org": _option(request.config, "influxdb_org") or "my-org",
        "buckets": [_option(request.config, "influxdb_bucket") or "my-bucket"],
        "token": _option(request.config, "influxdb_token"),
    }
    started: list[FakeInfluxDB] = []

    tls_default = _tls_option(request.config)

    async def start(*, tls: bool | None = None, **kwargs: Any) -> FakeInfluxDB:
        if (tls_default if tls is None else tls) and "ssl_context" not in kwargs:
            ca: FakeCA = request.getfixturevalue("fake_influxdb_ca")
            kwargs["ssl_context"] = ca.server_context()
        server = FakeInfluxDB(**{**defaults, **kwargs})
        started.append(server)  # before start(): a server that failed half-way is stopped too
        await server.start()
        return server

    try:
        yield start
    finally:
        # newest first, so a server replicating into an older one stops sending before its target goes;
        # stop() is idempotent and never raises for a server that did not start
        for server in reversed(started):
            await server.stop()


@_async_fixture
async def fake_influxdb(fake_influxdb_factory: FakeInfluxDBFactory) -> FakeInfluxDB:
    """A started embedded InfluxDB for one test, with no faults queued and an empty request log."""
    server = await fake_influxdb_factory()
    server.clear_faults()
    server.clear_request_log()
    return server


async def _no_wait(_seconds: float) -> None:
    """The client's ``sleep=`` test switch: every backoff between retries is instant."""


@_async_fixture
async def replication_client(
    fake_influxdb: FakeInfluxDB, request: pytest.FixtureRequest
) -> AsyncIterator[ReplicationClient]:
    """A ReplicationClient bound to ``fake_influxdb`` by org name, with instant backoff; closed afterwards."""
    from influxdb_replications import ReplicationClient

    verify: bool | str = True
    if fake_influxdb.url.startswith("https://"):
        ca: FakeCA = request.getfixturevalue("fake_influxdb_ca")
        verify = str(ca.ca_file)
    async with ReplicationClient(
        url=fake_influxdb.url, token=fake_influxdb.token, org=fake_influxdb.org, sleep=_no_wait, verify=verify
    ) as client:
        yield client
