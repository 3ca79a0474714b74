"""IF conditions of lightweight transactions (`IF v = ?`, `IF m[k] > ?`,
`IF u.f = ?`...)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from astra_grpc_async.emulator.cql import ast
from astra_grpc_async.emulator.errors import InvalidRequest

from .catalog import Column, Table, cql_name
from .context import Ctx
from .rows import column_reader
from .store import Partition, Row
from .terms import Binder, Evaluator
from .types import CType, native
from .values import UNSET, sort_key

__all__ = ["CompiledCondition", "compile_condition"]

Check = Callable[[Partition, Row | None, int], bool]


@dataclass(slots=True)
class CompiledCondition:
    column: Column
    bind: Callable[[Ctx], Check]


def compile_condition(table: Table, cond: ast.Condition, binder: Binder) -> CompiledCondition:
    col = table.column(cond.column)
    if col.is_primary_key:
        raise InvalidRequest(f"PRIMARY KEY column '{cql_name(col.name)}' cannot have IF conditions")
    t = col.type
    reader = column_reader(col)
    key_ev: Evaluator | None = None
    value_t = t
    field = -1  # UDT field index for `IF u.f op v`
    if cond.field is not None:
        if t.kind != "udt" or cond.field not in t.fields:
            raise InvalidRequest(f"Unknown field {cond.field} for column {cql_name(col.name)}")
        field = t.fields.index(cond.field)
        value_t = t.params[field]
    elif cond.key is not None:
        if t.kind == "map":
            key_ev = binder.term(cond.key, t.params[0], f"key({col.name})")
            value_t = t.params[1]
        elif t.kind == "list":
            key_ev = binder.term(cond.key, native("int"), f"idx({col.name})")
            value_t = t.params[0]
        else:
            raise InvalidRequest(
                f"Invalid element access syntax for non-collection column {col.name}"
            )
    op = cond.op
    if op == "IN":
        if isinstance(cond.value, ast.TupleLiteral):
            items = [binder.term(v, value_t, col.name) for v in cond.value.items]
            ev: Evaluator = lambda ctx: [f(ctx) for f in items]  # noqa: E731
        else:
            lev = binder.term(cond.value, CType("list", (value_t,), True), f"in({col.name})")
            ev = lambda ctx: list(lev(ctx) or ())  # noqa: E731
    elif op == "CONTAINS":
        ev = binder.term(cond.value, t.params[1] if t.kind == "map" else t.params[0], col.name)
    elif op == "CONTAINS KEY":
        ev = binder.term(cond.value, t.params[0], col.name)
    else:
        ev = binder.term(cond.value, value_t, col.name)
    key = sort_key(value_t)

    def bind(ctx: Ctx) -> Check:
        value = ev(ctx)
        if value is UNSET:
            raise InvalidRequest(f"Invalid 'unset' value in condition for column {col.name}")
        k = None
        if key_ev is not None:
            k = key_ev(ctx)
            if k is None or k is UNSET:
                raise InvalidRequest(f"Invalid null value for {col.name} element access")
        if op in ("<", "<=", ">", ">=") and value is None:
            raise InvalidRequest(f'Invalid comparison with null for operator "{op}"')

        def current(p: Partition, r: Row | None, now: int) -> Any:
            v = reader(p, r, now)
            if field >= 0 and v is not None:
                return v[field] if field < len(v) else None
            if k is None or v is None:
                return v
            if t.kind == "map":
                kk = sort_key(t.params[0])
                target = kk(k)
                return next((mv for mk, mv in v if kk(mk) == target), None)
            return v[k] if 0 <= k < len(v) else None

        def check(p: Partition, r: Row | None, now: int) -> bool:
            v = current(p, r, now)
            if op == "=":
                return (v is None and value is None) or (
                    v is not None and value is not None and key(v) == key(value)
                )
            if op == "!=":
                return not (
                    (v is None and value is None)
                    or (v is not None and value is not None and key(v) == key(value))
                )
            if op == "IN":
                return any(
                    (v is None and x is None)
                    or (v is not None and x is not None and key(v) == key(x))
                    for x in value
                )
            if v is None:
                return False
            if op == "CONTAINS":
                ek = sort_key(t.params[1] if t.kind == "map" else t.params[0])
                items = [x[1] for x in v] if t.kind == "map" else list(v)
                return any(ek(x) == ek(value) for x in items)
            if op == "CONTAINS KEY":
                ek = sort_key(t.params[0])
                return any(ek(x[0]) == ek(value) for x in v)
            a, b = key(v), key(value)
            return bool({"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op])

        return check

    return CompiledCondition(col, bind)
