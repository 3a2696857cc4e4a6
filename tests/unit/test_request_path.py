"""The one request path awaits the generated asyncio_detailed once per attempt, through the chosen sender."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx

from influxdb_replications import APIResponseValidationError, ReplicationClient, ServerError
from influxdb_replications.core.transport import AiohttpSender, HttpxSender
from influxdb_replications_api.api.replications import get_replication_by_id, get_replications
from influxdb_replications_api.models.replication import Replication
from influxdb_replications_api.types import Response

from .conftest import BASE, REPL_ID, replication_json


async def test_each_attempt_awaits_the_generated_function_looked_up_on_its_module(
    router: respx.Router, client: ReplicationClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A wrapper around get_replication_by_id.asyncio_detailed sees one call per attempt, with a Sender."""
    router.get(f"{BASE}/api/v2/replications/{REPL_ID}").mock(
        side_effect=[httpx.Response(503), httpx.Response(200, json=replication_json())]
    )
    real = get_replication_by_id.asyncio_detailed
    calls: list[dict[str, Any]] = []

    async def wrapped(replication_id: str, **kwargs: Any) -> Response[Any]:
        calls.append({"replication_id": replication_id, **kwargs})
        return await real(replication_id, **kwargs)

    monkeypatch.setattr(get_replication_by_id, "asyncio_detailed", wrapped)
    replication = await client.replications.get(REPL_ID, trace_span="span-1")
    assert isinstance(replication, Replication) and replication.id == REPL_ID
    assert len(calls) == 2
    assert all(call["replication_id"] == REPL_ID and call["zap_trace_span"] == "span-1" for call in calls)
    # every attempt gets a fresh client= (the sender with this call's timeout): it implements Sender
    assert calls[0]["client"] is not calls[1]["client"]
    assert calls[0]["client"].raise_on_unexpected_status is False


async def test_the_answer_is_decoded_once(
    router: respx.Router, client: ReplicationClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The generated function's from_dict is the only conversion of a 2xx body."""
    router.get(f"{BASE}/api/v2/replications").mock(
        return_value=httpx.Response(200, json={"replications": [replication_json()]})
    )
    seen: list[object] = []
    real = Replication.from_dict.__func__  # type: ignore[attr-defined]

    def counting(cls: type[Replication], data: Any) -> Replication:
        seen.append(data)
        result: Replication = real(cls, data)
        return result

    monkeypatch.setattr(Replication, "from_dict", classmethod(counting))
    assert [r.id for r in await client.replications.list()] == [REPL_ID]
    assert len(seen) == 1


async def test_an_error_body_that_is_not_json_is_the_status_error(
    router: respx.Router, client: ReplicationClient
) -> None:
    """A proxy's HTML 502 (the generated Error parse fails) still becomes the typed error of its status."""
    router.get(f"{BASE}/api/v2/replications/{REPL_ID}").mock(
        return_value=httpx.Response(502, content=b"<html>bad gateway</html>")
    )
    with pytest.raises(ServerError) as caught:
        await client.replications.get(REPL_ID)
    assert caught.value.status_code == 502 and "bad gateway" in caught.value.message


async def test_an_undocumented_2xx_is_a_validation_error(
    router: respx.Router, client: ReplicationClient
) -> None:
    """A 2xx the spec does not document for the operation (parsed as the default Error) is not a result."""
    router.get(f"{BASE}/api/v2/replications/{REPL_ID}").mock(return_value=httpx.Response(203, json={}))
    with pytest.raises(APIResponseValidationError, match="undocumented status 203"):
        await client.replications.get(REPL_ID)


@pytest.mark.parametrize("backend", ["httpx", "aiohttp"])
async def test_both_senders_are_clients_of_the_generated_functions(backend: str) -> None:
    """HttpxSender and AiohttpSender implement the generated Sender: usable as client= directly."""
    from influxdb_replications.testing import FakeInfluxDB

    async with FakeInfluxDB(token="t", org="o") as fake:
        headers = {"Authorization": "Token t"}
        timeout = httpx.Timeout(5.0)
        sender: HttpxSender | AiohttpSender
        if backend == "httpx":
            limits = httpx.Limits()
            sender = HttpxSender(fake.url, headers, timeout, transport=None, verify=True, limits=limits)
        else:
            sender = AiohttpSender(fake.url, headers, timeout, True, 10)
        try:
            response = await get_replications.asyncio_detailed(client=sender, org_id=fake.org_id)
        finally:
            await sender.aclose()
    assert response.status_code == 200
    assert type(response.parsed).__name__ == "Replications"
