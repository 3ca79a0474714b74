"""The live suite (tests/live) passes unchanged against the emulator, with a
static token and with Auth API tokens: that is how the suite itself is tested."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

RUNNER = Path(__file__).resolve().parents[1] / "live" / "against_emulator.py"


async def _run(*args: str) -> str:
    child = await asyncio.create_subprocess_exec(
        sys.executable, str(RUNNER), *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await child.communicate()
    text = out.decode()
    assert child.returncode == 0, text[-4000:]
    return text


def _counts(text: str) -> dict[str, int]:
    return {word: int(n) for n, word in re.findall(r"(\d+) (passed|skipped|failed|error)", text)}


async def test_live_suite_passes_with_a_static_token_and_with_auth_api_tokens() -> None:
    # both runs at once: each is mostly interpreter start-up
    static, auth_api = await asyncio.gather(_run("-x"), _run("--auth-api", "-x"))
    counts = _counts(static)
    assert counts.get("passed", 0) >= 7 and "failed" not in counts, static[-2000:]
    # only the refresh check needs the Auth API, and it says so
    assert counts.get("skipped") == 1 and "token refresh needs the Auth API" in static
    counts = _counts(auth_api)
    assert counts.get("passed", 0) >= 8 and "skipped" not in counts, auth_api[-2000:]
