"""A DDL statement validates fully before changing anything (through the
wire, and what was served is what a --data-dir restart rebuilds)."""

from __future__ import annotations

from pathlib import Path

import pytest

import astra_grpc_async as aga

KS = "CREATE KEYSPACE d WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"


async def _columns(c: aga.Client) -> list[str]:
    rows = c.stream(
        "SELECT column_name FROM system_schema.columns "
        "WHERE keyspace_name = 'd' AND table_name = 't'"
    )
    return sorted([r["column_name"] async for r in rows])


async def test_alter_table_add_is_all_or_nothing(tmp_path: Path) -> None:
    async with aga.emulator.serve(port=0, data_dir=tmp_path) as server:
        async with aga.Client(server.endpoint, token=server.token) as c:
            await c.execute(KS)
            await c.execute("CREATE TABLE d.t (k int PRIMARY KEY, b int)")
            with pytest.raises(aga.errors.InvalidQueryError, match="'b' already exists"):
                await c.execute("ALTER TABLE d.t ADD (a int, b int)")
            with pytest.raises(aga.errors.InvalidQueryError, match="'a2' already exists"):
                await c.execute("ALTER TABLE d.t ADD (a2 int, a2 text)")
            with pytest.raises(aga.errors.InvalidQueryError, match="non counter column"):
                await c.execute("ALTER TABLE d.t ADD (a3 int, n counter)")
            assert await _columns(c) == ["b", "k"]
            with pytest.raises(aga.errors.InvalidQueryError, match="Undefined column name a"):
                await c.execute("INSERT INTO d.t (k, a) VALUES (1, 1)")
            await c.execute("ALTER TABLE d.t ADD (a int, a2 text)")
            seen = await _columns(c)
            assert seen == ["a", "a2", "b", "k"]
    async with aga.emulator.serve(port=0, data_dir=tmp_path) as again:
        async with aga.Client(again.endpoint, token=again.token) as c:
            assert await _columns(c) == seen
