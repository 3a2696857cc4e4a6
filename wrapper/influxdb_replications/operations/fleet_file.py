"""The fleet file: hosts, remotes and replications in TOML, loaded with line-accurate errors.

A full example::

    # fleet.toml
    [defaults]                      # optional; applies to every [[hosts]] entry
    org = "edge"                    # or org_id = "0123456789abcdef" (16 hex digits)
    token_env = "EDGE_TOKEN"        # default "INFLUX_TOKEN"

    [[hosts]]
    name = "edge-01"                # a label, used by the hosts patterns below; defaults to the url
    url = "http://edge-01:8086"     # required
    token_env = "EDGE_01_TOKEN"     # this host's token is in $EDGE_01_TOKEN

    [[hosts]]
    name = "edge-02"
    url = "http://edge-02:8086"

    [[hosts]]
    name = "gateway"
    url = "http://gateway:8086"
    org_id = "0a1b2c3d4e5f6a7b"     # a host setting org or org_id ignores both defaults

    [[remotes]]
    name = "cloud"
    remote_url = "https://cloud.example.com:8086"   # or its older name, url
    remote_org_id = "0123456789abcdef"
    token_env = "CLOUD_TOKEN"       # read only when the remote has to be created
    allow_insecure_tls = false
    description = "the central archive"
    hosts = ["edge-*", "gateway"]   # fnmatch patterns on host names; default: every host

    [[replications]]
    name = "sensors-to-cloud"
    remote = "cloud"
    local_bucket = "sensors"
    remote_bucket = "sensors"       # or remote_bucket_id = "..."
    max_queue_size_bytes = 134217728
    max_age_seconds = 604800
    drop_non_retryable_data = false
    description = "raw sensor data"
    hosts = ["edge-*"]

``[[remotes]]`` and ``[[replications]]`` take the fields of
:class:`~influxdb_replications.desired.DesiredRemote` and
:class:`~influxdb_replications.desired.DesiredReplication`, with the same defaults, plus ``hosts``: the
keywords of ``remotes.create`` and ``replications.create``, including every other field of the spec's
create and update requests (read from the generated field metadata; a date-time is a TOML offset
date-time). A file
without ``[[hosts]]`` describes one server: :attr:`FleetConfig.desired` is its state.

Tokens are never read from the file: a ``token`` key (or any key ending in ``_token``) is refused; each
host and each remote names the environment variable that holds its token (``token_env``).

Every problem is a :class:`ConfigError` whose message starts with ``FILE:LINE:``, LINE being the line of
the offending key (or of its table's header when a required key is missing): TOML syntax, unknown keys,
wrong types, missing required keys, bad values, duplicate names, a replication naming a remote the file
does not declare or that is not selected for one of the replication's hosts, and host patterns that match
no host. ``tomllib`` does not report positions, so :class:`_Locator` finds them in the source: it follows
table headers (``[t]``, ``[[t]]``), keys (bare, quoted, dotted) and the lines values span.
"""

from __future__ import annotations

import datetime
import fnmatch
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.args import check_id, check_name
from ..core.fields import REMOTE, REPLICATION
from .desired import DesiredRemote, DesiredReplication, DesiredState
from .fleet import DEFAULT_TOKEN_ENV, Host, check_env_name

__all__ = ["ConfigError", "FleetConfig", "load_fleet", "loads_fleet"]

Key = str | int
KeyPath = tuple[Key, ...]

_TOKEN_REFUSED = "tokens are not read from files; name an environment variable with token_env"

# field -> the Python type TOML must give it; "hosts" is a list of patterns
_DEFAULTS_FIELDS: dict[str, type] = {"org": str, "org_id": str, "token_env": str}
_HOST_FIELDS: dict[str, type] = {"url": str, "name": str, "org": str, "org_id": str, "token_env": str}
_REMOTE_FIELDS: dict[str, type] = {
    "name": str,
    "remote_url": str,
    "url": str,
    "remote_org_id": str,
    "token_env": str,
    "allow_insecure_tls": bool,
    "description": str,
    "hosts": list,
    **{spec.name: spec.python_type for spec in REMOTE.all},
}
_REPLICATION_FIELDS: dict[str, type] = {
    "name": str,
    "remote": str,
    "local_bucket": str,
    "remote_bucket": str,
    "remote_bucket_id": str,
    "max_queue_size_bytes": int,
    "max_age_seconds": int,
    "drop_non_retryable_data": bool,
    "description": str,
    "hosts": list,
    **{spec.name: spec.python_type for spec in REPLICATION.all},
}
_SECTIONS = ("defaults", "hosts", "remotes", "replications")


