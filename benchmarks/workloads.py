"""The workloads. Each returns `Metric`s for the table; all run in one event
loop against one canned server process (`benchmarks.server`).

1 unary      small ExecuteQuery: driver vs bare grpc.aio stub at N in flight
2 rows       paging through a synthetic table: driver stream vs hand-written floors
3 memory     RSS growth streaming with prefetch=2 vs loading every row in a list
4 concurrency  10,000 concurrent executes through max_in_flight, per pool size
5 naive      betterproto2 over grpclib, run inside workloads 1 and 2
6 raw, 7 stall  the protocol layer's stub, and loop stalls while streaming (protocol.py)
8 restart    emulator --data-dir restart after a long history (benchmarks/emulator_restart.py)
"""

from __future__ import annotations

import asyncio
import gc
import time
from dataclasses import dataclass
from typing import Any

from .data import TINY_CQL, rows_cql
from .measure import RssSampler, Sample, ServerProcess, Timer, median, percentile
from .report import Metric, check
from .stacks import BareStack, DriverStack, NaiveStack, Stack


@dataclass
class Config:
    unary_calls: int = 3000
    naive_calls: int = 1500
    inflight: tuple[int, ...] = (1, 64, 1024)
    rounds: int = 5
    rows: int = 1_000_000
    page_size: int = 5000
    row_rounds: int = 3
    bp_rows: int = 50_000
    naive_rows: int = 25_000
    memory_rows: int = 1_000_000
    list_rows: int = 1_000_000
    tasks: int = 10_000
    max_in_flight: int = 512
    pools: tuple[int, ...] = (1, 2, 4)
    concurrency_rounds: int = 3
    unary_pool_size: int = 1
    naive: bool = True
    stall_page_sizes: tuple[int, ...] = (100, 5_000, 20_000)
    stall_rounds: int = 5
    restart_overwrites: int = 200_000
    restart_keys: int = 1000
    restart_runs: int = 3
    restart_full_runs: int = 1

    @classmethod
    def quick(cls) -> Config:
        return cls(
            unary_calls=300, naive_calls=200, inflight=(1, 16, 64), rounds=1, rows=20_000,
            page_size=1000, row_rounds=1, bp_rows=3000, naive_rows=3000, memory_rows=20_000,
            list_rows=20_000, tasks=500, max_in_flight=64, pools=(1, 2), concurrency_rounds=1,
            stall_page_sizes=(100, 1000), stall_rounds=1,
            restart_overwrites=5000, restart_keys=100, restart_runs=1,
        )  # fmt: skip


TARGET_CPU = 1.2  # driver CPU per call <= 1.2x bare
TARGET_RATE = 0.9  # driver calls/s >= 0.9x bare
TARGET_ROWS = 0.7  # driver rows/s >= 0.7x floor
TARGET_MEM_MIB = 50.0


def _ms(seconds: float) -> float:
    return seconds * 1000


def paired_ratio(values: list[float], base: list[float]) -> float:
    """Median of the per-round ratios when both ran the same interleaved rounds
    (round r of one ran right next to round r of the other, so a slow spell
    of a shared machine affects both); otherwise the ratio of the medians."""
    if len(values) == len(base) and all(base):
        return median([v / b for v, b in zip(values, base, strict=True)])
    return median(values) / median(base)


# --- 1 (and 5): unary overhead ------------------------------------------------------


