"""Live progress: throughput, errors, latency percentiles per interval.

On a terminal one table is redrawn in place; anywhere else (a pipe, a file,
a CI log) each interval is one line of its own, as cassandra-stress prints."""

from __future__ import annotations

from rich.console import Console
from rich.live import Live
from rich.table import Table

from .config import LoadConfig
from .stats import Tick

# (header, width) of each column of the line-per-interval output
LINE_COLUMNS = (
    ("time s", 8), ("ops", 8), ("ops/s", 9), ("errors", 7), ("p50 ms", 9), ("p99 ms", 9),
    ("max ms", 9), ("total ops", 10), ("p99 all ms", 11),
)  # fmt: skip


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _bound(cfg: LoadConfig) -> str:
    parts = (
        f"{cfg.duration:g} s" if cfg.duration is not None else "",
        f"{cfg.count} ops" if cfg.count is not None else "",
    )
    return " / ".join(part for part in parts if part)


def interval_line(tick: Tick) -> str:
    values = (
        f"{tick.elapsed:.1f}", str(tick.ops), f"{tick.throughput:.0f}", str(tick.errors),
        _ms(tick.p50_ms), _ms(tick.p99_ms), _ms(tick.max_ms), str(tick.total_ops),
        _ms(tick.total_p99_ms),
    )  # fmt: skip
    return ",".join(v.rjust(w) for v, (_, w) in zip(values, LINE_COLUMNS, strict=True))


def header_line() -> str:
    return ",".join(name.rjust(w) for name, w in LINE_COLUMNS)


class Progress:
    """`update` is the runner's `on_tick`."""

    def __init__(self, console: Console, cfg: LoadConfig) -> None:
        self._cfg = cfg
        self._console = console
        self._lines = not console.is_terminal
        self._live = None if self._lines else Live(self._render(None), console=console,
                                                   auto_refresh=False)  # fmt: skip

    def _render(self, tick: Tick | None) -> Table:
        cfg = self._cfg
        table = Table(
            title=f"load: {cfg.concurrency} workers, bound {_bound(cfg)}", header_style="bold"
        )
        for name in ("elapsed s", "ops", "ops/s", "errors", "p50 ms", "p99 ms", "max ms",
                     "p99 all ms"):  # fmt: skip
            table.add_column(name, justify="right")
        if tick is not None:
            table.add_row(
                f"{tick.elapsed:.1f}",
                str(tick.total_ops),
                f"{tick.throughput:.0f}",
                str(tick.total_errors),
                _ms(tick.p50_ms),
                _ms(tick.p99_ms),
                _ms(tick.max_ms),
                _ms(tick.total_p99_ms),
            )
        return table

    def start(self) -> None:
        if self._live is not None:
            self._live.start()
            return
        cfg = self._cfg
        self._console.out(f"load: {cfg.concurrency} workers, bound {_bound(cfg)}", highlight=False)
        self._console.out(header_line(), highlight=False)

    def update(self, tick: Tick) -> None:
        if self._live is not None:
            self._live.update(self._render(tick), refresh=True)
        else:
            self._console.out(interval_line(tick), highlight=False)

    def stop(self) -> None:
        if self._live is not None:
            self._live.stop()
