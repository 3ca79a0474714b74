"""SELECT: restrictions -> row iteration in ring / clustering order ->
filters, limits and paging -> a ResultSet page."""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable, Iterator
from typing import Any

from astra_grpc_async._proto.stargate import query_pb2
from astra_grpc_async.emulator.cql import ast
from astra_grpc_async.emulator.errors import InvalidRequest

from .catalog import Column, Table, cql_name
from .context import Ctx
from .paging import Position, decode_state, encode_state
from .rows import WireReader, column_reader, column_wire
from .selection import OutputColumn, compile_selection, json_output
from .store import TOP, Partition, Row
from .terms import Binder, Evaluator
from .tokens import murmur3_token
from .values import NULL, UNSET, encoder, sort_key
from .where import Filter, Where, compile_where
from .wire import value_chunk, varint

__all__ = ["SelectPlan", "compile_select"]

Item = tuple[Partition, Row | None]
Predicate = Callable[[Partition, Row | None], bool]


class SelectPlan:
    def __init__(
        self,
        table: Table,
        where: Where,
        outputs: list[OutputColumn],
        *,
        reverse: bool,
        limit: Evaluator | None,
        per_partition_limit: Evaluator | None,
        distinct: bool,
        static_rows: bool,
        post_order: bool,
        group_clustering: int | None = None,
    ) -> None:
        self.table = table
        self.where = where
        self.outputs = outputs
        self.reverse = reverse
        self.limit = limit
        self.per_partition_limit = per_partition_limit
        self.distinct = distinct
        self.static_rows = static_rows
        self.post_order = post_order  # IN on the partition key + ORDER BY
        # GROUP BY: None when absent, else how many clustering columns it names
        self.group_clustering = group_clustering
        self.aggregate = any(o.aggregate is not None for o in outputs)
        self.columns = [o.spec() for o in outputs]
        # the result metadata as ResultSet field 1, encoded once: merged from
        # bytes per call instead of copying the specs
        self.columns_wire = b"".join(
            b"\x0a" + varint(len(b)) + b for b in (c.SerializeToString() for c in self.columns)
        )
        self.ck_types = [c.type for c in table.clustering]
        plain = [o.column for o in outputs]
        # all plain columns: read encoded values straight from the store
        self.fast: list[WireReader] | None = None
        if all(c is not None for c in plain):
            self.fast = [column_wire(c) for c in plain if c is not None]

    # --- execution -----------------------------------------------------------

    def execute(
        self,
        ctx: Ctx,
        rs: query_pb2.ResultSet,
        page_size: int | None,
        paging_state: bytes | None,
        skip_metadata: bool,
    ) -> None:
        """Fill `rs` with one page."""
        limit = None if self.limit is None else _positive(self.limit, ctx, "LIMIT")
        pp_limit = (
            None
            if self.per_partition_limit is None
            else _positive(self.per_partition_limit, ctx, "PER PARTITION LIMIT")
        )
        after = decode_state(paging_state, self.ck_types) if paging_state else None
        if after is not None:
            limit = after.remaining
        meta = b"" if skip_metadata else self.columns_wire
        if meta and (self.group_clustering is not None or self.aggregate):
            rs.MergeFromString(meta)  # otherwise merged with the rows, below
        items = self._items(ctx, after)
        filters = self._predicates(ctx) if self.where.filters else None
        if filters:
            items = (it for it in items if all(f(it[0], it[1]) for f in filters))
        if pp_limit is not None:
            items = _per_partition(items, pp_limit, after)
        if self.group_clustering is not None:
            self._groups(ctx, rs, items, limit, page_size)
            return
        if self.aggregate:
            rows = list(items if limit is None else _take(items, limit))
            rs.rows.add().values.extend(self._aggregate_row(rows, ctx))
            return
        if self.post_order:
            if page_size is not None and (limit is None or limit > page_size):
                raise InvalidRequest(
                    "Cannot page queries with both ORDER BY and a IN restriction on the "
                    "partition key; you must either remove the ORDER BY or the IN and sort "
                    "client side, or disable paging for this query"
                )
            data = self.table.data
            collected = sorted(
                items,
                key=lambda it: data.ck_key(it[1].clustering) if it[1] is not None else (),
                reverse=self.reverse,
            )
            items = iter(collected)
            page_size = None
        chunks: list[bytes] = []
        last: Item | None = None
        more = False
        remaining = limit
        part_rows = 0
        last_part: Partition | None = None
        now = ctx.now
        fast = self.fast
        slow = [_wire_getter(o) for o in self.outputs] if fast is None else []
        for item in items:
            if remaining is not None and remaining <= 0:
                break
            if page_size is not None and len(chunks) >= page_size:
                more = True
                break
            p, r = item
            if fast is not None:
                body = b"".join([g(p, r, now) for g in fast])
            else:
                body = b"".join([g(p, r, ctx) for g in slow])
            chunks.append(b"\x12" + varint(len(body)) + body)
            if remaining is not None:
                remaining -= 1
            if p is not last_part:
                if last_part is None and after is not None and p.keybytes == after.keybytes:
                    part_rows = after.partition_rows
                else:
                    part_rows = 0
                last_part = p
            part_rows += 1
            last = item
        if chunks:
            rs.MergeFromString(meta + b"".join(chunks))
        elif meta:
            rs.MergeFromString(meta)
        if more and last is not None:
            p, r = last
            pos = Position(p.keybytes, None if r is None else r.clustering, remaining, part_rows)
            rs.paging_state.value = encode_state(pos, self.ck_types)

    def _groups(
        self,
        ctx: Ctx,
        rs: query_pb2.ResultSet,
        items: Iterator[Item],
        limit: int | None,
        page_size: int | None,
    ) -> None:
        """GROUP BY: one row per group of consecutive rows sharing the partition
        and the first `group_clustering` clustering values. LIMIT counts groups;
        a page holds `page_size` groups and resumes after the last row of its
        last group (a group is never split across pages)."""
        n = self.group_clustering
        assert n is not None
        ck_key = self.table.data.ck_key

        def group_key(it: Item) -> tuple[bytes, Any]:
            p, r = it
            return p.keybytes, None if r is None else ck_key(r.clustering)[:n]

        last: Item | None = None
        groups = itertools.groupby(items, key=group_key)
        for emitted, (_, group) in enumerate(groups):
            if limit is not None and emitted >= limit:
                return
            if page_size is not None and emitted >= page_size:
                assert last is not None
                p, r = last
                remaining = None if limit is None else limit - emitted
                pos = Position(p.keybytes, None if r is None else r.clustering, remaining, 0)
                rs.paging_state.value = encode_state(pos, self.ck_types)
                return
            rows = list(group)
            rs.rows.add().values.extend(self._aggregate_row(rows, ctx))
            last = rows[-1]

    def _aggregate_row(self, rows: list[Item], ctx: Ctx) -> list[query_pb2.Value]:
        vals = []
        for o in self.outputs:
            if o.aggregate is not None:
                v = o.aggregate.run(rows, ctx)
            elif rows:
                assert o.get is not None
                v = o.get(rows[0][0], rows[0][1], ctx)
            else:
                v = None
            vals.append(NULL if v is None else encoder(o.type)(v))
        return vals

    # --- iteration -------------------------------------------------------------

    def _partitions(self, ctx: Ctx, after: Position | None) -> Iterator[Partition]:
        data = self.table.data
        w = self.where
        start: tuple[int, bytes] | None = None
        if after is not None:
            start = (murmur3_token(after.keybytes), after.keybytes)
        if w.pk is not None:
            for _, kb, token in w.partition_keys(ctx):
                if start is not None and (token, kb) < start:
                    continue
                part = data.get(kb)
                if part is not None:
                    yield part
            return
        lo, lo_inc, hi, hi_inc = w.token_range(ctx)
        begin: tuple[Any, ...] | None = start
        if lo is not None:
            bound = (lo, b"") if lo_inc else (lo, TOP)
            if begin is None or bound > begin:
                begin = bound
        for part in data.scan(begin):
            if hi is not None and (part.token > hi or (part.token == hi and not hi_inc)):
                return
            yield part

    def _items(self, ctx: Ctx, after: Position | None) -> Iterator[Item]:
        now = ctx.now
        w = self.where
        ranges = w.clustering_ranges(ctx) if (w.ck_prefix or w.ck_slice) else [(None, None)]
        reverse = self.reverse
        if reverse:
            ranges = list(reversed(ranges))
        for part in self._partitions(ctx, after):
            ck_after = None
            if after is not None and part.keybytes == after.keybytes:
                if after.clustering is None:
                    continue
                ck_after = self.table.data.ck_key(after.clustering)
            if self.distinct:
                if part.static.live(now) or part.has_live_rows(now):
                    yield part, None
                continue
            found = False
            for start, end in ranges:
                if ck_after is not None:
                    if not reverse:
                        bound = (*ck_after, TOP)
                        if start is None or bound > start:
                            start = bound
                    elif end is None or ck_after < end:
                        end = ck_after
                    if start is not None and end is not None and not start < end:
                        continue
                rows = part.rows
                for k in rows.irange(start, end, inclusive=(True, False), reverse=reverse):
                    row = rows[k]
                    if row.live(now):
                        found = True
                        yield part, row
            if (
                not found
                and ck_after is None
                and self.static_rows
                and part.static.live(now)
                and not part.has_live_rows(now)
            ):
                yield part, None

    def _predicates(self, ctx: Ctx) -> list[Predicate]:
        return [_predicate(f, ctx) for f in self.where.filters]


