"""Every CQL type through the real gRPC wire: driver -> emulator -> driver.

Each value is bound to an INSERT, read back with a SELECT and compared with
what the README's type mapping promises. Property-based cases use Hypothesis
`@given` directly on the `async def` tests: pytest-asyncio (1.5, one session
loop) runs each generated example on that loop, so a test creates its table
once (first example) and then does one INSERT + SELECT per example, each on
its own partition key. Hand-picked extremes (bounds, NaN, values beyond
Python's date/datetime range, sub-microsecond times) are separate, explicit
tests, so they are checked on every run and not only when drawn.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import itertools
import math
import re
import uuid
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import astra_grpc_async as aga
from astra_grpc_async import errors
from astra_grpc_async.types import (
    DATE_MAX_DAYS,
    DATE_MIN_DAYS,
    NANOS_PER_DAY,
    TIMESTAMP_MAX_MS,
    TIMESTAMP_MIN_MS,
)

UTC = dt.UTC
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1

# The `ks` fixture is function-scoped but deliberately shared by every example
# of one test (one table per type per test, one partition per example).
PROPERTY = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

_keys = itertools.count(1)
_tables: set[str] = set()


def table_name(cql_type: str) -> str:
    return "t_" + re.sub(r"\W+", "_", cql_type).strip("_")


def wire_type(cql_type: str) -> str:
    """How the result metadata spells a column type: `text` is answered as
    `varchar` (the contract) and a frozen collection's TypeSpec has no flag."""
    out = re.sub(r"\btext\b", "varchar", cql_type)
    while (start := out.find("frozen<")) >= 0:
        depth = end = 0
        for end in range(start + len("frozen"), len(out)):
            depth += {"<": 1, ">": -1}.get(out[end], 0)
            if depth == 0:
                break
        out = out[:start] + out[start + len("frozen<") : end] + out[end + 1 :]
    return out


async def table(client: aga.Client, ks: str, cql_type: str) -> str:
    """`ks.t_<type>` (k int PRIMARY KEY, v <type>), created on first use; checks
    that even an empty result carries the column's type."""
    name = f"{ks}.{table_name(cql_type)}"
    if name not in _tables:
        await client.execute(f"CREATE TABLE {name} (k int PRIMARY KEY, v {cql_type})")
        _tables.add(name)
        empty = await client.execute(f"SELECT k, v FROM {name} WHERE k = -1")
        assert empty.rows == []
        assert [(c.name, c.type) for c in empty.columns] == [
            ("k", "int"),
            ("v", wire_type(cql_type)),
        ]
    return name


async def round_trip(client: aga.Client, name: str, value: Any) -> Any:
    """INSERT `value` on a fresh key with a bind marker, SELECT it back."""
    k = next(_keys)
    write = await client.execute(f"INSERT INTO {name} (k, v) VALUES (?, ?)", [k, value])
    assert write.rows == [] and write.schema_change is None
    return (await client.execute(f"SELECT v FROM {name} WHERE k = ?", [k])).one()["v"]


def same(got: Any, want: Any) -> bool:
    """Equality that also checks the type, treats NaN as equal to NaN and
    compares decimals digit for digit (1.0 and 1.00 are different values)."""
    if isinstance(want, float) and math.isnan(want):
        return isinstance(got, float) and math.isnan(got)
    if isinstance(want, Decimal):
        return isinstance(got, Decimal) and got.as_tuple() == want.as_tuple()
    if type(got) is not type(want) and not (
        isinstance(want, ipaddress.IPv4Address | ipaddress.IPv6Address) and got == want
    ):
        return False
    if isinstance(want, float):
        return got == want and math.copysign(1, got) == math.copysign(1, want)
    return bool(got == want)


async def check_all(
    client: aga.Client, ks: str, cql_type: str, cases: list[tuple[Any, Any]]
) -> None:
    name = await table(client, ks, cql_type)
    for value, want in cases:
        got = await round_trip(client, name, value)
        assert same(got, want), f"{cql_type}: sent {value!r}, want {want!r}, got {got!r}"


# --- expected decodings -----------------------------------------------------------


def want_date(days: int) -> dt.date | aga.Date:
    if DATE_MIN_DAYS <= days <= DATE_MAX_DAYS:
        return dt.date(1970, 1, 1) + dt.timedelta(days=days)
    return aga.Date(days)


