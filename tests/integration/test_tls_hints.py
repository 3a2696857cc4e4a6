"""The TLS hint end to end: an edge replicating to an HTTPS remote whose CA it does not trust."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from influxdb_replications import DesiredRemote, DesiredReplication, DesiredState, Health, ReplicationClient
from influxdb_replications.operations.hints import INSECURE_TLS_WARNING
from influxdb_replications.resources.failures import REMOTE_TLS
from influxdb_replications.testing import FakeCA, FakeInfluxDB

from ._edge import status_when, write_points

CLOUD_TOKEN = "cloud-secret-token-tls-41aa"
TOKEN_ENV = "TLS_HINTS_CLOUD_TOKEN"


@dataclass
class Site:
    """An edge, an HTTPS cloud signed by a private CA the edge does not trust, and a client on the edge."""

    edge: FakeInfluxDB
    cloud: FakeInfluxDB
    client: ReplicationClient


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[Site]:
    """The edge (plain HTTP, near-instant retries) and the HTTPS cloud."""

    async def no_wait(_seconds: float) -> None:
        return None

    ca = FakeCA(tmp_path)
    async with (
        FakeInfluxDB(org="edge", buckets=["sensors"], backoff_scale=0.01, remote_timeout=5) as edge,
        FakeInfluxDB(
            token=CLOUD_TOKEN, org="cloud", buckets=["archive"], ssl_context=ca.server_context()
        ) as cloud,
        ReplicationClient(url=edge.url, token=edge.token, org="edge", sleep=no_wait) as client,
    ):
        yield Site(edge, cloud, client)


async def test_untrusted_remote_is_failing_with_the_tls_hint_until_insecure_is_allowed(site: Site) -> None:
    """status() says failing with the TLS hint; allow_insecure_tls=True on the remote makes it healthy."""
    remote = await site.client.remotes.create(
        name="cloud", remote_url=site.cloud.url, remote_api_token=CLOUD_TOKEN, remote_org_id=site.cloud.org_id
    )
    rep = await site.client.replications.create(
        name="to-cloud",
        remote=remote,
        local_bucket="sensors",
        remote_bucket_id=site.cloud.bucket_id("archive"),
        max_queue_size_bytes=33554430,
    )
    await write_points(site.edge, 3)
    failing = await status_when(site.client, rep.id, lambda s: s.health is Health.FAILING, 10.0)
    assert failing.hint == REMOTE_TLS.hint
    assert "x509: certificate signed by unknown authority" in (failing.replication.latest_error_message or "")
    assert CLOUD_TOKEN not in str(failing)

    await site.client.remotes.update(remote.id, allow_insecure_tls=True)
    await write_points(site.edge, 1, start=3)  # wakes the sender at once
    healthy = await status_when(site.client, rep.id, lambda s: s.health is Health.HEALTHY, 10.0)
    assert healthy.hint is None
    assert len(await site.cloud.points("archive")) == 4


def desired(url: str, org_id: str, *, insecure: bool) -> DesiredState:
    """One remote to `url` (allow_insecure_tls as given) and one replication into it."""
    return DesiredState(
        remotes=(
            DesiredRemote(
                name="cloud", url=url, remote_org_id=org_id, token_env=TOKEN_ENV, allow_insecure_tls=insecure
            ),
        ),
        replications=(
            DesiredReplication(
                name="to-cloud", remote="cloud", local_bucket="sensors", remote_bucket="archive"
            ),
        ),
    )


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The warnings logged so far (other tests may leave the logger at INFO)."""
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


async def test_plan_warns_when_allow_insecure_tls_is_turned_on(
    site: Site, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A plan that creates a remote with, or turns on, allow_insecure_tls warns that checks are disabled."""
    monkeypatch.setenv(TOKEN_ENV, CLOUD_TOKEN)
    url, org_id = site.cloud.url, site.cloud.org_id
    with caplog.at_level(logging.WARNING, logger="influxdb_replications"):
        created = await site.client.plan(desired(url, org_id, insecure=True))
    [remote_change] = [c for c in created.changes if c.kind == "remote"]
    assert remote_change.reason == f"warning: {INSECURE_TLS_WARNING}"
    assert INSECURE_TLS_WARNING in str(created)
    assert warnings(caplog) == [f"remote 'cloud': {INSECURE_TLS_WARNING}"]

    caplog.clear()
    secure = desired(url, org_id, insecure=False)
    with caplog.at_level(logging.WARNING, logger="influxdb_replications"):
        assert INSECURE_TLS_WARNING not in str(await site.client.plan(secure))
        await site.client.apply(secure)
        assert warnings(caplog) == []
        turned_on = await site.client.plan(desired(url, org_id, insecure=True))
    [update] = turned_on.changes
    assert (update.action, update.fields["allow_insecure_tls"]) == ("update", (False, True))
    assert update.reason == f"warning: {INSECURE_TLS_WARNING}"
    assert warnings(caplog) == [f"remote 'cloud': {INSECURE_TLS_WARNING}"]
