"""The system keyspaces drivers and tools read: system.local / peers and
the system_schema tables, rebuilt from the catalog whenever it changes."""

from __future__ import annotations

import uuid
from typing import Any

from .catalog import Catalog, Column, Keyspace, Table
from .context import Clock, Ctx
from .mutate import Write
from .types import CType, native
from .where import partition_key

__all__ = ["RELEASE_VERSION", "SystemTables"]

RELEASE_VERSION = "4.0.11"
CLUSTER_NAME = "astra-grpc-emulator"
_TEXT = native("text")
_MAP_TEXT = CType("map", (_TEXT, _TEXT), True)
_LIST_TEXT = CType("list", (_TEXT,), True)
_SET_TEXT = CType("set", (_TEXT,), True)
_LOCALHOST = bytes([127, 0, 0, 1])
_HOST_ID = uuid.UUID("a6b1c1a2-0c8b-4f3e-9c7e-2f1d3c4b5a69").bytes


def _table(
    ks: str,
    name: str,
    pk: list[tuple[str, CType]],
    ck: list[tuple[str, CType]],
    rest: list[tuple[str, CType]],
) -> Table:
    t = Table(
        ks,
        name,
        [Column(n, ty, "partition_key", i) for i, (n, ty) in enumerate(pk)],
        [Column(n, ty, "clustering", i) for i, (n, ty) in enumerate(ck)],
        [Column(n, ty, "regular") for n, ty in rest],
    )
    t.virtual = True
    return t


def _definitions() -> dict[str, list[Table]]:
    text, i32, uid, inet = _TEXT, native("int"), native("uuid"), native("inet")
    return {
        "system": [
            _table("system", "local", [("key", text)], [], [
                ("bootstrapped", text), ("broadcast_address", inet), ("cluster_name", text),
                ("cql_version", text), ("data_center", text), ("host_id", uid),
                ("listen_address", inet), ("native_protocol_version", text),
                ("partitioner", text), ("rack", text), ("release_version", text),
                ("rpc_address", inet), ("schema_version", uid), ("tokens", CType("set", (text,))),
            ]),
            _table("system", "peers", [("peer", inet)], [], [
                ("data_center", text), ("host_id", uid), ("preferred_ip", inet), ("rack", text),
                ("release_version", text), ("rpc_address", inet), ("schema_version", uid),
                ("tokens", CType("set", (text,))),
            ]),
            _table("system", "peers_v2", [("peer", inet)], [("peer_port", i32)], [
                ("data_center", text), ("host_id", uid), ("native_address", inet),
                ("native_port", i32), ("rack", text), ("release_version", text),
                ("schema_version", uid), ("tokens", CType("set", (text,))),
            ]),
        ],
        "system_schema": [
            _table("system_schema", "keyspaces", [("keyspace_name", text)], [], [
                ("durable_writes", native("boolean")), ("replication", _MAP_TEXT),
            ]),
            _table("system_schema", "tables", [("keyspace_name", text)], [("table_name", text)], [
                ("comment", text), ("default_time_to_live", i32), ("flags", _SET_TEXT),
                ("gc_grace_seconds", i32), ("id", uid),
            ]),
            _table("system_schema", "columns", [("keyspace_name", text)],
                   [("table_name", text), ("column_name", text)], [
                ("clustering_order", text), ("column_name_bytes", native("blob")),
                ("kind", text), ("position", i32), ("type", text),
            ]),
            _table("system_schema", "types", [("keyspace_name", text)], [("type_name", text)], [
                ("field_names", _LIST_TEXT), ("field_types", _LIST_TEXT),
            ]),
            _table("system_schema", "views", [("keyspace_name", text)], [("view_name", text)], [
                ("base_table_name", text),
            ]),
            _table("system_schema", "indexes", [("keyspace_name", text)],
                   [("table_name", text), ("index_name", text)],
                   [("kind", text), ("options", _MAP_TEXT)]),
            _table("system_schema", "functions", [("keyspace_name", text)],
                   [("function_name", text), ("argument_types", _LIST_TEXT)], [("body", text)]),
            _table("system_schema", "aggregates", [("keyspace_name", text)],
                   [("aggregate_name", text), ("argument_types", _LIST_TEXT)],
                   [("state_func", text)]),
            _table("system_schema", "triggers", [("keyspace_name", text)],
                   [("table_name", text), ("trigger_name", text)], [("options", _MAP_TEXT)]),
        ],
    }  # fmt: skip


