"""The import path ``influxdb_replications.fleet`` of :mod:`influxdb_replications.operations.fleet`.

Many servers at once: :class:`Host`, :class:`HostResult`, :func:`fleet_plan`, :func:`fleet_apply` and
:func:`fleet_status`, and token rotation, :func:`fleet_rotate_token`. The same names are importable
from ``influxdb_replications`` itself.
"""

from .operations.fleet import Host, HostResult, fleet_apply, fleet_plan, fleet_status
from .operations.fleet_rotate import fleet_rotate_token

__all__ = ["Host", "HostResult", "fleet_apply", "fleet_plan", "fleet_rotate_token", "fleet_status"]