async def _unary_round(stack: Stack, inflight: int, calls: int, server: ServerProcess) -> Sample:
    per_task = max(4, calls // inflight)
    latencies: list[float] = []
    record = latencies.append
    pc = time.perf_counter
    call = stack.call

    async def worker() -> None:
        for _ in range(per_task):
            t0 = pc()
            await call()
            record(pc() - t0)

    with Timer(server) as t:
        await asyncio.gather(*(worker() for _ in range(inflight)))
    latencies.sort()
    return t.sample(
        per_task * inflight,
        p50=percentile(latencies, 50),
        p99=percentile(latencies, 99),
    )


def _summary(samples: list[Sample]) -> dict[str, float]:
    return {
        "cpu_per_call": median([s.cpu_per_op for s in samples]),
        "calls_per_sec": median([s.per_sec for s in samples]),
        "p50": median([s.extra["p50"] for s in samples]),
        "p99": median([s.extra["p99"] for s in samples]),
        "server_cpu_per_call": median([s.server_cpu_per_op for s in samples]),
        "cpu_per_call_by_round": [s.cpu_per_op for s in samples],
        "calls_per_sec_by_round": [s.per_sec for s in samples],
        "rounds": len(samples),
        "calls_per_round": samples[0].ops if samples else 0,
    }


async def unary(server: ServerProcess, cfg: Config, log: Any) -> list[Metric]:
    out: list[Metric] = []
    for inflight in cfg.inflight:
        stacks: list[tuple[Stack, int]] = [
            (BareStack(), cfg.unary_calls),
            (DriverStack(pool_size=cfg.unary_pool_size, max_in_flight=max(1024, inflight)),
             cfg.unary_calls),
        ]  # fmt: skip
        if cfg.naive:
            stacks.append((NaiveStack(), cfg.naive_calls))
        samples: dict[str, list[Sample]] = {s.name: [] for s, _ in stacks}
        try:
            for stack, _ in stacks:
                await stack.open(server.target)
                await _unary_round(stack, min(inflight, 64), 200, server)  # warm up
            for r in range(cfg.rounds):  # interleaved: A, B, C, C, B, A, ...
                order = stacks if r % 2 == 0 else stacks[::-1]
                for stack, calls in order:
                    samples[stack.name].append(await _unary_round(stack, inflight, calls, server))
        finally:
            for stack, _ in stacks:
                await stack.close()
        summ = {name: _summary(s) for name, s in samples.items()}
        base = summ["bare"]
        log(
            f"  unary x{inflight}: "
            + ", ".join(
                f"{n} {s['cpu_per_call'] * 1e6:.0f} µs/call {s['calls_per_sec']:.0f}/s"
                for n, s in summ.items()
            )
        )
        for name, s in summ.items():
            workload = "5 naive unary" if name == "naive" else "1 unary"
            variant = {
                "bare": f"bare grpc.aio x{inflight}",
                "driver": f"driver x{inflight}",
                "naive": f"grpclib+betterproto2 x{inflight}",
            }[name]
            is_base = name == "bare"
            cpu_ratio = paired_ratio(s["cpu_per_call_by_round"], base["cpu_per_call_by_round"])
            rate_ratio = paired_ratio(s["calls_per_sec_by_round"], base["calls_per_sec_by_round"])
            drv = name == "driver"
            out.append(Metric(
                workload, variant, "client CPU/call", s["cpu_per_call"] * 1e6, "µs",
                None if is_base else cpu_ratio, None if is_base else "bare",
                f"<= {TARGET_CPU}x" if drv else None,
                check(cpu_ratio, "<=", TARGET_CPU) if drv else None, extra=s,
            ))  # fmt: skip
            out.append(Metric(
                workload, variant, "calls/s", s["calls_per_sec"], "calls/s",
                None if is_base else rate_ratio, None if is_base else "bare",
                f">= {TARGET_RATE}x" if drv else None,
                check(rate_ratio, ">=", TARGET_RATE) if drv else None,
            ))  # fmt: skip
            out.append(Metric(
                workload, variant, "p99 latency", _ms(s["p99"]), "ms",
                None if is_base else s["p99"] / base["p99"], None if is_base else "bare",
            ))  # fmt: skip
    return out


# --- 2 (and 5): row throughput ------------------------------------------------------


async def _rows_round(stack: Stack, total: int, page_size: int, server: ServerProcess) -> Sample:
    gc.collect()
    with Timer(server) as t:
        n = await stack.read_rows(rows_cql(total), page_size)
    if n != total:
        raise RuntimeError(f"{stack.name} read {n} rows, expected {total}")
    return t.sample(n)


async def rows(server: ServerProcess, cfg: Config, log: Any) -> list[Metric]:
    # (key, stack, rows per run, runs)
    plan: list[tuple[str, Stack, int, int]] = [
        ("floor_typed", BareStack("floor_typed"), cfg.rows, cfg.row_rounds),
        ("driver", DriverStack(pool_size=cfg.unary_pool_size), cfg.rows, cfg.row_rounds),
        ("floor_raw", BareStack("floor_raw"), cfg.rows, 1),
        ("bp_typed", BareStack("bp_typed"), min(cfg.bp_rows, cfg.rows), 1),
    ]
    if cfg.naive:
        plan.append(("naive", NaiveStack(), min(cfg.naive_rows, cfg.rows), 1))
    samples: dict[str, list[Sample]] = {key: [] for key, _, _, _ in plan}
    try:
        for _, stack, _, _ in plan:
            await stack.open(server.target)
            await stack.read_rows(rows_cql(min(cfg.page_size * 2, 10_000)), cfg.page_size)
        for r in range(max(cfg.row_rounds, 1)):
            order = plan if r % 2 == 0 else plan[::-1]
            for key, stack, total, runs in order:
                if r < runs:
                    s = await _rows_round(stack, total, cfg.page_size, server)
                    samples[key].append(s)
                    log(f"  rows {key}: {s.ops:,} rows {s.per_sec:,.0f} rows/s "
                        f"cpu {s.cpu / s.ops * 1e6:.2f} µs/row")  # fmt: skip
    finally:
        for _, stack, _, _ in plan:
            await stack.close()

    def rate(name: str) -> float:
        return median([s.per_sec for s in samples[name]])

    def cpu_row(name: str) -> float:
        return median([s.cpu_per_op for s in samples[name]])

    labels = {
        "floor_typed": "floor: grpc.aio+upb+hand tuples",
        "floor_raw": "floor, no type conversion",
        "driver": "driver stream(prefetch=2)",
        "bp_typed": "grpc.aio+betterproto2 parse",
        "naive": "grpclib+betterproto2",
    }
    out: list[Metric] = []
    for name, _, total, _ in plan:
        workload = "5 naive rows" if name == "naive" else "2 rows"
        is_base = name == "floor_typed"
        drv = name == "driver"
        ratio = paired_ratio([x.per_sec for x in samples[name]],
                             [x.per_sec for x in samples["floor_typed"]])  # fmt: skip
        cpu_ratio = paired_ratio([x.cpu_per_op for x in samples[name]],
                                 [x.cpu_per_op for x in samples["floor_typed"]])  # fmt: skip
        note = ""
        if total < cfg.rows:
            est = cfg.rows / rate(name)
            note = (f"measured on {total:,} rows, not {cfg.rows:,} (rates extrapolate: "
                    f"{cfg.rows:,} rows would take ~{est:.0f} s)")  # fmt: skip
        out.append(Metric(
            workload, labels[name], "rows/s", rate(name), "rows/s",
            None if is_base else ratio, None if is_base else "floor",
            f">= {TARGET_ROWS}x" if drv else None,
            check(ratio, ">=", TARGET_ROWS) if drv else None, note=note,
            extra={"rows": total, "page_size": cfg.page_size, "runs": len(samples[name]),
                   "wall_seconds": [s.wall for s in samples[name]],
                   "server_cpu_per_row": median([s.server_cpu_per_op for s in samples[name]])},
        ))  # fmt: skip
        out.append(Metric(
            workload, labels[name], "client CPU/row", cpu_row(name) * 1e6, "µs",
            None if is_base else cpu_ratio, None if is_base else "floor",
        ))  # fmt: skip
    return out


# --- 3: memory ----------------------------------------------------------------------


async def memory(server: ServerProcess, cfg: Config, log: Any) -> list[Metric]:
    stack = DriverStack(pool_size=cfg.unary_pool_size)
    await stack.open(server.target)
    client = stack.client
    assert client is not None
    try:
        await stack.read_rows(rows_cql(min(cfg.page_size * 2, 10_000)), cfg.page_size)  # warm
        gc.collect()
        with RssSampler() as streamed:
            n = 0
            async for _row in client.stream(
                rows_cql(cfg.memory_rows), page_size=cfg.page_size, prefetch=2
            ):
                n += 1
        log(f"  memory stream: {n:,} rows, +{streamed.growth_mib:.1f} MiB")
        gc.collect()
        with RssSampler() as listed:
            everything = await client.stream(rows_cql(cfg.list_rows), page_size=cfg.page_size).all()
            held = len(everything)
            del everything
        log(f"  memory list: {held:,} rows, +{listed.growth_mib:.1f} MiB")
    finally:
        await stack.close()
    gc.collect()
    return [
        Metric(
            "3 memory", f"stream {n:,} rows prefetch=2", "RSS growth", streamed.growth_mib, "MiB",
            None, None, f"< {TARGET_MEM_MIB:.0f} MiB",
            check(streamed.growth_mib, "<", TARGET_MEM_MIB),
            extra={"rows": n, "peak_rss_mib": streamed.peak_mib, "samples": streamed.samples},
        ),
        Metric(
            "3 memory", f"all {held:,} rows in a list", "RSS growth", listed.growth_mib, "MiB",
            listed.growth_mib / streamed.growth_mib if streamed.growth_mib > 0 else None,
            "stream",
            extra={"rows": held, "peak_rss_mib": listed.peak_mib, "samples": listed.samples},
        ),
    ]  # fmt: skip


# --- 4: concurrency -------------------------------------------------------------------


async def _burst(client: Any, tasks: int) -> tuple[list[float], list[str]]:
    """`tasks` concurrent executes, each its own task; (sorted latencies, failures)."""
    latencies: list[float] = []
    failures: list[str] = []
    pc = time.perf_counter

    async def one() -> None:
        t0 = pc()
        try:
            await client.execute(TINY_CQL)
        except Exception as exc:
            failures.append(type(exc).__name__)
            return
        latencies.append(pc() - t0)

    await asyncio.gather(*(one() for _ in range(tasks)))
    latencies.sort()
    return latencies, failures


async def _concurrency_run(
    server: ServerProcess, pool: int, cfg: Config
) -> tuple[Sample, list[float], list[str], RssSampler]:
    stack = DriverStack(pool_size=pool, max_in_flight=cfg.max_in_flight)
    await stack.open(server.target)
    client = stack.client
    assert client is not None
    try:
        await asyncio.gather(*(client.execute(TINY_CQL) for _ in range(min(500, cfg.tasks))))
        gc.collect()
        with RssSampler() as rss, Timer(server) as t:
            latencies, failures = await _burst(client, cfg.tasks)
    finally:
        await stack.close()
    return t.sample(cfg.tasks), latencies, failures, rss


async def concurrency(server: ServerProcess, cfg: Config, log: Any) -> list[Metric]:
    runs: dict[int, list[tuple[Sample, list[float], list[str], RssSampler]]] = {
        p: [] for p in cfg.pools
    }
    for r in range(max(cfg.concurrency_rounds, 1)):  # interleaved: 1, 2, 4, 4, 2, 1, ...
        for pool in cfg.pools if r % 2 == 0 else cfg.pools[::-1]:
            run = await _concurrency_run(server, pool, cfg)
            runs[pool].append(run)
            log(f"  concurrency pool={pool}: {run[0].per_sec:,.0f} calls/s, "
                f"{len(run[2])} failures")  # fmt: skip
    out: list[Metric] = []
    base_rate = None
    for pool in cfg.pools:
        rs = runs[pool]
        rate = median([s.per_sec for s, _, _, _ in rs])
        base_rate = base_rate or rate
        failures = [f for _, _, fs, _ in rs for f in fs]

        def pct(q: float, rs: Any = rs) -> float:
            return _ms(median([percentile(lat, q) for _, lat, _, _ in rs]))

        variant = f"pool_size={pool}, {cfg.tasks:,} tasks, max_in_flight={cfg.max_in_flight}"
        first = pool == cfg.pools[0]
        extra = {
            "runs": len(rs),
            "calls_per_sec_by_run": [s.per_sec for s, _, _, _ in rs],
            "cpu_per_call_us": median([s.cpu_per_op * 1e6 for s, _, _, _ in rs]),
            "server_cpu_per_call_us": median([s.server_cpu_per_op * 1e6 for s, _, _, _ in rs]),
            "failure_kinds": sorted(set(failures)),
            "rss_growth_mib": max(rss.growth_mib for _, _, _, rss in rs),
        }
        out += [
            Metric("4 concurrency", variant, "throughput", rate, "calls/s",
                   None if first else rate / base_rate,
                   None if first else f"pool_size={cfg.pools[0]}", extra=extra),
            Metric("4 concurrency", variant, "p50 latency", pct(50), "ms"),
            Metric("4 concurrency", variant, "p99 latency", pct(99), "ms"),
            Metric("4 concurrency", variant, "p99.9 latency", pct(99.9), "ms"),
            Metric("4 concurrency", variant, "peak RSS", max(x.peak_mib for *_, x in rs), "MiB"),
            Metric("4 concurrency", variant, "failures", len(failures), "count", None, None,
                   "== 0", not failures),
        ]  # fmt: skip
    return out


from .emulator_restart import emulator_restart  # noqa: E402

WORKLOADS = {"unary": unary, "rows": rows, "memory": memory, "concurrency": concurrency,
             "restart": emulator_restart}  # fmt: skip
