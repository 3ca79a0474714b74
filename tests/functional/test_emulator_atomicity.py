"""The emulator's atomicity promises, through the wire: a batch applies whole
or not at all, list operations read the state Cassandra reads, and what
readers saw is what a `--data-dir` restart replays."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import astra_grpc_async as aga

KS = "CREATE KEYSPACE a WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"


async def _state(c: aga.Client) -> list[tuple[Any, ...]]:
    return [(r["k"], r["v"], r["l"]) async for r in c.stream("SELECT k, v, l FROM a.t")]


async def test_failing_batch_applies_nothing_and_restart_agrees(tmp_path: Path) -> None:
    async with aga.emulator.serve(port=0, data_dir=tmp_path) as server:
        async with aga.Client(server.endpoint, token=server.token) as c:
            await c.execute(KS)
            await c.execute("CREATE TABLE a.t (k int PRIMARY KEY, v int, l list<int>)")
            await c.execute("INSERT INTO a.t (k, v, l) VALUES (1, 0, [10, 20])")
            await c.execute("INSERT INTO a.t (k, v, l) VALUES (2, 0, [10, 20])")
            before = await _state(c)
            for kind in (aga.BatchKind.LOGGED, aga.BatchKind.UNLOGGED):
                # the last statement fails against the list as it was before the batch,
                # in a second partition: nothing of the batch may stay applied
                with pytest.raises(aga.errors.InvalidQueryError, match="List index 5 out of bound"):
                    await c.batch(
                        [
                            "UPDATE a.t SET v = 1 WHERE k = 1",
                            "DELETE l[1] FROM a.t WHERE k = 1",
                            "UPDATE a.t SET l = l + [30] WHERE k = 2",
                            "UPDATE a.t SET l[5] = 99 WHERE k = 2",
                        ],
                        kind=kind,
                    )
                assert await _state(c) == before
            # Cassandra reads the lists of every statement of a batch before the
            # batch: l[1] is 20 for both statements; the deletion wins the tie
            await c.batch(
                [
                    "UPDATE a.t SET v = 1 WHERE k = 1",
                    "DELETE l[1] FROM a.t WHERE k = 1",
                    "UPDATE a.t SET l[1] = 99 WHERE k = 1",
                ]
            )
            # a removal reads the pre-batch list too: the appended 30 survives
            await c.batch(
                [
                    "UPDATE a.t SET l = l + [30] WHERE k = 2",
                    "UPDATE a.t SET l = l - [30] WHERE k = 2",
                    "UPDATE a.t SET l[0] = 11 WHERE k = 2",
                ]
            )
            # a CQL batch too: DELETE l[0] is the 10 that was first before the batch
            await c.execute(
                "BEGIN UNLOGGED BATCH UPDATE a.t SET l = [0] + l WHERE k = 1; "
                "DELETE l[0] FROM a.t WHERE k = 1; APPLY BATCH"
            )
            seen = await _state(c)
            assert seen == [(1, 1, [0]), (2, 0, [11, 20, 30])]
    async with aga.emulator.serve(port=0, data_dir=tmp_path) as again:
        async with aga.Client(again.endpoint, token=again.token) as c:
            assert await _state(c) == seen


async def test_failing_cql_batch_applies_nothing(tmp_path: Path) -> None:
    async with aga.emulator.serve(port=0) as server:
        async with aga.Client(server.endpoint, token=server.token) as c:
            await c.execute(KS)
            await c.execute("CREATE TABLE a.t (k int PRIMARY KEY, v int, l list<int>)")
            await c.execute("INSERT INTO a.t (k, v, l) VALUES (1, 0, [10, 20])")
            with pytest.raises(
                aga.errors.InvalidQueryError, match="List index 2 out of bound, list has size 2"
            ):
                await c.execute(
                    "BEGIN BATCH UPDATE a.t SET v = 1 WHERE k = 1; "
                    "INSERT INTO a.t (k, v) VALUES (3, 3); "
                    "UPDATE a.t SET l = l - [20] WHERE k = 1; "
                    "DELETE l[0] FROM a.t WHERE k = 1; "
                    "UPDATE a.t SET l[2] = 5 WHERE k = 1; APPLY BATCH"
                )
            assert await _state(c) == [(1, 0, [10, 20])]


async def test_indexes_of_one_statement_follow_its_earlier_operations() -> None:
    """Cassandra merges a statement's pending operations into the row it reads
    (UpdateParameters.getPrefetchedRow): `DELETE l[0], l[1]` on [10, 20, 30]
    deletes 10, then the second element of [20, 30]."""
    async with aga.emulator.serve(port=0) as server:
        async with aga.Client(server.endpoint, token=server.token) as c:
            await c.execute(KS)
            await c.execute("CREATE TABLE a.t (k int PRIMARY KEY, v int, l list<int>)")
            await c.execute("INSERT INTO a.t (k, l) VALUES (1, [10, 20, 30])")
            await c.execute("DELETE l[0], l[1] FROM a.t WHERE k = 1")
            assert await _state(c) == [(1, None, [20])]
            await c.execute("UPDATE a.t SET l = l + [40], l[1] = 41 WHERE k = 1")
            assert await _state(c) == [(1, None, [20, 41])]
