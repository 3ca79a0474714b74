"""The final report: a dict (the JSON file's content) and a rich table."""

from __future__ import annotations

import json
import platform
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from ..._version import __version__
from .runner import LoadResult
from .stats import summarize

REPORT_VERSION = 1


def to_dict(result: LoadResult, *, target: str) -> dict[str, Any]:
    rec = result.recorder
    elapsed = result.elapsed
    by_kind = {
        kind: {
            "operations": hist.get_total_count(),
            "errors": rec.errors_by_kind.get(kind, 0),
            "latency_ms": summarize(hist),
        }
        for kind, hist in rec.by_kind.items()
    }
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
        "throughput_ops_s": round(rec.operations / elapsed, 1) if elapsed > 0 else 0.0,
        "latency_ms": summarize(rec.total),
        "by_operation": by_kind,
        "errors_by_type": dict(rec.errors_by_type.most_common()),
        "timeline": [t.as_dict() for t in rec.timeline],
    }


def write_json(data: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def print_report(data: dict[str, Any], console: Console) -> None:
    head = (
        f"{data['operations']} operations, {data['errors']} errors in {data['elapsed_s']:.2f} s "
        f"-> {data['throughput_ops_s']:.1f} ops/s against {data['target']}"
    )
    if data["stopped_early"]:
        head += " (stopped early)"
    console.print(head)
    table = Table(title="latency (ms)", header_style="bold")
    columns = ("p50", "p90", "p99", "p99_9", "max", "mean")
    table.add_column("operation")
    table.add_column("count", justify="right")
    table.add_column("errors", justify="right")
    for name in columns:
        table.add_column(name.replace("_", "."), justify="right")
    rows = [("all", data["operations"], data["errors"], data["latency_ms"])]
    rows += [
        (kind, part["operations"], part["errors"], part["latency_ms"])
        for kind, part in data["by_operation"].items()
    ]
    for kind, count, errs, lat in rows:
        table.add_row(kind, str(count), str(errs), *(_ms(lat[c]) for c in columns))
    console.print(table)
    for name, count in data["errors_by_type"].items():
        console.print(f"  [red]{count} x {name}[/]")
