"""Schema statements: CREATE / ALTER / DROP KEYSPACE, TABLE, TYPE, INDEX and
TRUNCATE. Each returns the SchemaChange to answer, or None when nothing
changed (IF [NOT] EXISTS on an existing / missing object)."""

from __future__ import annotations

import hashlib
import re
import uuid

from astra_grpc_async._proto.stargate import query_pb2
from astra_grpc_async.emulator.cql import ast
from astra_grpc_async.emulator.errors import AlreadyExistsError, ConfigurationError, InvalidRequest

from .catalog import SYSTEM_KEYSPACES, Catalog, Column, Index, Keyspace, Table, cql_name
from .types import CType

__all__ = ["execute_ddl"]

SC = query_pb2.SchemaChange
MAX_TTL = 630720000
LOCAL_SYSTEM_KEYSPACES = ("system", "system_schema")
"""Keyspaces ALTER KEYSPACE refuses; the replicated system keyspaces
(system_auth, system_distributed, system_traces) can be altered."""


def _change(
    kind: int, target: int, keyspace: str, name: str | None = None
) -> query_pb2.SchemaChange:
    sc = SC(change_type=kind, target=target, keyspace=keyspace)  # type: ignore[arg-type]
    if name is not None:
        sc.name.value = name
    return sc


def _ks_name(name: ast.TableName, default: str | None) -> str:
    ks = name.keyspace or default
    if ks is None:
        raise InvalidRequest(
            "No keyspace has been specified. USE a keyspace, or explicitly specify "
            "keyspace.tablename"
        )
    return ks


def _user_keyspace(catalog: Catalog, name: str, verb: str = "modify") -> Keyspace:
    if name in SYSTEM_KEYSPACES:
        raise InvalidRequest(f"{name} keyspace is not user-modifiable.")
    ks = catalog.keyspaces.get(name)
    if ks is None:
        raise InvalidRequest(f"Keyspace '{name}' doesn't exist")
    return ks


def execute_ddl(
    catalog: Catalog, stmt: ast.Statement, default_ks: str | None
) -> query_pb2.SchemaChange | None:
    if isinstance(stmt, ast.CreateKeyspace):
        return _create_keyspace(catalog, stmt)
    if isinstance(stmt, ast.DropKeyspace):
        if stmt.name in SYSTEM_KEYSPACES:
            raise InvalidRequest(f"{stmt.name} keyspace is not user-modifiable.")
        if stmt.name not in catalog.keyspaces:
            if stmt.if_exists:
                return None
            raise InvalidRequest(f"Keyspace '{stmt.name}' doesn't exist")
        del catalog.keyspaces[stmt.name]
        catalog.bump()
        return _change(SC.DROPPED, SC.KEYSPACE, stmt.name)
    if isinstance(stmt, ast.CreateTable):
        return _create_table(catalog, stmt, _ks_name(stmt.table, default_ks))
    if isinstance(stmt, ast.DropTable):
        ks_name = _ks_name(stmt.table, default_ks)
        ks = catalog.keyspaces.get(ks_name)
        if ks_name in SYSTEM_KEYSPACES:
            raise InvalidRequest(f"{ks_name} keyspace is not user-modifiable.")
        if ks is None or stmt.table.name not in ks.tables:
            if stmt.if_exists:
                return None
            raise InvalidRequest(f"Table '{ks_name}.{stmt.table.name}' doesn't exist")
        del ks.tables[stmt.table.name]
        catalog.bump()
        return _change(SC.DROPPED, SC.TABLE, ks_name, stmt.table.name)
    if isinstance(stmt, ast.CreateType):
        return _create_type(catalog, stmt, _ks_name(stmt.name, default_ks))
    if isinstance(stmt, ast.DropType):
        return _drop_type(catalog, stmt, _ks_name(stmt.name, default_ks))
    if isinstance(stmt, ast.AlterTableAdd | ast.AlterTableDrop):
        return _alter_table(catalog, stmt, _ks_name(stmt.table, default_ks))
    if isinstance(stmt, ast.AlterKeyspace):
        return _alter_keyspace(catalog, stmt)
    if isinstance(stmt, ast.AlterTableOptions):
        return _alter_options(catalog, stmt, _ks_name(stmt.table, default_ks))
    if isinstance(stmt, ast.AlterTableRename):
        return _rename_columns(catalog, stmt, _ks_name(stmt.table, default_ks))
    if isinstance(stmt, ast.AlterTypeAdd | ast.AlterTypeRename):
        return _alter_type(catalog, stmt, _ks_name(stmt.name, default_ks))
    if isinstance(stmt, ast.CreateIndex):
        return _create_index(catalog, stmt, _ks_name(stmt.table, default_ks))
    if isinstance(stmt, ast.DropIndex):
        return _drop_index(catalog, stmt, _ks_name(stmt.name, default_ks))
    if isinstance(stmt, ast.Truncate):
        ks_name = _ks_name(stmt.table, default_ks)
        if ks_name in SYSTEM_KEYSPACES:
            raise InvalidRequest(f"{ks_name} keyspace is not user-modifiable.")
        table = catalog.table(ks_name, stmt.table.name)
        table.data.truncate()
        return None
    raise InvalidRequest(f"Unsupported statement {type(stmt).__name__}")


