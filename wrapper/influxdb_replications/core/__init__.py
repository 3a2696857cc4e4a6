"""The core: the client's configuration, lifecycle and one request path, its errors, retries and senders.

Imports nothing from the layers above it (resources, operations, cli). Not a public import path: the public
names are re-exported by ``influxdb_replications``.
"""
