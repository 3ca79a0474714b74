"""The CQL syntax tree: what the parser produces and the engine executes.

Plain frozen dataclasses (and `type_text`, the one way to print a type).
Names are stored as written when quoted ("MyTable") and lower-cased when
not (CQL's identifier rule), so the engine compares them directly. A
statement is parsed once per CQL text and cached; bind values arrive
separately per execution.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal as Lit

# --- types -----------------------------------------------------------------

NATIVE_TYPES = frozenset(
    {
        "ascii", "bigint", "blob", "boolean", "counter", "date", "decimal", "double",
        "duration", "float", "inet", "int", "smallint", "text", "time", "timestamp",
        "timeuuid", "tinyint", "uuid", "varint",
    }
)  # fmt: skip
"""`varchar` parses to `text` (the same type in CQL)."""


@dataclass(frozen=True, slots=True)
class NativeType:
    name: str  # one of NATIVE_TYPES


@dataclass(frozen=True, slots=True)
class ListType:
    element: CqlType
    frozen: bool = False


@dataclass(frozen=True, slots=True)
class SetType:
    element: CqlType
    frozen: bool = False


@dataclass(frozen=True, slots=True)
class MapType:
    key: CqlType
    value: CqlType
    frozen: bool = False


@dataclass(frozen=True, slots=True)
class TupleType:
    elements: tuple[CqlType, ...]  # tuples are always frozen in CQL


@dataclass(frozen=True, slots=True)
class UdtRef:
    """A user-defined type named in a statement; the engine resolves it."""

    name: str
    keyspace: str | None = None
    frozen: bool = False


CqlType = NativeType | ListType | SetType | MapType | TupleType | UdtRef


def type_text(t: CqlType) -> str:
    """A type as CQL spells it, e.g. `frozen<map<text, list<int>>>`."""
    if isinstance(t, NativeType):
        return t.name
    if isinstance(t, ListType):
        inner = f"list<{type_text(t.element)}>"
    elif isinstance(t, SetType):
        inner = f"set<{type_text(t.element)}>"
    elif isinstance(t, MapType):
        inner = f"map<{type_text(t.key)}, {type_text(t.value)}>"
    elif isinstance(t, TupleType):
        return "tuple<" + ", ".join(type_text(e) for e in t.elements) + ">"
    else:
        inner = f"{t.keyspace}.{t.name}" if t.keyspace else t.name
    return f"frozen<{inner}>" if t.frozen else inner


# --- terms (values inside statements) ---------------------------------------


@dataclass(frozen=True, slots=True)
class BindMarker:
    """`?` or `:name`. `index` counts every marker of the statement from 0, in
    order of appearance; `name` is set for `:name` markers."""

    index: int
    name: str | None = None


LiteralKind = Lit["integer", "float", "string", "boolean", "null", "uuid", "blob", "duration"]


@dataclass(frozen=True, slots=True)
class Constant:
    """A literal. value: int for integer, str for float (exact text, so a
    decimal column keeps every digit; also 'NaN', 'Infinity', '-Infinity'),
    str for string, bool, None for null, uuid.UUID for uuid, bytes for blob
    (0x...), str for duration (the literal text, e.g. '1h30m' or 'P1D')."""

    kind: LiteralKind
    value: object


@dataclass(frozen=True, slots=True)
class ListLiteral:
    items: tuple[Term, ...]


@dataclass(frozen=True, slots=True)
class SetLiteral:
    items: tuple[Term, ...]


@dataclass(frozen=True, slots=True)
class MapLiteral:
    """`{k: v, ...}` with literal keys; `{}` parses as an empty MapLiteral and
    the engine reads it as an empty set or map by the column's type."""

    entries: tuple[tuple[Term, Term], ...]


@dataclass(frozen=True, slots=True)
class TupleLiteral:
    items: tuple[Term, ...]


@dataclass(frozen=True, slots=True)
class UdtLiteral:
    """`{field: value, ...}` where the keys are identifiers."""

    fields: tuple[tuple[str, Term], ...]


@dataclass(frozen=True, slots=True)
class FunctionCall:
    """now(), uuid(), toTimestamp(now()), currentTimestamp(), minTimeuuid(?),
    blobAsText(x) ... `name` is lower-cased."""

    name: str
    args: tuple[Term, ...] = ()


@dataclass(frozen=True, slots=True)
class Cast:
    """`(type) term`, a type hint on a literal or marker."""

    type: CqlType
    term: Term


