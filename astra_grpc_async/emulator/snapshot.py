"""The engine's whole state as bytes, and back: what journal compaction
stores so that a restart loads live data instead of replaying history.

The state is the catalog (schema and every partition, tombstones included)
and the clock (write timestamps and the sequence behind list element keys
and generated uuids), pickled. Derived helpers are left out and rebuilt:
a table's sort-key and serializer functions, and the engine's plan caches.
The pickle is the emulator's own file in its own data dir, read only by the
emulator that wrote it.
"""

from __future__ import annotations

import copyreg
import io
import pickle
from typing import Any

from .engine import Engine
from .engine.catalog import Catalog
from .engine.context import Clock
from .engine.store import BOTTOM, TOP, TableData
from .engine.system import SystemTables

__all__ = ["dump", "live_rows", "load"]

FORMAT = 1
_DERIVED = ("_ck_fns", "serializers")  # rebuilt from the table's clustering columns


def _blank_table_data() -> TableData:
    return TableData.__new__(TableData)


def _reduce_table_data(obj: TableData) -> Any:
    return (_blank_table_data, (), {k: v for k, v in vars(obj).items() if k not in _DERIVED})


# per-type reducers (a lookup per type, not a Python call per object); the
# clustering sentinels pickle by name: their identity matters (`other is self`)
_REDUCERS: dict[type, Any] = {
    **copyreg.dispatch_table,
    type(TOP): lambda _: "TOP",
    type(BOTTOM): lambda _: "BOTTOM",
    TableData: _reduce_table_data,
}


def dump(engine: Engine) -> bytes:
    out = io.BytesIO()
    pickler = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _REDUCERS
    pickler.dump((FORMAT, engine.catalog, engine.clock.snapshot()))
    return out.getvalue()


def load(data: bytes) -> Engine:
    """A fresh engine holding the dumped state."""
    fmt, catalog, clock = pickle.loads(data)
    if fmt != FORMAT or not isinstance(catalog, Catalog):
        raise ValueError(f"unknown snapshot format {fmt!r}")
    for ks in catalog.keyspaces.values():
        for table in ks.tables.values():
            table.data.set_clustering(
                [c.type for c in table.clustering], [c.descending for c in table.clustering]
            )
    engine = Engine()
    engine.catalog = catalog
    engine.system = SystemTables(catalog)
    engine.clock = Clock()
    engine.clock.restore(clock)
    return engine


def live_rows(engine: Engine) -> int:
    """Rows held (partitions count as one each): the size of what a snapshot holds."""
    total = 0
    for ks in engine.catalog.keyspaces.values():
        for table in ks.tables.values():
            for part in table.data.by_key.values():
                total += 1 + len(part.rows)
    return total