def want_timestamp(ms: int) -> dt.datetime | aga.Timestamp:
    if TIMESTAMP_MIN_MS <= ms <= TIMESTAMP_MAX_MS:
        return EPOCH + dt.timedelta(milliseconds=ms)
    return aga.Timestamp(ms)


def want_time(nanos: int) -> dt.time | aga.Time:
    if nanos % 1000:
        return aga.Time(nanos)
    seconds, micros = divmod(nanos // 1000, 1_000_000)
    return dt.time(seconds // 3600, seconds // 60 % 60, seconds % 60, micros)


def fits64(n: int) -> bool:
    return INT64_MIN <= n <= INT64_MAX


# --- hand-picked extremes ---------------------------------------------------------

BIG = 2**64 + 12345
HUGE_DECIMAL = Decimal("-123456789012345678901234567890.123456789012345678901234567890")
EXTREMES: dict[str, list[tuple[Any, Any]]] = {
    "tinyint": [(-128, -128), (127, 127), (0, 0)],
    "smallint": [(-(2**15), -(2**15)), (2**15 - 1, 2**15 - 1), (0, 0)],
    "int": [(INT32_MIN, INT32_MIN), (INT32_MAX, INT32_MAX), (0, 0), (-1, -1)],
    "bigint": [(INT64_MIN, INT64_MIN), (INT64_MAX, INT64_MAX), (0, 0)],
    "varint": [
        (BIG, BIG),  # beyond 64 bits: a plain int goes as varint
        (-BIG, -BIG),
        (2**64, 2**64),
        (-(2**63) - 1, -(2**63) - 1),
        (10**100, 10**100),
        (aga.Varint(0), 0),
        (aga.Varint(-1), -1),
        (aga.Varint(127), 127),
        (aga.Varint(128), 128),
        (aga.Varint(-129), -129),
        (aga.Varint(INT64_MAX), INT64_MAX),
    ],
    "float": [
        (aga.Float32(1.5), 1.5),
        (aga.Float32(0.0), 0.0),
        (aga.Float32(-0.0), -0.0),
        (aga.Float32(math.nan), math.nan),
        (aga.Float32(math.inf), math.inf),
        (aga.Float32(-math.inf), -math.inf),
        (aga.Float32(3.4028234663852886e38), 3.4028234663852886e38),  # max float32
        (aga.Float32(1e-45), 1.401298464324817e-45),  # smallest subnormal
        (aga.Float32(0.1), 0.10000000149011612),  # the value the 32-bit float holds
    ],
    "double": [
        (0.1, 0.1),
        (-0.0, -0.0),
        (math.nan, math.nan),
        (math.inf, math.inf),
        (-math.inf, -math.inf),
        (1.7976931348623157e308, 1.7976931348623157e308),
        (5e-324, 5e-324),
    ],
    "decimal": [
        (Decimal("0"), Decimal("0")),
        (Decimal("1.10"), Decimal("1.10")),  # the scale survives
        (Decimal("-0.001"), Decimal("-0.001")),
        (Decimal("1E+5"), Decimal("1E+5")),  # negative scale
        (Decimal("-7E+300"), Decimal("-7E+300")),
        (HUGE_DECIMAL, HUGE_DECIMAL),
        (Decimal("1E-2147483647"), Decimal("1E-2147483647")),  # scale: int32 max
        (Decimal("-1E+2147483648"), Decimal("-1E+2147483648")),  # scale: int32 min
    ],
    "boolean": [(True, True), (False, False)],
    "ascii": [("", ""), ("plain ascii ~!", "plain ascii ~!"), ("\x00\x7f", "\x00\x7f")],
    "text": [
        ("", ""),
        ("héllo wörld", "héllo wörld"),
        ("日本語 🎉 \u200b", "日本語 🎉 \u200b"),
        ("\x00 nul inside", "\x00 nul inside"),
        ("x" * 70_000, "x" * 70_000),
    ],
    "blob": [
        (b"", b""),
        (b"\x00\xff" * 3, b"\x00\xff" * 3),
        (bytes(range(256)) * 400, bytes(range(256)) * 400),
        (bytearray(b"ba"), b"ba"),
        (memoryview(b"mv"), b"mv"),
    ],
    "uuid": [
        (uuid.UUID(int=0), uuid.UUID(int=0)),
        (uuid.UUID(int=2**128 - 1), uuid.UUID(int=2**128 - 1)),
        (
            uuid.UUID("12345678-1234-5678-1234-567812345678"),
            uuid.UUID("12345678-1234-5678-1234-567812345678"),
        ),
    ],
    "inet": [
        (ipaddress.IPv4Address("0.0.0.0"), ipaddress.IPv4Address("0.0.0.0")),
        (ipaddress.IPv4Address("255.255.255.255"), ipaddress.IPv4Address("255.255.255.255")),
        (ipaddress.IPv6Address("::1"), ipaddress.IPv6Address("::1")),
        (
            ipaddress.IPv6Address("2001:db8::ff00:42:8329"),
            ipaddress.IPv6Address("2001:db8::ff00:42:8329"),
        ),
        (ipaddress.IPv6Address("::ffff:1.2.3.4"), ipaddress.IPv6Address("::ffff:1.2.3.4")),
    ],
    "date": [
        (aga.Date(0), dt.date(1970, 1, 1)),
        (dt.date(1970, 1, 1), dt.date(1970, 1, 1)),
        (aga.Date(-1), dt.date(1969, 12, 31)),
        (dt.date.min, dt.date.min),
        (dt.date.max, dt.date.max),
        (aga.Date(DATE_MIN_DAYS - 1), aga.Date(DATE_MIN_DAYS - 1)),  # before year 1
        (aga.Date(DATE_MAX_DAYS + 1), aga.Date(DATE_MAX_DAYS + 1)),  # after year 9999
        (aga.Date(INT32_MIN), aga.Date(INT32_MIN)),  # CQL's first and last day
        (aga.Date(INT32_MAX), aga.Date(INT32_MAX)),
    ],
    "timestamp": [
        (aga.Timestamp(0), EPOCH),
        (
            dt.datetime(2024, 2, 29, 12, 30, 15, 123999),
            dt.datetime(2024, 2, 29, 12, 30, 15, 123000, UTC),
        ),  # naive = UTC, ms
        (
            dt.datetime(2024, 1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=2))),
            dt.datetime(2023, 12, 31, 23, tzinfo=UTC),
        ),
        (
            dt.datetime(1969, 12, 31, 23, 59, 59, 999500, UTC),
            dt.datetime(1969, 12, 31, 23, 59, 59, 999000, UTC),
        ),
        (aga.Timestamp(-1), dt.datetime(1969, 12, 31, 23, 59, 59, 999000, UTC)),
        (aga.Timestamp(TIMESTAMP_MAX_MS), dt.datetime.max.replace(microsecond=999000, tzinfo=UTC)),
        (aga.Timestamp(TIMESTAMP_MAX_MS + 1), aga.Timestamp(TIMESTAMP_MAX_MS + 1)),  # year 10000
        (aga.Timestamp(TIMESTAMP_MIN_MS), dt.datetime.min.replace(tzinfo=UTC)),
        (aga.Timestamp(TIMESTAMP_MIN_MS - 1), aga.Timestamp(TIMESTAMP_MIN_MS - 1)),  # before year 1
        (aga.Timestamp(INT64_MAX), aga.Timestamp(INT64_MAX)),
        (aga.Timestamp(INT64_MIN), aga.Timestamp(INT64_MIN)),
    ],
    "time": [
        (dt.time(0), dt.time(0)),
        (aga.Time(0), dt.time(0)),
        (dt.time(23, 59, 59, 999999), dt.time(23, 59, 59, 999999)),
        (aga.Time(NANOS_PER_DAY - 1), aga.Time(86_399_999_999_999)),  # the last nanosecond
        (aga.Time(1), aga.Time(1)),  # sub-microsecond stays a Time
        (aga.Time(12_000), dt.time(0, 0, 0, 12)),
    ],
    "duration": [
        (aga.Duration(0, 0, 0), aga.Duration(0, 0, 0)),
        (aga.Duration(1, 2, 3), aga.Duration(1, 2, 3)),
        (aga.Duration(-1, -2, -3), aga.Duration(-1, -2, -3)),  # negative
        (
            aga.Duration(INT32_MAX, INT32_MAX, INT64_MAX),
            aga.Duration(INT32_MAX, INT32_MAX, INT64_MAX),
        ),
        (
            aga.Duration(INT32_MIN, INT32_MIN, INT64_MIN),
            aga.Duration(INT32_MIN, INT32_MIN, INT64_MIN),
        ),
        (dt.timedelta(days=-1, microseconds=1), aga.Duration(0, 0, -86_399_999_999_000)),
        (dt.timedelta(days=3, seconds=5), aga.Duration(0, 3, 5_000_000_000)),
    ],
}