Term = (
    BindMarker | Constant | ListLiteral | SetLiteral | MapLiteral | TupleLiteral
    | UdtLiteral | FunctionCall | Cast
)  # fmt: skip

# --- WHERE / IF ------------------------------------------------------------

Operator = Lit["=", "!=", "<", "<=", ">", ">=", "IN", "CONTAINS", "CONTAINS KEY"]


@dataclass(frozen=True, slots=True)
class Relation:
    """`col op term`; for IN, `value` is a TupleLiteral of the listed terms
    or a single BindMarker (`IN ?`, bound to a list). Multi-column relations
    `(a, b) > (?, ?)` set `columns` to all names and `value` to a
    TupleLiteral (or a BindMarker bound to a tuple); then `column` is the
    first name. `token(pk...) > ?` sets `token=True` and `columns` to the
    partition key names."""

    column: str
    op: Operator
    value: Term
    columns: tuple[str, ...] = ()
    token: bool = False


@dataclass(frozen=True, slots=True)
class Condition:
    """An IF condition `col op term`, `col[key] op term` (key set) or
    `col.field op term` (field set: a UDT field)."""

    column: str
    op: Operator
    value: Term
    key: Term | None = None
    field: str | None = None


# --- statements ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TableName:
    name: str
    keyspace: str | None = None  # None: the request's keyspace applies


@dataclass(frozen=True, slots=True)
class ColumnDef:
    name: str
    type: CqlType
    static: bool = False


@dataclass(frozen=True, slots=True)
class CreateKeyspace:
    name: str
    if_not_exists: bool
    replication: tuple[tuple[str, str], ...] = ()
    durable_writes: bool = True


@dataclass(frozen=True, slots=True)
class AlterKeyspace:
    """ALTER KEYSPACE ... WITH: what is not given stays as it was."""

    name: str
    replication: tuple[tuple[str, str], ...] = ()  # empty: unchanged
    durable_writes: bool | None = None  # None: unchanged


@dataclass(frozen=True, slots=True)
class DropKeyspace:
    name: str
    if_exists: bool


@dataclass(frozen=True, slots=True)
class CreateTable:
    table: TableName
    if_not_exists: bool
    columns: tuple[ColumnDef, ...]
    partition_key: tuple[str, ...]
    clustering: tuple[str, ...] = ()
    # one entry per clustering column named in CLUSTERING ORDER BY: (name, descending)
    clustering_order: tuple[tuple[str, bool], ...] = ()
    options: tuple[tuple[str, str], ...] = ()  # WITH options other than clustering order, as text


@dataclass(frozen=True, slots=True)
class DropTable:
    table: TableName
    if_exists: bool


@dataclass(frozen=True, slots=True)
class AlterTableAdd:
    table: TableName
    columns: tuple[ColumnDef, ...]


@dataclass(frozen=True, slots=True)
class AlterTableDrop:
    table: TableName
    columns: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AlterTableOptions:
    """ALTER TABLE ... WITH prop = value [AND ...] (values as text, as in
    CreateTable.options)."""

    table: TableName
    options: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class AlterTableRename:
    """ALTER TABLE ... RENAME a TO b [AND c TO d] (primary key columns only)."""

    table: TableName
    renames: tuple[tuple[str, str], ...]  # (old name, new name)


@dataclass(frozen=True, slots=True)
class CreateType:
    name: TableName  # keyspace-qualified type name
    if_not_exists: bool
    fields: tuple[tuple[str, CqlType], ...]


@dataclass(frozen=True, slots=True)
class DropType:
    name: TableName
    if_exists: bool


@dataclass(frozen=True, slots=True)
class AlterTypeAdd:
    """ALTER TYPE [ks.]t ADD field type."""

    name: TableName
    field: str
    type: CqlType


@dataclass(frozen=True, slots=True)
class AlterTypeRename:
    """ALTER TYPE [ks.]t RENAME a TO b [AND c TO d]."""

    name: TableName
    renames: tuple[tuple[str, str], ...]  # (old field, new field)


@dataclass(frozen=True, slots=True)
class Truncate:
    table: TableName


@dataclass(frozen=True, slots=True)
class Use:
    keyspace: str


