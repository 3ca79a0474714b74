"""`DESCRIBE` / `DESC` in the shell: CQL DDL rebuilt from `system_schema`, in
the shape cqlsh prints it, so that it can be pasted back.

    DESCRIBE KEYSPACES | TABLES | TYPES | SCHEMA
    DESCRIBE KEYSPACE [ks] | TABLE [ks.]t | TYPE [ks.]u | [ks.]name
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..client import Client
from ..errors import ClientError

__all__ = ["DescribeError", "Schema", "describe", "is_describe", "quote_name"]

SYSTEM_KEYSPACES = frozenset(
    {"system", "system_schema", "system_auth", "system_distributed", "system_traces",
     "system_views", "system_virtual_schema"}
)  # fmt: skip

# The table options cqlsh prints, in its order; those the server's
# system_schema.tables lacks are left out.
TABLE_OPTIONS = (
    "additional_write_policy", "bloom_filter_fp_chance", "caching", "cdc", "comment",
    "compaction", "compression", "crc_check_chance", "dclocal_read_repair_chance",
    "default_time_to_live", "extensions", "gc_grace_seconds", "max_index_interval",
    "memtable_flush_period_in_ms", "min_index_interval", "read_repair", "read_repair_chance",
    "speculative_retry",
)  # fmt: skip

# CQL's reserved words: as identifiers they must be quoted
RESERVED = frozenset(
    """add allow alter and apply asc authorize batch begin by columnfamily create default
    delete desc describe drop entries execute from full grant if in index infinity insert
    into is keyspace limit materialized mbean mbeans modify nan norecursive not null of on
    or order primary rename replace revoke schema select set table to token truncate unlogged
    unset update use using view where with""".split()  # noqa: SIM905
)
_PLAIN = re.compile(r"[a-z][a-z0-9_]*")


class DescribeError(ClientError):
    """A DESCRIBE that names nothing that exists, or that cannot be parsed."""


def quote_name(name: str) -> str:
    """An identifier as CQL must spell it: bare when it can be, else quoted."""
    if _PLAIN.fullmatch(name) and name not in RESERVED:
        return name
    return '"' + name.replace('"', '""') + '"'


def is_describe(stmt: str) -> bool:
    words = stmt.split(None, 1)
    return bool(words) and words[0].upper() in ("DESCRIBE", "DESC")


# --- reading system_schema ------------------------------------------------------


@dataclass(slots=True)
class TableDef:
    keyspace: str
    name: str
    options: dict[str, Any]
    columns: list[dict[str, Any]] = field(default_factory=list)
    indexes: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class KeyspaceDef:
    name: str
    durable_writes: bool
    replication: dict[str, str]
    tables: dict[str, TableDef] = field(default_factory=dict)
    types: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


class Schema:
    """The keyspaces, tables, columns, types and indexes `system_schema` lists."""

    def __init__(self, keyspaces: Mapping[str, KeyspaceDef]) -> None:
        self.keyspaces = dict(keyspaces)

    @classmethod
    async def read(cls, client: Client, *, timeout: float | None = None) -> Schema:
        keyspaces: dict[str, KeyspaceDef] = {}
        for row in await _all(client, "system_schema.keyspaces", timeout):
            name = row["keyspace_name"]
            replication = dict(row["replication"] or {})
            keyspaces[name] = KeyspaceDef(name, bool(row["durable_writes"]), replication)
        for row in await _all(client, "system_schema.tables", timeout):
            ks = keyspaces.get(row["keyspace_name"])
            if ks is not None:
                values = row.as_dict()
                options = {k: values[k] for k in TABLE_OPTIONS if k in values}
                ks.tables[row["table_name"]] = TableDef(ks.name, row["table_name"], options)
        for row in await _all(client, "system_schema.columns", timeout):
            table = _table_of(keyspaces, row)
            if table is not None:
                table.columns.append(dict(row.items()))
        for row in await _all(client, "system_schema.indexes", timeout):
            table = _table_of(keyspaces, row)
            if table is not None:
                table.indexes.append(dict(row.items()))
        for row in await _all(client, "system_schema.types", timeout):
            ks = keyspaces.get(row["keyspace_name"])
            if ks is not None:
                fields = list(zip(row["field_names"] or (), row["field_types"] or (), strict=True))
                ks.types[row["type_name"]] = fields
        return cls(keyspaces)

    def keyspace(self, name: str) -> KeyspaceDef:
        ks = self.keyspaces.get(name)
        if ks is None:
            raise DescribeError(f"Keyspace {quote_name(name)!s} not found")
        return ks

    def table(self, keyspace: str, name: str) -> TableDef:
        table = self.keyspace(keyspace).tables.get(name)
        if table is None:
            raise DescribeError(f"Table {quote_name(keyspace)}.{quote_name(name)} not found")
        return table


async def _all(client: Client, table: str, timeout: float | None) -> list[Any]:
    """Every row of a system_schema table (all pages)."""
    rows: list[Any] = []
    paging_state = None
    while True:
        result = await client.execute(
            f"SELECT * FROM {table}", paging_state=paging_state, page_size=1000, timeout=timeout
        )
        rows.extend(result.rows)
        paging_state = result.paging_state
        if paging_state is None:
            return rows


def _table_of(keyspaces: Mapping[str, KeyspaceDef], row: Any) -> TableDef | None:
    ks = keyspaces.get(row["keyspace_name"])
    return None if ks is None else ks.tables.get(row["table_name"])


# --- writing DDL ----------------------------------------------------------------


def literal(value: Any) -> str:
    """A CQL literal for an option value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return "'" + str(value).replace("'", "''") + "'"


