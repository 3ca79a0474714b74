"""Values as CQL JSON text (SELECT JSON, toJson()), formatted as Cassandra does."""

from __future__ import annotations

import ipaddress
import json
import math
from datetime import UTC, datetime, timedelta
from typing import Any

from astra_grpc_async.emulator.cql.bignum import int_text

from .literals import EPOCH_DAYS_OFFSET
from .types import CType
from .values import format_uuid

__all__ = ["format_duration", "to_json"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _number(x: float) -> str:
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return repr(x)


def format_duration(d: tuple[int, int, int]) -> str:
    months, days, nanos = d
    neg = months < 0 or days < 0 or nanos < 0
    months, days, nanos = abs(months), abs(days), abs(nanos)
    out = []
    for amount, unit in ((months // 12, "y"), (months % 12, "mo"), (days, "d")):
        if amount:
            out.append(f"{amount}{unit}")
    for size, unit in (
        (3_600_000_000_000, "h"),
        (60_000_000_000, "m"),
        (1_000_000_000, "s"),
        (1_000_000, "ms"),
        (1_000, "us"),
        (1, "ns"),
    ):
        if nanos >= size:
            out.append(f"{nanos // size}{unit}")
            nanos %= size
    text = "".join(out) or "0s"
    return "-" + text if neg else text


def _timestamp(ms: int) -> str:
    dt = _EPOCH + timedelta(milliseconds=ms)
    return dt.strftime("%Y-%m-%d %H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def _date(days: int) -> str:
    return (_EPOCH + timedelta(days=days - EPOCH_DAYS_OFFSET)).strftime("%Y-%m-%d")


def _time(ns: int) -> str:
    secs, frac = divmod(ns, 1_000_000_000)
    h, rem = divmod(secs, 3600)
    m, s = divmod(rem, 60)
    return f"{h:02d}:{m:02d}:{s:02d}.{frac:09d}"


def to_json(t: CType, x: Any) -> str:
    if x is None:
        return "null"
    k = t.kind
    if k in ("text", "ascii"):
        return json.dumps(x, ensure_ascii=False)
    if k in ("tinyint", "smallint", "int", "bigint", "counter", "varint"):
        return int_text(x)
    if k in ("float", "double"):
        return _number(x)
    if k == "decimal":
        return str(x)
    if k == "boolean":
        return "true" if x else "false"
    if k == "blob":
        return json.dumps("0x" + x.hex())
    if k in ("uuid", "timeuuid"):
        return json.dumps(format_uuid(x))
    if k == "inet":
        return json.dumps(str(ipaddress.ip_address(x)))
    if k == "timestamp":
        return json.dumps(_timestamp(x))
    if k == "date":
        return json.dumps(_date(x))
    if k == "time":
        return json.dumps(_time(x))
    if k == "duration":
        return json.dumps(format_duration(x))
    if k in ("list", "set"):
        return "[" + ", ".join(to_json(t.params[0], e) for e in x) + "]"
    if k == "tuple":
        return "[" + ", ".join(to_json(p, e) for p, e in zip(t.params, x, strict=False)) + "]"
    if k == "map":
        kt, vt = t.params
        items = []
        for a, b in x:
            key = to_json(kt, a)
            if not key.startswith('"'):
                key = json.dumps(key)
            items.append(f"{key}: {to_json(vt, b)}")
        return "{" + ", ".join(items) + "}"
    # a value written before ALTER TYPE ... ADD is shorter than the type
    padded = (*x, *(None,) * (len(t.fields) - len(x)))
    fields = [
        f"{json.dumps(name)}: {to_json(p, e)}"
        for name, p, e in zip(t.fields, t.params, padded, strict=True)
    ]
    return "{" + ", ".join(fields) + "}"
