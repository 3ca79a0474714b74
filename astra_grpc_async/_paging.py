"""The paged row stream behind `client.stream(...)`.

A producer task fetches pages and hands them over through a queue; a
semaphore of `prefetch` credits bounds how many pages exist at once (fetched
or being fetched, and not yet fully consumed, including the one the caller
is reading). With prefetch=2 the next page is fetched while the caller reads
the current one, and nothing more: when the caller is slow the producer
waits, so memory stays bounded and the server is not asked for more.

Leaving early (`break`, an exception, cancellation, `aclose()`) cancels the
producer, which cancels the in-flight RPC.

The server is not trusted for termination: a paging state it sent before
(a loop) or more than `MAX_EMPTY_PAGES` empty pages in a row that still
claim more end the stream with a ProtocolError. A page is decoded as the
consumer gets to it, a step (`codec.rows`) at a time, with a turn for the
event loop between steps: no page blocks other tasks while it decodes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any, Final, Generic, TypeVar

from .errors import ClientClosedError, ClientError, ProtocolError

T = TypeVar("T")

# fetch(paging_state) -> (a page, next paging_state or None); decode(page) -> its
# items in steps (lists; an empty one is a step that produced no item yet).
# Pages wait in the queue undecoded: a raw page is several times smaller than its rows.
Fetch = Callable[[bytes | None], Awaitable[tuple[Any, bytes | None]]]
Decode = Callable[[Any], Iterable[list[Any]]]

# Cassandra may answer a filtering query with empty pages that claim more;
# this many in a row is a server going nowhere
MAX_EMPTY_PAGES: Final = 100


def _whole(page: Any) -> Iterable[list[Any]]:
    return (list(page),)


class _End:
    __slots__ = ()


_END = _End()


class _PageEnd:
    __slots__ = ()


_PAGE_END = _PageEnd()


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
        self._decode: Decode = decode if decode is not None else _whole
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
        # hashes of every state seen: a loop shows as a repeat, at ~30 bytes a page
        seen = {hash(state)} if state else set()
        empty_in_a_row = 0
        try:
            while True:
                await self._credits.acquire()
                self._held += 1
                stats.max_held = max(stats.max_held, self._held)
                page, state = await self._fetch(state)
                stats.pages_fetched += 1
                if state:
                    key = hash(state)
                    if key in seen:
                        raise ProtocolError(
                            f"the server sent a paging state it had sent before (after "
                            f"{stats.pages_fetched} pages): paging would never end"
                        )
                    seen.add(key)
                    empty_in_a_row = 0 if len(page) else empty_in_a_row + 1
                    if empty_in_a_row > MAX_EMPTY_PAGES:
                        raise ProtocolError(
                            f"the server sent {empty_in_a_row} empty pages in a row that "
                            "each claimed more rows: paging was going nowhere"
                        )
                self._queue.put_nowait((page, state))
                if not state:
                    self._queue.put_nowait(_END)
                    return
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # handed to the consumer, raised there
            self._queue.put_nowait(exc)

    # --- consumer -----------------------------------------------------------

    def _start(self) -> None:
        if self._started:
            raise ClientError("a RowStream can be iterated only once")
        if self._closed:
            raise ClientClosedError("the stream is closed")
        self._started = True
        self._task = asyncio.get_running_loop().create_task(self._produce())

    def __aiter__(self) -> AsyncIterator[T]:
        self._start()
        return self._rows()

    async def _steps(self) -> AsyncIterator[list[T] | _PageEnd]:
        """Each page's items a step at a time, then _PAGE_END; the page counts
        as consumed (its credit back, `stats` updated) when the caller comes
        back for more after _PAGE_END."""
        queue = self._queue
        stats = self.stats
        sleep = asyncio.sleep
        while True:
            item = await queue.get()
            if isinstance(item, _End):
                return
            if isinstance(item, BaseException):
                raise item
            page, state = item
            count = 0
            first = True
            for chunk in self._decode(page):
                if not first:
                    await sleep(0)  # a turn for the loop between decode steps
                first = False
                if chunk:
                    count += len(chunk)
                    yield chunk
            yield _PAGE_END
            stats.rows += count
            stats.pages_consumed += 1
            stats.paging_state = state or None
            self._held -= 1
            self._credits.release()

    async def _rows(self) -> AsyncIterator[T]:
        try:
            async for chunk in self._steps():
                if not isinstance(chunk, _PageEnd):
                    for row in chunk:
                        yield row
        finally:
            await self._stop()

    async def pages(self) -> AsyncIterator[list[T]]:
        """Iterate page by page instead of row by row."""
        self._start()
        try:
            page: list[T] = []
            async for chunk in self._steps():
                if isinstance(chunk, _PageEnd):
                    yield page
                    page = []
                else:
                    page.extend(chunk)
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
