"""The final report: a dict (the JSON file's content) and its text summary.

The summary is plain aligned text written without wrapping, so that it is
whole in a terminal, a pipe or a CI log alike."""

from __future__ import annotations

import json
import platform
from pathlib import Path
from typing import Any

from rich.console import Console

from ..._version import __version__
from .runner import LoadResult
from .stats import percentile_curve, summarize

REPORT_VERSION = 1
RATE_TOLERANCE = 0.05  # a target rate missed by more than this share is reported


def to_dict(result: LoadResult, *, target: str) -> dict[str, Any]:
    rec = result.recorder
    elapsed = result.elapsed
    by_kind = {
        kind: {
            "operations": hist.get_total_count(),
            "errors": rec.errors_by_kind.get(kind, 0),
            "latency_ms": summarize(hist),
            "percentile_curve": percentile_curve(hist),
        }
        for kind, hist in rec.by_kind.items()
    }
    throughput = round(rec.operations / elapsed, 1) if elapsed > 0 else 0.0
    return {
        "report_version": REPORT_VERSION,
        "tool": f"astra-grpc load {__version__}",
        "python": platform.python_version(),
        "target": target,
        "config": result.config.as_dict(),
        "started_at": result.started_at.isoformat(),
        "elapsed_s": round(elapsed, 3),
        "stopped_early": result.stopped_early,
        "operations": rec.operations,
        "errors": rec.errors,
        "throughput_ops_s": throughput,
        "target_rate": _target_rate(result.config.rate, result.start_rate),
        "latency_ms": summarize(rec.total),
        "by_operation": by_kind,
        "errors_by_type": dict(rec.errors_by_type.most_common()),
        "timeline": [t.as_dict() for t in rec.timeline],
        "final_partial_interval": None if rec.partial is None else rec.partial.as_dict(),
    }


def _target_rate(rate: float | None, achieved: float | None) -> dict[str, Any] | None:
    """With --rate: the target, the rate operations were started at, and
    whether it fell short of the target by more than RATE_TOLERANCE."""
    if rate is None:
        return None
    if achieved is None:  # fewer than two operations: no rate to speak of
        return {"target_ops_s": rate, "achieved_ops_s": None, "achieved_share": None,
                "missed": False}  # fmt: skip
    return {
        "target_ops_s": rate,
        "achieved_ops_s": round(achieved, 1),
        "achieved_share": round(achieved / rate, 4),
        "missed": achieved < rate * (1.0 - RATE_TOLERANCE),
    }


def write_json(data: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


COLUMNS = ("p50", "p90", "p99", "p99_9", "max", "mean")


def summary_lines(data: dict[str, Any]) -> list[str]:
    head = (
        f"{data['operations']} operations, {data['errors']} errors in {data['elapsed_s']:.2f} s "
        f"-> {data['throughput_ops_s']:.1f} ops/s against {data['target']}"
    )
    if data["stopped_early"]:
        head += " (stopped early)"
    lines = [head]
    rate = data.get("target_rate")
    if rate is not None and rate["missed"]:
        lines.append(
            f"TARGET RATE MISSED: --rate {rate['target_ops_s']:g} ops/s, but operations "
            f"started at {rate['achieved_ops_s']:.1f} ops/s ({rate['achieved_share']:.1%} of "
            "the target): more --concurrency, or a faster server, is needed"
        )
    header = ["operation", "count", "errors", *(c.replace("_", ".") for c in COLUMNS)]
    rows = [["all", str(data["operations"]), str(data["errors"]),
             *(_ms(data["latency_ms"][c]) for c in COLUMNS)]]  # fmt: skip
    for kind, part in data["by_operation"].items():
        rows.append([kind, str(part["operations"]), str(part["errors"]),
                     *(_ms(part["latency_ms"][c]) for c in COLUMNS)])  # fmt: skip
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = (c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))
        return "  ".join([first, *rest])

    lines += ["latency (ms):", line(header), *(line(r) for r in rows)]
    lines += [f"  {count} x {name}" for name, count in data["errors_by_type"].items()]
    return lines


def print_report(data: dict[str, Any], console: Console) -> None:
    for text in summary_lines(data):
        console.out(text, highlight=False)