_STRATEGIES = {
    "SimpleStrategy": "org.apache.cassandra.locator.SimpleStrategy",
    "NetworkTopologyStrategy": "org.apache.cassandra.locator.NetworkTopologyStrategy",
}


def _create_keyspace(catalog: Catalog, stmt: ast.CreateKeyspace) -> query_pb2.SchemaChange | None:
    name = stmt.name
    if name in catalog.keyspaces or name in SYSTEM_KEYSPACES:
        if stmt.if_not_exists:
            return None
        raise AlreadyExistsError(
            f'Cannot add existing keyspace "{name}"',
            query_pb2.AlreadyExists(keyspace=name, table=""),
        )
    _valid_name("Keyspace", name)
    replication = _replication(stmt.replication)
    catalog.keyspaces[name] = Keyspace(name, replication, stmt.durable_writes)
    catalog.bump()
    return _change(SC.CREATED, SC.KEYSPACE, name)


NAME_LENGTH = 48
_NAME = re.compile(rf"\w{{1,{NAME_LENGTH}}}", re.ASCII)


def _valid_name(what: str, name: str) -> None:
    """Cassandra's check on new keyspace and table names."""
    if _NAME.fullmatch(name) is None:
        raise ConfigurationError(
            f"{what} name must not be empty, more than {NAME_LENGTH} characters long, or "
            f'contain non-alphanumeric-underscore characters (got "{name}")'
        )


