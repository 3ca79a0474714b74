"""Python values -> `stargate.Value` (bind values).

The client does not know the column types, so the Value kind follows from
the Python type alone (see `astra_grpc_async.types` for the wrapper types):

    None -> null            UNSET -> unset            bool -> boolean
    int -> int (64-bit) or varint beyond it             Varint -> varint
    float -> double          Float32 -> float          Decimal -> decimal
    str -> string            bytes/bytearray/memoryview -> bytes
    UUID -> uuid             IPv4Address/IPv6Address -> inet
    datetime -> int (ms, naive = UTC, truncated toward -inf)   Timestamp -> int
    date / Date -> date      time / Time -> time
    Duration / timedelta -> duration
    list, tuple, set, frozenset -> collection (a tuple is also a CQL tuple)
    dict / Mapping -> collection of key1, value1, key2, value2, ...
    Udt -> udt

Values are written in place into the destination message (no copies of
nested messages). Anything else is an `EncodeError` naming the bind position
(or name) and, for a nested value, the path to it (e.g. ``[2]['k']``).
"""

from __future__ import annotations

import datetime as _dt
import ipaddress
import numbers
import struct
import uuid
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from decimal import Decimal
from typing import Any, Final

from .._proto.stargate import query_pb2
from ..errors import EncodeError
from ..types import UNSET, Date, Duration, Float32, Time, Timestamp, Udt, UnsetType, Varint
from .temporal import DATE_BIAS, date_to_wire, datetime_to_ms, time_to_nanos

__all__ = ["encode_value", "encode_values"]

_Value = query_pb2.Value
_INT64_MIN: Final = -(2**63)
_INT64_MAX: Final = 2**63 - 1
_INT32_MIN: Final = -(2**31)
_INT32_MAX: Final = 2**31 - 1
_pack_float32 = struct.Struct("<f").pack