def _wire_getter(o: OutputColumn) -> Callable[[Partition, Row | None, Ctx], bytes]:
    get = o.get
    assert get is not None
    chunk = value_chunk(o.type)
    return lambda p, r, ctx: chunk(get(p, r, ctx))


def _take(items: Iterator[Item], n: int) -> Iterator[Item]:
    for i, it in enumerate(items):
        if i >= n:
            return
        yield it


def _per_partition(items: Iterator[Item], limit: int, after: Position | None) -> Iterator[Item]:
    current: Partition | None = None
    n = 0
    for p, r in items:
        if p is not current:
            current = p
            n = after.partition_rows if after is not None and p.keybytes == after.keybytes else 0
        if n >= limit:
            continue
        n += 1
        yield p, r


def _positive(ev: Evaluator | None, ctx: Ctx, what: str) -> int | None:
    if ev is None:
        return None
    v = ev(ctx)
    if v is UNSET:
        return None
    if v is None:
        raise InvalidRequest(f"Invalid null value of {what.lower()}")
    if v <= 0:
        raise InvalidRequest(f"{what} must be strictly positive")
    return int(v)


_COMPARISONS: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _predicate(f: Filter, ctx: Ctx) -> Predicate:
    col = f.column
    if f.op == "SLICE":
        ok = f.value(ctx)
        readers = [column_reader(c) for c in f.columns]
        now = ctx.now

        def slice_ok(p: Partition, r: Row | None) -> bool:
            vals = tuple(rd(p, r, now) for rd in readers)
            if any(v is None for v in vals):
                return False
            return bool(ok(vals))

        return slice_ok
    reader = column_reader(col)
    now = ctx.now
    value = f.value(ctx)
    if value is UNSET:
        raise InvalidRequest(f"Invalid unset value for column {cql_name(col.name)}")
    if f.columns:  # multi-column IN
        readers = [column_reader(c) for c in f.columns]
        wanted = {tuple(v) for v in value}
        return lambda p, r: tuple(rd(p, r, now) for rd in readers) in wanted
    if value is None and f.op not in ("=",):
        raise InvalidRequest(f"Unsupported null value for column {cql_name(col.name)}")
    key = sort_key(col.type)
    op = f.op
    if op == "=":
        if value is None:
            raise InvalidRequest(f"Unsupported null value for column {cql_name(col.name)}")
        target = key(value)
        return lambda p, r: (v := reader(p, r, now)) is not None and key(v) == target
    if op == "IN":
        keys = {key(v) for v in value if v is not None}
        return lambda p, r: (v := reader(p, r, now)) is not None and key(v) in keys
    if op in ("<", "<=", ">", ">="):
        target = key(value)
        cmp = _COMPARISONS[op]
        return lambda p, r: (v := reader(p, r, now)) is not None and bool(cmp(key(v), target))
    t = col.type
    if op == "CONTAINS":
        ek = sort_key(t.params[1] if t.kind == "map" else t.params[0])
        target = ek(value)
        if t.kind == "map":
            return lambda p, r: (
                (v := reader(p, r, now)) is not None and any(ek(x[1]) == target for x in v)
            )
        return lambda p, r: (v := reader(p, r, now)) is not None and any(ek(x) == target for x in v)
    kk = sort_key(t.params[0])
    target = kk(value)
    return lambda p, r: (v := reader(p, r, now)) is not None and any(kk(x[0]) == target for x in v)


