"""Pacing for a target rate: each operation gets a start slot of its own."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class Pacer:
    """Hands out start times `1/rate` apart, shared by every worker.

    `await slot()` waits for the caller's slot and returns its scheduled
    time (monotonic seconds). Slots keep to the schedule even when the
    workers fall behind (a slow server): the late operations then start at
    once, and latency measured from the scheduled time includes the wait, as
    a user arriving at that rate would see it (no coordinated omission).
    `rate=None` means no pacing: the slot is "now"."""

    def __init__(self, rate: float | None, *, clock: Callable[[], float] = time.monotonic):
        if rate is not None and not rate > 0:
            raise ValueError("rate must be more than 0")
        self.rate = rate
        self._interval = 0.0 if rate is None else 1.0 / rate
        self._clock = clock
        self._next: float | None = None

    def reserve(self) -> float:
        """The next slot's time (taken: the following caller gets a later one)."""
        now = self._clock()
        if self.rate is None:
            return now
        slot = now if self._next is None else self._next
        self._next = slot + self._interval
        return slot

    async def slot(self) -> float:
        at = self.reserve()
        delay = at - self._clock()
        if delay > 0:
            await asyncio.sleep(delay)
        return at
