"""What `astra-grpc cql` prints: float and time values, alignment, EXPAND, and
whole values in a pipe (through -e, and the real process for the pipe)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import re
import sys

import pytest

import astra_grpc_async as aga
from astra_grpc_async.cli.formatting import float32_text, format_value, time_text, to_jsonable
from astra_grpc_async.cli.main import build_parser, cql_main
from astra_grpc_async.emulator import EmulatorServer

SETUP = (
    "CREATE KEYSPACE IF NOT EXISTS out_ks WITH replication = "
    "{'class': 'SimpleStrategy', 'replication_factor': 1};"
    "CREATE TABLE IF NOT EXISTS out_ks.t (k int PRIMARY KEY, f float, d double, t time, "
    "name text, fl list<float>, fm map<text, float>);"
    "INSERT INTO out_ks.t (k, f, d, t, name, fl, fm) VALUES "
    "(1, 1.1, 1.1, '12:34:56.123456789', 'ada', [1.1, 0.3], {'x': 2.2});"
    "INSERT INTO out_ks.t (k, f, t, name) VALUES (1000, 12345.5, '01:02:03', 'bob');"
)


@pytest.fixture(autouse=True)
def no_endpoint_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("ASTRA_DB_", "STARGATE_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("COLUMNS", "200")


async def cql(server: EmulatorServer, *args: str) -> int:
    argv = ["cql", "--endpoint", server.endpoint, "--token", server.token, *args]
    return await cql_main(build_parser().parse_args(argv))


def test_float32_and_time_text() -> None:
    assert float32_text(1.100000023841858) == "1.1"
    assert float32_text(0.30000001192092896) == "0.3"
    assert float32_text(16777216.0) == "16777216.0"
    assert float32_text(3.4028234663852886e38) == "3.4028235e+38"
    assert float32_text(float("inf")) == "inf"
    assert time_text(aga.Time(45296123456789)) == "12:34:56.123456789"
    assert time_text(dt.time(1, 2, 3, 4)) == "01:02:03.000004000"
    assert format_value([1.100000023841858], "list<float>") == "[1.1]"
    assert format_value(1.100000023841858, "double") == "1.100000023841858"  # a double stays
    assert to_jsonable({"x": 2.200000047683716}, "frozen<map<varchar, float>>") == {"x": 2.2}
    assert to_jsonable(dt.time(12, 0)) == "12:00:00.000000000"


async def test_table_output(
    stargate_emulator: EmulatorServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await cql(stargate_emulator, "-e", SETUP) == 0
    capsys.readouterr()
    assert await cql(stargate_emulator, "-e", "SELECT k, f, d, t, name, fl, fm FROM out_ks.t") == 0
    out = capsys.readouterr().out
    lines = {line.split("│")[1].strip(): line for line in out.splitlines() if "│" in line}
    ada, bob = lines["1"], lines["1000"]
    cells = [c for c in ada.split("│")[1:-1]]
    assert cells[1].strip() == "1.1" and cells[2].strip() == "1.1"  # float32 and double
    assert cells[3].strip() == "12:34:56.123456789"
    assert cells[5].strip() == "[1.1, 0.3]" and cells[6].strip() == "{'x': 2.2}"
    # numbers are right-aligned, text left-aligned
    assert cells[0] == " " * (len(cells[0]) - 2) + "1 "
    assert cells[4].startswith(" ada ")
    assert bob.split("│")[3].strip() == "null"
    assert "01:02:03.000000000" in bob


async def test_json_output(
    stargate_emulator: EmulatorServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await cql(stargate_emulator, "-e", SETUP) == 0
    capsys.readouterr()
    code = await cql(
        stargate_emulator, "--format", "json", "-e", "SELECT f, t, fl, fm FROM out_ks.t WHERE k = 1"
    )
    assert code == 0
    line = capsys.readouterr().out.strip()
    assert json.loads(line) == {
        "f": 1.1,
        "t": "12:34:56.123456789",
        "fl": [1.1, 0.3],
        "fm": {"x": 2.2},
    }
    assert '"f": 1.1,' in line


async def test_expand(
    stargate_emulator: EmulatorServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await cql(stargate_emulator, "-e", SETUP) == 0
    capsys.readouterr()
    code = await cql(
        stargate_emulator,
        "-e", "EXPAND ON; SELECT k, name FROM out_ks.t WHERE k = 1; EXPAND; EXPAND OFF; "
        "SELECT k, name FROM out_ks.t WHERE k = 1",
    )  # fmt: skip
    assert code == 0
    out = capsys.readouterr().out
    assert "\n@ Row 1\n------+----\n k    | 1\n name | ada\n" in out
    assert out.count("expanded output: ON") == 2 and "expanded output: OFF" in out
    assert "┃" in out.split("expanded output: OFF")[1]  # a table again
    assert await cql(stargate_emulator, "-e", "EXPAND SIDEWAYS") == 2
    assert "EXPAND takes ON or OFF" in capsys.readouterr().err


async def test_nothing_is_cut_in_a_pipe(stargate_emulator: EmulatorServer) -> None:
    long = "x" * 150 + "END"
    stmts = (
        SETUP + f"INSERT INTO out_ks.t (k, name) VALUES (7, '{long}');"
        "SELECT k, name, f, d, t, fl, fm FROM out_ks.t WHERE k = 7;"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASTRA_DB_", "STARGATE_"))}
    env.pop("COLUMNS", None)  # a pipe: rich would assume 80 columns
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "astra_grpc_async.cli", "cql",
        "--endpoint", stargate_emulator.endpoint, "--token", stargate_emulator.token, "-e", stmts,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    out_b, err_b = await asyncio.wait_for(proc.communicate(), 60)
    out = out_b.decode()
    assert proc.returncode == 0, err_b.decode()
    assert long in out and "…" not in out
    row = next(line for line in out.splitlines() if "END" in line)
    assert len(row) > 160 and re.search(r"│\s+7 │", row)
