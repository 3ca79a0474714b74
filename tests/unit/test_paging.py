"""RowStream without a server: prefetch bound, resume state, cancellation."""

from __future__ import annotations

import asyncio

import pytest

from astra_grpc_async import errors
from astra_grpc_async._paging import RowStream


class FakePages:
    """`pages` pages of `size` ints; records how many fetches were in flight."""

    def __init__(self, pages: int, size: int = 3, delay: float = 0.0) -> None:
        self.pages, self.size, self.delay = pages, size, delay
        self.calls: list[bytes | None] = []
        self.cancelled = 0
        self.gate: asyncio.Event | None = None

    async def __call__(self, state: bytes | None) -> tuple[list[int], bytes | None]:
        self.calls.append(state)
        n = int(state.decode()) if state else 0
        try:
            if self.gate is not None:
                await self.gate.wait()
            await asyncio.sleep(self.delay)
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        rows = list(range(n * self.size, (n + 1) * self.size))
        nxt = str(n + 1).encode() if n + 1 < self.pages else None
        return rows, nxt


async def test_reads_every_page_in_order() -> None:
    fake = FakePages(5)
    stream = RowStream(fake, prefetch=2)
    assert [r async for r in stream] == list(range(15))
    assert stream.stats.pages_fetched == 5 and stream.stats.rows == 15
    assert stream.stats.paging_state is None
    assert fake.calls == [None, b"1", b"2", b"3", b"4"]


async def test_prefetch_bound_holds_with_slow_consumer() -> None:
    fake = FakePages(20, size=2)
    stream = RowStream(fake, prefetch=3)
    seen = 0
    async for _ in stream:
        seen += 1
        await asyncio.sleep(0.001)  # slow consumer: the producer must wait
        fetched_not_consumed = stream.stats.pages_fetched - stream.stats.pages_consumed
        assert fetched_not_consumed <= 3
    assert seen == 40
    assert stream.stats.max_held == 3


async def test_prefetch_one_means_no_read_ahead() -> None:
    fake = FakePages(4)
    stream = RowStream(fake, prefetch=1)
    async for _ in stream:
        await asyncio.sleep(0)
        # while a page is being read, no other page was requested
        assert len(fake.calls) == stream.stats.pages_consumed + 1
    assert stream.stats.max_held == 1


async def test_stops_asking_when_consumer_is_slow() -> None:
    fake = FakePages(100)
    async with RowStream(fake, prefetch=2) as stream:
        it = aiter(stream)
        await anext(it)
        for _ in range(10):
            await asyncio.sleep(0)
        assert len(fake.calls) == 2  # current page + one ahead, then it waits


async def test_break_cancels_in_flight_fetch() -> None:
    fake = FakePages(100)
    fake.gate = asyncio.Event()  # never set: every fetch after the first hangs
    first_page = fake.__call__

    async def fetch(state: bytes | None) -> tuple[list[int], bytes | None]:
        if not state:
            return [0, 1, 2], b"1"
        return await first_page(state)

    stream = RowStream(fetch, prefetch=2)
    async for row in stream:
        if row == 1:
            for _ in range(5):
                await asyncio.sleep(0)
            assert fake.calls == [b"1"]  # the read-ahead is in flight
            break
    await stream.aclose()
    assert fake.cancelled == 1
    assert stream._task is None


async def test_task_cancellation_leaves_no_pending_task() -> None:
    fake = FakePages(1000, delay=0.01)
    before = set(asyncio.all_tasks())

    async def consume() -> None:
        async with RowStream(fake, prefetch=2) as stream:
            async for _ in stream:
                await asyncio.sleep(0.005)

    task = asyncio.ensure_future(consume())
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0)
    leftover = {t for t in asyncio.all_tasks() - before if not t.done()}
    assert leftover == set()


async def test_resume_from_paging_state() -> None:
    fake = FakePages(4)
    first = RowStream(fake, prefetch=1)
    async for row in first.pages():
        assert row == [0, 1, 2]
        break
    await first.aclose()
    resumed = RowStream(fake, prefetch=2, paging_state=b"1")
    assert await resumed.all() == list(range(3, 12))


async def test_error_surfaces_in_consumer_and_iterates_once() -> None:
    async def broken(state: bytes | None) -> tuple[list[int], bytes | None]:
        if state:
            raise errors.ConnectionLostError("gone")
        return [1], b"x"

    stream = RowStream(broken, prefetch=2)
    got = []
    with pytest.raises(errors.ConnectionLostError):
        async for r in stream:
            got.append(r)
    assert got == [1]
    with pytest.raises(errors.ClientError):
        aiter(stream)
    with pytest.raises(errors.ClientError):
        RowStream(broken, prefetch=0)


async def test_pages_refuses_a_closed_stream_like_iteration_does() -> None:
    stream = RowStream(FakePages(2), prefetch=2)
    await stream.aclose()
    with pytest.raises(errors.ClientClosedError):
        async for _ in stream.pages():
            pass


async def test_pages_and_rows_share_one_path() -> None:
    pages = [p async for p in RowStream(FakePages(3), prefetch=2).pages()]
    assert pages == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]

    def in_steps(page: list[int]) -> list[list[int]]:  # a decode that yields steps
        return [[], page[:1], [], page[1:]]

    stream = RowStream(FakePages(3), in_steps, prefetch=2)
    assert [p async for p in stream.pages()] == pages
    assert stream.stats.rows == 9 and stream.stats.pages_consumed == 3
    assert [r async for r in RowStream(FakePages(3), in_steps, prefetch=1)] == list(range(9))
