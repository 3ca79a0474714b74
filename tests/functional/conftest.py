"""The functional suite's `server`, `client` and `ks` are in tests/conftest.py."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

import pytest

from astra_grpc_async.testing import EmulatorThread

Hold = Callable[[str], asyncio.Event]


@pytest.fixture
def hold_statement(stargate_emulator: EmulatorThread, monkeypatch: pytest.MonkeyPatch) -> Hold:
    """`hold_statement(marker)`: statements containing `marker` are held on the
    server for 60 s; the returned event is set once one of them has arrived
    (the plugin clears the latency rule after the test)."""

    def hold(marker: str) -> asyncio.Event:
        faults = stargate_emulator.faults
        arrived = asyncio.Event()
        loop = asyncio.get_running_loop()
        apply = faults.apply

        async def apply_and_tell(method: str, statements: Iterable[str]) -> None:
            cqls = tuple(statements)
            if any(marker in cql for cql in cqls):
                # this runs on the emulator's thread: wake the test's loop thread-safely
                loop.call_soon_threadsafe(arrived.set)
            await apply(method, cqls)

        monkeypatch.setattr(faults, "apply", apply_and_tell)
        faults.add_latency(60, match=marker)
        return arrived

    return hold