def compile_select(table: Table, stmt: ast.Select, binder: Binder) -> SelectPlan:
    where = compile_where(
        table, stmt.where, binder, allow_filtering=stmt.allow_filtering, for_select=True
    )
    outputs = compile_selection(table, stmt.selectors, binder)
    reverse = _ordering(table, stmt, where)
    if stmt.distinct:
        _check_distinct(table, outputs)
    if stmt.json:
        outputs = [json_output(outputs)]
    selects_static = any(o.column is not None and o.column.is_static for o in outputs) or (
        not stmt.selectors and table.has_statics
    )
    static_rows = (
        selects_static and not where.clustering_restricted and not where.regular_restricted
    )
    group_clustering = _grouping(table, stmt, where) if stmt.group_by else None
    plan = SelectPlan(
        table,
        where,
        outputs,
        reverse=reverse,
        limit=binder.int_term(stmt.limit, "[limit]"),
        per_partition_limit=binder.int_term(stmt.per_partition_limit, "[per_partition_limit]"),
        distinct=stmt.distinct,
        static_rows=static_rows,
        post_order=where.pk_in and bool(stmt.order_by),
        group_clustering=group_clustering,
    )
    return plan


def _grouping(table: Table, stmt: ast.Select, where: Where) -> int:
    """Validate GROUP BY (Cassandra 4's checks); returns how many clustering
    columns it names. Clustering columns restricted by `=` may be skipped."""
    pk = [*table.partition_key, *table.clustering]
    fixed = {cols[0].name for cols, _ in where.ck_prefix if len(cols) == 1}
    pos = 0
    for name in stmt.group_by:
        col = table.column(name)
        if not col.is_primary_key:
            raise InvalidRequest(
                "Group by is currently only supported on the columns of the PRIMARY KEY, "
                f"got {cql_name(name)}"
            )
        while pos < len(pk) and pk[pos] is not col and pk[pos].name in fixed:
            pos += 1
        if pos >= len(pk) or pk[pos] is not col:
            raise InvalidRequest(
                "Group by currently only support groups of columns following their declared "
                "order in the PRIMARY KEY"
            )
        pos += 1
    if pos < len(table.partition_key):
        raise InvalidRequest(
            "Group by currently only support groups of columns following their declared "
            "order in the PRIMARY KEY"
        )
    if stmt.distinct and pos > len(table.partition_key):
        raise InvalidRequest(
            "Grouping on clustering columns is not allowed for SELECT DISTINCT queries"
        )
    if stmt.json:
        raise InvalidRequest("GROUP BY with SELECT JSON is not supported by this emulator")
    return pos - len(table.partition_key)


