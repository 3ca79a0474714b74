"""Latency and error accounting: HdrHistograms in microseconds."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from hdrh.histogram import HdrHistogram  # type: ignore[import-untyped]

from .hdrlog import HdrLog

LOWEST_US = 1
HIGHEST_US = 3_600_000_000  # an hour: anything slower is recorded as an hour
SIGNIFICANT_FIGURES = 3

PERCENTILES: tuple[tuple[str, float], ...] = (
    ("p50", 50.0), ("p90", 90.0), ("p99", 99.0), ("p99_9", 99.9),
)  # fmt: skip


def new_histogram() -> Any:
    return HdrHistogram(LOWEST_US, HIGHEST_US, SIGNIFICANT_FIGURES)


def summarize(hist: Any) -> dict[str, float | None]:
    """min, mean, p50, p90, p99, p99_9, max, stdev in milliseconds (None when empty)."""
    keys = ["min", "mean", *(name for name, _ in PERCENTILES), "max", "stdev"]
    if hist.get_total_count() == 0:
        return dict.fromkeys(keys)
    values = hist.get_percentile_to_value_dict([p for _, p in PERCENTILES])
    out: dict[str, float | None] = {"min": hist.get_min_value() / 1000.0}
    out["mean"] = hist.get_mean_value() / 1000.0
    for name, p in PERCENTILES:
        out[name] = values[p] / 1000.0
    out["max"] = hist.get_max_value() / 1000.0
    out["stdev"] = hist.get_stddev() / 1000.0
    return out


def percentile_curve(hist: Any) -> list[list[float]]:
    """[percentile, latency ms] points for a latency-by-percentile plot, evenly
    spaced on the 1/(1 - p) scale from p0 (the minimum) to the last percentile
    the sample count resolves, then the maximum."""
    count = hist.get_total_count()
    if count == 0:
        return []
    top = min(float(count), 1e5)  # 1/(1-p) beyond the count is the max itself
    steps = 60
    points: list[list[float]] = []
    for i in range(steps + 1):
        x = top ** (i / steps)  # 1 .. top, log-spaced
        p = 100.0 * (1.0 - 1.0 / x)
        points.append([round(p, 6), hist.get_value_at_percentile(p) / 1000.0])
    points.append([100.0, hist.get_max_value() / 1000.0])
    return points


@dataclass(frozen=True, slots=True)
class Tick:
    """One progress interval: what happened in it, and the totals so far."""

    elapsed: float  # seconds since the start
    seconds: float  # length of this interval
    ops: int  # successful operations in the interval
    errors: int  # failed operations in the interval
    p50_ms: float | None
    p99_ms: float | None
    max_ms: float | None
    total_ops: int
    total_errors: int
    total_p99_ms: float | None

    @property
    def throughput(self) -> float:
        return self.ops / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "t": round(self.elapsed, 3),
            "ops": self.ops,
            "errors": self.errors,
            "throughput_ops_s": round(self.throughput, 1),
            "p50_ms": self.p50_ms,
            "p99_ms": self.p99_ms,
            "max_ms": self.max_ms,
        }


class Recorder:
    """Collects latencies per operation kind, overall and per interval."""

    def __init__(
        self, kinds: tuple[str, ...] = ("read", "write"), *, hdr_log: HdrLog | None = None
    ) -> None:
        self.total = new_histogram()
        self.by_kind = {kind: new_histogram() for kind in kinds}
        self.errors_by_kind: Counter[str] = Counter()
        self.errors_by_type: Counter[str] = Counter()
        self._interval = new_histogram()
        self._interval_by_kind = {kind: new_histogram() for kind in kinds}
        self._interval_errors = 0
        self.operations = 0
        self.errors = 0
        self.timeline: list[Tick] = []
        self.partial: Tick | None = None  # the last interval, cut short by the end of the run
        self.hdr_log = hdr_log

    def record(self, kind: str, micros: int) -> None:
        value = min(max(micros, LOWEST_US), HIGHEST_US)
        self.total.record_value(value)
        self.by_kind[kind].record_value(value)
        self._interval.record_value(value)
        self._interval_by_kind[kind].record_value(value)
        self.operations += 1

    def error(self, kind: str, exc: BaseException) -> None:
        self.errors += 1
        self._interval_errors += 1
        self.errors_by_kind[kind] += 1
        code = getattr(exc, "code", None)
        self.errors_by_type[type(exc).__name__ + (f" ({code})" if code else "")] += 1

    @property
    def pending(self) -> bool:
        """Whether anything was recorded since the last tick."""
        return bool(self._interval.get_total_count() or self._interval_errors)

    def tick(self, elapsed: float, seconds: float, *, partial: bool = False) -> Tick:
        """Close the current interval and start the next. A `partial` interval
        (the last one, cut short by the end of the run) stays out of the
        timeline: its rate says how fast the last answers drained, not how
        fast the load ran. Every interval goes to the HdrHistogram log."""
        hist = self._interval
        empty = hist.get_total_count() == 0
        total_empty = self.total.get_total_count() == 0
        tick = Tick(
            elapsed=elapsed,
            seconds=seconds,
            ops=hist.get_total_count(),
            errors=self._interval_errors,
            p50_ms=None if empty else hist.get_value_at_percentile(50.0) / 1000.0,
            p99_ms=None if empty else hist.get_value_at_percentile(99.0) / 1000.0,
            max_ms=None if empty else hist.get_max_value() / 1000.0,
            total_ops=self.operations,
            total_errors=self.errors,
            total_p99_ms=None if total_empty else self.total.get_value_at_percentile(99.0) / 1000.0,
        )
        if self.hdr_log is not None:
            self.hdr_log.write(elapsed - seconds, elapsed, hist, self._interval_by_kind)
        hist.reset()
        for h in self._interval_by_kind.values():
            h.reset()
        self._interval_errors = 0
        if partial:
            self.partial = tick
        else:
            self.timeline.append(tick)
        return tick
