"""The synthetic table the benchmarks read, and the hand-written decoders
the driver is compared with.

`bench.rows`: 10 columns of mixed CQL types. Every page carries the same
`page_size` rows (built once, reused), so the server only concatenates bytes.
Three ways to turn a page into Python tuples, cheapest first:

* `floor_raw`: upb values as the protocol gives them (uuid/blob/decimal as
  raw bytes, timestamp as ms): the absolute floor, no type conversion.
* `floor_typed`: the cheapest hand-written conversion to the same Python
  types the driver returns (int, str, float, bool, UUID, datetime, bytes,
  list[int], Decimal), no null or type checks.
* `bp_typed`: the same conversions on betterproto2 dataclasses.

And one that decodes nothing: `receive_only` takes grpc's bytes, finds the
paging state with a parse that leaves rows serialized, and counts the rows.
What it holds the event loop for is what grpc itself holds it for (copying
the message out of the call) plus that parse: the least any stack built on
grpc.aio can stall the loop per page.
"""

from __future__ import annotations

import datetime as _dt
import uuid
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from astra_grpc_async._lazywire import LazyResponse
from astra_grpc_async._proto.bp import stargate as bp
from astra_grpc_async._proto.stargate import query_pb2

ROWS_TABLE = "bench.rows"
TINY_CQL = "SELECT release_version FROM system.local"
QUERY_PATH = "/stargate.Stargate/ExecuteQuery"

_B = query_pb2.TypeSpec.Basic
COLUMNS: tuple[tuple[str, query_pb2.TypeSpec], ...] = (
    ("id", query_pb2.TypeSpec(basic=_B.INT)),
    ("big", query_pb2.TypeSpec(basic=_B.BIGINT)),
    ("name", query_pb2.TypeSpec(basic=_B.VARCHAR)),
    ("score", query_pb2.TypeSpec(basic=_B.DOUBLE)),
    ("flag", query_pb2.TypeSpec(basic=_B.BOOLEAN)),
    ("uid", query_pb2.TypeSpec(basic=_B.UUID)),
    ("ts", query_pb2.TypeSpec(basic=_B.TIMESTAMP)),
    ("payload", query_pb2.TypeSpec(basic=_B.BLOB)),
    (
        "tags",
        query_pb2.TypeSpec(list=query_pb2.TypeSpec.List(element=query_pb2.TypeSpec(basic=_B.INT))),
    ),
    ("amount", query_pb2.TypeSpec(basic=_B.DECIMAL)),
)
N_COLUMNS = len(COLUMNS)


def rows_cql(total_rows: int) -> str:
    """The statement the canned server answers with `total_rows` rows."""
    return f"SELECT * FROM {ROWS_TABLE} LIMIT {total_rows}"


def _signed_bytes(n: int) -> bytes:
    return n.to_bytes((n.bit_length() + 8) // 8 or 1, "big", signed=True)


def make_row(i: int) -> query_pb2.Row:
    V = query_pb2.Value
    return query_pb2.Row(
        values=[
            V(int=i),
            V(int=i * 1_000_003 - 7),
            V(string=f"name-{i:07d}"),
            V(double=i * 0.25 + 0.5),
            V(boolean=i % 2 == 0),
            V(uuid=query_pb2.Uuid(value=uuid.UUID(int=(i * 0x9E3779B97F4A7C15) % 2**128).bytes)),
            V(int=1_700_000_000_000 + i * 1000),
            V(bytes=i.to_bytes(4, "big") * 4),
            V(collection=query_pb2.Collection(elements=[V(int=i + k) for k in range(3)])),
            V(decimal=query_pb2.Decimal(scale=2, value=_signed_bytes(i * 7 - 3))),
        ]
    )


def make_result_set(n_rows: int, paging_state: bytes | None) -> query_pb2.ResultSet:
    rs = query_pb2.ResultSet(
        columns=[query_pb2.ColumnSpec(name=n, type=t) for n, t in COLUMNS],
        rows=[make_row(i) for i in range(n_rows)],
    )
    if paging_state is not None:
        rs.paging_state.value = paging_state
    return rs


def tiny_response() -> bytes:
    rs = query_pb2.ResultSet(
        columns=[
            query_pb2.ColumnSpec(name="release_version", type=query_pb2.TypeSpec(basic=_B.VARCHAR))
        ],
        rows=[query_pb2.Row(values=[query_pb2.Value(string="4.0.11")])],
    )
    return query_pb2.Response(result_set=rs).SerializeToString()


# --- hand-written decoders (the floors) ---------------------------------------------

_UTC = _dt.UTC
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_UTC)
_td = _dt.timedelta
_UUID = uuid.UUID
_new = object.__new__
_set = object.__setattr__
_SAFE = uuid.SafeUUID.unknown
_from_bytes = int.from_bytes


