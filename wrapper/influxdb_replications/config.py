"""The import path ``influxdb_replications.config`` of :mod:`influxdb_replications.operations.fleet_file`.

The fleet file (TOML): :func:`load_fleet`, :func:`loads_fleet`, :class:`FleetConfig` and
:class:`ConfigError`. The same names are importable from ``influxdb_replications`` itself.
"""

from .operations.fleet_file import ConfigError, FleetConfig, load_fleet, loads_fleet

__all__ = ["ConfigError", "FleetConfig", "load_fleet", "loads_fleet"]
