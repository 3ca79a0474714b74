"""Reading stored rows: the current value of a column at a given time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .catalog import Column
from .store import Cell, ComplexCell, Partition, Row
from .wire import NULL_CHUNK, value_chunk

__all__ = ["cell_of", "column_reader", "column_wire", "read_cell"]

Reader = Callable[[Partition, Row | None, int], Any]


def read_cell(c: Cell | ComplexCell | None, kind: str, now: int, width: int = 0) -> Any:
    """The live value of a stored cell (None when absent, dead or empty).
    kind: the column type's kind (list / set / map / udt read multi-cell);
    width: a non-frozen UDT's field count (its cells are keyed by field index)."""
    if c is None:
        return None
    if type(c) is Cell:
        if c.value is not None and (c.expires is None or now < c.expires):
            return c.value
        return None
    items = c.live_items(now)  # type: ignore[union-attr]
    if not items:
        return None
    if kind == "list":
        return tuple(cell.value for _, cell in items)
    if kind == "set":
        return tuple(path for path, _ in items)
    if kind == "udt":
        fields: list[Any] = [None] * width
        for index, cell in items:
            fields[index] = cell.value
        return tuple(fields)
    return tuple((path, cell.value) for path, cell in items)


def _all_null(x: Any) -> bool:
    return all(e is None for e in x)


def column_reader(col: Column) -> Reader:
    """A function (partition, row, now) -> stored value of the column."""
    name = col.name
    kind = col.type.kind
    if col.kind == "partition_key":
        pos = col.position
        return lambda p, r, now: p.key[pos]
    if col.kind == "clustering":
        pos = col.position
        return lambda p, r, now: None if r is None else r.clustering[pos]
    multicell = col.type.multicell
    is_udt = kind == "udt"
    width = len(col.type.fields)
    if col.kind == "static":
        if multicell:
            return lambda p, r, now: read_cell(p.static.cells.get(name), kind, now, width)

        def read_static(p: Partition, r: Row | None, now: int) -> Any:
            c = p.static.cells.get(name)
            if c is None:
                return None
            v = read_cell(c, kind, now)
            return None if is_udt and v is not None and _all_null(v) else v

        return read_static
    if multicell:
        return lambda p, r, now: (
            None if r is None else read_cell(r.cells.get(name), kind, now, width)
        )

    def read_regular(p: Partition, r: Row | None, now: int) -> Any:
        if r is None:
            return None
        c = r.cells.get(name)
        if c is None:
            return None
        if type(c) is Cell:
            v = c.value
            if v is None or (c.expires is not None and now >= c.expires):
                return None
            if is_udt and _all_null(v):
                return None
            return v
        return read_cell(c, kind, now, width)

    return read_regular


def cell_of(col: Column, p: Partition, r: Row | None) -> Cell | ComplexCell | None:
    if col.kind == "static":
        return p.static.cells.get(col.name)
    if r is None:
        return None
    return r.cells.get(col.name)


WireReader = Callable[[Partition, Row | None, int], bytes]


def column_wire(col: Column) -> WireReader:
    """Like column_reader, but returns the encoded `Row.values` entry
    (cached on the partition, row or cell: stored values never change)."""
    chunk = value_chunk(col.type)
    pos = col.position
    if col.kind == "partition_key":

        def pk_wire(p: Partition, r: Row | None, now: int) -> bytes:
            w = p.wire
            if w is None:
                w = p.wire = {}
            b = w.get(pos)
            if b is None:
                b = w[pos] = chunk(p.key[pos])
            return b

        return pk_wire
    if col.kind == "clustering":

        def ck_wire(p: Partition, r: Row | None, now: int) -> bytes:
            if r is None:
                return NULL_CHUNK
            w = r.wire
            if w is None:
                w = r.wire = {}
            b = w.get(pos)
            if b is None:
                b = w[pos] = chunk(r.clustering[pos])
            return b

        return ck_wire
    name = col.name
    kind = col.type.kind
    is_udt = kind == "udt"
    width = len(col.type.fields)
    static = col.kind == "static"

    def cell_wire(p: Partition, r: Row | None, now: int) -> bytes:
        if static:
            c = p.static.cells.get(name)
        elif r is None:
            return NULL_CHUNK
        else:
            c = r.cells.get(name)
        if c is None:
            return NULL_CHUNK
        if type(c) is Cell:
            v = c.value
            if v is None or (c.expires is not None and now >= c.expires):
                return NULL_CHUNK
            b = c.wire
            if b is None:
                b = c.wire = NULL_CHUNK if is_udt and _all_null(v) else chunk(v)
            return b
        return chunk(read_cell(c, kind, now, width))

    return cell_wire
