"""The data dir's rules: one emulator per data dir, a journal that cannot be
replayed refuses to start (naming the record) unless told to skip it, and an
unusable path is one line and exit status 1 -- never a traceback."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from emulator_process import EMULATOR, TOKEN, Exited, run_to_exit, start

import astra_grpc_async as aga
from astra_grpc_async._proto.stargate import query_pb2

KS = "CREATE KEYSPACE d WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"


def _refused(exited: Exited, *needles: str) -> str:
    assert exited.code == 1, exited
    assert len(exited.stderr_lines) == 1, exited.stderr
    line = exited.stderr_lines[0]
    for needle in needles:
        assert needle in line, line
    assert "Traceback" not in exited.stderr
    return line


def _argv(data_dir: Path | str, *extra: str) -> list[str]:
    return [*EMULATOR, "--port", "0", "--data-dir", str(data_dir), "--quiet", *extra]


async def test_a_second_emulator_on_the_same_data_dir_is_refused(tmp_path: Path) -> None:
    first = await start(tmp_path)
    try:
        async with aga.Client(first.endpoint, token=TOKEN) as c:
            await c.execute(KS)
            await c.execute("CREATE TABLE d.t (k int PRIMARY KEY)")
            _refused(await run_to_exit(_argv(tmp_path)), str(tmp_path), "in use")
            # in the same process too
            with pytest.raises(aga.emulator.EmulatorStartError, match="in use"):
                async with aga.emulator.serve(port=0, data_dir=tmp_path):
                    pass
            await c.execute("INSERT INTO d.t (k) VALUES (1)")  # the first one is untouched
            assert (await c.execute("SELECT COUNT(*) FROM d.t")).scalar() == 1
    finally:
        await first.kill()
    # the lock dies with its process: kill -9 leaves nothing to clean up
    again = await start(tmp_path)
    await again.kill()


async def test_a_data_dir_that_is_a_file(tmp_path: Path) -> None:
    path = tmp_path / "file"
    path.write_text("not a directory")
    _refused(await run_to_exit(_argv(path)), str(path), "not a directory")


def _unwritable(tmp_path: Path) -> tuple[Path, Path]:
    """(a path that cannot be created, a directory that cannot be written)"""
    if os.geteuid() == 0:  # root writes through permissions; sysfs refuses even root
        if not os.path.isdir("/sys/kernel"):
            pytest.skip("needs /sys to find an unwritable place as root")
        return Path("/sys/kernel/aga-emulator-data"), Path("/sys/kernel")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    return locked / "data", locked


async def test_a_data_dir_that_cannot_be_created_or_written(tmp_path: Path) -> None:
    cannot_create, cannot_write = _unwritable(tmp_path)
    _refused(await run_to_exit(_argv(cannot_create)), str(cannot_create), "cannot create")
    _refused(await run_to_exit(_argv(cannot_write)), str(cannot_write), "not writable")


async def test_a_journal_file_that_is_not_a_journal(tmp_path: Path) -> None:
    (tmp_path / "emulator.sqlite3").write_bytes(b"garbage " * 1000)
    _refused(await run_to_exit(_argv(tmp_path)), "emulator.sqlite3")


async def _five_rows(data_dir: Path) -> None:
    async with aga.emulator.serve(port=0, data_dir=data_dir) as server:
        async with aga.Client(server.endpoint, token=server.token) as c:
            await c.execute(KS)
            await c.execute("CREATE TABLE d.t (k int PRIMARY KEY)")
            for k in range(5):  # records 3..7
                await c.execute("INSERT INTO d.t (k) VALUES (?)", [k])


@pytest.mark.parametrize(
    "damage",
    [
        b"\xff\xfe not a protobuf message",
        # a well-formed request that cannot run (its table does not exist)
        query_pb2.Query(cql="INSERT INTO d.nope (k) VALUES (1)").SerializeToString(),
    ],
    ids=["garbage", "unreplayable"],
)
async def test_a_bad_record_refuses_start_unless_skipped(tmp_path: Path, damage: bytes) -> None:
    await _five_rows(tmp_path)
    db = sqlite3.connect(tmp_path / "emulator.sqlite3")
    with db:
        db.execute("UPDATE log SET payload = ? WHERE seq = 4", [damage])  # the row k = 1
    db.close()

    line = _refused(await run_to_exit(_argv(tmp_path)), "record 4", "--skip-bad-records")
    assert len(line) < 400

    proc = await start(tmp_path, "--skip-bad-records")
    try:
        async with aga.Client(proc.endpoint, token=TOKEN) as c:
            # every other record was replayed, the ones after the bad one too
            assert {r["k"] async for r in c.stream("SELECT k FROM d.t")} == {0, 2, 3, 4}
    finally:
        await proc.kill()
    warnings = [ln for ln in proc.stderr.splitlines() if "record 4" in ln]
    assert len(warnings) == 1 and "skipped" in warnings[0]
