"""µs per ``Replication.from_dict`` of a 15-field server answer: the models' conversion cost alone.

    python scripts/bench/model_speed.py [GENERATED_DIR]

GENERATED_DIR is a folder holding an ``influxdb_replications_api`` package (default: this checkout's
generated/), so that two versions of the templates can be compared on the same machine: export the other
version with ``git archive REV generated | tar -x -C /tmp/old`` and pass ``/tmp/old/generated``.
"""

from __future__ import annotations

import sys
import timeit
from pathlib import Path

ANSWER = {
    "id": "0123456789abcdef",
    "orgID": "0123456789abcdef",
    "name": "r",
    "description": "d",
    "remoteID": "0123456789abcdef",
    "localBucketID": "0123456789abcdef",
    "remoteBucketID": "0123456789abcdef",
    "RemoteBucketName": "",
    "maxQueueSizeBytes": 67108860,
    "currentQueueSizeBytes": 0,
    "remainingBytesToBeSynced": 0,
    "latestResponseCode": 204,
    "latestErrorMessage": "",
    "dropNonRetryableData": False,
    "maxAgeSeconds": 604800,
}


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "generated"
    sys.path.insert(0, str(folder))
    from influxdb_replications_api.models.replication import Replication

    number = 200_000
    best = min(timeit.repeat(lambda: Replication.from_dict(ANSWER), number=number, repeat=7))
    print(f"{folder}: {best / number * 1e6:.2f} µs per Replication.from_dict (best of 7 x {number})")


if __name__ == "__main__":
    main()
