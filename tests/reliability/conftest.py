"""Fixtures for the reliability suite: the session emulator (fault rules
cleared after each test), a client on it and a fresh keyspace. Tests that
restart, stall or overload a server start their own."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from astra_grpc_async import Client
from astra_grpc_async.emulator import EmulatorServer


@pytest_asyncio.fixture(loop_scope="session")
async def server(stargate_emulator: EmulatorServer) -> AsyncIterator[EmulatorServer]:
    yield stargate_emulator
    stargate_emulator.faults.clear()


@pytest_asyncio.fixture(loop_scope="session")
async def client(stargate_client: Client, server: EmulatorServer) -> Client:
    return stargate_client


@pytest_asyncio.fixture(loop_scope="session")
async def ks(stargate_keyspace: str) -> str:
    return stargate_keyspace
