"""Python -> Value -> bytes -> Value -> Python, per CQL type, incl. extremes,
plus property-based round trips and "never another exception" for encode."""

from __future__ import annotations

import datetime as dt
import decimal
import ipaddress
import math
import struct
import uuid
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from astra_grpc_async._proto.stargate import query_pb2
from astra_grpc_async.codec import build_decoder, encode_value, encode_values
from astra_grpc_async.errors import EncodeError
from astra_grpc_async.types import (
    DATE_MAX_DAYS,
    DATE_MIN_DAYS,
    NANOS_PER_DAY,
    UNSET,
    Date,
    Duration,
    Float32,
    Time,
    Timestamp,
    Udt,
    Varint,
)

TS = query_pb2.TypeSpec
B = TS.Basic
UTC = dt.UTC


def basic(b: int) -> TS:
    return TS(basic=b)  # type: ignore[arg-type]


def list_of(e: TS) -> TS:
    return TS(list=TS.List(element=e))


def set_of(e: TS) -> TS:
    return TS(set=TS.Set(element=e))


def map_of(k: TS, v: TS) -> TS:
    return TS(map=TS.Map(key=k, value=v))


def tuple_of(*es: TS) -> TS:
    return TS(tuple=TS.Tuple(elements=es))


def udt(name: str, /, **fields: TS) -> TS:
    return TS(udt=TS.Udt(name=name, fields=fields, frozen=True))


def wire(value: query_pb2.Value) -> query_pb2.Value:
    return query_pb2.Value.FromString(value.SerializeToString())


def roundtrip(spec: TS, value: Any) -> Any:
    """Through the whole path: encode_values, the wire, a one-column decoder."""
    values = encode_values([value])
    assert values is not None
    row = query_pb2.Row(values=[wire(values.values[0])])
    decoder = build_decoder([query_pb2.ColumnSpec(name="c", type=spec)])
    (decoded,) = decoder.decode([row])
    return decoded[0]


# --- hand-picked extremes ------------------------------------------------------------

INTS = [
    (B.TINYINT, [-128, 127, 0, -1]),
    (B.SMALLINT, [-(2**15), 2**15 - 1]),
    (B.INT, [-(2**31), 2**31 - 1]),
    (B.BIGINT, [-(2**63), 2**63 - 1, 0]),
    (B.COUNTER, [-(2**63), 2**63 - 1]),
]


@pytest.mark.parametrize(("b", "n"), [(b, n) for b, ns in INTS for n in ns])
def test_integer_bounds(b: int, n: int) -> None:
    assert roundtrip(basic(b), n) == n


@pytest.mark.parametrize("n", [0, 1, -1, 2**64, -(2**64), 2**200 + 17, -(2**200) - 17, 2**63])
def test_varint(n: int) -> None:
    assert roundtrip(basic(B.VARINT), Varint(n)) == n
    if not -(2**63) <= n < 2**63:
        assert roundtrip(basic(B.VARINT), n) == n  # a plain int becomes a varint


def test_float_vs_double() -> None:
    back = roundtrip(basic(B.FLOAT), Float32(0.1))
    assert back != 0.1
    assert back == struct.unpack("<f", struct.pack("<f", 0.1))[0]
    assert roundtrip(basic(B.DOUBLE), 0.1) == 0.1
    assert math.copysign(1, roundtrip(basic(B.DOUBLE), -0.0)) == -1
    assert math.copysign(1, roundtrip(basic(B.FLOAT), Float32(-0.0))) == -1
    assert roundtrip(basic(B.DOUBLE), 0.0) == 0.0


@pytest.mark.parametrize("x", [math.inf, -math.inf])
def test_float_infinities(x: float) -> None:
    assert roundtrip(basic(B.DOUBLE), x) == x
    assert roundtrip(basic(B.FLOAT), Float32(x)) == x


def test_float_nan() -> None:
    assert math.isnan(roundtrip(basic(B.DOUBLE), math.nan))
    assert math.isnan(roundtrip(basic(B.FLOAT), Float32(math.nan)))


