"""The driver under anyio's level-triggered cancellation (FastAPI, Starlette):
`move_on_after`, `fail_after` and a task group cancelled mid-execute,
mid-stream and mid-pipeline. Nothing leaks (driver tasks, in-flight slots,
pipeline lanes), nothing hangs, and the client keeps working."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import anyio
import pytest
import pytest_asyncio

import astra_grpc_async as aga
from astra_grpc_async.emulator import EmulatorServer
from astra_grpc_async.testing import pending_driver_tasks

SLOW = "anyio_slowpoke"  # statements naming this table take 30 s on the server
HANG_GUARD = 30.0  # only a hang would reach this; the cancellations take milliseconds


async def _until(predicate: Callable[[], bool], what: Callable[[], object]) -> None:
    deadline = time.monotonic() + 5.0
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"still there: {what()}")
        await anyio.sleep(0.001)


@pytest_asyncio.fixture(loop_scope="session")
async def one_slot(server: EmulatorServer) -> AsyncIterator[aga.Client]:
    """A client with a single in-flight slot: a slot lost to a cancellation
    makes the next call wait forever (caught by the hang guard)."""
    async with aga.Client(
        server.endpoint, token=server.token, max_in_flight=1, retry=aga.NO_RETRY
    ) as client:
        yield client


@pytest_asyncio.fixture(loop_scope="session")
async def table(one_slot: aga.Client, ks: str, server: EmulatorServer) -> AsyncIterator[str]:
    name = f"{ks}.{SLOW}"
    await one_slot.execute(f"CREATE TABLE {name} (id int PRIMARY KEY)")
    await one_slot.execute_many(f"INSERT INTO {name} (id) VALUES (?)", [[i] for i in range(40)])
    await one_slot.execute("SELECT * FROM system.local")  # channels up before the baseline
    yield name
    server.faults.clear()


async def _still_works(client: aga.Client, table: str, before: set[asyncio.Task[object]]) -> None:
    await _until(lambda: pending_driver_tasks() <= before, lambda: pending_driver_tasks() - before)
    assert client.in_flight == 0
    assert all(ch.in_flight == 0 for ch in _channels(client))
    with anyio.fail_after(HANG_GUARD):
        assert (await client.execute("SELECT key FROM system.local")).scalar() == "local"
        assert len([row async for row in client.stream(f"SELECT id FROM {table}")]) == 40


def _channels(client: aga.Client) -> list[Any]:
    session = getattr(client, "_session", None)  # where the call path keeps its pool
    pool = session.pool if session is not None else client._pool  # type: ignore[attr-defined]
    return list(pool.channels)


def _slow_on(server: EmulatorServer) -> None:
    server.faults.add_latency(30.0, match=SLOW)


async def _in_flight(server: EmulatorServer, calls_before: int) -> None:
    """Until the server has received a call since `calls_before`."""
    servicer = server.servicer
    assert servicer is not None
    await _until(lambda: servicer.calls > calls_before, lambda: servicer.calls)


def _operations(client: aga.Client, table: str) -> dict[str, Callable[[], Awaitable[object]]]:
    async def stream() -> object:
        return [row async for row in client.stream(f"SELECT id FROM {table}", page_size=5)]

    async def pipeline() -> object:
        async with client.pipeline(width=1) as pipe:
            return await pipe.execute(f"SELECT id FROM {table}")

    return {
        "execute": lambda: client.execute(f"SELECT id FROM {table}"),
        "stream": stream,
        "pipeline": pipeline,
        "execute_many": lambda: client.execute_many(
            f"INSERT INTO {table} (id) VALUES (?)", [[i] for i in range(100, 104)]
        ),
    }


OPERATIONS = ["execute", "stream", "pipeline", "execute_many"]


@pytest.mark.parametrize("name", OPERATIONS)
async def test_move_on_after(
    one_slot: aga.Client, server: EmulatorServer, table: str, name: str
) -> None:
    before = pending_driver_tasks()
    _slow_on(server)
    with anyio.fail_after(HANG_GUARD):
        with anyio.move_on_after(0.2) as scope:
            await _operations(one_slot, table)[name]()
    assert scope.cancelled_caught
    server.faults.clear()
    await _still_works(one_slot, table, before)


@pytest.mark.parametrize("name", OPERATIONS)
async def test_fail_after(
    one_slot: aga.Client, server: EmulatorServer, table: str, name: str
) -> None:
    before = pending_driver_tasks()
    _slow_on(server)
    with anyio.fail_after(HANG_GUARD):
        with pytest.raises(TimeoutError):
            with anyio.fail_after(0.2):
                await _operations(one_slot, table)[name]()
    server.faults.clear()
    await _still_works(one_slot, table, before)


@pytest.mark.parametrize("name", OPERATIONS)
async def test_task_group_cancelled_mid_call(
    one_slot: aga.Client, server: EmulatorServer, table: str, name: str
) -> None:
    before = pending_driver_tasks()
    _slow_on(server)
    servicer = server.servicer
    assert servicer is not None
    calls = servicer.calls
    finished = []

    async def caller() -> None:
        await _operations(one_slot, table)[name]()
        finished.append(name)  # never: cancelled first

    with anyio.fail_after(HANG_GUARD):
        async with anyio.create_task_group() as tg:
            tg.start_soon(caller)
            tg.start_soon(caller)  # a second caller waits for the only slot (or lane)
            await _in_flight(server, calls)
            tg.cancel_scope.cancel()
    assert finished == []
    server.faults.clear()
    await _still_works(one_slot, table, before)


async def test_task_group_cancelled_mid_stream_between_pages(
    one_slot: aga.Client, server: EmulatorServer, table: str
) -> None:
    """Rows already read, the next page in flight: cancelling the consumer's
    group stops the producer and frees its call."""
    before = pending_driver_tasks()
    first_page = anyio.Event()
    seen: list[int] = []

    async def consumer() -> None:
        async with one_slot.stream(f"SELECT id FROM {table}", page_size=5, prefetch=1) as rows:
            async for row in rows:
                seen.append(row["id"])
                if len(seen) == 5:
                    _slow_on(server)  # later pages hang on the server
                    first_page.set()

    with anyio.fail_after(HANG_GUARD):
        async with anyio.create_task_group() as tg:
            tg.start_soon(consumer)
            await first_page.wait()
            await _until(lambda: one_slot.in_flight == 1, lambda: one_slot.in_flight)
            tg.cancel_scope.cancel()
    assert 5 <= len(seen) < 40
    server.faults.clear()
    await _still_works(one_slot, table, before)


async def test_pipeline_lanes_survive_cancelled_callers(
    one_slot: aga.Client, server: EmulatorServer, table: str
) -> None:
    """Callers cancelled by a scope, on a pipeline that stays open: the lanes
    they held are replaced, and the pipeline answers afterwards."""
    before = pending_driver_tasks()
    async with one_slot.pipeline(width=2) as pipe:
        assert (await pipe.execute("SELECT key FROM system.local")).scalar() == "local"
        _slow_on(server)
        with anyio.fail_after(HANG_GUARD):
            with anyio.move_on_after(0.2) as scope:
                async with anyio.create_task_group() as tg:
                    for _ in range(5):
                        tg.start_soon(pipe.execute, f"SELECT id FROM {table}")
            assert scope.cancelled_caught
            server.faults.clear()
            results = [await pipe.execute(f"SELECT id FROM {table}") for _ in range(3)]
        assert all(len(r.rows) == 40 for r in results)
    await _still_works(one_slot, table, before)
