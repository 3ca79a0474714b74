"""Cancelling a caller mid-call (execute, stream, pipeline, execute_many)
leaves no task behind, frees every in-flight slot, and leaks no memory over
many cycles."""

from __future__ import annotations

import asyncio
import gc
import time
import tracemalloc
from collections.abc import Awaitable, Callable

import pytest

import astra_grpc_async as aga
from astra_grpc_async.emulator import EmulatorServer

SLOW = "slowpoke"  # statements containing this take 5 s on the server
CYCLES = 200


async def _until(
    predicate: Callable[[], bool], seconds: float = 2.0, state: Callable[[], object] = str
) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not reached in {seconds}s: {state()}")
        await asyncio.sleep(0.001)


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def _is_server_task(task: asyncio.Task[object]) -> bool:
    """The emulator runs on this loop too: grpc's server tasks and the servicer's."""
    text = repr(task)
    return any(mark in text for mark in ("server.pyx", "AioServer", "HandleExceptions", "emulator"))


def _live(before: set[asyncio.Task[object]]) -> set[asyncio.Task[object]]:
    """Client-side tasks started since `before` and still pending."""
    return {t for t in asyncio.all_tasks() - before if not t.done() and not _is_server_task(t)}


async def _server_settles(before: set[asyncio.Task[object]]) -> None:
    """The cancelled calls' server-side tasks end too (the accept loop's
    `_request_registered_call` is always pending and is left out)."""

    def settled() -> bool:
        return not {
            t
            for t in asyncio.all_tasks() - before
            if not t.done() and _is_server_task(t) and "_request_registered_call" not in repr(t)
        }

    await _until(settled, 2.0)


async def _setup(client: aga.Client, ks: str) -> str:
    table = f"{ks}.{SLOW}"
    await client.execute(f"CREATE TABLE IF NOT EXISTS {table} (id int PRIMARY KEY)")
    await client.execute_many(f"INSERT INTO {table} (id) VALUES (?)", [[i] for i in range(30)])
    return table


def _operations(
    client: aga.Client, pipe: aga.Pipeline, table: str
) -> dict[str, Callable[[], Awaitable[object]]]:
    async def stream() -> object:
        return [row async for row in client.stream(f"SELECT id FROM {table}", page_size=5)]

    return {
        "execute": lambda: client.execute(f"SELECT id FROM {table}"),
        "stream": stream,
        "pipeline": lambda: pipe.execute(f"SELECT id FROM {table}"),
        "execute_many": lambda: client.execute_many(
            f"INSERT INTO {table} (id) VALUES (?)", [[i] for i in range(100, 110)]
        ),
        "batch": lambda: client.batch([f"INSERT INTO {table} (id) VALUES (999)"]),
    }


async def _cancel_once(
    client: aga.Client, operation: Callable[[], Awaitable[object]], in_flight: Callable[[], int]
) -> None:
    task = asyncio.ensure_future(operation())
    await _until(lambda: in_flight() >= 1)  # the request is on the wire
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


@pytest.mark.parametrize("name", ["execute", "stream", "pipeline", "execute_many", "batch"])
async def test_cancel_leaves_nothing_behind(
    client: aga.Client, server: EmulatorServer, ks: str, name: str
) -> None:
    table = await _setup(client, ks)
    async with client.pipeline(width=2) as pipe:
        # warm up: lanes, channels and caches exist before the baseline is taken
        await pipe.execute("SELECT * FROM system.local")
        await client.execute("SELECT * FROM system.local")
        server.faults.add_latency(5.0, match=SLOW)
        before = set(asyncio.all_tasks())
        server_calls = server.servicer.calls  # type: ignore[union-attr]

        def in_flight() -> int:
            # the pipeline does not count into client.in_flight: watch the server
            return client.in_flight + server.servicer.calls - server_calls  # type: ignore[union-attr]

        started = time.monotonic()
        await _cancel_once(client, _operations(client, pipe, table)[name], in_flight)
        assert time.monotonic() - started < 1.0  # cancelled, not waited out
        await _settle()
        # nothing stays pending (grpc's own tasks may need a few ticks to end)
        await _until(lambda: not _live(before), 1.0, lambda: _live(before))
        assert client.in_flight == 0
        assert all(ch.in_flight == 0 for ch in client._session.pool.channels)
        await _server_settles(before)
        server.faults.clear()
        # everything still works afterwards
        assert len((await client.execute(f"SELECT id FROM {table}")).rows) >= 30
        assert (await pipe.execute("SELECT * FROM system.local")).rows
    if name == "batch":  # the cancelled write never landed
        got = await client.execute(f"SELECT id FROM {table} WHERE id = 999")
        assert got.rows == []


async def test_repeated_cancellation_does_not_leak(
    client: aga.Client, server: EmulatorServer, ks: str
) -> None:
    table = await _setup(client, ks)
    async with client.pipeline(width=2) as pipe:
        ops = _operations(client, pipe, table)
        cycle_ops = [ops["execute"], ops["stream"], ops["pipeline"]]
        server.faults.add_latency(5.0, match=SLOW)
        counter = {"calls": 0}

        def in_flight() -> int:
            return server.servicer.calls - counter["calls"]  # type: ignore[union-attr]

        async def cycles(n: int) -> None:
            for i in range(n):
                counter["calls"] = server.servicer.calls  # type: ignore[union-attr]
                await _cancel_once(client, cycle_ops[i % len(cycle_ops)], in_flight)

        await cycles(30)  # warm up: caches, lanes, grpc's pools
        before = set(asyncio.all_tasks())
        gc.collect()
        tracemalloc.start()
        try:
            await cycles(30)
            gc.collect()
            await _settle()
            baseline, _ = tracemalloc.get_traced_memory()
            started = time.monotonic()
            await cycles(CYCLES)
            elapsed = time.monotonic() - started
            await asyncio.sleep(0.05)  # let server-side cancellations finish
            gc.collect()
            current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        server.faults.clear()
        growth = current - baseline
        print(
            f"\n{CYCLES} cancel cycles in {elapsed:.2f}s: traced memory "
            f"{growth / 1024:+.1f} KiB (peak {(peak - baseline) / 1024:.0f} KiB above baseline)"
        )
        await _settle()
        # nothing stays pending (grpc's own tasks may need a few ticks to end)
        await _until(lambda: not _live(before), 1.0, lambda: _live(before))
        assert client.in_flight == 0
        await _server_settles(before)
        assert growth < 1024 * 1024  # under ~5 KiB per cycle: nothing kept per cancellation
