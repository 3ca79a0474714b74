"""`python -m benchmarks --profile`: cProfile of the driver side of
workloads 1 (unary, 64 in flight) and 2 (rows), grouped by owner.

cProfile sees only Python frames on the event-loop thread (and slows them
down, so the split leans toward Python code); C-core's own threads are not
in it. Use `py-spy record --native` for a sampling view of everything.
"""

from __future__ import annotations

import asyncio
import cProfile
import io
import os
import pstats
from typing import Any

from .data import rows_cql
from .measure import ServerProcess
from .stacks import DriverStack

_OWNERS = (
    ("astra_grpc_async/codec", "driver codec"),
    ("astra_grpc_async/", "driver (other)"),
    ("grpc/", "grpc (Python + Cython)"),
    ("google/protobuf", "protobuf"),
    ("asyncio/", "asyncio"),
    ("benchmarks/", "benchmark harness"),
)


def _owner(filename: str) -> str:
    for needle, owner in _OWNERS:
        if needle in filename:
            return owner
    if filename == "~":
        return "builtins / C calls"
    return "other"


def summarize(prof: cProfile.Profile, top: int = 25) -> str:
    stats = pstats.Stats(prof)
    total = sum(v[2] for v in stats.stats.values())  # type: ignore[attr-defined]
    by_owner: dict[str, float] = {}
    rows = []
    for (filename, line, func), (_cc, ncalls, tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        owner = _owner(filename)
        by_owner[owner] = by_owner.get(owner, 0.0) + tt
        short = filename.split("site-packages/")[-1].split("/work/main/")[-1]
        rows.append((tt, ct, ncalls, f"{short}:{line}({func})"))
    rows.sort(reverse=True)
    out = io.StringIO()
    out.write(f"total profiled self time {total:.3f} s\n\nby owner (self time):\n")
    for owner, tt in sorted(by_owner.items(), key=lambda kv: -kv[1]):
        out.write(f"  {tt / total * 100:5.1f}%  {owner}\n")
    out.write(f"\ntop {top} functions by self time:\n")
    out.write("   self%   cum%      calls  function\n")
    for tt, ct, ncalls, name in rows[:top]:
        out.write(f"  {tt / total * 100:5.1f}  {ct / total * 100:5.1f}  {ncalls:9d}  {name}\n")
    return out.getvalue()


async def profile(server: ServerProcess, calls: int, rows: int, page_size: int) -> dict[str, str]:
    """{"unary": report, "rows": report} for the driver side."""
    reports = {}
    stack = DriverStack(pool_size=1)
    await stack.open(server.target)
    try:
        await asyncio.gather(*(stack.call() for _ in range(200)))
        prof = cProfile.Profile()
        per = max(1, calls // 64)

        async def worker() -> None:
            for _ in range(per):
                await stack.call()

        prof.enable()
        await asyncio.gather(*(worker() for _ in range(64)))
        prof.disable()
        reports["unary"] = summarize(prof)
        await stack.read_rows(rows_cql(page_size * 2), page_size)
        prof = cProfile.Profile()
        prof.enable()
        await stack.read_rows(rows_cql(rows), page_size)
        prof.disable()
        reports["rows"] = summarize(prof)
    finally:
        await stack.close()
    return reports


def write_reports(reports: dict[str, str], json_path: str, log: Any) -> None:
    """profile-<name>.txt next to the JSON results, and to the log."""
    outdir = os.path.dirname(os.path.abspath(json_path))
    os.makedirs(outdir, exist_ok=True)
    for name, text in reports.items():
        path = os.path.join(outdir, f"profile-{name}.txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        log(f"\n== cProfile, driver, {name} ({path}) ==\n{text}")
