"""The fake's line protocol parser and serialiser."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from influxdb_replications.testing import Point
from influxdb_replications.testing._lineprotocol import LineProtocolError, Unsigned, parse, to_line


@pytest.mark.parametrize(
    ("line", "point"),
    [
        ("m v=1 5", Point("m", {}, {"v": 1.0}, 5)),
        ("m v=-1i,u=7u,b=t,B=FALSE 5", Point("m", {}, {"v": -1, "u": 7, "b": True, "B": False}, 5)),
        ('m s="a \\"q\\" \\\\ b" 5', Point("m", {}, {"s": 'a "q" \\ b'}, 5)),
        ("my\\ m,t\\,k=v\\=x\\ y f\\=1=2 5", Point("my m", {"t,k": "v=x y"}, {"f=1": 2.0}, 5)),
        ('m s="with, comma and space" 5', Point("m", {}, {"s": "with, comma and space"}, 5)),
        ("m v=1e3,w=.5 -5", Point("m", {}, {"v": 1000.0, "w": 0.5}, -5)),
    ],
)
def test_parse(line: str, point: Point) -> None:
    """Fields of every type, escapes and quoted strings parse as InfluxDB does."""
    assert parse(line) == [point]


def test_precision_and_default_time() -> None:
    """Timestamps scale by precision; a missing one is the current time, truncated to the precision."""
    assert parse("m v=1 2", "s")[0].time == 2_000_000_000
    assert parse("m v=1", "ms", now_ns=1_234_567_890)[0].time == 1_234_000_000


def test_comments_and_blank_lines_are_skipped() -> None:
    """Blank lines and # comments are ignored."""
    assert len(parse("# comment\n\nm v=1 1\n   \n")) == 1


@pytest.mark.parametrize(
    "line",
    [
        "m",
        "m v",
        "m v=",
        "m v=abc",
        "m v=1 notatime",
        ",t=1 v=1",
        "m,t v=1",
        'm s="unterminated',
        "m v=1i2",
        "m v=99999999999999999999i",
    ],
)
def test_syntax_errors_name_the_line(line: str) -> None:
    """Bad lines raise LineProtocolError mentioning the line."""
    with pytest.raises(LineProtocolError, match="unable to parse"):
        parse(f"ok v=1 1\n{line}")


def test_unsigned_round_trips() -> None:
    """A `u` field stays unsigned through serialisation."""
    [point] = parse("m v=3u 1")
    assert isinstance(point.fields["v"], Unsigned)
    assert to_line(point) == "m v=3u 1"


names = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=8).filter(
    lambda s: s.strip(" ") == s and not s.startswith("#") and "\\" not in s
)
values = st.one_of(
    st.integers(-(2**63), 2**63 - 1),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=10).filter(lambda s: "\\" not in s),
)


@given(
    measurement=names,
    tags=st.dictionaries(names, names, max_size=3),
    fields=st.dictionaries(names, values, min_size=1, max_size=3),
    time=st.integers(-(2**62), 2**62),
)
def test_serialise_then_parse_round_trips(
    measurement: str, tags: dict[str, str], fields: dict[str, int | float | bool | str], time: int
) -> None:
    """Whatever the serialiser writes, the parser reads back unchanged."""
    point = Point(measurement, tags, fields, time)
    assert parse(to_line(point)) == [point]