def _check_distinct(table: Table, outputs: list[OutputColumn]) -> None:
    selected: list[Column] = []
    for o in outputs:
        if o.column is None:  # functions and aggregates of selected columns
            continue
        if not (o.column.kind == "partition_key" or o.column.is_static):
            raise InvalidRequest(
                "SELECT DISTINCT queries must only request partition key columns and/or "
                f"static columns (not {cql_name(o.column.name)})"
            )
        selected.append(o.column)
    missing = [c.name for c in table.partition_key if c not in selected]
    if missing and not all(o.aggregate is not None for o in outputs):
        raise InvalidRequest(
            "SELECT DISTINCT queries must request all the partition key columns (missing "
            + ", ".join(missing)
            + ")"
        )


def _ordering(table: Table, stmt: ast.Select, where: Where) -> bool:
    if not stmt.order_by:
        return False
    reversed_flags = []
    for i, (name, desc) in enumerate(stmt.order_by):
        col = table.column(name)
        if col.kind != "clustering":
            raise InvalidRequest(
                "Order by is currently only supported on the clustered columns of the PRIMARY "
                f"KEY, got {cql_name(name)}"
            )
        if col.position != i:
            raise InvalidRequest(
                "Order by currently only supports the ordering of columns following their "
                "declared order in the PRIMARY KEY"
            )
        reversed_flags.append(desc != col.descending)
    if len(set(reversed_flags)) > 1:
        raise InvalidRequest("Unsupported order by relation")
    if where.pk is None:
        raise InvalidRequest(
            "ORDER BY is only supported when the partition key is restricted by an EQ or an IN."
        )
    return reversed_flags[0]
