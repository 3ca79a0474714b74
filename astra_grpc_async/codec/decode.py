"""`stargate.Value` -> Python values, with converters built once per result schema.

`build_converter(spec)` makes the converter of one CQL type; `rows.py` holds
one per column of a result schema (`RowsDecoder`, cached per schema) and
applies them per row: nothing is looked up per value.

Null check. Every converter must turn a null Value (or one with no kind set)
into None, and a Value of another kind into a ProtocolError. Measured with upb
on 25,000 int Values (per value, this machine):

    v.WhichOneof("inner") then read               347 ns
    v.HasField("int") then read                   227 ns
    v.ListFields()                                699 ns
    read v.int, fall back to WhichOneof if 0      118 ns   <- used
    read v.int only (incorrect baseline)           93 ns

A oneof member reads as its default (0, "", b"", False, an empty message) when
another member (or none) is set, so a non-default value proves the kind; only
a default value needs the slower `WhichOneof` (`_is_kind`) to tell "this kind,
value 0" from null and from a wrong kind.

Type mapping (see `astra_grpc_async.types` for the driver's own types):
integers, counter, varint -> int; float, double -> float; decimal -> Decimal;
text -> str; blob, custom -> bytes; uuid, timeuuid -> UUID; inet ->
IPv4Address / IPv6Address; date -> date | Date; time -> time | Time;
timestamp -> datetime (UTC) | Timestamp; duration -> Duration;
list -> list; set -> set; map -> dict; tuple -> tuple; UDT -> Udt.

Collections that cannot be Python sets or dict keys: a set whose elements are
themselves sets decodes them as frozensets; a set whose elements are lists or
maps (unhashable) decodes to a list (server order). A map whose keys are
lists or maps decodes to a list of (key, value) pairs; set keys become
frozensets, tuple keys tuples. An empty collection is sent as null by the
server and decodes to None; a present but empty one decodes to an empty
container. A tuple with fewer elements than its type is padded with None.
A UDT decodes to a `Udt` with every field of its type (missing ones None),
in field-name order (the TypeSpec's field map keeps no declaration order).
"""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Callable
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal
from typing import Any, Final

from .._proto.stargate import query_pb2
from ..errors import ProtocolError
from ..types import Duration, Udt
from .temporal import ms_to_datetime, nanos_to_time, wire_to_date

__all__ = [
    "Converter",
    "build_converter",
    "decode_value",
    "type_name",
]

Converter = Callable[[query_pb2.Value], Any]

_Basic = query_pb2.TypeSpec.Basic
_UUID = uuid.UUID
_SAFE_UNKNOWN = uuid.SafeUUID.unknown
_new = object.__new__
_setattr = object.__setattr__
# UUID(bytes=x) costs ~1.2 us; filling its two slots directly ~0.44 us.
_FAST_UUID: Final = getattr(_UUID, "__slots__", None) == ("int", "is_safe", "__weakref__")
_from_bytes = int.from_bytes
_IPv4 = ipaddress.IPv4Address
_IPv6 = ipaddress.IPv6Address


def _is_kind(v: query_pb2.Value, kind: str) -> bool:
    """The slow half of the null check: True if `v` is of `kind` (its value being
    the default), False if null or empty, ProtocolError for another kind."""
    which = v.WhichOneof("inner")
    if which == kind:
        return True
    if which is None or which == "null":
        return False
    raise ProtocolError(f"expected a Value of kind {kind!r}, got {which!r}")


# --- scalar converters -------------------------------------------------------------


def _int(v: query_pb2.Value) -> int | None:
    x = v.int
    return x if x or _is_kind(v, "int") else None


def _float(v: query_pb2.Value) -> float | None:
    x = v.float
    return x if x or _is_kind(v, "float") else None


def _double(v: query_pb2.Value) -> float | None:
    x = v.double
    return x if x or _is_kind(v, "double") else None


def _boolean(v: query_pb2.Value) -> bool | None:
    x = v.boolean
    return x if x or _is_kind(v, "boolean") else None


def _string(v: query_pb2.Value) -> str | None:
    x = v.string
    return x if x or _is_kind(v, "string") else None


def _bytes(v: query_pb2.Value) -> bytes | None:
    x = v.bytes
    return x if x or _is_kind(v, "bytes") else None


def _uuid(v: query_pb2.Value) -> uuid.UUID | None:
    x = v.uuid.value
    if x or _is_kind(v, "uuid"):
        if len(x) != 16:
            raise ProtocolError(f"uuid of {len(x)} bytes (expected 16)")
        if _FAST_UUID:
            u = _new(_UUID)
            _setattr(u, "int", _from_bytes(x))
            _setattr(u, "is_safe", _SAFE_UNKNOWN)
            return u
        return _UUID(bytes=x)  # pragma: no cover - other Pythons
    return None


