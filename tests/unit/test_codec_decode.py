"""RowsDecoder: nulls, wrong kinds from the server, caching, decode_into."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import ipaddress
import uuid
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from astra_grpc_async._proto.stargate import query_pb2
from astra_grpc_async.codec import (
    RowsDecoder,
    build_converter,
    build_decoder,
    decode_value,
    encode_value,
    type_name,
)
from astra_grpc_async.errors import ProtocolError
from astra_grpc_async.row import Row
from astra_grpc_async.types import Date, Duration, Udt

TS = query_pb2.TypeSpec
B = TS.Basic
V = query_pb2.Value


def basic(b: int) -> TS:
    return TS(basic=b)  # type: ignore[arg-type]


def col(name: str, spec: TS | int) -> query_pb2.ColumnSpec:
    return query_pb2.ColumnSpec(name=name, type=basic(spec) if isinstance(spec, int) else spec)


def row(*values: V) -> query_pb2.Row:
    return query_pb2.Row(values=values)


def null() -> V:
    return V(null=V.Null())


def empty_collection() -> V:
    v = V()
    v.collection.SetInParent()
    return v


# Every basic type with (a value of the right kind, its zero/default value if any).
BASICS: list[tuple[int, str, V]] = [
    (B.INT, "int", V(int=0)),
    (B.BIGINT, "int", V(int=0)),
    (B.SMALLINT, "int", V(int=0)),
    (B.TINYINT, "int", V(int=0)),
    (B.COUNTER, "int", V(int=0)),
    (B.TIMESTAMP, "int", V(int=0)),
    (B.FLOAT, "float", V(float=0.0)),
    (B.DOUBLE, "double", V(double=0.0)),
    (B.BOOLEAN, "boolean", V(boolean=False)),
    (B.VARCHAR, "string", V(string="")),
    (B.ASCII, "string", V(string="")),
    (B.TEXT, "string", V(string="")),
    (B.BLOB, "bytes", V(bytes=b"")),
    (B.CUSTOM, "bytes", V(bytes=b"")),
    (B.UUID, "uuid", V(uuid=query_pb2.Uuid(value=bytes(16)))),
    (B.TIMEUUID, "uuid", V(uuid=query_pb2.Uuid(value=bytes(16)))),
    (B.INET, "inet", V(inet=query_pb2.Inet(value=bytes(4)))),
    (B.DATE, "date", V(date=0)),
    (B.TIME, "time", V(time=0)),
    (B.VARINT, "varint", V(varint=query_pb2.Varint(value=b""))),
    (B.DECIMAL, "decimal", V(decimal=query_pb2.Decimal(scale=0, value=b""))),
    (B.DURATION, "duration", V(duration=query_pb2.Duration())),
]

EXPECTED_ZERO: dict[int, Any] = {
    B.TIMESTAMP: dt.datetime(1970, 1, 1, tzinfo=dt.UTC),
    B.UUID: uuid.UUID(int=0),
    B.TIMEUUID: uuid.UUID(int=0),
    B.DATE: Date(-(2**31)),
    B.TIME: dt.time(0),
    B.INET: ipaddress.IPv4Address(0),
    B.DURATION: Duration(),
}

WRONG_KINDS = [
    V(int=5),
    V(string="x"),
    V(boolean=True),
    V(double=1.5),
    V(bytes=b"x"),
    V(date=1),
    V(collection=query_pb2.Collection(elements=[V(int=1)])),
    V(udt=query_pb2.UdtValue(fields={"a": V(int=1)})),
    V(unset=V.Unset()),
]


@pytest.mark.parametrize(("b", "kind", "zero"), BASICS)
def test_null_and_no_kind_decode_to_none(b: int, kind: str, zero: V) -> None:
    conv = build_converter(basic(b))
    assert conv(null()) is None
    assert conv(V()) is None


@pytest.mark.parametrize(("b", "kind", "zero"), BASICS)
def test_default_values_are_not_null(b: int, kind: str, zero: V) -> None:
    # A Value that holds its kind's default (0, "", False ...) is a value, not null.
    wire = V.FromString(zero.SerializeToString())
    assert wire.WhichOneof("inner") == kind
    if b in (B.VARINT, B.DECIMAL):
        assert decode_value(basic(b), wire) == 0
    else:
        assert decode_value(basic(b), wire) == EXPECTED_ZERO.get(b, getattr(wire, kind))


@pytest.mark.parametrize(("b", "kind", "zero"), BASICS)
@pytest.mark.parametrize("wrong", WRONG_KINDS, ids=lambda v: v.WhichOneof("inner"))
def test_wrong_kind_is_a_protocol_error(b: int, kind: str, zero: V, wrong: V) -> None:
    if wrong.WhichOneof("inner") == kind:
        return
    decoder = build_decoder([col("id", B.INT), col("the_col", b)])
    with pytest.raises(ProtocolError) as info:
        decoder.decode([row(V(int=1), zero), row(V(int=2), wrong)])
    message = str(info.value)
    assert "'the_col'" in message
    assert repr(kind) in message


@pytest.mark.parametrize(
    ("spec", "value", "match"),
    [
        (basic(B.UUID), V(uuid=query_pb2.Uuid(value=b"\x01" * 15)), "16"),
        (basic(B.INET), V(inet=query_pb2.Inet(value=b"\x01" * 5)), "4 or 16"),
        (basic(B.TIME), V(time=86400 * 10**9), "nanos"),
        (basic(B.DURATION), V(duration=query_pb2.Duration(months=1, days=-1)), "same sign"),
        (
            TS(map=TS.Map(key=basic(B.INT), value=basic(B.INT))),
            V(collection=query_pb2.Collection(elements=[V(int=1)])),
            "odd",
        ),
        (
            TS(tuple=TS.Tuple(elements=[basic(B.INT)])),
            V(collection=query_pb2.Collection(elements=[V(int=1), V(int=2)])),
            "2 elements for 1",
        ),
        (
            TS(udt=TS.Udt(fields={"a": basic(B.INT)})),
            V(udt=query_pb2.UdtValue(fields={"zz": V(int=1)})),
            "unknown fields",
        ),
        (
            TS(list=TS.List(element=basic(B.INT))),
            V(collection=query_pb2.Collection(elements=[V(string="x")])),
            "'int'",
        ),
    ],
)
def test_bad_values_are_protocol_errors(spec: TS, value: V, match: str) -> None:
    with pytest.raises(ProtocolError, match=match):
        decode_value(spec, value)
    decoder = build_decoder([col("c", spec)])
    with pytest.raises(ProtocolError, match="column 'c'"):
        decoder.decode([row(value)])


def test_row_length_mismatch() -> None:
    decoder = build_decoder([col("a", B.INT), col("b", B.INT)])
    with pytest.raises(ProtocolError, match="row 1 has 1 values for 2 columns"):
        decoder.decode([row(V(int=1), V(int=2)), row(V(int=1))])
    with pytest.raises(ProtocolError, match="3 values"):
        decoder.decode([row(V(int=1), V(int=2), V(int=3))])


@pytest.mark.parametrize("spec", [TS(), basic(99), TS(list=TS.List())])
def test_unknown_type_spec(spec: TS) -> None:
    with pytest.raises(ProtocolError):
        build_converter(spec)
    with pytest.raises(ProtocolError, match="column 'x'"):
        build_decoder([col("x", spec)])


def test_empty_collections_from_the_server_are_null() -> None:
    for spec in [
        TS(list=TS.List(element=basic(B.INT))),
        TS(set=TS.Set(element=basic(B.INT))),
        TS(map=TS.Map(key=basic(B.INT), value=basic(B.INT))),
        TS(udt=TS.Udt(fields={"a": basic(B.INT)})),
    ]:
        assert decode_value(spec, null()) is None
    assert decode_value(TS(list=TS.List(element=basic(B.INT))), empty_collection()) == []
    assert decode_value(TS(set=TS.Set(element=basic(B.INT))), empty_collection()) == set()
    tup = TS(tuple=TS.Tuple(elements=[basic(B.INT), basic(B.INT)]))
    assert decode_value(tup, empty_collection()) == (None, None)


def test_null_elements_inside_collections() -> None:
    spec = TS(list=TS.List(element=basic(B.INT)))
    value = V(collection=query_pb2.Collection(elements=[V(int=1), null(), V(int=0)]))
    assert decode_value(spec, value) == [1, None, 0]


def test_udt_with_all_fields_missing_reads_as_all_none() -> None:
    spec = TS(udt=TS.Udt(fields={"a": basic(B.INT), "b": basic(B.VARCHAR)}))
    v = V()
    v.udt.SetInParent()
    back = decode_value(spec, v)
    assert isinstance(back, Udt)
    assert back == {"a": None, "b": None}


def test_geo_types_pass_text_or_bytes() -> None:
    spec = basic(B.POINT)
    assert decode_value(spec, V(string="POINT (1 2)")) == "POINT (1 2)"
    assert decode_value(spec, V(bytes=b"\x01")) == b"\x01"
    assert decode_value(spec, null()) is None
    with pytest.raises(ProtocolError):
        decode_value(spec, V(int=1))


def test_decode_rows() -> None:
    decoder = build_decoder([col("id", B.INT), col("name", B.VARCHAR), col("at", B.DATE)])
    rows = decoder.decode(
        [
            row(V(int=1), V(string="a"), encode_value(dt.date(2020, 1, 2))),
            row(V(int=0), V(string=""), null()),
            row(null(), V(), V()),
        ]
    )
    assert rows == [(1, "a", dt.date(2020, 1, 2)), (0, "", None), (None, None, None)]
    assert all(isinstance(r, Row) for r in rows)
    assert rows[0].name == "a" and rows[0]["at"] == dt.date(2020, 1, 2)
    assert decoder.decode([]) == []
    assert decoder.decode_row(row(V(int=7), V(string="x"), null())) == (7, "x", None)


def test_decode_with_real_repeated_container() -> None:
    rs = query_pb2.ResultSet(columns=[col("k", B.BIGINT), col("v", B.DOUBLE)])
    for i in range(100):
        rs.rows.add(values=[V(int=i), V(double=i / 2)])
    parsed = query_pb2.ResultSet.FromString(rs.SerializeToString())
    rows = build_decoder(parsed.columns).decode(parsed.rows)
    assert [tuple(r) for r in rows] == [(i, i / 2) for i in range(100)]


def test_duplicate_column_names() -> None:
    decoder = build_decoder([col("count", B.BIGINT), col("count", B.BIGINT)])
    (r,) = decoder.decode([row(V(int=1), V(int=2))])
    assert r == (1, 2)
    assert r["count"] == 1


def test_build_decoder_caches_per_schema() -> None:
    cols = [col("id", B.INT), col("tags", TS(set=TS.Set(element=basic(B.VARCHAR))))]
    first = build_decoder(cols)
    assert isinstance(first, RowsDecoder)
    same = [query_pb2.ColumnSpec.FromString(c.SerializeToString()) for c in cols]
    assert build_decoder(same) is first
    assert build_decoder(tuple(cols)) is first
    assert build_decoder([col("id", B.INT), col("tags", B.VARCHAR)]) is not first
    assert build_decoder([col("ID", B.INT), cols[1]]) is not first
    assert build_decoder(cols).row_class is first.row_class


@dataclasses.dataclass
class User:
    id: int
    name: str | None


def test_decode_into_a_dataclass() -> None:
    decoder = build_decoder([col("id", B.INT), col("name", B.VARCHAR)])
    users = decoder.decode_into([row(V(int=1), V(string="a")), row(V(int=2), null())], User)
    assert users == [User(1, "a"), User(2, None)]


def test_decode_into_errors() -> None:
    decoder = build_decoder([col("id", B.INT), col("name", B.VARCHAR)])
    with pytest.raises(ProtocolError, match="column 'name'"):
        decoder.decode_into([row(V(int=1), V(int=5))], User)

    @dataclasses.dataclass
    class Other:
        x: int

    with pytest.raises(TypeError):  # the class does not take these columns
        decoder.decode_into([row(V(int=1), V(string="a"))], Other)


def test_type_names() -> None:
    spec = TS(
        map=TS.Map(
            key=basic(B.VARCHAR),
            value=TS(list=TS.List(element=TS(tuple=TS.Tuple(elements=[basic(B.INT)])))),
        )
    )
    assert type_name(spec) == "map<varchar, list<tuple<int>>>"
    assert type_name(TS(udt=TS.Udt(name="address"))) == "address"
    assert type_name(TS(set=TS.Set(element=basic(99)))) == "set<basic(99)>"
    assert type_name(TS()) == "unknown"


@given(st.lists(st.sampled_from([*WRONG_KINDS, null(), V()]), min_size=1, max_size=5))
def test_prop_decoder_raises_only_protocol_errors(values: list[V]) -> None:
    specs = [
        basic(B.INT),
        basic(B.UUID),
        basic(B.DATE),
        TS(list=TS.List(element=basic(B.INT))),
        TS(map=TS.Map(key=basic(B.INT), value=basic(B.VARCHAR))),
        TS(udt=TS.Udt(fields={"a": basic(B.INT)})),
        TS(tuple=TS.Tuple(elements=[basic(B.INT)])),
    ]
    for spec in specs:
        decoder = build_decoder([col("c", spec)])
        for v in values:
            with contextlib.suppress(ProtocolError):
                decoder.decode([row(v)])
