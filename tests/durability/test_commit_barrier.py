"""With --data-dir nothing a client is told may rest on a write that is not
durable yet: reads and LWT conditions answer only once every write they could
have observed is committed. Checked across kill -9 cycles on a slow disk
(each commit takes 50 ms), where the window is wide open, with compaction
into snapshots going on meanwhile."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest
from emulator_process import TOKEN, EmulatorProcess, start

import astra_grpc_async as aga
from astra_grpc_async.emulator import journal

CYCLES = 3
OBSERVATIONS_PER_CYCLE = 25
WRITERS = 8


class Promises:
    def __init__(self) -> None:
        self.observed: set[int] = set()  # a read returned the row, or an LWT found it
        self.acknowledged: set[int] = set()  # an INSERT (plain or IF NOT EXISTS) succeeded
        self.issued = -1  # the newest key a writer sent: most likely not committed yet

    async def check(self, client: aga.Client) -> None:
        present = {r["k"] async for r in client.stream("SELECT k FROM d.t", page_size=5000)}
        assert self.observed - present == set(), "reads saw rows a restart does not have"
        assert self.acknowledged - present == set(), "acknowledged writes were lost"


async def _load_then_kill(proc: EmulatorProcess, c: aga.Client, p: Promises, cycle: int) -> None:
    """Writers, a reader and an LWT chase the newest key; kill -9 once enough
    rows were observed (answers in flight then are never sent)."""
    enough = asyncio.Event()
    seen = 0

    def saw(k: int) -> None:
        nonlocal seen
        p.observed.add(k)
        seen += 1
        if seen >= OBSERVATIONS_PER_CYCLE:
            enough.set()

    async def writer() -> None:
        while True:
            p.issued += 1
            k = p.issued
            await c.execute("INSERT INTO d.t (k, v) VALUES (?, ?)", [k, cycle])
            p.acknowledged.add(k)

    async def reader() -> None:
        while True:
            k = p.issued
            if (await c.execute("SELECT k FROM d.t WHERE k = ?", [k])).first() is not None:
                saw(k)

    async def conditional() -> None:
        while True:
            k = p.issued
            result = await c.execute("INSERT INTO d.t (k, v) VALUES (?, -1) IF NOT EXISTS", [k])
            if result.applied:
                p.acknowledged.add(k)
            else:
                saw(k)

    tasks = [asyncio.create_task(writer()) for _ in range(WRITERS)]
    tasks += [asyncio.create_task(reader()), asyncio.create_task(conditional())]
    waiter = asyncio.create_task(enough.wait())
    try:
        done, _ = await asyncio.wait([waiter, *tasks], return_when=asyncio.FIRST_COMPLETED)
        for t in done - {waiter}:
            t.result()  # a load task failed before the kill: show why
        await proc.kill()
    finally:
        for t in [waiter, *tasks]:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError, aga.errors.AgaError):
                await t


@pytest.mark.timeout(180)
async def test_reads_and_conditions_never_see_an_uncommitted_write(tmp_path: Path) -> None:
    env = {journal.COMMIT_DELAY_ENV: "0.05", journal.COMPACT_RECORDS_ENV: "40"}
    promises = Promises()
    for cycle in range(CYCLES + 1):
        proc = await start(tmp_path, env=env)
        try:
            async with aga.Client(proc.endpoint, token=TOKEN, timeout=60) as c:
                if cycle == 0:
                    await c.execute(
                        "CREATE KEYSPACE d WITH replication = "
                        "{'class': 'SimpleStrategy', 'replication_factor': 1}"
                    )
                    await c.execute("CREATE TABLE d.t (k int PRIMARY KEY, v int)")
                await promises.check(c)
                if cycle < CYCLES:
                    await _load_then_kill(proc, c, promises, cycle)
        finally:
            await proc.kill()
    assert len(promises.observed) >= CYCLES * OBSERVATIONS_PER_CYCLE // 2