@pytest.mark.parametrize(
    "text",
    ["0", "-0.00", "1.5", "-1.5", "1E+5", "-7E+300", "1E-40", "0E+3", "1" * 400 + ".5" + "9" * 100],
)
def test_decimal(text: str) -> None:
    d = decimal.Decimal(text)
    back = roundtrip(basic(B.DECIMAL), d)
    assert back == d
    assert back.as_tuple().exponent == d.as_tuple().exponent
    assert back.as_tuple().digits == d.as_tuple().digits


@pytest.mark.parametrize("b", [B.VARCHAR, B.TEXT, B.ASCII])
@pytest.mark.parametrize("s", ["", "a", "héllo ☃ 𝄞", "x" * 10_000])
def test_text(b: int, s: str) -> None:
    assert roundtrip(basic(b), s) == s


@pytest.mark.parametrize("raw", [b"", b"\x00", bytes(range(256))])
def test_blob(raw: bytes) -> None:
    assert roundtrip(basic(B.BLOB), raw) == raw
    assert roundtrip(basic(B.CUSTOM), bytearray(raw)) == raw


@pytest.mark.parametrize("b", [True, False])
def test_boolean(b: bool) -> None:
    assert roundtrip(basic(B.BOOLEAN), b) is b


def test_uuid_and_timeuuid() -> None:
    for u in [uuid.UUID(int=0), uuid.UUID(int=2**128 - 1), uuid.uuid4()]:
        assert roundtrip(basic(B.UUID), u) == u
    t = uuid.uuid1()
    assert roundtrip(basic(B.TIMEUUID), t) == t


@pytest.mark.parametrize("addr", ["0.0.0.0", "255.255.255.255", "10.1.2.3", "::", "::1", "fe80::1"])
def test_inet(addr: str) -> None:
    ip = ipaddress.ip_address(addr)
    back = roundtrip(basic(B.INET), ip)
    assert back == ip
    assert type(back) is type(ip)


def test_date_extremes() -> None:
    spec = basic(B.DATE)
    assert roundtrip(spec, dt.date(1970, 1, 1)) == dt.date(1970, 1, 1)
    assert roundtrip(spec, dt.date.min) == dt.date.min
    assert roundtrip(spec, dt.date.max) == dt.date.max
    assert roundtrip(spec, Date(-(2**31))) == Date(-(2**31))  # wire 0
    assert roundtrip(spec, Date(2**31 - 1)) == Date(2**31 - 1)  # wire 2**32 - 1
    assert roundtrip(spec, Date(0)) == dt.date(1970, 1, 1)  # natural type when exact
    below = Date.from_date(dt.date.min).days - 1
    assert roundtrip(spec, Date(below)) == Date(below)


def test_timestamp_extremes() -> None:
    spec = basic(B.TIMESTAMP)
    epoch = dt.datetime(1970, 1, 1, tzinfo=UTC)
    assert roundtrip(spec, epoch) == epoch
    assert roundtrip(spec, Timestamp(0)) == epoch
    back = roundtrip(spec, dt.datetime(2024, 2, 29, 12, 0, 0, 123456))
    assert back == dt.datetime(2024, 2, 29, 12, 0, 0, 123000, tzinfo=UTC)
    assert back.tzinfo is UTC
    assert roundtrip(spec, dt.datetime.min) == dt.datetime.min.replace(tzinfo=UTC)
    top = Timestamp.from_datetime(dt.datetime.max)
    assert roundtrip(spec, top) == top.to_datetime()
    for ms in [top.ms + 1, 2**63 - 1, -(2**63), Timestamp.from_datetime(dt.datetime.min).ms - 1]:
        assert roundtrip(spec, Timestamp(ms)) == Timestamp(ms)


def test_time_extremes() -> None:
    spec = basic(B.TIME)
    assert roundtrip(spec, dt.time(0)) == dt.time(0)
    assert roundtrip(spec, Time(0)) == dt.time(0)
    assert roundtrip(spec, Time(86399999999999)) == Time(86399999999999)
    assert roundtrip(spec, Time(86399999999000)) == dt.time(23, 59, 59, 999999)
    assert roundtrip(spec, dt.time(12, 30, 1, 5)) == dt.time(12, 30, 1, 5)
    assert roundtrip(spec, Time(1)) == Time(1)


