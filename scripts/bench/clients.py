"""The benchmarked clients, each behind the same three operations: list, get and create.

Every factory imports its library itself, so a worker process loads only the client it measures (this
keeps peak RSS per client honest). Each operation does the whole job a caller needs: send the request,
check the status, and return parsed data (a dict or a model); ``list`` returns a sequence so the worker can
check its length.

Configuration: each library's defaults, except that the official client's pool is raised to 50
connections (its default is 5 per CPU, 10 here), so that every client can keep 50 requests in flight.
Our client gets one ``ReplicationClient`` per list size, because it is bound to one org and the server
picks the list length by org ID (see ``responses.py``); the other clients pass the org ID per call.

Clients:
    aiohttp             raw ``aiohttp.ClientSession``: get + ``await r.json()`` (the floor)
    httpx               raw ``httpx.AsyncClient``: get + ``r.json()``
    generated           the generated low-level client as a user would use it: ``asyncio_detailed`` with an
                        ``AuthenticatedClient`` (httpx defaults), the answer parsed into the generated models
    ours                ``ReplicationClient`` in its default configuration
    ours-aiohttp        ``ReplicationClient(backend="aiohttp")``: the optional aiohttp backend
    ours-httpx-aiohttp  ``ReplicationClient(transport=httpx_aiohttp.AiohttpTransport())``: what a user can
                        do without a dedicated option (for comparison, not used by the targets)
    official-async      ``influxdb_client`` ``InfluxDBClientAsync`` + ``ReplicationsService.*_async``
    official-sync       ``influxdb_client`` ``InfluxDBClient`` + ``ReplicationsService``; run sequentially,
                        and in a pool of 50 threads for the concurrent workloads
"""

# influxdb-client ships no type hints; calling it from typed code is the point of this module.
# mypy: disable-error-code="no-untyped-call"

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from responses import (
    CREATE_REQUEST,
    LIST_SIZES,
    LOCAL_BUCKET_ID,
    REMOTE_BUCKET_ID,
    REMOTE_ID,
    REPLICATION_ID,
    TOKEN,
    org_id_for,
)

AUTH = {"Authorization": f"Token {TOKEN}"}
LIST_PATH = "/api/v2/replications"
ITEM_PATH = f"/api/v2/replications/{REPLICATION_ID}"
POOL = 50


class BenchError(RuntimeError):
    """A client returned something other than what the server sent (wrong status or shape)."""


@dataclass
class BenchClient:
    """One client under test.

    Attributes:
        list: ``list(n)`` lists the org with n replications and returns the items.
        get: Fetches one replication.
        create: Creates one replication.
        close: Releases connections.
        sync: True when the three operations are plain functions rather than coroutines.
        note: How the client was configured, for the report.
    """

    list: Callable[[int], Any]
    get: Callable[[], Any]
    create: Callable[[], Any]
    close: Callable[[], Awaitable[None]]
    sync: bool = False
    note: str = ""


Factory = Callable[[str], Awaitable[BenchClient]]


async def make_aiohttp(url: str) -> BenchClient:
    """Raw aiohttp, the floor."""
    import aiohttp

    session = aiohttp.ClientSession(base_url=url, headers=AUTH)

    async def list_(n: int) -> Sequence[Any]:
        async with session.get(LIST_PATH, params={"orgID": org_id_for(n)}) as r:
            if r.status != 200:
                raise BenchError(f"status {r.status}")
            return (await r.json())["replications"]  # type: ignore[no-any-return]

    async def get() -> Any:
        async with session.get(ITEM_PATH) as r:
            if r.status != 200:
                raise BenchError(f"status {r.status}")
            return await r.json()

    async def create() -> Any:
        async with session.post(LIST_PATH, json=CREATE_REQUEST) as r:
            if r.status != 201:
                raise BenchError(f"status {r.status}")
            return await r.json()

    return BenchClient(list_, get, create, session.close, note=f"aiohttp {aiohttp.__version__} defaults")


