"""Shared helpers for the engine's unit tests (no tests here).

`Db` drives an `Engine` with CQL text and Python values the way the gRPC
servicer does (query_pb2.Query in, query_pb2.Response out), with a fake
coordinator clock that advances 1 ms per call unless a test sets it.
"""

from __future__ import annotations

import ipaddress
import uuid
from decimal import Decimal
from typing import Any

import pytest

from astra_grpc_async._proto.stargate import query_pb2 as pb
from astra_grpc_async.emulator.engine import Engine
from astra_grpc_async.emulator.errors import CqlError

START_MICROS = 1_700_000_000_000_000
UNSET = object()


def val(x: Any) -> pb.Value:
    """A protobuf Value from a Python value (ints -> int, str -> string...)."""
    if isinstance(x, pb.Value):
        return x
    if x is None:
        return pb.Value(null=pb.Value.Null())
    if x is UNSET:
        return pb.Value(unset=pb.Value.Unset())
    if isinstance(x, bool):
        return pb.Value(boolean=x)
    if isinstance(x, int):
        return pb.Value(int=x)
    if isinstance(x, float):
        return pb.Value(double=x)
    if isinstance(x, str):
        return pb.Value(string=x)
    if isinstance(x, bytes):
        return pb.Value(bytes=x)
    if isinstance(x, uuid.UUID):
        return pb.Value(uuid=pb.Uuid(value=x.bytes))
    if isinstance(x, dict):
        elems = []
        for k, v in x.items():
            elems += [val(k), val(v)]
        return pb.Value(collection=pb.Collection(elements=elems))
    if isinstance(x, list | tuple | set | frozenset):
        return pb.Value(collection=pb.Collection(elements=[val(e) for e in x]))
    raise TypeError(x)


def udt(**fields: Any) -> pb.Value:
    return pb.Value(udt=pb.UdtValue(fields={k: val(v) for k, v in fields.items()}))


def py(v: pb.Value) -> Any:
    """A Python value from a protobuf Value (collections -> list, udt -> dict)."""
    which = v.WhichOneof("inner")
    if which in (None, "null"):
        return None
    if which == "collection":
        return [py(e) for e in v.collection.elements]
    if which == "udt":
        return {k: py(x) for k, x in v.udt.fields.items()}
    if which == "uuid":
        return uuid.UUID(bytes=v.uuid.value)
    if which == "inet":
        return ipaddress.ip_address(v.inet.value)
    if which == "varint":
        return int.from_bytes(v.varint.value, "big", signed=True)
    if which == "decimal":
        scale = v.decimal.scale
        scale = scale - 2**32 if scale >= 2**31 else scale
        unscaled = int.from_bytes(v.decimal.value, "big", signed=True)
        return Decimal(unscaled).scaleb(-scale)
    if which == "duration":
        return (v.duration.months, v.duration.days, v.duration.nanos)
    return getattr(v, which)


class Db:
    """One engine, one default keyspace (created unless ks is None)."""

    def __init__(self, ks: str | None = "ks") -> None:
        self.engine = Engine()
        self.now = START_MICROS
        self.ks = ks
        if ks is not None:
            self.q(
                f"CREATE KEYSPACE {ks} WITH replication = "
                "{'class': 'SimpleStrategy', 'replication_factor': 1}"
            )

    def query(
        self,
        cql: str,
        *values: Any,
        names: list[str] | None = None,
        ks: str | object | None = UNSET,
        page_size: int | None = None,
        state: bytes | None = None,
        timestamp: int | None = None,
        now_in_seconds: int | None = None,
        tracing: bool = False,
        skip_metadata: bool = False,
        consistency: int | None = None,
    ) -> pb.Query:
        p = pb.QueryParameters(tracing=tracing, skip_metadata=skip_metadata)
        keyspace = self.ks if ks is UNSET else ks
        if keyspace is not None:
            p.keyspace.value = str(keyspace)
        if page_size is not None:
            p.page_size.value = page_size
        if state is not None:
            p.paging_state.value = state
        if timestamp is not None:
            p.timestamp.value = timestamp
        if now_in_seconds is not None:
            p.now_in_seconds.value = now_in_seconds
        if consistency is not None:
            p.consistency.value = consistency  # type: ignore[assignment]
        vals = pb.Values(values=[val(v) for v in values], value_names=names or [])
        return pb.Query(cql=cql, values=vals, parameters=p)

    def q(self, cql: str, *values: Any, at: int | None = None, **kw: Any) -> pb.Response:
        """Execute; `at` sets the coordinator clock (µs), else it advances 1 ms."""
        if at is None:
            self.now += 1000
            at = self.now
        return self.engine.execute(self.query(cql, *values, **kw), now_micros=at).response

    def outcome(self, cql: str, *values: Any, **kw: Any) -> Any:
        self.now += 1000
        return self.engine.execute(self.query(cql, *values, **kw), now_micros=self.now)

    def rows(self, cql: str, *values: Any, **kw: Any) -> list[tuple[Any, ...]]:
        rs = self.q(cql, *values, **kw).result_set
        return [tuple(py(v) for v in r.values) for r in rs.rows]

    def all_rows(self, cql: str, *values: Any, page_size: int, **kw: Any) -> list[tuple[Any, ...]]:
        out: list[tuple[Any, ...]] = []
        state = None
        while True:
            rs = self.q(cql, *values, page_size=page_size, state=state, **kw).result_set
            out += [tuple(py(v) for v in r.values) for r in rs.rows]
            if not rs.HasField("paging_state") or not rs.paging_state.value:
                return out
            state = rs.paging_state.value

    def columns(self, cql: str, *values: Any, **kw: Any) -> list[str]:
        return [c.name for c in self.q(cql, *values, **kw).result_set.columns]

    def err(self, cql: str, *values: Any, **kw: Any) -> CqlError:
        with pytest.raises(CqlError) as info:
            self.q(cql, *values, **kw)
        return info.value

    def batch(
        self,
        queries: list[tuple[str, list[Any]]],
        *,
        type: int = pb.Batch.LOGGED,
        timestamp: int | None = None,
        at: int | None = None,
    ) -> pb.Response:
        p = pb.BatchParameters()
        if self.ks is not None:
            p.keyspace.value = self.ks
        if timestamp is not None:
            p.timestamp.value = timestamp
        b = pb.Batch(
            type=type,
            queries=[
                pb.BatchQuery(cql=c, values=pb.Values(values=[val(v) for v in vs]))
                for c, vs in queries
            ],
            parameters=p,
        )
        if at is None:
            self.now += 1000
            at = self.now
        return self.engine.execute_batch(b, now_micros=at).response

    def batch_err(self, queries: list[tuple[str, list[Any]]], **kw: Any) -> CqlError:
        with pytest.raises(CqlError) as info:
            self.batch(queries, **kw)
        return info.value
