"""The load run: schema, workers, pacing, progress ticks."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from ... import errors
from ...client import Client
from .config import LoadConfig
from .ratelimit import Pacer
from .stats import Recorder, Tick

log = logging.getLogger("astra_grpc_async.loadgen")

TickCallback = Callable[[Tick], None]


@dataclass(slots=True)
class LoadResult:
    config: LoadConfig
    recorder: Recorder
    started_at: dt.datetime
    elapsed: float  # seconds from the first operation to the last answer
    stopped_early: bool  # stopped by the caller (Ctrl-C) before its bound

    @property
    def operations(self) -> int:
        return self.recorder.operations

    @property
    def errors(self) -> int:
        return self.recorder.errors


async def prepare_schema(client: Client, cfg: LoadConfig) -> None:
    """Create the keyspace (where allowed) and the table."""
    try:
        await client.execute(
            f"CREATE KEYSPACE IF NOT EXISTS {cfg.keyspace} WITH replication = "
            "{'class': 'SimpleStrategy', 'replication_factor': 1}"
        )
    except errors.ServerError as exc:
        # Astra refuses CREATE KEYSPACE (keyspaces are made in its console):
        # go on, the table statement says clearly if the keyspace is missing
        log.warning("could not create keyspace %s: %s", cfg.keyspace, exc)
    await client.execute(
        f"CREATE TABLE IF NOT EXISTS {cfg.qualified_table} (key bigint PRIMARY KEY, value blob)"
    )


async def run_load(
    client: Client,
    cfg: LoadConfig,
    *,
    stop: asyncio.Event | None = None,
    on_tick: TickCallback | None = None,
    create_schema: bool = True,
) -> LoadResult:
    """Run the load `cfg` describes; returns when its bound is reached (or
    `stop` is set) and every operation in flight has answered."""
    if create_schema:
        await prepare_schema(client, cfg)
    read_cql = f"SELECT value FROM {cfg.qualified_table} WHERE key = ?"
    write_cql = f"INSERT INTO {cfg.qualified_table} (key, value) VALUES (?, ?)"
    rng = random.Random(cfg.seed)
    payload = rng.randbytes(cfg.value_size)
    recorder = Recorder()
    pacer = Pacer(cfg.rate)
    stop = stop or asyncio.Event()
    clock = time.monotonic
    started_at = dt.datetime.now(dt.UTC)
    start = clock()
    deadline = None if cfg.duration is None else start + cfg.duration
    issued = 0

    def more() -> bool:
        if stop.is_set():
            return False
        if cfg.count is not None and issued >= cfg.count:
            return False
        return deadline is None or clock() < deadline

    async def worker() -> None:
        nonlocal issued
        while more():
            issued += 1
            scheduled = await pacer.slot()
            if deadline is not None and scheduled >= deadline:
                return
            key = rng.randrange(cfg.keys)
            kind = "read" if rng.random() < cfg.read_ratio else "write"
            try:
                if kind == "read":
                    await client.execute(read_cql, [key], timeout=cfg.op_timeout)
                else:
                    await client.execute(
                        write_cql, [key, payload], timeout=cfg.op_timeout, idempotent=True
                    )
            except errors.AgaError as exc:
                recorder.error(kind, exc)
            else:
                recorder.record(kind, int((clock() - scheduled) * 1_000_000))

    last = start

    def tick() -> None:
        nonlocal last
        now = clock()
        t = recorder.tick(now - start, now - last)
        last = now
        if on_tick is not None:
            on_tick(t)

    async def ticker() -> None:
        while True:
            await asyncio.sleep(cfg.interval - (clock() - start) % cfg.interval)
            tick()

    ticking = asyncio.ensure_future(ticker())
    workers = [asyncio.ensure_future(worker()) for _ in range(cfg.concurrency)]
    try:
        await asyncio.gather(*workers)
    finally:
        for w in workers:
            w.cancel()
        ticking.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticking
    elapsed = clock() - start
    if recorder.pending or not recorder.timeline:
        tick()  # the last, partial interval
    bounded = cfg.count is not None and issued >= cfg.count
    timed_out = deadline is not None and clock() >= deadline
    return LoadResult(
        config=cfg,
        recorder=recorder,
        started_at=started_at,
        elapsed=elapsed,
        stopped_early=stop.is_set() and not (bounded or timed_out),
    )