@pytest.mark.parametrize(
    "d",
    [
        Duration(),
        Duration(1, 2, 3),
        Duration(-1, -2, -3),
        Duration(0, 0, -1),
        Duration(2**31 - 1, 2**31 - 1, 2**63 - 1),
        Duration(-(2**31), -(2**31), -(2**63)),
    ],
)
def test_duration(d: Duration) -> None:
    assert roundtrip(basic(B.DURATION), d) == d


def test_timedelta_reads_back_as_duration() -> None:
    back = roundtrip(basic(B.DURATION), dt.timedelta(days=2, seconds=1))
    assert back == Duration(0, 2, 10**9)
    assert back.to_timedelta() == dt.timedelta(days=2, seconds=1)


def test_null_and_unset() -> None:
    for spec in [basic(B.INT), basic(B.VARCHAR), list_of(basic(B.INT)), udt("u", a=basic(B.INT))]:
        assert roundtrip(spec, None) is None
    # UNSET is a bind-only kind: the codec encodes it, a server never sends it
    values = encode_values([UNSET])
    assert values is not None
    assert values.values[0].HasField("unset")


def test_collections() -> None:
    i, t = basic(B.INT), basic(B.VARCHAR)
    assert roundtrip(list_of(i), [3, 1, 2]) == [3, 1, 2]
    assert roundtrip(list_of(i), (3, 1)) == [3, 1]
    assert roundtrip(set_of(t), {"a", "b"}) == {"a", "b"}
    assert roundtrip(map_of(t, i), {"a": 1, "b": 2}) == {"a": 1, "b": 2}
    assert list(roundtrip(map_of(t, i), {"b": 1, "a": 2})) == ["b", "a"]  # order kept
    assert roundtrip(list_of(i), []) == []  # present but empty
    assert roundtrip(map_of(t, i), {}) == {}


def test_nested_frozen_collections() -> None:
    i, t = basic(B.INT), basic(B.VARCHAR)
    assert roundtrip(list_of(list_of(i)), [[1], [], [2, 3]]) == [[1], [], [2, 3]]
    # sets of sets: the inner ones are frozensets
    back = roundtrip(set_of(set_of(i)), {frozenset([1, 2]), frozenset()})
    assert back == {frozenset([1, 2]), frozenset()}
    # sets of lists cannot be Python sets: a list, server order
    assert roundtrip(set_of(list_of(i)), [[1], [2]]) == [[1], [2]]
    # maps with unhashable keys: a list of pairs
    assert roundtrip(map_of(list_of(i), t), {(1, 2): "a"}) == [([1, 2], "a")]
    assert roundtrip(map_of(set_of(i), t), {frozenset([1]): "a"}) == {frozenset([1]): "a"}
    # tuple keys stay tuples
    assert roundtrip(map_of(tuple_of(i, t), i), {(1, "a"): 2}) == {(1, "a"): 2}
    deep = map_of(t, list_of(map_of(i, set_of(t))))
    value = {"k": [{1: {"x"}}, {}]}
    assert roundtrip(deep, value) == {"k": [{1: {"x"}}, {}]}


def test_tuples() -> None:
    i, t = basic(B.INT), basic(B.VARCHAR)
    spec = tuple_of(i, t, list_of(i))
    assert roundtrip(spec, (1, "a", [2])) == (1, "a", [2])
    assert roundtrip(spec, (None, None, None)) == (None, None, None)
    assert roundtrip(spec, (1,)) == (1, None, None)  # written short: padded
    assert roundtrip(tuple_of(i, tuple_of(t, i)), (1, ("a", 2))) == (1, ("a", 2))


def test_udt() -> None:
    i, t = basic(B.INT), basic(B.VARCHAR)
    spec = udt("address", street=t, zip=i, tags=set_of(t))
    back = roundtrip(spec, Udt(street="Main", zip=1, tags={"a"}))
    assert isinstance(back, Udt)
    assert back == {"street": "Main", "zip": 1, "tags": {"a"}}
    assert back.street == "Main"
    assert roundtrip(spec, Udt(street="Main")) == Udt(street="Main", zip=None, tags=None)
    nested = udt("person", home=spec, name=t)
    assert roundtrip(nested, Udt(home=Udt(zip=2), name="x")).home.zip == 2
    # a UDT inside a set must be hashable
    in_set = set_of(udt("p", x=i))
    assert roundtrip(in_set, [Udt(x=1), Udt(x=2)]) == {Udt(x=1), Udt(x=2)}


