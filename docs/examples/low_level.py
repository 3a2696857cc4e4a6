"""The low-level client against the embedded server: create a remote and a replication, list, delete."""

import asyncio

from influxdb_replications.testing import FakeInfluxDB
from influxdb_replications_api import AuthenticatedClient
from influxdb_replications_api.api.remote_connections import post_remote_connection
from influxdb_replications_api.api.replications import (
    delete_replication_by_id,
    get_replication_by_id,
    get_replications,
    post_replication,
)
from influxdb_replications_api.models.error import Error
from influxdb_replications_api.models.remote_connection import RemoteConnection
from influxdb_replications_api.models.remote_connection_creation_request import (
    RemoteConnectionCreationRequest,
)
from influxdb_replications_api.models.replication import Replication
from influxdb_replications_api.models.replication_creation_request import ReplicationCreationRequest
from influxdb_replications_api.models.replications import Replications


async def main() -> None:
    async with (
        FakeInfluxDB(token="edge-token", org="edge", buckets=["telemetry"]) as edge,
        AuthenticatedClient(base_url=edge.url, token=edge.token) as client,
    ):
        # every answer is a Response: status_code, content, headers and parsed (the model, or Error)
        response = await post_remote_connection.asyncio_detailed(
            client=client,
            body=RemoteConnectionCreationRequest(
                name="cloud",
                org_id=edge.org_id,
                remote_url="http://cloud.example:8086",
                remote_api_token="cloud-token",
                remote_org_id="00000000000000c1",
            ),
        )
        remote = response.parsed
        assert response.status_code == 201 and isinstance(remote, RemoteConnection)

        replication = await post_replication.asyncio(
            client=client,
            body=ReplicationCreationRequest(
                name="telemetry-to-cloud",
                org_id=edge.org_id,
                remote_id=remote.id,
                local_bucket_id=edge.bucket_id("telemetry"),
                remote_bucket_id="00000000000000b1",
            ),
        )
        assert isinstance(replication, Replication)

        page = await get_replications.asyncio(client=client, org_id=edge.org_id)
        assert isinstance(page, Replications)
        print([r.name for r in page.replications or ()])  # ['telemetry-to-cloud']

        # a 4xx/5xx is no exception here: parsed is the server's Error (code and message)
        missing = await get_replication_by_id.asyncio_detailed("0000000000000bad", client=client)
        assert isinstance(missing.parsed, Error)
        print(missing.status_code, missing.parsed.code)  # 404 not found

        deleted = await delete_replication_by_id.asyncio_detailed(replication.id, client=client)
        print(deleted.status_code)  # 204


if __name__ == "__main__":
    asyncio.run(main())
