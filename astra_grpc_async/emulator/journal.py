"""Durability for `--data-dir`: a statement log and a snapshot in SQLite.

SQLite in WAL mode with synchronous=FULL is a crash-safe, fsync'd commit
log. Every request that changed state is appended with the coordinator clock
it ran with; on start the latest snapshot is loaded and the log after it is
replayed through the engine, which is deterministic given (request,
now_micros). Commits run on a worker thread and are grouped: every request
that arrives while a commit is in progress joins the next one, so durability
does not serialise the server.

Compaction: once the log since the last snapshot outgrows the live data, the
engine's state is dumped and written in the same transaction that deletes
the log it covers, so a restart costs live data plus a short tail.

A failed commit fails every write not yet committed (they ran on top of each
other) and calls `on_rollback`, which rebuilds the engine from what is on
disk; the committer carries on with later writes.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

from .datadir import DataDir
from .startup import EmulatorStartError

log = logging.getLogger("astra_grpc_async.emulator.journal")

QUERY = 0
BATCH = 1
_SNAPSHOT = -1  # a pending item that is a snapshot, not a logged request

FILE = "emulator.sqlite3"
_CHUNK = 64 * 1024 * 1024  # snapshot rows: well under SQLite's 1 GB blob limit
COMPACT_MIN_RECORDS = 2_000
COMPACT_MIN_BYTES = 8 * 1024 * 1024

# Test hooks for a subprocess: commits fail while the file FAIL_COMMITS names
# exists (a full disk), each commit takes COMMIT_DELAY seconds (a slow disk),
# and COMPACT_RECORDS lowers the compaction threshold.
FAIL_COMMITS_ENV = "ASTRA_GRPC_EMULATOR_FAIL_COMMITS"
COMMIT_DELAY_ENV = "ASTRA_GRPC_EMULATOR_COMMIT_DELAY"
COMPACT_RECORDS_ENV = "ASTRA_GRPC_EMULATOR_COMPACT_RECORDS"

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS log (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        kind INTEGER NOT NULL,
        now_micros INTEGER NOT NULL,
        payload BLOB NOT NULL
    )""",
    "CREATE TABLE IF NOT EXISTS snapshot (part INTEGER PRIMARY KEY, data BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)",
)


class Replayer(Protocol):
    def __call__(self, kind: int, payload: bytes, now_micros: int) -> None: ...


