"""FakeCA: a test certificate authority made on the fly (trustme), and the files and contexts it signs."""

from __future__ import annotations

import ssl
from pathlib import Path


class FakeCA:
    """A test CA with a server certificate for 127.0.0.1 and localhost, written as PEM files to a folder.

    Example::

        ca = FakeCA(tmp_path)
        async with FakeInfluxDB(ssl_context=ca.server_context()) as fake:
            async with ReplicationClient(url=fake.url, token=fake.token, org=fake.org, verify=ca.ca_file):
                ...

    Attributes:
        ca_file: The CA certificate (PEM): what a client or an edge must trust.
        cert_file: The server certificate chain (PEM), for ``--tls-cert``.
        key_file: The server's private key (PEM), for ``--tls-key``.

    Needs trustme (in the ``testing`` extra). Never use these certificates outside tests.
    """

    def __init__(self, directory: str | Path, *, hosts: tuple[str, ...] = ("127.0.0.1", "localhost")) -> None:
        try:
            import trustme
        except ImportError:  # pragma: no cover - the testing extra brings it
            raise RuntimeError("FakeCA needs trustme: pip install 'influxdb-replications[testing]'") from None
        self._directory = Path(directory)
        self._directory.mkdir(parents=True, exist_ok=True)
        self._ca = trustme.CA()
        self._server = self._ca.issue_cert(*hosts)
        self.ca_file = self._directory / "ca.pem"
        self.cert_file = self._directory / "server.pem"
        self.key_file = self._directory / "server.key"
        self._ca.cert_pem.write_to_path(str(self.ca_file))
        self._server.private_key_and_cert_chain_pem.write_to_path(str(self.cert_file))
        self._server.private_key_pem.write_to_path(str(self.key_file))

    def __repr__(self) -> str:
        return f"<FakeCA in {str(self._directory)!r}>"

    def server_context(self, *, require_client_cert: bool = False) -> ssl.SSLContext:
        """A server-side context for ``FakeInfluxDB(ssl_context=...)``.

        Args:
            require_client_cert: Ask every client for a certificate signed by this CA (mutual TLS); a
                client without one fails the handshake.
        """
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._server.configure_cert(context)
        if require_client_cert:
            context.verify_mode = ssl.CERT_REQUIRED
            self._ca.configure_trust(context)
        return context

    def client_cert(self, name: str = "client") -> tuple[Path, Path]:
        """Issue a client certificate (for mutual TLS) and return its ``(cert_file, key_file)`` paths."""
        issued = self._ca.issue_cert(f"{name}@example.invalid")
        cert_file = self._directory / f"{name}.pem"
        key_file = self._directory / f"{name}.key"
        issued.cert_chain_pems[0].write_to_path(str(cert_file))
        issued.private_key_pem.write_to_path(str(key_file))
        return cert_file, key_file
