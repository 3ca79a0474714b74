"""Result records, the plain-text table and the JSON file."""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from dataclasses import asdict, dataclass, field
from importlib import metadata
from typing import Any

import psutil


@dataclass
class Metric:
    """One line of the table."""

    workload: str
    variant: str
    metric: str
    value: float
    unit: str = ""
    ratio: float | None = None  # value / baseline value
    baseline: str | None = None  # the variant the ratio is against
    target: str | None = None  # e.g. "<= 1.2x", "< 50 MiB", "== 0"
    passed: bool | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def check(value: float, op: str, limit: float) -> bool:
    return {"<=": value <= limit, ">=": value >= limit, "<": value < limit, "==": value == limit}[
        op
    ]


def _fmt_value(m: Metric) -> str:
    v = m.value
    if m.unit in ("calls/s", "rows/s", "MiB", "ms", "µs"):
        text = f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.1f}"
    elif m.unit in ("", "count"):
        text = f"{v:,.0f}" if float(v).is_integer() else f"{v:,.3g}"
    else:
        text = f"{v:,.3g}"
    return f"{text} {m.unit}".rstrip() if m.unit not in ("", "count") else text


def _order(m: Metric) -> str:
    return m.workload.split()[0]


def table(metrics: list[Metric]) -> str:
    metrics = sorted(metrics, key=_order)  # by workload number, stable within one
    header = ("workload", "variant", "metric", "value", "ratio", "target", "result")
    rows = []
    for m in metrics:
        ratio = f"{m.ratio:.2f}x {m.baseline}" if m.ratio is not None else ""
        result = "" if m.passed is None else ("PASS" if m.passed else "FAIL")
        rows.append((m.workload, m.variant, m.metric, _fmt_value(m), ratio, m.target or "", result))
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in
              enumerate(header)]  # fmt: skip
    right = {3}
    lines = []

    def line(cells: tuple[str, ...]) -> str:
        pairs = enumerate(zip(cells, widths, strict=True))
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in pairs).rstrip()

    lines.append(line(header))
    lines.append("  ".join("-" * w for w in widths))
    last = None
    for m, r in zip(metrics, rows, strict=True):
        if last is not None and m.workload != last:
            lines.append("")
        last = m.workload
        lines.append(line(r))
    notes = [f"[{m.workload}/{m.variant}] {m.note}" for m in metrics if m.note]
    if notes:
        lines.append("")
        lines.extend(dict.fromkeys(notes))  # unique, in order
    return "\n".join(lines)


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_info(loop: str) -> dict[str, Any]:
    from google.protobuf.internal import api_implementation

    return {
        "cpu_model": _cpu_model(),
        "logical_cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "physical_cores": psutil.cpu_count(logical=False),
        "memory_total_mib": psutil.virtual_memory().total // 2**20,
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "python_impl": platform.python_implementation(),
        "event_loop": loop,
        "grpcio": _version("grpcio"),
        "protobuf": _version("protobuf"),
        "protobuf_backend": api_implementation.Type(),
        "betterproto2": _version("betterproto2"),
        "grpclib": _version("grpclib"),
        "uvloop": _version("uvloop"),
        "astra_grpc_async": _version("astra-grpc-async"),
    }


def write_json(
    path: str, metrics: list[Metric], config: dict[str, Any], machine: dict[str, Any],
    elapsed: float, failures: list[str],
) -> None:  # fmt: skip
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    doc = {
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "elapsed_seconds": round(elapsed, 1),
        "machine": machine,
        "config": config,
        "all_targets_met": all(m.passed is not False for m in metrics) and not failures,
        "errors": failures,
        "metrics": [asdict(m) for m in metrics],
    }
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, default=str)
        f.write("\n")
    os.replace(tmp, path)