@pytest.mark.parametrize("cql_type", sorted(EXTREMES))
async def test_extremes_round_trip(client: aga.Client, ks: str, cql_type: str) -> None:
    await check_all(client, ks, cql_type, EXTREMES[cql_type])


async def test_timeuuid_round_trip(client: aga.Client, ks: str) -> None:
    u1 = uuid.uuid1()
    fixed = uuid.UUID("e7e5f9a0-1dd2-11b2-8080-808080808080")  # version 1
    await check_all(client, ks, "timeuuid", [(u1, u1), (fixed, fixed)])


# --- property-based round trips ------------------------------------------------------


def _same_pair(value: Any) -> tuple[Any, Any]:
    return value, value


def _varint_case(n: int, plain: bool) -> tuple[Any, Any]:
    # a plain int is a 64-bit `int` Value when it fits: only beyond it may it stand alone
    return (n if plain and not fits64(n) else aga.Varint(n)), n


def _duration_case(sign: int, months: int, days: int, nanos: int) -> tuple[Any, Any]:
    d = aga.Duration(sign * months, sign * days, sign * nanos)
    return d, d


def _timestamp_dt_case(value: dt.datetime) -> tuple[Any, Any]:
    ms = (value.replace(tzinfo=value.tzinfo or UTC) - EPOCH) // dt.timedelta(milliseconds=1)
    return value, want_timestamp(ms)