_LOCAL_REPLICATION = {"class": "org.apache.cassandra.locator.LocalStrategy"}
_SIMPLE_REPLICATION = {
    "class": "org.apache.cassandra.locator.SimpleStrategy",
    "replication_factor": "1",
}


class SystemTables:
    """Installs the system keyspaces into a catalog and refreshes them."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.built_version = -1
        defs = _definitions()
        for ks_name, tables in defs.items():
            ks = Keyspace(ks_name, dict(_LOCAL_REPLICATION))
            ks.tables = {t.name: t for t in tables}
            catalog.keyspaces[ks_name] = ks
        for name in ("system_auth", "system_distributed", "system_traces"):
            catalog.keyspaces[name] = Keyspace(name, dict(_SIMPLE_REPLICATION))

    def refresh(self) -> None:
        if self.built_version == self.catalog.version:
            return
        self.built_version = self.catalog.version
        ks = self.catalog.keyspaces
        schema_version = uuid.UUID(int=self.catalog.version + 1).bytes
        _fill(ks["system"].tables["local"], [{
            "key": "local", "bootstrapped": "COMPLETED", "broadcast_address": _LOCALHOST,
            "cluster_name": CLUSTER_NAME, "cql_version": "3.4.5", "data_center": "datacenter1",
            "host_id": _HOST_ID, "listen_address": _LOCALHOST, "native_protocol_version": "4",
            "partitioner": "org.apache.cassandra.dht.Murmur3Partitioner", "rack": "rack1",
            "release_version": RELEASE_VERSION, "rpc_address": _LOCALHOST,
            "schema_version": schema_version, "tokens": ("-9223372036854775808",),
        }])  # fmt: skip
        keyspaces, tables, columns, types, indexes = [], [], [], [], []
        for k in sorted(ks.values(), key=lambda k: k.name):
            keyspaces.append({
                "keyspace_name": k.name, "durable_writes": k.durable_writes,
                "replication": tuple(sorted(k.replication.items())),
            })  # fmt: skip
            for t in k.tables.values():
                tables.append({
                    "keyspace_name": k.name, "table_name": t.name,
                    "comment": t.options.get("comment", ""), "default_time_to_live": t.default_ttl,
                    "flags": ("compound",), "gc_grace_seconds": _gc_grace(t), "id": t.id.bytes,
                })  # fmt: skip
                for i in t.indexes.values():
                    options: tuple[tuple[str, str], ...] = (("target", i.target_text),)
                    if i.custom_class is not None:
                        options = (("class_name", i.custom_class), *options)
                    indexes.append({
                        "keyspace_name": k.name, "table_name": t.name, "index_name": i.name,
                        "kind": "COMPOSITES" if i.custom_class is None else "CUSTOM",
                        "options": options,
                    })  # fmt: skip
                for c in t.columns.values():
                    columns.append({
                        "keyspace_name": k.name, "table_name": t.name, "column_name": c.name,
                        "clustering_order": _clustering_order(c),
                        "column_name_bytes": c.name.encode(), "kind": c.kind,
                        "position": c.position, "type": c.type.cql(),
                    })  # fmt: skip
            for name, u in k.types.items():
                types.append({
                    "keyspace_name": k.name, "type_name": name, "field_names": u.fields,
                    "field_types": tuple(p.cql() for p in u.params),
                })  # fmt: skip
        schema = ks["system_schema"].tables
        _fill(schema["keyspaces"], keyspaces)
        _fill(schema["tables"], tables)
        _fill(schema["columns"], columns)
        _fill(schema["types"], types)
        _fill(schema["indexes"], indexes)


def _gc_grace(t: Table) -> int:
    value = t.options.get("gc_grace_seconds", "").strip()
    return int(value) if value.isdigit() else 864000  # Cassandra's default


def _clustering_order(c: Column) -> str:
    if c.kind != "clustering":
        return "none"
    return "desc" if c.descending else "asc"


def _fill(table: Table, rows: list[dict[str, Any]]) -> None:
    table.data.truncate()
    w = Write(Ctx([], 0, 0, Clock()), 0, 0)
    data = table.data
    for r in rows:
        _, kb, token = spec = partition_key(table, tuple(r[c.name] for c in table.partition_key))
        part = data.get_or_create(spec[0], kb, token)
        row, shadow = data.row_for_write(part, tuple(r[c.name] for c in table.clustering))
        w.marker(row, shadow)
        for c in table.regulars:
            if c.name in r:
                w.put(row, c, r[c.name], shadow)
