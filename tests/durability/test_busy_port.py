"""A port another process listens on: one line on stderr, exit status 1."""

from __future__ import annotations

import socket
import sys

import pytest
from emulator_process import EMULATOR, run_to_exit

import astra_grpc_async as aga

COMMANDS = {
    "python -m astra_grpc_async.emulator": EMULATOR,
    "astra-grpc emulator": (sys.executable, "-m", "astra_grpc_async.cli", "emulator"),
}


@pytest.fixture
def busy_port() -> object:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


@pytest.mark.parametrize("command", COMMANDS)
async def test_busy_port_is_one_line_and_exit_1(command: str, busy_port: int) -> None:
    exited = await run_to_exit([*COMMANDS[command], "--port", str(busy_port)])
    assert exited.code == 1
    assert len(exited.stderr_lines) == 1, exited.stderr
    line = exited.stderr_lines[0]
    assert f"127.0.0.1:{busy_port}" in line and "in use" in line
    assert "Traceback" not in exited.stderr and exited.stdout == ""


async def test_serve_on_a_busy_port_raises_a_typed_error(busy_port: int) -> None:
    with pytest.raises(aga.emulator.EmulatorStartError, match="in use"):
        async with aga.emulator.serve(port=busy_port):
            pass
