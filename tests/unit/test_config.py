"""The fleet file loader: the documented format, every error with its exact line, and the line locator."""

from __future__ import annotations

import dataclasses
import textwrap
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from influxdb_replications.core.fields import REMOTE as REMOTE_EXTRAS
from influxdb_replications.core.fields import REPLICATION as REPLICATION_EXTRAS
from influxdb_replications.fleet import Host
from influxdb_replications.operations import fleet_checks
from influxdb_replications.operations import fleet_file as config
from influxdb_replications.operations.desired import DesiredRemote, DesiredReplication, DesiredState
from influxdb_replications.operations.fleet_file import (
    ConfigError,
    FleetConfig,
    load_fleet,
    loads_fleet,
)
from influxdb_replications.operations.toml_lines import Locator

MARK = "# <-"

HOSTS = """\
[[hosts]]
name = "edge-01"
url = "http://edge-01:8086"

[[hosts]]
name = "edge-02"
url = "http://edge-02:8086"

[[hosts]]
name = "gateway"
url = "http://gateway:8086"
"""

REMOTE = """\
[[remotes]]
name = "cloud"
url = "https://cloud.example:8086"
token_env = "CLOUD_TOKEN"
"""

REPLICATION = """\
[[replications]]
name = "to-cloud"
remote = "cloud"
local_bucket = "sensors"
remote_bucket = "archive"
"""


def marked_line(text: str) -> int:
    """The 1-based line of the only line holding the marker comment."""
    lines = [n for n, line in enumerate(text.splitlines(), 1) if MARK in line]
    assert len(lines) == 1, "mark exactly one line"
    return lines[0]


def error_of(text: str) -> ConfigError:
    """The ConfigError loading ``text`` raises."""
    with pytest.raises(ConfigError) as info:
        loads_fleet(text, path="fleet.toml")
    return info.value


def docstring_example() -> str:
    """The full example in config's module docstring, dedented."""
    doc = config.__doc__ or ""
    block = doc.split("A full example::\n\n", 1)[1].split("\n\n``", 1)[0]
    return textwrap.dedent(block)


# ---------------------------------------------------------------------------------------- the format


def test_docstring_example_parses() -> None:
    """The module docstring's example loads, with defaults applied and hosts selected by pattern."""
    fleet = loads_fleet(docstring_example(), path="fleet.toml")
    assert [h.label for h in fleet.hosts] == ["edge-01", "edge-02", "gateway"]
    edge1, edge2, gateway = fleet.hosts
    assert edge1 == Host(url="http://edge-01:8086", org="edge", token_env="EDGE_01_TOKEN", name="edge-01")
    assert edge2.token_env == "EDGE_TOKEN"
    assert (edge2.org, edge2.org_id) == ("edge", None)
    assert (gateway.org, gateway.org_id) == (None, "0a1b2c3d4e5f6a7b")
    remote = DesiredRemote(
        name="cloud",
        url="https://cloud.example.com:8086",
        remote_org_id="0123456789abcdef",
        token_env="CLOUD_TOKEN",
        description="the central archive",
    )
    replication = DesiredReplication(
        name="sensors-to-cloud",
        remote="cloud",
        local_bucket="sensors",
        remote_bucket="sensors",
        max_queue_size_bytes=134217728,
        description="raw sensor data",
    )
    assert fleet.desired_for(edge1) == DesiredState((remote,), (replication,))
    assert fleet.desired_for("edge-02") == DesiredState((remote,), (replication,))
    assert fleet.desired_for(gateway) == DesiredState((remote,), ())
    assert fleet.desired == DesiredState((remote,), (replication,))
    assert fleet.remote_hosts == {"cloud": ("edge-*", "gateway")}
    assert fleet.replication_hosts == {"sensors-to-cloud": ("edge-*",)}


def test_field_tables_match_the_desired_types() -> None:
    """The keys a remote or replication table accepts are the Desired* keywords, the spec's extras, hosts."""
    remote_fields = {f.name for f in dataclasses.fields(DesiredRemote)} - {"extra"}
    replication_fields = {f.name for f in dataclasses.fields(DesiredReplication)} - {"extra"}
    remote_extras = {spec.name for spec in REMOTE_EXTRAS.all}
    replication_extras = {spec.name for spec in REPLICATION_EXTRAS.all}
    assert set(fleet_checks._REMOTE_FIELDS) == remote_fields | remote_extras | {"hosts", "url"}
    assert set(fleet_checks._REPLICATION_FIELDS) == replication_fields | replication_extras | {"hosts"}


