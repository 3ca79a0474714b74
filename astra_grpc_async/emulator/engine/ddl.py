"""Schema statements: CREATE / DROP KEYSPACE, TABLE, TYPE, ALTER TABLE,
TRUNCATE. Each returns the SchemaChange to answer, or None when nothing
changed (IF [NOT] EXISTS on an existing / missing object)."""

from __future__ import annotations

import hashlib
import uuid

from astra_grpc_async._proto.stargate import query_pb2
from astra_grpc_async.emulator.cql import ast
from astra_grpc_async.emulator.errors import AlreadyExistsError, ConfigurationError, InvalidRequest

from .catalog import SYSTEM_KEYSPACES, Catalog, Column, Keyspace, Table, cql_name
from .types import CType

__all__ = ["execute_ddl"]

SC = query_pb2.SchemaChange


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
    replication = dict(stmt.replication)
    cls = replication.get("class")
    if cls is None:
        raise ConfigurationError("Missing replication strategy class")
    short = cls.rsplit(".", 1)[-1]
    if short not in _STRATEGIES:
        raise ConfigurationError(f"Unable to find replication strategy class '{cls}'")
    replication["class"] = _STRATEGIES[short]
    if short == "SimpleStrategy" and "replication_factor" not in replication:
        raise ConfigurationError("SimpleStrategy requires a replication_factor strategy option.")
    for k, v in replication.items():
        if k != "class" and not v.strip().isdigit():
            raise ConfigurationError(f"Replication factor must be non-negative; found {v}")
    catalog.keyspaces[name] = Keyspace(name, replication, stmt.durable_writes)
    catalog.bump()
    return _change(SC.CREATED, SC.KEYSPACE, name)


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
    ttl = options.get("default_time_to_live")
    if ttl is not None and any(c.is_counter for c in others) and ttl.strip() not in ("0", ""):
        raise InvalidRequest("Cannot set default_time_to_live on a table with counters")
    table_id = uuid.UUID(
        bytes=hashlib.sha256(f"{ks_name}.{name}.{catalog.version}".encode()).digest()[:16],
        version=4,
    )
    ks.tables[name] = Table(ks_name, name, pk, ck, others, options, id=table_id)
    catalog.bump()
    return _change(SC.CREATED, SC.TABLE, ks_name, name)


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
        if isinstance(ftype, ast.NativeType) and ftype.name == "counter":
            raise InvalidRequest("A user type cannot contain counters")
        if isinstance(ftype, ast.UdtRef) and not ftype.frozen:
            raise InvalidRequest("A user type cannot contain non-frozen UDTs")
        params.append(catalog.resolve(ftype, ks_name).frozen_copy())
    ks.types[name] = CType(
        "udt", tuple(params), False, name, ks_name, tuple(f for f, _ in stmt.fields)
    )
    catalog.bump()
    return _change(SC.CREATED, SC.TYPE, ks_name, name)


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


def _alter_table(
    catalog: Catalog, stmt: ast.AlterTableAdd | ast.AlterTableDrop, ks_name: str
) -> query_pb2.SchemaChange | None:
    _user_keyspace(catalog, ks_name)
    table = catalog.table(ks_name, stmt.table.name)
    if isinstance(stmt, ast.AlterTableAdd):
        for cd in stmt.columns:
            if cd.name in table.columns:
                raise InvalidRequest(f"Column with name '{cd.name}' already exists")
            t = catalog.resolve(cd.type, ks_name)
            if cd.static and not table.clustering:
                raise InvalidRequest(
                    "Static columns are only useful (and thus allowed) if the table has at "
                    "least one clustering column"
                )
            if (t.kind == "counter") != table.is_counter and table.regulars:
                raise InvalidRequest(
                    f"Cannot add a counter column ({cd.name}) in a non counter column family"
                    if t.kind == "counter"
                    else f"Cannot add a non counter column ({cd.name}) in a counter column family"
                )
            table.regulars.append(Column(cd.name, t, "static" if cd.static else "regular"))
    else:
        for name in stmt.columns:
            col = table.columns.get(name)
            if col is None:
                raise InvalidRequest(f"Column {cql_name(name)} was not found in table {table.name}")
            if col.is_primary_key:
                raise InvalidRequest(f"Cannot drop PRIMARY KEY part {cql_name(name)}")
        for name in stmt.columns:
            table.regulars = [c for c in table.regulars if c.name != name]
            table.data.drop_column(name)
    table.rebuild()
    catalog.bump()
    return _change(SC.UPDATED, SC.TABLE, ks_name, table.name)
