"""CQL literal constants -> stored values, with Cassandra's error wording."""

from __future__ import annotations

import ipaddress
import math
import re
import struct
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from astra_grpc_async.emulator.cql import ast
from astra_grpc_async.emulator.cql.bignum import int_text
from astra_grpc_async.emulator.errors import InvalidRequest

from .types import CType

__all__ = ["convert_constant", "parse_date", "parse_duration", "parse_time", "parse_timestamp"]

_KIND_NAMES = {
    "integer": "INTEGER",
    "float": "FLOAT",
    "string": "STRING",
    "boolean": "BOOLEAN",
    "uuid": "UUID",
    "blob": "HEX",
    "duration": "DURATION",
}
_ACCEPTS = {
    "integer": {
        "tinyint", "smallint", "int", "bigint", "counter", "varint", "decimal", "float",
        "double", "timestamp", "date", "time",
    },
    "float": {"float", "double", "decimal"},
    "string": {"ascii", "text", "timestamp", "date", "time", "inet"},
    "boolean": {"boolean"},
    "uuid": {"uuid", "timeuuid"},
    "blob": {"blob"},
    "duration": {"duration"},
}  # fmt: skip
INT_BITS = {"tinyint": 8, "smallint": 16, "int": 32, "bigint": 64, "counter": 64}
EPOCH_DAYS_OFFSET = 2**31


def _literal_text(c: ast.Constant) -> str:
    v = c.value
    if c.kind == "blob":
        assert isinstance(v, bytes)
        return "0x" + v.hex()
    if c.kind == "boolean":
        return "true" if v else "false"
    return int_text(v) if isinstance(v, int) else str(v)


def convert_constant(c: ast.Constant, t: CType, receiver: str) -> Any:
    """The stored value of a literal for a receiver of type t (None for null)."""
    if c.kind == "null":
        return None
    k = t.kind
    if k not in _ACCEPTS.get(c.kind, ()):
        raise InvalidRequest(
            f"Invalid {_KIND_NAMES[c.kind]} constant ({_literal_text(c)}) "
            f'for "{receiver}" of type {t.cql()}'
        )
    v = c.value
    try:
        return _convert(c.kind, v, k)
    except (ValueError, InvalidOperation, OverflowError) as e:
        msg = str(e) if isinstance(e, _Coerce) else f"Unable to make {k} from '{_literal_text(c)}'"
        raise InvalidRequest(msg) from None


class _Coerce(ValueError):
    pass


def _convert(kind: str, v: Any, k: str) -> Any:
    if kind == "integer":
        n = int(v)
        if k in INT_BITS:
            bits = INT_BITS[k]
            if not -(2 ** (bits - 1)) <= n < 2 ** (bits - 1):
                raise ValueError
            return n
        if k == "varint":
            return n
        if k == "decimal":
            return Decimal(n)
        if k == "float":
            return _f32(float(n))
        if k == "double":
            return float(n)
        if k == "timestamp":
            return n
        if k == "date":
            if not 0 <= n < 2**32:
                raise ValueError
            return n
        if k == "time":
            if not 0 <= n <= 86399999999999:
                raise ValueError
            return n
    if kind == "float":
        text = str(v)
        if k == "decimal":
            return Decimal(text)
        f = float(text)
        return _f32(f) if k == "float" else f
    if kind == "string":
        s = str(v)
        if k == "text":
            return s
        if k == "ascii":
            if not s.isascii():
                raise _Coerce(f"Invalid ASCII character in string literal {s}")
            return s
        if k == "timestamp":
            return parse_timestamp(s)
        if k == "date":
            return parse_date(s)
        if k == "time":
            return parse_time(s)
        if k == "inet":
            try:
                return ipaddress.ip_address(s.strip()).packed
            except ValueError:
                raise _Coerce(f"Unable to make inet address from '{s}'") from None
    if kind == "boolean":
        return bool(v)
    if kind == "uuid":
        u = v if isinstance(v, uuid.UUID) else uuid.UUID(str(v))
        if k == "timeuuid" and u.version != 1:
            raise _Coerce(f"Unable to make version 1 UUID from '{u}'")
        return u.bytes
    if kind == "blob":
        return bytes(v)
    if kind == "duration":
        return parse_duration(str(v))
    raise ValueError


def _f32(f: float) -> float:
    if math.isinf(f) or math.isnan(f):
        return f
    return float(struct.unpack(">f", struct.pack(">f", f))[0])


_TS = re.compile(
    r"^(-?\d{1,9})-(\d{1,2})-(\d{1,2})"
    r"(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2}|[+-]\d{2})?$"
)


