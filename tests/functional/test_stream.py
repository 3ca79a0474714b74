"""Paging and stream() through the emulator."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

import astra_grpc_async as aga
from astra_grpc_async.testing import pending_driver_tasks


async def _table(client: aga.Client, ks: str, name: str, rows: int) -> str:
    table = f"{ks}.{name}"
    await client.execute(f"CREATE TABLE {table} (p int, c int, v text, PRIMARY KEY (p, c))")
    await client.execute_many(
        f"INSERT INTO {table} (p, c, v) VALUES (?, ?, ?)",
        [(i % 7, i, f"v{i}") for i in range(rows)],
        concurrency=64,
    )
    return table


@pytest.mark.parametrize(("rows", "pages"), [(0, 1), (1, 1), (50, 1), (51, 2), (2500, 50)])
async def test_stream_reads_everything(client: aga.Client, ks: str, rows: int, pages: int) -> None:
    table = await _table(client, ks, f"s{rows}", rows)
    async with client.stream(f"SELECT c FROM {table}", page_size=50) as stream:
        got = [row[0] async for row in stream]
    assert sorted(got) == list(range(rows))
    assert len(got) == len(set(got))
    assert stream.stats.pages_fetched == pages
    assert stream.stats.paging_state is None


async def test_execute_pages_by_hand(client: aga.Client, ks: str) -> None:
    table = await _table(client, ks, "manual", 25)
    first = await client.execute(f"SELECT c FROM {table}", page_size=10)
    assert len(first.rows) == 10 and first.has_more_pages and first.cursor
    second = await client.execute(
        f"SELECT c FROM {table}", page_size=10, paging_state=aga.decode_cursor(first.cursor)
    )
    third = await client.execute(
        f"SELECT c FROM {table}", page_size=10, paging_state=second.paging_state
    )
    assert len(second.rows) == 10 and len(third.rows) == 5
    assert not third.has_more_pages and third.paging_state is None
    seen = [r[0] for r in (*first.rows, *second.rows, *third.rows)]
    assert sorted(seen) == list(range(25))
    # exactly one page: no paging_state
    exact = await client.execute(f"SELECT c FROM {table}", page_size=25)
    assert len(exact.rows) == 25 and not exact.has_more_pages


async def test_default_page_size_is_100(client: aga.Client, ks: str) -> None:
    table = await _table(client, ks, "defpage", 150)
    res = await client.execute(f"SELECT c FROM {table}")
    assert len(res.rows) == 100 and res.has_more_pages


async def test_prefetch_bound_is_observable(client: aga.Client, ks: str) -> None:
    table = await _table(client, ks, "slow", 300)
    async with client.stream(f"SELECT c FROM {table}", page_size=10, prefetch=2) as stream:
        async for _ in stream:
            await asyncio.sleep(0.0005)  # slow consumer
            assert stream.stats.pages_fetched - stream.stats.pages_consumed <= 2
    assert stream.stats.max_held <= 2
    assert stream.stats.pages_fetched == 30


async def test_stream_into_dataclass(client: aga.Client, ks: str) -> None:
    @dataclasses.dataclass
    class Item:
        p: int
        c: int
        v: str

    table = await _table(client, ks, "into_items", 12)
    items = [i async for i in client.stream(f"SELECT p, c, v FROM {table}", into=Item, page_size=5)]
    assert all(isinstance(i, Item) for i in items)
    assert sorted(i.c for i in items) == list(range(12))
    assert all(i.v == f"v{i.c}" for i in items)


async def test_resume_stream_from_state(client: aga.Client, ks: str) -> None:
    table = await _table(client, ks, "resume", 40)
    async with client.stream(f"SELECT c FROM {table}", page_size=10) as stream:
        pages = stream.pages()
        first = await anext(pages)
        await pages.aclose()
    state = (await client.execute(f"SELECT c FROM {table}", page_size=10)).paging_state
    rest = [
        r[0]
        async for r in client.stream(f"SELECT c FROM {table}", page_size=10, paging_state=state)
    ]
    assert sorted([r[0] for r in first] + rest) == list(range(40))


async def test_cancelling_a_stream_leaves_no_task(client: aga.Client, ks: str, server) -> None:  # type: ignore[no-untyped-def]
    table = await _table(client, ks, "cancel", 200)
    server.faults.add_latency(0.05, match="cancel")

    async def consume() -> int:
        n = 0
        async for _ in client.stream(f"SELECT c FROM {table}", page_size=10):
            n += 1
        return n

    task = asyncio.ensure_future(consume())
    await asyncio.sleep(0.12)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for _ in range(3):
        await asyncio.sleep(0)
    assert pending_driver_tasks() == set()
    assert client.in_flight == 0


async def test_break_releases_the_stream(client: aga.Client, ks: str) -> None:
    table = await _table(client, ks, "brk", 100)
    async with client.stream(f"SELECT c FROM {table}", page_size=10) as stream:
        async for row in stream:
            if row[0] is not None:
                break
    assert stream._task is None
    assert client.in_flight == 0


async def test_stream_of_a_write_is_a_protocol_error(client: aga.Client, ks: str) -> None:
    await client.execute(f"CREATE TABLE {ks}.w (id int PRIMARY KEY)")
    with pytest.raises(aga.errors.ProtocolError):
        await client.stream(f"INSERT INTO {ks}.w (id) VALUES (1)").all()
