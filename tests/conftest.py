from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

import pytest
import pytest_asyncio
from hypothesis import settings

from astra_grpc_async import Client
from astra_grpc_async.emulator import EmulatorServer, serve

pytest_plugins = ["astra_grpc_async.testing", "pytester"]

# AGA_LOOP=uvloop runs every asyncio test (and fixture) on uvloop instead of
# the standard loop: see the README's "Testing" section.
LOOP = os.environ.get("AGA_LOOP", "asyncio")
if LOOP not in ("asyncio", "uvloop"):
    raise pytest.UsageError(f"AGA_LOOP={LOOP!r}: choose asyncio or uvloop")
if LOOP == "uvloop":
    import uvloop

    def pytest_asyncio_loop_factories(
        config: pytest.Config, item: pytest.Item
    ) -> Mapping[str, Callable[[], asyncio.AbstractEventLoop]]:
        return {"uvloop": uvloop.new_event_loop}


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


# The suite's own `server`, `client` and `ks`: an emulator on the session loop
# itself, so tests can watch its server-side tasks next to the driver's (the
# plugin's `stargate_emulator` runs on a thread of its own, tested apart).
@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def _session_server() -> AsyncIterator[EmulatorServer]:
    async with serve(port=0) as server:
        yield server


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def _session_client(_session_server: EmulatorServer) -> AsyncIterator[Client]:
    async with Client(_session_server.endpoint, token=_session_server.token) as client:
        yield client


@pytest_asyncio.fixture(loop_scope="session")
async def server(_session_server: EmulatorServer) -> AsyncIterator[EmulatorServer]:
    """The session emulator, with fault rules cleared after each test."""
    yield _session_server
    _session_server.faults.clear()


@pytest_asyncio.fixture(loop_scope="session")
async def client(_session_client: Client, server: EmulatorServer) -> Client:
    return _session_client


@pytest_asyncio.fixture(loop_scope="session")
async def ks(_session_client: Client) -> AsyncIterator[str]:
    """A fresh keyspace on `server`, dropped afterwards."""
    from astra_grpc_async.testing import create_keyspace  # imported once the plugin is

    name = await create_keyspace(_session_client)
    yield name
    await _session_client.execute(f"DROP KEYSPACE IF EXISTS {name}")
