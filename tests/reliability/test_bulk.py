"""execute_many and batches: a failure is never hidden behind a success count."""

from __future__ import annotations

import pytest

import astra_grpc_async as aga
from astra_grpc_async import errors
from astra_grpc_async.emulator import EmulatorServer


async def _ids(client: aga.Client, table: str) -> set[int]:
    return {row.id async for row in client.stream(f"SELECT id FROM {table}", page_size=500)}


async def test_every_item_has_its_own_outcome(client: aga.Client, ks: str) -> None:
    table = f"{ks}.bulk"
    await client.execute(f"CREATE TABLE {table} (id int PRIMARY KEY, v int)")
    items: list[object] = [[i, i] for i in range(100)]
    items[3] = [3, "three"]  # refused by the server (wrong kind)
    items[40] = [40, object()]  # cannot be encoded (never sent)
    items[77] = [77]  # wrong number of values
    cql = f"INSERT INTO {table} (id, v) VALUES (?, ?)"

    with pytest.raises(errors.BulkError) as info:
        await client.execute_many(cql, items, concurrency=8)
    bulk = info.value
    assert len(bulk.outcomes) == len(items)
    assert bulk.failed == [3, 40, 77]
    assert isinstance(bulk.outcomes[3], errors.BindValueError)
    assert isinstance(bulk.outcomes[40], errors.EncodeError)
    assert isinstance(bulk.outcomes[77], errors.BindCountError)
    assert all(isinstance(bulk.outcomes[i], aga.Result) for i in set(range(100)) - {3, 40, 77})
    assert "3 of 100 statements failed" in str(bulk)
    assert await _ids(client, table) == set(range(100)) - {3, 40, 77}

    # raise_on_error=False: the same list, returned
    outcomes = await client.execute_many(cql, items, concurrency=8, raise_on_error=False)
    failed = [i for i, o in enumerate(outcomes) if isinstance(o, BaseException)]
    assert failed == [3, 40, 77]
    assert len(outcomes) == len(items) and None not in outcomes


async def test_injected_failures_are_reported_per_item(
    client: aga.Client, server: EmulatorServer, ks: str
) -> None:
    """Items failed by the server (not by their values) are still reported one
    by one, and the rows that did not fail are the ones stored."""
    table = f"{ks}.bulkf"
    await client.execute(f"CREATE TABLE {table} (id int PRIMARY KEY)")
    cql = f"INSERT INTO {table} (id) VALUES (?)"
    rule = server.faults.fail_next(7, "write_failure", match=table)
    outcomes = await client.execute_many(cql, [[i] for i in range(50)], raise_on_error=False)
    failed = {i for i, o in enumerate(outcomes) if isinstance(o, errors.WriteFailureError)}
    assert len(failed) == 7 == rule.fired
    assert all(isinstance(o, aga.Result) for i, o in enumerate(outcomes) if i not in failed)
    assert await _ids(client, table) == set(range(50)) - failed


async def test_failed_batch_applies_nothing(client: aga.Client, ks: str) -> None:
    table = f"{ks}.bat"
    await client.execute(f"CREATE TABLE {table} (id int PRIMARY KEY, v int)")
    good = (f"INSERT INTO {table} (id, v) VALUES (?, ?)", [1, 1])
    for bad in (
        (f"INSERT INTO {table} (id, v) VALUES (?, ?)", [2, "two"]),  # bad value
        (f"INSERT INTO {ks}.missing (id) VALUES (?)", [3]),  # unknown table
        (f"INSERT INTO {table} (id, v) VALUES (?, ?)", [4]),  # bind count
    ):
        with pytest.raises(errors.ServerError):
            await client.batch([good, bad])
        with pytest.raises(errors.ServerError):
            await client.batch([bad, good])
    assert await _ids(client, table) == set()  # no statement of a refused batch applied
    await client.batch([good, (f"INSERT INTO {table} (id, v) VALUES (?, ?)", [2, 2])])
    assert await _ids(client, table) == {1, 2}


async def test_batch_encode_error_sends_nothing(
    client: aga.Client, server: EmulatorServer, ks: str
) -> None:
    calls = server.servicer.calls  # type: ignore[union-attr]
    with pytest.raises(errors.EncodeError, match="batch statement 2"):
        await client.batch(
            [
                f"INSERT INTO {ks}.x (id) VALUES (1)",
                (f"INSERT INTO {ks}.x (id) VALUES (?)", [1]),
                (f"INSERT INTO {ks}.x (id) VALUES (?)", [{1, 2}.__iter__()]),
            ]
        )
    assert server.servicer.calls == calls  # type: ignore[union-attr]


async def test_failed_batch_is_not_retried_unless_idempotent(
    client: aga.Client, server: EmulatorServer, ks: str
) -> None:
    table = f"{ks}.batr"
    await client.execute(f"CREATE TABLE {table} (id int PRIMARY KEY)")
    rule = server.faults.fail_next(1, "write_timeout", match=table)
    with pytest.raises(errors.WriteTimeoutError):
        await client.batch([f"INSERT INTO {table} (id) VALUES (1)"])
    assert rule.fired == 1
    rule = server.faults.fail_next(1, "write_timeout", match=table)
    await client.batch([f"INSERT INTO {table} (id) VALUES (1)"], idempotent=True)
    assert rule.fired == 1 and await _ids(client, table) == {1}
