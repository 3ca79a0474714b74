"""Cell-level writes: last-write-wins cells, counters and collection cells
(a non-frozen UDT is stored like a collection: one cell per field, keyed by
the field's index).

Every function takes `shadow`, the newest deletion timestamp covering the
row: data written at or before it is dead on arrival (a deletion wins over
a write with the same timestamp).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from astra_grpc_async.emulator.errors import InvalidRequest

from .catalog import Column
from .context import Ctx
from .store import Cell, ComplexCell, Row, supersedes
from .values import serializer, sort_key

__all__ = ["Write"]


class Write:
    """The timestamp / TTL / clock shared by all cells of one statement."""

    __slots__ = ("ctx", "expires", "now", "ts", "ttl")

    def __init__(self, ctx: Ctx, ts: int, ttl: int) -> None:
        self.ctx = ctx
        self.ts = ts
        self.ttl = ttl
        self.now = ctx.now
        self.expires = ctx.now + ttl if ttl else None

    def cell(self, value: Any) -> Cell:
        if value is None:
            return Cell(None, self.ts, 0, self.now)
        return Cell(value, self.ts, self.ttl, self.expires)

    # --- simple cells --------------------------------------------------------

    def marker(self, row: Row, shadow: int) -> None:
        if self.ts <= shadow:
            return
        new = Cell(True, self.ts, self.ttl, self.expires)
        old = row.marker
        if old is None or _marker_wins(new, old):
            row.marker = new

    def put(self, row: Row, col: Column, value: Any, shadow: int) -> None:
        if col.type.multicell:
            self.set_collection(row, col, value, shadow)
            return
        if self.ts <= shadow:
            return
        new = self.cell(value)
        old = row.cells.get(col.name)
        if (
            old is None
            or type(old) is not Cell
            or new.ts > old.ts  # decided by the timestamps: no need to look the values up
            or (new.ts == old.ts and supersedes(new, old, serializer(col.type)))
        ):
            row.cells[col.name] = new

    def delete(self, row: Row, col: Column, shadow: int) -> None:
        if col.type.multicell:
            self.set_collection(row, col, None, shadow)
        else:
            self.put(row, col, None, shadow)

    def counter(self, row: Row, col: Column, delta: int, shadow: int) -> None:
        if self.ts <= shadow:
            return
        old = row.cells.get(col.name)
        if type(old) is Cell and old.value is not None:
            total = old.value + delta
            if total >= 2**63 or total < -(2**63):
                total = (total + 2**63) % 2**64 - 2**63
            row.cells[col.name] = Cell(total, max(old.ts, self.ts))
        else:
            row.cells[col.name] = Cell(delta, self.ts)

    # --- collections -----------------------------------------------------------

    def _complex(self, row: Row, col: Column) -> ComplexCell:
        c = row.cells.get(col.name)
        if type(c) is not ComplexCell:
            c = ComplexCell()
            row.cells[col.name] = c
        return c

    def set_collection(
        self, row: Row, col: Column, value: Any, shadow: int, first: int | None = None
    ) -> None:
        """Overwrite a whole non-frozen collection or UDT (deletion at ts-1,
        then the elements at ts); null / empty just deletes (at ts)."""
        cc = self._complex(row, col)
        if value is None or len(value) == 0:
            if self.ts > shadow:
                cc.delete(self.ts)
            return
        if self.ts - 1 > shadow:
            cc.delete(self.ts - 1)
        self.add_elements(row, col, value, shadow, first)

    def add_elements(
        self, row: Row, col: Column, value: Any, shadow: int, first: int | None = None
    ) -> None:
        """Append to a list, add to a set, merge into a map. `first`: the
        list's element keys, drawn in advance (else drawn now)."""
        if not value:
            return
        kind = col.type.kind
        if kind == "list":
            if first is None:
                first = self.ctx.clock.next_seq(len(value))
            self._put_paths(row, col, [(first + i, v) for i, v in enumerate(value)], shadow)
        elif kind == "udt":  # null fields are simply not written (as Cassandra does)
            fields = [(i, v) for i, v in enumerate(value) if v is not None]
            if fields:
                self._put_paths(row, col, fields, shadow)
        elif kind == "set":
            self._put_paths(row, col, [(e, True) for e in value], shadow)
        else:
            self._put_paths(row, col, list(value), shadow)

    def prepend(
        self, row: Row, col: Column, value: Any, shadow: int, first: int | None = None
    ) -> None:
        if not value:
            return
        if first is None:
            first = self.ctx.clock.next_seq(len(value))
        base = -(first + len(value))
        self._put_paths(row, col, [(base + i, v) for i, v in enumerate(value)], shadow)

    def _put_paths(self, row: Row, col: Column, pairs: list[tuple[Any, Any]], shadow: int) -> None:
        cc = self._complex(row, col)
        t = col.type
        floor = max(shadow, cc.deleted)
        if self.ts <= floor:
            return
        if t.kind == "udt":  # path: the field index; each field has its own type
            for index, v in pairs:
                new = self.cell(v)
                old = cc.items.get(index)
                if old is None or supersedes(new, old[1], serializer(t.params[index])):
                    cc.items[index] = (index, new)
            return
        pkey: Callable[[Any], Any] = _identity if t.kind == "list" else sort_key(t.params[0])
        vser = serializer(t.params[-1]) if t.kind != "set" else (lambda x: b"")
        for path, v in pairs:
            new = self.cell(v)
            k = pkey(path)
            old = cc.items.get(k)
            if old is None or supersedes(new, old[1], vser):
                cc.items[k] = (path, new)

    def remove_elements(self, row: Row, col: Column, value: Any, shadow: int) -> None:
        """`s = s - {..}`, `m = m - {keys}` (lists: see `list_paths_of`)."""
        if value:
            self._put_paths(row, col, [(e, None) for e in value], shadow)

    def set_field(self, row: Row, col: Column, index: int, value: Any, shadow: int) -> None:
        """`u.f = v` on a non-frozen UDT (v None deletes the field)."""
        self._put_paths(row, col, [(index, value)], shadow)

    def put_path(self, row: Row, col: Column, path: Any, value: Any, shadow: int) -> None:
        """One element by its path: a map key, a set element, a list's
        element key (v None deletes it)."""
        self._put_paths(row, col, [(path, value)], shadow)

    def delete_paths(self, row: Row, col: Column, paths: list[Any], shadow: int) -> None:
        self._put_paths(row, col, [(p, None) for p in paths], shadow)

    # --- reads of a list (resolved before anything is applied) ----------------

    def list_path(self, row: Row, col: Column, index: Any, action: str) -> Any:
        """The element key of `l[index]` in the row as it is now."""
        cc = row.cells.get(col.name)
        items = cc.live_items(self.now) if type(cc) is ComplexCell else []
        if not items:
            raise InvalidRequest(f"Attempted to {action} a list which is null")
        if not 0 <= index < len(items):
            raise InvalidRequest(f"List index {index} out of bound, list has size {len(items)}")
        return items[index][0]

    def list_paths_of(self, row: Row, col: Column, values: Any) -> list[Any]:
        """The element keys of every occurrence of `values` (`l = l - [..]`)."""
        cc = row.cells.get(col.name)
        if type(cc) is not ComplexCell or not values:
            return []
        ek = sort_key(col.type.params[0])
        drop = {ek(v) for v in values}
        return [p for p, c in cc.live_items(self.now) if ek(c.value) in drop]


def _identity(x: Any) -> Any:
    return x


def _marker_wins(new: Cell, old: Cell) -> bool:
    if new.ts != old.ts:
        return new.ts > old.ts
    if (new.expires is None) != (old.expires is None):
        return new.expires is not None
    return (new.expires or 0) >= (old.expires or 0)