class ConfigError(ValueError):
    """A fleet file that cannot be used; ``str(error)`` is "FILE:LINE: what is wrong".

    Attributes:
        path: The file's path as given ("<string>" for :func:`loads_fleet` without a path).
        line: The 1-based line of the problem, or None when it has no single line.
        reason: The message without the "FILE:LINE: " prefix.
    """

    def __init__(self, path: str, line: int | None, reason: str) -> None:
        self.path = path
        self.line = line
        self.reason = reason
        where = path if line is None else f"{path}:{line}"
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True, slots=True)
class FleetConfig:
    """A loaded fleet file.

    Attributes:
        path: Where it was loaded from.
        hosts: The ``[[hosts]]`` entries, in file order (defaults applied).
        remotes: Every ``[[remotes]]`` entry, in file order.
        replications: Every ``[[replications]]`` entry, in file order.
        remote_hosts: Remote name -> its host patterns; None means every host.
        replication_hosts: Replication name -> its host patterns; None means every host.
    """

    path: str
    hosts: tuple[Host, ...]
    remotes: tuple[DesiredRemote, ...]
    replications: tuple[DesiredReplication, ...]
    remote_hosts: Mapping[str, tuple[str, ...] | None]
    replication_hosts: Mapping[str, tuple[str, ...] | None]

    @property
    def desired(self) -> DesiredState:
        """Every remote and replication of the file, whatever their ``hosts``: the state of the one
        server a file without ``[[hosts]]`` describes."""
        return DesiredState(self.remotes, self.replications)

    def desired_for(self, host: Host | str) -> DesiredState:
        """The state one host should have: the remotes and replications whose patterns select it.

        Args:
            host: A Host (matched by its label: its name, else its URL) or a host name.

        Returns:
            The host's DesiredState (possibly empty).

        Raises:
            ValueError: ``host`` is not one of the file's hosts and would get a replication without its
                remote (the file's own hosts were checked when it was loaded).
        """
        label = host.label if isinstance(host, Host) else host
        return DesiredState(
            tuple(r for r in self.remotes if _selects(self.remote_hosts[r.name], label)),
            tuple(r for r in self.replications if _selects(self.replication_hosts[r.name], label)),
        )


def _selects(patterns: tuple[str, ...] | None, label: str) -> bool:
    return patterns is None or any(fnmatch.fnmatchcase(label, p) for p in patterns)


def load_fleet(path: str | Path) -> FleetConfig:
    """Load a fleet file (format in the module docstring).

    Args:
        path: The TOML file.

    Returns:
        The FleetConfig.

    Raises:
        ConfigError: anything wrong in the file, with its line.
        OSError: the file cannot be read.
    """
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(str(path), line, "the file is not valid UTF-8") from None
    return loads_fleet(text, path=str(path))


def loads_fleet(text: str, path: str = "<string>") -> FleetConfig:
    """Load a fleet file's text (format in the module docstring).

    Args:
        text: The TOML source.
        path: The name used in error messages.

    Returns:
        The FleetConfig.

    Raises:
        ConfigError: anything wrong in the text, with its line.
    """
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(exc, text, path) from None
    return _Loader(doc, _Locator(text), path).load()


_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


def _syntax_error(exc: tomllib.TOMLDecodeError, text: str, path: str) -> ConfigError:
    message = str(exc)
    match = _POSITION.search(message)
    if match is not None:
        reason = f"invalid TOML: {message[: match.start()]} (column {match.group(2)})"
        return ConfigError(path, int(match.group(1)), reason)
    if message.endswith("(at end of document)"):
        reason = f"invalid TOML: {message.removesuffix('(at end of document)').rstrip()} (at end of file)"
        return ConfigError(path, max(1, len(text.splitlines())), reason)
    return ConfigError(path, None, f"invalid TOML: {message}")


