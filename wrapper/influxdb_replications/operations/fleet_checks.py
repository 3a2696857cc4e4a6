"""The fleet file's checks: the keys each table may have, their types and values, and building the
:class:`~influxdb_replications.operations.fleet_config.FleetConfig` from a parsed document.
"""

from __future__ import annotations

import datetime
import fnmatch
import re
from collections.abc import Sequence
from typing import Any

from ..core.args import check_id, check_name
from .desired import DesiredRemote, DesiredReplication
from .fleet import DEFAULT_TOKEN_ENV, Host, check_env_name
from .fleet_config import ConfigError, FleetConfig, selects
from .legacy_fields import REMOTE, REPLICATION
from .toml_lines import Key, KeyPath, Locator

__all__ = ["Loader"]

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


class Loader:
    """Checks a parsed document and builds the FleetConfig; every error goes through :meth:`fail`."""

    def __init__(self, doc: dict[str, Any], locator: Locator, path: str) -> None:
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
        return patterns, frozenset(lb for lb in labels if selects(patterns, lb))

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
