"""The fake's writer leaves no socket behind when an attempt is cancelled in the middle of a TLS handshake.

The engine cancels a sender that is connecting when the fake stops; httpcore closes a stream whose
handshake fails with an error but not one whose handshake is cancelled, so the writer has to (see
`_TLSSafeStream`). Before that, the socket was found by the garbage collector in a later test
(tests/conformance/test_tls.py: "unclosed transport" after the untrusted-remote test).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc

from influxdb_replications.testing._remote import RemoteTarget, RemoteWriter


async def test_a_write_cancelled_during_the_tls_handshake_closes_its_socket() -> None:
    """A remote that accepts the TCP connection but never answers the ClientHello; the write is cancelled."""
    accepted = asyncio.Event()
    peers: list[asyncio.StreamWriter] = []

    async def silent(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peers.append(writer)
        accepted.set()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    writer = RemoteWriter(10.0)
    target = RemoteTarget(f"https://127.0.0.1:{port}", "token", "0000000000000001", "b", True)
    attempt = asyncio.create_task(writer.post_write(target, b"cpu v=1", gzipped=False))
    await asyncio.wait_for(accepted.wait(), 10)
    await asyncio.sleep(0.05)  # the ClientHello is out; the client waits for the ServerHello
    assert not attempt.done()
    attempt.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await attempt
    await writer.aclose()
    for peer in peers:
        peer.close()
    server.close()
    await server.wait_closed()
    await asyncio.sleep(0)  # the transport's connection_lost callback closes the socket
    gc.collect()  # an unclosed socket would be reported here, as a ResourceWarning (an error in this suite)
