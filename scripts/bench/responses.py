"""InfluxDB-shaped response bodies for the benchmark server, and the IDs the clients ask for.

The bodies follow the real server (docs: reference sections 1.4 and 3.2): tab-indented JSON without a
trailing newline, ``{"replications": [...]}`` as the list wrapper, the capitalised ``RemoteBucketName`` key,
``description`` and the ``latest*`` fields omitted when unset, and a create response with zero queue sizes
and no ``latest*`` fields.

How a client picks the list length: the list length is the **org ID read as a hexadecimal number**.
``org_id_for(100)`` is ``"0000000000000064"`` and ``GET /api/v2/replications?orgID=0000000000000064`` returns
100 replications. Lists of 1, 10, 100 and 1000 are pre-rendered (``LIST_SIZES``); any other org ID gets the
server's answer for an org without replications, ``{"replications": null}``. The org names ``bench-1``,
``bench-10``, ``bench-100`` and ``bench-1000`` resolve to those IDs through ``GET /api/v2/orgs?org=``.
"""

from __future__ import annotations

import json
import random
from typing import Any, Final

LIST_SIZES: Final = (1, 10, 100, 1000)
TOKEN: Final = "bench-token-not-a-secret"
REMOTE_ID: Final = "0b1e5c0ffee00001"
LOCAL_BUCKET_ID: Final = "0b1e5b0c4e700001"
REMOTE_BUCKET_ID: Final = "0b1e5b0c4e700002"
REPLICATION_ID: Final = "0b1e5e1ec7000001"
# The request body every client sends to POST /api/v2/replications (in its own way).
CREATE_REQUEST: Final[dict[str, Any]] = {
    "name": "bench-create",
    "orgID": "0000000000000001",
    "remoteID": REMOTE_ID,
    "localBucketID": LOCAL_BUCKET_ID,
    "remoteBucketID": REMOTE_BUCKET_ID,
    "maxQueueSizeBytes": 67108860,
    "maxAgeSeconds": 604800,
    "dropNonRetryableData": False,
}


def org_id_for(count: int) -> str:
    """The org ID whose replication list has ``count`` entries (see the module docstring)."""
    return f"{count:016x}"


def org_name_for(count: int) -> str:
    """The org name that resolves to ``org_id_for(count)``."""
    return f"bench-{count}"


def render(value: Any) -> bytes:
    """JSON the way InfluxDB writes it: ``json.MarshalIndent(v, "", "\\t")``, no trailing newline."""
    return json.dumps(value, indent="\t", ensure_ascii=False).encode()


def _hex_id(rng: random.Random) -> str:
    return f"{rng.getrandbits(64) | (1 << 60):016x}"


def replication(org_id: str, index: int, rng: random.Random, *, created: bool = False) -> dict[str, Any]:
    """One replication as the server returns it, varied by ``index`` the way a real fleet varies.

    Even indexes target a bucket by ID, odd ones by name; every third has a description; every
    fourth has not been written yet (no ``latest*`` fields). ``created`` gives the 201 shape.
    """
    item: dict[str, Any] = {
        "id": REPLICATION_ID if index == 0 else _hex_id(rng),
        "orgID": org_id,
        "name": f"edge-{index:04d}-to-cloud",
    }
    if index % 3 == 0:
        item["description"] = f"telemetry of site {index} to the central instance"
    item["remoteID"] = REMOTE_ID
    item["localBucketID"] = _hex_id(rng)
    if index % 2 == 0:
        # the server sends "RemoteBucketName" (capital R) and "" for an ID-based target; reference 3.2
        item["remoteBucketID"] = REMOTE_BUCKET_ID
        item["RemoteBucketName"] = ""
    else:
        item["remoteBucketID"] = None
        item["RemoteBucketName"] = f"archive-{index % 7}"
    item["maxQueueSizeBytes"] = 67108860
    if created:
        # create does not read the live queue: sizes 0 and no latest* fields (reference 3.2)
        item["currentQueueSizeBytes"] = 0
        item["remainingBytesToBeSynced"] = 0
    else:
        backlog = (index * 7919) % 50000 if index % 5 == 0 else 0
        item["currentQueueSizeBytes"] = 8 + backlog
        item["remainingBytesToBeSynced"] = backlog
        if index % 4 != 3:
            item["latestResponseCode"] = 204
            item["latestErrorMessage"] = ""
    item["dropNonRetryableData"] = index % 2 == 1
    item["maxAgeSeconds"] = 604800
    return item


