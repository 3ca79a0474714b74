"""Schema objects: keyspaces, tables, columns and user-defined types."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Literal

from astra_grpc_async.emulator.cql import ast
from astra_grpc_async.emulator.errors import InvalidRequest

from .store import TableData
from .types import CType, native

__all__ = ["Catalog", "Column", "Index", "Keyspace", "Table"]

ColumnKind = Literal["partition_key", "clustering", "regular", "static"]
SYSTEM_KEYSPACES = ("system", "system_schema", "system_auth", "system_distributed", "system_traces")


@dataclass(slots=True, eq=False)
class Column:
    name: str
    type: CType
    kind: ColumnKind
    position: int = -1  # index in the partition key / clustering, else -1
    descending: bool = False  # clustering order

    @property
    def is_primary_key(self) -> bool:
        return self.kind in ("partition_key", "clustering")

    @property
    def is_static(self) -> bool:
        return self.kind == "static"

    @property
    def is_counter(self) -> bool:
        return self.type.kind == "counter"


@dataclass(slots=True, eq=False)
class Index:
    """A secondary index: `target` is simple / values / keys / entries / full."""

    name: str
    column: str
    target: str = "simple"
    custom_class: str | None = None

    @property
    def target_text(self) -> str:
        """The `target` option in system_schema.indexes, e.g. `keys(m)`."""
        col = cql_name(self.column)
        return col if self.target == "simple" else f"{self.target}({col})"


@dataclass(slots=True, eq=False)
class Table:
    keyspace: str
    name: str
    partition_key: list[Column]
    clustering: list[Column]
    regulars: list[Column]  # regular and static columns, sorted by name
    options: dict[str, str] = field(default_factory=dict)
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    data: TableData = field(init=False)
    columns: dict[str, Column] = field(init=False)
    select_order: list[Column] = field(init=False)
    default_ttl: int = 0
    virtual: bool = False
    indexes: dict[str, Index] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.data = TableData(
            [c.type for c in self.clustering], [c.descending for c in self.clustering]
        )
        self.rebuild()

    def rebuild(self) -> None:
        self.regulars.sort(key=lambda c: c.name)
        statics = [c for c in self.regulars if c.is_static]
        plain = [c for c in self.regulars if not c.is_static]
        self.select_order = [*self.partition_key, *self.clustering, *statics, *plain]
        self.columns = {c.name: c for c in self.select_order}
        ttl = self.options.get("default_time_to_live", "0")
        self.default_ttl = int(ttl) if ttl.strip().lstrip("-").isdigit() else 0

    @property
    def is_counter(self) -> bool:
        return any(c.is_counter for c in self.regulars)

    @property
    def has_statics(self) -> bool:
        return any(c.is_static for c in self.regulars)

    @property
    def qualified(self) -> str:
        return f"{self.keyspace}.{self.name}"

    def column(self, name: str) -> Column:
        col = self.columns.get(name)
        if col is None:
            raise InvalidRequest(
                f"Undefined column name {_cql_name(name)} in table {self.qualified}"
            )
        return col


@dataclass(slots=True, eq=False)
class Keyspace:
    name: str
    replication: dict[str, str]
    durable_writes: bool = True
    tables: dict[str, Table] = field(default_factory=dict)
    types: dict[str, CType] = field(default_factory=dict)  # name -> resolved udt (frozen=False)


class Catalog:
    """All keyspaces. `version` changes on every schema change (plans cached
    per statement are keyed by it)."""

    def __init__(self) -> None:
        self.keyspaces: dict[str, Keyspace] = {}
        self.version = 0

    def bump(self) -> None:
        self.version += 1

    def keyspace(self, name: str) -> Keyspace:
        ks = self.keyspaces.get(name)
        if ks is None:
            raise InvalidRequest(f"Keyspace '{name}' does not exist")
        return ks

    def table(self, keyspace: str, name: str) -> Table:
        ks = self.keyspace(keyspace)
        t = ks.tables.get(name)
        if t is None:
            raise InvalidRequest(f"unconfigured table {name}")
        return t

    # --- types -------------------------------------------------------------

    def resolve(self, t: ast.CqlType, keyspace: str, *, inside: bool = False) -> CType:
        """Resolve a syntax-tree type; `inside` is set for collection elements
        (which Cassandra requires to be frozen when they are collections or
        UDTs)."""
        if isinstance(t, ast.NativeType):
            return native(t.name)
        if isinstance(t, ast.ListType | ast.SetType):
            kind = "list" if isinstance(t, ast.ListType) else "set"
            elem = self._resolve_inner(t.element, keyspace, t.frozen)
            return CType(kind, (elem,), t.frozen or inside)
        if isinstance(t, ast.MapType):
            k = self._resolve_inner(t.key, keyspace, t.frozen)
            v = self._resolve_inner(t.value, keyspace, t.frozen)
            return CType("map", (k, v), t.frozen or inside)
        if isinstance(t, ast.TupleType):
            elems = tuple(self._freeze(self.resolve(e, keyspace, inside=True)) for e in t.elements)
            return CType("tuple", elems, True)
        ks_name = t.keyspace or keyspace
        ks = self.keyspaces.get(ks_name)
        udt = ks.types.get(t.name) if ks else None
        if udt is None:
            raise InvalidRequest(f"Unknown type {ks_name}.{t.name}")
        return udt.frozen_copy() if (t.frozen or inside) else udt

    def _resolve_inner(self, t: ast.CqlType, keyspace: str, outer_frozen: bool) -> CType:
        inner = self.resolve(t, keyspace, inside=True)
        if outer_frozen:
            return self._freeze(inner)
        if isinstance(t, ast.ListType | ast.SetType | ast.MapType) and not t.frozen:
            raise InvalidRequest(
                "Non-frozen collections are not allowed inside collections: " + _ast_cql(t)
            )
        if isinstance(t, ast.UdtRef) and not t.frozen:
            raise InvalidRequest("Non-frozen UDTs are not allowed inside collections: " + t.name)
        return inner

    def _freeze(self, t: CType) -> CType:
        if t.kind in ("list", "set", "map", "tuple", "udt"):
            params = tuple(self._freeze(p) for p in t.params)
            return CType(t.kind, params, True, t.name, t.keyspace, t.fields)
        return t


def _cql_name(name: str) -> str:
    if name and name == name.lower() and name.replace("_", "a").isalnum() and name[0].isalpha():
        return name
    return '"' + name.replace('"', '""') + '"'


def cql_name(name: str) -> str:
    """An identifier as CQL prints it (quoted when needed)."""
    return _cql_name(name)


_ast_cql = ast.type_text