class CommitFailed(Exception):
    """The commit this write (or a write it saw) belonged to failed: `reason`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class BadRecord(EmulatorStartError):
    """A logged request that cannot be replayed."""


@dataclass(slots=True)
class Record:
    seq: int
    kind: int
    now_micros: int
    payload: bytes


@dataclass(slots=True)
class _Item:
    kind: int
    now_micros: int
    payload: bytes
    fut: asyncio.Future[None] | None  # None: a snapshot
    rows: int = 0  # a snapshot: live rows it holds


Describe = Callable[[Record], str]
SnapshotSource = Callable[[], tuple[bytes, int]]


class Journal:
    def __init__(self, data_dir: DataDir) -> None:
        self.data_dir = data_dir
        self.path = data_dir.file(FILE)
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA auto_vacuum=INCREMENTAL")  # new files: compaction shrinks
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            for ddl in _SCHEMA:
                self._db.execute(ddl)
            meta = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.Error as exc:
            raise EmulatorStartError(
                f"data dir {data_dir.path}: {FILE} cannot be used as a journal: {exc}"
            ) from None
        self._pending: list[_Item] = []
        self._last: asyncio.Future[None] | None = None  # the newest record not yet committed
        self._wakeup: asyncio.Event | None = None
        self._idle: asyncio.Event | None = None  # set while nothing is pending or being written
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self._db_closed = False
        self.on_rollback: Callable[[], None] | None = None
        self.snapshot_source: SnapshotSource | None = None
        self.compact_min_records = int(os.environ.get(COMPACT_RECORDS_ENV) or COMPACT_MIN_RECORDS)
        self._snapshot_rows = int(meta.get("snapshot_rows", 0))
        self._snapshot_bytes = int(meta.get("snapshot_bytes", 0))
        self._since_records = 0  # appended since the last snapshot
        self._since_bytes = 0
        self._snapshot_queued = False
        self.commits = 0  # how many commits (groups) were written
        self.records = 0  # requests committed by this process
        self.snapshots = 0  # snapshots committed by this process
        self.failures = 0  # failed commits
        self.replayed = 0  # log records replayed by the last replay()

    # --- reading ------------------------------------------------------------

    def load_snapshot(self) -> bytes | None:
        parts = self._db.execute("SELECT data FROM snapshot ORDER BY part").fetchall()
        return b"".join(p for (p,) in parts) if parts else None

    def _records(self) -> Iterator[Record]:
        for row in self._db.execute("SELECT seq, kind, now_micros, payload FROM log ORDER BY seq"):
            yield Record(*row)

    def replay(self, apply: Replayer, describe: Describe, *, skip_bad: bool = False) -> int:
        """Apply every logged request after the snapshot, in order; returns
        how many. One that fails raises BadRecord naming it, or with
        `skip_bad` is logged in one line and skipped."""
        count = size = 0
        for rec in self._records():
            try:
                apply(rec.kind, rec.payload, rec.now_micros)
            except Exception as exc:
                why = _one_line(getattr(exc, "message", None) or str(exc) or type(exc).__name__)
                what = f"journal record {rec.seq} ({describe(rec)}) in {self.path}"
                if not skip_bad:
                    raise BadRecord(
                        f"{what} cannot be replayed: {why}; "
                        "start with --skip-bad-records to skip it"
                    ) from None
                log.warning("%s skipped: cannot be replayed: %s", what, why)
            count += 1
            size += len(rec.payload)
        self.replayed = count
        self._since_records, self._since_bytes = count, size
        return count

    # --- writing ------------------------------------------------------------

    def record(self, kind: int, payload: bytes, now_micros: int) -> asyncio.Future[None]:
        """Append now (keeping execution order); await the result to know it is durable."""
        if self._closed:
            raise CommitFailed("the emulator is shutting down")
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append(_Item(kind, now_micros, payload, fut))
        self._last = fut
        self._since_records += 1
        self._since_bytes += len(payload)
        self._kick()
        return fut

    def barrier(self) -> asyncio.Future[None] | None:
        """The commit an answer must wait for: that of the newest write it
        could have observed (None: everything it saw is durable)."""
        last = self._last
        return None if last is None or last.done() else last

    def _kick(self) -> None:
        if self._task is None:
            self._wakeup = asyncio.Event()
            self._idle = asyncio.Event()
            self._task = asyncio.get_running_loop().create_task(
                self._committer(), name="emulator-journal"
            )
        assert self._wakeup is not None and self._idle is not None
        self._idle.clear()
        self._wakeup.set()

    def _write(self, group: list[_Item]) -> None:
        db = self._db
        compacted = False
        db.execute("BEGIN")
        try:
            for item in group:
                if item.fut is not None:
                    db.execute(
                        "INSERT INTO log (kind, now_micros, payload) VALUES (?, ?, ?)",
                        (item.kind, item.now_micros, item.payload),
                    )
                else:  # the snapshot covers everything logged before it
                    blob = item.payload
                    db.execute("DELETE FROM log")
                    db.execute("DELETE FROM snapshot")
                    chunks = range(0, len(blob), _CHUNK)
                    db.executemany(
                        "INSERT INTO snapshot (part, data) VALUES (?, ?)",
                        ((i, blob[at : at + _CHUNK]) for i, at in enumerate(chunks)),
                    )
                    db.executemany(
                        "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                        (("snapshot_rows", item.rows), ("snapshot_bytes", len(blob))),
                    )
                    compacted = True
            _test_hooks()
            db.execute("COMMIT")  # fsync'd: synchronous=FULL
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        if compacted:  # give the space back: the WAL and the freed pages
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            db.execute("PRAGMA incremental_vacuum")

    async def _committer(self) -> None:
        assert self._wakeup is not None and self._idle is not None
        while True:
            if not self._pending:
                self._idle.set()
                await self._wakeup.wait()
            self._wakeup.clear()
            while self._pending:
                group, self._pending = self._pending, []
                try:
                    await asyncio.to_thread(self._write, group)
                except asyncio.CancelledError:
                    self._fail(group, "the emulator is shutting down", rollback=False)
                    raise
                except Exception as exc:
                    self._fail(group, _one_line(str(exc) or type(exc).__name__))
                    continue
                self.commits += 1
                for item in group:
                    if item.fut is None:
                        self.snapshots += 1
                        self._snapshot_queued = False
                        self._snapshot_rows, self._snapshot_bytes = item.rows, len(item.payload)
                    else:
                        self.records += 1
                        if not item.fut.done():
                            item.fut.set_result(None)
                self._maybe_snapshot()

    def _fail(self, group: list[_Item], reason: str, *, rollback: bool = True) -> None:
        # later writes ran on top of the failed ones: they fail too
        failed = group + self._pending
        self._pending = []
        self._last = None
        self._snapshot_queued = False
        self.failures += 1
        err = CommitFailed(reason)
        writes = 0
        for item in failed:
            if item.fut is not None:
                writes += 1
                if not item.fut.done():
                    item.fut.set_exception(err)
                    item.fut.exception()  # whoever awaits it sees it; nobody else must
        if not rollback:
            return
        log.error("journal commit failed (%s): %d write(s) failed and rolled back", reason, writes)
        if self.on_rollback is not None:
            try:
                self.on_rollback()
            except Exception:  # the committer must live on: later writes still get answers
                log.exception("rebuilding the engine from %s failed", self.path)

    def _maybe_snapshot(self) -> None:
        if self.snapshot_source is None or self._snapshot_queued or self._closed:
            return
        if self._since_records < max(self.compact_min_records, self._snapshot_rows) and (
            self._since_bytes < max(COMPACT_MIN_BYTES, self._snapshot_bytes)
        ):
            return
        # the state now is that of every record appended so far, committed or
        # pending; queued after them, the snapshot commits only if they do
        try:
            blob, rows = self.snapshot_source()
        except Exception:  # no compaction then, but the journal goes on
            log.exception("snapshot of the engine failed: the journal is no longer compacted")
            self.snapshot_source = None
            return
        self._pending.append(_Item(_SNAPSHOT, 0, blob, None, rows))
        self._snapshot_queued = True
        self._since_records = self._since_bytes = 0
        self._kick()

    def compact_soon(self) -> None:
        """Check the compaction threshold now (after a replay, say)."""
        self._maybe_snapshot()

    def logged(self) -> int:
        """Records in the log (after the snapshot)."""
        return int(self._db.execute("SELECT COUNT(*) FROM log").fetchone()[0])

    async def aclose(self) -> None:
        if self._db_closed:
            return
        self._closed = True  # no new records, no new snapshots
        try:
            if self._idle is not None:  # let what is pending (or being written) commit
                await self._idle.wait()
        finally:
            if self._task is not None:
                self._task.cancel()
                await asyncio.wait([self._task])
                self._task = None
            self._db_closed = True
            self._db.close()


def _test_hooks() -> None:
    delay = os.environ.get(COMMIT_DELAY_ENV)
    if delay:
        time.sleep(float(delay))
    fail = os.environ.get(FAIL_COMMITS_ENV)
    if fail and os.path.exists(fail):
        raise sqlite3.OperationalError("database or disk is full")


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