def _collection_case(value: Any) -> tuple[Any, Any]:
    return value, (value if value else None)  # an empty collection reads back as null


int32s = st.integers(INT32_MIN, INT32_MAX)
texts = st.text(max_size=20)
offsets = st.builds(
    dt.timezone, st.timedeltas(min_value=dt.timedelta(hours=-23), max_value=dt.timedelta(hours=23))
)

PROPERTIES: dict[str, st.SearchStrategy[tuple[Any, Any]]] = {
    "tinyint": st.integers(-128, 127).map(_same_pair),
    "smallint": st.integers(-(2**15), 2**15 - 1).map(_same_pair),
    "int": int32s.map(_same_pair),
    "bigint": st.integers(INT64_MIN, INT64_MAX).map(_same_pair),
    "varint": st.builds(
        _varint_case, st.one_of(st.integers(), st.integers(-(2**300), 2**300)), st.booleans()
    ),
    "float": st.floats(width=32).map(lambda x: (aga.Float32(x), x)),
    "double": st.floats().map(_same_pair),
    "decimal": st.builds(
        lambda unscaled, scale: Decimal(f"{unscaled}E{-scale}"),
        st.integers(-(10**60), 10**60),
        st.one_of(st.integers(-40, 40), int32s),
    ).map(_same_pair),
    "boolean": st.booleans().map(_same_pair),
    "ascii": st.text(st.characters(max_codepoint=127), max_size=40).map(_same_pair),
    "text": st.text(max_size=80).map(_same_pair),
    "blob": st.binary(max_size=3000).map(_same_pair),
    "uuid": st.uuids().map(_same_pair),
    "timeuuid": st.uuids(version=1).map(_same_pair),
    "inet": st.ip_addresses().map(_same_pair),
    "date": st.one_of(
        st.dates().map(_same_pair),
        int32s.map(lambda n: (aga.Date(n), want_date(n))),
    ),
    "timestamp": st.one_of(
        st.datetimes(timezones=st.none() | st.just(UTC) | offsets).map(_timestamp_dt_case),
        st.integers(INT64_MIN, INT64_MAX).map(lambda ms: (aga.Timestamp(ms), want_timestamp(ms))),
    ),
    "time": st.one_of(
        st.times().map(_same_pair),
        st.integers(0, NANOS_PER_DAY - 1).map(lambda n: (aga.Time(n), want_time(n))),
    ),
    "duration": st.builds(
        _duration_case,
        st.sampled_from([1, -1]),
        st.integers(0, INT32_MAX),
        st.integers(0, INT32_MAX),
        st.integers(0, INT64_MAX),
    ),
    "list<int>": st.lists(int32s, max_size=12).map(_collection_case),
    "list<text>": st.lists(texts, max_size=8).map(_collection_case),
    "set<text>": st.sets(texts, max_size=8).map(_collection_case),
    "set<bigint>": st.frozensets(st.integers(INT64_MIN, INT64_MAX), max_size=8).map(
        lambda s: (s, set(s) if s else None)
    ),
    "map<text, int>": st.dictionaries(texts, int32s, max_size=8).map(_collection_case),
    "map<int, boolean>": st.dictionaries(int32s, st.booleans(), max_size=8).map(_collection_case),
    "tuple<int, text, boolean>": st.tuples(
        st.none() | int32s, st.none() | texts, st.none() | st.booleans()
    ).map(_same_pair),
    "map<text, frozen<list<int>>>": st.dictionaries(
        texts, st.lists(int32s, min_size=1, max_size=5), max_size=5
    ).map(_collection_case),
    "set<frozen<tuple<int, text>>>": st.sets(st.tuples(int32s, texts), max_size=6).map(
        _collection_case
    ),
    "list<frozen<map<int, text>>>": st.lists(
        st.dictionaries(int32s, texts, min_size=1, max_size=3), max_size=4
    ).map(_collection_case),
    "frozen<list<frozen<set<int>>>>": st.lists(
        st.frozensets(int32s, min_size=1, max_size=3), min_size=1, max_size=4
    ).map(lambda v: (v, [set(s) for s in v])),
}


