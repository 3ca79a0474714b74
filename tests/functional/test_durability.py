"""--data-dir: acknowledged writes survive a restart and a kill -9."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

import astra_grpc_async as aga

TOKEN = "durability-test-token"


async def _start(data_dir: Path) -> tuple[asyncio.subprocess.Process, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "astra_grpc_async.emulator",
        "--port", "0", "--token", TOKEN, "--data-dir", str(data_dir), "--quiet",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), 30)
    assert line.startswith(b"endpoint: "), line
    token_line = await asyncio.wait_for(proc.stdout.readline(), 5)
    assert token_line.strip() == f"token: {TOKEN}".encode()
    return proc, line.split(b" ", 1)[1].strip().decode()


async def _kill(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        os.kill(proc.pid, signal.SIGKILL)
    await proc.wait()
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            await stream.read()


@pytest.mark.timeout(90)
async def test_acknowledged_writes_survive_kill_9(tmp_path: Path) -> None:
    proc, endpoint = await _start(tmp_path)
    try:
        async with aga.Client(endpoint, token=TOKEN) as c:
            await c.execute(
                "CREATE KEYSPACE d WITH replication = "
                "{'class': 'SimpleStrategy', 'replication_factor': 1}"
            )
            await c.execute("CREATE TABLE d.t (id int PRIMARY KEY, v text)")
            # concurrent writers: their commits are grouped, each acknowledged after it is durable
            await c.execute_many(
                "INSERT INTO d.t (id, v) VALUES (?, ?)",
                [(i, f"v{i}") for i in range(300)],
                concurrency=50,
            )
            await c.execute("UPDATE d.t SET v = 'changed' WHERE id = 7")
            await c.execute("DELETE FROM d.t WHERE id = 8")
    finally:
        await _kill(proc)  # no clean shutdown: SIGKILL right after the last acknowledgement

    proc, endpoint = await _start(tmp_path)
    try:
        async with aga.Client(endpoint, token=TOKEN) as c:
            rows = {r["id"]: r["v"] async for r in c.stream("SELECT id, v FROM d.t", page_size=100)}
            assert len(rows) == 299
            assert rows[7] == "changed" and 8 not in rows
            assert all(rows[i] == f"v{i}" for i in rows if i != 7)
            # the schema came back too: a second CREATE is refused
            with pytest.raises(aga.errors.AlreadyExistsError):
                await c.execute("CREATE TABLE d.t (id int PRIMARY KEY)")
    finally:
        await _kill(proc)


async def test_in_process_restart_keeps_data(tmp_path: Path) -> None:
    async with aga.emulator.serve(port=0, data_dir=tmp_path) as server:
        async with aga.Client(server.endpoint, token=server.token) as c:
            await c.execute(
                "CREATE KEYSPACE k WITH replication = "
                "{'class': 'SimpleStrategy', 'replication_factor': 1}"
            )
            await c.execute("CREATE TABLE k.t (id int PRIMARY KEY, v int)")
            await asyncio.gather(
                *(c.execute("INSERT INTO k.t (id, v) VALUES (?, ?)", [i, i]) for i in range(50))
            )
        journal = server.journal
        assert journal is not None
        assert journal.records == 52
        assert journal.commits < journal.records  # concurrent commits were grouped
    async with aga.emulator.serve(port=0, data_dir=tmp_path) as again:
        async with aga.Client(again.endpoint, token=again.token) as c:
            assert (await c.execute("SELECT COUNT(*) FROM k.t")).scalar() == 50