async def make_httpx(url: str) -> BenchClient:
    """Raw httpx with its defaults (100 connections, 20 kept alive)."""
    import httpx

    http = httpx.AsyncClient(base_url=url, headers=AUTH)

    async def list_(n: int) -> Sequence[Any]:
        r = await http.get(LIST_PATH, params={"orgID": org_id_for(n)})
        if r.status_code != 200:
            raise BenchError(f"status {r.status_code}")
        return r.json()["replications"]  # type: ignore[no-any-return]

    async def get() -> Any:
        r = await http.get(ITEM_PATH)
        if r.status_code != 200:
            raise BenchError(f"status {r.status_code}")
        return r.json()

    async def create() -> Any:
        r = await http.post(LIST_PATH, json=CREATE_REQUEST)
        if r.status_code != 201:
            raise BenchError(f"status {r.status_code}")
        return r.json()

    return BenchClient(list_, get, create, http.aclose, note=f"httpx {httpx.__version__} defaults")


async def make_generated(url: str) -> BenchClient:
    """The generated low-level client: ``asyncio_detailed`` with an ``AuthenticatedClient``."""
    import httpx

    from influxdb_replications_api import AuthenticatedClient
    from influxdb_replications_api.api.replications import (
        get_replication_by_id,
        get_replications,
        post_replication,
    )
    from influxdb_replications_api.models.replication import Replication
    from influxdb_replications_api.models.replication_creation_request import ReplicationCreationRequest
    from influxdb_replications_api.models.replications import Replications

    client = AuthenticatedClient(base_url=url, token=TOKEN)
    await client.__aenter__()

    def parsed(status: int, value: Any, expected: int, model: type[Any]) -> Any:
        if status != expected or not isinstance(value, model):
            raise BenchError(f"status {status}")
        return value

    async def list_(n: int) -> Sequence[Any]:
        response = await get_replications.asyncio_detailed(client=client, org_id=org_id_for(n))
        page = parsed(response.status_code, response.parsed, 200, Replications)
        return page.replications or ()

    async def get() -> Any:
        response = await get_replication_by_id.asyncio_detailed(REPLICATION_ID, client=client)
        return parsed(response.status_code, response.parsed, 200, Replication)

    async def create() -> Any:
        body = ReplicationCreationRequest(
            name=CREATE_REQUEST["name"],
            org_id=CREATE_REQUEST["orgID"],
            remote_id=REMOTE_ID,
            local_bucket_id=LOCAL_BUCKET_ID,
            remote_bucket_id=REMOTE_BUCKET_ID,
        )
        response = await post_replication.asyncio_detailed(client=client, body=body)
        return parsed(response.status_code, response.parsed, 201, Replication)

    async def close() -> None:
        await client.__aexit__(None, None, None)

    return BenchClient(
        list_,
        get,
        create,
        close,
        note=f"asyncio_detailed + AuthenticatedClient, httpx {httpx.__version__} defaults",
    )


async def _make_ours(url: str, extra: Callable[[], dict[str, Any]], note: str) -> BenchClient:
    from influxdb_replications import ReplicationClient

    by_size = {
        n: ReplicationClient(url=url, token=TOKEN, org_id=org_id_for(n), **extra()) for n in LIST_SIZES
    }
    main = by_size[1]

    def list_(n: int) -> Awaitable[Sequence[Any]]:
        return by_size[n].replications.list()

    def get() -> Awaitable[Any]:
        return main.replications.get(REPLICATION_ID)

    def create() -> Awaitable[Any]:
        return main.replications.create(
            name=CREATE_REQUEST["name"],
            remote=REMOTE_ID,
            local_bucket=LOCAL_BUCKET_ID,
            remote_bucket_id=REMOTE_BUCKET_ID,
        )

    async def close() -> None:
        for client in by_size.values():
            await client.aclose()

    return BenchClient(list_, get, create, close, note=note)