def _same_collection(got: Any, want: Any) -> bool:
    if want is None or not isinstance(want, list | set | dict | tuple):
        return same(got, want)
    return type(got) is type(want) and got == want


@pytest.mark.parametrize("cql_type", list(PROPERTIES))
@PROPERTY
@given(data=st.data())
async def test_property_round_trip(
    client: aga.Client, ks: str, cql_type: str, data: st.DataObject
) -> None:
    name = await table(client, ks, cql_type)
    value, want = data.draw(PROPERTIES[cql_type], label="value")
    got = await round_trip(client, name, value)
    assert _same_collection(got, want), f"sent {value!r}, want {want!r}, got {got!r}"


# --- counters -------------------------------------------------------------------------


@PROPERTY
@given(deltas=st.lists(st.integers(-(2**40), 2**40), min_size=1, max_size=6))
async def test_counter_updates(client: aga.Client, ks: str, deltas: list[int]) -> None:
    name = f"{ks}.counters"
    if name not in _tables:
        await client.execute(f"CREATE TABLE {name} (k int PRIMARY KEY, c counter)")
        _tables.add(name)
    k = next(_keys)
    for delta in deltas:
        await client.execute(f"UPDATE {name} SET c = c + ? WHERE k = ?", [delta, k])
    assert (await client.execute(f"SELECT c FROM {name} WHERE k = ?", [k])).scalar() == sum(deltas)
    await client.execute(f"UPDATE {name} SET c = c - ? WHERE k = ?", [sum(deltas), k])
    assert (await client.execute(f"SELECT c FROM {name} WHERE k = ?", [k])).scalar() == 0


async def test_counter_bounds(client: aga.Client, ks: str) -> None:
    await client.execute(f"CREATE TABLE {ks}.cb (k int PRIMARY KEY, c counter)")
    await client.execute(f"UPDATE {ks}.cb SET c = c + ? WHERE k = 1", [INT64_MAX])
    await client.execute(f"UPDATE {ks}.cb SET c = c - ? WHERE k = 2", [INT64_MAX])
    await client.execute(f"UPDATE {ks}.cb SET c = c - 1 WHERE k = 2")
    res = await client.execute(f"SELECT k, c FROM {ks}.cb WHERE k IN (1, 2)")
    assert sorted(res.rows) == [(1, INT64_MAX), (2, INT64_MIN)]
    assert [c.type for c in res.columns] == ["int", "counter"]


# --- collections and tuples: specifics ------------------------------------------------


