"""Operations built on the resources: desired state, plan/apply, fleets and the fleet file.

Also ``ReplicationClient`` itself, which puts the core, the resources and plan/apply together. Not a public
import path: the public names are re-exported by ``influxdb_replications`` (``influxdb_replications.fleet``
and ``influxdb_replications.config`` keep their module paths).
"""
