"""client.replications over real sockets: lifecycle, name resolution, validation, PATCH pitfalls."""

from __future__ import annotations

import pytest

from influxdb_replications import (
    AlreadyExistsError,
    BadRequestError,
    NotFoundError,
    RemoteConnection,
    ReplicationClient,
    ValidationFailedError,
)

from .conftest import Target


@pytest.fixture
async def remote(client: ReplicationClient, target: Target) -> RemoteConnection:
    """A remote pointing back at the same server (a self-remote) with a working token."""
    return await client.remotes.create(
        name=target.name("self"),
        remote_url=target.url,
        remote_api_token=target.token,
        remote_org_id=target.org_id,
    )


async def test_lifecycle_by_bucket_id(
    client: ReplicationClient, target: Target, remote: RemoteConnection
) -> None:
    """create, get, list (with every filter), find, update and delete a replication targeting a bucket ID."""
    created = await client.replications.create(
        name=target.name("r1"),
        remote=remote,
        local_bucket=target.bucket,  # a name: resolved through GET /api/v2/buckets
        remote_bucket_id=target.target_bucket_id,
        description="to the archive",
        max_age_seconds=3600,
    )
    assert created.local_bucket_id == target.bucket_id
    assert created.remote_id == remote.id
    assert created.remote_bucket_id == target.target_bucket_id
    assert created.remote_bucket_name in ("", None)
    assert created.max_queue_size_bytes == 67108860
    assert created.max_age_seconds == 3600
    assert created.drop_non_retryable_data is False
    assert created.description == "to the archive"

    fetched = await client.replications.get(created.id)
    assert fetched.id == created.id
    assert fetched.max_age_seconds == 3600
    assert fetched.remaining_bytes_to_be_synced == 0

    ids = {r.id for r in await client.replications.list()}
    assert created.id in ids
    assert [r.id for r in await client.replications.list(name=target.name("r1"))] == [created.id]
    assert [r.id for r in await client.replications.list(remote=remote)] == [created.id]
    assert [r.id for r in await client.replications.list(remote=remote.id)] == [created.id]
    assert [r.id for r in await client.replications.list(local_bucket=target.bucket)] == [created.id]
    assert [r.id for r in await client.replications.list(local_bucket=target.bucket_id)] == [created.id]
    found = await client.replications.find(target.name("r1"))
    assert found is not None and found.id == created.id

    updated = await client.replications.update(
        created.id, max_queue_size_bytes=33554430, drop_non_retryable_data=True
    )
    assert updated.max_queue_size_bytes == 33554430
    assert updated.drop_non_retryable_data is True
    assert updated.description == "to the archive"
    assert updated.max_age_seconds == 3600

    await client.replications.delete(created.id)
    with pytest.raises(NotFoundError):
        await client.replications.get(created.id)
    assert await client.replications.find(target.name("r1")) is None


async def test_remote_bucket_name_is_read_from_capitalised_key(
    client: ReplicationClient, target: Target, remote: RemoteConnection
) -> None:
    """A name-based replication shows its bucket name although the server sends "RemoteBucketName"."""
    created = await client.replications.create(
        name=target.name("by-name"),
        remote=remote.id,
        local_bucket=target.bucket_id,
        remote_bucket=target.target_bucket,
    )
    assert created.remote_bucket_name == target.target_bucket
    assert created.remote_bucket_id is None
    assert (await client.replications.get(created.id)).remote_bucket_name == target.target_bucket


async def test_switch_from_bucket_name_to_id_takes_effect(
    client: ReplicationClient, target: Target, remote: RemoteConnection
) -> None:
    """update(remote_bucket_id=...) on a name-based replication really moves it to the ID."""
    created = await client.replications.create(
        name=target.name("switch"),
        remote=remote,
        local_bucket=target.bucket,
        remote_bucket=target.target_bucket,
    )
    switched = await client.replications.update(created.id, remote_bucket_id=target.target_bucket_id)
    assert switched.remote_bucket_id == target.target_bucket_id
    assert switched.remote_bucket_name in ("", None)
    again = await client.replications.get(created.id)
    assert again.remote_bucket_id == target.target_bucket_id
    assert again.remote_bucket_name in ("", None)


