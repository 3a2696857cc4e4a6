"""A fake InfluxDB OSS 2.x server for tests: a test double, never a production database.

`FakeInfluxDB` serves the Remote Connections (`/api/v2/remotes`) and Replications
(`/api/v2/replications`) APIs on a real socket on 127.0.0.1, reproducing the real server's status
codes, messages, order of checks and byte-level JSON (tab-indented bodies, the capitalised
`RemoteBucketName` key, `null` lists, and so on). Around them it serves just enough of InfluxDB for a
client and for replication: `/api/v2/orgs`, `/api/v2/buckets`, `/api/v2/write` (line protocol, kept in
memory per bucket), `/health`, `/ping` and `/ready`. Everything lives in memory and is lost on stop.

Example::

    async with FakeInfluxDB(token="my-token", org="my-org", buckets=["edge-bucket"]) as fake:
        fake.url                        # "http://127.0.0.1:<free port>"
        fake.org_id                     # 16 lower-case hex digits
        fake.bucket_id("edge-bucket")
        await fake.points("edge-bucket")  # list[Point]

Replication really runs: a write to a bucket is queued (gzipped line protocol) for each of the
bucket's replications, and a background task per replication posts it to the remote's
`/api/v2/write`, with the server's retry rules (only 204 is success; 400 is dropped only with
`dropNonRetryableData`; 429 honours `Retry-After`; backoff 0.25 s doubling up to 256 s, then 15 min;
a new local write wakes the sender at once). Two fakes replicate into each other over loopback.
Validation (`?validate=true`, `POST /replications/{id}/validate`) contacts the remote too.

Constructor knobs meant for tests:

* `remote_timeout` (seconds, default 120): the timeout of each request the fake sends to a remote.
* `backoff_scale` (default 1.0): multiplies the sender's backoff waits; e.g. 0.01 makes retries
  near-instant. Positive `Retry-After` values on 429 are always honoured as sent.
* `purge_interval` (seconds, default 60): how often queued blocks older than the replication's
  effective max age are dropped (v2.9 rules; the age is fixed when the replication is created).
* `ssl_context` (default None: plain HTTP): a server-side `ssl.SSLContext`; the fake then serves HTTPS
  and its `url` starts with `https://`. `FakeCA` makes one from a test CA made on the fly (trustme).
* `remote_ca_file` (default None): a PEM file of CAs that the replication engine trusts, besides the
  host's trust store, when it writes to (or validates) an HTTPS remote, as a private CA installed on the
  edge's host would be. An untrusted certificate fails the write with code 0 and the real writer's
  `... tls: failed to verify certificate: x509: ...` text; a remote with `allowInsecureTLS` skips the
  check, as the server does.
* `keep_unknown_fields` (default False): keep the unknown top-level keys of remote and replication
  create/update bodies and return them in that object's JSON, as a newer server that knows a new spec
  field would (the real server ignores unknown keys; off by default for the same reason).

Fault injection, applied before authentication to the next matching requests (method None = any,
path None = any, else an fnmatch glob on the URL path such as "/api/v2/replications*"):

* `fail_next(n, status=..., retry_after=..., body=..., content_type=...)`: answer with that status;
  without `body`, an InfluxDB-style JSON error whose code fits the status (503 -> "unavailable").
* `hang_next(n, seconds=...)`: wait, then answer normally.
* `drop_next(n, after_handler=False)`: close the connection without a response (an httpx client sees
  `httpx.RemoteProtocolError`); with `after_handler=True` the request is handled first, so a create
  is stored although the client never hears about it.
* `clear_faults()`.

Other helpers: `create_bucket`, `create_org`, `create_token(permissions)` and `revoke_token(token)` (at
run time: a remote's token rotated on the cloud side), `request_log` (a list of `RequestRecord`, with the
Authorization value redacted) and `clear_request_log()`. To reach two failures
that are slow or impossible to reach through the API: `pad_queue(replication_id, size_bytes)` adds one
block of that size that holds no points (a full queue without writing 32 MiB), and
`lose_queue(replication_id)` removes a replication's queue but keeps the replication (its lists, gets and
deletes then answer 500 `durable queue not found ...`, as the real server does).

Standalone: `python -m influxdb_replications.testing --port 8086 --token T --org O --bucket B`
(add `--tls-cert server.pem --tls-key server.key` to serve HTTPS).

Not implemented: Flux queries, tasks, users, sessions and labels; the `_monitoring` and `_tasks`
system buckets; persistence of queues across restarts; Prometheus metrics; the kv telemetry counters.
"""

from ._certs import FakeCA
from ._lineprotocol import Point
from ._server import FakeInfluxDB, RequestRecord

__all__ = ["FakeCA", "FakeInfluxDB", "Point", "RequestRecord"]
