"""Workload 8: how long an emulator with `--data-dir` takes to listen again
after a long history of overwrites (N overwrites of K keys), with the
journal compacted into a snapshot as the server does it, side by side with
the same history left uncompacted (every record replayed, as before
compaction existed) and with a start without `--data-dir` (the interpreter
and imports: the floor).

The history is written in this process through the server's own durability
path (`Durable.run`: engine, journal, grouped fsync'd commits, compaction),
without gRPC in between, which would only make writing it slower. Each
restart is the real `python -m astra_grpc_async.emulator` in a child process,
timed from spawn to its "endpoint:" line (the port is closed until then),
started on a copy of the data dir so that every run replays the same files;
the first restart is then checked to serve the last value of every key.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .measure import median
from .report import Metric

TARGET_S = 2.0  # what the data dir adds to a start, after the full history

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_TOKEN = "bench-restart"
_WRITERS = 256  # concurrent writers: commits are grouped as under real load


async def _write_history(data_dir: Path, overwrites: int, keys: int, compact: bool) -> int:
    """Write the history; returns the snapshots taken meanwhile."""
    from astra_grpc_async._proto.stargate import query_pb2 as q
    from astra_grpc_async.emulator import journal as jr
    from astra_grpc_async.emulator.durable import Durable
    from astra_grpc_async.emulator.engine import Engine, Outcome

    engine = Engine()
    durable = Durable(engine, data_dir)
    durable.open()
    if not compact:
        durable.journal.snapshot_source = None  # the journal as it was: every record kept
    clock = iter(range(time.time_ns() // 1000, 2**62))

    def now() -> int:
        return next(clock)

    def execute(request: q.Query, at: int) -> Outcome:
        return engine.execute(request, now_micros=at)

    async def run(cql: str, *values: Any) -> None:
        query = q.Query(cql=cql)
        for v in values:
            if isinstance(v, int):
                query.values.values.add(int=v)
            else:
                query.values.values.add(string=v)
        await durable.run(query, jr.QUERY, execute, now)

    try:
        await run(
            "CREATE KEYSPACE bench WITH replication = "
            "{'class': 'SimpleStrategy', 'replication_factor': 1}"
        )
        await run("CREATE TABLE bench.kv (k int PRIMARY KEY, v bigint, s text)")
        cql = "UPDATE bench.kv SET v = ?, s = ? WHERE k = ?"

        async def writer(todo: list[int]) -> None:
            for i in todo:
                await run(cql, i, f"value {i}", i % keys)

        # a key belongs to one writer, which overwrites it in order: the last
        # value of key k is the largest i with i % keys == k
        todos: list[list[int]] = [[] for _ in range(_WRITERS)]
        for i in range(overwrites):
            todos[(i % keys) % _WRITERS].append(i)
        await asyncio.gather(*(writer(todo) for todo in todos if todo))
        return durable.journal.snapshots
    finally:
        await durable.aclose()


async def _time_to_listen(data_dir: Path | None) -> tuple[float, asyncio.subprocess.Process, str]:
    argv = [sys.executable, "-m", "astra_grpc_async.emulator", "--port", "0",
            "--token", _TOKEN, "--quiet"]  # fmt: skip
    if data_dir is not None:
        argv += ["--data-dir", str(data_dir)]
    env = dict(os.environ)
    env["PYTHONPATH"] = _ROOT + os.pathsep + env.get("PYTHONPATH", "")
    t0 = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env
    )
    assert proc.stdout is not None
    line = await proc.stdout.readline()
    elapsed = time.perf_counter() - t0
    if not line.startswith(b"endpoint: "):
        proc.kill()
        _, err = await proc.communicate()
        raise RuntimeError(f"emulator did not start: {err.decode()[-500:]}")
    return elapsed, proc, line.split(b" ", 1)[1].strip().decode()


async def _stop(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        proc.send_signal(signal.SIGKILL)
    await proc.communicate()


async def _check(endpoint: str, overwrites: int, keys: int) -> None:
    import astra_grpc_async as aga

    async with aga.Client(endpoint, token=_TOKEN) as c:
        got = {r["k"]: r["v"] async for r in c.stream("SELECT k, v FROM bench.kv", page_size=5000)}
    last = {i % keys: i for i in range(overwrites)}
    if got != last:
        wrong = sum(1 for k in last if got.get(k) != last[k])
        raise RuntimeError(f"the restarted emulator serves {wrong} wrong value(s) of {keys}")


async def _restarts(source: Path, runs: int, overwrites: int, keys: int) -> list[float]:
    """Restart `runs` times on fresh copies; the first is checked."""
    times = []
    for run in range(runs):
        with tempfile.TemporaryDirectory(prefix="aga-restart-") as tmp:
            copy = Path(tmp) / "data"
            shutil.copytree(source, copy)
            elapsed, proc, endpoint = await _time_to_listen(copy)
            try:
                if run == 0:
                    await _check(endpoint, overwrites, keys)
            finally:
                await _stop(proc)
            times.append(elapsed)
    return times


async def _open_in_process(source: Path) -> float:
    """CPU seconds to open a copy of the data dir in this process: snapshot
    load plus replay of the tail, without the interpreter start."""
    from astra_grpc_async.emulator.durable import Durable
    from astra_grpc_async.emulator.engine import Engine

    with tempfile.TemporaryDirectory(prefix="aga-open-") as tmp:
        copy = Path(tmp) / "data"
        shutil.copytree(source, copy)
        t0 = time.process_time()
        durable = Durable(Engine(), copy)
        try:
            durable.journal.snapshot_source = None  # measure loading, not compacting
            durable.open()
            return time.process_time() - t0
        finally:
            await durable.aclose()


def _size_mib(path: Path) -> float:
    return sum(f.stat().st_size for f in path.iterdir() if f.is_file()) / 2**20


async def emulator_restart(server: Any, cfg: Any, log: Any) -> list[Metric]:
    n, keys, runs = cfg.restart_overwrites, cfg.restart_keys, cfg.restart_runs
    workload = "8 emulator restart"
    history = f"{n:,} overwrites of {keys:,} keys"
    out: list[Metric] = []
    with tempfile.TemporaryDirectory(prefix="aga-history-") as tmp:
        compacted, full = Path(tmp) / "compacted", Path(tmp) / "full"
        t0 = time.perf_counter()
        snapshots = await _write_history(compacted, n, keys, compact=True)
        log(f"  history with compaction: {time.perf_counter() - t0:.1f} s, {snapshots} snapshots")
        t0 = time.perf_counter()
        await _write_history(full, n, keys, compact=False)
        log(f"  history without compaction: {time.perf_counter() - t0:.1f} s")
        sizes = {"compacted": _size_mib(compacted), "full": _size_mib(full)}
        open_fast = [await _open_in_process(compacted) for _ in range(runs)]
        open_slow = [await _open_in_process(full) for _ in range(cfg.restart_full_runs)]
        # interleaved: bare start, compacted, uncompacted, per round
        bare: list[float] = []
        fast: list[float] = []
        slow: list[float] = []
        for r in range(runs):
            elapsed, proc, _ = await _time_to_listen(None)
            await _stop(proc)
            bare.append(elapsed)
            fast += await _restarts(compacted, 1, n, keys)
            if r < cfg.restart_full_runs:
                slow += await _restarts(full, 1, n, keys)
            log(f"  round {r + 1}: bare {bare[-1]:.2f} s, compacted {fast[-1]:.2f} s"
                + (f", full {slow[-1]:.2f} s" if r < cfg.restart_full_runs else ""))  # fmt: skip
    floor = median(bare)
    fast_s = median(fast)
    beyond = median([f - b for f, b in zip(fast, bare, strict=True)])  # paired per round
    out.append(Metric(workload, f"--data-dir, compacted ({history})", "time to listen",
                      fast_s * 1000, "ms", ratio=fast_s / floor, baseline="no --data-dir",
                      note=f"{snapshots} snapshots while writing; {sizes['compacted']:.1f} MiB",
                      extra={"runs_s": fast}))  # fmt: skip
    out.append(Metric(workload, "--data-dir, compacted", "beyond a bare start", beyond * 1000,
                      "ms", target=f"< {TARGET_S:g} s", passed=beyond < TARGET_S,
                      note="snapshot load + replay of the tail, paired per round"))  # fmt: skip
    if slow:
        slow_s = median(slow)
        out.append(Metric(workload, "--data-dir, journal not compacted", "time to listen",
                          slow_s * 1000, "ms", ratio=slow_s / floor, baseline="no --data-dir",
                          note=f"{sizes['full']:.1f} MiB", extra={"runs_s": slow}))  # fmt: skip
    out.append(Metric(workload, "--data-dir, compacted", "open the data dir (CPU)",
                      median(open_fast) * 1000, "ms", ratio=median(open_fast) / median(open_slow),
                      baseline="not compacted", extra={"runs_s": open_fast}))  # fmt: skip
    out.append(Metric(workload, "--data-dir, journal not compacted", "open the data dir (CPU)",
                      median(open_slow) * 1000, "ms", extra={"runs_s": open_slow}))  # fmt: skip
    out.append(Metric(workload, "no --data-dir (interpreter, imports)", "time to listen",
                      floor * 1000, "ms", extra={"runs_s": bare}))  # fmt: skip
    return out
