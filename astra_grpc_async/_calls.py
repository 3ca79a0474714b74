"""The pieces of one unary call: the in-flight cap, one attempt on a pooled
channel, and speculative execution. `_session.py` runs them under the
call's policy (deadline, retries, token refresh, hooks).

The cap is a counter, not a semaphore: while there is room a call takes a
slot without awaiting anything; only when `limit` calls are running does a
caller queue on a future, and a finishing call hands its slot straight to
the first in line (FIFO, so nobody starves). A waiter that leaves (cancelled,
its deadline expired) is unlinked from the queue in O(1).
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Awaitable, Callable

from . import errors
from ._transport import ChannelPool, Metadata, PooledChannel, unary
from .config import Endpoint


class SlotQueue:
    """At most `limit` slots taken at once; the rest wait in FIFO order."""

    __slots__ = ("_limit", "_waiters", "in_flight")

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self.in_flight = 0
        # an ordered set: popitem(last=False) and pop(fut) are both O(1)
        self._waiters: collections.OrderedDict[asyncio.Future[None], None] = (
            collections.OrderedDict()
        )

    @property
    def limit(self) -> int:
        return self._limit

    @limit.setter
    def limit(self, value: int) -> None:
        self._limit = value
        while self.in_flight < value and self._grant():  # room appeared: let waiters in
            self.in_flight += 1

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    def try_acquire(self) -> bool:
        if self.in_flight < self._limit and not self._waiters:
            self.in_flight += 1
            return True
        return False

    async def acquire(self) -> None:
        if self.try_acquire():
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters[fut] = None
        try:
            await fut  # resolved by release(): the slot is ours, already counted
        except BaseException:
            self._waiters.pop(fut, None)
            if fut.done() and not fut.cancelled() and fut.exception() is None:
                self.release()  # granted, but we are leaving: pass it on
            raise

    def _grant(self) -> bool:
        """Hand one slot to the first live waiter; False when nobody waits."""
        waiters = self._waiters
        while waiters:
            fut, _ = waiters.popitem(last=False)
            if not fut.done():
                fut.set_result(None)
                return True
        return False

    def release(self) -> None:
        if self.in_flight <= self._limit and self._grant():
            return  # handed over: in_flight unchanged
        self.in_flight -= 1

    def fail_waiters(self, exc_factory: Callable[[], BaseException]) -> None:
        """Wake every waiter with an error (the client is closing)."""
        waiters, self._waiters = self._waiters, collections.OrderedDict()
        for fut in waiters:
            if not fut.done():
                fut.set_exception(exc_factory())


async def unary_attempt(
    pool: ChannelPool,
    slots: SlotQueue,
    ch: PooledChannel,
    method: str,
    payload: bytes,
    metadata: Metadata,
    timeout: float | None,
) -> bytes:
    """One attempt: a slot, then the call on `ch`; keeps the endpoint's health."""
    if not slots.try_acquire():
        await slots.acquire()
    ch.in_flight += 1
    try:
        raw = await unary(ch, method, payload, metadata, timeout)
    except errors.AgaError as exc:
        pool.report(ch, transport_failure=isinstance(exc, errors.ConnectionLostError))
        raise
    finally:
        ch.in_flight -= 1
        slots.release()
    if ch.health.consecutive_failures:
        pool.report(ch, transport_failure=False)
    return raw


Attempt = Callable[[PooledChannel], Awaitable[bytes]]


async def speculate(
    pool: ChannelPool, attempt: Attempt, delay: float, avoid: Endpoint | None
) -> bytes:
    """Send a second attempt elsewhere when the first is slow; first answer
    wins. Both attempts end before this returns, however it ends (the caller
    cancelled, its deadline expired, one answered)."""
    first_ch = pool.pick() if avoid is None else pool.pick_other(avoid)
    first = asyncio.ensure_future(attempt(first_ch))
    tasks: list[asyncio.Future[bytes]] = [first]
    try:
        done, _ = await asyncio.wait(tasks, timeout=delay)
        if not done:
            tasks.append(asyncio.ensure_future(attempt(pool.pick_other(first_ch.endpoint))))
            pending: set[asyncio.Future[bytes]] = set(tasks)
            while pending:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    if task.exception() is None:
                        return task.result()
        return first.result()  # it answered in time, or both failed: the first one's error
    finally:
        for task in tasks:
            task.cancel()
        # shielded: a second cancellation of the caller must not leave an attempt running
        await asyncio.shield(asyncio.wait(tasks))
        for task in tasks:
            if not task.cancelled():
                task.exception()  # retrieved: an attempt's error is not "never retrieved"