@dataclass(frozen=True, slots=True)
class Insert:
    table: TableName
    columns: tuple[str, ...]
    values: tuple[Term, ...]
    if_not_exists: bool = False
    ttl: Term | None = None
    timestamp: Term | None = None
    # INSERT ... JSON '<object>' / JSON ?: columns and values are empty
    json: Term | None = None
    default_unset: bool = False  # JSON ... DEFAULT UNSET (else DEFAULT NULL)


AssignOp = Lit["set", "add", "sub", "prepend", "set_key", "set_field"]


@dataclass(frozen=True, slots=True)
class Assignment:
    """set: `c = v`; add: `c = c + v` (counter increment, list append, set
    union, map merge); sub: `c = c - v`; prepend: `c = v + c`; set_key:
    `c[key] = v` (map entry or list index); set_field: `c.field = v` (one
    field of a non-frozen UDT; `field` set)."""

    column: str
    op: AssignOp
    value: Term
    key: Term | None = None
    field: str | None = None


@dataclass(frozen=True, slots=True)
class Update:
    table: TableName
    assignments: tuple[Assignment, ...]
    where: tuple[Relation, ...]
    conditions: tuple[Condition, ...] = ()
    if_exists: bool = False
    ttl: Term | None = None
    timestamp: Term | None = None


@dataclass(frozen=True, slots=True)
class DeleteTarget:
    """A column to delete, one element of it (`c[key]`) or one field of a
    UDT column (`c.field`)."""

    column: str
    key: Term | None = None
    field: str | None = None


@dataclass(frozen=True, slots=True)
class Delete:
    table: TableName
    targets: tuple[DeleteTarget, ...]  # empty: the whole row / range
    where: tuple[Relation, ...]
    conditions: tuple[Condition, ...] = ()
    if_exists: bool = False
    timestamp: Term | None = None


SelectorKind = Lit["column", "count", "writetime", "ttl", "function", "field"]


@dataclass(frozen=True, slots=True)
class Selector:
    """column: `name`; count: COUNT(*) / COUNT(1) (name empty);
    writetime / ttl: WRITETIME(name) / TTL(name); function: `name(args)`
    over columns or terms (e.g. toJson, token, blobAsText) in `args`;
    field: UDT field access `sel.name`, the selector in `args[0]`
    (`a.b.c` nests: field c of field b of column a)."""

    kind: SelectorKind
    name: str
    alias: str | None = None
    args: tuple[Selector | Term, ...] = ()


@dataclass(frozen=True, slots=True)
class Select:
    table: TableName
    selectors: tuple[Selector, ...]  # empty: `*`
    where: tuple[Relation, ...] = ()
    order_by: tuple[tuple[str, bool], ...] = ()  # (column, descending)
    limit: Term | None = None
    per_partition_limit: Term | None = None
    allow_filtering: bool = False
    distinct: bool = False
    json: bool = False
    group_by: tuple[str, ...] = ()


IndexTarget = Lit["simple", "values", "keys", "entries", "full"]


@dataclass(frozen=True, slots=True)
class CreateIndex:
    """CREATE [CUSTOM] INDEX [IF NOT EXISTS] [name] ON [ks.]t (target) [USING 'class'
    [WITH OPTIONS = {...}]]. `target`: simple `(c)`, `values(c)`, `keys(c)`,
    `entries(c)`, `full(c)`; `name` None: the default `<table>_<column>_idx`."""

    table: TableName
    column: str
    name: str | None = None
    if_not_exists: bool = False
    target: IndexTarget = "simple"
    using: str | None = None  # the class of a CUSTOM index


@dataclass(frozen=True, slots=True)
class DropIndex:
    name: TableName  # [ks.]index_name
    if_exists: bool = False


@dataclass(frozen=True, slots=True)
class BatchStatement:
    """BEGIN [UNLOGGED | COUNTER] BATCH ... APPLY BATCH sent as one query."""

    kind: Lit["LOGGED", "UNLOGGED", "COUNTER"]
    statements: tuple[Insert | Update | Delete, ...]
    timestamp: Term | None = None


Statement = (
    CreateKeyspace | DropKeyspace | CreateTable | DropTable | AlterTableAdd | AlterTableDrop
    | CreateType | DropType | Truncate | Use | Insert | Update | Delete | Select | BatchStatement
    | AlterKeyspace | AlterTableOptions | AlterTableRename | AlterTypeAdd | AlterTypeRename
    | CreateIndex | DropIndex
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Parsed:
    """A parsed statement and its bind markers in order of appearance."""

    statement: Statement
    markers: tuple[BindMarker, ...] = field(default=())
