"""Latency and error accounting: HdrHistograms in microseconds."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from hdrh.histogram import HdrHistogram  # type: ignore[import-untyped]

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

    def __init__(self, kinds: tuple[str, ...] = ("read", "write")) -> None:
        self.total = new_histogram()
        self.by_kind = {kind: new_histogram() for kind in kinds}
        self.errors_by_kind: Counter[str] = Counter()
        self.errors_by_type: Counter[str] = Counter()
        self._interval = new_histogram()
        self._interval_errors = 0
        self.operations = 0
        self.errors = 0
        self.timeline: list[Tick] = []

    def record(self, kind: str, micros: int) -> None:
        value = min(max(micros, LOWEST_US), HIGHEST_US)
        self.total.record_value(value)
        self.by_kind[kind].record_value(value)
        self._interval.record_value(value)
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

    def tick(self, elapsed: float, seconds: float) -> Tick:
        """Close the current interval and start the next."""
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
        hist.reset()
        self._interval_errors = 0
        self.timeline.append(tick)
        return tick
