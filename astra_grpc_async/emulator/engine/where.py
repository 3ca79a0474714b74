"""WHERE clauses: primary-key restrictions (partition keys, token ranges,
clustering prefixes and slices) and the leftover filters.

Compiled once per statement; evaluated per execution into concrete
partition keys and clustering ranges in sort-key space.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from astra_grpc_async.emulator.cql import ast
from astra_grpc_async.emulator.errors import InvalidRequest

from .catalog import Column, Table, cql_name
from .context import Ctx
from .store import TOP
from .terms import Binder, Evaluator
from .tokens import composite_key, murmur3_token
from .types import CType, native
from .values import UNSET, serialize, sort_key

__all__ = ["Filter", "KeySpec", "Slice", "Where", "compile_where", "partition_key"]

FILTERING_MSG = (
    "Cannot execute this query as it might involve data filtering and thus may have "
    "unpredictable performance. If you want to execute this query despite the "
    "performance unpredictability, use ALLOW FILTERING"
)

KeySpec = tuple[tuple[Any, ...], bytes, int]  # (values, serialized key, token)


@dataclass(slots=True)
class Slice:
    columns: list[Column]
    lower: tuple[Evaluator, bool] | None = None  # -> tuple of values, inclusive
    upper: tuple[Evaluator, bool] | None = None


@dataclass(slots=True)
class Filter:
    column: Column
    op: str
    value: Evaluator
    columns: list[Column] = field(default_factory=list)  # multi-column relations


@dataclass(slots=True)
class Where:
    table: Table
    pk: list[tuple[Column, Evaluator]] | None = None  # each -> list of values
    token_lower: tuple[Evaluator, bool] | None = None
    token_upper: tuple[Evaluator, bool] | None = None
    ck_prefix: list[tuple[list[Column], Evaluator]] = field(default_factory=list)
    ck_slice: Slice | None = None
    filters: list[Filter] = field(default_factory=list)
    clustering_restricted: bool = False
    regular_restricted: bool = False
    pk_in: bool = False

    # --- evaluation --------------------------------------------------------

    def partition_keys(self, ctx: Ctx) -> list[KeySpec]:
        """The restricted partition keys, in ring order, without duplicates."""
        assert self.pk is not None
        if len(self.pk) == 1:  # the common `k = ?`: one key, nothing to order
            col, ev = self.pk[0]
            values = ev(ctx)
            if len(values) == 1:
                _check_key_value(col, values[0])
                return [partition_key(self.table, (values[0],))]
        per_column = []
        for col, ev in self.pk:
            values = ev(ctx)
            for v in values:
                _check_key_value(col, v)
            per_column.append(values)
        out: dict[bytes, KeySpec] = {}
        for combo in itertools.product(*per_column):
            spec = partition_key(self.table, combo)
            out[spec[1]] = spec
        return sorted(out.values(), key=lambda s: (s[2], s[1]))

    def clustering_prefixes(self, ctx: Ctx) -> list[tuple[Any, ...]]:
        per_entry = []
        for cols, ev in self.ck_prefix:
            tuples = ev(ctx)
            for tup in tuples:
                for col, v in zip(cols, tup, strict=True):
                    _check_key_value(col, v)
            per_entry.append(tuples)
        return [tuple(itertools.chain.from_iterable(c)) for c in itertools.product(*per_entry)]

    def clustering_ranges(
        self, ctx: Ctx
    ) -> list[tuple[tuple[Any, ...] | None, tuple[Any, ...] | None]]:
        """[start, end) ranges of clustering sort keys, in clustering order."""
        data = self.table.data
        prefixes = self.clustering_prefixes(ctx) if self.ck_prefix else [()]
        keyed = sorted({data.ck_key(p): p for p in prefixes}.items(), key=lambda kv: kv[0])
        sl = self.ck_slice
        bounds = _slice_bounds(self.table, sl, ctx) if sl is not None else None
        out: list[tuple[tuple[Any, ...] | None, tuple[Any, ...] | None]] = []
        for sp, _ in keyed:
            start: tuple[Any, ...] | None = sp if sp else None
            end: tuple[Any, ...] | None = (*sp, TOP) if sp else None
            if bounds is not None:
                lo, hi = bounds
                if lo is not None:
                    start = (*sp, *lo)
                if hi is not None:
                    end = (*sp, *hi)
            if start is not None and end is not None and not start < end:
                continue
            out.append((start, end))
        return out

    def token_range(self, ctx: Ctx) -> tuple[int | None, bool, int | None, bool]:
        lo = hi = None
        lo_inc = hi_inc = True
        if self.token_lower is not None:
            lo = self.token_lower[0](ctx)
            lo_inc = self.token_lower[1]
            if lo is None or lo is UNSET:
                raise InvalidRequest("Invalid null value for partition key part token")
        if self.token_upper is not None:
            hi = self.token_upper[0](ctx)
            hi_inc = self.token_upper[1]
            if hi is None or hi is UNSET:
                raise InvalidRequest("Invalid null value for partition key part token")
        return lo, lo_inc, hi, hi_inc


def _check_key_value(col: Column, v: Any) -> None:
    if v is None:
        raise InvalidRequest(f"Invalid null value in condition for column {cql_name(col.name)}")
    if v is UNSET:
        raise InvalidRequest(f"Invalid unset value for column {cql_name(col.name)}")


def partition_key(table: Table, values: tuple[Any, ...]) -> KeySpec:
    cols = table.partition_key
    if len(cols) == 1:
        kb = serialize(cols[0].type, values[0])
        if not kb:
            raise InvalidRequest("Key may not be empty")
    else:
        kb = composite_key([serialize(c.type, v) for c, v in zip(cols, values, strict=True)])
    return values, kb, murmur3_token(kb)


def _slice_bounds(
    table: Table, sl: Slice, ctx: Ctx
) -> tuple[tuple[Any, ...] | None, tuple[Any, ...] | None]:
    """Sort-key space bounds (start inclusive, end exclusive) relative to the
    prefix, for a slice whose columns share one clustering direction."""
    data = table.data
    first = sl.columns[0].position
    desc = sl.columns[0].descending
    lo: tuple[Any, ...] | None = None
    hi: tuple[Any, ...] | None = None

    def key_of(values: tuple[Any, ...]) -> tuple[Any, ...]:
        for col, v in zip(sl.columns, values, strict=False):
            _check_key_value(col, v)
        return tuple(data.component_key(first + i, v) for i, v in enumerate(values))

    if sl.lower is not None:
        ev, inclusive = sl.lower
        k = key_of(ev(ctx))
        if not desc:  # value >(=) L  ->  start
            lo = k if inclusive else (*k, TOP)
        else:  # descending: value >(=) L  ->  end
            hi = (*k, TOP) if inclusive else k
    if sl.upper is not None:
        ev, inclusive = sl.upper
        k = key_of(ev(ctx))
        if not desc:
            hi = (*k, TOP) if inclusive else k
        else:
            lo = k if inclusive else (*k, TOP)
    return lo, hi


# --- compilation -------------------------------------------------------------


def _list_of(binder: Binder, rel: ast.Relation, t: CType, receiver: str) -> Evaluator:
    """EQ -> [value]; IN (a, b) -> [a, b]; IN ? -> the bound list."""
    if rel.op == "=":
        ev = binder.term(rel.value, t, receiver)
        return lambda ctx: [ev(ctx)]
    value = rel.value
    if isinstance(value, ast.TupleLiteral):
        items = [binder.term(v, t, receiver) for v in value.items]
        return lambda ctx: [f(ctx) for f in items]
    list_t = CType("list", (t,), True)
    ev = binder.term(value, list_t, f"in({receiver})")

    def bound_list(ctx: Ctx) -> list[Any]:
        x = ev(ctx)
        if x is UNSET:
            raise InvalidRequest(f"Invalid unset value for column {receiver}")
        if x is None:
            raise InvalidRequest(f"Invalid null value for IN restriction on {receiver}")
        return list(x)

    return bound_list


def _singletons(lst: Evaluator) -> Evaluator:
    return lambda ctx: [(v,) for v in lst(ctx)]


def _one(ev: Evaluator) -> Evaluator:
    return lambda ctx: (ev(ctx),)


def _n_tuple(ev: Evaluator, n: int) -> Evaluator:
    return lambda ctx: _full_tuple(ev(ctx), n)


def _tuple_type(cols: list[Column]) -> CType:
    return CType("tuple", tuple(c.type for c in cols), True)


def _tuples_of(binder: Binder, rel: ast.Relation, cols: list[Column]) -> Evaluator:
    """Multi-column EQ / IN -> list of value tuples."""
    tt = _tuple_type(cols)
    receiver = "(" + ",".join(c.name for c in cols) + ")"
    if rel.op == "=":
        ev = binder.term(rel.value, tt, receiver)
        return lambda ctx: [_full_tuple(ev(ctx), len(cols))]
    value = rel.value
    if isinstance(value, ast.TupleLiteral):
        items = [binder.term(v, tt, receiver) for v in value.items]
        return lambda ctx: [_full_tuple(f(ctx), len(cols)) for f in items]
    ev = binder.term(value, CType("list", (tt,), True), f"in({receiver})")
    return lambda ctx: [_full_tuple(x, len(cols)) for x in (ev(ctx) or ())]


def _full_tuple(x: Any, n: int) -> tuple[Any, ...]:
    if x is None or x is UNSET:
        raise InvalidRequest("Invalid null value for a multi-column restriction")
    t = tuple(x)
    return t + (None,) * (n - len(t))


def compile_where(
    table: Table,
    relations: tuple[ast.Relation, ...],
    binder: Binder,
    *,
    allow_filtering: bool,
    for_select: bool,
) -> Where:
    w = Where(table)
    # A relation a secondary index can answer lifts the ALLOW FILTERING
    # requirement for key restrictions (Cassandra then filters the rest).
    indexed = for_select and any(_uses_index(table, rel) for rel in relations)
    pk_rel: dict[str, ast.Relation] = {}
    ck_rels: dict[int, list[tuple[ast.Relation, list[Column]]]] = {}
    leftovers: list[tuple[ast.Relation, list[Column]]] = []
    for rel in relations:
        if rel.token:
            _compile_token(table, rel, binder, w)
            continue
        names = rel.columns or (rel.column,)
        cols = [table.column(n) for n in names]
        if rel.op == "!=":
            raise InvalidRequest(
                f'Unsupported "!=" relation: {cql_name(rel.column)} != {_term_text(rel.value)}'
            )
        if rel.columns:  # (a, b) op (...): multi-column syntax, even for one column
            if any(c.kind != "clustering" for c in cols):
                raise InvalidRequest(
                    "Multi-column relations can only be applied to clustering columns but "
                    f"was applied to: {next(c.name for c in cols if c.kind != 'clustering')}"
                )
            ck_rels.setdefault(cols[0].position, []).append((rel, cols))
            continue
        col = cols[0]
        if col.kind == "partition_key" and rel.op in ("=", "IN"):
            if col.name in pk_rel:
                raise InvalidRequest(
                    f"{cql_name(col.name)} cannot be restricted by more than one relation "
                    "if it includes an Equal"
                )
            pk_rel[col.name] = rel
        elif col.kind == "clustering" and rel.op in ("=", "IN", "<", "<=", ">", ">="):
            ck_rels.setdefault(col.position, []).append((rel, cols))
        else:
            leftovers.append((rel, cols))

    # partition key
    if (
        pk_rel
        and len(pk_rel) == len(table.partition_key)
        and w.token_lower is None
        and w.token_upper is None
    ):
        w.pk = []
        for col in table.partition_key:
            rel = pk_rel[col.name]
            w.pk_in = w.pk_in or rel.op == "IN"
            w.pk.append((col, _list_of(binder, rel, col.type, col.name)))
    elif pk_rel:
        if not for_select:
            missing = [c.name for c in table.partition_key if c.name not in pk_rel]
            raise InvalidRequest("Some partition key parts are missing: " + ", ".join(missing))
        if not allow_filtering and not indexed:
            raise InvalidRequest(FILTERING_MSG)
        for name, rel in pk_rel.items():
            leftovers.append((rel, [table.columns[name]]))
    elif not for_select and w.token_lower is None:
        missing = [c.name for c in table.partition_key]
        raise InvalidRequest("Some partition key parts are missing: " + ", ".join(missing))
    for rel, cols in leftovers:
        if cols[0].kind == "partition_key" and rel.op not in ("=", "IN") and not allow_filtering:
            raise InvalidRequest(
                "Only EQ and IN relation are supported on the partition key (unless you use "
                "the token() function or allow filtering)"
            )

    # clustering columns, in order
    pos = 0
    n_ck = len(table.clustering)
    broken: str | None = None  # why later clustering restrictions cannot be used
    while pos < n_ck:
        rels = ck_rels.pop(pos, None)
        if not rels:
            broken = "gap"
            break
        w.clustering_restricted = True
        eq = [(r, c) for r, c in rels if r.op in ("=", "IN")]
        slices = [(r, c) for r, c in rels if r.op not in ("=", "IN")]
        if eq:
            rel, cols = eq[0]
            if len(eq) > 1 or slices:
                raise InvalidRequest(
                    f"{cql_name(cols[0].name)} cannot be restricted by more than one relation "
                    "if it includes an Equal"
                )
            if not rel.columns:
                lst = _list_of(binder, rel, cols[0].type, cols[0].name)
                w.ck_prefix.append((cols, _singletons(lst)))
            else:
                w.ck_prefix.append((cols, _tuples_of(binder, rel, cols)))
            pos += len(cols)
            continue
        w.ck_slice = _compile_slice(binder, slices)
        if len({c.descending for c in w.ck_slice.columns}) > 1:
            # mixed directions: keep it as a filter over the prefix range
            w.filters.append(_slice_filter(w.ck_slice))
            w.ck_slice = None
        pos += len(slices[0][1])
        broken = "slice"
        break
    for p in sorted(ck_rels):
        for rel, cols in ck_rels[p]:
            w.clustering_restricted = True
            if not allow_filtering and not indexed:
                if broken == "slice":
                    prev = table.clustering[pos - 1] if pos else table.clustering[0]
                    raise InvalidRequest(
                        f'Clustering column "{cols[0].name}" cannot be restricted (preceding '
                        f'column "{prev.name}" is restricted by a non-EQ relation)'
                    )
                gap = table.clustering[pos]
                raise InvalidRequest(
                    f'PRIMARY KEY column "{cols[0].name}" cannot be restricted as preceding '
                    f'column "{gap.name}" is not restricted'
                )
            leftovers.append((rel, cols))

    if (
        w.clustering_restricted
        and w.pk is None
        and for_select
        and not allow_filtering
        and not indexed
    ):
        raise InvalidRequest(FILTERING_MSG)

    # everything else filters rows
    for rel, cols in leftovers:
        if not for_select:
            if cols[0].is_primary_key:
                continue
            raise InvalidRequest(
                "Non PRIMARY KEY columns found in where clause: "
                + ", ".join(cql_name(c.name) for c in cols)
            )
        w.filters.append(_compile_filter(binder, rel, cols))
        if not cols[0].is_primary_key:
            w.regular_restricted = True
    if indexed:
        # the index answers one restriction; any other non-key one filters
        non_key = [rel for rel, cols in leftovers if not cols[0].is_primary_key]
        answered = any(_uses_index(table, rel) for rel in non_key)
        needs_filtering = len(non_key) > (1 if answered else 0)
    else:
        needs_filtering = w.regular_restricted or any(
            f.op in ("CONTAINS", "CONTAINS KEY") for f in w.filters
        )
    if for_select and needs_filtering and not allow_filtering:
        raise InvalidRequest(FILTERING_MSG)
    return w


def _uses_index(table: Table, rel: ast.Relation) -> bool:
    """Whether a secondary index of `table` can answer `rel` (EQ on a simple or
    full() index, CONTAINS on a values() index, CONTAINS KEY on a keys() one)."""
    if rel.token or rel.columns:
        return False
    for index in table.indexes.values():
        if index.column != rel.column:
            continue
        if rel.op == "=" and index.target in ("simple", "full"):
            return True
        if rel.op == "CONTAINS" and index.target == "values":
            return True
        if rel.op == "CONTAINS KEY" and index.target == "keys":
            return True
    return False


def _compile_token(table: Table, rel: ast.Relation, binder: Binder, w: Where) -> None:
    names = tuple(rel.columns)
    expected = tuple(c.name for c in table.partition_key)
    if names != expected:
        raise InvalidRequest(
            "The token function arguments must be in the partition key order: "
            + ", ".join(expected)
        )
    ev = binder.term(rel.value, native("bigint"), "partition key token")
    if rel.op == "=":
        w.token_lower = (ev, True)
        w.token_upper = (ev, True)
    elif rel.op in (">", ">="):
        w.token_lower = (ev, rel.op == ">=")
    elif rel.op in ("<", "<="):
        w.token_upper = (ev, rel.op == "<=")
    else:
        raise InvalidRequest(f"Unsupported operator {rel.op} on token()")


def _compile_slice(binder: Binder, slices: list[tuple[ast.Relation, list[Column]]]) -> Slice:
    cols = slices[0][1]
    sl = Slice(cols)
    for rel, rcols in slices:
        if not rel.columns:
            ev = _one(binder.term(rel.value, rcols[0].type, rcols[0].name))
        else:
            tev = binder.term(
                rel.value, _tuple_type(rcols), "(" + ",".join(c.name for c in rcols) + ")"
            )
            ev = _n_tuple(tev, len(rcols))
        if rel.op in (">", ">="):
            if sl.lower is not None:
                raise InvalidRequest(
                    f"More than one restriction was found for the start bound on {rcols[0].name}"
                )
            sl.lower = (ev, rel.op == ">=")
        else:
            if sl.upper is not None:
                raise InvalidRequest(
                    f"More than one restriction was found for the end bound on {rcols[0].name}"
                )
            sl.upper = (ev, rel.op == "<=")
        if len(rcols) > len(sl.columns):
            sl.columns = rcols
    return sl


def _slice_filter(sl: Slice) -> Filter:
    keys = [sort_key(c.type) for c in sl.columns]
    lower, upper = sl.lower, sl.upper

    def check(ctx: Ctx) -> Callable[[tuple[Any, ...]], bool]:
        lo = (
            (tuple(k(v) for k, v in zip(keys, lower[0](ctx), strict=False)), lower[1])
            if lower
            else None
        )
        hi = (
            (tuple(k(v) for k, v in zip(keys, upper[0](ctx), strict=False)), upper[1])
            if upper
            else None
        )

        def ok(values: tuple[Any, ...]) -> bool:
            if lo is not None:
                v = tuple(k(x) for k, x in zip(keys, values[: len(lo[0])], strict=False))
                if v < lo[0] or (v == lo[0] and not lo[1]):
                    return False
            if hi is not None:
                v = tuple(k(x) for k, x in zip(keys, values[: len(hi[0])], strict=False))
                if v > hi[0] or (v == hi[0] and not hi[1]):
                    return False
            return True

        return ok

    return Filter(sl.columns[0], "SLICE", check, list(sl.columns))


def _compile_filter(binder: Binder, rel: ast.Relation, cols: list[Column]) -> Filter:
    col = cols[0]
    if rel.columns:
        sl = _compile_slice(binder, [(rel, cols)]) if rel.op not in ("=", "IN") else None
        if sl is not None:
            return _slice_filter(sl)
        tuples = _tuples_of(binder, rel, cols)
        return Filter(col, "IN", tuples, list(cols))
    t = col.type
    if rel.op == "CONTAINS":
        if not t.is_collection:
            raise InvalidRequest(f"Cannot use CONTAINS on non-collection column {col.name}")
        elem = t.params[1] if t.kind == "map" else t.params[0]
        return Filter(col, rel.op, binder.term(rel.value, elem, f"value({col.name})"))
    if rel.op == "CONTAINS KEY":
        if t.kind != "map":
            raise InvalidRequest(f"Cannot use CONTAINS KEY on non-map column {col.name}")
        return Filter(col, rel.op, binder.term(rel.value, t.params[0], f"key({col.name})"))
    if rel.op == "IN":
        return Filter(col, "IN", _list_of(binder, rel, t, col.name))
    return Filter(col, rel.op, binder.term(rel.value, t, col.name))


def _term_text(t: ast.Term) -> str:
    if isinstance(t, ast.BindMarker):
        return "?" if t.name is None else f":{t.name}"
    if isinstance(t, ast.Constant):
        return repr(t.value) if t.kind == "string" else str(t.value)
    return "..."