# --- property based ----------------------------------------------------------------

int64 = st.integers(-(2**63), 2**63 - 1)


def _normal_date(x: Any) -> int:
    return Date.from_date(x).days if isinstance(x, dt.date) else int(x.days)


def _normal_ts(x: Any) -> int:
    return Timestamp.from_datetime(x).ms if isinstance(x, dt.datetime) else int(x.ms)


def _normal_time(x: Any) -> int:
    return Time.from_time(x).nanos if isinstance(x, dt.time) else int(x.nanos)


@given(st.integers(-128, 127), st.integers(-(2**15), 2**15 - 1), st.integers(-(2**31), 2**31 - 1))
def test_prop_small_ints(a: int, b: int, c: int) -> None:
    assert roundtrip(basic(B.TINYINT), a) == a
    assert roundtrip(basic(B.SMALLINT), b) == b
    assert roundtrip(basic(B.INT), c) == c


@given(int64)
def test_prop_bigint(n: int) -> None:
    assert roundtrip(basic(B.BIGINT), n) == n


@given(st.integers())
def test_prop_varint(n: int) -> None:
    assert roundtrip(basic(B.VARINT), Varint(n)) == n


@given(st.floats(allow_nan=False))
def test_prop_double(x: float) -> None:
    assert roundtrip(basic(B.DOUBLE), x) == x


@given(st.floats(width=32, allow_nan=False))
def test_prop_float(x: float) -> None:
    assert roundtrip(basic(B.FLOAT), Float32(x)) == x


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_prop_decimal(d: decimal.Decimal) -> None:
    back = roundtrip(basic(B.DECIMAL), d)
    assert back == d
    assert back.as_tuple().exponent == d.as_tuple().exponent


@given(st.text())
def test_prop_text(s: str) -> None:
    assert roundtrip(basic(B.VARCHAR), s) == s


@given(st.binary())
def test_prop_blob(b: bytes) -> None:
    assert roundtrip(basic(B.BLOB), b) == b


