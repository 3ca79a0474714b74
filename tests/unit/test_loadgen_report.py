"""Recorder, the report dict, its JSON and its plot, without a server."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from rich.console import Console

from astra_grpc_async import errors
from astra_grpc_async.cli.loadgen import report
from astra_grpc_async.cli.loadgen.config import LoadConfig
from astra_grpc_async.cli.loadgen.plot import plot_latency
from astra_grpc_async.cli.loadgen.runner import LoadResult
from astra_grpc_async.cli.loadgen.stats import HIGHEST_US, Recorder, summarize

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _result() -> LoadResult:
    rec = Recorder()
    for i in range(1, 1001):
        rec.record("read", i * 10)  # 10 us .. 10 ms
    for _ in range(10):
        rec.record("write", 50_000)  # 50 ms
    rec.tick(0.5, 0.5)
    rec.error("write", errors.UnavailableError("no", code="UNAVAILABLE"))
    rec.error("read", errors.ClientDeadlineError("late", code="DEADLINE_EXCEEDED"))
    rec.record("read", 2_000)
    rec.tick(1.0, 0.5)
    started = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    return LoadResult(LoadConfig(count=1013), rec, started, elapsed=1.0, stopped_early=False)


def test_summary_percentiles_in_milliseconds() -> None:
    rec = Recorder()
    for i in range(1, 1001):
        rec.record("read", i * 1000)  # 1 .. 1000 ms
    s = summarize(rec.total)
    assert s["p50"] == pytest.approx(500, rel=0.01)
    assert s["p90"] == pytest.approx(900, rel=0.01)
    assert s["p99"] == pytest.approx(990, rel=0.01)
    assert s["p99_9"] == pytest.approx(999, rel=0.01)
    assert s["max"] == pytest.approx(1000, rel=0.01)
    assert s["min"] == pytest.approx(1, rel=0.01)


def test_empty_histogram_summarizes_to_none() -> None:
    assert set(summarize(Recorder().total).values()) == {None}


def test_out_of_range_latencies_are_clamped() -> None:
    rec = Recorder()
    rec.record("read", 0)
    rec.record("read", HIGHEST_US * 10)
    assert rec.total.get_total_count() == 2


def test_ticks_cover_intervals_and_totals() -> None:
    result = _result()
    first, second = result.recorder.timeline
    assert (first.ops, first.errors, first.total_ops) == (1010, 0, 1010)
    assert (second.ops, second.errors, second.total_errors) == (1, 2, 2)
    assert first.throughput == pytest.approx(2020)
    assert second.p50_ms == pytest.approx(2.0, rel=0.01)


def test_report_dict_json_and_table(tmp_path: Path) -> None:
    data = report.to_dict(_result(), target="127.0.0.1:1")
    assert data["operations"] == 1011 and data["errors"] == 2
    assert data["throughput_ops_s"] == pytest.approx(1011)
    assert set(data["latency_ms"]) >= {"p50", "p90", "p99", "p99_9", "max"}
    assert data["by_operation"]["write"]["operations"] == 10
    assert data["by_operation"]["write"]["errors"] == 1
    assert data["errors_by_type"] == {
        "UnavailableError (UNAVAILABLE)": 1,
        "ClientDeadlineError (DEADLINE_EXCEEDED)": 1,
    }
    assert [p["t"] for p in data["timeline"]] == [0.5, 1.0]
    path = tmp_path / "out" / "report.json"
    report.write_json(data, path)
    assert json.loads(path.read_text()) == data

    console = Console(record=True, width=120)
    report.print_report(data, console)
    text = console.export_text()
    assert "1011 operations, 2 errors" in text and "p99.9" in text and "UnavailableError" in text


def test_plot_is_a_png(tmp_path: Path) -> None:
    data = report.to_dict(_result(), target="127.0.0.1:1")
    path = tmp_path / "latency.png"
    plot_latency(data, path)
    assert path.read_bytes()[:8] == PNG_MAGIC
