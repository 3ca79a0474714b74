"""Workloads of the typed protocol layer and of decoding without stalls.

6 raw        client CPU per call of `client.raw.execute_query` (betterproto2
             messages) next to `client.execute`, same client, interleaved
7 stall      the longest event-loop stall while streaming (CPU the loop's
             thread spent between two turns of a ticker task), at page sizes
             100 / 5,000 / 20,000, next to the floor's and to grpc's own
             (receive only, no decode); and rows/s vs the floor
"""

from __future__ import annotations

import asyncio
import gc
import resource
import time
from typing import Any

import astra_grpc_async as aga
from astra_grpc_async import proto

from .data import TINY_CQL, rows_cql
from .measure import Sample, ServerProcess, Timer, median
from .report import Metric, check
from .stacks import TOKEN, BareStack, DriverStack, Stack
from .workloads import Config, paired_ratio

TARGET_STALL_MS = 5.0


# --- 6: the raw stub ----------------------------------------------------------------


async def _calls(call: Any, n: int, inflight: int, server: ServerProcess) -> Sample:
    gc.collect()
    left = n

    async def worker() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            await call()

    with Timer(server) as t:
        await asyncio.gather(*(worker() for _ in range(inflight)))
    return t.sample(n)


async def raw_stub(server: ServerProcess, cfg: Config, log: Any) -> list[Metric]:
    out: list[Metric] = []
    async with aga.Client(server.target, token=TOKEN, pool_size=cfg.unary_pool_size) as client:
        query = proto.Query(cql=TINY_CQL)

        async def execute() -> Any:
            return (await client.execute(TINY_CQL)).rows[0][0]

        async def raw() -> Any:
            response = await client.raw.execute_query(query)
            assert response.result_set is not None
            return response.result_set.rows[0].values[0].string

        async def raw_rows() -> Any:  # and read back as rows
            return aga.Result.from_proto(await client.raw.execute_query(query)).rows[0][0]

        variants = {"execute": execute, "raw": raw, "raw_rows": raw_rows}
        for inflight in sorted({1, min(64, max(cfg.inflight))}):
            samples: dict[str, list[Sample]] = {k: [] for k in variants}
            for fn in variants.values():
                await _calls(fn, 200, min(inflight, 16), server)  # warm up
            for r in range(cfg.rounds):
                order = list(variants.items())
                for name, fn in order if r % 2 == 0 else order[::-1]:
                    samples[name].append(await _calls(fn, cfg.unary_calls, inflight, server))
            base = [s.cpu_per_op for s in samples["execute"]]
            log(
                f"  raw x{inflight}: "
                + ", ".join(
                    f"{k} {median([s.cpu_per_op for s in v]) * 1e6:.0f} µs/call"
                    for k, v in samples.items()
                )
            )
            labels = {
                "execute": f"client.execute x{inflight}",
                "raw": f"client.raw.execute_query x{inflight}",
                "raw_rows": f"client.raw + Result.from_proto x{inflight}",
            }
            for name, s in samples.items():
                cpus = [x.cpu_per_op for x in s]
                is_base = name == "execute"
                out.append(Metric(
                    "6 raw stub", labels[name], "client CPU/call", median(cpus) * 1e6, "µs",
                    None if is_base else paired_ratio(cpus, base),
                    None if is_base else "execute",
                    extra={"cpu_per_call_by_round": cpus,
                           "calls_per_sec": median([x.per_sec for x in s])},
                ))  # fmt: skip
    return out


# --- 7: loop stalls while streaming --------------------------------------------------


def _steal_ticks() -> int:
    """Clock ticks the hypervisor gave this VM's CPUs to someone else (0 where
    /proc/stat has no steal column): a stall measured as thread CPU time can
    include them, since a guest cannot tell a stolen tick from its own."""
    try:
        with open("/proc/stat") as f:
            fields = f.readline().split()
        return int(fields[8]) if len(fields) > 8 else 0
    except OSError:
        return 0


def _summary(runs: list[_StallMeter], steal: int, rows: int) -> dict[str, Any]:
    """One stack's runs at one page size, as the JSON keeps them."""
    stalls = [m.longest * 1e3 for m in runs]
    return {
        "stalls_ms": stalls, "median_ms": median(stalls), "worst_ms": max(stalls),
        "wall_stalls_ms": [m.longest_wall * 1e3 for m in runs],
        "full_collections": sum(m.full_collections for m in runs),
        "steal_ticks": steal, "rows": rows,
    }  # fmt: skip


def _describe(name: str, runs: list[_StallMeter], extra: dict[str, Any], rate: float) -> str:
    w = max(runs, key=lambda m: m.longest)
    return (
        f"{name} {extra['median_ms']:.1f} ms median / {extra['worst_ms']:.1f} ms worst "
        f"(worst: {w.longest_faults} page faults, {w.longest_wall * 1e3:.1f} ms wall), "
        f"{rate:,.0f} rows/s, {extra['full_collections']} full GC, "
        f"{extra['steal_ticks']} steal ticks"
    )


def _thread_usage() -> resource.struct_rusage:
    return resource.getrusage(resource.RUSAGE_THREAD)