async def make_ours(url: str) -> BenchClient:
    """Our ReplicationClient, default configuration."""
    return await _make_ours(url, dict, "ReplicationClient defaults")


async def make_ours_aiohttp(url: str) -> BenchClient:
    """Our ReplicationClient with its aiohttp backend (``backend="aiohttp"``)."""
    return await _make_ours(url, lambda: {"backend": "aiohttp"}, 'ReplicationClient(backend="aiohttp")')


async def make_ours_httpx_aiohttp(url: str) -> BenchClient:
    """Our ReplicationClient given ``httpx_aiohttp.AiohttpTransport()`` by the caller."""
    from httpx_aiohttp import AiohttpTransport

    return await _make_ours(
        url,
        lambda: {"transport": AiohttpTransport()},
        "ReplicationClient(transport=httpx_aiohttp.AiohttpTransport())",
    )


def _official_request() -> Any:
    from influxdb_client.domain.replication_creation_request import ReplicationCreationRequest

    return ReplicationCreationRequest(
        name=CREATE_REQUEST["name"],
        org_id=CREATE_REQUEST["orgID"],
        remote_id=REMOTE_ID,
        local_bucket_id=LOCAL_BUCKET_ID,
        remote_bucket_id=REMOTE_BUCKET_ID,
    )


async def make_official_async(url: str) -> BenchClient:
    """influxdb-client's async path (aiohttp underneath)."""
    import influxdb_client
    from influxdb_client.client.influxdb_client_async import InfluxDBClientAsync
    from influxdb_client.service.replications_service import ReplicationsService

    client = InfluxDBClientAsync(url=url, token=TOKEN, org=org_id_for(1), connection_pool_maxsize=POOL)
    service = ReplicationsService(client.api_client)

    async def list_(n: int) -> Sequence[Any]:
        return (await service.get_replications_async(org_id=org_id_for(n))).replications  # type: ignore[no-any-return]

    def get() -> Awaitable[Any]:
        return service.get_replication_by_id_async(replication_id=REPLICATION_ID)

    def create() -> Awaitable[Any]:
        return service.post_replication_async(replication_creation_request=_official_request())

    return BenchClient(
        list_,
        get,
        create,
        client.close,
        note=f"influxdb-client {influxdb_client.__version__}, connection_pool_maxsize={POOL}",
    )


async def make_official_sync(url: str) -> BenchClient:
    """influxdb-client's sync path (urllib3); the worker runs it in 50 threads when concurrent."""
    import influxdb_client
    from influxdb_client.client.influxdb_client import InfluxDBClient
    from influxdb_client.service.replications_service import ReplicationsService

    client = InfluxDBClient(url=url, token=TOKEN, org=org_id_for(1), connection_pool_maxsize=POOL)
    service = ReplicationsService(client.api_client)

    def list_(n: int) -> Sequence[Any]:
        return service.get_replications(org_id=org_id_for(n)).replications  # type: ignore[no-any-return]

    def get() -> Any:
        return service.get_replication_by_id(replication_id=REPLICATION_ID)

    def create() -> Any:
        return service.post_replication(replication_creation_request=_official_request())

    async def close() -> None:
        client.close()

    return BenchClient(
        list_,
        get,
        create,
        close,
        sync=True,
        note=f"influxdb-client {influxdb_client.__version__} sync, connection_pool_maxsize={POOL}, "
        f"{POOL} threads when concurrent",
    )


FACTORIES: dict[str, Factory] = {
    "aiohttp": make_aiohttp,
    "httpx": make_httpx,
    "generated": make_generated,
    "ours": make_ours,
    "ours-aiohttp": make_ours_aiohttp,
    "ours-httpx-aiohttp": make_ours_httpx_aiohttp,
    "official-async": make_official_async,
    "official-sync": make_official_sync,
}
