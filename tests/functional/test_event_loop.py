"""The suite runs on the loop AGA_LOOP names (see tests/conftest.py)."""

from __future__ import annotations

import asyncio
import os


async def test_runs_on_the_chosen_loop() -> None:
    loop = asyncio.get_running_loop()
    if os.environ.get("AGA_LOOP") == "uvloop":
        import uvloop

        assert isinstance(loop, uvloop.Loop)
    else:
        assert type(loop).__module__.startswith("asyncio.")