def replication_list(count: int) -> bytes:
    """The body of ``GET /api/v2/replications?orgID=org_id_for(count)``."""
    org_id = org_id_for(count)
    rng = random.Random(count)
    return render({"replications": [replication(org_id, i, rng) for i in range(count)]})


def single_replication() -> bytes:
    """The body of ``GET /api/v2/replications/{id}`` (the first item of the list of 1, any ID)."""
    return render(replication(org_id_for(1), 0, random.Random(1)))


def created_replication() -> bytes:
    """The 201 body of ``POST /api/v2/replications``, matching ``CREATE_REQUEST``."""
    item = replication(org_id_for(1), 0, random.Random(1), created=True)
    item["name"] = CREATE_REQUEST["name"]
    item["remoteBucketID"] = REMOTE_BUCKET_ID
    item["RemoteBucketName"] = ""
    item["localBucketID"] = LOCAL_BUCKET_ID
    item["dropNonRetryableData"] = False
    item.pop("description", None)
    return render(item)


def empty_list() -> bytes:
    """The server's list body for an org without replications (the slice stays nil)."""
    return render({"replications": None})


def org(count: int) -> dict[str, Any]:
    """An organization as ``GET /api/v2/orgs`` lists it."""
    org_id = org_id_for(count)
    return {
        "links": {
            "buckets": f"/api/v2/buckets?org={org_name_for(count)}",
            "dashboards": f"/api/v2/dashboards?org={org_name_for(count)}",
            "labels": f"/api/v2/orgs/{org_id}/labels",
            "members": f"/api/v2/orgs/{org_id}/members",
            "owners": f"/api/v2/orgs/{org_id}/owners",
            "secrets": f"/api/v2/orgs/{org_id}/secrets",
            "self": f"/api/v2/orgs/{org_id}",
            "tasks": f"/api/v2/tasks?org={org_name_for(count)}",
        },
        "id": org_id,
        "name": org_name_for(count),
        "description": "",
        "createdAt": "2024-05-01T10:00:00.000000Z",
        "updatedAt": "2024-05-01T10:00:00.000000Z",
    }


def orgs_body(count: int) -> bytes:
    """The body of ``GET /api/v2/orgs?org=bench-<count>``."""
    return render({"links": {"self": "/api/v2/orgs"}, "orgs": [org(count)]})


def buckets_body(org_id: str, name: str) -> bytes:
    """The body of ``GET /api/v2/buckets?orgID=...&name=...``: one bucket with ``LOCAL_BUCKET_ID``."""
    bucket = {
        "id": LOCAL_BUCKET_ID,
        "orgID": org_id,
        "type": "user",
        "name": name,
        "retentionRules": [{"type": "expire", "everySeconds": 0, "shardGroupDurationSeconds": 604800}],
        "createdAt": "2024-05-01T10:00:00.000000Z",
        "updatedAt": "2024-05-01T10:00:00.000000Z",
        "links": {"self": f"/api/v2/buckets/{LOCAL_BUCKET_ID}", "org": f"/api/v2/orgs/{org_id}"},
        "labels": [],
    }
    return render({"links": {"self": "/api/v2/buckets"}, "buckets": [bucket]})


def remote_body() -> bytes:
    """The body of ``GET /api/v2/remotes/{id}``."""
    return render(
        {
            "id": REMOTE_ID,
            "orgID": org_id_for(1),
            "name": "cloud",
            "remoteURL": "http://cloud.example:8086",
            "remoteOrgID": "0c1d0c1d0c1d0c1d",
            "allowInsecureTLS": False,
        }
    )


def error_body(code: str, message: str) -> bytes:
    """An InfluxDB error body (tab-indented, like every handler error)."""
    return render({"code": code, "message": message})
