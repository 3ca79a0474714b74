"""Hand-encoded protobuf bytes for result rows (the fast path).

Building a 10,000-row page as upb messages one Value at a time costs far
more than joining pre-encoded bytes and letting upb parse the page once, so
result rows are produced as `stargate.Row` wire bytes. A stored cell never
changes, so its encoded Value is computed once and cached on the cell.

`value_chunk(t)` returns a function: stored value -> the bytes of one
`Row.values` entry (field 1, length-delimited `Value`).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from functools import cache
from typing import Any

from .types import CType
from .values import _varint_bytes, decimal_parts

__all__ = ["NULL_CHUNK", "row_chunk", "value_chunk", "value_message"]

_M64 = 0xFFFFFFFFFFFFFFFF


def varint(n: int) -> bytes:
    if n < 0x80:
        return _SMALL[n]
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


_SMALL = [bytes([i]) for i in range(0x80)]


def _zz64(n: int) -> int:
    return ((n << 1) ^ (n >> 63)) & _M64


def _zz32(n: int) -> int:
    return ((n << 1) ^ (n >> 31)) & 0xFFFFFFFF


def _ld(tag: bytes, body: bytes) -> bytes:
    """A length-delimited field."""
    return tag + varint(len(body)) + body


NULL_CHUNK = b"\x0a\x02\x0a\x00"  # Row.values entry holding Value{null: {}}
_NULL_VALUE = b"\x0a\x00"


def value_message(t: CType) -> Callable[[Any], bytes]:
    """stored value (not None) -> serialized `Value` message."""
    return _value(t)


@cache
def _value(t: CType) -> Callable[[Any], bytes]:
    k = t.kind
    if k in ("tinyint", "smallint", "int", "bigint", "counter", "timestamp"):
        return lambda x: b"\x18" + varint(_zz64(x))
    if k == "float":
        f = struct.Struct("<f")
        return lambda x: b"\x25" + f.pack(x)
    if k == "double":
        d = struct.Struct("<d")
        return lambda x: b"\x29" + d.pack(x)
    if k == "boolean":
        return lambda x: b"\x30\x01" if x else b"\x30\x00"
    if k in ("text", "ascii"):
        return lambda x: _ld(b"\x3a", x.encode("utf-8", "surrogatepass"))
    if k == "blob":
        return lambda x: _ld(b"\x42", x)
    if k == "inet":
        return lambda x: _ld(b"\x4a", _ld(b"\x0a", x))
    if k in ("uuid", "timeuuid"):
        return lambda x: _ld(b"\x52", _ld(b"\x0a", x))
    if k == "date":
        return lambda x: b"\x58" + varint(x)
    if k == "time":
        return lambda x: b"\x60" + varint(x)
    if k == "varint":
        return lambda x: _ld(b"\x7a", _ld(b"\x0a", _varint_bytes(x)))

    if k == "decimal":

        def dec(x: Any) -> bytes:
            unscaled, scale = decimal_parts(x)
            body = b"\x08" + varint(scale & 0xFFFFFFFF) + _ld(b"\x1a", _varint_bytes(unscaled))
            return _ld(b"\x82\x01", body)

        return dec
    if k == "duration":
        return lambda x: _ld(
            b"\x8a\x01",
            b"\x08"
            + varint(_zz32(x[0]))
            + b"\x10"
            + varint(_zz32(x[1]))
            + b"\x18"
            + varint(_zz64(x[2])),
        )
    if k in ("list", "set"):
        elem = _value(t.params[0])
        return lambda x: _ld(b"\x6a", b"".join(_ld(b"\x0a", elem(e)) for e in x))
    if k == "map":
        kv, vv = _value(t.params[0]), _value(t.params[1])
        return lambda x: _ld(
            b"\x6a", b"".join(_ld(b"\x0a", kv(a)) + _ld(b"\x0a", vv(b)) for a, b in x)
        )
    if k == "tuple":
        elems = [_value(p) for p in t.params]
        return lambda x: _ld(
            b"\x6a",
            b"".join(
                _ld(b"\x0a", _NULL_VALUE if e is None else f(e))
                for f, e in zip(elems, x, strict=False)
            ),
        )
    if k == "udt":
        fields = [
            (_ld(b"\x0a", name.encode()), _value(p))
            for name, p in zip(t.fields, t.params, strict=True)
        ]

        def udt(x: Any) -> bytes:
            entries = []
            n = len(x)  # shorter than the type: stored before ALTER TYPE ... ADD
            for i, (key, f) in enumerate(fields):
                e = x[i] if i < n else None
                entries.append(_ld(b"\x0a", key + _ld(b"\x12", _NULL_VALUE if e is None else f(e))))
            return _ld(b"\x72", b"".join(entries))

        return udt
    raise AssertionError(f"no wire encoder for {t}")


def value_chunk(t: CType) -> Callable[[Any], bytes]:
    """stored value (or None) -> one `Row.values` entry."""
    return _chunk(t)


@cache
def _chunk(t: CType) -> Callable[[Any], bytes]:
    msg = _value(t)

    def chunk(x: Any) -> bytes:
        if x is None:
            return NULL_CHUNK
        return _ld(b"\x0a", msg(x))

    return chunk


def row_chunk(values: list[bytes]) -> bytes:
    """`ResultSet.rows` entry (field 2) from Row.values entries."""
    return _ld(b"\x12", b"".join(values))