def _inet(v: query_pb2.Value) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    x = v.inet.value
    if x or _is_kind(v, "inet"):
        n = len(x)
        if n == 4:  # from an int: ~25% faster than from packed bytes
            return _IPv4(_from_bytes(x))
        if n == 16:
            return _IPv6(_from_bytes(x))
        raise ProtocolError(f"inet of {n} bytes (expected 4 or 16)")
    return None


def _varint(v: query_pb2.Value) -> int | None:
    x = v.varint.value
    if x or _is_kind(v, "varint"):
        return _from_bytes(x, "big", signed=True)
    return None


def _decimal(v: query_pb2.Value) -> Decimal | None:
    d = v.decimal
    x = d.value
    if x or _is_kind(v, "decimal"):
        scale = d.scale
        if scale >= 0x80000000:  # a signed 32-bit scale carried in a uint32
            scale -= 0x100000000
        if len(x) <= _DECIMAL_TEXT_BYTES:
            # Building from text is exact (no context rounding), unlike scaleb().
            return Decimal(f"{_from_bytes(x, 'big', signed=True)}E{-scale}")
        # int -> str refuses over 4,300 digits; an unbounded context keeps scaleb() exact
        return Decimal(_from_bytes(x, "big", signed=True)).scaleb(-scale, _EXACT)
    return None


# 1,700 bytes hold at most ~4,100 decimal digits: under int->str's 4,300-digit limit
_DECIMAL_TEXT_BYTES: Final = 1700
_EXACT: Final = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)


def _timestamp(v: query_pb2.Value) -> Any:
    x = v.int
    return ms_to_datetime(x) if x or _is_kind(v, "int") else None


def _date(v: query_pb2.Value) -> Any:
    x = v.date
    return wire_to_date(x) if x or _is_kind(v, "date") else None


def _time(v: query_pb2.Value) -> Any:
    x = v.time
    return nanos_to_time(x) if x or _is_kind(v, "time") else None


def _duration(v: query_pb2.Value) -> Duration | None:
    d = v.duration
    months = d.months
    days = d.days
    nanos = d.nanos
    if months or days or nanos or _is_kind(v, "duration"):
        return Duration._from_wire(months, days, nanos)
    return None


def _text_or_bytes(v: query_pb2.Value) -> str | bytes | None:
    # Geospatial types: no codec in the protocol; pass the WKT text or raw bytes.
    which = v.WhichOneof("inner")
    if which == "string":
        return v.string
    if which == "bytes":
        return v.bytes
    if which is None or which == "null":
        return None
    raise ProtocolError(f"expected a Value of kind 'string' or 'bytes', got {which!r}")


_BASIC: Final[dict[int, Converter]] = {
    _Basic.CUSTOM: _bytes,
    _Basic.ASCII: _string,
    _Basic.BIGINT: _int,
    _Basic.BLOB: _bytes,
    _Basic.BOOLEAN: _boolean,
    _Basic.COUNTER: _int,
    _Basic.DECIMAL: _decimal,
    _Basic.DOUBLE: _double,
    _Basic.FLOAT: _float,
    _Basic.INT: _int,
    _Basic.TEXT: _string,
    _Basic.TIMESTAMP: _timestamp,
    _Basic.UUID: _uuid,
    _Basic.VARCHAR: _string,
    _Basic.VARINT: _varint,
    _Basic.TIMEUUID: _uuid,
    _Basic.INET: _inet,
    _Basic.DATE: _date,
    _Basic.TIME: _time,
    _Basic.SMALLINT: _int,
    _Basic.TINYINT: _int,
    _Basic.DURATION: _duration,
    _Basic.LINESTRING: _text_or_bytes,
    _Basic.POINT: _text_or_bytes,
    _Basic.POLYGON: _text_or_bytes,
}


# --- collection converters ----------------------------------------------------------


def _list_of(conv: Converter) -> Converter:
    def convert(v: query_pb2.Value) -> list[Any] | None:
        els = v.collection.elements
        if els or _is_kind(v, "collection"):
            return [conv(e) for e in els]
        return None

    return convert


def _set_of(conv: Converter, frozen: bool) -> Converter:
    make = frozenset if frozen else set

    def convert(v: query_pb2.Value) -> Any:
        els = v.collection.elements
        if els or _is_kind(v, "collection"):
            return make([conv(e) for e in els])
        return None

    return convert


