"""Cancellation that reaches the caller as its canceller sent it."""

from __future__ import annotations

import asyncio


async def let_the_canceller_redeliver() -> None:
    """A checkpoint, for code that caught a CancelledError grpc.aio raised.

    A grpc.aio unary call answers a cancellation with a CancelledError of its
    own that lacks the canceller's message. anyio's cancel scopes
    (`move_on_after`, `fail_after`, task groups; FastAPI and Starlette run on
    them) catch only the cancellations that carry theirs, so grpc's would
    escape the scope. anyio cancels level-triggered: at this checkpoint it
    delivers its own, which propagates instead. An edge-triggered canceller
    (`Task.cancel`, `asyncio.timeout`) sends nothing more, and the caller
    re-raises grpc's."""
    await asyncio.sleep(0)
