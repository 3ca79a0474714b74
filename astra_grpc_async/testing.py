"""Helpers for users' own test suites: an emulator and a client in fixtures.

In a conftest.py:

    pytest_plugins = ["astra_grpc_async.testing"]

    async def test_users(stargate_client, stargate_keyspace):
        await stargate_client.execute(f"CREATE TABLE {stargate_keyspace}.t (id int PRIMARY KEY)")

`stargate_emulator` is one emulator per test session, `stargate_client` a
client connected to it, `stargate_keyspace` a fresh keyspace per test
(dropped afterwards). Needs pytest-asyncio; the fixtures use the session
loop because grpc.aio channels are bound to the loop that made them.
Without pytest, use `emulated_client()`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
from collections.abc import AsyncIterator
from typing import Any

from .client import Client
from .emulator import EmulatorServer, serve

_counter = itertools.count(1)


@contextlib.asynccontextmanager
async def emulated_client(**client_options: Any) -> AsyncIterator[tuple[EmulatorServer, Client]]:
    """An emulator on a free loopback port and a client connected to it."""
    async with (
        serve(port=0) as server,
        Client(server.endpoint, token=server.token, **client_options) as client,
    ):
        yield server, client


def pending_driver_tasks() -> set[asyncio.Task[Any]]:
    """Tasks of the driver (not of an in-process emulator) still pending: a
    test can assert this is empty after cancelling a call or a stream."""
    found = set()
    for task in asyncio.all_tasks():
        if task.done():
            continue
        code = getattr(task.get_coro(), "cr_code", None)
        filename = code.co_filename if code is not None else ""
        if (
            f"{os.sep}astra_grpc_async{os.sep}" in filename
            and f"{os.sep}emulator{os.sep}" not in filename
        ):
            found.add(task)
    return found


async def create_keyspace(client: Client, name: str | None = None) -> str:
    """Create a keyspace with a unique name (SimpleStrategy, RF 1); returns it."""
    ks = name or f"test_ks_{next(_counter)}"
    await client.execute(
        f"CREATE KEYSPACE IF NOT EXISTS {ks} "
        "WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
    )
    return ks


try:
    import pytest_asyncio
except ImportError:  # pragma: no cover - fixtures need pytest-asyncio
    pass
else:

    @pytest_asyncio.fixture(scope="session", loop_scope="session")
    async def stargate_emulator() -> AsyncIterator[EmulatorServer]:
        async with serve(port=0) as server:
            yield server

    @pytest_asyncio.fixture(scope="session", loop_scope="session")
    async def stargate_client(stargate_emulator: EmulatorServer) -> AsyncIterator[Client]:
        async with Client(stargate_emulator.endpoint, token=stargate_emulator.token) as client:
            yield client

    @pytest_asyncio.fixture(loop_scope="session")
    async def stargate_keyspace(stargate_client: Client) -> AsyncIterator[str]:
        ks = await create_keyspace(stargate_client)
        yield ks
        await stargate_client.execute(f"DROP KEYSPACE IF EXISTS {ks}")
