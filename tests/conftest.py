from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio
from hypothesis import settings

pytest_plugins = ["astra_grpc_async.testing"]

# Property tests check values, not speed: a busy CI machine must not fail them
# on hypothesis' per-example deadline.
settings.register_profile("aga", deadline=None)
settings.load_profile("aga")


@pytest_asyncio.fixture(autouse=True, loop_scope="session")
async def _no_unhandled_loop_errors() -> AsyncIterator[None]:
    """Fail a test whose tasks died with an exception nobody retrieved, or
    that made the loop log an error: such bugs hide behind passing asserts."""
    loop = asyncio.get_running_loop()
    seen: list[dict[str, Any]] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: seen.append(context))
    try:
        yield
    finally:
        loop.set_exception_handler(previous)
    messages = [f"{c.get('message')}: {c.get('exception')!r}" for c in seen]
    assert not messages, f"the event loop reported errors: {messages}"
