"""The select clause: which values each result row carries, and how."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from astra_grpc_async._proto.stargate import query_pb2
from astra_grpc_async.emulator.cql import ast
from astra_grpc_async.emulator.cql.bignum import int_text, parse_int
from astra_grpc_async.emulator.errors import InvalidRequest

from . import functions
from .catalog import Column, Table, cql_name
from .context import Ctx
from .jsonfmt import to_json
from .literals import INT_BITS
from .rows import cell_of, column_reader
from .store import Cell, Partition, Row
from .terms import Binder, Evaluator
from .types import CType, native
from .values import NULL, UNSET, encoder, sort_key

__all__ = ["Aggregate", "OutputColumn", "compile_selection"]

Getter = Callable[[Partition, Row | None, Ctx], Any]


@dataclass(slots=True)
class Aggregate:
    """An aggregate function over the selected rows."""

    kind: str  # count_rows, count, min, max, sum, avg
    arg: Getter | None
    type: CType

    def run(self, rows: list[tuple[Partition, Row | None]], ctx: Ctx) -> Any:
        if self.kind == "count_rows":
            return len(rows)
        assert self.arg is not None
        values = [v for v in (self.arg(p, r, ctx) for p, r in rows) if v is not None]
        if self.kind == "count":
            return len(values)
        if self.kind in ("min", "max"):
            if not values:
                return None
            key = sort_key(self.type)
            return (min if self.kind == "min" else max)(values, key=key)
        numeric_zero: Any = Decimal(0) if self.type.kind == "decimal" else 0
        if self.kind == "sum":
            total = sum(values, numeric_zero)
            return float(total) if self.type.kind in ("float", "double") else total
        if not values:
            return numeric_zero if self.type.kind not in ("float", "double") else 0.0
        total = sum(values, numeric_zero)
        if self.type.kind in ("float", "double"):
            return float(total) / len(values)
        if self.type.kind == "decimal":
            return total / len(values)
        quotient = abs(total) // len(values)  # truncated toward zero, exact at any size
        return -quotient if total < 0 else quotient


@dataclass(slots=True)
class OutputColumn:
    name: str
    type: CType
    get: Getter | None  # None for aggregates
    aggregate: Aggregate | None = None
    column: Column | None = None  # plain column selections

    def spec(self) -> query_pb2.ColumnSpec:
        return query_pb2.ColumnSpec(name=self.name, type=self.type.type_spec())


def _plain(col: Column) -> OutputColumn:
    reader = column_reader(col)
    return OutputColumn(col.name, col.type, lambda p, r, ctx: reader(p, r, ctx.now), column=col)


def compile_selection(
    table: Table, selectors: tuple[ast.Selector, ...], binder: Binder
) -> list[OutputColumn]:
    if not selectors:
        return [_plain(c) for c in table.select_order]
    out = []
    for s in selectors:
        oc = _compile(table, s, binder)
        if s.alias:
            oc.name = s.alias
        out.append(oc)
    return out


_AGGREGATES = {"count", "min", "max", "sum", "avg"}


def _compile(table: Table, s: ast.Selector, binder: Binder) -> OutputColumn:
    if s.kind == "column":
        return _plain(table.column(s.name))
    if s.kind == "count":
        return OutputColumn(
            "count", native("bigint"), None, Aggregate("count_rows", None, native("bigint"))
        )
    if s.kind in ("writetime", "ttl"):
        col = table.column(s.name)
        fname = "writeTime" if s.kind == "writetime" else "ttl"
        if col.is_primary_key:
            raise InvalidRequest(
                f"Cannot use selection function {fname} on PRIMARY KEY part {cql_name(col.name)}"
            )
        if col.type.multicell:
            what = "collection" if col.type.is_collection else "UDT"
            raise InvalidRequest(
                f"Cannot use selection function {fname} on non-frozen {what} {cql_name(col.name)}"
            )
        reader = column_reader(col)
        if s.kind == "writetime":

            def writetime(p: Partition, r: Row | None, ctx: Ctx) -> Any:
                c = cell_of(col, p, r)
                if type(c) is Cell and reader(p, r, ctx.now) is not None:
                    return c.ts
                return None

            return OutputColumn(f"writetime({col.name})", native("bigint"), writetime)

        def ttl(p: Partition, r: Row | None, ctx: Ctx) -> Any:
            c = cell_of(col, p, r)
            if type(c) is Cell and c.expires is not None and reader(p, r, ctx.now) is not None:
                return c.expires - ctx.now
            return None

        return OutputColumn(f"ttl({col.name})", native("int"), ttl)
    if s.kind == "field":
        return _field(table, s, binder)
    # functions
    name = s.name.split(".")[-1].lower()
    if name == "token":
        names = [a.name for a in s.args if isinstance(a, ast.Selector)]
        if names != [c.name for c in table.partition_key]:
            raise InvalidRequest(
                "Type error: the token function arguments must be the partition key columns"
            )
        return OutputColumn(
            f"system.token({', '.join(names)})", native("bigint"), lambda p, r, ctx: p.token
        )
    if name in _AGGREGATES:
        if len(s.args) != 1 or not isinstance(s.args[0], ast.Selector):
            if name == "count":
                return OutputColumn(
                    "count", native("bigint"), None, Aggregate("count_rows", None, native("bigint"))
                )
            raise InvalidRequest(f"Invalid number of arguments in call to function system.{name}")
        inner = _compile(table, s.args[0], binder)
        rtype = native("bigint") if name == "count" else inner.type
        return OutputColumn(
            f"system.{name}({inner.name})", rtype, None, Aggregate(name, inner.get, inner.type)
        )
    if name == "cast":
        return _cast(table, s, binder)
    if name == "tojson":
        if len(s.args) != 1 or not isinstance(s.args[0], ast.Selector):
            raise InvalidRequest("toJson() requires exactly one column argument")
        inner = _compile(table, s.args[0], binder)
        get, t = _row_getter(inner), inner.type
        return OutputColumn(
            f"system.tojson({inner.name})",
            native("text"),
            lambda p, r, ctx: to_json(t, get(p, r, ctx)),
        )
    return _scalar_call(table, s, name, binder)


def _field(table: Table, s: ast.Selector, binder: Binder) -> OutputColumn:
    """`sel.f`: one field of a UDT value, named `sel.f` as Cassandra names it."""
    inner_sel = s.args[0]
    assert isinstance(inner_sel, ast.Selector)
    inner = _compile(table, inner_sel, binder)
    t = inner.type
    if t.kind != "udt":
        raise InvalidRequest(
            f"Invalid field selection: {inner.name} of type {t.cql()} is not a user type"
        )
    if s.name not in t.fields:
        raise InvalidRequest(f"{inner.name} of type {t.cql()} has no field {s.name}")
    index = t.fields.index(s.name)
    get = _row_getter(inner)

    def field(p: Partition, r: Row | None, ctx: Ctx) -> Any:
        v = get(p, r, ctx)
        # shorter than the type: written before ALTER TYPE ... ADD
        return None if v is None or index >= len(v) else v[index]

    return OutputColumn(f"{inner.name}.{s.name}", t.params[index], field)


def json_output(outputs: list[OutputColumn]) -> OutputColumn:
    """SELECT JSON: one `[json]` text column holding an object per row."""
    if any(o.get is None for o in outputs):
        raise InvalidRequest("Aggregates are not supported with SELECT JSON by this emulator")
    parts = [(json.dumps(_json_key(o.name)), o.get, o.type) for o in outputs]

    def row_json(p: Partition, r: Row | None, ctx: Ctx) -> str:
        fields = [f"{key}: {to_json(t, get(p, r, ctx))}" for key, get, t in parts if get]
        return "{" + ", ".join(fields) + "}"

    return OutputColumn("[json]", native("text"), row_json)


def _json_key(name: str) -> str:
    quoted = cql_name(name)
    return name if quoted == name or not name.replace("_", "a").isalnum() else quoted


def _scalar_call(table: Table, s: ast.Selector, name: str, binder: Binder) -> OutputColumn:
    """A scalar function over columns and / or terms (blobAsText(b), ...)."""
    expected = functions.arg_types_for(name, len(s.args))
    getters: list[Getter] = []
    arg_types: list[CType] = []
    labels: list[str] = []
    for i, arg in enumerate(s.args):
        if isinstance(arg, ast.Selector):
            inner = _compile(table, arg, binder)
            getters.append(_row_getter(inner))
            arg_types.append(inner.type)
            labels.append(inner.name)
        else:
            t = expected[i] if expected and i < len(expected) else native("blob")
            ev = binder.term(arg, t, f"{name}(arg{i})")
            getters.append(_term_getter(ev))
            arg_types.append(t)
            labels.append("?")
    rtype = functions.return_type(name, arg_types)
    if rtype is None:
        raise InvalidRequest(f"Unknown function '{s.name}'")

    def call(p: Partition, r: Row | None, ctx: Ctx) -> Any:
        args = [g(p, r, ctx) for g in getters]
        return functions.apply(name, arg_types, [None if x is UNSET else x for x in args], ctx)

    return OutputColumn(f"system.{name}({', '.join(labels)})", rtype, call)


def _row_getter(o: OutputColumn) -> Getter:
    if o.get is None:
        raise InvalidRequest(f"Aggregate {o.name} cannot be an argument of another function")
    return o.get


def _term_getter(ev: Evaluator) -> Getter:
    return lambda p, r, ctx: ev(ctx)


def _cast(table: Table, s: ast.Selector, binder: Binder) -> OutputColumn:
    inner_sel, target = s.args[0], s.args[1]
    if not isinstance(inner_sel, ast.Selector) or not isinstance(target, ast.Cast):
        raise InvalidRequest("Invalid CAST selector")
    inner = _compile(table, inner_sel, binder)
    if not isinstance(target.type, ast.NativeType):
        raise InvalidRequest(f"{inner.type.cql()} cannot be cast to a non-native type")
    to = native(target.type.name)
    get = _row_getter(inner)
    src = inner.type

    def cast(p: Partition, r: Row | None, ctx: Ctx) -> Any:
        v = get(p, r, ctx)
        if v is None:
            return None
        return _convert(src, to, v)

    return OutputColumn(f"cast({inner.name} as {to.cql()})", to, cast)


def _convert(src: CType, to: CType, v: Any) -> Any:
    k = to.kind
    if k in ("text", "ascii"):
        if src.kind in ("float", "double"):
            return repr(v).replace("inf", "Infinity").replace("nan", "NaN")
        if src.kind == "boolean":
            return "true" if v else "false"
        if src.kind in ("uuid", "timeuuid"):
            from .values import format_uuid

            return format_uuid(v)
        return int_text(v) if isinstance(v, int) else str(v)
    if k in ("tinyint", "smallint", "int", "bigint", "varint", "counter"):
        return _to_integer(k, v)
    if k in ("float", "double"):
        try:
            return float(v)
        except OverflowError:  # Java's doubleValue() of a huge number: an infinity
            return math.inf if v > 0 else -math.inf
    if k == "decimal":
        return Decimal(v) if isinstance(v, int) else Decimal(str(v))
    raise InvalidRequest(f"{src.cql()} cannot be cast to {to.cql()}")


def _to_integer(k: str, v: Any) -> int:
    """Java's Number.intValue() and friends, which Cassandra's casts use:
    a fraction is dropped, a float saturates (NaN is 0), anything else keeps
    its low-order bits."""
    bits = INT_BITS.get(k)
    if isinstance(v, float):
        if bits is None and not math.isfinite(v):
            raise InvalidRequest(f"Unable to make {k} from '{v}'")
        if math.isnan(v):
            return 0
        if bits is not None:
            low, high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
            if bits < 32:  # Java narrows a double to int first, then to byte / short
                low, high = -(2**31), 2**31 - 1
            n = int(max(low, min(high, v)))
            return n if bits >= 32 else _wrap(n, bits)
        return int(v)
    n = parse_int(v) if isinstance(v, str) else int(v)
    return n if bits is None else _wrap(n, bits)


def _wrap(n: int, bits: int) -> int:
    half = 1 << (bits - 1)
    return ((n + half) & ((1 << bits) - 1)) - half


def encode_row(cols: list[OutputColumn], p: Partition, r: Row | None, ctx: Ctx) -> list[Any]:
    values = []
    for oc in cols:
        assert oc.get is not None
        v = oc.get(p, r, ctx)
        values.append(NULL if v is None else encoder(oc.type)(v))
    return values