def test_file_without_hosts_is_one_servers_state() -> None:
    """Without [[hosts]], desired holds every remote and replication, with their defaults."""
    fleet = loads_fleet(REMOTE + "\n" + REPLICATION)
    assert fleet.hosts == ()
    assert fleet.path == "<string>"
    assert fleet.desired == DesiredState(
        (DesiredRemote(name="cloud", url="https://cloud.example:8086", token_env="CLOUD_TOKEN"),),
        (
            DesiredReplication(
                name="to-cloud", remote="cloud", local_bucket="sensors", remote_bucket="archive"
            ),
        ),
    )
    assert fleet.desired.replications[0].max_queue_size_bytes == 67108860


def test_empty_file_is_an_empty_fleet() -> None:
    """An empty file has no hosts and an empty desired state."""
    fleet = loads_fleet("# nothing yet\n")
    assert fleet.hosts == ()
    assert fleet.desired == DesiredState()


def test_host_defaults_and_overrides() -> None:
    """token_env falls back to [defaults], then INFLUX_TOKEN; a host naming org or org_id drops both."""
    fleet = loads_fleet(
        textwrap.dedent(
            """\
            [defaults]
            org_id = "0a0a0a0a0a0a0a0a"

            [[hosts]]
            url = "http://a:8086"

            [[hosts]]
            url = "http://b:8086"
            org = "other"
            token_env = "B_TOKEN"
            """
        )
    )
    a, b = fleet.hosts
    assert a == Host(url="http://a:8086", org_id="0a0a0a0a0a0a0a0a", token_env="INFLUX_TOKEN")
    assert a.label == "http://a:8086"
    assert b == Host(url="http://b:8086", org="other", token_env="B_TOKEN")


def test_inline_tables_and_dotted_keys_are_accepted() -> None:
    """Arrays of inline tables and dotted keys are the same TOML and load the same."""
    fleet = loads_fleet(
        textwrap.dedent(
            """\
            defaults.org = "edge"
            hosts = [
                {name = "edge-01", url = "http://edge-01:8086"},
            ]
            remotes = [{name = "cloud", url = "https://cloud.example:8086"}]
            """
        )
    )
    assert fleet.hosts == (Host(url="http://edge-01:8086", org="edge", name="edge-01"),)
    assert fleet.desired_for("edge-01").remotes[0].name == "cloud"


def test_empty_hosts_list_selects_no_host() -> None:
    """hosts = [] keeps an entry in the file but on no host."""
    fleet = loads_fleet(HOSTS + REMOTE + "hosts = []\n")
    assert all(fleet.desired_for(h) == DesiredState() for h in fleet.hosts)


