"""Async client for the InfluxDB OSS v2 Replications and Remote Connections APIs.

Start with :class:`ReplicationClient`; its resources are ``client.remotes`` and ``client.replications``.
Fleet-wide work (many servers at once) is in :mod:`influxdb_replications.fleet`, the desired-state file in
:mod:`influxdb_replications.config`, the command line in :mod:`influxdb_replications.cli`.

The public names are loaded on first use (PEP 562): ``import influxdb_replications`` costs almost nothing,
and a program pays for httpx and the generated layer only when it touches the client.
"""

# Only underscored names besides the public ones: the package namespace is the public API.
import importlib as _importlib
import typing as _typing

from ._version import __version__ as __version__

if _typing.TYPE_CHECKING:
    from ._client import ReplicationClient
    from ._errors import (
        AlreadyExistsError,
        APIConnectionError,
        APIResponseValidationError,
        APIStatusError,
        APITimeoutError,
        ApplyError,
        BadRequestError,
        ConflictError,
        ForbiddenError,
        InfluxDBError,
        NotFoundError,
        RateLimitError,
        RemoteInUseError,
        ServerError,
        SyncTimeoutError,
        UnauthorizedError,
        UnprocessableEntityError,
        ValidationFailedError,
    )
    from ._health import Health, ReplicationStatus, assess
    from ._models import RemoteConnection, Replication
    from ._retry import RetryPolicy
    from .config import ConfigError, FleetConfig, load_fleet, loads_fleet
    from .desired import Change, DesiredRemote, DesiredReplication, DesiredState, Plan
    from .fleet import Host, HostResult, fleet_apply, fleet_plan, fleet_status
    from .remotes import Remotes
    from .replications import Replications

__all__ = [
    "APIConnectionError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AlreadyExistsError",
    "ApplyError",
    "BadRequestError",
    "Change",
    "ConfigError",
    "ConflictError",
    "DesiredRemote",
    "DesiredReplication",
    "DesiredState",
    "FleetConfig",
    "ForbiddenError",
    "Health",
    "Host",
    "HostResult",
    "InfluxDBError",
    "NotFoundError",
    "Plan",
    "RateLimitError",
    "RemoteConnection",
    "RemoteInUseError",
    "Remotes",
    "Replication",
    "ReplicationClient",
    "ReplicationStatus",
    "Replications",
    "RetryPolicy",
    "ServerError",
    "SyncTimeoutError",
    "UnauthorizedError",
    "UnprocessableEntityError",
    "ValidationFailedError",
    "assess",
    "fleet_apply",
    "fleet_plan",
    "fleet_status",
    "load_fleet",
    "loads_fleet",
]

# the module that defines each public name (tests check that this covers __all__)
_MODULES = {
    "._client": ("ReplicationClient",),
    "._errors": (
        "APIConnectionError",
        "APIResponseValidationError",
        "APIStatusError",
        "APITimeoutError",
        "AlreadyExistsError",
        "ApplyError",
        "BadRequestError",
        "ConflictError",
        "ForbiddenError",
        "InfluxDBError",
        "NotFoundError",
        "RateLimitError",
        "RemoteInUseError",
        "ServerError",
        "SyncTimeoutError",
        "UnauthorizedError",
        "UnprocessableEntityError",
        "ValidationFailedError",
    ),
    "._health": ("Health", "ReplicationStatus", "assess"),
    "._models": ("RemoteConnection", "Replication"),
    "._retry": ("RetryPolicy",),
    ".config": ("ConfigError", "FleetConfig", "load_fleet", "loads_fleet"),
    ".desired": ("Change", "DesiredRemote", "DesiredReplication", "DesiredState", "Plan"),
    ".fleet": ("Host", "HostResult", "fleet_apply", "fleet_plan", "fleet_status"),
    ".remotes": ("Remotes",),
    ".replications": ("Replications",),
}
_WHERE = {name: module for module, names in _MODULES.items() for name in names}


def __getattr__(name: str) -> _typing.Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_importlib.import_module(where, __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