# ---------------------------------------------------------------------------------------------- locating


class _Locator:
    """The line where each key, table and array element of a TOML text starts.

    Paths are tuples: ``("hosts", 2, "url")`` is the ``url`` key of the third ``[[hosts]]`` table,
    ``("remotes", 0, "hosts", 1)`` the second element of the first remote's ``hosts`` array. The text must
    already have parsed with tomllib (the scanner trusts its syntax).
    """

    def __init__(self, text: str) -> None:
        self._text = text
        self._pos = 0
        self._line = 1
        self._lines: dict[KeyPath, int] = {}
        self._arrays: dict[KeyPath, int] = {}  # array-of-tables path -> tables seen so far
        self._scan()

    def line(self, path: Sequence[Key]) -> int | None:
        """The line of ``path``, else of its nearest recorded ancestor (None: not even the first key)."""
        key = tuple(path)
        while key:
            if key in self._lines:
                return self._lines[key]
            key = key[:-1]
        return None

    def exact(self, path: Sequence[Key]) -> int | None:
        """The line of ``path`` itself, or None."""
        return self._lines.get(tuple(path))

    # --- scanner --------------------------------------------------------------------------------

    def _peek(self, n: int = 1) -> str:
        return self._text[self._pos : self._pos + n]

    def _advance(self, n: int = 1) -> None:
        chunk = self._text[self._pos : self._pos + n]
        self._line += chunk.count("\n")
        self._pos += len(chunk)

    def _record(self, path: KeyPath, line: int, *, overwrite: bool = False) -> None:
        if overwrite or path not in self._lines:
            self._lines[path] = line

    def _skip_blanks(self, newlines: bool) -> None:
        """Skip spaces, tabs, comments and (if ``newlines``) line breaks."""
        while self._pos < len(self._text):
            char = self._peek()
            if char in " \t\r" or (newlines and char == "\n"):
                self._advance()
            elif char == "#":
                end = self._text.find("\n", self._pos)
                self._advance((len(self._text) if end < 0 else end) - self._pos)
            else:
                return

    def _more(self) -> bool:
        return self._pos < len(self._text)

    def _scan(self) -> None:
        table: KeyPath = ()
        while True:
            self._skip_blanks(newlines=True)
            if not self._more():
                return
            start = self._pos
            if self._peek() == "[":
                table = self._header()
            else:
                self._key_value(table)
            if self._pos == start:  # never loop on text tomllib would not have accepted
                self._advance()

    def _header(self) -> KeyPath:
        line = self._line
        is_array = self._peek(2) == "[["
        self._advance(2 if is_array else 1)
        parts = self._key()
        self._advance(2 if is_array else 1)
        resolved: KeyPath = ()
        for i, part in enumerate(parts):
            resolved = (*resolved, part)
            self._record(resolved, line)
            last = i == len(parts) - 1
            if resolved in self._arrays and not (last and is_array):
                # [a.b] after [[a]]: b belongs to the last table of a
                resolved = (*resolved, self._arrays[resolved] - 1)
        if is_array:
            index = self._arrays.get(resolved, 0)
            self._arrays[resolved] = index + 1
            resolved = (*resolved, index)
        self._record(resolved, line, overwrite=True)
        return resolved

    def _key_value(self, table: KeyPath) -> None:
        line = self._line
        parts = self._key()
        path = table
        for part in parts:
            path = (*path, part)
            self._record(path, line)
        self._skip_blanks(newlines=False)
        if self._peek() != "=":
            return
        self._advance()
        self._skip_blanks(newlines=False)
        self._value(path)

    def _key(self) -> list[str]:
        """Read a dotted key; return its parts (quotes removed, escapes decoded)."""
        parts = []
        while True:
            self._skip_blanks(newlines=False)
            start = self._pos
            char = self._peek()
            if char and char in "\"'":
                self._string()
                raw = self._text[start : self._pos]
                parts.append(raw[1:-1] if char == "'" else tomllib.loads(f"k = {raw}")["k"])
            else:
                while self._pos < len(self._text) and (self._peek().isalnum() or self._peek() in "_-"):
                    self._advance()
                parts.append(self._text[start : self._pos])
            self._skip_blanks(newlines=False)
            if self._peek() != ".":
                return parts
            self._advance()

    def _string(self) -> None:
        """Skip a string of any of TOML's four kinds, starting at its opening quote."""
        quote = self._peek()
        if self._peek(3) == quote * 3:
            self._advance(3)
            while self._more() and self._peek(3) != quote * 3:
                self._advance(2 if quote == '"' and self._peek() == "\\" else 1)
            self._advance(3)
            while self._peek() == quote:  # up to two quotes may end the content: """a"""""
                self._advance()
            return
        self._advance()
        while self._more() and self._peek() != quote:
            self._advance(2 if quote == '"' and self._peek() == "\\" else 1)
        self._advance()

    def _value(self, path: KeyPath) -> None:
        char = self._peek()
        if char and char in "\"'":
            self._string()
        elif char == "[":
            self._advance()
            index = 0
            while self._more():
                self._skip_blanks(newlines=True)
                if self._peek() in ("]", ""):
                    self._advance()
                    return
                start = self._pos
                self._record((*path, index), self._line)
                self._value((*path, index))
                index += 1
                self._skip_blanks(newlines=True)
                if self._peek() == "," or self._pos == start:
                    self._advance()
        elif char == "{":
            self._advance()
            while self._more():
                self._skip_blanks(newlines=True)
                if self._peek() in ("}", ""):
                    self._advance()
                    return
                start = self._pos
                self._key_value(path)
                self._skip_blanks(newlines=True)
                if self._peek() == "," or self._pos == start:
                    self._advance()
        else:  # number, bool, date-time (which may hold a space): up to a delimiter
            while self._pos < len(self._text) and self._peek() not in ",]}\n#":
                self._advance()


