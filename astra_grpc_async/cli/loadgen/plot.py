"""The latency plot (PNG) of a load report, drawn with matplotlib's Agg backend.

The main panel is a latency-by-percentile curve, read and write as separate
lines, on a percentile axis scaled by 1/(1 - p) so that 50, 90, 99, 99.9 and
99.99 are evenly spaced (the tail gets the room it deserves); latency starts
at 0. Below it, latency and throughput per interval."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

PERCENTILE_TICKS = (
    (1.0, "0"), (2.0, "50"), (10.0, "90"), (100.0, "99"), (1e3, "99.9"), (1e4, "99.99"),
    (1e5, "99.999"),
)  # fmt: skip
COLOURS = {"read": "tab:blue", "write": "tab:orange"}


def _where(target: str) -> str:
    """The target without ports (an emulator's port changes every run)."""
    return re.sub(r":\d+(?=$|,|\s)", "", target)


def _scale(percentile: float) -> float:
    return 1.0 / (1.0 - percentile / 100.0)


def plot_latency(data: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    build_figure(data).savefig(path, format="png", dpi=100)


def build_figure(data: dict[str, Any]) -> Any:
    """The matplotlib Figure of the plot (no display needed)."""
    from matplotlib.figure import Figure  # Figure draws with Agg: no pyplot, no display

    fig = Figure(figsize=(9, 10))
    fig.subplots_adjust(left=0.1, right=0.97, top=0.93, bottom=0.05, hspace=0.5)
    grid = fig.add_gridspec(4, 1)
    ax_pct = fig.add_subplot(grid[0:2, 0])
    ax_lat = fig.add_subplot(grid[2, 0])
    ax_tput = fig.add_subplot(grid[3, 0])
    cfg = data["config"]
    paced = f", paced at {cfg['rate']:g}/s" if cfg.get("rate") else ""
    fig.suptitle(
        f"astra-grpc load against {_where(data['target'])}: {data['operations']} ops, "
        f"{cfg['concurrency']} workers, {cfg['read_ratio']:.0%} reads{paced}"
    )

    widest = 2.0
    for kind, part in data["by_operation"].items():
        points = [(p, ms) for p, ms in part["percentile_curve"] if p < 100.0]
        if not points:
            continue
        xs = [_scale(p) for p, _ in points]
        widest = max(widest, xs[-1])
        ax_pct.plot(xs, [ms for _, ms in points], label=f"{kind} ({part['operations']} ops)",
                    color=COLOURS.get(kind), linewidth=2)  # fmt: skip
    ax_pct.set_xscale("log")
    right = max(widest, 1e4)  # the axis always reaches 99.99
    ticks = [(x, label) for x, label in PERCENTILE_TICKS if x <= right * 1.01]
    ax_pct.set_xticks([x for x, _ in ticks], [label for _, label in ticks])
    ax_pct.minorticks_off()
    ax_pct.set_xlim(1.0, right)
    ax_pct.set_ylim(bottom=0)
    ax_pct.set_xlabel("percentile")
    ax_pct.set_ylabel("latency (ms)")
    since = " (from each operation's scheduled start)" if cfg.get("rate") else ""
    ax_pct.set_title(f"latency by percentile{since}")
    ax_pct.grid(True, alpha=0.3)
    if ax_pct.lines:
        ax_pct.legend(loc="upper left")

    timeline = data["timeline"]  # full intervals only: the partial last one is left out
    t = [p["t"] for p in timeline]
    for key, label in (("p50_ms", "p50"), ("p99_ms", "p99"), ("max_ms", "max")):
        pts = [(x, p[key]) for x, p in zip(t, timeline, strict=True) if p[key] is not None]
        ax_lat.plot([x for x, _ in pts], [y for _, y in pts], marker=".", label=label)
    ax_lat.set_ylim(bottom=0)
    ax_lat.set_ylabel("latency (ms)")
    ax_lat.set_xlabel("time (s)")
    ax_lat.set_title("latency per interval")
    if ax_lat.lines:
        ax_lat.legend(loc="upper right")
    ax_lat.grid(True, alpha=0.3)

    ax_tput.plot(t, [p["throughput_ops_s"] for p in timeline], marker=".", color="tab:green")
    errs = [p["errors"] for p in timeline]
    if any(errs):
        ax_tput.bar(t, errs, width=0.05, color="tab:red", label="errors")
        ax_tput.legend(loc="upper right")
    ax_tput.set_ylim(bottom=0)
    ax_tput.set_ylabel("ops/s")
    ax_tput.set_xlabel("time (s)")
    ax_tput.set_title(f"throughput per interval ({data['throughput_ops_s']:.0f} ops/s overall)")
    ax_tput.grid(True, alpha=0.3)
    return fig
