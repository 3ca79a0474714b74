"""INSERT, UPDATE and DELETE: compiled into plans that evaluate to
mutations (validated first, applied after, so a failing statement or batch
changes nothing), plus their IF conditions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from astra_grpc_async.emulator.cql import ast
from astra_grpc_async.emulator.errors import InvalidRequest

from .catalog import Column, Table, cql_name
from .conditions import CompiledCondition, compile_condition
from .context import Ctx
from .jsonin import decode_json_object, from_json, json_key
from .mutate import Write
from .store import NO_TS, ComplexCell, Partition, Row
from .terms import Binder, Evaluator
from .types import CType, native
from .values import UNSET
from .where import KeySpec, Where, compile_where, partition_key

__all__ = ["Mutation", "WritePlan", "compile_delete", "compile_insert", "compile_update"]

MAX_TTL = 630720000

RowOp = Callable[[Write, Row, int], None]  # (write, row, shadow)


@dataclass(slots=True)
class Mutation:
    """Evaluated changes of one statement to one partition."""

    table: Table
    key: KeySpec
    write: Write
    apply: Callable[[Partition], None]
    clustering: tuple[Any, ...] | None = None  # the row a condition looks at


@dataclass(slots=True)
class WritePlan:
    table: Table
    kind: str  # insert / update / delete
    timestamp: Evaluator | None
    ttl: Evaluator | None
    build: Callable[[Ctx, Write], list[Mutation]]
    conditions: list[CompiledCondition] = field(default_factory=list)
    if_exists: bool = False
    if_not_exists: bool = False
    counter: bool = False

    @property
    def conditional(self) -> bool:
        return bool(self.conditions) or self.if_exists or self.if_not_exists

    def write_params(self, ctx: Ctx, default_ts: int | None = None) -> Write:
        ts: int | None = None
        if self.timestamp is not None:
            v = self.timestamp(ctx)
            if v is None:
                raise InvalidRequest("Invalid null value of timestamp")
            if v is not UNSET:
                ts = v
        if ts is None:
            ts = default_ts if default_ts is not None else ctx.write_timestamp()
        ttl = self.table.default_ttl
        if self.ttl is not None:
            v = self.ttl(ctx)
            if v is None:
                raise InvalidRequest("Invalid null value of TTL")
            if v is not UNSET:
                ttl = v
        if ttl < 0:
            raise InvalidRequest(f"A TTL must be greater or equal to 0, but was {ttl}")
        if ttl > MAX_TTL:
            raise InvalidRequest(f"ttl is too large. requested ({ttl}) maximum ({MAX_TTL})")
        return Write(ctx, ts, ttl)

    def mutations(self, ctx: Ctx, default_ts: int | None = None) -> list[Mutation]:
        return self.build(ctx, self.write_params(ctx, default_ts))


def apply_mutations(muts: list[Mutation]) -> None:
    for m in muts:
        _, kb, token = m.key
        part = m.table.data.get_or_create(m.key[0], kb, token)
        m.apply(part)


# --- helpers -------------------------------------------------------------------


def _check_table_writable(table: Table) -> None:
    if table.virtual:
        raise InvalidRequest(f"{table.keyspace} keyspace is not user-modifiable.")


def _using(
    binder: Binder, ttl: ast.Term | None, ts: ast.Term | None
) -> tuple[Evaluator | None, Evaluator | None]:
    return (
        binder.term(ts, native("bigint"), "[timestamp]") if ts is not None else None,
        binder.term(ttl, native("int"), "[ttl]") if ttl is not None else None,
    )


def _no_token(relations: tuple[ast.Relation, ...], verb: str) -> None:
    if any(rel.token for rel in relations):
        raise InvalidRequest(
            f"The token function cannot be used in WHERE clauses for {verb} statements"
        )


def _key_value(col: Column, v: Any) -> Any:
    if v is None:
        raise InvalidRequest(f"Invalid null value in condition for column {cql_name(col.name)}")
    if v is UNSET:
        raise InvalidRequest(f"Invalid unset value for column {cql_name(col.name)}")
    return v


def _row_for(part: Partition, table: Table, ck: tuple[Any, ...] | None) -> tuple[Row, int]:
    if ck is None:
        return part.static, part.deleted
    return table.data.row_for_write(part, ck)


def _conditions(
    table: Table, stmt: ast.Update | ast.Delete, binder: Binder, ts: Evaluator | None
) -> list[CompiledCondition]:
    if table.is_counter and (stmt.conditions or stmt.if_exists):
        raise InvalidRequest("Conditional updates are not supported on counter tables")
    if table.is_counter and ts is not None:
        raise InvalidRequest("Cannot provide custom timestamp for counter updates")
    if stmt.conditions or stmt.if_exists:
        if ts is not None:
            raise InvalidRequest("Cannot provide custom timestamp for conditional updates")
        for rel in stmt.where:
            if rel.op != "IN":
                continue
            kind = table.column(rel.column).kind
            part = "partition key" if kind == "partition_key" else "clustering key columns"
            raise InvalidRequest(f"IN on the {part} is not supported with conditional updates")
    return [compile_condition(table, c, binder) for c in stmt.conditions]


# --- INSERT -----------------------------------------------------------------------


def compile_insert(table: Table, stmt: ast.Insert, binder: Binder) -> WritePlan:
    _check_table_writable(table)
    if table.is_counter:
        raise InvalidRequest(
            "INSERT statements are not allowed on counter tables, use UPDATE instead"
        )
    if stmt.json is not None:
        return _compile_insert_json(table, stmt, binder)
    cols: list[Column] = []
    seen: set[str] = set()
    for name in stmt.columns:
        col = table.column(name)
        if name in seen:
            raise InvalidRequest(f"Multiple definitions found for column {cql_name(name)}")
        seen.add(name)
        cols.append(col)
    missing_pk = [c.name for c in table.partition_key if c.name not in seen]
    if missing_pk:
        raise InvalidRequest("Some partition key parts are missing: " + ", ".join(missing_pk))
    missing_ck = [c.name for c in table.clustering if c.name not in seen]
    static_only = (
        bool(missing_ck)
        and all(c.is_static for c in cols if not c.is_primary_key)
        and any(c.is_static for c in cols)
    )
    if missing_ck and not static_only:
        raise InvalidRequest("Some clustering keys are missing: " + ", ".join(missing_ck))
    if static_only and len(missing_ck) != len(table.clustering):
        raise InvalidRequest("Some clustering keys are missing: " + ", ".join(missing_ck))
    evals = [binder.term(t, c.type, c.name) for c, t in zip(cols, stmt.values, strict=True)]
    return _insert_plan(
        table, stmt, binder, cols, lambda ctx: [ev(ctx) for ev in evals], static_only
    )


def _compile_insert_json(table: Table, stmt: ast.Insert, binder: Binder) -> WritePlan:
    """INSERT ... JSON: every column is written; those the object leaves out
    get null (DEFAULT NULL) or are left alone (DEFAULT UNSET)."""
    assert stmt.json is not None
    text_ev = binder.term(stmt.json, native("text"), "[json]")
    cols = list(table.select_order)
    missing: Any = UNSET if stmt.default_unset else None

    def values(ctx: Ctx) -> list[Any]:
        text = text_ev(ctx)
        if text is None or text is UNSET:
            raise InvalidRequest("Got null for INSERT JSON values")
        obj = {json_key(k): v for k, v in decode_json_object(text).items()}
        for name in obj:
            if name not in table.columns:
                raise InvalidRequest(f"JSON values map contains unrecognized column: {name}")
        return [from_json(c.type, obj[c.name], c.name) if c.name in obj else missing for c in cols]

    return _insert_plan(table, stmt, binder, cols, values, False)


def _insert_plan(
    table: Table,
    stmt: ast.Insert,
    binder: Binder,
    cols: list[Column],
    values_of: Callable[[Ctx], list[Any]],
    static_only: bool,
) -> WritePlan:
    ts_ev, ttl_ev = _using(binder, stmt.ttl, stmt.timestamp)
    if stmt.if_not_exists and ts_ev is not None:
        raise InvalidRequest("Cannot provide custom timestamp for conditional updates")
    pk_idx = [next(i for i, c in enumerate(cols) if c is pk) for pk in table.partition_key]
    ck_idx = (
        []
        if static_only
        else [next(i for i, c in enumerate(cols) if c is ck) for ck in table.clustering]
    )
    regular = [(i, c) for i, c in enumerate(cols) if not c.is_primary_key]

    def build(ctx: Ctx, w: Write) -> list[Mutation]:
        values = values_of(ctx)
        key = tuple(_key_value(cols[i], values[i]) for i in pk_idx)
        ck: tuple[Any, ...] | None = (
            None if static_only else tuple(_key_value(cols[i], values[i]) for i in ck_idx)
        )
        spec = partition_key(table, key)
        assignments = [(c, values[i]) for i, c in regular if values[i] is not UNSET]

        def apply(part: Partition) -> None:
            row, shadow = _row_for(part, table, ck)
            w.marker(row, shadow)
            static_shadow = part.deleted
            for c, v in assignments:
                if c.is_static and ck is not None:
                    w.put(part.static, c, v, static_shadow)
                else:
                    w.put(row, c, v, shadow)

        return [Mutation(table, spec, w, apply, ck)]

    return WritePlan(table, "insert", ts_ev, ttl_ev, build, if_not_exists=stmt.if_not_exists)


# --- UPDATE ----------------------------------------------------------------------


def _term_text(t: ast.Term) -> str:
    """A term as Cassandra echoes it in operation errors (markers as `?`)."""
    if isinstance(t, ast.Constant):
        if t.kind == "string":
            return "'" + str(t.value).replace("'", "''") + "'"
        if t.kind == "boolean":
            return "true" if t.value else "false"
        if t.kind == "null":
            return "null"
        return str(t.value)
    if isinstance(t, ast.BindMarker):
        return f":{t.name}" if t.name else "?"
    return "?"


def _op_text(a: ast.Assignment) -> str:
    c = cql_name(a.column)
    if a.op == "set_field":
        return f"{c}.{a.field} = {_term_text(a.value)}"
    if a.op == "add":
        return f"{c} = {c} + ?"
    if a.op == "sub":
        return f"{c} = {c} - ?"
    if a.op == "prepend":
        return f"{c} = ? + {c}"
    return f"{c}[?] = ?"


@dataclass(slots=True, frozen=True)
class Reading:
    """A row operation that reads the row it changes (a list index, a list
    removal). Cassandra runs it against the row as it was before the
    statement (and before the batch), plus the statement's own earlier
    operations on that row; `resolve` does that read, while the statement
    is evaluated, and returns an operation that no longer reads anything."""

    resolve: Callable[[Write, Row], RowOp]


Op = RowOp | Reading

# An assignment compiles to a "prepare" step run while evaluating the
# statement (it evaluates and validates the value, draws list element keys)
# that returns the row operation to run when the mutations are applied (or
# None: unset value). Applying never fails and never reads: a failing
# statement or batch fails before anything is applied.
Prepare = Callable[[Ctx], Op | None]


def _list_seq(ctx: Ctx, col: Column, v: Any) -> int | None:
    """Element keys for the list elements `v`, drawn while evaluating, so
    that the operation writes the same keys wherever it runs."""
    if col.type.kind != "list" or not v:
        return None
    return ctx.clock.next_seq(len(v))


def _compile_assignment(table: Table, a: ast.Assignment, binder: Binder) -> tuple[Column, Prepare]:
    col = table.column(a.column)
    name = cql_name(col.name)
    if col.is_primary_key:
        raise InvalidRequest(f"PRIMARY KEY part {name} found in SET part")
    t = col.type
    if a.op == "set_field":
        return col, _compile_set_field(col, a, binder)
    if a.op == "set":
        if col.is_counter:
            raise InvalidRequest(
                f"Cannot set the value of counter column {name} (counters can only be "
                "incremented/decremented, not set)"
            )
        ev = binder.term(a.value, t, col.name)
        if t.kind == "list" and t.multicell:

            def prepare_list(ctx: Ctx) -> RowOp | None:
                v = ev(ctx)
                if v is UNSET:
                    return None
                first = _list_seq(ctx, col, v)
                return lambda w, row, shadow: w.set_collection(row, col, v, shadow, first)

            return col, prepare_list
        return col, _with_value(ev, lambda v: lambda w, row, shadow: w.put(row, col, v, shadow))
    if col.is_counter:
        if a.op not in ("add", "sub"):
            raise InvalidRequest(f"Invalid operation ({_op_text(a)}) for counter column {name}")
        ev = binder.term(a.value, native("counter"), col.name)
        sign = 1 if a.op == "add" else -1

        def prepare_counter(ctx: Ctx) -> RowOp | None:
            v = ev(ctx)
            if v is UNSET:
                return None
            if v is None:
                raise InvalidRequest(f"Invalid null value for counter increment on {name}")
            return lambda w, row, shadow: w.counter(row, col, sign * v, shadow)

        return col, prepare_counter
    if a.op in ("add", "sub", "prepend") and not t.is_collection:
        raise InvalidRequest(f"Invalid operation ({_op_text(a)}) for non counter column {name}")
    if t.is_collection and t.frozen:
        raise InvalidRequest(
            f"Invalid operation ({_op_text(a)}) for frozen collection column {name}"
        )
    if a.op == "prepend" and t.kind != "list":
        raise InvalidRequest(f"Invalid operation ({_op_text(a)}) for non list column {name}")
    if a.op in ("add", "prepend"):
        ev = binder.term(a.value, t, col.name)
        write = Write.add_elements if a.op == "add" else Write.prepend

        def prepare_add(ctx: Ctx) -> RowOp | None:
            v = ev(ctx)
            if v is UNSET:
                return None
            first = _list_seq(ctx, col, v)
            return lambda w, row, shadow: write(w, row, col, v, shadow, first)

        return col, prepare_add
    if a.op == "sub":
        rt = CType("set", (t.params[0],), True) if t.kind == "map" else t
        ev = binder.term(a.value, rt, col.name)
        if t.kind == "list":
            return col, _with_value(ev, lambda v: Reading(_list_discard(col, v)))
        return col, _with_value(
            ev, lambda v: lambda w, row, shadow: w.remove_elements(row, col, v, shadow)
        )
    # set_key: m[k] = v / l[i] = v
    if t.kind not in ("map", "list"):
        raise InvalidRequest(f"Invalid operation ({_op_text(a)}) for non collection column {name}")
    assert a.key is not None
    is_map = t.kind == "map"
    key_t = t.params[0] if is_map else native("int")
    val_t = t.params[1] if is_map else t.params[0]
    kev = binder.term(a.key, key_t, f"key({col.name})" if is_map else f"idx({col.name})")
    vev = binder.term(a.value, val_t, f"value({col.name})")

    def prepare_element(ctx: Ctx) -> Op | None:
        k, v = kev(ctx), vev(ctx)
        if k is None or k is UNSET:
            raise InvalidRequest(f"Invalid null value for {'map key' if is_map else 'list index'}")
        if v is UNSET:
            return None
        if v is None and not is_map:
            raise InvalidRequest("Invalid null value for list element")
        if is_map:
            return lambda w, row, shadow: w.put_path(row, col, k, v, shadow)
        return Reading(_list_index(col, k, v, "set an element on"))

    return col, prepare_element


def _list_index(col: Column, index: int, value: Any, action: str) -> Callable[[Write, Row], RowOp]:
    """`l[index] = value` / `DELETE l[index]` (value None)."""

    def resolve(w: Write, row: Row) -> RowOp:
        path = w.list_path(row, col, index, action)
        return lambda w, row, shadow: w.put_path(row, col, path, value, shadow)

    return resolve


def _list_discard(col: Column, values: Any) -> Callable[[Write, Row], RowOp]:
    """`l = l - [..]`: every element equal to one of `values`."""

    def resolve(w: Write, row: Row) -> RowOp:
        paths = w.list_paths_of(row, col, values)
        return lambda w, row, shadow: w.delete_paths(row, col, paths, shadow)

    return resolve


def _field_index(col: Column, field: str | None) -> int:
    t = col.type
    if field not in t.fields:
        raise InvalidRequest(f"UDT column {cql_name(col.name)} does not have a field named {field}")
    return t.fields.index(field)


def _compile_set_field(col: Column, a: ast.Assignment, binder: Binder) -> Prepare:
    """`u.f = v`: one field cell of a non-frozen UDT (null deletes it)."""
    name = cql_name(col.name)
    t = col.type
    if t.kind != "udt":
        raise InvalidRequest(f"Invalid operation ({_op_text(a)}) for non-UDT column {name}")
    if t.frozen:
        raise InvalidRequest(f"Invalid operation ({_op_text(a)}) for frozen UDT column {name}")
    index = _field_index(col, a.field)
    ev = binder.term(a.value, t.params[index], f"{col.name}.{a.field}")
    return _with_value(ev, lambda v: lambda w, row, shadow: w.set_field(row, col, index, v, shadow))


def _check_compatible(col: Column, a: ast.Assignment, earlier: list[ast.Assignment]) -> None:
    """Cassandra refuses two operations on a column that overwrite each
    other: two whole-value sets, a set and a field set, or one field set twice."""
    for b in earlier:
        clash = (
            (a.op == "set" and b.op in ("set", "set_field"))
            or (a.op == "set_field" and b.op == "set")
            or (a.op == "set_field" and b.op == "set_field" and a.field == b.field)
        )
        if clash:
            raise InvalidRequest(f"Multiple incompatible setting of column {cql_name(col.name)}")


def _with_value(ev: Evaluator, op: Callable[[Any], Op]) -> Prepare:
    """The common prepare step: evaluate, skip unset, else bind the value."""

    def prepare(ctx: Ctx) -> Op | None:
        v = ev(ctx)
        return None if v is UNSET else op(v)

    return prepare


def compile_update(table: Table, stmt: ast.Update, binder: Binder) -> WritePlan:
    _check_table_writable(table)
    assignments: list[tuple[Column, Prepare, ast.Assignment]] = []
    for a in stmt.assignments:
        col, prepare = _compile_assignment(table, a, binder)
        _check_compatible(col, a, [b for c, _, b in assignments if c is col])
        assignments.append((col, prepare, a))
    ts_ev, ttl_ev = _using(binder, stmt.ttl, stmt.timestamp)
    if table.is_counter and stmt.ttl is not None:
        raise InvalidRequest("Cannot provide custom TTL for counter updates")
    _no_token(stmt.where, "UPDATE")
    where = compile_where(table, stmt.where, binder, allow_filtering=False, for_select=False)
    static_only = all(c.is_static for c, _, _ in assignments)
    _check_full_clustering(table, where, "UPDATE", static_only)
    conditions = _conditions(table, stmt, binder, ts_ev)

    def build(ctx: Ctx, w: Write) -> list[Mutation]:
        ops = [(c, op) for c, prepare, _ in assignments if (op := prepare(ctx)) is not None]
        statics = [op for c, op in ops if c.is_static]
        regulars = [op for c, op in ops if not c.is_static]
        prefixes: list[tuple[Any, ...] | None] = list(where.clustering_prefixes(ctx))
        if static_only and not where.ck_prefix and table.clustering:
            prefixes = [None]
        return [
            _row_mutation(table, spec, ck, w, statics, regulars)
            for spec in where.partition_keys(ctx)
            for ck in prefixes
        ]

    return WritePlan(
        table, "update", ts_ev, ttl_ev, build, conditions, if_exists=stmt.if_exists,
        counter=table.is_counter,
    )  # fmt: skip


def _delete_op(col: Column, key: Any, field: int | None) -> Op:
    """One target of DELETE: a column, `u.f`, or `c[key]`."""
    if field is not None:
        return lambda w, row, shadow: w.set_field(row, col, field, None, shadow)
    if key is None:
        return lambda w, row, shadow: w.delete(row, col, shadow)
    if col.type.kind == "list":
        return Reading(_list_index(col, key, None, "delete an element from"))
    return lambda w, row, shadow: w.put_path(row, col, key, None, shadow)


def _row_mutation(
    table: Table,
    spec: KeySpec,
    ck: tuple[Any, ...] | None,
    w: Write,
    statics: list[Op],
    regulars: list[Op],
) -> Mutation:
    """The mutation running `statics` on the partition's static row and
    `regulars` on row `ck`, their reads (if any) resolved now."""
    st = _resolved(table, spec, None, w, statics)
    rg = _resolved(table, spec, ck, w, regulars) if ck is not None else []

    def apply(part: Partition) -> None:
        for op in st:
            op(w, part.static, part.deleted)
        if rg:
            assert ck is not None
            row, shadow = table.data.row_for_write(part, ck)
            for op in rg:
                op(w, row, shadow)

    return Mutation(table, spec, w, apply, ck)


def _resolved(
    table: Table, spec: KeySpec, ck: tuple[Any, ...] | None, w: Write, ops: list[Op]
) -> list[RowOp]:
    """`ops` with every Reading resolved against the row as it is now (the
    state before the statement, and before the batch: every statement of a
    batch is evaluated before any is applied) plus the statement's earlier
    operations, which run on a copy of the row."""
    if not any(type(op) is Reading for op in ops):
        return ops  # type: ignore[return-value]  # no Reading: all RowOps
    part = table.data.get(spec[1])
    current: Row | None = None
    shadow = NO_TS
    if part is not None:
        if ck is None:
            current, shadow = part.static, part.deleted
        else:
            key = table.data.ck_key(ck)
            current = part.rows.get(key)
            shadow = part.shadow(key, current)
    view = _copy_row(current, ck or ())
    out: list[RowOp] = []
    for op in ops:
        fixed = op.resolve(w, view) if isinstance(op, Reading) else op
        fixed(w, view, shadow)
        out.append(fixed)
    return out


def _copy_row(row: Row | None, ck: tuple[Any, ...]) -> Row:
    copy = Row(ck)
    if row is None:
        return copy
    copy.marker, copy.deleted = row.marker, row.deleted
    for name, cell in row.cells.items():
        if type(cell) is ComplexCell:
            cc = ComplexCell()
            cc.deleted = cell.deleted
            cc.items.update(cell.items)
            copy.cells[name] = cc
        else:
            copy.cells[name] = cell
    return copy


def _check_full_clustering(table: Table, where: Where, verb: str, static_only: bool) -> None:
    if where.ck_slice is not None or any(f.op == "SLICE" for f in where.filters):
        raise InvalidRequest(
            f"Slice restrictions are not supported on the clustering columns in {verb} statements"
        )
    restricted = sum(len(cols) for cols, _ in where.ck_prefix)
    if static_only and restricted and restricted < len(table.clustering):
        missing = [c.name for c in table.clustering[restricted:]]
        raise InvalidRequest("Some clustering keys are missing: " + ", ".join(missing))
    if not static_only and restricted < len(table.clustering):
        missing = [c.name for c in table.clustering[restricted:]]
        raise InvalidRequest("Some clustering keys are missing: " + ", ".join(missing))


# --- DELETE ----------------------------------------------------------------------


def compile_delete(table: Table, stmt: ast.Delete, binder: Binder) -> WritePlan:
    _check_table_writable(table)
    _no_token(stmt.where, "DELETE")
    where = compile_where(table, stmt.where, binder, allow_filtering=False, for_select=False)
    ts_ev, _ = _using(binder, None, stmt.timestamp)
    targets: list[tuple[Column, Evaluator | None]] = []
    fields: dict[int, int] = {}  # target position -> UDT field index (`DELETE u.f`)
    for tgt in stmt.targets:
        col = table.column(tgt.column)
        if col.is_primary_key:
            raise InvalidRequest(
                f"Invalid identifier {cql_name(col.name)} for deletion (should not be a "
                "PRIMARY KEY part)"
            )
        kev: Evaluator | None = None
        if tgt.field is not None:
            if col.type.kind != "udt":
                raise InvalidRequest(
                    f"Invalid field deletion operation for non-UDT column {cql_name(col.name)}"
                )
            if col.type.frozen:
                raise InvalidRequest(
                    f"Frozen UDT column {cql_name(col.name)} does not support field deletions"
                )
            fields[len(targets)] = _field_index(col, tgt.field)
        if tgt.key is not None:
            t = col.type
            if not (t.is_collection and t.multicell):
                raise InvalidRequest(
                    f"Invalid operation (DELETE {cql_name(col.name)}[?]) for "
                    + ("frozen collection" if t.is_collection else "non collection")
                    + f" column {cql_name(col.name)}"
                )
            key_t = native("int") if t.kind == "list" else t.params[0]
            kev = binder.term(tgt.key, key_t, f"key({col.name})")
        targets.append((col, kev))
    restricted = sum(len(cols) for cols, _ in where.ck_prefix)
    full_row = restricted == len(table.clustering) and where.ck_slice is None
    static_only = bool(targets) and all(c.is_static for c, _ in targets)
    if targets and not static_only and not full_row:
        if where.ck_slice is not None:
            raise InvalidRequest("Range deletions are not supported for specific columns")
        raise InvalidRequest(
            "DELETE statements must restrict all PRIMARY KEY columns with equality relations "
            "in order to delete non static columns"
        )
    conditions = _conditions(table, stmt, binder, ts_ev)
    if (conditions or stmt.if_exists) and not full_row and not static_only:
        raise InvalidRequest(
            "DELETE statements must restrict all PRIMARY KEY columns with equality relations "
            "in order to use IF conditions"
        )
    data = table.data

    def build(ctx: Ctx, w: Write) -> list[Mutation]:
        out = []
        specs = where.partition_keys(ctx)
        if not targets:
            if restricted == 0 and where.ck_slice is None:
                for spec in specs:
                    out.append(Mutation(table, spec, w, lambda part: part.delete(w.ts), None))
                return out
            if full_row:
                for spec in specs:
                    for ck in where.clustering_prefixes(ctx):

                        def del_row(part: Partition, ck: tuple[Any, ...] = ck) -> None:
                            row, _ = data.row_for_write(part, ck)
                            row.delete(w.ts)

                        out.append(Mutation(table, spec, w, del_row, ck))
                return out
            ranges = where.clustering_ranges(ctx)
            for spec in specs:
                for start, end in ranges:

                    def del_range(
                        part: Partition,
                        start: tuple[Any, ...] | None = start,
                        end: tuple[Any, ...] | None = end,
                    ) -> None:
                        part.delete_range(start, end, w.ts)

                    out.append(Mutation(table, spec, w, del_range, None))
            return out
        keys: list[tuple[Column, Any, int | None]] = []
        for i, (c, kev) in enumerate(targets):
            k = None if kev is None else kev(ctx)
            if kev is not None and (k is None or k is UNSET):
                raise InvalidRequest(f"Invalid null value for {cql_name(c.name)} element")
            keys.append((c, k, fields.get(i)))
        ops = [(c, _delete_op(c, k, fld)) for c, k, fld in keys]
        statics = [op for c, op in ops if c.is_static]
        regulars = [op for c, op in ops if not c.is_static]
        cks: list[tuple[Any, ...] | None] = (
            [None]
            if (static_only and not where.ck_prefix)
            else list(where.clustering_prefixes(ctx))
        )
        return [
            _row_mutation(table, spec, ck, w, statics, regulars) for spec in specs for ck in cks
        ]

    return WritePlan(
        table, "delete", ts_ev, None, build, conditions, if_exists=stmt.if_exists,
        counter=table.is_counter,
    )  # fmt: skip