async def test_empty_collections_read_back_as_null(client: aga.Client, ks: str) -> None:
    await client.execute(
        f"CREATE TABLE {ks}.ec (k int PRIMARY KEY, l list<int>, s set<text>, m map<int, text>)"
    )
    await client.execute(
        f"INSERT INTO {ks}.ec (k, l, s, m) VALUES (?, ?, ?, ?)", [1, [], set(), {}]
    )
    assert (await client.execute(f"SELECT l, s, m FROM {ks}.ec WHERE k = 1")).one() == (
        None,
        None,
        None,
    )
    # emptied by removing the last element: null too
    await client.execute(f"INSERT INTO {ks}.ec (k, l, s) VALUES (2, [7], {{'a'}})")
    await client.execute(f"UPDATE {ks}.ec SET l = l - ?, s = s - ? WHERE k = 2", [[7], {"a"}])
    assert (await client.execute(f"SELECT l, s FROM {ks}.ec WHERE k = 2")).one() == (None, None)


async def test_list_keeps_order_and_duplicates(client: aga.Client, ks: str) -> None:
    await check_all(client, ks, "list<int>", [([3, 1, 3, 2], [3, 1, 3, 2]), ((5, 4), [5, 4])])


async def test_tuple_with_nulls_and_column_types(client: aga.Client, ks: str) -> None:
    name = await table(client, ks, "tuple<int, text, boolean>")
    assert await round_trip(client, name, (None, None, None)) == (None, None, None)
    assert await round_trip(client, name, (1, None, True)) == (1, None, True)
    res = await client.execute(f"SELECT v FROM {name} LIMIT 1")
    assert res.columns[0].type == "tuple<int, varchar, boolean>"


async def test_nested_frozen_collections(client: aga.Client, ks: str) -> None:
    value = {"a": [1, 2], "b": [3]}
    await check_all(client, ks, "map<text, frozen<list<int>>>", [(value, value)])
    pairs = {(1, "x"), (2, "y"), (1, "y")}
    await check_all(client, ks, "set<frozen<tuple<int, text>>>", [(pairs, pairs)])
    nested = {1: {"in": {2.5: "z", -1.0: ""}}, 2: {"x": {0.0: "y"}}}
    await check_all(
        client, ks, "map<int, frozen<map<text, frozen<map<double, text>>>>>", [(nested, nested)]
    )
    # a set of sets: inner sets come back as frozensets (hashable)
    sets = {frozenset({1, 2}), frozenset({3})}
    await check_all(client, ks, "set<frozen<set<int>>>", [(sets, sets)])


# --- user-defined types -------------------------------------------------------------


async def test_udt_round_trips(client: aga.Client, ks: str) -> None:
    change = await client.execute(f"CREATE TYPE {ks}.address (street text, zip int)")
    assert change.schema_change is not None and change.schema_change.target.name == "TYPE"
    await client.execute(f"CREATE TYPE {ks}.person (name text, home frozen<address>)")
    await client.execute(
        f"CREATE TABLE {ks}.people (k int PRIMARY KEY, a frozen<address>, p frozen<person>, "
        "many list<frozen<address>>, byname map<text, frozen<address>>)"
    )
    home = aga.Udt(street="Main St", zip=12345)
    person = aga.Udt(name="ada", home=home)
    many = [home, aga.Udt({"street": "Side", "zip": None}), aga.Udt(street=None, zip=7)]
    insert = f"INSERT INTO {ks}.people (k, a, p, many, byname) VALUES (?, ?, ?, ?, ?)"
    await client.execute(insert, [1, home, person, many, {"h": home}])
    row = (await client.execute(f"SELECT a, p, many, byname FROM {ks}.people WHERE k = 1")).one()
    assert isinstance(row["a"], aga.Udt) and row["a"] == home
    assert row["a"].street == "Main St" and row["a"]["zip"] == 12345
    assert row["p"] == person and isinstance(row["p"].home, aga.Udt)
    assert row["many"] == many and all(isinstance(u, aga.Udt) for u in row["many"])
    assert row["byname"] == {"h": home}

    # missing fields read back as None; all-null and empty UDTs read back as null
    await client.execute(
        insert, [2, aga.Udt(street="only"), aga.Udt(name=None, home=None), None, None]
    )
    row = (await client.execute(f"SELECT a, p FROM {ks}.people WHERE k = 2")).one()
    assert row["a"] == {"street": "only", "zip": None}
    assert row["p"] is None
    await client.execute(insert, [3, aga.Udt(), aga.Udt(name=None, home=aga.Udt()), None, None])
    # an empty UDT at the top is null; nested, it is a present value with null fields
    row = (await client.execute(f"SELECT a, p FROM {ks}.people WHERE k = 3")).one()
    assert row == (None, aga.Udt(name=None, home=aga.Udt(street=None, zip=None)))