class _StallMeter:
    """A task that takes every turn the loop gives it and keeps the longest
    gap between two turns: how long the loop was held by someone else.

    `longest` is the CPU time the event loop's thread spent in that gap
    (`time.thread_time`): the work that held the loop, not counting time the
    process was not running at all (on a shared machine, wall-clock gaps
    mostly measure the scheduler). `longest_wall` is the wall-clock gap."""

    def __init__(self) -> None:
        self.longest = 0.0
        self.longest_wall = 0.0
        self.longest_faults = 0
        self.full_collections = 0  # a full GC pass is a stall of the whole heap's size
        self._stop = False
        self._task: asyncio.Task[None] | None = None

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "stop" and info["generation"] == 2:
            self.full_collections += 1

    async def _run(self) -> None:
        cpu, wall = time.thread_time, time.perf_counter
        last, last_wall, last_use = cpu(), wall(), _thread_usage()
        while not self._stop:
            await asyncio.sleep(0)
            now, now_wall, use = cpu(), wall(), _thread_usage()
            if now - last > self.longest:
                self.longest = now - last
                # page faults in the longest gap point at memory: e.g. grpc's copy
                # of a large message into fresh pages
                self.longest_faults = use.ru_minflt - last_use.ru_minflt
            if now_wall - last_wall > self.longest_wall:
                self.longest_wall = now_wall - last_wall
            last, last_wall, last_use = now, now_wall, use

    async def __aenter__(self) -> _StallMeter:
        self._task = asyncio.get_running_loop().create_task(self._run())
        await asyncio.sleep(0)
        gc.callbacks.append(self._on_gc)
        return self

    async def __aexit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._on_gc)
        self._stop = True
        assert self._task is not None
        await self._task


async def _stream(stack: Stack, total: int, page_size: int, server: ServerProcess) -> Sample:
    gc.collect()
    with Timer(server) as t:
        n = await stack.read_rows(rows_cql(total), page_size)
    if n != total:
        raise RuntimeError(f"{stack.name} read {n} rows, expected {total}")
    return t.sample(n)


async def _stall(stack: Stack, total: int, page_size: int) -> _StallMeter:
    gc.collect()
    async with _StallMeter() as meter:
        await stack.read_rows(rows_cql(total), page_size)
    return meter


async def loop_stall(server: ServerProcess, cfg: Config, log: Any) -> list[Metric]:
    out: list[Metric] = []
    # receive_only: what grpc.aio itself holds the loop for per page (copying the
    # message out of the call), the part of a stall no decoder can remove
    stacks: list[Stack] = [
        BareStack("floor_typed"), DriverStack(pool_size=cfg.unary_pool_size),
        BareStack("receive_only"),
    ]  # fmt: skip
    rounds = max(cfg.stall_rounds, 1)
    try:
        for stack in stacks:
            await stack.open(server.target)
        for page_size in cfg.stall_page_sizes:
            # enough rows for several pages, few enough for small pages to finish quickly
            total = max(page_size * 4, min(cfg.rows // 5, 200_000 if page_size > 100 else 20_000))
            for stack in stacks:
                await stack.read_rows(rows_cql(page_size * 2), page_size)  # warm up
            runs: dict[str, list[_StallMeter]] = {s.name: [] for s in stacks}
            rates: dict[str, list[float]] = {s.name: [] for s in stacks}
            steal: dict[str, int] = {s.name: 0 for s in stacks}
            for r in range(rounds):
                for stack in stacks if r % 2 == 0 else stacks[::-1]:
                    rates[stack.name].append(
                        (await _stream(stack, total, page_size, server)).per_sec
                    )
                    before = _steal_ticks()
                    runs[stack.name].append(await _stall(stack, total, page_size))
                    steal[stack.name] += _steal_ticks() - before
            extra = {k: _summary(v, steal[k], total) for k, v in runs.items()}
            log(f"  stall page {page_size}: " + ", ".join(
                _describe(k, runs[k], extra[k], median(rates[k])) for k in runs
            ))  # fmt: skip
            typical = {k: e["median_ms"] for k, e in extra.items()}
            worst = {k: e["worst_ms"] for k, e in extra.items()}
            d, f, g = typical["driver"], typical["bare"], typical["receive_only"]
            out += [
                Metric("7 loop stall", f"driver stream, page {page_size:,}",
                       "longest stall, median run", d, "ms", d / f if f else None, "floor",
                       f"< {TARGET_STALL_MS:g} ms", check(d, "<", TARGET_STALL_MS),
                       extra=extra["driver"]),
                Metric("7 loop stall", f"driver stream, page {page_size:,}",
                       "longest stall, worst run", worst["driver"], "ms",
                       worst["driver"] / worst["bare"] if worst["bare"] else None, "floor"),
                Metric("7 loop stall", f"floor, page {page_size:,}",
                       "longest stall, median run", f, "ms", extra=extra["bare"]),
                Metric("7 loop stall", f"grpc receive only, page {page_size:,}",
                       "longest stall, median run", g, "ms", extra=extra["receive_only"]),
                Metric("7 loop stall", f"grpc receive only, page {page_size:,}",
                       "longest stall, worst run", worst["receive_only"], "ms"),
                Metric("7 loop stall", f"driver stream, page {page_size:,}", "rows/s",
                       median(rates["driver"]), "rows/s",
                       paired_ratio(rates["driver"], rates["bare"]), "floor",
                       extra={"rates": rates["driver"], "floor_rates": rates["bare"]}),
            ]  # fmt: skip
    finally:
        for stack in stacks:
            await stack.close()
    return out
