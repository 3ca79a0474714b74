"""`--hdr-log FILE`: an HdrHistogram interval log (format 1.2), the file
HdrHistogram's own tools read (HistogramLogProcessor, HdrHistogram's
plotters, hdrh.log.HistogramLogReader).

One untagged line per interval holds every operation; lines tagged
`Tag=read` and `Tag=write` hold each kind. Values are microseconds, the
interval max column is in milliseconds."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import IO, Any

from hdrh.log import HistogramLogWriter  # type: ignore[import-untyped]

US_PER_MS = 1000.0


class HdrLog:
    """Writes interval histograms as they close. A context manager: the file
    is closed (and everything written flushed) on exit."""

    def __init__(self, path: Path, started_at: dt.datetime) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file: IO[str] = path.open("w", encoding="utf-8")
        self._writer = HistogramLogWriter(self._file)
        self._writer.output_comment("astra-grpc load: latencies in microseconds")
        self._writer.output_log_format_version()
        # The writer's own output_start_time mishandles its unit, so the line is
        # written here, with the base time's exact digits: readers place each
        # interval at its timestamp + BaseTime - StartTime and skip any before 0.
        epoch = started_at.timestamp()
        self._writer.output_comment(
            f"[StartTime: {epoch:f} (seconds since epoch), {started_at.isoformat(' ')}]"
        )
        self._writer.output_base_time(epoch * 1000.0)
        self._writer.output_legend()

    def write(self, start_s: float, end_s: float, total: Any, by_kind: dict[str, Any]) -> None:
        """One interval, `start_s`..`end_s` seconds after the start."""
        # a start of exactly 0 would make the writer use the histogram's own timestamp
        start_s = max(start_s, 1e-6)
        self._writer.output_interval_histogram(total, start_s, end_s, US_PER_MS)
        for kind, hist in by_kind.items():
            if hist.get_total_count():
                self._file.write(f"Tag={kind},")
                self._writer.output_interval_histogram(hist, start_s, end_s, US_PER_MS)

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()

    def __enter__(self) -> HdrLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
