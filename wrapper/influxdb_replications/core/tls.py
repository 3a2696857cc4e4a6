"""TLS for the client: the context built from verify= and cert=, and the words for an untrusted server.

Both senders get what ``tls_context`` returns (``False`` or an ``ssl.SSLContext``), so the two backends
trust the same CAs:

* ``verify=True``: httpx's default context (certifi's bundle; ``SSL_CERT_FILE`` or ``SSL_CERT_DIR`` when
  set), built once per value of those two variables and shared by every client (building one costs ~20 ms).
* ``verify="ca.pem"`` (a PEM bundle) or a directory of hashed CA files: only those CAs.
* ``verify=ssl_context``: used as it is (``cert=`` cannot be added to it: load it into the context).
* ``verify=False``: no certificate check at all.

``cert=`` (mutual TLS) is the client certificate: a PEM file holding the certificate and its key, or a
``(cert_file, key_file)`` pair. Every bad argument is a ``ValueError`` that names it, raised at
construction, before any request.

A certificate the server presents and the client does not trust cannot heal by repeating the request:
``untrusted_certificate`` finds it in a transport failure, the senders word the error with
``untrusted_message`` and mark it ``Failure.FINAL``, so the retry table (``core/retry.py``) never repeats it.
"""

from __future__ import annotations

import functools
import os
import ssl

import httpx

__all__ = ["ClientCert", "Verify", "tls_context", "untrusted_certificate", "untrusted_message"]

Verify = bool | str | os.PathLike[str] | ssl.SSLContext
ClientCert = str | os.PathLike[str] | tuple[str | os.PathLike[str], str | os.PathLike[str]]


@functools.cache
def _default_context(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    del cert_file, cert_dir  # the cache key: httpx reads both variables itself
    return httpx.create_ssl_context()


def default_context() -> ssl.SSLContext:
    """httpx's default verifying context, one per value of SSL_CERT_FILE and SSL_CERT_DIR."""
    return _default_context(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


def _path(value: str | os.PathLike[str], argument: str) -> str:
    path = os.fspath(value)
    if not path:
        raise ValueError(f"{argument} must not be an empty path")
    if os.path.isdir(path):
        return path
    try:
        with open(path, "rb"):
            pass
    except OSError as exc:
        raise ValueError(f"{argument}: cannot read {path!r}: {exc.strerror or exc}") from None
    return path


def _ca_context(value: str | os.PathLike[str]) -> ssl.SSLContext:
    path = _path(value, "verify")
    try:
        if os.path.isdir(path):
            return ssl.create_default_context(capath=path)
        return ssl.create_default_context(cafile=path)
    except ssl.SSLError as exc:
        raise ValueError(f"verify: {path!r} is not a PEM file of CA certificates ({exc.reason})") from None


def _unverified_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _load_cert(context: ssl.SSLContext, cert: ClientCert) -> None:
    if isinstance(cert, tuple) and len(cert) == 2:
        cert_file, key_file = _path(cert[0], "cert"), _path(cert[1], "cert (key file)")
    elif isinstance(cert, str | os.PathLike) and not isinstance(cert, bool):
        cert_file, key_file = _path(cert, "cert"), None
    else:
        raise ValueError(
            "cert must be a PEM file with the client certificate and its key, or a (cert_file, key_file) "
            f"pair, got {type(cert).__name__}"
        )
    try:
        context.load_cert_chain(cert_file, key_file)
    except ssl.SSLError as exc:
        where = cert_file if key_file is None else f"{cert_file!r} and {key_file!r}"
        if "KEY_VALUES_MISMATCH" in str(exc):
            raise ValueError(f"cert: the private key does not match the certificate ({where})") from None
        raise ValueError(f"cert: cannot load a certificate and its key from {where} ({exc.reason})") from None


def tls_context(verify: object, cert: object = None) -> bool | ssl.SSLContext:
    """What the senders verify the server with: ``False`` or an ``ssl.SSLContext``.

    Args:
        verify: True, False, a CA bundle path (or a directory of CA files) or an ``ssl.SSLContext``.
        cert: None, or the client certificate for mutual TLS (see the module docstring).

    Raises:
        ValueError: a ``verify`` or ``cert`` of the wrong type, a file that is missing, unreadable or not
            PEM, a key that does not match its certificate, or ``cert`` with an ``ssl.SSLContext``.
    """
    if isinstance(verify, ssl.SSLContext):
        if cert is not None:
            raise ValueError(
                "cert cannot be combined with verify=ssl.SSLContext: load the client certificate into "
                "that context (context.load_cert_chain(...))"
            )
        return verify
    if isinstance(verify, bool):
        if cert is None:
            return default_context() if verify else False
        context = httpx.create_ssl_context() if verify else _unverified_context()
    elif isinstance(verify, str | os.PathLike):
        context = _ca_context(verify)
    else:
        raise ValueError(
            f"verify must be True, False, a CA bundle path or an ssl.SSLContext, got {type(verify).__name__}"
        )
    if cert is not None:
        _load_cert(context, cert)  # type: ignore[arg-type]  # checked inside
    return context


def untrusted_certificate(exc: BaseException | None) -> ssl.SSLCertVerificationError | None:
    """The certificate verification failure behind a transport error (in its cause chain), if any."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        # aiohttp's ClientConnectorCertificateError subclasses ssl.CertificateError itself but keeps the
        # details on the error it wraps
        found = getattr(exc, "certificate_error", None)
        if isinstance(found, ssl.SSLCertVerificationError):
            return found
        if isinstance(exc, ssl.SSLCertVerificationError):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def untrusted_message(exc: BaseException, method: str, path: str) -> str | None:
    """The error message for a server certificate the client does not trust; None for other failures."""
    failure = untrusted_certificate(exc)
    if failure is None:
        return None
    reason = failure.verify_message or failure.reason or "certificate verify failed"
    return (
        f"{method} {path}: the server's TLS certificate was not trusted ({reason}). Pass the CA that signed "
        'it: verify="/path/to/ca.pem" (a PEM bundle) or an ssl.SSLContext, or set SSL_CERT_FILE (the CLI '
        "reads it too); verify=False (CLI --skip-verify) turns the check off, for tests only"
    )
