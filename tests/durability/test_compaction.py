"""The journal is compacted into a snapshot, so a restart replays live data
plus a short tail rather than the whole history; what it rebuilds is exactly
what was served (values, deletions, list order, counters, the clock)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from emulator_process import TOKEN, start

import astra_grpc_async as aga
from astra_grpc_async.emulator import journal

KEYS = 20
OVERWRITES = 600
APPENDS = 120


def _logged(data_dir: Path) -> int:
    db = sqlite3.connect(data_dir / "emulator.sqlite3")
    try:
        return int(db.execute("SELECT COUNT(*) FROM log").fetchone()[0])
    finally:
        db.close()


async def test_journal_is_compacted_and_a_restart_rebuilds_the_same_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(journal.COMPACT_RECORDS_ENV, "50")
    async with aga.emulator.serve(port=0, data_dir=tmp_path) as server:
        async with aga.Client(server.endpoint, token=server.token) as c:
            await c.execute(
                "CREATE KEYSPACE k WITH replication = "
                "{'class': 'SimpleStrategy', 'replication_factor': 1}"
            )
            await c.execute("CREATE TABLE k.t (k int PRIMARY KEY, v int, l list<int>)")
            await c.execute("CREATE TABLE k.c (k int PRIMARY KEY, n counter)")
            await c.execute_many(
                "UPDATE k.t SET v = ? WHERE k = ?",
                [(i, i % KEYS) for i in range(OVERWRITES)],
                concurrency=1,  # in order: the last value per key is known
            )
            for i in range(APPENDS):  # list element order comes from the clock
                await c.execute("UPDATE k.t SET l = l + [?] WHERE k = 0", [i])
                await c.execute("UPDATE k.c SET n = n + 1 WHERE k = 0")
            await c.execute("DELETE FROM k.t WHERE k = ?", [KEYS - 1])
            served = {r["k"]: r["v"] async for r in c.stream("SELECT k, v FROM k.t")}
            assert server.journal is not None and server.journal.snapshots >= 1
    written = 3 + OVERWRITES + 2 * APPENDS + 1
    assert _logged(tmp_path) < written // 4  # the history is gone from the journal

    async with aga.emulator.serve(port=0, data_dir=tmp_path) as again:
        assert again.journal is not None and again.journal.replayed < written // 4
        async with aga.Client(again.endpoint, token=again.token) as c:
            rows = {r["k"]: r["v"] async for r in c.stream("SELECT k, v FROM k.t")}
            assert rows == served
            assert rows == {k: OVERWRITES - KEYS + k for k in range(KEYS - 1)}
            await c.execute("UPDATE k.t SET l = l + [?] WHERE k = 0", [APPENDS])
            assert (await c.execute("SELECT l FROM k.t WHERE k = 0")).scalar() == list(
                range(APPENDS + 1)
            )
            assert (await c.execute("SELECT n FROM k.c WHERE k = 0")).scalar() == APPENDS
            # the schema came back from the snapshot too
            with pytest.raises(aga.errors.AlreadyExistsError):
                await c.execute("CREATE TABLE k.c (k int PRIMARY KEY)")


async def test_compaction_survives_kill_9(tmp_path: Path) -> None:
    env = {journal.COMPACT_RECORDS_ENV: "20"}
    proc = await start(tmp_path, env=env)
    try:
        async with aga.Client(proc.endpoint, token=TOKEN) as c:
            await c.execute(
                "CREATE KEYSPACE k WITH replication = "
                "{'class': 'SimpleStrategy', 'replication_factor': 1}"
            )
            await c.execute("CREATE TABLE k.t (k int PRIMARY KEY, v int)")
            # concurrent overwrites, snapshots taken while commits are in flight
            await c.execute_many(
                "UPDATE k.t SET v = ? WHERE k = ?", [(i, i % 7) for i in range(300)], concurrency=16
            )
            served = {r["k"]: r["v"] async for r in c.stream("SELECT k, v FROM k.t")}
    finally:
        await proc.kill()
    assert _logged(tmp_path) < 100
    proc = await start(tmp_path, env=env)
    try:
        async with aga.Client(proc.endpoint, token=TOKEN) as c:
            assert {r["k"]: r["v"] async for r in c.stream("SELECT k, v FROM k.t")} == served
    finally:
        await proc.kill()
