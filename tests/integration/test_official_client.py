"""Cross-check with a client nobody here wrote: the official `influxdb-client` package.

It drives full remote and replication CRUD against the embedded server, and our client must see the same
objects. The official client differs in exactly the ways the server reference (section 11) lists, and the
assertions allow for those and no others:

* its Replication model has no maxAgeSeconds and reads only ``remoteBucketName``, so a name-based target comes
  back as None there (the server sends ``RemoteBucketName``);
* it sends ``validate=True`` (capital T), which the server does not recognise: the replication is created.

One more trap is avoided rather than asserted: its RemoteConnectionUpdateRequest defaults allowInsecureTLS to
False, so a rename through it would reset the flag; the updates below always pass the flag explicitly.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from influxdb_replications import NotFoundError, ReplicationClient
from influxdb_replications.testing import FakeInfluxDB

pytest.importorskip("influxdb_client", reason="the cross-check needs the influxdb-client test dependency")

from influxdb_client.client.influxdb_client_async import InfluxDBClientAsync
from influxdb_client.domain.remote_connection_creation_request import (
    RemoteConnectionCreationRequest,
)
from influxdb_client.domain.remote_connection_update_request import RemoteConnectionUpdateRequest
from influxdb_client.domain.replication_creation_request import ReplicationCreationRequest
from influxdb_client.domain.replication_update_request import ReplicationUpdateRequest
from influxdb_client.service.remote_connections_service import RemoteConnectionsService
from influxdb_client.service.replications_service import ReplicationsService


@pytest.fixture
async def servers() -> AsyncIterator[tuple[FakeInfluxDB, FakeInfluxDB]]:
    async with (
        FakeInfluxDB(org="edge", buckets=["local"]) as edge,
        FakeInfluxDB(org="cloud", buckets=["archive"]) as cloud,
    ):
        yield edge, cloud


def _remote_fields(obj: Any) -> dict[str, Any]:
    return {
        "id": obj.id,
        "name": obj.name,
        "org_id": obj.org_id,
        "description": obj.description,
        "remote_url": obj.remote_url,
        "remote_org_id": obj.remote_org_id,
        "allow_insecure_tls": obj.allow_insecure_tls,
    }


def _replication_fields(obj: Any) -> dict[str, Any]:
    # max_age_seconds is left out: the official model does not have it (reference section 11)
    return {
        "id": obj.id,
        "name": obj.name,
        "org_id": obj.org_id,
        "description": obj.description,
        "remote_id": obj.remote_id,
        "local_bucket_id": obj.local_bucket_id,
        "remote_bucket_id": obj.remote_bucket_id,
        "max_queue_size_bytes": obj.max_queue_size_bytes,
        "drop_non_retryable_data": obj.drop_non_retryable_data,
        "current_queue_size_bytes": obj.current_queue_size_bytes,
        "remaining_bytes_to_be_synced": obj.remaining_bytes_to_be_synced,
        "latest_response_code": obj.latest_response_code,
        "latest_error_message": obj.latest_error_message,
    }


async def test_remote_crud_matches(servers: tuple[FakeInfluxDB, FakeInfluxDB]) -> None:
    """Remotes created, listed, updated and deleted by the official client look the same to ours."""
    edge, cloud = servers
    async with (
        InfluxDBClientAsync(url=edge.url, token=edge.token, org="edge") as official,
        ReplicationClient(url=edge.url, token=edge.token, org="edge") as ours,
    ):
        service = RemoteConnectionsService(official.api_client)
        created = await service.post_remote_connection_async(
            RemoteConnectionCreationRequest(
                name="cloud",
                org_id=edge.org_id,
                remote_url=cloud.url,
                remote_api_token=cloud.token,
                remote_org_id=cloud.org_id,
                allow_insecure_tls=True,
                description="made by influxdb-client",
            )
        )
        assert _remote_fields(await ours.remotes.get(created.id)) == _remote_fields(created)

        listed = (await service.get_remote_connections_async(org_id=edge.org_id)).remotes
        assert [_remote_fields(r) for r in listed] == [_remote_fields(r) for r in await ours.remotes.list()]

        updated = await service.patch_remote_connection_by_id_async(
            created.id, RemoteConnectionUpdateRequest(name="cloud-2", allow_insecure_tls=True)
        )
        assert _remote_fields(await ours.remotes.get(created.id)) == _remote_fields(updated)
        assert updated.name == "cloud-2"

        ours_updated = await ours.remotes.update(created.id, description="changed by ours")
        theirs = await service.get_remote_connection_by_id_async(created.id)
        assert _remote_fields(theirs) == _remote_fields(ours_updated)

        await service.delete_remote_connection_by_id_async(created.id)
        with pytest.raises(NotFoundError):
            await ours.remotes.get(created.id)
        # the server's {"remotes": null}: the official client sees None, ours an empty list
        assert (await service.get_remote_connections_async(org_id=edge.org_id)).remotes is None
        assert await ours.remotes.list() == []


async def test_replication_crud_matches(servers: tuple[FakeInfluxDB, FakeInfluxDB]) -> None:
    """Replications made by the official client look the same to ours, but for the listed differences."""
    edge, cloud = servers
    async with (
        InfluxDBClientAsync(url=edge.url, token=edge.token, org="edge") as official,
        ReplicationClient(url=edge.url, token=edge.token, org="edge") as ours,
    ):
        remote = await ours.remotes.create(
            name="cloud", remote_url=cloud.url, remote_api_token=cloud.token, remote_org_id=cloud.org_id
        )
        service = ReplicationsService(official.api_client)
        by_id = await service.post_replication_async(
            ReplicationCreationRequest(
                name="by-id",
                org_id=edge.org_id,
                remote_id=remote.id,
                local_bucket_id=edge.bucket_id("local"),
                remote_bucket_id=cloud.bucket_id("archive"),
                max_age_seconds=3600,
            )
        )
        seen = await ours.replications.get(by_id.id)
        # the 201 body has zero queue sizes; compare with a fresh GET from the official client instead
        theirs = await service.get_replication_by_id_async(by_id.id)
        assert _replication_fields(seen) == _replication_fields(theirs)
        assert seen.max_age_seconds == 3600  # only ours can see it
        assert not hasattr(theirs, "max_age_seconds")

        by_name = await service.post_replication_async(
            ReplicationCreationRequest(
                name="by-name",
                org_id=edge.org_id,
                remote_id=remote.id,
                local_bucket_id=edge.bucket_id("local"),
                remote_bucket_name="archive",
            )
        )
        seen_by_name = await ours.replications.get(by_name.id)
        theirs_by_name = await service.get_replication_by_id_async(by_name.id)
        assert seen_by_name.remote_bucket_name == "archive"
        assert theirs_by_name.remote_bucket_name is None  # it reads only "remoteBucketName"
        assert _replication_fields(seen_by_name) == _replication_fields(theirs_by_name)

        listed = (await service.get_replications_async(org_id=edge.org_id)).replications
        assert sorted(_replication_fields(r)["id"] for r in listed) == sorted(
            r.id for r in await ours.replications.list()
        )

        patched = await service.patch_replication_by_id_async(
            by_id.id, ReplicationUpdateRequest(description="patched", max_queue_size_bytes=40_000_000)
        )
        again = await ours.replications.get(by_id.id)
        assert again.description == patched.description == "patched"
        assert again.max_queue_size_bytes == patched.max_queue_size_bytes == 40_000_000

        # validate=True (capital T) is not "true": the server creates the replication for real
        await service.post_replication_async(
            ReplicationCreationRequest(
                name="meant-as-validate-only",
                org_id=edge.org_id,
                remote_id=remote.id,
                local_bucket_id=edge.bucket_id("local"),
                remote_bucket_id=cloud.bucket_id("archive"),
            ),
            validate=True,
        )
        assert await ours.replications.find("meant-as-validate-only") is not None
        # ours sends validate=true and nothing is saved
        await ours.replications.validate_create(
            name="really-validate-only",
            remote=remote,
            local_bucket="local",
            remote_bucket_id=cloud.bucket_id("archive"),
        )
        assert await ours.replications.find("really-validate-only") is None

        await service.delete_replication_by_id_async(by_name.id)
        assert await ours.replications.find("by-name") is None
