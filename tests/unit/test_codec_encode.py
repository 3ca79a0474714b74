"""Python value -> stargate.Value: the kind chosen and the exact wire bytes."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import ipaddress
import uuid
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from astra_grpc_async._proto.stargate import query_pb2
from astra_grpc_async.codec import encode_value, encode_values
from astra_grpc_async.errors import EncodeError
from astra_grpc_async.types import UNSET, Date, Duration, Float32, Time, Timestamp, Udt, Varint


def kind(v: Any) -> str | None:
    return encode_value(v).WhichOneof("inner")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "null"),
        (UNSET, "unset"),
        (True, "boolean"),
        (False, "boolean"),
        (0, "int"),
        (2**63 - 1, "int"),
        (-(2**63), "int"),
        (2**63, "varint"),
        (-(2**63) - 1, "varint"),
        (Varint(1), "varint"),
        (1.5, "double"),
        (Float32(1.5), "float"),
        (decimal.Decimal("1.5"), "decimal"),
        ("x", "string"),
        ("", "string"),
        (b"x", "bytes"),
        (bytearray(b"x"), "bytes"),
        (memoryview(b"x"), "bytes"),
        (uuid.UUID(int=1), "uuid"),
        (ipaddress.IPv4Address("1.2.3.4"), "inet"),
        (ipaddress.IPv6Address("::1"), "inet"),
        (dt.datetime(2020, 1, 1), "int"),
        (dt.date(2020, 1, 1), "date"),
        (dt.time(1, 2), "time"),
        (Date(5), "date"),
        (Timestamp(5), "int"),
        (Time(5), "time"),
        (Duration(1, 2, 3), "duration"),
        (dt.timedelta(seconds=1), "duration"),
        ([], "collection"),
        ((), "collection"),
        (set(), "collection"),
        (frozenset([1]), "collection"),
        ({}, "collection"),
        (OrderedDict(a=1), "collection"),
        (Udt(a=1), "udt"),
        (Udt(), "udt"),
    ],
)
def test_kind_by_python_type(value: Any, expected: str) -> None:
    assert kind(value) == expected


def test_bool_is_not_an_int() -> None:
    v = encode_value(True)
    assert v.boolean is True
    assert encode_value(1).int == 1


def test_int_subclasses_and_integrals() -> None:
    class Color(enum.IntEnum):
        RED = 3

    assert encode_value(Color.RED).int == 3

    class Big(int):
        pass

    assert encode_value(Big(2**70)).WhichOneof("inner") == "varint"

    class StrE(enum.StrEnum):
        A = "a"

    assert encode_value(StrE.A).string == "a"


@pytest.mark.parametrize(
    ("n", "raw"),
    [
        (0, b"\x00"),
        (1, b"\x01"),
        (127, b"\x7f"),
        (128, b"\x00\x80"),
        (-1, b"\xff"),
        (-128, b"\x80"),
        (-129, b"\xff\x7f"),
        (2**64, b"\x01" + b"\x00" * 8),
        (-(2**64), b"\xff" + b"\x00" * 8),
    ],
)
def test_varint_bytes_are_minimal_twos_complement(n: int, raw: bytes) -> None:
    assert encode_value(Varint(n)).varint.value == raw


@pytest.mark.parametrize(
    ("text", "scale", "raw"),
    [
        ("1.5", 1, b"\x0f"),
        ("-1.5", 1, b"\xf1"),
        ("0", 0, b"\x00"),
        ("0.00", 2, b"\x00"),
        ("1E+5", (-5) & 0xFFFFFFFF, b"\x01"),
        ("123", 0, b"\x7b"),
    ],
)
def test_decimal_wire_form(text: str, scale: int, raw: bytes) -> None:
    v = encode_value(decimal.Decimal(text))
    assert v.decimal.scale == scale
    assert v.decimal.value == raw


@pytest.mark.parametrize("text", ["NaN", "sNaN", "Infinity", "-Infinity"])
def test_decimal_nan_and_infinity_are_refused(text: str) -> None:
    with pytest.raises(EncodeError, match="NaN or infinity"):
        encode_values([decimal.Decimal(text)])


def test_float_specials_are_valid() -> None:
    assert encode_value(float("inf")).double == float("inf")
    assert encode_value(float("nan")).double != encode_value(float("nan")).double
    assert encode_value(Float32(float("-inf"))).float == float("-inf")
    assert kind({float("nan")}) == "collection"


def test_float32_overflow_is_refused() -> None:
    with pytest.raises(EncodeError, match="32-bit float"):
        encode_values([Float32(1e300)])
    assert encode_value(Float32(3.4028234663852886e38)).float == 3.4028234663852886e38


def test_temporal_wire_forms() -> None:
    assert encode_value(dt.date(1970, 1, 1)).date == 2**31
    assert encode_value(dt.date(1969, 12, 31)).date == 2**31 - 1
    assert encode_value(Date(-(2**31))).date == 0
    assert encode_value(Date(2**31 - 1)).date == 2**32 - 1
    assert encode_value(dt.time(0)).time == 0
    assert encode_value(dt.time(23, 59, 59, 999999)).time == 86399999999000
    assert encode_value(Time(86399999999999)).time == 86399999999999
    assert encode_value(dt.datetime(1970, 1, 1, 0, 0, 1, 999)).int == 1000  # truncated
    assert encode_value(dt.datetime(1969, 12, 31, 23, 59, 59, 999999)).int == -1  # toward -inf
    naive = dt.datetime(2021, 5, 6, 7, 8, 9)
    assert encode_value(naive).int == encode_value(naive.replace(tzinfo=dt.UTC)).int
    plus2 = dt.timezone(dt.timedelta(hours=2))
    assert encode_value(dt.datetime(1970, 1, 1, 2, tzinfo=plus2)).int == 0
    assert encode_value(Timestamp(-(2**63))).int == -(2**63)


def test_aware_time_is_refused() -> None:
    with pytest.raises(EncodeError, match="time zone"):
        encode_values([dt.time(1, tzinfo=dt.UTC)])


def test_timedelta_to_duration() -> None:
    d = encode_value(dt.timedelta(days=-1, microseconds=-5)).duration
    assert (d.months, d.days, d.nanos) == (0, -1, -5000)


def test_collections_and_maps_in_order() -> None:
    v = encode_value({"a": [1, 2], "b": None})
    els = v.collection.elements
    assert [e.WhichOneof("inner") for e in els] == ["string", "collection", "string", "null"]
    assert [e.int for e in els[1].collection.elements] == [1, 2]
    t = encode_value((1, None, "x")).collection.elements
    assert [e.WhichOneof("inner") for e in t] == ["int", "null", "string"]


def test_udt_fields() -> None:
    v = encode_value(Udt(street="Main", zip=None, tags=["a"]))
    f = v.udt.fields
    assert f["street"].string == "Main"
    assert f["zip"].WhichOneof("inner") == "null"
    assert f["tags"].collection.elements[0].string == "a"


def test_encode_values_positional() -> None:
    values = encode_values([1, "a", None, UNSET])
    assert values is not None
    assert [v.WhichOneof("inner") for v in values.values] == ["int", "string", "null", "unset"]
    assert list(values.value_names) == []
    assert encode_values((1,)) is not None


def test_encode_values_named_in_order() -> None:
    values = encode_values({"b": 1, "a": UNSET})
    assert values is not None
    assert list(values.value_names) == ["b", "a"]
    assert [v.WhichOneof("inner") for v in values.values] == ["int", "unset"]


class _ROMapping(Mapping[str, Any]):
    def __init__(self, data: dict[str, Any]) -> None:
        self._d = data

    def __getitem__(self, k: str) -> Any:
        return self._d[k]

    def __iter__(self) -> Iterator[str]:
        return iter(self._d)

    def __len__(self) -> int:
        return len(self._d)


def test_encode_values_any_mapping_and_nested_mapping() -> None:
    values = encode_values(_ROMapping({"k": _ROMapping({"x": 1})}))
    assert values is not None
    assert list(values.value_names) == ["k"]
    assert values.values[0].WhichOneof("inner") == "collection"


@pytest.mark.parametrize("empty", [None, [], (), {}])
def test_encode_values_empty_is_none(empty: Any) -> None:
    assert encode_values(empty) is None


@pytest.mark.parametrize("params", ["abc", b"abc", bytearray(b"a"), 5, object(), {1, 2}])
def test_encode_values_refuses_non_sequences(params: Any) -> None:
    with pytest.raises(EncodeError, match="bind values must be"):
        encode_values(params)


def test_encode_values_refuses_non_str_names() -> None:
    with pytest.raises(EncodeError, match="bind names"):
        encode_values({1: 2})  # type: ignore[dict-item]


def test_error_names_position_and_path() -> None:
    with pytest.raises(EncodeError) as info:
        encode_values([1, 2, [1, {"k": object()}]])
    assert info.value.position == 2
    assert info.value.name is None
    assert "[1]['k']" in str(info.value)
    assert "object" in str(info.value)


def test_error_names_bind_name() -> None:
    with pytest.raises(EncodeError) as info:
        encode_values({"a": 1, "b": Udt(inner=[1, object()])})
    assert info.value.name == "b"
    assert ".inner[1]" in info.value.reason


def test_error_in_map_key() -> None:
    with pytest.raises(EncodeError, match=r"\[key"):
        encode_values([{(1, object()): 1}])


async def _coroutine() -> None:
    pass


def test_unencodable_objects() -> None:
    coro = _coroutine()
    try:
        for bad in [object(), coro, iter([1]), (x for x in []), 1j, print, type]:
            with pytest.raises(EncodeError, match="cannot encode"):
                encode_values([bad])
    finally:
        coro.close()


def test_nested_unset_is_refused() -> None:
    with pytest.raises(EncodeError, match="UNSET"):
        encode_values([[UNSET]])


def test_surrogates_are_refused() -> None:
    with pytest.raises(EncodeError, match="UTF-8"):
        encode_values(["a\ud800"])


def test_self_referencing_list() -> None:
    loop: list[Any] = [1]
    loop.append(loop)
    with pytest.raises(EncodeError, match="nested too deeply"):
        encode_values([loop])


def test_decimal_scale_overflow() -> None:
    with pytest.raises(EncodeError, match="scale"):
        encode_values([decimal.Decimal("1E-3000000000")])


def test_encode_value_is_a_fresh_message() -> None:
    v = encode_value(1)
    assert isinstance(v, query_pb2.Value)
    with pytest.raises(EncodeError):
        encode_value(object())
