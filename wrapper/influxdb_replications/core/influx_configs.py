"""The influx CLI's connection profiles (``~/.influxdbv2/configs``): read one, the active one by default.

The file is TOML with one table per profile, as ``influx config create`` writes it::

    [default]
      url = "http://localhost:8086"
      token = "..."
      org = "my-org"
      active = true

    [edge-01]
      url = "http://edge-01:8086"
      token = "..."
      org = "edge"

Where it is: ``path`` if given, else ``INFLUX_CONFIGS_PATH``, else ``~/.influxdbv2/configs``. Which
profile: ``name`` if given, else ``INFLUX_ACTIVE_CONFIG``, else the one with ``active = true`` (else the only
one, else the one named ``default``). The ``previous`` key and any other key are ignored, as ``influx``
does.

Every problem is an :class:`InfluxConfigError` (a ``ValueError``) that names the file, and the line where
TOML says: a file that is missing (when it was asked for), unreadable, not TOML, a profile that is not a
table or has a wrong type, an unknown profile name. A token read from the file is never shown in a
message or a repr.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "Connection",
    "InfluxConfigError",
    "InfluxProfile",
    "configs_path",
    "read_profile",
    "resolve_connection",
]

CONFIGS_PATH_ENV = "INFLUX_CONFIGS_PATH"
ACTIVE_CONFIG_ENV = "INFLUX_ACTIVE_CONFIG"

_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


class InfluxConfigError(ValueError):
    """The influx CLI's configs file cannot give the profile asked for; the message names the file.

    Attributes:
        path: The configs file.
        line: The line TOML reported, or None.
    """

    def __init__(self, path: str, line: int | None, reason: str) -> None:
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {reason}")
        self.path = path
        self.line = line


@dataclass(frozen=True, slots=True)
class InfluxProfile:
    """One profile of the influx CLI's configs file. The token is kept out of the repr.

    Attributes:
        name: The profile's name (its table's name).
        path: The file it was read from.
        url: The server URL, or None when the profile has none.
        token: The API token, or None.
        org: The org name, or None.
    """

    name: str
    path: str
    url: str | None = None
    token: str | None = field(default=None, repr=False)
    org: str | None = None


def configs_path(path: str | os.PathLike[str] | None = None) -> tuple[Path, bool]:
    """Where the configs file is, and whether it was asked for (argument or ``INFLUX_CONFIGS_PATH``).

    Args:
        path: An explicit path (e.g. ``--configs-path``); None for the environment, then the default.
    """
    if path is not None:
        return Path(path).expanduser(), True
    from_env = os.environ.get(CONFIGS_PATH_ENV)
    if from_env:
        return Path(from_env).expanduser(), True
    return Path("~/.influxdbv2/configs").expanduser(), False


def read_profile(
    name: str | None = None,
    path: str | os.PathLike[str] | None = None,
    *,
    required: bool = True,
) -> InfluxProfile | None:
    """Read one profile of the influx CLI's configs file.

    Args:
        name: The profile; None for ``INFLUX_ACTIVE_CONFIG``, else the active one.
        path: The file; None for ``INFLUX_CONFIGS_PATH``, else ``~/.influxdbv2/configs``.
        required: When False, a default file that does not exist (no path, no variable and no name given)
            gives None instead of an error: most machines have no influx CLI.

    Returns:
        The profile, or None (see ``required``; also when the file has no profile and none was named).

    Raises:
        InfluxConfigError: the file is missing (when asked for), unreadable or malformed, or it has no
            profile of that name.
    """
    file, explicit = configs_path(path)
    if name is None:
        name = os.environ.get(ACTIVE_CONFIG_ENV) or None
    shown = str(file)
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        if not required and not explicit and name is None:
            return None
        raise InfluxConfigError(shown, None, "no such file (the influx CLI's configs)") from None
    except OSError as exc:
        raise InfluxConfigError(shown, None, f"cannot read it: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InfluxConfigError(shown, line, "the file is not valid UTF-8") from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _POSITION.search(message)
        if match is None:
            raise InfluxConfigError(shown, None, f"invalid TOML: {message}") from None
        reason = f"invalid TOML: {message[: match.start()]} (column {match.group(2)})"
        raise InfluxConfigError(shown, int(match.group(1)), reason) from None
    for key, value in doc.items():
        if not isinstance(value, dict):
            raise InfluxConfigError(shown, _line_of(text, key), f"{key!r} is not a profile table")
    chosen = _choose(doc, name, shown)
    if chosen is None:
        return None
    return _profile(chosen, doc[chosen], shown, text)


def _choose(doc: dict[str, dict[str, object]], name: str | None, shown: str) -> str | None:
    if name is not None:
        if name not in doc:
            known = ", ".join(sorted(doc)) or "none"
            raise InfluxConfigError(shown, None, f"no profile named {name!r} (profiles: {known})")
        return name
    active = [key for key, table in doc.items() if table.get("active") is True]
    if active:
        return active[0]
    if len(doc) == 1:
        return next(iter(doc))
    return "default" if "default" in doc else None


def _profile(name: str, table: dict[str, object], shown: str, text: str) -> InfluxProfile:
    values: dict[str, str | None] = {}
    for key in ("url", "token", "org"):
        value = table.get(key)
        if value is not None and not isinstance(value, str):
            # never echo the value: it may be the token
            raise InfluxConfigError(
                shown, _line_of(text, key, after=name), f"[{name}] {key} must be a string"
            )
        values[key] = value or None
    return InfluxProfile(name=name, path=shown, url=values["url"], token=values["token"], org=values["org"])


def _line_of(text: str, key: str, *, after: str | None = None) -> int | None:
    """The line of a table header ``[key]``, or of ``key =`` inside table ``after`` (best effort)."""
    lines = text.splitlines()
    start = 0
    if after is not None:
        header = re.compile(rf"\s*\[\s*[\"']?{re.escape(after)}[\"']?\s*\]")
        start = next((i for i, line in enumerate(lines) if header.match(line)), 0)
    pattern = re.compile(rf"\s*(\[\s*)?[\"']?{re.escape(key)}[\"']?\s*(\]|=)")
    for index in range(start, len(lines)):
        if pattern.match(lines[index]):
            return index + 1
    return None


@dataclass(frozen=True, slots=True)
class Connection:
    """Where to connect, after flags, the environment and a profile had their say. Token not in repr."""

    url: str | None
    token: str | None = field(repr=False)
    org: str | None
    org_id: str | None
    profile: InfluxProfile | None = None


def resolve_connection(
    *,
    url: str | None = None,
    token: str | None = None,
    org: str | None = None,
    org_id: str | None = None,
    profile_name: str | None = None,
    path: str | os.PathLike[str] | None = None,
    required: bool = False,
) -> Connection:
    """The influx CLI's precedence: the values given, then INFLUX_HOST/INFLUX_TOKEN/INFLUX_ORG(_ID), then
    the profile.

    The configs file is read only when a value is still missing, or a profile or path was asked for
    (argument or environment); a default file that does not exist is then no error unless ``required``.

    Raises:
        InfluxConfigError: see :func:`read_profile`.
    """
    env = os.environ
    url = url or env.get("INFLUX_HOST") or None
    token = token or env.get("INFLUX_TOKEN") or None
    if org is None and org_id is None:
        org_id = env.get("INFLUX_ORG_ID") or None
        org = None if org_id else env.get("INFLUX_ORG") or None
    asked = required or profile_name is not None or path is not None
    asked = asked or bool(env.get(ACTIVE_CONFIG_ENV) or env.get(CONFIGS_PATH_ENV))
    profile = None
    if asked or url is None or token is None or (org is None and org_id is None):
        profile = read_profile(profile_name, path, required=asked)
    if profile is not None:
        url = url or profile.url
        token = token or profile.token
        if org is None and org_id is None:
            org = profile.org
    return Connection(url=url, token=token, org=org, org_id=org_id, profile=profile)
