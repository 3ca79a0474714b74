"""Engine: bound values -- count / name checks, the value kind each column
type takes (Stargate's messages), ranges, and round trips for every type."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from test_engine_helpers import UNSET, Db, py

from astra_grpc_async._proto.stargate import query_pb2 as pb
from astra_grpc_async.emulator.errors import BindCountError, InvalidRequest

ALL_TYPES = (
    "a ascii, bi bigint, b blob, bo boolean, d date, de decimal, do double, du duration, "
    "f float, i inet, n int, s smallint, t text, tm time, ts timestamp, tu timeuuid, "
    "ti tinyint, u uuid, vc varchar, vi varint"
)
V1 = uuid.UUID("5f7e4c5a-1d2b-11ee-be56-0242ac120002")  # version 1
V4 = uuid.UUID("0f0b8b3c-8f5e-4c9b-9d7e-0b9a1e2f3c4d")


def typed() -> Db:
    db = Db()
    db.q(f"CREATE TABLE t (k int PRIMARY KEY, {ALL_TYPES})")
    return db


def test_round_trip_every_type() -> None:
    db = typed()
    values = {
        "a": pb.Value(string="ascii"),
        "bi": pb.Value(int=-(2**63)),
        "b": pb.Value(bytes=b"\x00\x01"),
        "bo": pb.Value(boolean=True),
        "d": pb.Value(date=2**31 + 19000),
        "de": pb.Value(decimal=pb.Decimal(scale=(-3) & 0xFFFFFFFF, value=b"\x85")),
        "do": pb.Value(double=1.25),
        "du": pb.Value(duration=pb.Duration(months=1, days=-2, nanos=3)),
        "f": pb.Value(float=0.5),
        "i": pb.Value(inet=pb.Inet(value=bytes(16))),
        "n": pb.Value(int=2**31 - 1),
        "s": pb.Value(int=-(2**15)),
        "t": pb.Value(string="ünïcode"),
        "tm": pb.Value(time=86399999999999),
        "ts": pb.Value(int=-1000),
        "tu": pb.Value(uuid=pb.Uuid(value=V1.bytes)),
        "ti": pb.Value(int=127),
        "u": pb.Value(uuid=pb.Uuid(value=V4.bytes)),
        "vc": pb.Value(string="varchar"),
        "vi": pb.Value(varint=pb.Varint(value=b"\x80\x00\x00\x00\x00\x00\x00\x00\x00")),
    }
    names = list(values)
    db.q(
        f"INSERT INTO t (k, {', '.join(names)}) VALUES (1, {', '.join('?' * len(names))})",
        *values.values(),
    )
    rs = db.q(f"SELECT {', '.join(names)} FROM t WHERE k = 1").result_set
    got = dict(zip(names, rs.rows[0].values, strict=True))
    assert got == values
    assert py(got["de"]) == Decimal("-123000")
    assert py(got["vi"]) == -(2**71)
    types = {c.name: c.type.basic for c in rs.columns}
    assert types["t"] == types["vc"] == pb.TypeSpec.VARCHAR
    assert types["a"] == pb.TypeSpec.ASCII
    assert types["du"] == pb.TypeSpec.DURATION
    assert types["tu"] == pb.TypeSpec.TIMEUUID


def test_literals_for_every_type() -> None:
    db = typed()
    db.q(
        "INSERT INTO t (k, a, bi, b, bo, d, de, do, du, f, i, n, s, t, tm, ts, tu, ti, u, vi) "
        "VALUES (1, 'x', 5, 0xcafe, true, '2024-01-02', 1.50, 2.5, 1h30m, 1.5, '10.0.0.1', 7, "
        f"8, 'y', '01:02:03.5', '2024-01-02 03:04:05.678+0000', {V1}, 9, {V4}, "
        "123456789012345678901234567890)"
    )
    (row,) = db.rows("SELECT a, bi, b, bo, d, de, do, du, f, n, tm, ts, vi, i FROM t")
    assert row[:4] == ("x", 5, b"\xca\xfe", True)
    assert row[4] == 2**31 + 19724
    assert row[5] == Decimal("1.50") and str(row[5]) == "1.50"
    assert row[6:10] == (2.5, (0, 0, 5_400_000_000_000), 1.5, 7)
    assert row[10] == 3_723_500_000_000
    assert row[11] == 1704164645678
    assert row[12] == 123456789012345678901234567890
    assert str(row[13]) == "10.0.0.1"
    e = db.err("INSERT INTO t (k, n) VALUES (1, 'text')")
    assert e.message == 'Invalid STRING constant (text) for "n" of type int'
    e = db.err("INSERT INTO t (k, t) VALUES (1, 5)")
    assert e.message == 'Invalid INTEGER constant (5) for "t" of type text'


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("n", pb.Value(string="x"), "Expected integer type"),
        ("bi", pb.Value(double=1.0), "Expected integer type"),
        ("ts", pb.Value(string="2020"), "Expected integer type"),
        ("t", pb.Value(int=1), "Expected string type"),
        ("a", pb.Value(bytes=b"x"), "Expected string type"),
        ("b", pb.Value(string="x"), "Expected bytes type"),
        ("bo", pb.Value(int=1), "Expected boolean type"),
        ("f", pb.Value(double=1.0), "Expected float type"),
        ("do", pb.Value(float=1.0), "Expected double type"),
        ("u", pb.Value(string="x"), "Expected UUID type"),
        ("d", pb.Value(int=1), "Expected date type"),
        ("tm", pb.Value(int=1), "Expected time type"),
        ("vi", pb.Value(int=1), "Expected varint type"),
        ("de", pb.Value(double=1.0), "Expected decimal type"),
        ("du", pb.Value(int=1), "Expected duration type"),
        ("ti", pb.Value(int=128), "Valid range for tinyint is -128 to 127"),
        ("ti", pb.Value(int=-129), "Valid range for tinyint is -128 to 127"),
        ("s", pb.Value(int=32768), "Valid range for smallint is -32768 to 32767"),
        ("n", pb.Value(int=2**31), "Valid range for int is -2147483648 to 2147483647"),
        ("tm", pb.Value(time=86400000000000),
         "Valid range for time is 0 to 86399999999999 nanoseconds"),
        ("i", pb.Value(inet=pb.Inet(value=b"\x01\x02")),
         "Expected 4 or 16 bytes for an IPv4 or IPv6 address"),
        ("tu", pb.Value(uuid=pb.Uuid(value=V4.bytes)), f"{V4} is not a Type 1 (time-based) UUID"),
    ],
)  # fmt: skip
def test_wrong_value_kind_or_range(column: str, value: pb.Value, message: str) -> None:
    db = typed()
    e = db.err(f"INSERT INTO t (k, {column}) VALUES (?, ?)", 1, value)
    assert isinstance(e, InvalidRequest)
    assert e.code == "INVALID_ARGUMENT"
    assert e.message == f"Invalid argument at position 2: {message}"


def test_collection_value_checks() -> None:
    db = Db()
    db.q(
        "CREATE TABLE t (k int PRIMARY KEY, l list<int>, m map<text, int>, "
        "tp tuple<int, int>, s set<int>)"
    )
    cases = [
        ("l", pb.Value(int=1), "Expected collection type"),
        ("l", [1, None], "null is not supported inside lists"),
        ("s", [None], "null is not supported inside sets"),
        ("l", ["x"], "Expected integer type"),
        ("m", pb.Value(collection=pb.Collection(elements=[pb.Value(string="a")])),
         "Expected an even number of elements"),
        ("m", {"a": None}, "null is not supported inside maps"),
        ("tp", [1, 2, 3], "Too many tuple fields. Expected 2, but received 3"),
    ]  # fmt: skip
    for col, value, message in cases:
        e = db.err(f"UPDATE t SET {col} = ? WHERE k = 1", value)
        assert e.message == f"Invalid argument at position 1: {message}", col


def test_bind_counts() -> None:
    db = typed()
    e = db.err("INSERT INTO t (k, n) VALUES (?, ?)", 1)
    assert isinstance(e, BindCountError)
    assert e.code == "FAILED_PRECONDITION"
    assert e.message == "Invalid number of bind values. Expected 2, but received 1"
    e = db.err("SELECT * FROM t WHERE k = 1", 1)
    assert e.message == "Invalid number of bind values. Expected 0, but received 1"
    # no values at all: the statement reaches the database, which refuses it
    e = db.err("SELECT * FROM t WHERE k = ?")
    assert e.code == "INVALID_ARGUMENT"


def test_named_values() -> None:
    db = typed()
    db.q("INSERT INTO t (k, n) VALUES (:key, :num)", 7, 1, names=["num", "key"])
    assert db.rows("SELECT k, n FROM t") == [(1, 7)]
    # `?` markers are named after their column
    db.q("INSERT INTO t (k, t) VALUES (?, ?)", "x", 2, names=["t", "k"])
    assert db.rows("SELECT t FROM t WHERE k = 2") == [("x",)]
    e = db.err("INSERT INTO t (k, n) VALUES (:key, :num)", 1, 2, names=["key", "nope"])
    assert e.code == "INVALID_ARGUMENT"
    assert e.message == "Unable to find bind marker with name 'nope'"
    e = db.err("INSERT INTO t (k, n) VALUES (:key, :num)", 1, names=["key"])
    assert e.code == "FAILED_PRECONDITION"
    assert e.message == "Invalid number of bind names. Expected 2, but received 1"
    e = db.err("INSERT INTO t (k, n) VALUES (:key, :num)", "x", 1, names=["key", "num"])
    assert e.message == "Invalid argument at position 1: Expected integer type"


def test_null_and_unset_rules() -> None:
    db = typed()
    db.q("INSERT INTO t (k, n, t) VALUES (?, ?, ?)", 1, None, UNSET)
    assert db.rows("SELECT n, t FROM t") == [(None, None)]
    assert (
        db.err("SELECT * FROM t WHERE k = ?", UNSET).message == "Invalid unset value for column k"
    )
    assert db.err("SELECT * FROM t WHERE k = ?", None).message == (
        "Invalid null value in condition for column k"
    )
    assert db.rows("SELECT k FROM t LIMIT ?", UNSET) == [(1,)]  # unset limit: no limit


def test_consistency_is_recorded() -> None:
    db = typed()
    db.q("SELECT * FROM t", consistency=pb.ALL)
    db.q("SELECT k FROM t")
    assert list(db.engine.consistency_log)[-2:] == [
        ("SELECT * FROM t", pb.ALL),
        ("SELECT k FROM t", pb.LOCAL_QUORUM),
    ]


def test_tracing() -> None:
    db = typed()
    r = db.q("SELECT * FROM t", tracing=True)
    assert r.traces.id and len(r.traces.events) >= 2
    assert r.traces.events[0].activity.startswith("Parsing")
    assert not db.q("SELECT * FROM t").HasField("traces")