# ---------------------------------------------------------------------------------------------- loading


def _toml_type(value: Any) -> str:
    for cls, name in (
        (bool, "a boolean"),
        (int, "an integer"),
        (float, "a float"),
        (str, "a string"),
        (list, "an array"),
        (dict, "a table"),
        (datetime.datetime, "a date-time"),
        (datetime.date, "a date"),
        (datetime.time, "a time"),
    ):
        if isinstance(value, cls):
            return name
    return type(value).__name__


def _expected(cls: type) -> str:
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a float",
        str: "a string",
        list: "an array of strings",
        datetime.datetime: "a date-time",
    }[cls]


class _Loader:
    """Checks a parsed document and builds the FleetConfig; every error goes through :meth:`fail`."""

    def __init__(self, doc: dict[str, Any], locator: _Locator, path: str) -> None:
        self.doc = doc
        self.locator = locator
        self.path = path

    def fail(self, at: Sequence[Key], reason: str) -> ConfigError:
        return ConfigError(self.path, self.locator.line(at), reason)

    def load(self) -> FleetConfig:
        self._refuse_tokens(self.doc, ())
        for key, value in self.doc.items():
            if key not in _SECTIONS:
                allowed = ", ".join(_SECTIONS)
                raise self.fail((key,), f"unknown top-level key {key!r} (expected one of: {allowed})")
            if key == "defaults" and not isinstance(value, dict):
                raise self.fail((key,), f"defaults must be a table ([defaults]), got {_toml_type(value)}")
            if key != "defaults" and not isinstance(value, list):
                raise self.fail(
                    (key,), f"{key} must be an array of tables ([[{key}]]), got {_toml_type(value)}"
                )
        defaults = self._defaults(self.doc.get("defaults", {}))
        hosts = self._hosts(self.doc.get("hosts", []), defaults)
        remotes, remote_hosts = self._remotes(self.doc.get("remotes", []), hosts)
        replications, replication_hosts = self._replications(
            self.doc.get("replications", []), hosts, remotes, remote_hosts
        )
        return FleetConfig(
            self.path,
            tuple(hosts),
            tuple(remotes),
            tuple(replications),
            {name: pats for name, (pats, _) in remote_hosts.items()},
            {name: pats for name, (pats, _) in replication_hosts.items()},
        )

    def _refuse_tokens(self, node: Any, at: KeyPath) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "token" or key.endswith("_token"):
                    raise self.fail((*at, key), f"{key!r} is refused: {_TOKEN_REFUSED}")
                self._refuse_tokens(value, (*at, key))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                self._refuse_tokens(value, (*at, index))

    def _table(self, at: KeyPath, what: str, table: Any, fields: dict[str, type]) -> None:
        """Check a table's keys and value types."""
        if not isinstance(table, dict):
            raise self.fail(at, f"{what} must be a table, got {_toml_type(table)}")
        for key, value in table.items():
            if key not in fields:
                allowed = ", ".join(sorted(fields))
                raise self.fail((*at, key), f"{what}: unknown key {key!r} (expected one of: {allowed})")
            expected = fields[key]
            if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
                raise self.fail(
                    (*at, key), f"{what}: {key} must be {_expected(expected)}, got {_toml_type(value)}"
                )
            if isinstance(value, list):
                for index, item in enumerate(value):
                    if not isinstance(item, str):
                        raise self.fail(
                            (*at, key, index),
                            f"{what}: {key} must be an array of strings, got {_toml_type(item)} in it",
                        )

    def _require(self, at: KeyPath, what: str, table: dict[str, Any], *keys: str) -> None:
        for key in keys:
            if key not in table:
                raise self.fail(at, f"{what}: missing required key {key!r}")

    def _value_error(self, at: KeyPath, what: str, exc: ValueError, table: dict[str, Any]) -> ConfigError:
        """Point a constructor's ValueError at the key it names (else at the table)."""
        message = str(exc)
        reason = message if message.startswith(what) else f"{what}: {message}"
        # quoted values (reprs of names) may contain words that look like field names
        unquoted = re.sub(r"'[^']*'|\"[^\"]*\"", "''", message)
        named = [
            (match.start(), key)
            for key in table
            if (match := re.search(rf"(?<![\w.]){re.escape(key)}(?![\w.])", unquoted)) is not None
        ]
        key_at = (*at, min(named)[1]) if named else at
        return self.fail(key_at, reason)

    def _defaults(self, table: Any) -> dict[str, Any]:
        at: KeyPath = ("defaults",)
        self._table(at, "[defaults]", table, _DEFAULTS_FIELDS)
        checks = {"org": check_name, "org_id": check_id, "token_env": check_env_name}
        for key, value in table.items():
            try:
                checks[key](value, key)
            except ValueError as exc:
                raise self.fail((*at, key), f"[defaults]: {exc}") from None
        return dict(table)

    def _name_of(self, kind: str, index: int, table: Any) -> str:
        name = table.get("name") if isinstance(table, dict) else None
        if kind == "host" and name is None and isinstance(table, dict):
            name = table.get("url")  # a host's label defaults to its url
        if isinstance(name, str) and name:
            return f"{kind} {name!r}"
        return f"[[{kind}s]] #{index + 1}"

    def _duplicate(self, at: KeyPath, kind: str, name: str, first: KeyPath) -> ConfigError:
        first_line = self.locator.line(first)
        where = "" if first_line is None else f" (first on line {first_line})"
        return self.fail(at, f"{kind} {name!r} is declared twice{where}")

    def _hosts(self, entries: list[Any], defaults: dict[str, Any]) -> list[Host]:
        hosts: list[Host] = []
        seen: dict[str, KeyPath] = {}
        for index, table in enumerate(entries):
            at: KeyPath = ("hosts", index)
            what = self._name_of("host", index, table)
            self._table(at, what, table, _HOST_FIELDS)
            self._require(at, what, table, "url")
            if "org" in table or "org_id" in table:
                org, org_id = table.get("org"), table.get("org_id")
            else:
                org, org_id = defaults.get("org"), defaults.get("org_id")
            token_env = table.get("token_env", defaults.get("token_env", DEFAULT_TOKEN_ENV))
            try:
                host = Host(
                    url=table["url"], org=org, org_id=org_id, token_env=token_env, name=table.get("name")
                )
            except ValueError as exc:
                raise self._value_error(at, what, exc, table) from None
            key_at = (*at, "name") if "name" in table else (*at, "url")
            if host.label in seen:
                raise self._duplicate(key_at, "host", host.label, seen[host.label])
            seen[host.label] = key_at
            hosts.append(host)
        return hosts

    def _patterns(
        self, at: KeyPath, what: str, table: dict[str, Any], hosts: list[Host]
    ) -> tuple[tuple[str, ...] | None, frozenset[str]]:
        """The entry's host patterns (None: every host) and the labels of the hosts they select."""
        labels = [h.label for h in hosts]
        if "hosts" not in table:
            return None, frozenset(labels)
        patterns = tuple(table["hosts"])
        for index, pattern in enumerate(patterns):
            if not any(fnmatch.fnmatchcase(label, pattern) for label in labels):
                hint = "" if hosts else " (the file declares no [[hosts]])"
                raise self.fail(
                    (*at, "hosts", index), f"{what}: host pattern {pattern!r} matches no host{hint}"
                )
        return patterns, frozenset(lb for lb in labels if _selects(patterns, lb))

    def _remotes(
        self, entries: list[Any], hosts: list[Host]
    ) -> tuple[list[DesiredRemote], dict[str, tuple[tuple[str, ...] | None, frozenset[str]]]]:
        remotes: list[DesiredRemote] = []
        selected: dict[str, tuple[tuple[str, ...] | None, frozenset[str]]] = {}
        seen: dict[str, KeyPath] = {}
        for index, table in enumerate(entries):
            at: KeyPath = ("remotes", index)
            what = self._name_of("remote", index, table)
            self._table(at, what, table, _REMOTE_FIELDS)
            self._require(at, what, table, "name")
            if "remote_url" not in table and "url" not in table:
                raise self.fail(at, f"{what}: missing required key 'remote_url' (or its older name 'url')")
            if "token_env" in table:
                try:
                    check_env_name(table["token_env"], "token_env")
                except ValueError as exc:
                    raise self.fail((*at, "token_env"), f"{what}: {exc}") from None
            fields = {k: v for k, v in table.items() if k != "hosts"}
            try:
                remote = DesiredRemote(**fields)
            except ValueError as exc:
                raise self._value_error(at, what, exc, fields) from None
            if remote.name in seen:
                raise self._duplicate((*at, "name"), "remote", remote.name, seen[remote.name])
            seen[remote.name] = (*at, "name")
            selected[remote.name] = self._patterns(at, what, table, hosts)
            remotes.append(remote)
        return remotes, selected

    def _replications(
        self,
        entries: list[Any],
        hosts: list[Host],
        remotes: list[DesiredRemote],
        remote_hosts: dict[str, tuple[tuple[str, ...] | None, frozenset[str]]],
    ) -> tuple[list[DesiredReplication], dict[str, tuple[tuple[str, ...] | None, frozenset[str]]]]:
        replications: list[DesiredReplication] = []
        selected: dict[str, tuple[tuple[str, ...] | None, frozenset[str]]] = {}
        seen: dict[str, KeyPath] = {}
        for index, table in enumerate(entries):
            at: KeyPath = ("replications", index)
            what = self._name_of("replication", index, table)
            self._table(at, what, table, _REPLICATION_FIELDS)
            self._require(at, what, table, "name", "remote", "local_bucket")
            fields = {k: v for k, v in table.items() if k != "hosts"}
            try:
                replication = DesiredReplication(**fields)
            except ValueError as exc:
                raise self._value_error(at, what, exc, fields) from None
            if replication.name in seen:
                raise self._duplicate((*at, "name"), "replication", replication.name, seen[replication.name])
            seen[replication.name] = (*at, "name")
            if replication.remote not in remote_hosts:
                declared = ", ".join(repr(r.name) for r in remotes) or "none"
                raise self.fail(
                    (*at, "remote"),
                    f"{what}: remote {replication.remote!r} is not declared in [[remotes]] "
                    f"(declared: {declared})",
                )
            patterns, labels = self._patterns(at, what, table, hosts)
            remote_labels = remote_hosts[replication.remote][1]
            missing = [h.label for h in hosts if h.label in labels and h.label not in remote_labels]
            if missing:
                raise self.fail(
                    (*at, "hosts") if "hosts" in table else (*at, "remote"),
                    f"{what} is selected for host {missing[0]!r}, but its remote {replication.remote!r} "
                    "is not (add the host to the remote's hosts, or narrow the replication's)",
                )
            selected[replication.name] = (patterns, labels)
            replications.append(replication)
        return replications, selected
