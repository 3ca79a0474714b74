"""A journal commit that fails (a full disk) fails those writes at once with
WriteFailure, leaves none of them visible, and does not stop later writes
once the disk has room again."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from emulator_process import TOKEN, start

import astra_grpc_async as aga
from astra_grpc_async.emulator import journal

INSERT = "INSERT INTO d.t (k, v) VALUES (?, ?)"


async def _keys(client: aga.Client) -> set[int]:
    return {r["k"] async for r in client.stream("SELECT k FROM d.t")}


@pytest.mark.timeout(120)
async def test_failed_commit_fails_fast_rolls_back_and_recovers(tmp_path: Path) -> None:
    disk_full = tmp_path / "disk-full"
    data = tmp_path / "data"
    proc = await start(data, env={journal.FAIL_COMMITS_ENV: str(disk_full)})
    try:
        # a deadline far away: a write that waits for it instead of failing fails the test
        async with aga.Client(proc.endpoint, token=TOKEN, timeout=60) as c:
            await c.execute(
                "CREATE KEYSPACE d WITH replication = "
                "{'class': 'SimpleStrategy', 'replication_factor': 1}"
            )
            await c.execute("CREATE TABLE d.t (k int PRIMARY KEY, v int, l list<int>)")
            await c.execute(INSERT, [1, 1])

            disk_full.touch()
            with pytest.raises(aga.errors.WriteFailureError, match="disk is full"):
                await c.execute(INSERT, [2, 2])
            # concurrent writers whose commits are grouped all fail, each with its status
            outcomes = await asyncio.gather(
                *(c.execute(INSERT, [k, k]) for k in range(10, 20)),
                c.execute("INSERT INTO d.t (k, v) VALUES (3, 3) IF NOT EXISTS"),
                c.execute("UPDATE d.t SET l = l + [7] WHERE k = 1"),
                c.execute("CREATE TABLE d.u (k int PRIMARY KEY)"),
                return_exceptions=True,
            )
            assert all(isinstance(o, aga.errors.WriteFailureError) for o in outcomes), outcomes
            # none of them is visible: not to reads, not to conditions, not to the schema
            assert await _keys(c) == {1}
            assert (await c.execute("SELECT l FROM d.t WHERE k = 1")).scalar() is None
            # reads keep working while writes fail
            assert (await c.execute("SELECT v FROM d.t WHERE k = 1")).scalar() == 1

            disk_full.unlink()  # room again: writes succeed without a restart
            await c.execute(INSERT, [4, 4])
            applied = await c.execute("INSERT INTO d.t (k, v) VALUES (3, 30) IF NOT EXISTS")
            assert applied.applied is True
            await c.execute("UPDATE d.t SET l = l + [8] WHERE k = 1")
            await c.execute("CREATE TABLE d.u (k int PRIMARY KEY)")  # was rolled back
            assert await _keys(c) == {1, 3, 4}
    finally:
        await proc.kill()

    proc = await start(data)  # what a restart replays is what was served
    try:
        async with aga.Client(proc.endpoint, token=TOKEN, timeout=60) as c:
            assert await _keys(c) == {1, 3, 4}
            assert (await c.execute("SELECT v FROM d.t WHERE k = 3")).scalar() == 30
            assert (await c.execute("SELECT l FROM d.t WHERE k = 1")).scalar() == [8]
            await c.execute("SELECT k FROM d.u")
    finally:
        await proc.kill()


async def test_a_read_that_saw_a_failed_write_is_answered_without_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk_full = tmp_path / "disk-full"
    monkeypatch.setenv(journal.FAIL_COMMITS_ENV, str(disk_full))
    monkeypatch.setenv(journal.COMMIT_DELAY_ENV, "0.2")  # the read arrives mid-commit
    async with aga.emulator.serve(port=0, data_dir=tmp_path / "data") as server:
        async with aga.Client(server.endpoint, token=server.token, timeout=60) as c:
            await c.execute(
                "CREATE KEYSPACE d WITH replication = "
                "{'class': 'SimpleStrategy', 'replication_factor': 1}"
            )
            await c.execute("CREATE TABLE d.t (k int PRIMARY KEY, v int)")
            assert server.journal is not None
            recorded = asyncio.Event()  # the write ran (in memory), its commit is under way
            record = server.journal.record

            def record_and_tell(*args: Any) -> asyncio.Future[None]:
                recorded.set()
                return record(*args)

            monkeypatch.setattr(server.journal, "record", record_and_tell)
            disk_full.touch()
            write = asyncio.create_task(c.execute(INSERT, [5, 5]))
            await recorded.wait()
            # it is in memory now; the read must not be answered from that
            read = await c.execute("SELECT v FROM d.t WHERE k = 5")
            assert read.first() is None
            with pytest.raises(aga.errors.WriteFailureError):
                await write
