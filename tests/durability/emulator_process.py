"""An emulator in its own process: what kill -9 and exit statuses need."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

TOKEN = "durability-test-token"
EMULATOR = (sys.executable, "-m", "astra_grpc_async.emulator")


@dataclass
class Exited:
    code: int
    stdout: str
    stderr: str

    @property
    def stderr_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


class EmulatorProcess:
    def __init__(self, proc: asyncio.subprocess.Process, endpoint: str) -> None:
        self.proc = proc
        self.endpoint = endpoint
        self.stderr = ""  # what it wrote there, once killed

    async def kill(self) -> None:
        """SIGKILL: no shutdown code runs, nothing is flushed."""
        if self.proc.returncode is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        await self.proc.wait()
        assert self.proc.stdout is not None and self.proc.stderr is not None
        await self.proc.stdout.read()
        self.stderr += (await self.proc.stderr.read()).decode()


def _env(extra: Mapping[str, str] | None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(extra or {})
    return env


async def start(
    data_dir: Path,
    *args: str,
    env: Mapping[str, str] | None = None,
) -> EmulatorProcess:
    proc = await asyncio.create_subprocess_exec(
        *EMULATOR, "--port", "0", "--token", TOKEN, "--data-dir", str(data_dir), "--quiet", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=_env(env),
    )  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    line = await asyncio.wait_for(proc.stdout.readline(), 60)
    if not line.startswith(b"endpoint: "):
        err = await proc.stderr.read()
        await proc.wait()
        raise AssertionError(f"emulator did not start: {line!r} {err.decode()}")
    token_line = await asyncio.wait_for(proc.stdout.readline(), 10)
    assert token_line.strip() == f"token: {TOKEN}".encode()
    return EmulatorProcess(proc, line.split(b" ", 1)[1].strip().decode())


async def run_to_exit(
    argv: Sequence[str], env: Mapping[str, str] | None = None, timeout: float = 60
) -> Exited:
    """Run a command that is expected to exit by itself (a refused start)."""
    proc = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=_env(env)
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise AssertionError(f"{argv} did not exit within {timeout} s") from None
    assert proc.returncode is not None
    return Exited(proc.returncode, out.decode(), err.decode())