async def test_duplicate_name_is_already_exists(
    client: ReplicationClient, target: Target, remote: RemoteConnection
) -> None:
    """A second replication with the same name is AlreadyExistsError, not a server failure."""
    kwargs = {"remote": remote, "local_bucket": target.bucket, "remote_bucket_id": target.target_bucket_id}
    await client.replications.create(name=target.name("dup"), **kwargs)  # type: ignore[arg-type]
    with pytest.raises(AlreadyExistsError):
        await client.replications.create(name=target.name("dup"), **kwargs)  # type: ignore[arg-type]


async def test_unknown_local_bucket_name(
    client: ReplicationClient, target: Target, remote: RemoteConnection
) -> None:
    """A local bucket name that does not exist is NotFoundError naming it, and nothing is created."""
    with pytest.raises(NotFoundError, match="no-such-bucket"):
        await client.replications.create(
            name=target.name("x"),
            remote=remote,
            local_bucket="no-such-bucket",
            remote_bucket_id=target.bucket_id,
        )
    assert await client.replications.find(target.name("x")) is None


async def test_validate_helpers_with_a_good_token(
    client: ReplicationClient, target: Target, remote: RemoteConnection
) -> None:
    """validate_create, validate_update and validate return None and save nothing."""
    await client.replications.validate_create(
        name=target.name("v"),
        remote=remote,
        local_bucket=target.bucket,
        remote_bucket_id=target.target_bucket_id,
    )
    assert await client.replications.find(target.name("v")) is None

    created = await client.replications.create(
        name=target.name("v"),
        remote=remote,
        local_bucket=target.bucket,
        remote_bucket_id=target.target_bucket_id,
    )
    await client.replications.validate(created.id)
    await client.replications.validate_update(created.id, max_queue_size_bytes=40_000_000)
    assert (await client.replications.get(created.id)).max_queue_size_bytes == 67108860


async def test_validate_with_a_wrong_token(client: ReplicationClient, target: Target) -> None:
    """A remote with a bad token fails validation with the server's reason; create still works."""
    bad = await client.remotes.create(
        name=target.name("bad"),
        remote_url=target.url,
        remote_api_token="wrong-token",
        remote_org_id=target.org_id,
    )
    with pytest.raises(ValidationFailedError, match="401"):
        await client.replications.validate_create(
            name=target.name("v"),
            remote=bad,
            local_bucket=target.bucket,
            remote_bucket_id=target.target_bucket_id,
        )
    created = await client.replications.create(
        name=target.name("v"),
        remote=bad,
        local_bucket=target.bucket,
        remote_bucket_id=target.target_bucket_id,
    )
    with pytest.raises(ValidationFailedError, match="replication failed validation"):
        await client.replications.validate(created.id)

    await client.remotes.update(bad.id, remote_api_token=target.token)
    await client.replications.validate(created.id)


async def test_validate_create_by_name_explains_the_server_bug(
    client: ReplicationClient, target: Target, remote: RemoteConnection
) -> None:
    """Validating a create by bucket name fails on the server; the error says why and what to do."""
    with pytest.raises(ValidationFailedError) as info:
        await client.replications.validate_create(
            name=target.name("v"),
            remote=remote,
            local_bucket=target.bucket,
            remote_bucket=target.target_bucket,
        )
    assert "remote_bucket_id" in str(info.value)


async def test_non_validation_400_stays_bad_request(
    client: ReplicationClient, target: Target, remote: RemoteConnection
) -> None:
    """A 400 from a validate helper about something else (a missing local bucket) is not ValidationFailed."""
    with pytest.raises(BadRequestError) as info:
        await client.replications.validate_create(
            name=target.name("v"),
            remote=remote,
            local_bucket="0123456789abcdef",
            remote_bucket_id=target.target_bucket_id,
        )
    assert not isinstance(info.value, ValidationFailedError)
