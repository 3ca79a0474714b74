"""examples/protocol_layer.py: its main() against the emulator, and as a process."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from astra_grpc_async.emulator import EmulatorServer

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "protocol_layer.py"


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("_example_protocol_layer", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_main_against_the_emulator(
    stargate_emulator: EmulatorServer, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = await load_example().main(
        stargate_emulator.endpoint, stargate_emulator.token, keyspace="proto_example"
    )
    assert sorted(rows) == [("apple", 3), ("pear", 5)]
    out = capsys.readouterr().out.splitlines()
    assert out[:2] == ["apple: 3", "pear: 5"]
    assert sorted(out[2:]) == [
        "refused: Undefined column name nope in table proto_example.stock",
        "streamed: 3",
        "streamed: 5",
    ]


def test_runs_as_a_script() -> None:
    env = {k: v for k, v in os.environ.items() if k != "STARGATE_GRPC_ENDPOINT"}
    done = subprocess.run(
        [sys.executable, str(SCRIPT)], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "apple: 3" in done.stdout and "refused:" in done.stdout
