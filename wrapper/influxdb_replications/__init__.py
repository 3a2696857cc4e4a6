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
    from .core.errors import (
        AlreadyExistsError,
        APIConnectionError,
        APIResponseValidationError,
        APIStatusError,
        APITimeoutError,
        BadRequestError,
        ConflictError,
        ForbiddenError,
        InfluxDBError,
        NotFoundError,
        RateLimitError,
        RemoteInUseError,
        ServerError,
        UnauthorizedError,
        UnprocessableEntityError,
        ValidationFailedError,
    )
    from .core.models import RemoteConnection, Replication
    from .core.retry import RetryPolicy
    from .operations.apply import ApplyError, DrainTimeoutError
    from .operations.changes import ApplyResult
    from .operations.desired import Change, DesiredRemote, DesiredReplication, DesiredState, Plan
    from .operations.fleet import Host, HostResult, fleet_apply, fleet_plan, fleet_status
    from .operations.fleet_file import ConfigError, FleetConfig, load_fleet, loads_fleet
    from .operations.fleet_rotate import fleet_rotate_token
    from .operations.health import Health, ReplicationStatus, SyncTimeoutError, assess
    from .operations.remotes import DataLossError, Remotes
    from .operations.replication_client import ReplicationClient
    from .operations.replications import Replications
    from .operations.rotate import RotationError, RotationOutcome, RotationResult

__all__ = [
    "APIConnectionError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AlreadyExistsError",
    "ApplyError",
    "ApplyResult",
    "BadRequestError",
    "Change",
    "ConfigError",
    "ConflictError",
    "DataLossError",
    "DesiredRemote",
    "DesiredReplication",
    "DesiredState",
    "DrainTimeoutError",
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
    "RotationError",
    "RotationOutcome",
    "RotationResult",
    "ServerError",
    "SyncTimeoutError",
    "UnauthorizedError",
    "UnprocessableEntityError",
    "ValidationFailedError",
    "assess",
    "fleet_apply",
    "fleet_plan",
    "fleet_rotate_token",
    "fleet_status",
    "load_fleet",
    "loads_fleet",
]

# the module that defines each public name (tests check that this covers __all__)
_MODULES = {
    ".operations.replication_client": ("ReplicationClient",),
    ".core.errors": (
        "APIConnectionError",
        "APIResponseValidationError",
        "APIStatusError",
        "APITimeoutError",
        "AlreadyExistsError",
        "BadRequestError",
        "ConflictError",
        "DataLossError",
        "ForbiddenError",
        "InfluxDBError",
        "NotFoundError",
        "RateLimitError",
        "RemoteInUseError",
        "ServerError",
        "UnauthorizedError",
        "UnprocessableEntityError",
        "ValidationFailedError",
    ),
    ".operations.apply": ("ApplyError", "DrainTimeoutError"),
    ".operations.changes": ("ApplyResult",),
    ".operations.health": ("Health", "ReplicationStatus", "SyncTimeoutError", "assess"),
    ".core.models": ("RemoteConnection", "Replication"),
    ".core.retry": ("RetryPolicy",),
    ".operations.fleet_file": ("ConfigError", "FleetConfig", "load_fleet", "loads_fleet"),
    ".operations.desired": ("Change", "DesiredRemote", "DesiredReplication", "DesiredState", "Plan"),
    ".operations.fleet": ("Host", "HostResult", "fleet_apply", "fleet_plan", "fleet_status"),
    ".operations.remotes": ("DataLossError", "Remotes"),
    ".operations.rotate": ("RotationError", "RotationOutcome", "RotationResult"),
    ".operations.fleet_rotate": ("fleet_rotate_token",),
    ".operations.replications": ("Replications",),
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