@PROPERTY
@given(street=st.none() | texts, zip_code=st.none() | int32s)
async def test_udt_property(
    client: aga.Client, ks: str, street: str | None, zip_code: int | None
) -> None:
    name = f"{ks}.udt_prop"
    if name not in _tables:
        await client.execute(f"CREATE TYPE {ks}.addr (street text, zip int)")
        await client.execute(f"CREATE TABLE {name} (k int PRIMARY KEY, v frozen<addr>)")
        _tables.add(name)
    got = await round_trip(client, name, aga.Udt(street=street, zip=zip_code))
    if street is None and zip_code is None:
        assert got is None
    else:
        assert got == aga.Udt(street=street, zip=zip_code) and isinstance(got, aga.Udt)


# --- null and UNSET for every type ----------------------------------------------------

ALL_TYPES = {
    "c_tinyint": ("tinyint", 1),
    "c_smallint": ("smallint", 2),
    "c_int": ("int", 3),
    "c_bigint": ("bigint", 4),
    "c_varint": ("varint", aga.Varint(5)),
    "c_float": ("float", aga.Float32(6.5)),
    "c_double": ("double", 7.25),
    "c_decimal": ("decimal", Decimal("8.125")),
    "c_boolean": ("boolean", True),
    "c_ascii": ("ascii", "nine"),
    "c_text": ("text", "ten"),
    "c_blob": ("blob", b"\x0b"),
    "c_uuid": ("uuid", uuid.UUID(int=12)),
    "c_timeuuid": ("timeuuid", uuid.UUID("e7e5f9a0-1dd2-11b2-8080-808080808080")),
    "c_inet": ("inet", ipaddress.IPv4Address("10.0.0.14")),
    "c_date": ("date", dt.date(2015, 5, 15)),
    "c_timestamp": ("timestamp", dt.datetime(2016, 6, 16, tzinfo=UTC)),
    "c_time": ("time", dt.time(17, 17, 17)),
    "c_duration": ("duration", aga.Duration(1, 8, 0)),
    "c_list": ("list<int>", [19]),
    "c_set": ("set<text>", {"twenty"}),
    "c_map": ("map<text, int>", {"twenty-one": 21}),
    "c_tuple": ("tuple<int, text>", (22, "x")),
    "c_frozen": ("frozen<list<int>>", [23]),
    "c_udt": ("frozen<pair>", aga.Udt(a=24, b="y")),
}


async def _all_types_table(client: aga.Client, ks: str) -> tuple[str, list[str]]:
    await client.execute(f"CREATE TYPE {ks}.pair (a int, b text)")
    columns = ", ".join(f"{col} {cql}" for col, (cql, _) in ALL_TYPES.items())
    await client.execute(f"CREATE TABLE {ks}.every (k int PRIMARY KEY, {columns})")
    return f"{ks}.every", list(ALL_TYPES)


async def test_null_for_every_type(client: aga.Client, ks: str) -> None:
    name, cols = await _all_types_table(client, ks)
    markers = ", ".join("?" for _ in cols)
    await client.execute(
        f"INSERT INTO {name} (k, {', '.join(cols)}) VALUES (?, {markers})",
        [1] + [None] * len(cols),
    )
    row = (await client.execute(f"SELECT {', '.join(cols)} FROM {name} WHERE k = 1")).one()
    assert dict(row.items()) == dict.fromkeys(cols)
    # a null overwrites a value
    values = [v for _, v in ALL_TYPES.values()]
    await client.execute(
        f"INSERT INTO {name} (k, {', '.join(cols)}) VALUES (?, {markers})", [2, *values]
    )
    for col in cols:
        await client.execute(f"UPDATE {name} SET {col} = ? WHERE k = ?", [None, 2])
    row = (await client.execute(f"SELECT {', '.join(cols)} FROM {name} WHERE k = 2")).one()
    assert dict(row.items()) == dict.fromkeys(cols)


