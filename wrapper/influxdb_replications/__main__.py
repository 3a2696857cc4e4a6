"""``python -m influxdb_replications``: the same command line as ``influxdb-replications``."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