def parse_timestamp(s: str) -> int:
    """CQL timestamp text -> ms since the epoch (UTC when no zone is given)."""
    text = s.strip()
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    m = _TS.match(text)
    if not m:
        raise _Coerce(f"Unable to coerce '{s}' to a formatted date (long)")
    year, month, day, hh, mm, ss, frac, tz = m.groups()
    try:
        base = datetime(int(year), int(month), int(day), tzinfo=UTC)
    except ValueError:
        raise _Coerce(f"Unable to coerce '{s}' to a formatted date (long)") from None
    delta = timedelta(hours=int(hh or 0), minutes=int(mm or 0), seconds=int(ss or 0))
    ms = int((frac or "0").ljust(3, "0")[:3])
    offset = 0
    if tz and tz != "Z":
        sign = -1 if tz[0] == "-" else 1
        digits = tz[1:].replace(":", "")
        offset = sign * (int(digits[:2]) * 60 + int(digits[2:] or 0))
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    total = (base + delta - epoch) // timedelta(milliseconds=1) + ms
    return int(total - offset * 60_000)


def parse_date(s: str) -> int:
    """CQL date text -> days since the epoch + 2**31."""
    text = s.strip()
    if re.fullmatch(r"\d+", text):
        n = int(text)
        if n >= 2**32:
            raise _Coerce(f"Unable to coerce '{s}' to a formatted date (long)")
        return n
    m = re.fullmatch(r"(-?\d{1,9})-(\d{1,2})-(\d{1,2})", text)
    if not m:
        raise _Coerce(f"Unable to coerce '{s}' to a formatted date (long)")
    y, mo, d = (int(g) for g in m.groups())
    try:
        days = (date(y, mo, d) - date(1970, 1, 1)).days
    except ValueError:
        raise _Coerce(f"Unable to coerce '{s}' to a formatted date (long)") from None
    return days + EPOCH_DAYS_OFFSET


def parse_time(s: str) -> int:
    """CQL time text -> nanoseconds since midnight."""
    m = re.fullmatch(r"(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?", s.strip())
    if not m:
        raise _Coerce("Timestamp format must be hh:mm:ss[.fffffffff]")
    hh, mm, ss, frac = m.groups()
    if int(hh) > 23 or int(mm) > 59 or int(ss) > 59:
        raise _Coerce("Timestamp format must be hh:mm:ss[.fffffffff]")
    ns = int((frac or "0").ljust(9, "0"))
    return ((int(hh) * 60 + int(mm)) * 60 + int(ss)) * 1_000_000_000 + ns


_UNITS_NS = {
    "h": 3_600_000_000_000,
    "m": 60_000_000_000,
    "s": 1_000_000_000,
    "ms": 1_000_000,
    "us": 1_000,
    "µs": 1_000,
    "ns": 1,
}


def parse_duration(s: str) -> tuple[int, int, int]:
    """A duration literal (`1h30m`, `P1DT2H`, `P0001-02-03T04:05:06`) ->
    (months, days, nanos)."""
    text = s.strip()
    neg = text.startswith("-")
    if neg:
        text = text[1:]
    months = days = nanos = 0
    up = text.upper()
    if up.startswith("P"):
        alt = re.fullmatch(r"P(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})", up)
        if alt:
            y, mo, d, h, mi, se = (int(g) for g in alt.groups())
            months, days = y * 12 + mo, d
            nanos = ((h * 60 + mi) * 60 + se) * 1_000_000_000
        else:
            m = re.fullmatch(
                r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?",
                up,
            )
            if not m or up == "P":
                raise _Coerce(f"Unable to convert '{s}' to a duration")
            y, mo, w, d, h, mi, se = (int(g or 0) for g in m.groups())
            months = y * 12 + mo
            days = w * 7 + d
            nanos = ((h * 60 + mi) * 60 + se) * 1_000_000_000
    else:
        parts = re.findall(r"(\d+)(y|mo|w|d|h|ms|m|us|µs|ns|s)", text.lower())
        if not parts or "".join(a + b for a, b in parts) != text.lower():
            raise _Coerce(f"Unable to convert '{s}' to a duration")
        for num, unit in parts:
            n = int(num)
            if unit == "y":
                months += 12 * n
            elif unit == "mo":
                months += n
            elif unit == "w":
                days += 7 * n
            elif unit == "d":
                days += n
            else:
                nanos += n * _UNITS_NS[unit]
    if neg:
        return (-months, -days, -nanos)
    return (months, days, nanos)
