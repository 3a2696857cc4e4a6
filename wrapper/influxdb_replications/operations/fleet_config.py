"""What loading a fleet file gives: :class:`FleetConfig`, or a :class:`ConfigError` with its line."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass

from .desired import DesiredRemote, DesiredReplication, DesiredState
from .fleet import Host

__all__ = ["ConfigError", "FleetConfig", "selects"]


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
            tuple(r for r in self.remotes if selects(self.remote_hosts[r.name], label)),
            tuple(r for r in self.replications if selects(self.replication_hosts[r.name], label)),
        )


def selects(patterns: tuple[str, ...] | None, label: str) -> bool:
    return patterns is None or any(fnmatch.fnmatchcase(label, p) for p in patterns)
