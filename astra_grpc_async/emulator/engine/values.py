"""The server-side value layer: protobuf `Value` <-> stored Python values.

Stored representation per CQL type (None is null everywhere):
  tinyint, smallint, int, bigint, counter, varint -> int
  timestamp -> int (ms)   date -> int (days + 2**31)   time -> int (ns)
  float, double -> float  boolean -> bool  ascii, text -> str
  blob, inet, uuid, timeuuid -> bytes      decimal -> decimal.Decimal
  duration -> (months, days, nanos)
  list, tuple -> tuple of elements          set -> tuple sorted by CQL order
  map -> tuple of (key, value) pairs sorted by key
  udt -> tuple aligned with the type's fields (a value stored before
         ALTER TYPE ... ADD is shorter: its missing trailing fields are null)

Per-type helpers (`decoder`, `encoder`, `serializer`, `sort_key`) are built
once per type and cached, so hot paths do one dict lookup per column.
The binary serialization is Cassandra's (it feeds the token and breaks
last-write-wins ties by comparing value bytes).
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from typing import Any

from astra_grpc_async._proto.stargate import query_pb2

from .types import CType

__all__ = [
    "NULL",
    "UNSET",
    "BadValue",
    "decoder",
    "deserialize",
    "encoder",
    "serialize",
    "serializer",
    "sort_key",
    "to_proto",
]

Value = query_pb2.Value
NULL = Value(null=Value.Null())


class _Unset:
    __slots__ = ()

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()
"""A bound `Value.unset`: leave the column untouched."""


class BadValue(Exception):
    """A bound value that does not fit its receiver (the message is Stargate's)."""


Decoder = Callable[[Value], Any]
Encoder = Callable[[Any], Value]

_INT_RANGES = {
    "tinyint": (-(2**7), 2**7 - 1),
    "smallint": (-(2**15), 2**15 - 1),
    "int": (-(2**31), 2**31 - 1),
}
MAX_TIME = 86399999999999

# --- protobuf Value -> stored --------------------------------------------------


def decoder(t: CType) -> Decoder:
    """A function turning a bound Value into the stored value (None for null,
    UNSET for unset), raising BadValue with Stargate's wording."""
    return _decoder(t)


@cache
def _decoder(t: CType) -> Decoder:
    inner = _inner_decoder(t)

    def decode(v: Value) -> Any:
        which = v.WhichOneof("inner")
        if which == "null" or which is None:
            return None
        if which == "unset":
            return UNSET
        return inner(v, which)

    return decode


def _expect(which: str, wanted: str, message: str) -> None:
    if which != wanted:
        raise BadValue(message)


def _inner_decoder(t: CType) -> Callable[[Value, str], Any]:
    k = t.kind
    if k in _INT_RANGES:
        lo, hi = _INT_RANGES[k]

        def dec_small_int(v: Value, which: str) -> int:
            _expect(which, "int", "Expected integer type")
            x = v.int
            if x < lo or x > hi:
                raise BadValue(f"Valid range for {k} is {lo} to {hi}")
            return x

        return dec_small_int
    if k in ("bigint", "counter", "timestamp"):

        def dec_long(v: Value, which: str) -> int:
            _expect(which, "int", "Expected integer type")
            return v.int

        return dec_long
    if k == "float":

        def dec_float(v: Value, which: str) -> float:
            _expect(which, "float", "Expected float type")
            return v.float

        return dec_float
    if k == "double":

        def dec_double(v: Value, which: str) -> float:
            _expect(which, "double", "Expected double type")
            return v.double

        return dec_double
    if k == "boolean":

        def dec_bool(v: Value, which: str) -> bool:
            _expect(which, "boolean", "Expected boolean type")
            return v.boolean

        return dec_bool
    if k in ("text", "ascii"):
        ascii_only = k == "ascii"

        def dec_str(v: Value, which: str) -> str:
            _expect(which, "string", "Expected string type")
            s = v.string
            if ascii_only and not s.isascii():
                raise BadValue(
                    "Invalid byte for ascii: " + str(next(ord(c) for c in s if ord(c) > 127))
                )
            return s

        return dec_str
    if k == "blob":

        def dec_blob(v: Value, which: str) -> bytes:
            _expect(which, "bytes", "Expected bytes type")
            return v.bytes

        return dec_blob
    if k == "inet":

        def dec_inet(v: Value, which: str) -> bytes:
            _expect(which, "inet", "Expected bytes type")  # Stargate's wording for inet
            b = v.inet.value
            if len(b) not in (4, 16):
                raise BadValue("Expected 4 or 16 bytes for an IPv4 or IPv6 address")
            return b

        return dec_inet
    if k in ("uuid", "timeuuid"):
        time_based = k == "timeuuid"

        def dec_uuid(v: Value, which: str) -> bytes:
            _expect(which, "uuid", "Expected UUID type")
            b = v.uuid.value
            if len(b) != 16:
                raise BadValue("Expected 16 bytes for a UUID")
            if time_based and (b[6] >> 4) != 1:
                raise BadValue(f"{format_uuid(b)} is not a Type 1 (time-based) UUID")
            return b

        return dec_uuid
    if k == "date":

        def dec_date(v: Value, which: str) -> int:
            _expect(which, "date", "Expected date type")
            return v.date

        return dec_date
    if k == "time":

        def dec_time(v: Value, which: str) -> int:
            _expect(which, "time", "Expected time type")
            x = v.time
            if x > MAX_TIME:
                raise BadValue("Valid range for time is 0 to 86399999999999 nanoseconds")
            return x

        return dec_time
    if k == "varint":

        def dec_varint(v: Value, which: str) -> int:
            _expect(which, "varint", "Expected varint type")
            return int.from_bytes(v.varint.value, "big", signed=True)

        return dec_varint
    if k == "decimal":

        def dec_decimal(v: Value, which: str) -> Decimal:
            _expect(which, "decimal", "Expected decimal type")
            scale = v.decimal.scale
            if scale >= 2**31:
                scale -= 2**32
            unscaled = int.from_bytes(v.decimal.value, "big", signed=True)
            return make_decimal(unscaled, scale)

        return dec_decimal
    if k == "duration":

        def dec_duration(v: Value, which: str) -> tuple[int, int, int]:
            _expect(which, "duration", "Expected duration type")
            d = v.duration
            return (d.months, d.days, d.nanos)

        return dec_duration
    if k in ("list", "set"):
        elem = _decoder(t.params[0])
        plural = k + "s"
        is_set = k == "set"
        elem_key = sort_key(t.params[0])

        def dec_list(v: Value, which: str) -> tuple[Any, ...]:
            _expect(which, "collection", "Expected collection type")
            out = []
            for e in v.collection.elements:
                x = elem(e)
                if x is None or x is UNSET:
                    raise BadValue(f"null is not supported inside {plural}")
                out.append(x)
            if is_set:
                return _sorted_unique(out, elem_key)
            return tuple(out)

        return dec_list
    if k == "map":
        kdec, vdec = _decoder(t.params[0]), _decoder(t.params[1])
        kkey = sort_key(t.params[0])

        def dec_map(v: Value, which: str) -> tuple[tuple[Any, Any], ...]:
            _expect(which, "collection", "Expected collection type")
            elems = v.collection.elements
            if len(elems) % 2:
                raise BadValue("Expected an even number of elements")
            pairs: dict[Any, tuple[Any, Any]] = {}
            for i in range(0, len(elems), 2):
                kx, vx = kdec(elems[i]), vdec(elems[i + 1])
                if kx is None or vx is None or kx is UNSET or vx is UNSET:
                    raise BadValue("null is not supported inside maps")
                pairs[kkey(kx)] = (kx, vx)
            return tuple(pairs[sk] for sk in sorted(pairs))

        return dec_map
    if k == "tuple":
        decs = [_decoder(p) for p in t.params]
        n = len(decs)

        def dec_tuple(v: Value, which: str) -> tuple[Any, ...]:
            _expect(which, "collection", "Expected collection type")
            elems = v.collection.elements
            if len(elems) > n:
                raise BadValue(f"Too many tuple fields. Expected {n}, but received {len(elems)}")
            out = []
            for d, e in zip(decs, elems, strict=False):
                x = d(e)
                out.append(None if x is UNSET else x)
            return tuple(out)

        return dec_tuple
    if k == "udt":
        fdecs = {f: _decoder(p) for f, p in zip(t.fields, t.params, strict=True)}
        names = t.fields

        def dec_udt(v: Value, which: str) -> tuple[Any, ...]:
            _expect(which, "udt", "Expected user-defined type")
            given = v.udt.fields
            for name in given:
                if name not in fdecs:
                    raise BadValue(f"User-defined type doesn't contain a field named '{name}'")
            out = []
            for name in names:
                if name in given:
                    x = fdecs[name](given[name])
                    out.append(None if x is UNSET else x)
                else:
                    out.append(None)
            return tuple(out)

        return dec_udt
    raise AssertionError(f"no decoder for {t}")


def _sorted_unique(items: list[Any], key: Callable[[Any], Any]) -> tuple[Any, ...]:
    seen: dict[Any, Any] = {}
    for x in items:
        seen[key(x)] = x
    return tuple(seen[sk] for sk in sorted(seen))


def make_decimal(unscaled: int, scale: int) -> Decimal:
    sign = 1 if unscaled < 0 else 0
    # through Decimal(int), not str(int): that refuses over 4,300 digits
    digits = Decimal(abs(unscaled)).as_tuple().digits
    return Decimal((sign, digits, -scale))


def decimal_parts(d: Decimal) -> tuple[int, int]:
    """(unscaled, scale) of a finite Decimal."""
    sign, digits, exp = d.as_tuple()
    assert isinstance(exp, int)
    unscaled = int(Decimal((0, digits, 0))) if digits else 0
    return (-unscaled if sign else unscaled), -exp


def format_uuid(b: bytes) -> str:
    h = b.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


# --- stored -> protobuf Value --------------------------------------------------


def encoder(t: CType) -> Encoder:
    """A function turning a stored (non-null) value into a protobuf Value."""
    return _encoder(t)


def to_proto(t: CType, x: Any) -> Value:
    if x is None:
        return NULL
    return _encoder(t)(x)


def _varint_bytes(n: int) -> bytes:
    length = (n + (n < 0)).bit_length() // 8 + 1
    return n.to_bytes(length, "big", signed=True)


@cache
def _encoder(t: CType) -> Encoder:
    k = t.kind
    if k in _INT_RANGES or k in ("bigint", "counter", "timestamp"):
        return lambda x: Value(int=x)
    if k == "float":
        return lambda x: Value(float=x)
    if k == "double":
        return lambda x: Value(double=x)
    if k == "boolean":
        return lambda x: Value(boolean=x)
    if k in ("text", "ascii"):
        return lambda x: Value(string=x)
    if k == "blob":
        return lambda x: Value(bytes=x)
    if k == "inet":
        return lambda x: Value(inet=query_pb2.Inet(value=x))
    if k in ("uuid", "timeuuid"):
        return lambda x: Value(uuid=query_pb2.Uuid(value=x))
    if k == "date":
        return lambda x: Value(date=x)
    if k == "time":
        return lambda x: Value(time=x)
    if k == "varint":
        return lambda x: Value(varint=query_pb2.Varint(value=_varint_bytes(x)))
    if k == "decimal":

        def enc_decimal(x: Decimal) -> Value:
            unscaled, scale = decimal_parts(x)
            return Value(
                decimal=query_pb2.Decimal(scale=scale & 0xFFFFFFFF, value=_varint_bytes(unscaled))
            )

        return enc_decimal
    if k == "duration":
        return lambda x: Value(duration=query_pb2.Duration(months=x[0], days=x[1], nanos=x[2]))
    if k in ("list", "set", "tuple"):
        if k == "tuple":
            encs = [_encoder(p) for p in t.params]

            def enc_tuple(x: tuple[Any, ...]) -> Value:
                return Value(
                    collection=query_pb2.Collection(
                        elements=[
                            NULL if e is None else f(e) for f, e in zip(encs, x, strict=False)
                        ]
                    )
                )

            return enc_tuple
        enc = _encoder(t.params[0])
        return lambda x: Value(collection=query_pb2.Collection(elements=[enc(e) for e in x]))
    if k == "map":
        kenc, venc = _encoder(t.params[0]), _encoder(t.params[1])

        def enc_map(x: tuple[tuple[Any, Any], ...]) -> Value:
            elems = []
            for kx, vx in x:
                elems.append(kenc(kx))
                elems.append(venc(vx))
            return Value(collection=query_pb2.Collection(elements=elems))

        return enc_map
    if k == "udt":
        fencs = [(f, _encoder(p)) for f, p in zip(t.fields, t.params, strict=True)]

        def enc_udt(x: tuple[Any, ...]) -> Value:
            fields = {}
            n = len(x)
            for i, (name, f) in enumerate(fencs):
                e = x[i] if i < n else None
                fields[name] = NULL if e is None else f(e)
            return Value(udt=query_pb2.UdtValue(fields=fields))

        return enc_udt
    raise AssertionError(f"no encoder for {t}")


# --- binary serialization (Cassandra's) ----------------------------------------


def serializer(t: CType) -> Callable[[Any], bytes]:
    return _serializer(t)


def serialize(t: CType, x: Any) -> bytes:
    return _serializer(t)(x)


def _vint(n: int) -> bytes:
    """Cassandra's unsigned vint of a zigzag-encoded signed value."""
    z = (n << 1) ^ (n >> 63)
    z &= 0xFFFFFFFFFFFFFFFF
    if z < 0x80:
        return bytes([z])
    size = (z.bit_length() - 1) // 7 + 1
    extra = size - 1
    if extra >= 8:
        return b"\xff" + z.to_bytes(8, "big")
    first_mask = (0xFF << (8 - extra)) & 0xFF
    raw = z.to_bytes(size, "big")
    return bytes([raw[0] | first_mask]) + raw[1:]


def _with_len(b: bytes | None) -> bytes:
    if b is None:
        return b"\xff\xff\xff\xff"
    return struct.pack(">i", len(b)) + b


# the fixed-width types' native-protocol layouts (keys, tokens and cell bytes)
_FIXED: dict[str, struct.Struct] = {
    k: struct.Struct(f)
    for k, f in {
        "tinyint": ">b", "smallint": ">h", "int": ">i", "bigint": ">q", "counter": ">q",
        "timestamp": ">q", "time": ">q", "date": ">I", "float": ">f", "double": ">d",
        "boolean": ">?",
    }.items()
}  # fmt: skip


@cache
def _serializer(t: CType) -> Callable[[Any], bytes]:
    k = t.kind
    if k in _FIXED:
        return _FIXED[k].pack
    if k in ("text", "ascii"):
        return lambda x: x.encode("utf-8", "surrogatepass")
    if k in ("blob", "inet", "uuid", "timeuuid"):
        return lambda x: x
    if k == "varint":
        return _varint_bytes
    if k == "decimal":

        def ser_decimal(x: Decimal) -> bytes:
            unscaled, scale = decimal_parts(x)
            return struct.pack(">i", scale) + _varint_bytes(unscaled)

        return ser_decimal
    if k == "duration":
        return lambda x: _vint(x[0]) + _vint(x[1]) + _vint(x[2])
    if k in ("list", "set"):
        es = _serializer(t.params[0])
        return lambda x: struct.pack(">i", len(x)) + b"".join(_with_len(es(e)) for e in x)
    if k == "map":
        ks, vs = _serializer(t.params[0]), _serializer(t.params[1])
        return lambda x: (
            struct.pack(">i", len(x)) + b"".join(_with_len(ks(a)) + _with_len(vs(b)) for a, b in x)
        )
    sers = [_serializer(p) for p in t.params]  # tuple, udt
    return lambda x: b"".join(
        _with_len(None if e is None else s(e)) for s, e in zip(sers, x, strict=False)
    )


def deserialize(t: CType, b: bytes) -> Any:
    return _deserializer(t)(b)


@cache
def _deserializer(t: CType) -> Callable[[bytes], Any]:
    k = t.kind
    if k in _FIXED:
        unpack = _FIXED[k].unpack
        return lambda b: unpack(b)[0]
    if k in ("text", "ascii"):
        return lambda b: b.decode("utf-8", "surrogatepass")
    if k in ("blob", "inet", "uuid", "timeuuid"):
        return bytes
    if k == "varint":
        return lambda b: int.from_bytes(b, "big", signed=True)
    if k == "decimal":
        return lambda b: make_decimal(
            int.from_bytes(b[4:], "big", signed=True), struct.unpack(">i", b[:4])[0]
        )
    if k in ("list", "set", "map"):
        subs = [_deserializer(p) for p in t.params]
        per = 2 if k == "map" else 1

        def des_coll(b: bytes) -> tuple[Any, ...]:
            (n,) = struct.unpack_from(">i", b)
            pos = 4
            out: list[Any] = []
            for _ in range(n):
                items = []
                for i in range(per):
                    (ln,) = struct.unpack_from(">i", b, pos)
                    pos += 4
                    items.append(subs[i](b[pos : pos + ln]))
                    pos += ln
                out.append(tuple(items) if per == 2 else items[0])
            return tuple(out)

        return des_coll
    if k in ("tuple", "udt"):
        subs = [_deserializer(p) for p in t.params]

        def des_tuple(b: bytes) -> tuple[Any, ...]:
            pos = 0
            out: list[Any] = []
            for sub in subs:
                if pos >= len(b):
                    break
                (ln,) = struct.unpack_from(">i", b, pos)
                pos += 4
                if ln < 0:
                    out.append(None)
                    continue
                out.append(sub(b[pos : pos + ln]))
                pos += ln
            if k == "udt":
                out.extend([None] * (len(subs) - len(out)))
            return tuple(out)

        return des_tuple
    raise AssertionError(f"cannot deserialize {t}")


# --- ordering (Cassandra's comparators) ----------------------------------------


def sort_key(t: CType) -> Callable[[Any], Any]:
    """A key function ordering stored values as the CQL type orders them."""
    return _sort_key(t)


def _identity(x: Any) -> Any:
    return x


def _float_key(x: float) -> Any:
    return (1, 0.0) if math.isnan(x) else (0, x)


def _uuid_key(b: bytes) -> Any:
    msb = int.from_bytes(b[:8], "big")
    lsb_signed_bytes = int.from_bytes(b[8:], "big") ^ 0x8080808080808080
    version = (msb >> 12) & 0xF
    if version == 1:
        ts = ((msb & 0xFFF) << 48) | (((msb >> 16) & 0xFFFF) << 32) | (msb >> 32)
        return (version, ts, lsb_signed_bytes)
    return (version, msb, int.from_bytes(b[8:], "big"))


def _timeuuid_key(b: bytes) -> Any:
    msb = int.from_bytes(b[:8], "big")
    ts = ((msb & 0xFFF) << 48) | (((msb >> 16) & 0xFFFF) << 32) | (msb >> 32)
    return (ts, int.from_bytes(b[8:], "big") ^ 0x8080808080808080)


@cache
def _sort_key(t: CType) -> Callable[[Any], Any]:
    k = t.kind
    if k in ("float", "double"):
        return _float_key
    if k == "uuid":
        return _uuid_key
    if k == "timeuuid":
        return _timeuuid_key
    if k in ("list", "set"):
        ek = _sort_key(t.params[0])
        return lambda x: tuple(ek(e) for e in x)
    if k == "map":
        kk, vk = _sort_key(t.params[0]), _sort_key(t.params[1])
        return lambda x: tuple((kk(a), vk(b)) for a, b in x)
    if k in ("tuple", "udt"):
        keys = [_sort_key(p) for p in t.params]
        if k == "udt":
            return lambda x: _strip_nulls(
                [(0,) if e is None else (1, f(e)) for f, e in zip(keys, x, strict=False)]
            )
        return lambda x: tuple(
            (0,) if e is None else (1, f(e)) for f, e in zip(keys, x, strict=False)
        )
    return _identity


def _strip_nulls(key: list[Any]) -> tuple[Any, ...]:
    """A UDT value's key without its trailing nulls: a value stored before
    ALTER TYPE ... ADD (shorter) equals the same value with the new fields
    null, as Cassandra's comparator treats missing trailing fields as null."""
    while key and key[-1] == (0,):
        key.pop()
    return tuple(key)
