"""The load run: schema, workers, pacing, progress ticks."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ... import errors
from ...client import Client
from .config import LoadConfig
from .hdrlog import HdrLog
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
    started: int = 0  # operations sent
    start_span: float = 0.0  # seconds from the run's start to the last operation's start

    @property
    def start_rate(self) -> float | None:
        """Operations started per second: the rate a --rate target is held
        against (the answers still draining at the end do not dilute it)."""
        if self.started < 2 or self.start_span <= 0:
            return None
        return (self.started - 1) / self.start_span

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
    hdr_log: Path | None = None,
) -> LoadResult:
    """Run the load `cfg` describes; returns when its bound is reached (or
    `stop` is set) and every operation in flight has answered. `on_tick`
    sees every full interval; `hdr_log` names an HdrHistogram interval log
    to write (every interval, the last partial one included)."""
    if create_schema:
        await prepare_schema(client, cfg)
    started_at = dt.datetime.now(dt.UTC)
    log = HdrLog(hdr_log, started_at) if hdr_log is not None else None
    try:
        return await _run(client, cfg, stop, on_tick, log, started_at)
    finally:
        if log is not None:
            log.close()


async def _run(
    client: Client,
    cfg: LoadConfig,
    stop: asyncio.Event | None,
    on_tick: TickCallback | None,
    log: HdrLog | None,
    started_at: dt.datetime,
) -> LoadResult:
    read_cql = f"SELECT value FROM {cfg.qualified_table} WHERE key = ?"
    write_cql = f"INSERT INTO {cfg.qualified_table} (key, value) VALUES (?, ?)"
    rng = random.Random(cfg.seed)
    payload = rng.randbytes(cfg.value_size)
    recorder = Recorder(hdr_log=log)
    pacer = Pacer(cfg.rate)
    stop = stop or asyncio.Event()
    clock = time.monotonic
    start = clock()
    deadline = None if cfg.duration is None else start + cfg.duration
    issued = 0
    started = 0
    last_start = start

    # when the load stopped being sent: intervals after it are not full ones
    ended: float | None = deadline

    def more() -> bool:
        nonlocal ended
        going = not stop.is_set() and (cfg.count is None or issued < cfg.count)
        if not going and (ended is None or clock() < ended):
            ended = clock()
        return going and (deadline is None or clock() < deadline)

    async def worker() -> None:
        nonlocal issued, started, last_start
        while more():
            issued += 1
            scheduled = await pacer.slot()
            if deadline is not None and scheduled >= deadline:
                return
            started += 1
            last_start = max(last_start, clock())
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
        # ticks on the interval grid while load is being sent; a late tick makes
        # its interval longer and the next boundary is at least half an interval
        # away, so that no interval is so short that its rate is noise
        k = 1
        while True:
            boundary = start + k * cfg.interval
            await asyncio.sleep(max(0.0, boundary - clock()))
            if ended is not None and boundary > ended:
                return  # the load ended inside this interval: the rest is the partial one
            tick()
            k = max(k + 1, math.floor((clock() - start) / cfg.interval + 0.5) + 1)

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
    if recorder.pending:  # the last, partial interval: counted, not shown as a rate
        recorder.tick(elapsed, elapsed - (last - start), partial=True)
    bounded = cfg.count is not None and issued >= cfg.count
    timed_out = deadline is not None and clock() >= deadline
    return LoadResult(
        config=cfg,
        recorder=recorder,
        started_at=started_at,
        elapsed=elapsed,
        stopped_early=stop.is_set() and not (bounded or timed_out),
        started=started,
        start_span=last_start - start,
    )
