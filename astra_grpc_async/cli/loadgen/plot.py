"""A latency plot (PNG) of a load report, drawn with matplotlib's Agg backend."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def plot_latency(data: dict[str, Any], path: Path) -> None:
    """Three panels: latency over time (p50 / p99 / max per interval),
    throughput over time, and the latency percentile summary."""
    import matplotlib

    matplotlib.use("Agg")  # no display needed; must come before pyplot
    from matplotlib.figure import Figure

    timeline = data["timeline"]
    t = [p["t"] for p in timeline]
    fig = Figure(figsize=(9, 9))
    fig.subplots_adjust(left=0.09, right=0.97, top=0.96, bottom=0.05, hspace=0.45)
    ax_lat, ax_tput, ax_pct = fig.subplots(3, 1)
    for key, label in (("p50_ms", "p50"), ("p99_ms", "p99"), ("max_ms", "max")):
        pts = [(x, p[key]) for x, p in zip(t, timeline, strict=True) if p[key] is not None]
        ax_lat.plot([x for x, _ in pts], [y for _, y in pts], marker=".", label=label)
    ax_lat.set_ylabel("latency (ms)")
    ax_lat.set_xlabel("time (s)")
    paced = data["config"].get("rate")
    since = f", from each operation's scheduled start at {paced:g}/s" if paced else ""
    ax_lat.set_title(f"{data['target']}: latency per interval{since}")
    ax_lat.legend(loc="upper right")
    ax_lat.grid(True, alpha=0.3)

    ax_tput.plot(t, [p["throughput_ops_s"] for p in timeline], marker=".", color="tab:green")
    errs = [p["errors"] for p in timeline]
    if any(errs):
        ax_tput.bar(t, errs, width=0.05, color="tab:red", label="errors")
        ax_tput.legend(loc="upper right")
    ax_tput.set_ylabel("ops/s")
    ax_tput.set_xlabel("time (s)")
    ax_tput.grid(True, alpha=0.3)

    lat = data["latency_ms"]
    names = ["p50", "p90", "p99", "p99_9", "max"]
    values = [lat[n] or 0.0 for n in names]
    ax_pct.bar([n.replace("_", ".") for n in names], values, color="tab:blue")
    for i, v in enumerate(values):
        ax_pct.annotate(f"{v:.2f}", (i, v), ha="center", va="bottom")
    ax_pct.margins(y=0.15)
    ax_pct.set_ylabel("latency (ms)")
    ax_pct.set_title(
        f"{data['operations']} ops, {data['errors']} errors, "
        f"{data['throughput_ops_s']:.0f} ops/s overall"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png", dpi=100)