def test_load_fleet_reads_a_file(tmp_path: Path) -> None:
    """load_fleet reads a path; its errors name that path."""
    good = tmp_path / "fleet.toml"
    good.write_text(HOSTS + REMOTE, encoding="utf-8")
    assert len(load_fleet(good).hosts) == 3
    assert isinstance(load_fleet(str(good)), FleetConfig)
    bad = tmp_path / "bad.toml"
    bad.write_text(HOSTS + "colour = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_fleet(bad)
    assert str(info.value).startswith(f"{bad}:12: ")
    assert (info.value.path, info.value.line) == (str(bad), 12)


def test_non_utf8_file_is_a_config_error(tmp_path: Path) -> None:
    """Bytes that are not UTF-8 are reported on their line."""
    path = tmp_path / "fleet.toml"
    path.write_bytes(b'[[hosts]]\nname = "caf\xe9"\n')
    with pytest.raises(ConfigError) as info:
        load_fleet(path)
    assert info.value.line == 2
    assert "UTF-8" in info.value.reason


def test_config_error_is_a_value_error() -> None:
    """ConfigError is a ValueError with path, line and reason; str() is FILE:LINE: reason."""
    error = ConfigError("f.toml", 3, "bad")
    assert isinstance(error, ValueError)
    assert str(error) == "f.toml:3: bad"
    assert str(ConfigError("f.toml", None, "bad")) == "f.toml: bad"


# ---------------------------------------------------------------------------------------- errors

ERRORS: dict[str, tuple[str, str]] = {
    # TOML syntax: the line tomllib reports
    "syntax": ('[[hosts]]\nurl = "http://a:8086"\nname = edge  # <-\n', "invalid TOML: Invalid value"),
    "syntax-duplicate-key": (
        '[[hosts]]\nurl = "http://a:8086"\nurl = "http://b:8086"  # <-\n',
        "invalid TOML: Cannot overwrite a value",
    ),
    # tokens
    "token-in-host": (
        HOSTS + 'token = "s3cr3t"  # <-\n',
        "'token' is refused: tokens are not read from files; name an environment variable with token_env",
    ),
    "token-in-remote": (REMOTE + 'remote_api_token = "s3cr3t"  # <-\n', "'remote_api_token' is refused"),
    "token-in-defaults": ('[defaults]\norg = "edge"\ntoken = "s3cr3t"  # <-\n', "'token' is refused"),
    "token-top-level": ('token = "s3cr3t"  # <-\n', "'token' is refused"),
    "token-in-unknown-table": ('[vault]\ninflux_token = "s3cr3t"  # <-\n', "'influx_token' is refused"),
    # unknown keys
    "unknown-top-level": (HOSTS + "[remote]  # <-\nname = 'x'\n", "unknown top-level key 'remote'"),
    "unknown-defaults": ('[defaults]\nurl = "http://a:8086"  # <-\n', "[defaults]: unknown key 'url'"),
    "unknown-host": (HOSTS + "port = 8086  # <-\n", "host 'gateway': unknown key 'port'"),
    "unknown-remote": (REMOTE + 'remote_uri = "x"  # <-\n', "remote 'cloud': unknown key 'remote_uri'"),
    "unknown-replication": (
        REMOTE + REPLICATION + "max_queue = 1  # <-\n",
        "replication 'to-cloud': unknown key 'max_queue'",
    ),
    # wrong types
    "defaults-not-a-table": (
        "defaults = 'edge'  # <-\n",
        "defaults must be a table ([defaults]), got a string",
    ),
    "hosts-not-an-array": ('[hosts]  # <-\nurl = "http://a:8086"\n', "hosts must be an array of tables"),
    "host-not-a-table": ('hosts = [\n  "edge-01",  # <-\n]\n', "[[hosts]] #1 must be a table, got a string"),
    "host-url-not-a-string": ("[[hosts]]\nurl = 8086  # <-\n", "url must be a string, got an integer"),
    "bool-as-string": (REMOTE + 'allow_insecure_tls = "yes"  # <-\n', "allow_insecure_tls must be a boolean"),
    "int-as-bool": (
        REMOTE + REPLICATION + "max_age_seconds = true  # <-\n",
        "max_age_seconds must be an integer, got a boolean",
    ),
    "int-as-float": (
        REMOTE + REPLICATION + "max_queue_size_bytes = 1.5e8  # <-\n",
        "max_queue_size_bytes must be an integer, got a float",
    ),
    "int-as-string": (
        REMOTE + REPLICATION + 'max_queue_size_bytes = "64MiB"  # <-\n',
        "max_queue_size_bytes must be an integer, got a string",
    ),
    "date-as-string": (
        REMOTE + "description = 2024-01-01  # <-\n",
        "description must be a string, got a date",
    ),
    "hosts-not-an-array-of-strings": (
        HOSTS + REMOTE + 'hosts = [\n  "edge-01",\n  1,  # <-\n]\n',
        "hosts must be an array of strings, got an integer in it",
    ),
    "hosts-a-string": (HOSTS + REMOTE + 'hosts = "edge-*"  # <-\n', "hosts must be an array of strings"),
    # missing required keys: the table's header
    "host-without-url": (
        HOSTS + '[[hosts]]  # <-\nname = "edge-03"\n',
        "host 'edge-03': missing required key 'url'",
    ),
    "remote-without-url": (
        '[[remotes]]  # <-\nname = "cloud"\n',
        "remote 'cloud': missing required key 'remote_url' (or its older name 'url')",
    ),
    "remote-without-name": (
        REMOTE + '\n[[remotes]]  # <-\nurl = "https://x:8086"\n',
        "[[remotes]] #2: missing required key 'name'",
    ),
    "replication-without-local-bucket": (
        REMOTE + '[[replications]]  # <-\nname = "r"\nremote = "cloud"\nremote_bucket = "b"\n',
        "replication 'r': missing required key 'local_bucket'",
    ),
    # values refused by Host / DesiredRemote / DesiredReplication: that key's line
    "host-url-not-http": ('[[hosts]]\nurl = "ftp://a"  # <-\n', "url must be an http(s) URL"),
    "host-url-with-password": (
        '[[hosts]]\nurl = "http://me:pw@a:8086"  # <-\n',
        "url must not carry credentials",
    ),
    "host-bad-org-id": (
        '[[hosts]]\nurl = "http://a:8086"\norg_id = "nope"  # <-\n',
        "org_id must be an ID of exactly 16 hex digits",
    ),
    "host-empty-name": (
        '[[hosts]]\nurl = "http://a:8086"\nname = ""  # <-\n',
        "name must be a non-empty string",
    ),
    "defaults-bad-org-id": ('[defaults]\norg_id = "12"  # <-\n', "[defaults]: org_id must be an ID"),
    "defaults-empty-org": ('[defaults]\norg = ""  # <-\n', "[defaults]: org must be a non-empty string"),
    "remote-bad-url": (
        '[[remotes]]\nname = "cloud"\nurl = "cloud:8086"  # <-\n',
        "url must be an http(s) URL",
    ),
    "remote-bad-org-id": (REMOTE + 'remote_org_id = "xyz"  # <-\n', "remote_org_id must be an ID"),
    "remote-empty-name": (
        '[[remotes]]\nname = ""  # <-\nurl = "https://x:8086"\n',
        "name must be a non-empty",
    ),
    "queue-too-small": (
        REMOTE + REPLICATION + "max_queue_size_bytes = 1024  # <-\n",
        "max_queue_size_bytes must be an int of at least 33554430",
    ),
    "max-age-out-of-range": (
        REMOTE + REPLICATION + "max_age_seconds = 30  # <-\n",
        "max_age_seconds must be 0 or between 60 and 5184000",
    ),
    "no-remote-bucket": (
        REMOTE + '[[replications]]  # <-\nname = "r"\nremote = "cloud"\nlocal_bucket = "s"\n',
        "give exactly one of remote_bucket and remote_bucket_id",
    ),
    "bad-remote-bucket-id": (
        REMOTE + '[[replications]]\nname = "r"\nremote = "cloud"\nlocal_bucket = "s"\n'
        'remote_bucket_id = "zz"  # <-\n',
        "remote_bucket_id must be an ID",
    ),
    # duplicates: the second one's line, naming the first
    "duplicate-host": (
        HOSTS + '[[hosts]]\nname = "edge-02"  # <-\nurl = "http://x:8086"\n',
        "host 'edge-02' is declared twice (first on line 6)",
    ),
    "duplicate-host-url": (
        '[[hosts]]\nurl = "http://a:8086"\n[[hosts]]\nurl = "http://a:8086"  # <-\n',
        "host 'http://a:8086' is declared twice (first on line 2)",
    ),
    "duplicate-remote": (
        REMOTE + REMOTE.replace('"cloud"', '"cloud"  # <-'),
        "remote 'cloud' is declared twice (first on line 2)",
    ),
    "duplicate-replication": (
        REMOTE + REPLICATION + REPLICATION.replace('"to-cloud"', '"to-cloud"  # <-'),
        "replication 'to-cloud' is declared twice (first on line 6)",
    ),
    # cross references
    "undeclared-remote": (
        REMOTE
        + '[[replications]]\nname = "r"\nremote = "clod"  # <-\nlocal_bucket = "s"\nremote_bucket = "b"\n',
        "replication 'r': remote 'clod' is not declared in [[remotes]] (declared: 'cloud')",
    ),
    "remote-not-on-replication-host": (
        HOSTS + REMOTE + 'hosts = ["edge-*"]\n' + REPLICATION + 'hosts = ["edge-01", "gate*"]  # <-\n',
        "replication 'to-cloud' is selected for host 'gateway', but its remote 'cloud' is not",
    ),
    "remote-not-on-every-host": (
        HOSTS + REMOTE + 'hosts = ["edge-*"]\n' + REPLICATION.replace('"cloud"', '"cloud"  # <-'),
        "replication 'to-cloud' is selected for host 'gateway', but its remote 'cloud' is not",
    ),
    "pattern-matches-no-host": (
        HOSTS + REMOTE + 'hosts = [\n  "edge-*",\n  "egde-*",  # <-\n]\n',
        "remote 'cloud': host pattern 'egde-*' matches no host",
    ),
    "pattern-without-hosts": (
        REMOTE + REPLICATION + 'hosts = ["edge-*"]  # <-\n',
        "host pattern 'edge-*' matches no host (the file declares no [[hosts]])",
    ),
    "pattern-is-case-sensitive": (HOSTS + REMOTE + 'hosts = ["EDGE-*"]  # <-\n', "'EDGE-*' matches no host"),
    # both buckets: the line of remote_bucket, the first key the message names
    "both-remote-buckets": (
        REMOTE
        + REPLICATION.replace('remote_bucket = "archive"', 'remote_bucket = "archive"  # <-')
        + 'remote_bucket_id = "0f0f0f0f0f0f0f0f"\n',
        "give exactly one of remote_bucket and remote_bucket_id",
    ),
}


@pytest.mark.parametrize("text, message", list(ERRORS.values()), ids=list(ERRORS))
def test_error_names_its_line(text: str, message: str) -> None:
    """Each problem is a ConfigError 'FILE:LINE: ...' on the marked line, saying what is wrong."""
    error = error_of(text)
    line = marked_line(text)
    assert error.line == line, str(error)
    assert error.path == "fleet.toml"
    assert str(error) == f"fleet.toml:{line}: {error.reason}"
    assert message in error.reason


def test_token_values_never_reach_messages() -> None:
    """A refused token, and a token pasted into token_env, are not echoed in the error."""
    secret = "Zm9vYmFyLXNlY3JldA=="
    for text in (
        HOSTS + f'token = "{secret}"\n',
        f'[[hosts]]\nurl = "http://a:8086"\ntoken_env = "{secret}"\n',
        f'[defaults]\ntoken_env = "{secret}"\n',
        REMOTE.replace('"CLOUD_TOKEN"', f'"{secret}"'),
    ):
        error = error_of(text)
        assert secret not in str(error)
        assert "token" in error.reason


def test_token_env_must_be_a_variable_name() -> None:
    """token_env holding something that is not a variable name is refused on its line."""
    error = error_of(REMOTE.replace('"CLOUD_TOKEN"', '"my-token"'))
    assert error.line == 4
    assert "token_env must name an environment variable" in error.reason


def test_the_first_problem_in_section_order_is_reported() -> None:
    """A token anywhere wins over other problems; otherwise hosts come before remotes."""
    text = HOSTS + "bogus = 1\n" + REMOTE + 'token = "x"\n'
    assert "'token' is refused" in error_of(text).reason
    text = REMOTE + "bogus = 1\n" + HOSTS + "other = 2\n"
    assert error_of(text).reason.startswith("host 'gateway': unknown key 'other'")


# ---------------------------------------------------------------------------------------- the locator


def test_locator_follows_headers_keys_and_values() -> None:
    """Keys after multi-line strings and arrays, quoted and dotted keys, nested arrays of tables."""
    text = textwrap.dedent(
        '''\
        title = """
        [[hosts]]
        url = "not a key"
        """  # a multi-line string that looks like TOML
        "quoted key" = 'C:\\path'
        a.b . c = 1979-05-27 07:32:00Z  # date-time with a space
        lit = \'\'\'
        x = 1\'\'\'
        arr = [  # comment [ with ] brackets
          "x # not a comment",
          { k = "v" },
          [1, 2],
        ]

        [[hosts]]
        url = "h1"

        [[hosts]]  # second
        url = "h2"

        [hosts.meta]
        owner = "ops"

        [[hosts.labels]]
        k = "a"

        [ "odd table" . 'inner' ]
        esc = "quote \\" inside"
        after = 2
        '''
    )
    tomllib.loads(text)  # the fixture is valid TOML
    loc = Locator(text)
    expected = {
        ("title",): 1,
        ("quoted key",): 5,
        ("a",): 6,
        ("a", "b", "c"): 6,
        ("lit",): 7,
        ("arr",): 9,
        ("arr", 0): 10,
        ("arr", 1): 11,
        ("arr", 1, "k"): 11,
        ("arr", 2): 12,
        ("arr", 2, 1): 12,
        ("hosts",): 15,
        ("hosts", 0): 15,
        ("hosts", 0, "url"): 16,
        ("hosts", 1): 18,
        ("hosts", 1, "url"): 19,
        ("hosts", 1, "meta"): 21,
        ("hosts", 1, "meta", "owner"): 22,
        ("hosts", 1, "labels", 0): 24,
        ("hosts", 1, "labels", 0, "k"): 25,
        ("odd table", "inner"): 27,
        ("odd table", "inner", "esc"): 28,
        ("odd table", "inner", "after"): 29,
    }
    assert {path: loc.exact(path) for path in expected} == expected
    assert loc.exact(("url",)) is None  # inside the string
    # a missing key falls back to its nearest ancestor; nothing at all is None
    assert loc.line(("hosts", 1, "name")) == 18
    assert loc.line(("nowhere",)) is None


_KEYS = st.sampled_from(["name", "url", "org", "token_env", "hosts", "remote", "description", "x-y", "k_2"])
_VALUES = st.sampled_from(
    [
        '"plain"',
        "'literal \\'",
        '"with # hash and [brackets]"',
        '"""\nmulti\nline = "x"\n"""',
        "'''\n[[hosts]]\n'''",
        "[\n  'a',  # c\n  \"b\",\n]",
        "[]",
        "42",
        "true",
        "1979-05-27 07:32:00",
        '{ a = 1, b = "}" }',
    ]
)
_FILLER = st.sampled_from(["", "# comment", "   ", "# [[hosts]]", "\t# key = 1"])


@st.composite
def _documents(draw: st.DrawFn) -> tuple[str, dict[tuple[str | int, ...], int]]:
    """A TOML text of [[section]] tables with the line each table and key was written on."""
    lines: list[str] = []
    expected: dict[tuple[str | int, ...], int] = {}
    counts: dict[str, int] = {}
    for _ in range(draw(st.integers(1, 6))):
        lines.extend(draw(st.lists(_FILLER, max_size=2)))
        section = draw(st.sampled_from(["hosts", "remotes", "replications"]))
        index = counts.get(section, 0)
        counts[section] = index + 1
        lines.append(f"[[{section}]]" + draw(st.sampled_from(["", "  # header"])))
        expected[(section, index)] = len(lines)
        for key in draw(st.lists(_KEYS, unique=True, max_size=5)):
            lines.extend(draw(st.lists(_FILLER, max_size=2)))
            spacing = draw(st.sampled_from(["=", " = ", "  =\t"]))
            quoted = draw(st.booleans())
            written = f'"{key}"' if quoted else key
            expected[(section, index, key)] = len(lines) + 1
            lines.extend(f"{written}{spacing}{draw(_VALUES)}".split("\n"))
    return "\n".join(lines) + "\n", expected


@settings(max_examples=200, deadline=None)
@given(_documents())
def test_locator_finds_every_table_and_key(document: tuple[str, dict[tuple[str | int, ...], int]]) -> None:
    """In generated documents (comments, multi-line values, quoted keys) each key is on its written line."""
    text, expected = document
    tomllib.loads(text)
    loc = Locator(text)
    assert {path: loc.exact(path) for path in expected} == expected


@pytest.mark.parametrize(
    "text", ["a = [\n1,\n", 'x = "unterminated', "[[t", 'k = """\nopen', "{ = ]", "a = {b = "]
)
def test_locator_ends_on_text_tomllib_refuses(text: str) -> None:
    """The locator is only used on valid TOML, but never loops on anything else."""
    Locator(text).line(("a",))