@given(st.uuids(), st.ip_addresses())
def test_prop_uuid_inet(u: uuid.UUID, ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
    assert roundtrip(basic(B.UUID), u) == u
    assert roundtrip(basic(B.INET), ip) == ip


@given(st.integers(-(2**31), 2**31 - 1))
def test_prop_cql_date(days: int) -> None:
    back = roundtrip(basic(B.DATE), Date(days))
    assert _normal_date(back) == days
    assert isinstance(back, dt.date) == (DATE_MIN_DAYS <= days <= DATE_MAX_DAYS)


@given(st.dates())
def test_prop_date(d: dt.date) -> None:
    assert roundtrip(basic(B.DATE), d) == d


@given(int64)
def test_prop_cql_timestamp(ms: int) -> None:
    assert _normal_ts(roundtrip(basic(B.TIMESTAMP), Timestamp(ms))) == ms


@given(st.datetimes(timezones=st.sampled_from([None, UTC, dt.timezone(dt.timedelta(hours=-7))])))
def test_prop_datetime(d: dt.datetime) -> None:
    back = roundtrip(basic(B.TIMESTAMP), d)
    expected_ms = Timestamp.from_datetime(d).ms
    assert _normal_ts(back) == expected_ms
    if isinstance(back, dt.datetime):
        aware = d if d.tzinfo is not None else d.replace(tzinfo=UTC)
        assert dt.timedelta(0) <= aware - back < dt.timedelta(milliseconds=1)


@given(st.integers(0, NANOS_PER_DAY - 1))
def test_prop_cql_time(nanos: int) -> None:
    back = roundtrip(basic(B.TIME), Time(nanos))
    assert _normal_time(back) == nanos
    assert isinstance(back, dt.time) == (nanos % 1000 == 0)


@given(st.times())
def test_prop_time(t: dt.time) -> None:
    assert roundtrip(basic(B.TIME), t) == t


durations = st.one_of(
    st.builds(
        Duration,
        st.integers(0, 2**31 - 1),
        st.integers(0, 2**31 - 1),
        st.integers(0, 2**63 - 1),
    ),
    st.builds(
        Duration,
        st.integers(-(2**31), 0),
        st.integers(-(2**31), 0),
        st.integers(-(2**63), 0),
    ),
)


@given(durations)
def test_prop_duration(d: Duration) -> None:
    assert roundtrip(basic(B.DURATION), d) == d


@given(st.timedeltas())
def test_prop_timedelta(delta: dt.timedelta) -> None:
    assert roundtrip(basic(B.DURATION), delta).to_timedelta() == delta


@given(
    st.lists(int64),
    st.sets(st.text()),
    st.dictionaries(st.text(), st.lists(st.booleans())),
    st.tuples(st.none() | int64, st.none() | st.text()),
)
def test_prop_collections(
    ints: list[int], texts: set[str], d: dict[str, list[bool]], pair: tuple[Any, Any]
) -> None:
    i, t = basic(B.BIGINT), basic(B.VARCHAR)
    assert roundtrip(list_of(i), ints) == ints
    assert roundtrip(set_of(t), texts) == texts
    assert roundtrip(map_of(t, list_of(basic(B.BOOLEAN))), d) == d
    assert roundtrip(tuple_of(i, t), pair) == pair


@given(st.dictionaries(st.sampled_from(["a", "b", "c"]), st.none() | int64))
def test_prop_udt(fields: dict[str, int | None]) -> None:
    i = basic(B.BIGINT)
    back = roundtrip(udt("u", a=i, b=i, c=i), Udt(fields))
    assert back == {k: fields.get(k) for k in "abc"}


# Random Python objects: EncodeError or a well-formed Value, never another exception.

leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(),
    st.binary(),
    st.decimals(),
    st.uuids(),
    st.ip_addresses(),
    st.dates(),
    st.times(),
    st.datetimes(),
    st.timedeltas(),
    st.complex_numbers(),
    st.fractions(),
    st.just(UNSET),
    st.just(object()),
    st.builds(Float32, st.floats()),
    st.builds(Varint, st.integers()),
    st.builds(Date, st.integers(-(2**31), 2**31 - 1)),
    st.builds(Time, st.integers(0, NANOS_PER_DAY - 1)),
    durations,
    st.text(alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1),
)
hashable_leaves = st.one_of(st.none(), st.integers(), st.text(), st.floats(), st.uuids())
objects = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.tuples(inner, inner),
        st.frozensets(hashable_leaves, max_size=4),
        st.dictionaries(hashable_leaves, inner, max_size=4),
        st.dictionaries(st.text(max_size=3), inner, max_size=3).map(Udt),
    ),
    max_leaves=12,
)

EXPECTED_KIND = [
    (bool, "boolean"),
    (Varint, "varint"),
    (Float32, "float"),
    (float, "double"),
    (decimal.Decimal, "decimal"),
    (str, "string"),
    (bytes, "bytes"),
    (uuid.UUID, "uuid"),
    (dt.datetime, "int"),
    (dt.date, "date"),
    (dt.time, "time"),
    (Date, "date"),
    (Time, "time"),
    (Duration, "duration"),
    (dt.timedelta, "duration"),
    (Udt, "udt"),
    ((list, tuple, frozenset, dict), "collection"),
    ((ipaddress.IPv4Address, ipaddress.IPv6Address), "inet"),
]


@given(st.lists(objects, max_size=3))
def test_prop_encode_never_crashes(params: list[Any]) -> None:
    try:
        values = encode_values(params)
    except EncodeError as exc:
        assert exc.position is not None and 0 <= exc.position < len(params)
        return
    if not params:
        assert values is None
        return
    assert values is not None
    parsed = query_pb2.Values.FromString(values.SerializeToString())
    assert len(parsed.values) == len(params)
    for p, v in zip(params, parsed.values, strict=True):
        got = v.WhichOneof("inner")
        if p is None:
            assert got == "null"
        elif p is UNSET:
            assert got == "unset"
        elif isinstance(p, int) and not isinstance(p, bool | Varint):
            assert got in ("int", "varint")
        else:
            expected = next(k for cls, k in EXPECTED_KIND if isinstance(p, cls))
            assert got == expected


@given(objects)
def test_prop_encode_value_never_crashes(obj: Any) -> None:
    try:
        value = encode_value(obj)
    except EncodeError:
        return
    assert isinstance(value, query_pb2.Value)
    assert value.WhichOneof("inner") is not None
