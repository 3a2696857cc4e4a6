"""ReplicationClient: the core (``core/client.py``) with its resources and the declarative operations.

The layers, bottom up: ``core`` (configuration, lifecycle, the one request path), the resources
(``remotes``, ``replications``, which take the core), then this class, which puts them together, with
the health operations on ``client.replications`` (``replications.py``) and the cascade delete's consent
and drain and token rotation on ``client.remotes`` (``remotes.py``), and adds ``plan``/``apply``
(``operations/plan.py`` and ``operations/apply.py``, loaded on first use).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any, Self

from ..core.client import Core
from ..core.influx_configs import resolve_connection
from .remotes import Remotes
from .replications import Replications

if TYPE_CHECKING:  # only for annotations: the declarative part loads on first use
    from .changes import ApplyResult
    from .desired import DesiredRemote, DesiredState, Plan
    from .drain import Progress

__all__ = ["ReplicationClient"]


class ReplicationClient(Core):
    """Async client for the InfluxDB OSS v2 Replications and Remote Connections APIs.

    Use it as ``async with ReplicationClient(...) as client:`` (or call ``aclose()`` yourself). The
    resources are ``client.remotes`` and ``client.replications``.

    Args:
        url: The server URL, e.g. "http://localhost:8086" (any path prefix is kept; the client adds
            /api/v2). Defaults to env INFLUX_HOST, then http://localhost:8086.
        token: The API token. Defaults to env INFLUX_TOKEN; missing -> ValueError.
        org: The org name, resolved once via GET /api/v2/orgs?org=. Defaults to env INFLUX_ORG.
        org_id: The org ID (16 hex digits), used directly; wins over ``org``. Defaults to env
            INFLUX_ORG_ID. Without either, calls that need an org (list, find, create, name look-ups)
            raise ValueError; get/update/delete work.
        timeout: Seconds (float) or an httpx.Timeout, for every request; each method takes ``timeout=``
            to override it for one call.
        retry: The RetryPolicy (default ``RetryPolicy()``); ``RetryPolicy(max_attempts=1)`` disables
            retries.
        transport: Any httpx.AsyncBaseTransport (tests, proxies, custom pools); httpx backend only.
        verify: TLS verification: True (certifi's CAs, or ``SSL_CERT_FILE``/``SSL_CERT_DIR`` when set),
            False, the path of a CA bundle (PEM) or of a CA directory, or an ssl.SSLContext. The same on
            both backends; see the docs' TLS page.
        cert: The client certificate for mutual TLS: a PEM file with the certificate and its key, or a
            ``(cert_file, key_file)`` pair (not with ``verify=ssl.SSLContext``: load it into the context).
        headers: Extra headers sent with every request.
        trace_span: Default Zap-Trace-Span header value; each method takes ``trace_span=``.
        sleep: The coroutine used to wait between attempts (default ``asyncio.sleep``). Tests pass one
            that returns at once to make backoff instant.
        backend: "httpx" (default) or "aiohttp": the HTTP library that sends requests. "aiohttp"
            needs ``pip install "influxdb-replications[aiohttp]"`` and costs less CPU per call (see the
            docs' Performance page); behaviour, errors and retries are the same. Both read the
            proxy environment (HTTP_PROXY, HTTPS_PROXY, NO_PROXY) once and never ~/.netrc.

    Raises:
        ValueError: missing token, a URL that is not http(s), a malformed org_id, bad timeout/retry,
            an unknown backend, ``transport`` with the aiohttp backend, or aiohttp not installed; a
            ``verify`` or ``cert`` of the wrong type, a CA or certificate file that is missing, unreadable
            or not PEM, or a key that does not match its certificate (the message names the file).
    """

    @classmethod
    def from_influx_config(cls, name: str | None = None, path: str | None = None, **kwargs: Any) -> Self:
        """A client for a profile of the influx CLI's configs file (``~/.influxdbv2/configs``).

        The influx CLI's precedence: ``url``, ``token``, ``org``, ``org_id`` given here, then INFLUX_HOST,
        INFLUX_TOKEN, INFLUX_ORG, INFLUX_ORG_ID, then the profile's url, token and org.

        Args:
            name: The profile; None for INFLUX_ACTIVE_CONFIG, else the active one.
            path: The file; None for INFLUX_CONFIGS_PATH, else ``~/.influxdbv2/configs``.
            **kwargs: The other arguments of the constructor (timeout, retry, verify, ...).

        Raises:
            InfluxConfigError: (a ValueError) the file is missing, unreadable or malformed, or has no
                such profile; the message names the file (and the line, where TOML reports one).
            ValueError: as for the constructor.
        """
        conn = resolve_connection(
            url=kwargs.pop("url", None),
            token=kwargs.pop("token", None),
            org=kwargs.pop("org", None),
            org_id=kwargs.pop("org_id", None),
            profile_name=name,
            path=path,
            required=True,
        )
        return cls(url=conn.url, token=conn.token, org=conn.org, org_id=conn.org_id, **kwargs)

    @cached_property
    def remotes(self) -> Remotes:
        """Remote connections: list, get, find, create, update, delete (no queued data lost), rotate_token."""
        return Remotes(self, lambda: self.replications)

    @cached_property
    def replications(self) -> Replications:
        """Replications: list, get, find, create, update, delete, the validate helpers, health."""
        return Replications(self, self.remotes)

    # ------------------------------------------------------------------ declarative configuration

    async def plan(self, desired: DesiredState, *, prune: bool = False) -> Plan:
        """Compare the server with a desired state and return what ``apply`` would do; changes nothing.

        Only reads (GET) are sent. ``str(plan)`` is a readable diff, ``plan.to_dict()`` a JSON-ready dict.

        Args:
            desired: The remotes and replications this org should have, by name.
            prune: Also show the deletes ``apply(prune=True)`` would make for what is not declared.

        Returns:
            The Plan; empty when the server already matches.

        Raises:
            ValueError: ``desired`` is not a DesiredState, or no org configured.
            NotFoundError: a declared local bucket does not exist (the message names it).
            APIStatusError: another subclass for the server's answer.
            APIConnectionError: the server could not be reached.
        """
        from .plan import plan

        return await plan(self, desired, prune=prune)

    async def apply(
        self,
        desired: DesiredState,
        *,
        prune: bool = False,
        secrets: Callable[[DesiredRemote], str | Awaitable[str]] | None = None,
        allow_data_loss: bool = False,
        drain: bool = False,
        drain_timeout: float | None = None,
        drain_poll_interval: float = 1.0,
        on_drain_progress: Progress | None = None,
    ) -> ApplyResult:
        """Make the server match a desired state: create what is missing, update what drifted.

        Only the drifted fields are sent. Remotes are created and updated before the replications that
        use them. A second apply of the same state returns an empty result.

        A *destructive* change (``Change.destructive``) deletes a replication, and the server discards
        its queue with it: a recreate (the server cannot move a replication to another local bucket) or
        a prune. While such a queue still holds unsent bytes (or the server does not report them) the
        change is refused: the replication is left exactly as it was, the rest goes on, and the result's
        ``refused`` names it with the bytes at stake. ``allow_data_loss=True`` makes it anyway (the
        bytes are lost); ``drain=True`` makes it without loss: a prune waits until the queue is drained
        (``remainingBytesToBeSynced`` 0), then deletes; a recreate first creates the new replication
        under a temporary name (``<name>~draining``), waits until the old one is drained, deletes it and
        renames the new one. A drain that times out raises DrainTimeoutError and changes nothing
        further; the next apply recognises the temporary replication (by its name and target) and
        finishes the change.

        Args:
            desired: The remotes and replications this org should have, by name.
            prune: Also delete the replications, then the remotes, that ``desired`` does not declare.
                Without it nothing is deleted (except by a recreate).
            secrets: Returns the API token of a remote that must be created, given its DesiredRemote
                (a plain or an async function). Without it the token is read from the environment
                variable the remote's ``token_env`` names. All tokens are read before the first change.
            allow_data_loss: Make destructive changes even when unsent data is lost (not with drain).
            drain: Drain each destructive change's queue first (lossless).
            drain_timeout: Seconds each drain may wait, above 0 (default 300); only with ``drain``.
            drain_poll_interval: Seconds between a drain's polls, above 0.
            on_drain_progress: Called with the drained Replication after each poll (bytes left).

        Returns:
            The ApplyResult (a Plan): the changes made, in order (a create carries the new ID); empty
            when nothing had to change; ``refused``: the destructive changes not made.

        Raises:
            ValueError: a bad consent or drain argument, a needed token is missing (the message names
                the variable, never a value), ``desired`` is not a DesiredState, or no org configured;
                nothing was changed.
            NotFoundError: a declared local bucket does not exist; nothing was changed.
            ApplyError: a change failed part-way; ``.done`` is the ApplyResult of what was done,
                ``.failed`` the Change that failed, and the server's error is its ``__cause__``.
            DrainTimeoutError: (an ApplyError and a TimeoutError) a drain timed out; ``.done``,
                ``.failed``, ``.remaining_bytes``; nothing further was changed.
            APIStatusError: the server refused a read before any change.
            APIConnectionError: the server could not be reached before any change.
        """
        from .apply import apply

        return await apply(
            self,
            desired,
            prune=prune,
            secrets=secrets,
            allow_data_loss=allow_data_loss,
            drain=drain,
            drain_timeout=drain_timeout,
            drain_poll_interval=drain_poll_interval,
            on_drain_progress=on_drain_progress,
        )