def _replication(options: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """A validated replication map, its class fully qualified."""
    replication = dict(options)
    cls = replication.get("class")
    if cls is None:
        raise ConfigurationError("Missing replication strategy class")
    short = cls.rsplit(".", 1)[-1]
    if short == "LocalStrategy":
        raise InvalidRequest(
            "Unable to use given strategy class: LocalStrategy is reserved for internal use."
        )
    if short not in _STRATEGIES:
        raise ConfigurationError(f"Unable to find replication strategy class '{cls}'")
    replication["class"] = _STRATEGIES[short]
    if short == "SimpleStrategy" and "replication_factor" not in replication:
        raise ConfigurationError("SimpleStrategy requires a replication_factor strategy option.")
    for k, v in replication.items():
        if k != "class" and not v.strip().isdigit():
            raise ConfigurationError(f"Replication factor must be non-negative; found {v}")
    return replication


def _alter_keyspace(catalog: Catalog, stmt: ast.AlterKeyspace) -> query_pb2.SchemaChange:
    name = stmt.name
    if name in LOCAL_SYSTEM_KEYSPACES:
        raise InvalidRequest(f"{name} keyspace is not user-modifiable.")
    # Cassandra validates the new options before looking the keyspace up
    replication = _replication(stmt.replication) if stmt.replication else None
    ks = catalog.keyspaces.get(name)
    if ks is None:
        raise InvalidRequest(f"Keyspace '{name}' doesn't exist")
    if replication is not None:  # a new map replaces the old one entirely
        ks.replication = replication
    if stmt.durable_writes is not None:
        ks.durable_writes = stmt.durable_writes
    catalog.bump()
    return _change(SC.UPDATED, SC.KEYSPACE, name)


def _create_table(
    catalog: Catalog, stmt: ast.CreateTable, ks_name: str
) -> query_pb2.SchemaChange | None:
    ks = _user_keyspace(catalog, ks_name)
    name = stmt.table.name
    if name in ks.tables:
        if stmt.if_not_exists:
            return None
        raise AlreadyExistsError(
            f'Cannot add already existing table "{name}" to keyspace "{ks_name}"',
            query_pb2.AlreadyExists(keyspace=ks_name, table=name),
        )
    _valid_name("Keyspace", ks_name)
    _valid_name("Table", name)
    types: dict[str, CType] = {}
    for cd in stmt.columns:
        if cd.name in types:
            raise InvalidRequest(
                f"Duplicate column '{cd.name}' declaration for table {ks_name}.{name}"
            )
        types[cd.name] = catalog.resolve(cd.type, ks_name)
    order = dict(stmt.clustering_order)
    pk = [
        Column(n, types[n].frozen_copy(), "partition_key", i)
        for i, n in enumerate(stmt.partition_key)
    ]
    ck = [
        Column(n, types[n].frozen_copy(), "clustering", i, order.get(n, False))
        for i, n in enumerate(stmt.clustering)
    ]
    keys = set(stmt.partition_key) | set(stmt.clustering)
    others = [
        Column(cd.name, types[cd.name], "static" if cd.static else "regular")
        for cd in stmt.columns
        if cd.name not in keys
    ]
    options = dict(stmt.options)
    _check_options(options, any(c.is_counter for c in others))
    table_id = uuid.UUID(
        bytes=hashlib.sha256(f"{ks_name}.{name}.{catalog.version}".encode()).digest()[:16],
        version=4,
    )
    ks.tables[name] = Table(ks_name, name, pk, ck, others, options, id=table_id)
    catalog.bump()
    return _change(SC.CREATED, SC.TABLE, ks_name, name)


def _check_options(options: dict[str, str], counter: bool) -> None:
    """The table option checks Cassandra makes on CREATE / ALTER TABLE."""
    ttl = options.get("default_time_to_live")
    if ttl is None:
        return
    try:
        seconds = int(ttl)
    except ValueError:
        raise InvalidRequest(f"Invalid integer value {ttl} for 'default_time_to_live'") from None
    if seconds < 0:
        raise ConfigurationError(
            f"default_time_to_live must be greater than or equal to 0 (got {seconds})"
        )
    if seconds > MAX_TTL:
        raise ConfigurationError(
            f"default_time_to_live must be less than or equal to {MAX_TTL} (got {seconds})"
        )
    if counter and seconds > 0:
        raise InvalidRequest("Cannot set default_time_to_live on a table with counters")


def _create_type(
    catalog: Catalog, stmt: ast.CreateType, ks_name: str
) -> query_pb2.SchemaChange | None:
    ks = _user_keyspace(catalog, ks_name)
    name = stmt.name.name
    if name in ks.types:
        if stmt.if_not_exists:
            return None
        raise InvalidRequest(f"A user type with name '{name}' already exists")
    seen: set[str] = set()
    params = []
    for fname, ftype in stmt.fields:
        if fname in seen:
            raise InvalidRequest(f"Duplicate field name '{fname}' in type '{name}'")
        seen.add(fname)
        params.append(_field_type(catalog, ftype, ks_name))
    ks.types[name] = CType(
        "udt", tuple(params), False, name, ks_name, tuple(f for f, _ in stmt.fields)
    )
    catalog.bump()
    return _change(SC.CREATED, SC.TYPE, ks_name, name)


def _field_type(catalog: Catalog, ftype: ast.CqlType, ks_name: str) -> CType:
    """A UDT field's resolved type (fields are stored frozen)."""
    if isinstance(ftype, ast.NativeType) and ftype.name == "counter":
        raise InvalidRequest("A user type cannot contain counters")
    if isinstance(ftype, ast.UdtRef) and not ftype.frozen:
        raise InvalidRequest("A user type cannot contain non-frozen UDTs")
    return catalog.resolve(ftype, ks_name).frozen_copy()


def _uses(t: CType, ks: str, name: str) -> bool:
    if t.kind == "udt" and t.keyspace == ks and t.name == name:
        return True
    return any(_uses(p, ks, name) for p in t.params)


def _drop_type(catalog: Catalog, stmt: ast.DropType, ks_name: str) -> query_pb2.SchemaChange | None:
    name = stmt.name.name
    ks = catalog.keyspaces.get(ks_name)
    if ks is None or name not in ks.types:
        if stmt.if_exists:
            return None
        raise InvalidRequest(f"Type '{ks_name}.{name}' doesn't exist")
    users = [n for n, t in ks.types.items() if n != name and _uses(t, ks_name, name)]
    if users:
        raise InvalidRequest(
            f"Cannot drop user type '{ks_name}.{name}' as it is still used by user types "
            + ", ".join(users)
        )
    tables = [
        t.name
        for t in ks.tables.values()
        if any(_uses(c.type, ks_name, name) for c in t.columns.values())
    ]
    if tables:
        raise InvalidRequest(
            f"Cannot drop user type '{ks_name}.{name}' as it is still used by tables "
            + ", ".join(tables)
        )
    del ks.types[name]
    catalog.bump()
    return _change(SC.DROPPED, SC.TYPE, ks_name, name)


def _altered_table(catalog: Catalog, ks_name: str, name: str) -> Table:
    """The table an ALTER TABLE names (Cassandra's wording when missing)."""
    if ks_name in SYSTEM_KEYSPACES:
        raise InvalidRequest(f"{ks_name} keyspace is not user-modifiable.")
    ks = catalog.keyspaces.get(ks_name)
    table = ks.tables.get(name) if ks is not None else None
    if table is None:
        raise InvalidRequest(f"Table '{ks_name}.{name}' doesn't exist")
    return table


def _alter_table(
    catalog: Catalog, stmt: ast.AlterTableAdd | ast.AlterTableDrop, ks_name: str
) -> query_pb2.SchemaChange | None:
    table = _altered_table(catalog, ks_name, stmt.table.name)
    if isinstance(stmt, ast.AlterTableAdd):
        added: list[Column] = []  # every column is checked before any is added
        for cd in stmt.columns:
            if cd.name in table.columns or any(c.name == cd.name for c in added):
                raise InvalidRequest(f"Column with name '{cd.name}' already exists")
            t = catalog.resolve(cd.type, ks_name)
            if cd.static and not table.clustering:
                raise InvalidRequest(
                    "Static columns are only useful (and thus allowed) if the table has at "
                    "least one clustering column"
                )
            others = [*table.regulars, *added]
            counter = any(c.is_counter for c in others)
            if (t.kind == "counter") != counter and others:
                raise InvalidRequest(
                    f"Cannot add a counter column ({cd.name}) in a non counter column family"
                    if t.kind == "counter"
                    else f"Cannot add a non counter column ({cd.name}) in a counter column family"
                )
            added.append(Column(cd.name, t, "static" if cd.static else "regular"))
        table.regulars.extend(added)
    else:
        for name in stmt.columns:
            col = table.columns.get(name)
            if col is None:
                raise InvalidRequest(f"Column {cql_name(name)} was not found in table {table.name}")
            if col.is_primary_key:
                raise InvalidRequest(f"Cannot drop PRIMARY KEY part {cql_name(name)}")
            if col.type.kind == "udt" and not col.type.frozen:
                # its cells could not be described in system_schema.dropped_columns
                raise InvalidRequest(
                    f"Cannot drop non-frozen column {cql_name(name)} of user type {col.type.cql()}"
                )
            _no_dependent_indexes(table, name, "drop")
        for name in stmt.columns:
            table.regulars = [c for c in table.regulars if c.name != name]
            table.data.drop_column(name)
    table.rebuild()
    catalog.bump()
    return _change(SC.UPDATED, SC.TABLE, ks_name, table.name)


def _no_dependent_indexes(table: Table, column: str, verb: str) -> None:
    names = [i.name for i in table.indexes.values() if i.column == column]
    if names:
        raise InvalidRequest(
            f"Cannot {verb} column {cql_name(column)} because it has dependent secondary "
            f"indexes ({', '.join(names)})"
        )


_SAI = "org.apache.cassandra.index.sai.StorageAttachedIndex"
_CUSTOM_CLASSES = {"StorageAttachedIndex": _SAI, "SAI": _SAI}


def _index_names(ks: Keyspace) -> dict[str, Table]:
    return {name: t for t in ks.tables.values() for name in t.indexes}


def _create_index(
    catalog: Catalog, stmt: ast.CreateIndex, ks_name: str
) -> query_pb2.SchemaChange | None:
    """Cassandra 4's CreateIndexStatement checks, in its order."""
    if ks_name in SYSTEM_KEYSPACES:
        raise InvalidRequest(f"{ks_name} keyspace is not user-modifiable.")
    ks = catalog.keyspaces.get(ks_name)
    if ks is None:
        raise InvalidRequest(f"Keyspace '{ks_name}' doesn't exist")
    table = ks.tables.get(stmt.table.name)
    if table is None:
        raise InvalidRequest(f"Table '{stmt.table.name}' doesn't exist")
    if table.is_counter:
        raise InvalidRequest("Secondary indexes on counter tables aren't supported")
    col = table.columns.get(stmt.column)
    if col is None:
        raise InvalidRequest(f"Column '{stmt.column}' doesn't exist")
    t = col.type
    name = cql_name(col.name)
    target = stmt.target
    if _has_duration(t):
        raise InvalidRequest("Secondary indexes are not supported on duration columns")
    if col.kind == "partition_key" and len(table.partition_key) == 1:
        raise InvalidRequest(
            f"Cannot create secondary index on the only partition key column {name}"
        )
    frozen_collection = t.is_collection and not t.multicell
    if frozen_collection and target != "full":
        raise InvalidRequest("Frozen collections only support full() indexes")
    if not frozen_collection and target == "full":
        raise InvalidRequest("full() indexes can only be created on frozen collections")
    if not t.is_collection and target not in ("simple", "full"):
        raise InvalidRequest(
            f"Cannot create {target}() index on {name}. Non-collection columns only support "
            "simple indexes"
        )
    if target in ("keys", "entries") and not (t.kind == "map" and t.multicell):
        raise InvalidRequest(f"Cannot create index on {target} of column {name} with non-map type")
    if t.kind == "udt" and t.multicell:
        raise InvalidRequest("Secondary indexes are not supported on non-frozen UDTs")
    if target == "simple" and t.is_collection:
        target = "values"  # Cassandra's default for a non-frozen collection
    custom = None
    if stmt.using is not None:
        custom = _CUSTOM_CLASSES.get(stmt.using, stmt.using)
    existing = _index_names(ks)
    index_name = stmt.name
    if index_name is None:
        base = re.sub(r"\W", "", f"{table.name}_{col.name}_idx")
        index_name, n = base, 0
        while index_name in existing:
            n += 1
            index_name = f"{base}_{n}"
    elif index_name in existing:
        if stmt.if_not_exists:
            return None
        raise InvalidRequest(f"Index '{index_name}' already exists")
    for other in table.indexes.values():
        if other.column == col.name and other.target == target and other.custom_class == custom:
            if stmt.if_not_exists:
                return None
            raise InvalidRequest(
                f"Index {index_name} is a duplicate of existing index {other.name}"
            )
    table.indexes[index_name] = Index(index_name, col.name, target, custom)
    catalog.bump()
    return _change(SC.UPDATED, SC.TABLE, ks_name, table.name)


def _has_duration(t: CType) -> bool:
    return t.kind == "duration" or any(_has_duration(p) for p in t.params)


def _drop_index(
    catalog: Catalog, stmt: ast.DropIndex, ks_name: str
) -> query_pb2.SchemaChange | None:
    if ks_name in SYSTEM_KEYSPACES:
        raise InvalidRequest(f"{ks_name} keyspace is not user-modifiable.")
    ks = catalog.keyspaces.get(ks_name)
    if ks is None:
        if stmt.if_exists:
            return None
        raise InvalidRequest(f"Keyspace '{ks_name}' doesn't exist")
    name = stmt.name.name
    table = _index_names(ks).get(name)
    if table is None:
        if stmt.if_exists:
            return None
        raise InvalidRequest(f"Index '{ks_name}.{name}' doesn't exist'")  # sic
    del table.indexes[name]
    catalog.bump()
    return _change(SC.UPDATED, SC.TABLE, ks_name, table.name)


def _alter_options(
    catalog: Catalog, stmt: ast.AlterTableOptions, ks_name: str
) -> query_pb2.SchemaChange:
    table = _altered_table(catalog, ks_name, stmt.table.name)
    options = dict(stmt.options)
    _check_options(options, table.is_counter)
    table.options.update(options)
    table.rebuild()  # picks up default_time_to_live
    catalog.bump()
    return _change(SC.UPDATED, SC.TABLE, ks_name, table.name)


def _rename_columns(
    catalog: Catalog, stmt: ast.AlterTableRename, ks_name: str
) -> query_pb2.SchemaChange:
    """Only primary key columns can be renamed: their values live in the
    partition key / clustering tuples by position, so no data moves."""
    table = _altered_table(catalog, ks_name, stmt.table.name)
    renames: list[tuple[Column, str]] = []
    for old, new in dict(stmt.renames).items():  # a repeated source: the last one wins
        col = table.column(old)
        if not col.is_primary_key:
            raise InvalidRequest(f"Cannot rename non PRIMARY KEY column {cql_name(old)}")
        _no_dependent_indexes(table, old, "rename")
        if new in table.columns or any(n == new for _, n in renames):
            raise InvalidRequest(
                f"Cannot rename column {cql_name(old)} to {cql_name(new)} in table "
                f"'{table.qualified}'; another column with that name already exists"
            )
        renames.append((col, new))
    for col, new in renames:
        col.name = new
    table.rebuild()
    catalog.bump()
    return _change(SC.UPDATED, SC.TABLE, ks_name, table.name)


def _alter_type(
    catalog: Catalog, stmt: ast.AlterTypeAdd | ast.AlterTypeRename, ks_name: str
) -> query_pb2.SchemaChange:
    name = stmt.name.name
    if ks_name in SYSTEM_KEYSPACES:
        raise InvalidRequest(f"{ks_name} keyspace is not user-modifiable.")
    ks = catalog.keyspaces.get(ks_name)
    old = ks.types.get(name) if ks is not None else None
    if ks is None or old is None:
        raise InvalidRequest(f"Type {ks_name}.{name} doesn't exist")
    qualified = f"{cql_name(ks_name)}.{cql_name(name)}"
    if isinstance(stmt, ast.AlterTypeAdd):
        new = _add_field(catalog, ks, old, stmt, qualified)
    else:
        fields = list(old.fields)
        for field, to in dict(stmt.renames).items():
            if field not in old.fields:
                raise InvalidRequest(f"Unkown field {field} in user type {qualified}")  # sic
            fields[old.fields.index(field)] = to
        for field in fields:
            if fields.count(field) > 1:
                # sic: Cassandra passes the keyspace name where the type name belongs
                raise InvalidRequest(f"Duplicate field name {field} in type {ks_name}")
        new = CType("udt", old.params, False, name, ks_name, tuple(fields))
    _retype(ks, name, new)
    catalog.bump()
    return _change(SC.UPDATED, SC.TYPE, ks_name, name)


def _add_field(
    catalog: Catalog, ks: Keyspace, old: CType, stmt: ast.AlterTypeAdd, qualified: str
) -> CType:
    field = stmt.field
    if field in old.fields:
        raise InvalidRequest(
            f"Cannot add field {field} to type {qualified}: a field with name {field} "
            "already exists"
        )
    ftype = _field_type(catalog, stmt.type, ks.name)
    prefix = f"Cannot add new field {field} of type {ast.type_text(stmt.type)} to user type "
    if _uses(ftype, ks.name, old.name):
        raise InvalidRequest(f"{prefix}{qualified} as it would create a circular reference")
    # Values already stored keep fewer fields (read as null); a partition key
    # would then hash differently from the same value written afterwards.
    keyed = [
        t.qualified
        for t in ks.tables.values()
        if any(_uses(c.type, ks.name, old.name) for c in t.partition_key)
    ]
    if keyed:
        raise InvalidRequest(
            f"{prefix}{qualified} as the type is being used in partition key by the "
            "following tables: " + ", ".join(keyed)
        )
    return CType("udt", (*old.params, ftype), False, old.name, ks.name, (*old.fields, field))


def _retype(ks: Keyspace, name: str, new: CType) -> None:
    """Install a new definition of UDT `name` and rebuild every type that
    refers to it: the keyspace's other UDTs and its tables' columns (resolved
    types carry their UDTs' fields, see types.py)."""
    ks.types[name] = new
    memo: dict[CType, CType] = {}

    def fresh(t: CType) -> CType:
        hit = memo.get(t)
        if hit is not None:
            return hit
        if t.kind == "udt" and t.keyspace == ks.name:
            base = ks.types[t.name]
            out = CType(
                "udt", tuple(fresh(p) for p in base.params), t.frozen, t.name, t.keyspace,
                base.fields,
            )  # fmt: skip
        elif t.params:
            out = CType(t.kind, tuple(fresh(p) for p in t.params), t.frozen)
        else:
            out = t
        memo[t] = out
        return out

    ks.types = {n: fresh(t) for n, t in ks.types.items()}
    memo.clear()  # the definitions changed under the memo's keys
    for table in ks.tables.values():
        changed = False
        for col in table.select_order:
            t = fresh(col.type)
            if t != col.type:
                col.type = t
                changed = True
        if changed:
            table.data.clear_wire()
            table.data.set_clustering(
                [c.type for c in table.clustering], [c.descending for c in table.clustering]
            )
            table.rebuild()
