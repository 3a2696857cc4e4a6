"""Small helpers of the fake: Go-style JSON decoding, fault matching, backoff, queue and batching."""

from __future__ import annotations

import gzip

import pytest

from influxdb_replications.testing._engine import MAX_BATCH_POINTS, Queue, backoff, batches, effective_max_age
from influxdb_replications.testing._faults import Fault, FaultKind, FaultList
from influxdb_replications.testing._jsonio import DecodeError, Field, Kind, RequestType, decode, encode
from influxdb_replications.testing._lineprotocol import Point
from influxdb_replications.testing._store import Permission

REQ = RequestType("R", (Field("id", Kind.ID), Field("n", Kind.INT64), Field("p", Kind.ID, pointer=True)))


@pytest.mark.parametrize(
    ("failures", "seconds"), [(0, 0.25), (1, 0.5), (2, 1.0), (10, 256.0), (11, 900.0), (50, 900.0)]
)
def test_backoff_table(failures: int, seconds: float) -> None:
    """Backoff is 0.5 s x 2^(n-1) up to 256 s, then 15 minutes, without jitter."""
    assert backoff(failures) == seconds


@pytest.mark.parametrize(
    ("stored", "effective"),
    [
        (0, 604800),
        (-1, 604800),
        (1, 60),
        (59, 60),
        (60, 60),
        (604800, 604800),
        (5184000, 5184000),
        (5184001, 5184000),
    ],
)
def test_effective_max_age(stored: int, effective: int) -> None:
    """v2.9 clamps the purge age like TestNewReplicationQueueMaxAge (8.9)."""
    assert effective_max_age(stored) == effective


def test_queue_sizes_and_full_queue() -> None:
    """An empty queue is 8/0; a block adds len+8; a block that would overflow is refused."""
    queue = Queue(max_size=100, max_age=60)
    assert (queue.current, queue.remaining) == (8, 0)
    assert queue.append(b"x" * 50)
    assert (queue.current, queue.remaining) == (66, 58)
    assert not queue.append(b"y" * 30)
    assert queue.append(b"z" * 26)
    assert queue.current == 100


def test_batches_split_at_point_count() -> None:
    """Batches hold at most 5000 points each."""
    points = [Point("m", {}, {"v": 1.0}, i) for i in range(MAX_BATCH_POINTS * 2 + 1)]
    sizes = [gzip.decompress(b).count(b"\n") for b in batches(points)]
    assert sizes == [MAX_BATCH_POINTS, MAX_BATCH_POINTS, 1]


def test_decode_first_type_error_wins_but_id_error_aborts() -> None:
    """Go keeps the first type error, but a bad ID stops decoding at once."""
    with pytest.raises(DecodeError, match=r"number 1\.5 into Go struct field R\.n"):
        decode(b'{"n": 1.5, "n": "x"}', REQ)
    with pytest.raises(DecodeError, match=r"^invalid ID$"):
        decode(b'{"n": 1.5, "id": "zzzzzzzzzzzzzzzz"}', REQ)
    with pytest.raises(DecodeError, match=r"of type \*platform\.ID"):
        decode(b'{"p": 3}', REQ)


def test_decode_rejects_nan_and_overflow() -> None:
    """Non-JSON constants and out-of-range int64 values are errors."""
    with pytest.raises(DecodeError):
        decode(b'{"n": NaN}', REQ)
    with pytest.raises(DecodeError, match="number 9223372036854775808"):
        decode(b'{"n": 9223372036854775808}', REQ)


def test_encode_escapes_html_like_go() -> None:
    """<, > and & are escaped the way Go's encoder does."""
    assert encode({"a": "<&>"}) == b'{\n\t"a": "\\u003c\\u0026\\u003e"\n}'


def test_fault_list_matching() -> None:
    """The first matching rule is consumed; globs and methods filter; used-up rules vanish."""
    faults = FaultList()
    faults.add(Fault(FaultKind.FAIL, 1, method="post", path="/api/v2/remotes*"))
    faults.add(Fault(FaultKind.DROP, 2))
    assert faults.take("GET", "/api/v2/remotes") is not None  # the DROP rule (any method, any path)
    rule = faults.take("POST", "/api/v2/remotes/abc")
    assert rule is not None and rule.kind is FaultKind.FAIL
    assert faults.take("POST", "/x") is not None
    assert faults.take("POST", "/x") is None
    assert len(faults) == 0


@pytest.mark.parametrize(
    "text",
    [
        "write:orgs/0123456789abcdef/buckets/0123456789abcdef",
        "read:remotes",
        "read:orgs/0123456789abcdef/remotes",
    ],
)
def test_permission_parse(text: str) -> None:
    """Permission strings with and without org and ID parse."""
    assert Permission.parse(text).action in ("read", "write")


@pytest.mark.parametrize("text", ["admin:remotes", "read", "read:orgs/xyz/remotes", "read:a/b/c"])
def test_permission_parse_errors(text: str) -> None:
    """Malformed permission strings are refused."""
    with pytest.raises(ValueError, match="invalid permission"):
        Permission.parse(text)