def keyspace_ddl(ks: KeyspaceDef) -> str:
    durable = "true" if ks.durable_writes else "false"
    return (
        f"CREATE KEYSPACE {quote_name(ks.name)} WITH replication = {literal(ks.replication)} "
        f"AND durable_writes = {durable};"
    )


def type_ddl(keyspace: str, name: str, fields: list[tuple[str, str]]) -> str:
    body = ",\n".join(f"    {quote_name(f)} {t}" for f, t in fields)
    return f"CREATE TYPE {quote_name(keyspace)}.{quote_name(name)} (\n{body}\n);"


def table_ddl(table: TableDef) -> str:
    def by_kind(kind: str) -> list[dict[str, Any]]:
        cols = [c for c in table.columns if c["kind"] == kind]
        return sorted(cols, key=lambda c: c["position"])

    pk, ck = by_kind("partition_key"), by_kind("clustering")
    others = sorted(
        (c for c in table.columns if c["kind"] in ("regular", "static")),
        key=lambda c: c["column_name"],
    )
    lines = []
    inline_key = len(pk) == 1 and not ck
    for c in [*pk, *ck, *others]:
        line = f"    {quote_name(c['column_name'])} {c['type']}"
        if c["kind"] == "static":
            line += " static"
        if inline_key and c["kind"] == "partition_key":
            line += " PRIMARY KEY"
        lines.append(line)
    if not inline_key:
        names = [quote_name(c["column_name"]) for c in pk]
        partition = names[0] if len(names) == 1 else "(" + ", ".join(names) + ")"
        key = ", ".join([partition, *(quote_name(c["column_name"]) for c in ck)])
        lines.append(f"    PRIMARY KEY ({key})")
    head = f"CREATE TABLE {quote_name(table.keyspace)}.{quote_name(table.name)} (\n"
    text = head + ",\n".join(lines) + "\n)"
    clauses = []
    if ck:
        order = ", ".join(
            f"{quote_name(c['column_name'])} {c['clustering_order'].upper()}" for c in ck
        )
        clauses.append(f"CLUSTERING ORDER BY ({order})")
    for name, value in table.options.items():
        if value is None or (name == "extensions" and not value):
            continue
        clauses.append(f"{name} = {literal(value)}")
    if clauses:
        text += " WITH " + "\n    AND ".join(clauses)
    return text + ";"


def index_ddl(table: TableDef, index: Mapping[str, Any]) -> str:
    options = dict(index["options"] or {})
    target = options.pop("target", "")
    custom = options.pop("class_name", None)
    on = f"{quote_name(table.keyspace)}.{quote_name(table.name)} ({target})"
    name = quote_name(index["index_name"])
    if index["kind"] == "CUSTOM" and custom is not None:
        text = f"CREATE CUSTOM INDEX {name} ON {on} USING {literal(custom)}"
        if options:
            text += f" WITH OPTIONS = {literal(options)}"
        return text + ";"
    return f"CREATE INDEX {name} ON {on};"


def _types_in_order(ks: KeyspaceDef) -> list[str]:
    """UDT names with every type after the types its fields use."""
    done: list[str] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in done or name in path:
            return
        for _, ftype in ks.types[name]:
            for other in ks.types:
                if other != name and _mentions(ftype, quote_name(other)):
                    visit(other, (*path, name))
        done.append(name)

    for name in sorted(ks.types):
        visit(name, ())
    return done


def _mentions(type_text: str, name: str) -> bool:
    return re.search(rf"(?<![\w\"]){re.escape(name)}(?![\w\"])", type_text) is not None


def table_with_indexes(table: TableDef) -> list[str]:
    indexes = sorted(table.indexes, key=lambda i: i["index_name"])
    return [table_ddl(table), *(index_ddl(table, i) for i in indexes)]


