"""client.remotes over real sockets: the full lifecycle and the server's quirks."""

from __future__ import annotations

import pytest

from influxdb_replications import (
    AlreadyExistsError,
    NotFoundError,
    RemoteConnection,
    RemoteInUseError,
    ReplicationClient,
)

from .conftest import Target


async def _make_remote(client: ReplicationClient, target: Target, suffix: str = "cloud") -> RemoteConnection:
    return await client.remotes.create(
        name=target.name(suffix),
        remote_url=target.url,
        remote_api_token=target.token,
        remote_org_id=target.org_id,
    )


async def test_create_get_list_find_delete(client: ReplicationClient, target: Target) -> None:
    """A created remote can be fetched, listed, found by name and deleted; the token never comes back."""
    created = await client.remotes.create(
        name=target.name("cloud"),
        remote_url="https://cloud.example.com",
        remote_api_token="remote-secret",
        remote_org_id="1234567890abcdef",
        description="central",
    )
    assert created.name == target.name("cloud")
    assert created.org_id == target.org_id
    assert created.remote_url == "https://cloud.example.com"
    assert created.remote_org_id == "1234567890abcdef"
    assert created.allow_insecure_tls is False
    assert created.description == "central"
    assert "remote-secret" not in repr(created)

    assert await client.remotes.get(created.id) == created
    assert created in await client.remotes.list()
    assert await client.remotes.list(name=target.name("cloud")) == [created]
    assert await client.remotes.list(remote_url="https://cloud.example.com") == [created]
    assert await client.remotes.find(target.name("cloud")) == created

    await client.remotes.delete(created.id)
    assert await client.remotes.find(target.name("cloud")) is None
    with pytest.raises(NotFoundError):
        await client.remotes.get(created.id)


async def test_empty_list_is_an_empty_list(client: ReplicationClient, target: Target) -> None:
    """The server's {"remotes": null} arrives as []."""
    assert await client.remotes.list(name=target.name("nothing-has-this-name")) == []
    assert await client.remotes.find(target.name("nothing-has-this-name")) is None


async def test_remote_without_remote_org_id(client: ReplicationClient, target: Target) -> None:
    """remoteOrgID is null on the wire when it was never set, and None on the model."""
    created = await client.remotes.create(
        name=target.name("no-org"), remote_url="http://127.0.0.1:1", remote_api_token="t"
    )
    assert created.remote_org_id is None
    assert created.description is None


async def test_rename_does_not_flip_allow_insecure_tls(client: ReplicationClient, target: Target) -> None:
    """update(name=...) sends only the name, so allowInsecureTLS stays as it was."""
    created = await client.remotes.create(
        name=target.name("tls"),
        remote_url="https://self-signed.example",
        remote_api_token="t",
        allow_insecure_tls=True,
    )
    renamed = await client.remotes.update(created.id, name=target.name("tls-renamed"))
    assert renamed.name == target.name("tls-renamed")
    assert renamed.allow_insecure_tls is True
    lowered = await client.remotes.update(created.id, allow_insecure_tls=False)
    assert lowered.allow_insecure_tls is False
    assert lowered.name == target.name("tls-renamed")


async def test_duplicate_name_is_already_exists(client: ReplicationClient, target: Target) -> None:
    """The server's 500 "UNIQUE constraint failed" surfaces as AlreadyExistsError."""
    await _make_remote(client, target, "dup")
    with pytest.raises(AlreadyExistsError) as info:
        await _make_remote(client, target, "dup")
    assert info.value.status_code == 500


async def test_remote_in_use_and_cascade(client: ReplicationClient, target: Target) -> None:
    """A remote with replications cannot be deleted; cascade=True deletes its replications first."""
    remote = await _make_remote(client, target)
    replication = await client.replications.create(
        name=target.name("r"),
        remote=remote,
        local_bucket=target.bucket,
        remote_bucket_id=target.target_bucket_id,
    )
    with pytest.raises(RemoteInUseError):
        await client.remotes.delete(remote.id)
    assert await client.remotes.get(remote.id) == remote

    await client.remotes.delete(remote.id, cascade=True)
    with pytest.raises(NotFoundError):
        await client.replications.get(replication.id)
    assert await client.remotes.find(remote.name) is None


async def test_unknown_id_is_not_found(client: ReplicationClient) -> None:
    """A well-formed ID that does not exist is a 404 NotFoundError for get, update and delete."""
    missing = "0123456789abcdef"
    with pytest.raises(NotFoundError):
        await client.remotes.get(missing)
    with pytest.raises(NotFoundError):
        await client.remotes.update(missing, name="x")
    with pytest.raises(NotFoundError):
        await client.remotes.delete(missing)
