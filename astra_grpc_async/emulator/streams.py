"""How far a bidirectional stream may run ahead of its reader.

Each ExecuteQueryStream / ExecuteBatchStream call holds at most `window`
unanswered requests (executing, or answered and waiting to be sent). While
they are all taken the server reads no further request from that stream, so
a client that writes without reading is held back by HTTP/2 flow control
instead of growing the server's memory.
"""

from __future__ import annotations

import asyncio

__all__ = ["DEFAULT_STREAM_WINDOW", "StreamStats", "StreamWindow"]

DEFAULT_STREAM_WINDOW = 64


class StreamStats:
    """Counters over every stream of one server (for tests and monitoring):
    requests read, answers handed to gRPC, the most unanswered requests one
    stream ever held, and `full`, set once a stream waited on a full window."""

    def __init__(self, window: int) -> None:
        self.window = window
        self.requests_read = 0
        self.answers_sent = 0
        self.most_pending = 0
        self.full = asyncio.Event()


class StreamWindow:
    """The slots of one stream: `acquire()` before reading a request,
    `release()` once its answer has been sent."""

    __slots__ = ("_free", "_stats", "pending")

    def __init__(self, stats: StreamStats) -> None:
        self._stats = stats
        self._free = asyncio.Semaphore(stats.window)
        self.pending = 0

    async def acquire(self) -> None:
        """Wait for a free slot (taken before reading the next request)."""
        if self._free.locked():
            self._stats.full.set()
        await self._free.acquire()

    def received(self) -> None:
        """A request arrived on the slot just acquired."""
        self.pending += 1
        stats = self._stats
        stats.requests_read += 1
        if self.pending > stats.most_pending:
            stats.most_pending = self.pending

    def unread(self) -> None:
        """Give back a slot taken for a request that never came (end of stream)."""
        self._free.release()

    def release(self) -> None:
        """The answer to one request has been handed to gRPC."""
        self.pending -= 1
        self._stats.answers_sent += 1
        self._free.release()
