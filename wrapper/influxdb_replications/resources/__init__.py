"""The resources: ``client.remotes`` and ``client.replications``, built on the core.

They import only from the core; operations and the CLI build on them. Not a public import path: the public
names are re-exported by ``influxdb_replications``.
"""