async def test_unset_leaves_previous_value(client: aga.Client, ks: str) -> None:
    name, cols = await _all_types_table(client, ks)
    markers = ", ".join("?" for _ in cols)
    insert = f"INSERT INTO {name} (k, {', '.join(cols)}) VALUES (?, {markers})"
    values = [v for _, v in ALL_TYPES.values()]
    await client.execute(insert, [1, *values])
    await client.execute(insert, [1] + [aga.UNSET] * len(cols))
    await client.execute(
        f"UPDATE {name} SET {', '.join(f'{c} = ?' for c in cols)} WHERE k = ?",
        [aga.UNSET] * len(cols) + [1],
    )
    await client.execute(
        f"UPDATE {name} SET c_int = :v, c_text = :t WHERE k = :k",
        {"v": aga.UNSET, "t": "new", "k": 1},
    )
    row = (await client.execute(f"SELECT {', '.join(cols)} FROM {name} WHERE k = 1")).one()
    want = {col: v for col, (_, v) in ALL_TYPES.items()} | {"c_text": "new"}
    assert dict(row.items()) == want


# --- bad values -----------------------------------------------------------------------


async def _expect_bind_error(client: aga.Client, cql: str, params: Any, text: str) -> None:
    with pytest.raises(errors.BindValueError) as info:
        await client.execute(cql, params)
    assert info.value.code == "INVALID_ARGUMENT"
    assert text in info.value.message, info.value.message


async def test_wrong_kind_is_bind_value_error(client: aga.Client, ks: str) -> None:
    await client.execute(f"CREATE TABLE {ks}.wk (k int PRIMARY KEY, i int, t text, b blob)")
    insert = f"INSERT INTO {ks}.wk (k, i, t, b) VALUES (?, ?, ?, ?)"
    await _expect_bind_error(
        client, insert, [1, "x", "t", b""], "Invalid argument at position 2: Expected integer type"
    )
    await _expect_bind_error(
        client, insert, [1, 1, 2, b""], "Invalid argument at position 3: Expected string type"
    )
    await _expect_bind_error(client, insert, ["k", 1, "t", b""], "Invalid argument at position 1")
    await _expect_bind_error(
        client, insert, [1, 1, "t", "not bytes"], "Invalid argument at position 4"
    )
    await _expect_bind_error(client, insert, [1, 1.5, "t", b""], "Invalid argument at position 2")
    assert (await client.execute(f"SELECT * FROM {ks}.wk")).rows == []  # nothing was written


@pytest.mark.parametrize(
    ("cql_type", "bad"),
    [("tinyint", 128), ("tinyint", -129), ("smallint", 2**15), ("smallint", -(2**15) - 1),
     ("int", 2**31), ("int", -(2**31) - 1)],
)  # fmt: skip
async def test_int_out_of_range_is_bind_value_error(
    client: aga.Client, ks: str, cql_type: str, bad: int
) -> None:
    name = await table(client, ks, cql_type)
    await _expect_bind_error(
        client,
        f"INSERT INTO {name} (k, v) VALUES (?, ?)",
        [1, bad],
        "Invalid argument at position 2",
    )


@pytest.mark.parametrize(
    ("value", "where"),
    [
        (object(), "bind value at position 1"),
        ([1, object()], "[1]"),
        ({"k": {1, 2}.__iter__()}, "['k']"),
        (aga.Float32(1e40), "32-bit"),
        (Decimal("NaN"), "NaN"),
        (dt.time(1, tzinfo=UTC), "time zone"),
        (aga.Udt(a=object()), ".a"),
    ],
)
async def test_unencodable_value_raises_before_sending(
    client: aga.Client, server: Any, ks: str, value: Any, where: str
) -> None:
    calls = server.servicer.calls
    with pytest.raises(errors.EncodeError) as info:
        await client.execute(f"INSERT INTO {ks}.nowhere (k, v) VALUES (?, ?)", [1, value])
    assert where in str(info.value), str(info.value)
    assert info.value.position == 1
    assert server.servicer.calls == calls  # nothing reached the server
