"""Workloads of the typed protocol layer and of decoding without stalls.

6 raw        client CPU per call of `client.raw.execute_query` (betterproto2
             messages) next to `client.execute`, same client, interleaved
7 stall      the longest event-loop stall while streaming (CPU the loop's
             thread spent between two turns of a ticker task), at page sizes
             100 / 5,000 / 20,000, next to the floor's; and rows/s vs the floor
"""

from __future__ import annotations

import asyncio
import gc
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
        self._stop = False
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        cpu, wall = time.thread_time, time.perf_counter
        last, last_wall = cpu(), wall()
        while not self._stop:
            await asyncio.sleep(0)
            now, now_wall = cpu(), wall()
            if now - last > self.longest:
                self.longest = now - last
            if now_wall - last_wall > self.longest_wall:
                self.longest_wall = now_wall - last_wall
            last, last_wall = now, now_wall

    async def __aenter__(self) -> _StallMeter:
        self._task = asyncio.get_running_loop().create_task(self._run())
        await asyncio.sleep(0)
        return self

    async def __aexit__(self, *exc: object) -> None:
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


async def _stall(stack: Stack, total: int, page_size: int) -> tuple[float, float]:
    gc.collect()
    async with _StallMeter() as meter:
        await stack.read_rows(rows_cql(total), page_size)
    return meter.longest, meter.longest_wall


async def loop_stall(server: ServerProcess, cfg: Config, log: Any) -> list[Metric]:
    out: list[Metric] = []
    stacks: list[Stack] = [BareStack("floor_typed"), DriverStack(pool_size=cfg.unary_pool_size)]
    rounds = max(cfg.row_rounds, 1)
    try:
        for stack in stacks:
            await stack.open(server.target)
        for page_size in cfg.stall_page_sizes:
            # enough rows for several pages, few enough for small pages to finish quickly
            total = max(page_size * 4, min(cfg.rows // 5, 200_000 if page_size > 100 else 20_000))
            for stack in stacks:
                await stack.read_rows(rows_cql(page_size * 2), page_size)  # warm up
            rates: dict[str, list[float]] = {s.name: [] for s in stacks}
            stalls: dict[str, list[float]] = {s.name: [] for s in stacks}
            walls: dict[str, list[float]] = {s.name: [] for s in stacks}
            for r in range(rounds):
                for stack in stacks if r % 2 == 0 else stacks[::-1]:
                    rates[stack.name].append(
                        (await _stream(stack, total, page_size, server)).per_sec
                    )
                    held, wall = await _stall(stack, total, page_size)
                    stalls[stack.name].append(held)
                    walls[stack.name].append(wall)
            log(
                f"  stall page {page_size}: "
                + ", ".join(
                    f"{k} {max(stalls[k]) * 1e3:.1f} ms CPU ({max(walls[k]) * 1e3:.1f} ms wall) "
                    f"{median(rates[k]):,.0f} rows/s"
                    for k in rates
                )
            )
            worst = max(stalls["driver"]) * 1e3
            floor_worst = max(stalls["bare"]) * 1e3
            ratio = paired_ratio(rates["driver"], rates["bare"])
            out.append(Metric(
                "7 loop stall", f"driver stream, page {page_size:,}", "longest loop stall",
                worst, "ms", worst / floor_worst if floor_worst else None, "floor",
                f"< {TARGET_STALL_MS:g} ms", check(worst, "<", TARGET_STALL_MS),
                extra={"stalls_ms": [x * 1e3 for x in stalls["driver"]], "rows": total,
                       "wall_stalls_ms": [x * 1e3 for x in walls["driver"]]},
            ))  # fmt: skip
            out.append(Metric(
                "7 loop stall", f"floor, page {page_size:,}", "longest loop stall",
                floor_worst, "ms", extra={"stalls_ms": [x * 1e3 for x in stalls["bare"]],
                                          "wall_stalls_ms": [x * 1e3 for x in walls["bare"]]},
            ))  # fmt: skip
            out.append(Metric(
                "7 loop stall", f"driver stream, page {page_size:,}", "rows/s",
                median(rates["driver"]), "rows/s", ratio, "floor",
                extra={"rates": rates["driver"], "floor_rates": rates["bare"]},
            ))  # fmt: skip
    finally:
        for stack in stacks:
            await stack.close()
    return out