def _uuid(b: bytes) -> uuid.UUID:
    u = _new(_UUID)
    _set(u, "int", _from_bytes(b))
    _set(u, "is_safe", _SAFE)
    return u


def _decimal(scale: int, b: bytes) -> Decimal:
    return Decimal(f"{_from_bytes(b, 'big', signed=True)}E{-scale}")


def floor_raw(rows: Any) -> list[tuple[Any, ...]]:
    """upb rows -> tuples of the protocol's own scalars (no conversion)."""
    out = []
    for r in rows:
        a, b, c, d, e, f, g, h, i, j = r.values
        out.append(
            (
                a.int, b.int, c.string, d.double, e.boolean, f.uuid.value, g.int, h.bytes,
                [x.int for x in i.collection.elements], j.decimal.value,
            )
        )  # fmt: skip
    return out


def floor_typed(rows: Any) -> list[tuple[Any, ...]]:
    """upb rows -> tuples of the driver's Python types, cheapest code, no checks."""
    out = []
    append = out.append
    epoch = _EPOCH
    td = _td
    for r in rows:
        a, b, c, d, e, f, g, h, i, j = r.values
        dec = j.decimal
        append(
            (
                a.int, b.int, c.string, d.double, e.boolean, _uuid(f.uuid.value),
                epoch + td(0, 0, 0, g.int), h.bytes, [x.int for x in i.collection.elements],
                _decimal(dec.scale, dec.value),
            )
        )  # fmt: skip
    return out


# betterproto2's dataclasses carry the same field names, so the same cheapest
# code reads them: the two floors differ only in the message classes
bp_typed = floor_typed


def _next_state(rs: Any) -> bytes | None:
    """A upb ResultSet's paging state, or None on the last page."""
    return (rs.paging_state.value if rs.HasField("paging_state") else None) or None


def upb_page(data: bytes) -> tuple[Any, bytes | None]:
    """Parse a Response with upb: (rows, next paging_state or None)."""
    rs = query_pb2.Response.FromString(data).result_set
    return rs.rows, _next_state(rs)


def bp_page(data: bytes) -> tuple[Any, bytes | None]:
    """Parse a Response with betterproto2: (rows, next paging_state or None)."""
    rs = bp.Response.parse(data).result_set
    assert rs is not None
    return rs.rows, rs.paging_state or None


def lazy_page(data: bytes) -> tuple[Any, bytes | None]:
    """(rows left serialized, next paging_state or None): no row is parsed."""
    rs = LazyResponse.FromString(data).result_set
    return rs.rows, _next_state(rs)


def receive_only(rows: Any) -> range:
    return range(len(rows))


DECODERS: dict[
    str, tuple[Callable[[bytes], tuple[Any, bytes | None]], Callable[[Any], Iterable[Any]]]
] = {
    "floor_raw": (upb_page, floor_raw),
    "floor_typed": (upb_page, floor_typed),
    "bp_typed": (bp_page, bp_typed),
    "receive_only": (lazy_page, receive_only),
}
