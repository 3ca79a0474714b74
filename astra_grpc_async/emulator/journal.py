"""Durability for `--data-dir`: a statement log in SQLite.

SQLite in WAL mode with synchronous=FULL is a crash-safe, fsync'd commit
log. Every request that changed state is appended with the coordinator clock
it ran with; on start the log is replayed through the engine, which is
deterministic given (request, now_micros). A write is acknowledged only
after its commit returns. Commits run on a worker thread and are grouped:
every request that arrives while a commit is in progress joins the next one,
so durability does not serialise the server.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path
from typing import Protocol

log = logging.getLogger("astra_grpc_async.emulator.journal")

QUERY = 0
BATCH = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind INTEGER NOT NULL,
    now_micros INTEGER NOT NULL,
    payload BLOB NOT NULL
)
"""


class Replayer(Protocol):
    def __call__(self, kind: int, payload: bytes, now_micros: int) -> None: ...


class Journal:
    def __init__(self, data_dir: str | Path) -> None:
        path = Path(data_dir)
        path.mkdir(parents=True, exist_ok=True)
        self.path = path / "emulator.sqlite3"
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute(_SCHEMA)
        self._pending: list[tuple[int, int, bytes, asyncio.Future[None]]] = []
        self._wakeup: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self.commits = 0  # how many commits (groups) were written
        self.records = 0

    def replay(self, apply: Replayer) -> int:
        """Apply every logged request in order; returns how many."""
        count = 0
        for kind, now_micros, payload in self._db.execute(
            "SELECT kind, now_micros, payload FROM log ORDER BY seq"
        ):
            try:
                apply(kind, payload, now_micros)
            except Exception:  # logged requests succeeded once; keep going
                log.exception("replay of a logged request failed")
            count += 1
        return count

    def record(self, kind: int, payload: bytes, now_micros: int) -> asyncio.Future[None]:
        """Append now (keeping execution order); await the result to know it is durable."""
        if self._closed:
            raise RuntimeError("journal closed")
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[None] = loop.create_future()
        self._pending.append((kind, now_micros, payload, fut))
        if self._task is None:
            self._wakeup = asyncio.Event()
            self._task = loop.create_task(self._committer(), name="emulator-journal")
        assert self._wakeup is not None
        self._wakeup.set()
        return fut

    def _write(self, rows: list[tuple[int, int, bytes]]) -> None:
        with self._db:  # BEGIN ... COMMIT (fsync'd: synchronous=FULL)
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT INTO log (kind, now_micros, payload) VALUES (?, ?, ?)", rows
            )

    async def _committer(self) -> None:
        assert self._wakeup is not None
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._pending:
                group, self._pending = self._pending, []
                rows = [(k, n, p) for k, n, p, _ in group]
                try:
                    await asyncio.to_thread(self._write, rows)
                except BaseException as exc:
                    for *_, fut in group:
                        if not fut.done():
                            fut.set_exception(
                                exc if isinstance(exc, Exception) else RuntimeError("cancelled")
                            )
                    raise
                self.commits += 1
                self.records += len(rows)
                for *_, fut in group:
                    if not fut.done():
                        fut.set_result(None)

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._pending and self._wakeup is not None:
            self._wakeup.set()
            await asyncio.gather(*(f for *_, f in self._pending), return_exceptions=True)
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait([self._task])
            self._task = None
        self._db.close()