def _pairs(v: query_pb2.Value) -> Any:
    els = v.collection.elements
    if len(els) % 2:
        raise ProtocolError(f"a map value with an odd number of elements ({len(els)})")
    it = iter(els)
    return zip(it, it, strict=False)  # parity checked above; strict would cost a raise


def _map_of(key: Converter, value: Converter, as_dict: bool) -> Converter:
    def convert(v: query_pb2.Value) -> Any:
        if v.collection.elements or _is_kind(v, "collection"):
            if as_dict:
                return {key(k): value(x) for k, x in _pairs(v)}
            return [(key(k), value(x)) for k, x in _pairs(v)]
        return None

    return convert


def _tuple_of(convs: tuple[Converter, ...]) -> Converter:
    arity = len(convs)

    def convert(v: query_pb2.Value) -> tuple[Any, ...] | None:
        els = v.collection.elements
        if els or _is_kind(v, "collection"):
            n = len(els)
            if n == arity:
                return tuple([c(e) for c, e in zip(convs, els, strict=False)])
            if n > arity:
                raise ProtocolError(f"a tuple value with {n} elements for {arity} types")
            return tuple([c(e) for c, e in zip(convs, els, strict=False)]) + (None,) * (arity - n)
        return None

    return convert


def _udt_of(fields: tuple[tuple[str, Converter], ...]) -> Converter:
    from_dict = Udt._from_dict

    def convert(v: query_pb2.Value) -> Udt | None:
        got = v.udt.fields
        if got or _is_kind(v, "udt"):
            out: dict[str, Any] = {}
            found = 0
            for name, conv in fields:
                if name in got:
                    out[name] = conv(got[name])
                    found += 1
                else:
                    out[name] = None
            if found != len(got):
                unknown = sorted(set(got) - {name for name, _ in fields})
                raise ProtocolError(f"a UDT value with unknown fields {unknown}")
            return from_dict(out)
        return None

    return convert


def _build(spec: query_pb2.TypeSpec, hashable: bool) -> tuple[Converter, bool]:
    """The converter for `spec` and whether its results are hashable. With
    `hashable` (a set element or a map key), sets become frozensets."""
    which = spec.WhichOneof("spec")
    if which == "basic":
        conv = _BASIC.get(spec.basic)
        if conv is None:
            raise ProtocolError(f"unknown basic type {spec.basic}")
        return conv, True
    if which == "list":
        return _list_of(_build(spec.list.element, False)[0]), False
    if which == "set":
        element, element_hashable = _build(spec.set.element, True)
        if not element_hashable:
            return _list_of(element), False
        return _set_of(element, frozen=hashable), hashable
    if which == "map":
        key, key_hashable = _build(spec.map.key, True)
        value = _build(spec.map.value, False)[0]
        return _map_of(key, value, as_dict=key_hashable), False
    if which == "tuple":
        built = [_build(e, hashable) for e in spec.tuple.elements]
        convs = tuple(c for c, _ in built)
        return _tuple_of(convs), all(h for _, h in built)
    if which == "udt":
        items = [(name, _build(s, hashable)) for name, s in sorted(spec.udt.fields.items())]
        fields = tuple((name, c) for name, (c, _) in items)
        return _udt_of(fields), all(h for _, (_, h) in items)
    raise ProtocolError("a column type with no type set (unknown TypeSpec)")


def build_converter(spec: query_pb2.TypeSpec) -> Converter:
    """The converter for one CQL type (ProtocolError for an unknown type)."""
    return _build(spec, False)[0]


def decode_value(spec: query_pb2.TypeSpec, value: query_pb2.Value) -> Any:
    """Decode one Value of type `spec` (convenience; not for hot paths)."""
    try:
        return build_converter(spec)(value)
    except ProtocolError:
        raise
    except Exception as exc:
        raise ProtocolError(f"bad {type_name(spec)} value: {exc}") from exc


def type_name(spec: query_pb2.TypeSpec) -> str:
    """CQL-like spelling of a TypeSpec, for messages: ``map<varchar, list<int>>``."""
    which = spec.WhichOneof("spec")
    if which == "basic":
        try:
            return _Basic.Name(spec.basic).lower()
        except ValueError:
            return f"basic({spec.basic})"
    if which == "list":
        return f"list<{type_name(spec.list.element)}>"
    if which == "set":
        return f"set<{type_name(spec.set.element)}>"
    if which == "map":
        return f"map<{type_name(spec.map.key)}, {type_name(spec.map.value)}>"
    if which == "tuple":
        return f"tuple<{', '.join(type_name(e) for e in spec.tuple.elements)}>"
    if which == "udt":
        name = spec.udt.name or "udt"
        return f"frozen<{name}>" if spec.udt.frozen else name
    return "unknown"
