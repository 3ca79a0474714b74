"""Lightweight transactions: check IF conditions against the current row,
then apply all mutations or none; answer the `[applied]` result set."""

from __future__ import annotations

from dataclasses import dataclass

from astra_grpc_async._proto.stargate import query_pb2
from astra_grpc_async.emulator.errors import InvalidRequest

from .catalog import Column, Table
from .context import Ctx
from .rows import column_reader
from .store import Partition, Row
from .types import native
from .values import NULL, encoder
from .writes import Mutation, WritePlan, apply_mutations

__all__ = ["Conditional", "run_conditional"]

_EMPTY = Partition((), b"", 0)
_APPLIED = query_pb2.ColumnSpec(name="[applied]", type=native("boolean").type_spec())


@dataclass(slots=True)
class Conditional:
    plan: WritePlan
    ctx: Ctx
    mutations: list[Mutation]


def _current_row(table: Table, part: Partition | None, m: Mutation, now: int) -> Row | None:
    if part is None:
        return None
    if m.clustering is None:
        if table.clustering:  # a partition-level write: its static row
            return part.static if part.static.live(now) else None
        clustering: tuple[object, ...] = ()  # without clustering columns the partition is one row
    else:
        clustering = m.clustering
    row: Row | None = part.rows.get(table.data.ck_key(clustering))
    if row is not None and row.live(now):
        return row
    return None


def run_conditional(items: list[Conditional], *, batch: bool) -> tuple[bool, query_pb2.ResultSet]:
    muts = [m for it in items for m in it.mutations]
    keys = {(m.table.keyspace, m.table.name, m.key[1]) for m in muts}
    if batch:
        if len({k[:2] for k in keys}) > 1:
            raise InvalidRequest("Batch with conditions cannot span multiple tables")
        if len(keys) > 1:
            raise InvalidRequest("Batch with conditions cannot span multiple partitions")
    elif len(muts) != 1:
        raise InvalidRequest("IN on the partition key is not supported with conditional updates")
    applied = True
    checked: list[tuple[Table, Partition | None, Mutation, Row | None]] = []
    wildcard = False
    cond_cols: list[Column] = []
    for it in items:
        plan, ctx = it.plan, it.ctx
        now = ctx.now
        for m in it.mutations:
            part = m.table.data.get(m.key[1])
            row = _current_row(m.table, part, m, now)
            if plan.if_not_exists:
                wildcard = True
                ok = row is None
            elif plan.if_exists:
                wildcard = True
                ok = row is not None
            else:
                ok = True
                target = part if part is not None else _EMPTY
                for cond in plan.conditions:
                    if cond.column not in cond_cols:
                        cond_cols.append(cond.column)
                    if not cond.bind(ctx)(target, row, now):
                        ok = False
            if plan.conditional:
                checked.append((m.table, part, m, row))
            applied = applied and ok
    rs = query_pb2.ResultSet(columns=[_APPLIED])
    if applied:
        apply_mutations(muts)
        rs.rows.append(query_pb2.Row(values=[query_pb2.Value(boolean=True)]))
        return True, rs
    now = items[0].ctx.now
    present = [(t, p, r) for t, p, _, r in checked if r is not None and p is not None]
    if not present:
        rs.rows.append(query_pb2.Row(values=[query_pb2.Value(boolean=False)]))
        return False, rs
    table = present[0][0]
    if wildcard:
        cols = list(table.select_order)
    else:
        cols = (list(table.partition_key) + list(table.clustering)) if batch else []
        cols += [c for c in cond_cols if c not in cols]
    rs.columns.extend(query_pb2.ColumnSpec(name=c.name, type=c.type.type_spec()) for c in cols)
    seen: set[int] = set()
    for _, p, r in present:
        assert p is not None
        if id(r) in seen:
            continue
        seen.add(id(r))
        row_arg = None if r is p.static else r
        vals = [query_pb2.Value(boolean=False)]
        for c in cols:
            v = column_reader(c)(p, row_arg, now)
            vals.append(NULL if v is None else encoder(c.type)(v))
        rs.rows.append(query_pb2.Row(values=vals))
    return False, rs
