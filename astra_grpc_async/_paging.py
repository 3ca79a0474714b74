"""The paged row stream behind `client.stream(...)`.

A producer task fetches pages and hands them over through a queue; a
semaphore of `prefetch` credits bounds how many pages exist at once (fetched
or being fetched, and not yet fully consumed, including the one the caller
is reading). With prefetch=2 the next page is fetched while the caller reads
the current one, and nothing more: when the caller is slow the producer
waits, so memory stays bounded and the server is not asked for more.

Leaving early (`break`, an exception, cancellation, `aclose()`) cancels the
producer, which cancels the in-flight RPC.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Generic, TypeVar

from .errors import ClientClosedError, ClientError

T = TypeVar("T")

# fetch(paging_state) -> (a page, next paging_state or None); decode(page) -> its items.
# Pages wait in the queue undecoded: a raw page is several times smaller than its rows.
Fetch = Callable[[bytes | None], Awaitable[tuple[Any, bytes | None]]]
Decode = Callable[[Any], list[Any]]


class _End:
    __slots__ = ()


_END = _End()


class StreamStats:
    """What the stream did, for callers and tests: pages fetched, pages
    consumed, the most pages held at once, and the state to resume from."""

    __slots__ = ("max_held", "pages_consumed", "pages_fetched", "paging_state", "rows")

    def __init__(self) -> None:
        self.pages_fetched = 0
        self.pages_consumed = 0
        self.max_held = 0
        self.rows = 0
        self.paging_state: bytes | None = None

    def __repr__(self) -> str:
        return (
            f"StreamStats(pages_fetched={self.pages_fetched}, pages_consumed="
            f"{self.pages_consumed}, max_held={self.max_held}, rows={self.rows})"
        )


class RowStream(Generic[T]):
    """Async iterator over rows (or `into=` instances), and async context manager.

        async with client.stream("SELECT ...", page_size=500) as rows:
            async for row in rows:
                ...

    `stats.paging_state` is where to resume after the last page fully
    consumed (None once the end was reached)."""

    def __init__(
        self,
        fetch: Fetch,
        decode: Decode | None = None,
        *,
        prefetch: int,
        paging_state: bytes | None = None,
    ) -> None:
        if prefetch < 1:
            raise ClientError("prefetch must be at least 1")
        self._fetch = fetch
        self._decode: Decode = decode if decode is not None else list
        self._prefetch = prefetch
        self._start_state = paging_state
        self.stats = StreamStats()
        self.stats.paging_state = paging_state
        self._task: asyncio.Task[None] | None = None
        self._queue: asyncio.Queue[tuple[Any, bytes | None] | BaseException | _End] = (
            asyncio.Queue()
        )
        self._credits = asyncio.Semaphore(prefetch)
        self._held = 0
        self._started = False
        self._closed = False

    # --- producer -----------------------------------------------------------

    async def _produce(self) -> None:
        state = self._start_state
        stats = self.stats
        try:
            while True:
                await self._credits.acquire()
                self._held += 1
                stats.max_held = max(stats.max_held, self._held)
                items, state = await self._fetch(state)
                stats.pages_fetched += 1
                self._queue.put_nowait((items, state))
                if not state:
                    self._queue.put_nowait(_END)
                    return
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # handed to the consumer, raised there
            self._queue.put_nowait(exc)

    # --- consumer -----------------------------------------------------------

    def __aiter__(self) -> AsyncIterator[T]:
        if self._started:
            raise ClientError("a RowStream can be iterated only once")
        if self._closed:
            raise ClientClosedError("the stream is closed")
        self._started = True
        self._task = asyncio.get_running_loop().create_task(self._produce())
        return self._rows()

    async def _rows(self) -> AsyncIterator[T]:
        queue = self._queue
        stats = self.stats
        try:
            while True:
                item = await queue.get()
                if isinstance(item, _End):
                    return
                if isinstance(item, BaseException):
                    raise item
                page, state = item
                rows = self._decode(page)
                for row in rows:
                    yield row
                stats.rows += len(rows)
                stats.pages_consumed += 1
                stats.paging_state = state or None
                self._held -= 1
                self._credits.release()
        finally:
            await self._stop()

    async def pages(self) -> AsyncIterator[list[T]]:
        """Iterate page by page instead of row by row."""
        if self._started:
            raise ClientError("a RowStream can be iterated only once")
        self._started = True
        self._task = asyncio.get_running_loop().create_task(self._produce())
        try:
            while True:
                item = await self._queue.get()
                if isinstance(item, _End):
                    return
                if isinstance(item, BaseException):
                    raise item
                page, state = item
                rows = self._decode(page)
                yield rows
                self.stats.rows += len(rows)
                self.stats.pages_consumed += 1
                self.stats.paging_state = state or None
                self._held -= 1
                self._credits.release()
        finally:
            await self._stop()

    async def all(self) -> list[T]:
        """Every remaining row in one list (explicitly loads everything)."""
        return [row async for row in self]

    async def _stop(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()  # cancels the in-flight RPC too
            await asyncio.wait([task])
        # drop pages nobody will read
        while not self._queue.empty():
            self._queue.get_nowait()

    async def aclose(self) -> None:
        """Stop fetching and release everything (idempotent)."""
        self._closed = True
        await self._stop()

    async def __aenter__(self) -> RowStream[T]:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
