"""`astra-grpc load`: short bounded runs, the JSON report and the PNG plot."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

import astra_grpc_async as aga
from astra_grpc_async.cli.loadgen import LoadConfig, run_load
from astra_grpc_async.cli.loadgen.stats import Tick
from astra_grpc_async.cli.main import build_parser, load_main
from astra_grpc_async.emulator import EmulatorServer

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


async def run_cli(*args: str) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASTRA_DB_", "STARGATE_"))}
    env.update(COLUMNS="120", PYTHONWARNINGS="error")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "astra_grpc_async.cli", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


def check_report(data: dict[str, Any]) -> None:
    assert data["report_version"] == 1
    assert data["operations"] > 0 and data["errors"] == 0
    assert data["throughput_ops_s"] > 0 and data["elapsed_s"] > 0
    lat = data["latency_ms"]
    assert set(lat) >= {"min", "mean", "p50", "p90", "p99", "p99_9", "max"}
    assert 0 < lat["p50"] <= lat["p90"] <= lat["p99"] <= lat["p99_9"] <= lat["max"]
    by_op = data["by_operation"]
    assert set(by_op) == {"read", "write"}
    assert by_op["read"]["operations"] + by_op["write"]["operations"] == data["operations"]
    assert data["timeline"] and all("throughput_ops_s" in p for p in data["timeline"])
    assert data["errors_by_type"] == {}


async def test_load_for_a_duration_against_an_endpoint(
    stargate_emulator: EmulatorServer, tmp_path: Path
) -> None:
    report, plot = tmp_path / "report.json", tmp_path / "latency.png"
    code, out, err = await run_cli(
        "load", "--endpoint", stargate_emulator.endpoint, "--token", stargate_emulator.token,
        "--duration", "1.5", "--concurrency", "8", "--read-ratio", "0.7", "--interval", "0.25",
        "--keyspace", "load_cli", "--json", str(report), "--plot", str(plot),
    )  # fmt: skip
    assert code == 0, err
    data = json.loads(report.read_text())
    check_report(data)
    assert data["target"] == stargate_emulator.endpoint
    assert 1.4 <= data["elapsed_s"] < 5
    assert data["config"]["concurrency"] == 8 and data["config"]["read_ratio"] == 0.7
    assert len(data["timeline"]) >= 4
    assert plot.read_bytes()[:8] == PNG_MAGIC
    assert "p99.9" in out and "ops/s" in out  # the final table on stdout
    assert "p99 all ms" in err  # the live progress on stderr


async def test_load_count_and_rate_on_the_embedded_emulator(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("STARGATE_GRPC_ENDPOINT", "ASTRA_DB_ID"):
        monkeypatch.delenv(name, raising=False)
    report = tmp_path / "r.json"
    args = build_parser().parse_args([
        "load", "--count", "300", "--rate", "400", "--concurrency", "4", "--quiet",
        "--seed", "7", "--json", str(report),
    ])  # fmt: skip
    assert await load_main(args, handle_sigint=False) == 0
    assert "embedded emulator" in capsys.readouterr().err
    data = json.loads(report.read_text())
    check_report(data)
    assert data["operations"] == 300
    # paced at 400/s: 300 operations take about 0.75 s, not less
    assert data["elapsed_s"] >= 0.7
    assert data["throughput_ops_s"] <= 450


async def test_run_load_in_process_counts_errors(stargate_emulator: EmulatorServer) -> None:
    cfg = LoadConfig(count=200, concurrency=8, keyspace="load_errors", interval=0.1, seed=1)
    ticks: list[Tick] = []
    async with aga.Client(
        stargate_emulator.endpoint, token=stargate_emulator.token, retry=aga.NO_RETRY
    ) as client:
        stargate_emulator.faults.fail_next(5, "overloaded", match="SELECT value FROM load_errors")
        try:
            result = await run_load(client, cfg, on_tick=ticks.append)
        finally:
            stargate_emulator.faults.clear()
    assert result.operations + result.errors == 200
    assert result.errors == 5
    assert result.recorder.errors_by_kind == {"read": 5}
    assert dict(result.recorder.errors_by_type) == {"OverloadedError (RESOURCE_EXHAUSTED)": 5}
    assert ticks and ticks[-1].total_ops == result.operations
    assert sum(t.errors for t in ticks) == 5
    assert not result.stopped_early


async def test_stop_event_ends_the_run_early(stargate_client: aga.Client) -> None:
    stop = asyncio.Event()
    cfg = LoadConfig(duration=30, concurrency=4, keyspace="load_stop", interval=0.1)
    asyncio.get_running_loop().call_later(0.5, stop.set)
    result = await asyncio.wait_for(run_load(stargate_client, cfg, stop=stop), 10)
    assert result.stopped_early and result.elapsed < 5 and result.operations > 0


def test_invalid_config_is_refused_before_connecting() -> None:
    with pytest.raises(ValueError, match="keyspace"):
        LoadConfig(keyspace="no spaces")
