"""examples/script.py: its main() against the emulator, and as a process."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from astra_grpc_async.emulator import EmulatorServer

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "script.py"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("_example_script", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_main_against_the_emulator(
    stargate_emulator: EmulatorServer, capsys: pytest.CaptureFixture[str]
) -> None:
    script = load_script()
    read = await script.main(
        stargate_emulator.endpoint, stargate_emulator.token, keyspace="script_test", rows=1000
    )
    assert read == 1000
    out = capsys.readouterr().out
    assert "inserted 1000 rows" in out and "read 1000 rows back in 4 pages of up to 250" in out


async def test_main_with_an_embedded_emulator(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("STARGATE_GRPC_ENDPOINT", "ASTRA_DB_ID"):
        monkeypatch.delenv(name, raising=False)
    assert await load_script().main(rows=300, page_size=100) == 300
    assert "read 300 rows back in 3 pages" in capsys.readouterr().out
