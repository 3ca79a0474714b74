"""Partitions, rows and cells of one table, kept sorted.

Partitions live in a SortedDict keyed by (token, serialized key) -- the ring
order Cassandra scans in -- plus a dict by serialized key for direct lookups.
Rows live in a SortedDict per partition keyed by the clustering sort key
(descending columns wrapped in `Desc`).

Deletions are applied eagerly: a tombstone removes the data it shadows when
it is written and is remembered (partition, row, range and collection
deletion timestamps) so that a later write with an older timestamp is
dropped on arrival. Reads therefore only check TTL expiry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from sortedcontainers import SortedDict

from .types import CType
from .values import serializer, sort_key

__all__ = [
    "BOTTOM",
    "NO_TS",
    "TOP",
    "Cell",
    "ComplexCell",
    "Desc",
    "Partition",
    "Row",
    "TableData",
]

NO_TS = -(2**63) - 1  # "never deleted": older than any write timestamp


class _Top:
    """Sorts after everything: `prefix + (TOP,)` ends a clustering prefix."""

    __slots__ = ()

    def __lt__(self, other: object) -> bool:
        return False

    def __le__(self, other: object) -> bool:
        return other is self

    def __gt__(self, other: object) -> bool:
        return other is not self

    def __ge__(self, other: object) -> bool:
        return True

    def __repr__(self) -> str:
        return "TOP"


class _Bottom:
    __slots__ = ()

    def __lt__(self, other: object) -> bool:
        return other is not self

    def __le__(self, other: object) -> bool:
        return True

    def __gt__(self, other: object) -> bool:
        return False

    def __ge__(self, other: object) -> bool:
        return other is self

    def __repr__(self) -> str:
        return "BOTTOM"


TOP: Any = _Top()
BOTTOM: Any = _Bottom()


class Desc:
    """Reverses the order of a clustering component (CLUSTERING ORDER DESC)."""

    __slots__ = ("k",)

    def __init__(self, k: Any) -> None:
        self.k = k

    def __lt__(self, other: object) -> bool:
        if isinstance(other, Desc):
            return bool(other.k < self.k)
        return NotImplemented

    def __le__(self, other: object) -> bool:
        if isinstance(other, Desc):
            return bool(other.k <= self.k)
        return NotImplemented

    def __gt__(self, other: object) -> bool:
        if isinstance(other, Desc):
            return bool(other.k > self.k)
        return NotImplemented

    def __ge__(self, other: object) -> bool:
        if isinstance(other, Desc):
            return bool(other.k >= self.k)
        return NotImplemented

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Desc) and bool(self.k == other.k)

    def __hash__(self) -> int:
        return hash(self.k)

    def __repr__(self) -> str:
        return f"Desc({self.k!r})"


class Cell:
    """One value with its write timestamp (µs). value None is a tombstone.
    expires: local expiry in seconds (for a tombstone: its deletion time)."""

    __slots__ = ("expires", "ts", "ttl", "value", "wire")

    def __init__(self, value: Any, ts: int, ttl: int = 0, expires: int | None = None) -> None:
        self.value = value
        self.ts = ts
        self.ttl = ttl
        self.expires = expires
        self.wire: bytes | None = None  # cached encoded result value (see wire.py)

    def live(self, now: int) -> bool:
        return self.value is not None and (self.expires is None or now < self.expires)

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Cell({self.value!r}, ts={self.ts}, ttl={self.ttl}, expires={self.expires})"


def supersedes(new: Cell, old: Cell, ser: Callable[[Any], bytes]) -> bool:
    """Cassandra's cell reconciliation: does `new` win over `old`?"""
    if new.ts != old.ts:
        return new.ts > old.ts
    new_del = new.expires is not None
    old_del = old.expires is not None
    if new_del or old_del:
        if new_del != old_del:
            return new_del
        new_tomb = new.value is None
        old_tomb = old.value is None
        if new_tomb != old_tomb:
            return new_tomb
        if new.expires != old.expires:
            return (new.expires or 0) > (old.expires or 0)
    if new.value is None or old.value is None:
        return True
    return ser(new.value) >= ser(old.value)


class ComplexCell:
    """A non-frozen collection: one cell per element keyed by its path
    (list: an ordering int, set: the element, map: the key)."""

    __slots__ = ("deleted", "items")

    def __init__(self) -> None:
        self.deleted = NO_TS
        self.items: SortedDict = SortedDict()  # path sort key -> (path, Cell)

    def live_items(self, now: int) -> list[tuple[Any, Cell]]:
        return [(p, c) for p, c in self.items.values() if c.live(now)]

    def delete(self, ts: int) -> None:
        if ts > self.deleted:
            self.deleted = ts
        dead = [k for k, (_, c) in self.items.items() if c.ts <= ts]
        for k in dead:
            del self.items[k]


