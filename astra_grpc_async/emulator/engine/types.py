"""Resolved CQL types: what the engine stores in its schema.

The syntax tree names user-defined types; the engine resolves them once (at
DDL time) into `CType` values that carry the UDT's fields, so the value layer
never needs the catalog. `CType` is frozen and hashable: per-type helpers are
cached on it.
"""

from __future__ import annotations

from dataclasses import dataclass

from astra_grpc_async._proto.stargate import query_pb2

__all__ = ["CType", "native"]

_BASIC = {
    "ascii": query_pb2.TypeSpec.ASCII,
    "bigint": query_pb2.TypeSpec.BIGINT,
    "blob": query_pb2.TypeSpec.BLOB,
    "boolean": query_pb2.TypeSpec.BOOLEAN,
    "counter": query_pb2.TypeSpec.COUNTER,
    "decimal": query_pb2.TypeSpec.DECIMAL,
    "double": query_pb2.TypeSpec.DOUBLE,
    "float": query_pb2.TypeSpec.FLOAT,
    "int": query_pb2.TypeSpec.INT,
    "text": query_pb2.TypeSpec.VARCHAR,  # servers answer VARCHAR for text
    "timestamp": query_pb2.TypeSpec.TIMESTAMP,
    "uuid": query_pb2.TypeSpec.UUID,
    "varint": query_pb2.TypeSpec.VARINT,
    "timeuuid": query_pb2.TypeSpec.TIMEUUID,
    "inet": query_pb2.TypeSpec.INET,
    "date": query_pb2.TypeSpec.DATE,
    "time": query_pb2.TypeSpec.TIME,
    "smallint": query_pb2.TypeSpec.SMALLINT,
    "tinyint": query_pb2.TypeSpec.TINYINT,
    "duration": query_pb2.TypeSpec.DURATION,
}

COLLECTIONS = frozenset({"list", "set", "map"})


@dataclass(frozen=True, slots=True)
class CType:
    """kind: a native type name, or list / set / map / tuple / udt.
    params: element types (list, set), key and value (map), the elements
    (tuple) or the field types (udt). For a udt, `name`, `keyspace` and
    `fields` (field names, aligned with params) are set."""

    kind: str
    params: tuple[CType, ...] = ()
    frozen: bool = False
    name: str = ""
    keyspace: str = ""
    fields: tuple[str, ...] = ()

    @property
    def is_collection(self) -> bool:
        return self.kind in COLLECTIONS

    @property
    def multicell(self) -> bool:
        """A non-frozen collection or UDT: stored as one cell per element
        (per field for a UDT, so fields are written and expire separately)."""
        return (self.kind in COLLECTIONS or self.kind == "udt") and not self.frozen

    @property
    def is_native(self) -> bool:
        return self.kind in _BASIC

    def frozen_copy(self) -> CType:
        if self.frozen or self.kind not in (*COLLECTIONS, "udt"):
            return self
        return CType(self.kind, self.params, True, self.name, self.keyspace, self.fields)

    def cql(self, *, with_frozen: bool = True) -> str:
        """CQL text as system_schema and error messages show it."""
        if self.kind in _BASIC:
            return self.kind
        if self.kind == "udt":
            inner = _quote(self.name)
        elif self.kind == "tuple":  # always frozen
            inner = "tuple<" + ", ".join(p.cql() for p in self.params) + ">"
        else:
            inner = f"{self.kind}<" + ", ".join(p.cql() for p in self.params) + ">"
        if self.frozen and with_frozen:
            return f"frozen<{inner}>"
        return inner

    def type_spec(self) -> query_pb2.TypeSpec:
        return _type_spec(self)

    def __str__(self) -> str:
        return self.cql()


def native(name: str) -> CType:
    return _NATIVE[name]


_NATIVE = {n: CType(n) for n in _BASIC}


def _quote(name: str) -> str:
    if name.isidentifier() and name == name.lower() and name.isascii():
        return name
    return '"' + name.replace('"', '""') + '"'


def _type_spec(t: CType) -> query_pb2.TypeSpec:
    k = t.kind
    if k in _BASIC:
        return query_pb2.TypeSpec(basic=_BASIC[k])
    if k == "list":
        return query_pb2.TypeSpec(list=query_pb2.TypeSpec.List(element=_type_spec(t.params[0])))
    if k == "set":
        return query_pb2.TypeSpec(set=query_pb2.TypeSpec.Set(element=_type_spec(t.params[0])))
    if k == "map":
        return query_pb2.TypeSpec(
            map=query_pb2.TypeSpec.Map(key=_type_spec(t.params[0]), value=_type_spec(t.params[1]))
        )
    if k == "tuple":
        return query_pb2.TypeSpec(
            tuple=query_pb2.TypeSpec.Tuple(elements=[_type_spec(p) for p in t.params])
        )
    fields = {f: _type_spec(p) for f, p in zip(t.fields, t.params, strict=True)}
    return query_pb2.TypeSpec(
        udt=query_pb2.TypeSpec.Udt(fields=fields, name=t.name, frozen=t.frozen)
    )
