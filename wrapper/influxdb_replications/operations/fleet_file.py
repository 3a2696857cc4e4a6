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
no host. ``tomllib`` does not report positions, so :class:`Locator` takes them from tree-sitter's TOML
grammar (``tree-sitter-toml``): every table header, key and array element, with the line it starts on.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from .fleet_checks import Loader
from .fleet_config import ConfigError, FleetConfig
from .toml_lines import Locator

__all__ = ["ConfigError", "FleetConfig", "load_fleet", "loads_fleet"]


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
    return Loader(doc, Locator(text), path).load()


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
