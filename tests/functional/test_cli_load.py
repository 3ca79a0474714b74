"""`astra-grpc load`: short bounded runs, the JSON report and the PNG plot."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import pytest

import astra_grpc_async as aga
from astra_grpc_async.cli.loadgen import LoadConfig, report, run_load
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
    assert all("throughput_ops_s" in p for p in data["timeline"])
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
    partial = data["final_partial_interval"]["ops"]
    assert sum(p["ops"] for p in data["timeline"]) + partial == 300
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
    final = result.recorder.partial  # the last, partial interval is not a tick
    last = final if final is not None else ticks[-1]
    assert last.total_ops == result.operations
    assert sum(t.errors for t in ticks) + (final.errors if final else 0) == 5
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


# --- non-TTY output, intervals, target rate, HdrHistogram log, plot ---------------

LINE = re.compile(r"^\s*(\d+\.\d),\s*(\d+),\s*(\d+),\s*(\d+),(\s*[\d.-]+,){4}\s*[\d.-]+$")


async def test_one_line_per_interval_off_a_terminal(
    stargate_emulator: EmulatorServer, tmp_path: Path
) -> None:
    report = tmp_path / "report.json"
    code, out, err = await run_cli(
        "load", "--endpoint", stargate_emulator.endpoint, "--token", stargate_emulator.token,
        "--duration", "1.2", "--concurrency", "4", "--interval", "0.2",
        "--keyspace", "load_lines", "--json", str(report),
    )  # fmt: skip
    assert code == 0, err
    data = json.loads(report.read_text())
    lines = err.splitlines()
    header = next(i for i, line in enumerate(lines) if "p99 all ms" in line)
    intervals = [line for line in lines[header + 1 :] if LINE.match(line)]
    # every full interval printed once, in order, and nothing redrawn in place
    assert [float(LINE.match(line).group(1)) for line in intervals] == [  # type: ignore[union-attr]
        round(p["t"], 1) for p in data["timeline"]
    ]
    assert "\x1b[" not in err
    # the summary is whole: every column of every row, nothing cut with an ellipsis
    assert "…" not in out
    table = out[out.index("latency (ms):") :].splitlines()
    assert table[1].split() == ["operation", "count", "errors", "p50", "p90", "p99", "p99.9",
                                "max", "mean"]  # fmt: skip
    assert [row.split()[0] for row in table[2:5]] == ["all", "read", "write"]
    assert all(len(row.split()) == 9 for row in table[2:5])


async def test_the_last_partial_interval_is_not_a_tick(stargate_client: aga.Client) -> None:
    cfg = LoadConfig(count=300, concurrency=4, keyspace="load_partial", interval=0.1)
    ticks: list[Tick] = []
    result = await run_load(stargate_client, cfg, on_tick=ticks.append)
    partial = result.recorder.partial
    assert partial is not None  # 300 operations do not end on an interval boundary
    assert result.recorder.timeline == ticks  # what is plotted is what was shown
    assert all(t.seconds >= cfg.interval / 2 for t in ticks)
    assert sum(t.ops for t in ticks) + partial.ops == result.operations == 300
    data = report.to_dict(result, target="x")
    assert data["final_partial_interval"]["ops"] == partial.ops
    assert len(data["timeline"]) == len(ticks)

    # a timed run: intervals end on the grid up to the deadline; the answers
    # still draining after it belong to the partial interval, not to a tick
    cfg = LoadConfig(duration=0.55, concurrency=4, keyspace="load_partial", interval=0.1)
    ticks.clear()
    result = await run_load(stargate_client, cfg, on_tick=ticks.append)
    assert len(ticks) <= 5 and result.recorder.partial is not None
    assert sum(t.ops for t in ticks) + result.recorder.partial.ops == result.operations


async def test_a_missed_target_rate_is_reported(
    stargate_emulator: EmulatorServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    slow = tmp_path / "slow.json"
    stargate_emulator.faults.add_latency(0.02, match="load_slow.kv")
    try:
        args = build_parser().parse_args([
            "load", "--endpoint", stargate_emulator.endpoint, "--token", stargate_emulator.token,
            "--count", "60", "--rate", "1000", "--concurrency", "2", "--quiet",
            "--keyspace", "load_slow", "--json", str(slow),
        ])  # fmt: skip
        assert await load_main(args, handle_sigint=False) == 0
    finally:
        stargate_emulator.faults.clear()
    out = capsys.readouterr().out
    rate = json.loads(slow.read_text())["target_rate"]
    assert rate["target_ops_s"] == 1000 and rate["missed"] is True
    assert rate["achieved_ops_s"] < 150  # two workers, 20 ms each: at most 100/s
    assert "TARGET RATE MISSED: --rate 1000 ops/s, but operations started at" in out

    kept = tmp_path / "kept.json"
    args = build_parser().parse_args([
        "load", "--endpoint", stargate_emulator.endpoint, "--token", stargate_emulator.token,
        "--count", "40", "--rate", "40", "--concurrency", "8", "--quiet",
        "--keyspace", "load_kept", "--json", str(kept),
    ])  # fmt: skip
    assert await load_main(args, handle_sigint=False) == 0
    rate = json.loads(kept.read_text())["target_rate"]
    assert rate["missed"] is False and rate["achieved_ops_s"] >= 38
    assert "TARGET RATE MISSED" not in capsys.readouterr().out


async def test_hdr_log_reads_back_with_hdrhistograms_reader(
    stargate_emulator: EmulatorServer, tmp_path: Path
) -> None:
    from hdrh.histogram import HdrHistogram
    from hdrh.log import HistogramLogReader

    log, report_path = tmp_path / "latency.hlog", tmp_path / "report.json"
    code, _, err = await run_cli(
        "load", "--endpoint", stargate_emulator.endpoint, "--token", stargate_emulator.token,
        "--count", "400", "--concurrency", "4", "--interval", "0.1", "--quiet",
        "--keyspace", "load_hdr", "--hdr-log", str(log), "--json", str(report_path),
    )  # fmt: skip
    assert code == 0, err
    data = json.loads(report_path.read_text())
    reader = HistogramLogReader(str(log), HdrHistogram(1, 3_600_000_000, 3))
    counts: dict[str | None, int] = {}
    intervals = 0
    while (hist := reader.get_next_interval_histogram()) is not None:
        tag = hist.get_tag()
        counts[tag] = counts.get(tag, 0) + hist.get_total_count()
        intervals += tag is None
    reader.close()
    assert counts[None] == data["operations"] == 400
    assert counts["read"] == data["by_operation"]["read"]["operations"]
    assert counts["write"] == data["by_operation"]["write"]["operations"]
    # every interval, the partial last one included
    assert intervals == len(data["timeline"]) + (data["final_partial_interval"] is not None)
    started = dt.datetime.fromisoformat(data["started_at"]).timestamp()
    assert abs(reader.get_start_time_sec() - started) < 1


def test_the_plot_is_a_latency_by_percentile_curve(tmp_path: Path) -> None:
    from astra_grpc_async.cli.loadgen.plot import build_figure, plot_latency
    from astra_grpc_async.cli.loadgen.stats import new_histogram, percentile_curve

    by_op = {}
    for kind, base in (("read", 1000), ("write", 3000)):
        hist = new_histogram()
        for i in range(20_000):
            hist.record_value(base + i % 997)
        by_op[kind] = {
            "operations": 20_000,
            "errors": 0,
            "percentile_curve": percentile_curve(hist),
        }
    data = {
        "target": "127.0.0.1:45678", "operations": 40_000, "throughput_ops_s": 1000.0,
        "config": {"concurrency": 8, "read_ratio": 0.5, "rate": None},
        "by_operation": by_op,
        "timeline": [{"t": 1.0, "p50_ms": 1.0, "p99_ms": 2.0, "max_ms": 3.0,
                      "throughput_ops_s": 1000.0, "errors": 0}],
    }  # fmt: skip
    fig = build_figure(data)
    title = fig.get_suptitle()
    assert "127.0.0.1" in title and "45678" not in title
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_ylim()[0] == 0
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[:6] == ["0", "50", "90", "99", "99.9", "99.99"]
    assert [line.get_label().split()[0] for line in ax.get_lines()] == ["read", "write"]
    read_y = ax.get_lines()[0].get_ydata()
    assert list(read_y) == sorted(read_y)  # latency grows with the percentile
    assert not any(p.__class__.__name__ == "Rectangle" and p.get_height() > 0
                   for p in ax.patches)  # no bars  # fmt: skip
    png = tmp_path / "curve.png"
    plot_latency(data, png)
    assert png.read_bytes()[:8] == PNG_MAGIC
