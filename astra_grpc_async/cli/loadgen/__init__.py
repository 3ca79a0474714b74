"""`astra-grpc load`: a load generator for a Stargate endpoint.

    cfg = LoadConfig(duration=10, concurrency=32, read_ratio=0.8, rate=2000)
    result = await run_load(client, cfg)
    data = report.to_dict(result, target="...")

Creates its own table (`<keyspace>.<table>`: bigint key, blob value), runs a
read/write mix from `concurrency` workers, optionally paced to `rate`
operations per second, and always stops: after `duration` seconds, `count`
operations, or both (whichever comes first; 10 s when neither is given).
Latencies go into HdrHistograms (microseconds); with a rate, each latency
is measured from the operation's scheduled start, so a stalled server is not
hidden by workers that stopped sending (coordinated omission).

Needs the `cli` extra (rich, hdrhistogram; matplotlib for plots).
"""

from __future__ import annotations

from . import report
from .config import LoadConfig
from .runner import LoadResult, run_load

__all__ = ["LoadConfig", "LoadResult", "report", "run_load"]