class Row:
    __slots__ = ("cells", "clustering", "deleted", "marker", "wire")

    def __init__(self, clustering: tuple[Any, ...]) -> None:
        self.clustering = clustering
        self.wire: dict[int, bytes] | None = None  # encoded clustering values by position
        self.marker: Cell | None = None
        self.deleted = NO_TS
        self.cells: dict[str, Cell | ComplexCell] = {}

    def live(self, now: int) -> bool:
        m = self.marker
        if m is not None and m.live(now):
            return True
        for c in self.cells.values():
            if type(c) is Cell:
                if c.live(now):
                    return True
            elif any(x.live(now) for _, x in c.items.values()):  # type: ignore[union-attr]
                return True
        return False

    def delete(self, ts: int) -> None:
        """Apply a row tombstone: drop everything written at or before ts."""
        if ts > self.deleted:
            self.deleted = ts
        if self.marker is not None and self.marker.ts <= ts:
            self.marker = None
        for name in list(self.cells):
            c = self.cells[name]
            if type(c) is Cell:
                if c.ts <= ts:
                    del self.cells[name]
            else:
                c.delete(ts)  # type: ignore[union-attr]
                if not c.items and c.deleted <= ts:  # type: ignore[union-attr]
                    del self.cells[name]


class RangeTombstone:
    """Deletes the clustering keys k with start <= k < end (sort-key space;
    None is unbounded)."""

    __slots__ = ("end", "start", "ts")

    def __init__(self, start: tuple[Any, ...] | None, end: tuple[Any, ...] | None, ts: int) -> None:
        self.start = start
        self.end = end
        self.ts = ts

    def covers(self, key: tuple[Any, ...]) -> bool:
        return (self.start is None or key >= self.start) and (self.end is None or key < self.end)


class Partition:
    __slots__ = ("deleted", "key", "keybytes", "ranges", "rows", "static", "token", "wire")

    def __init__(self, key: tuple[Any, ...], keybytes: bytes, token: int) -> None:
        self.key = key
        self.wire: dict[int, bytes] | None = None  # encoded key values by position
        self.keybytes = keybytes
        self.token = token
        self.static = Row(())
        self.rows: SortedDict = SortedDict()  # clustering sort key -> Row
        self.deleted = NO_TS
        self.ranges: list[RangeTombstone] = []

    def shadow(self, ck: tuple[Any, ...] | None, row: Row | None) -> int:
        """The newest deletion covering a row (ck None: the static row)."""
        ts = self.deleted
        if row is not None and row.deleted > ts:
            ts = row.deleted
        if ck is not None:
            for rt in self.ranges:
                if rt.ts > ts and rt.covers(ck):
                    ts = rt.ts
        return ts

    def delete(self, ts: int) -> None:
        if ts > self.deleted:
            self.deleted = ts
        self.static.delete(ts)
        for row in self.rows.values():
            row.delete(ts)

    def delete_range(
        self, start: tuple[Any, ...] | None, end: tuple[Any, ...] | None, ts: int
    ) -> None:
        self.ranges.append(RangeTombstone(start, end, ts))
        rows = self.rows.irange(start, end, inclusive=(True, False))
        for k in list(rows):
            self.rows[k].delete(ts)

    def has_live_rows(self, now: int) -> bool:
        return any(r.live(now) for r in self.rows.values())


class TableData:
    """All partitions of one table."""

    def __init__(self, clustering_types: list[CType], descending: list[bool]) -> None:
        self.partitions: SortedDict = SortedDict()  # (token, keybytes) -> Partition
        self.by_key: dict[bytes, Partition] = {}
        self.set_clustering(clustering_types, descending)

    def set_clustering(self, types: list[CType], descending: list[bool]) -> None:
        keys = [sort_key(t) for t in types]
        self._ck_fns: list[tuple[Callable[[Any], Any], bool]] = list(
            zip(keys, descending, strict=True)
        )
        self.serializers = [serializer(t) for t in types]

    def component_key(self, i: int, value: Any) -> Any:
        fn, desc = self._ck_fns[i]
        k = fn(value)
        return Desc(k) if desc else k

    def ck_key(self, values: tuple[Any, ...]) -> tuple[Any, ...]:
        out = []
        for (fn, desc), v in zip(self._ck_fns, values, strict=False):
            k = fn(v)
            out.append(Desc(k) if desc else k)
        return tuple(out)

    def get(self, keybytes: bytes) -> Partition | None:
        return self.by_key.get(keybytes)

    def get_or_create(self, key: tuple[Any, ...], keybytes: bytes, token: int) -> Partition:
        p = self.by_key.get(keybytes)
        if p is None:
            p = Partition(key, keybytes, token)
            self.by_key[keybytes] = p
            self.partitions[(token, keybytes)] = p
        return p

    def row_for_write(self, part: Partition, ck: tuple[Any, ...]) -> tuple[Row, int]:
        """The row (created if missing) and the deletion timestamp shadowing it."""
        key = self.ck_key(ck)
        row = part.rows.get(key)
        if row is None:
            row = Row(ck)
            part.rows[key] = row
        return row, part.shadow(key, row)

    def scan(
        self, start: tuple[int, bytes] | None = None, inclusive: bool = True
    ) -> Iterator[Partition]:
        it = self.partitions.irange(minimum=start, inclusive=(inclusive, True))
        parts = self.partitions
        for k in it:
            yield parts[k]

    def truncate(self) -> None:
        self.partitions.clear()
        self.by_key.clear()

    def clear_wire(self) -> None:
        """Forget every cached encoded value: after ALTER TYPE the same stored
        value encodes differently (renamed or added UDT fields)."""
        for p in self.by_key.values():
            p.wire = None
            for row in (p.static, *p.rows.values()):
                row.wire = None
                for c in row.cells.values():
                    if type(c) is Cell:
                        c.wire = None

    def drop_column(self, name: str) -> None:
        for p in self.by_key.values():
            p.static.cells.pop(name, None)
            for r in p.rows.values():
                r.cells.pop(name, None)
