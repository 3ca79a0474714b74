"""Live progress on a terminal: throughput, errors, latency percentiles."""

from __future__ import annotations

from rich.console import Console
from rich.live import Live
from rich.table import Table

from .config import LoadConfig
from .stats import Tick


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


class Progress:
    """Redraws one table per tick. `update` is the runner's `on_tick`."""

    def __init__(self, console: Console, cfg: LoadConfig) -> None:
        self._cfg = cfg
        self._live = Live(self._render(None), console=console, auto_refresh=False)

    def _render(self, tick: Tick | None) -> Table:
        cfg = self._cfg
        bound = " / ".join(
            part
            for part in (
                f"{cfg.duration:g} s" if cfg.duration is not None else "",
                f"{cfg.count} ops" if cfg.count is not None else "",
            )
            if part
        )
        table = Table(title=f"load: {cfg.concurrency} workers, bound {bound}", header_style="bold")
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
        self._live.start()

    def update(self, tick: Tick) -> None:
        self._live.update(self._render(tick), refresh=True)

    def stop(self) -> None:
        self._live.stop()
