"""Run a FakeInfluxDB until Ctrl-C or SIGTERM: `python -m influxdb_replications.testing --help`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import ssl
import sys
from collections.abc import Sequence

from ._server import FakeInfluxDB


def build_parser() -> argparse.ArgumentParser:
    """The command-line options."""
    parser = argparse.ArgumentParser(
        prog="python -m influxdb_replications.testing",
        description="Run a fake InfluxDB OSS 2.x (a test double, never a production database).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8086, help="port, 0: any free (default: %(default)s)")
    parser.add_argument("--token", default=None, help="operator token (default: a random one, printed once)")
    parser.add_argument("--org", default="my-org", help="org name (default: %(default)s)")
    parser.add_argument(
        "--bucket",
        action="append",
        dest="buckets",
        metavar="NAME",
        help="bucket to create; repeat for more (default: my-bucket)",
    )
    parser.add_argument("--tls-cert", metavar="PEM", help="serve HTTPS with this certificate chain (PEM)")
    parser.add_argument(
        "--tls-key", metavar="PEM", help="the private key of --tls-cert (default: in that file)"
    )
    parser.add_argument(
        "--remote-ca-file", metavar="PEM", help="CAs the replication engine trusts besides the system's"
    )
    return parser


def server_context(cert: str | None, key: str | None) -> ssl.SSLContext | None:
    """The server-side TLS context of --tls-cert/--tls-key, or None for plain HTTP.

    Raises:
        ValueError: --tls-key without --tls-cert, or files that cannot be loaded (the message names them).
    """
    if cert is None:
        if key is not None:
            raise ValueError("--tls-key needs --tls-cert")
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(cert, key)
    except ssl.SSLError as exc:
        raise ValueError(
            f"--tls-cert {cert!r} / --tls-key {key!r}: not a certificate and its matching key ({exc.reason})"
        ) from None
    except OSError as exc:  # after SSLError, which is an OSError too
        raise ValueError(f"--tls-cert {cert!r} / --tls-key {key!r}: {exc.strerror or exc}") from None
    return context


def banner(fake: FakeInfluxDB, buckets: Sequence[str]) -> str:
    """The one line printed at start: URL, org ID, bucket IDs, and the token only when it was generated."""
    parts = [f"FakeInfluxDB listening on {fake.url}", f"org={fake.org} orgID={fake.org_id}"]
    parts += [f"bucket={name} bucketID={fake.bucket_id(name)}" for name in buckets]
    if fake.token_generated:
        parts.append(f"token={fake.token}")
    return " ".join(parts)


async def serve(args: argparse.Namespace) -> None:
    """Start the fake, print the banner, and wait for a stop signal."""
    buckets: list[str] = args.buckets or ["my-bucket"]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    fake = FakeInfluxDB(
        token=args.token,
        org=args.org,
        buckets=buckets,
        host=args.host,
        port=args.port,
        ssl_context=server_context(args.tls_cert, args.tls_key),
        remote_ca_file=args.remote_ca_file,
    )
    async with fake:
        print(banner(fake, buckets), flush=True)
        await stop.wait()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:  # bad TLS files are reported before anything starts
        server_context(args.tls_cert, args.tls_key)
        FakeInfluxDB(remote_ca_file=args.remote_ca_file)
    except ValueError as exc:
        parser.error(str(exc))
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