class _Failure(Exception):
    """Internal: why a (possibly nested) value cannot be encoded, and where."""

    def __init__(self, reason: str, path: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.path = path


# --- scalars ----------------------------------------------------------------------


def _null(out: query_pb2.Value, v: Any) -> None:
    out.null.SetInParent()


def _unset(out: query_pb2.Value, v: Any) -> None:
    raise _Failure("UNSET is only allowed as a top-level bind value")


def _bool(out: query_pb2.Value, v: bool) -> None:
    out.boolean = v


def _int_to_bytes(n: int) -> bytes:
    # Minimal two's complement, big-endian (Java BigInteger.toByteArray()).
    return n.to_bytes((n + (n < 0)).bit_length() // 8 + 1, "big", signed=True)


def _int(out: query_pb2.Value, v: int) -> None:
    v = int(v)
    if _INT64_MIN <= v <= _INT64_MAX:
        out.int = v
    else:
        out.varint.value = _int_to_bytes(v)


def _varint(out: query_pb2.Value, v: int) -> None:
    out.varint.value = _int_to_bytes(int(v))


def _double(out: query_pb2.Value, v: float) -> None:
    out.double = v


def _float32(out: query_pb2.Value, v: float) -> None:
    try:
        _pack_float32(v)
    except OverflowError:
        raise _Failure(f"{float(v)!r} is out of range for a 32-bit float") from None
    out.float = v


def _decimal(out: query_pb2.Value, v: Decimal) -> None:
    sign, digits, exponent = v.as_tuple()
    if not isinstance(exponent, int):
        raise _Failure(f"{v} cannot be sent: CQL decimals have no NaN or infinity")
    scale = -exponent
    if not _INT32_MIN <= scale <= _INT32_MAX:
        raise _Failure(f"decimal scale {scale} does not fit in 32 bits")
    # from the digit tuple, not from text: int(str) refuses over 4,300 digits
    unscaled = int(Decimal((0, digits, 0))) if digits else 0
    if sign:
        unscaled = -unscaled
    d = out.decimal
    d.scale = scale & 0xFFFFFFFF
    d.value = _int_to_bytes(unscaled)


def _string(out: query_pb2.Value, v: str) -> None:
    try:
        out.string = v
    except UnicodeEncodeError as exc:
        raise _Failure(f"string is not valid UTF-8 text ({exc.reason})") from None


def _bytes(out: query_pb2.Value, v: bytes | bytearray | memoryview) -> None:
    out.bytes = bytes(v)


def _uuid(out: query_pb2.Value, v: uuid.UUID) -> None:
    out.uuid.value = v.bytes


def _inet(out: query_pb2.Value, v: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
    out.inet.value = v.packed


def _datetime(out: query_pb2.Value, v: _dt.datetime) -> None:
    try:
        out.int = datetime_to_ms(v)
    except (OverflowError, ValueError) as exc:  # e.g. a tzinfo whose offset fails
        raise _Failure(f"cannot convert datetime: {exc}") from None


def _date(out: query_pb2.Value, v: _dt.date) -> None:
    out.date = date_to_wire(v)


def _time(out: query_pb2.Value, v: _dt.time) -> None:
    if v.tzinfo is not None:
        raise _Failure("CQL time has no time zone: pass a naive datetime.time")
    out.time = time_to_nanos(v)


def _cql_date(out: query_pb2.Value, v: Date) -> None:
    out.date = v.days + DATE_BIAS


def _cql_timestamp(out: query_pb2.Value, v: Timestamp) -> None:
    out.int = v.ms


def _cql_time(out: query_pb2.Value, v: Time) -> None:
    out.time = v.nanos


def _duration(out: query_pb2.Value, v: Duration) -> None:
    d = out.duration
    d.months = v.months
    d.days = v.days
    d.nanos = v.nanos


def _timedelta(out: query_pb2.Value, v: _dt.timedelta) -> None:
    _duration(out, Duration.from_timedelta(v))


# --- containers ----------------------------------------------------------------


def _elements(out: query_pb2.Value, v: Any) -> None:
    coll = out.collection
    coll.SetInParent()  # an empty collection is still a collection
    add = coll.elements.add
    for i, item in enumerate(v):
        try:
            _fill(add(), item)
        except _Failure as f:
            f.path = f"[{i}]{f.path}"
            raise


def _mapping(out: query_pb2.Value, v: Mapping[Any, Any]) -> None:
    coll = out.collection
    coll.SetInParent()
    add = coll.elements.add
    for key, item in v.items():
        try:
            _fill(add(), key)
        except _Failure as f:
            f.path = f"[key {key!r}]{f.path}"
            raise
        try:
            _fill(add(), item)
        except _Failure as f:
            f.path = f"[{key!r}]{f.path}"
            raise


def _udt(out: query_pb2.Value, v: Udt) -> None:
    udt = out.udt
    udt.SetInParent()
    fields = udt.fields
    for name, item in v.items():
        try:
            _fill(fields[name], item)
        except _Failure as f:
            f.path = f".{name}{f.path}"
            raise


_Encoder = Callable[[query_pb2.Value, Any], None]

# Exact-type dispatch; subclasses go through `_slow_encoder` (ordered checks).
_ENCODERS: Final[dict[type, _Encoder]] = {
    type(None): _null,
    UnsetType: _unset,
    bool: _bool,
    int: _int,
    Varint: _varint,
    float: _double,
    Float32: _float32,
    Decimal: _decimal,
    str: _string,
    bytes: _bytes,
    bytearray: _bytes,
    memoryview: _bytes,
    uuid.UUID: _uuid,
    ipaddress.IPv4Address: _inet,
    ipaddress.IPv6Address: _inet,
    _dt.datetime: _datetime,
    _dt.date: _date,
    _dt.time: _time,
    Date: _cql_date,
    Timestamp: _cql_timestamp,
    Time: _cql_time,
    Duration: _duration,
    _dt.timedelta: _timedelta,
    list: _elements,
    tuple: _elements,
    set: _elements,
    frozenset: _elements,
    dict: _mapping,
    Udt: _udt,
}

# Order matters: bool before int, datetime before date, wrappers before their
# base types, Udt before Mapping.
_SUBCLASS_ORDER: Final[tuple[tuple[type | tuple[type, ...], _Encoder], ...]] = (
    (bool, _bool),
    (Varint, _varint),
    (Float32, _float32),
    (int, _int),
    (float, _double),
    (Decimal, _decimal),
    (str, _string),
    ((bytes, bytearray, memoryview), _bytes),
    (uuid.UUID, _uuid),
    ((ipaddress.IPv4Address, ipaddress.IPv6Address), _inet),
    (_dt.datetime, _datetime),
    (_dt.date, _date),
    (_dt.time, _time),
    (_dt.timedelta, _timedelta),
    (Udt, _udt),
    (Mapping, _mapping),
    ((list, tuple, AbstractSet), _elements),
)


def _slow_encoder(v: Any) -> _Encoder:
    for cls, enc in _SUBCLASS_ORDER:
        if isinstance(v, cls):
            return enc
    if isinstance(v, numbers.Integral):  # e.g. numpy integers
        return _int
    raise _Failure(f"cannot encode a value of type {type(v).__qualname__}")


def _fill(out: query_pb2.Value, v: Any) -> None:
    enc = _ENCODERS.get(type(v))
    if enc is None:
        enc = _slow_encoder(v)
    enc(out, v)


def _fill_top(out: query_pb2.Value, v: Any) -> None:
    if v is UNSET:
        out.unset.SetInParent()
    else:
        _fill(out, v)


def _reason(f: _Failure) -> str:
    return f"{f.path}: {f.reason}" if f.path else f.reason


def _recursion_failure() -> _Failure:
    return _Failure("value is nested too deeply (or contains itself)")


# --- public ----------------------------------------------------------------------


def encode_value(v: Any) -> query_pb2.Value:
    """One bind value as a `stargate.Value` (UNSET allowed); EncodeError when
    it cannot be encoded."""
    out = _Value()
    try:
        _fill_top(out, v)
    except _Failure as f:
        raise EncodeError(_reason(f)) from None
    except RecursionError:
        raise EncodeError(_recursion_failure().reason) from None
    return out


def encode_values(
    params: Sequence[Any] | Mapping[str, Any] | None,
    into: query_pb2.Values | None = None,
) -> query_pb2.Values | None:
    """Bind values by position (a sequence) or by name (a mapping: names are
    sent in its order). None or empty -> None (send no Values at all).
    With `into` (e.g. `query.values`), fill that message instead of a new one,
    saving a copy; it is untouched when there is nothing to send."""
    if params is None:
        return None
    if isinstance(params, str | bytes | bytearray | memoryview):
        raise EncodeError(
            f"bind values must be a sequence or a mapping, not {type(params).__name__} "
            "(for a single value write (value,))"
        )
    values = into if into is not None else query_pb2.Values()
    add = values.values.add
    if isinstance(params, Mapping):
        if not params:
            return None
        names = values.value_names
        for name, v in params.items():
            if not isinstance(name, str):
                raise EncodeError(f"bind names must be str, not {type(name).__name__}")
            names.append(name)
            try:
                _fill_top(add(), v)
            except _Failure as f:
                raise EncodeError(_reason(f), name=name) from None
            except RecursionError:
                raise EncodeError(_recursion_failure().reason, name=name) from None
        return values
    if not isinstance(params, Sequence | AbstractSet):
        raise EncodeError(
            f"bind values must be a sequence or a mapping, not {type(params).__qualname__}"
        )
    if isinstance(params, AbstractSet):
        raise EncodeError("bind values must be ordered: a sequence, not a set")
    if not params:
        return None
    for i, v in enumerate(params):
        try:
            _fill_top(add(), v)
        except _Failure as f:
            raise EncodeError(_reason(f), position=i) from None
        except RecursionError:
            raise EncodeError(_recursion_failure().reason, position=i) from None
    return values
