"""The interactive shell on a real terminal (a pty, through pexpect): tab
completion, the single-key `--More--`, multi-line history entries, and the
history file's permissions.

The pty is driven from a separate process (cli_pty_driver.py): forking one
from here, where gRPC's threads run, is unsafe."""

from __future__ import annotations

import asyncio
import json
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import astra_grpc_async as aga
from astra_grpc_async.emulator import EmulatorServer

DRIVER = Path(__file__).with_name("cli_pty_driver.py")


async def drive(scenario: str, server: EmulatorServer, history: Path) -> dict[str, Any]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(DRIVER), scenario, server.endpoint, server.token, str(history),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0, err.decode()
    result: dict[str, Any] = json.loads(out)
    return result


@pytest.fixture
async def keyspace(stargate_client: aga.Client) -> str:
    await stargate_client.execute(
        "CREATE KEYSPACE IF NOT EXISTS completion_pty_ks WITH replication = "
        "{'class': 'SimpleStrategy', 'replication_factor': 1}"
    )
    await stargate_client.execute(
        "CREATE TABLE IF NOT EXISTS completion_pty_ks.pages (k int, c int, v text, "
        "PRIMARY KEY (k, c))"
    )
    for c in range(1, 6):
        await stargate_client.execute(
            "INSERT INTO completion_pty_ks.pages (k, c, v) VALUES (1, ?, ?)", [c, f"row-{c}"]
        )
    return "completion_pty_ks"


async def test_tab_completes_keyspaces_and_tables(
    stargate_emulator: EmulatorServer, keyspace: str, tmp_path: Path
) -> None:
    seen = await drive("complete", stargate_emulator, tmp_path / "history")
    assert "row-3" in seen["shown"] and seen["code"] == 0


async def test_more_continues_on_a_single_key(
    stargate_emulator: EmulatorServer, keyspace: str, tmp_path: Path
) -> None:
    seen = await drive("more", stargate_emulator, tmp_path / "history")
    first, rest = seen["first"], seen["rest"]
    assert "row-1" in first and "row-2" in first and "row-3" not in first
    assert "row-3" in rest and "row-4" in rest
    assert "row-5" not in rest  # q stopped before the third page
    assert seen["code"] == 0


async def test_a_multi_line_statement_is_one_history_entry(
    stargate_emulator: EmulatorServer, tmp_path: Path
) -> None:
    history = tmp_path / "sub" / "history"
    assert (await drive("multiline", stargate_emulator, history))["code"] == 0
    assert stat.S_IMODE(history.stat().st_mode) == 0o600
    entries = [
        "\n".join(line[1:] for line in block.splitlines() if line.startswith("+"))
        for block in history.read_text().split("\n# ")
    ]
    assert "SELECT release_version\nFROM system.local;" in entries
    assert "SELECT release_version" not in entries  # not also as a line of its own


async def test_an_existing_history_file_is_made_private(
    stargate_emulator: EmulatorServer, tmp_path: Path
) -> None:
    history = tmp_path / "history"
    history.write_text("")
    history.chmod(0o644)
    assert (await drive("start_and_leave", stargate_emulator, history))["code"] == 0
    assert stat.S_IMODE(history.stat().st_mode) == 0o600


async def test_ctrl_c_cancels_the_running_statement_not_the_shell(
    stargate_emulator: EmulatorServer,
    tmp_path: Path,
    hold_statement: Callable[[str], asyncio.Event],
) -> None:
    arrived = hold_statement("held_by_the_server")
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, str(DRIVER), "interrupt", stargate_emulator.endpoint,
            stargate_emulator.token, str(tmp_path / "history"),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        await asyncio.wait_for(arrived.wait(), 60)
        out, err = await asyncio.wait_for(proc.communicate(b"go\n"), 120)
    finally:
        stargate_emulator.faults.clear()
    assert proc.returncode == 0, err.decode()
    assert json.loads(out)["code"] == 0