def keyspace_full(ks: KeyspaceDef) -> list[str]:
    out = [keyspace_ddl(ks)]
    out += [type_ddl(ks.name, name, ks.types[name]) for name in _types_in_order(ks)]
    for name in sorted(ks.tables):
        out += table_with_indexes(ks.tables[name])
    return out


# --- the command ----------------------------------------------------------------


_NAME = r'(?:"(?:[^"]|"")*"|[A-Za-z0-9_]+)'
_QUALIFIED = re.compile(rf"({_NAME})(?:\.({_NAME}))?")


def _unquote(name: str) -> str:
    if name.startswith('"'):
        return name[1:-1].replace('""', '"')
    return name.lower()


def _split_name(text: str, current: str | None, what: str) -> tuple[str, str]:
    m = _QUALIFIED.fullmatch(text.strip())
    if m is None:
        raise DescribeError(f"cannot read {text.strip()!r} as a {what} name")
    first, second = m.group(1), m.group(2)
    if second is not None:
        return _unquote(first), _unquote(second)
    if current is None:
        raise DescribeError(f"no keyspace given: write ks.{first} or USE a keyspace first")
    return current, _unquote(first)


def _columns(names: Iterable[str]) -> str:
    return "  ".join(quote_name(n) for n in names)


async def describe(
    client: Client, stmt: str, *, keyspace: str | None, timeout: float | None = None
) -> str:
    """The text a DESCRIBE statement prints (DescribeError when it names
    nothing that exists)."""
    words = stmt.split(None, 2)
    if len(words) < 2:
        raise DescribeError(
            "DESCRIBE what? KEYSPACES, TABLES, TYPES, SCHEMA, KEYSPACE [ks], TABLE [ks.]t, "
            "TYPE [ks.]u"
        )
    what = words[1].upper()
    rest = words[2] if len(words) > 2 else ""
    schema = await Schema.read(client, timeout=timeout)
    if what == "KEYSPACES" and not rest:
        return "\n" + _columns(sorted(schema.keyspaces)) + "\n"
    if what == "TABLES" and not rest:
        chosen = [keyspace] if keyspace is not None else sorted(schema.keyspaces)
        parts = []
        for name in chosen:
            ks = schema.keyspace(name)
            head = f"Keyspace {quote_name(name)}"
            parts.append(f"{head}\n{'-' * len(head)}\n{_columns(sorted(ks.tables))}\n")
        return "\n" + "\n".join(parts)
    if what == "TYPES" and not rest:
        chosen = [keyspace] if keyspace is not None else sorted(schema.keyspaces)
        parts = []
        for name in chosen:
            ks = schema.keyspace(name)
            if ks.types or keyspace is not None:
                head = f"Keyspace {quote_name(name)}"
                parts.append(f"{head}\n{'-' * len(head)}\n{_columns(sorted(ks.types))}\n")
        return "\n" + "\n".join(parts)
    if what == "SCHEMA" and not rest:
        user = [ks for name, ks in sorted(schema.keyspaces.items()) if name not in SYSTEM_KEYSPACES]
        return _ddl([stmt for ks in user for stmt in keyspace_full(ks)])
    if what == "KEYSPACE":
        ks_named = _unquote(rest.strip()) if rest.strip() else keyspace
        if ks_named is None:
            raise DescribeError("DESCRIBE KEYSPACE needs a name, or USE a keyspace first")
        return _ddl(keyspace_full(schema.keyspace(ks_named)))
    if what in ("TABLE", "COLUMNFAMILY"):
        ks_name, table = _split_name(rest, keyspace, "table")
        return _ddl(table_with_indexes(schema.table(ks_name, table)))
    if what == "TYPE":
        ks_name, type_name = _split_name(rest, keyspace, "type")
        ks = schema.keyspace(ks_name)
        if type_name not in ks.types:
            raise DescribeError(f"Type {quote_name(ks_name)}.{quote_name(type_name)} not found")
        return _ddl([type_ddl(ks_name, type_name, ks.types[type_name])])
    # DESCRIBE name: a keyspace, else a table (of the current keyspace)
    target = stmt.split(None, 1)[1].strip()
    m = _QUALIFIED.fullmatch(target)
    if m is not None and m.group(2) is None and _unquote(m.group(1)) in schema.keyspaces:
        return _ddl(keyspace_full(schema.keyspace(_unquote(m.group(1)))))
    ks_name, table = _split_name(target, keyspace, "keyspace or table")
    return _ddl(table_with_indexes(schema.table(ks_name, table)))


def _ddl(statements: list[str]) -> str:
    return "\n" + "\n\n".join(statements) + "\n"
