"""`python -m benchmarks emulator`: the emulator's own CPU per operation.

A bare grpc.aio client (pre-serialized requests, no driver) keeps 32 calls
in flight against a separate server process and reads that process's CPU
time (user + system, all threads) with psutil. Side by side in one run, in
interleaved rounds:

* `empty servicer`: a grpc.aio Stargate servicer answering an empty
  Response (`benchmarks.emulator_empty`), the floor any Python server pays;
* `emulator`: `python -m astra_grpc_async.emulator`, in memory;
* `emulator --data-dir`: the same with every write journaled.

Statements, on `bench.kv (k int PRIMARY KEY, t text, b bigint)`:
`INSERT INTO bench.kv (k, t, b) VALUES (?, ?, ?)` and
`SELECT k, t, b FROM bench.kv WHERE k = ?`. The target is at most 1.3x the
empty servicer's CPU per operation for both. `--profile` runs the emulator
under cProfile instead and prints where its time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import grpc
import grpc.aio
import psutil

from astra_grpc_async._proto.stargate import query_pb2

from .report import Metric, check, machine_info, table, write_json

TOKEN = "bench-emulator-token"
METHOD = "/stargate.Stargate/ExecuteQuery"
RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
INSERT = "INSERT INTO bench.kv (k, t, b) VALUES (?, ?, ?)"
SELECT = "SELECT k, t, b FROM bench.kv WHERE k = ?"
SETUP = (
    "CREATE KEYSPACE IF NOT EXISTS bench WITH replication = "
    "{'class': 'SimpleStrategy', 'replication_factor': 1}",
    "CREATE TABLE IF NOT EXISTS bench.kv (k int PRIMARY KEY, t text, b bigint)",
)
TARGET = 1.3
EMPTY = "empty servicer"


@dataclass
class Server:
    name: str
    popen: subprocess.Popen[str]
    endpoint: str
    ps: psutil.Process

    def cpu(self) -> float:
        t = self.ps.cpu_times()
        return t.user + t.system


def _start(name: str, cmd: list[str]) -> Server:
    popen = subprocess.Popen(
        cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert popen.stdout is not None
    for line in popen.stdout:
        if line.startswith("endpoint: "):
            return Server(name, popen, line.split(": ", 1)[1].strip(), psutil.Process(popen.pid))
    popen.wait()
    raise RuntimeError(f"{name} exited with status {popen.returncode} before listening")


def _stop(server: Server) -> None:
    if server.popen.poll() is None:
        server.popen.terminate()
        try:
            server.popen.wait(30)
        except subprocess.TimeoutExpired:
            server.popen.kill()
            server.popen.wait()
    if server.popen.stdout is not None:
        server.popen.stdout.close()


@contextlib.contextmanager
def servers(data_dir: str | None, profile_to: str | None = None) -> Iterator[list[Server]]:
    py = sys.executable
    emulator = ["-m", "astra_grpc_async.emulator", "--port", "0", "--token", TOKEN, "--quiet"]
    started: list[Server] = []
    try:
        if profile_to is not None:
            cmd = [py, "-m", "cProfile", "-o", profile_to, *emulator]
            started.append(_start("emulator (cProfile)", cmd))
            yield started
            return
        started.append(_start(EMPTY, [py, "-m", "benchmarks.emulator_empty"]))
        started.append(_start("emulator", [py, *emulator]))
        if data_dir is not None:
            started.append(_start("emulator --data-dir", [py, *emulator, "--data-dir", data_dir]))
        yield started
    finally:
        for s in started:
            _stop(s)


def _value(v: int | str) -> query_pb2.Value:
    return query_pb2.Value(string=v) if isinstance(v, str) else query_pb2.Value(int=v)


def request(cql: str, *values: int | str) -> bytes:
    q = query_pb2.Query(cql=cql, values=query_pb2.Values(values=[_value(v) for v in values]))
    return q.SerializeToString()


def workload(keys: int) -> dict[str, list[bytes]]:
    return {
        "INSERT": [request(INSERT, k, f"text value {k}", k * 1_000_003) for k in range(keys)],
        "SELECT": [request(SELECT, k) for k in range(keys)],
    }


async def drive(channel: grpc.aio.Channel, requests: list[bytes], ops: int, inflight: int) -> None:
    call = channel.unary_unary(METHOD)
    md = (("x-cassandra-token", TOKEN),)
    n = len(requests)
    issued = 0

    async def worker() -> None:
        nonlocal issued
        while issued < ops:
            req = requests[issued % n]
            issued += 1
            await call(req, metadata=md)

    await asyncio.gather(*(worker() for _ in range(inflight)))


async def prepare(channel: grpc.aio.Channel, server: Server, work: dict[str, list[bytes]]) -> None:
    """Schema, every key written once, and a check that reads see the writes."""
    call = channel.unary_unary(METHOD)
    md = (("x-cassandra-token", TOKEN),)
    for cql in SETUP:
        await call(query_pb2.Query(cql=cql).SerializeToString(), metadata=md)
    await drive(channel, work["INSERT"], len(work["INSERT"]), 32)
    if server.name != EMPTY:
        k = len(work["SELECT"]) // 2
        raw = await call(work["SELECT"][k], metadata=md)
        row = query_pb2.Response.FromString(raw).result_set.rows[0].values
        got = (row[0].int, row[1].string, row[2].int)
        assert got == (k, f"text value {k}", k * 1_000_003), f"{server.name} read {got}"


async def measure(
    channel: grpc.aio.Channel, server: Server, requests: list[bytes], ops: int, inflight: int
) -> tuple[float, float]:
    """Server CPU µs per op and ops/s for `ops` calls."""
    await drive(channel, requests, max(ops // 10, inflight), inflight)  # warm
    cpu0, t0 = server.cpu(), time.perf_counter()
    await drive(channel, requests, ops, inflight)
    wall = time.perf_counter() - t0
    return (server.cpu() - cpu0) / ops * 1e6, ops / wall


async def run(args: argparse.Namespace, log: Any) -> list[Metric]:
    work = workload(args.keys)
    cpu: dict[tuple[str, str], list[float]] = {}
    rate: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="aga-bench-") as tmp:
        data_dir = None if args.no_data_dir else os.path.join(tmp, "data")
        with servers(data_dir) as started:
            channels = {s.name: grpc.aio.insecure_channel(s.endpoint) for s in started}
            try:
                for s in started:
                    await prepare(channels[s.name], s, work)
                for r in range(args.rounds):
                    order = started[r % len(started) :] + started[: r % len(started)]
                    for stmt in ("INSERT", "SELECT"):
                        for s in order:
                            us, ops_s = await measure(
                                channels[s.name], s, work[stmt], args.ops, args.inflight
                            )
                            cpu.setdefault((s.name, stmt), []).append(us)
                            rate.setdefault((s.name, stmt), []).append(ops_s)
                            log(
                                f"round {r + 1} {stmt:6} {s.name:20} {us:7.0f} µs/op {ops_s:7.0f}/s"
                            )
            finally:
                for ch in channels.values():
                    await ch.close()
    metrics = []
    for (name, stmt), values in cpu.items():
        median = statistics.median(values)
        base = statistics.median(cpu[(EMPTY, stmt)])
        is_base = name == EMPTY or base <= 0  # (a tiny run can read no CPU at all)
        ratio = median / base if base > 0 else 0.0
        rounds = ", ".join(f"{v:.0f}" for v in values)
        metrics.append(
            Metric(
                f"emulator {stmt}",
                name,
                "server CPU per op",
                median,
                "µs",
                ratio=None if is_base else ratio,
                baseline=None if is_base else "empty",
                target=None if is_base else f"<= {TARGET}x",
                passed=None if is_base else check(ratio, "<=", TARGET),
                extra={"rounds_us": values, "ops_per_s": rate[(name, stmt)]},
                note=f"per round: {rounds} µs",
            )
        )
        metrics.append(
            Metric(
                f"emulator {stmt}", name, "ops/s", statistics.median(rate[(name, stmt)]), "calls/s"
            )
        )
    return metrics


async def profile(args: argparse.Namespace, log: Any) -> None:
    """cProfile the in-memory emulator over both statements; print the top."""
    work = workload(args.keys)
    with tempfile.TemporaryDirectory(prefix="aga-prof-") as tmp:
        out = os.path.join(tmp, "emulator.prof")
        with servers(None, out) as (server,):
            async with grpc.aio.insecure_channel(server.endpoint) as channel:
                await prepare(channel, server, work)
                for stmt in ("INSERT", "SELECT"):
                    await drive(channel, work[stmt], args.ops * args.rounds, args.inflight)
        stats = pstats.Stats(out, stream=sys.stdout)
        stats.strip_dirs().sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(30)
    log("profiled")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks emulator",
        description="Emulator server CPU per op vs an empty grpc.aio servicer, side by side.",
    )
    ap.add_argument("--ops", type=int, default=4_000, help="calls per measurement [4000]")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds [3]")
    ap.add_argument("--inflight", type=int, default=32, help="calls in flight [32]")
    ap.add_argument("--keys", type=int, default=5_000, help="distinct keys [5000]")
    ap.add_argument("--no-data-dir", action="store_true", help="skip the --data-dir row")
    ap.add_argument("--quick", action="store_true", help="tiny sizes (a smoke run)")
    ap.add_argument("--profile", action="store_true", help="cProfile the emulator instead")
    ap.add_argument("--json", default=os.path.join(RESULTS, "emulator.json"))
    args = ap.parse_args(argv)
    if args.quick:
        args.ops, args.rounds, args.keys = min(args.ops, 300), 1, min(args.keys, 300)
    return args


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.profile:
        asyncio.run(profile(args, _log))
        return 0
    started = time.perf_counter()
    load0 = os.getloadavg()[0]
    metrics = asyncio.run(run(args, _log))
    machine = machine_info("asyncio")
    print(
        f"emulator benchmark: {machine['cpu_model']}, {machine['usable_cores']} cores, "
        f"Python {machine['python']}, grpcio {machine['grpcio']}, load average "
        f"{load0:.1f} at start, {os.getloadavg()[0]:.1f} at end\n"
    )
    print(table(metrics))
    config = {k: v for k, v in vars(args).items() if k != "json"}
    write_json(args.json, metrics, config, machine, time.perf_counter() - started, [])
    print(f"\nwrote {args.json}")
    return 1 if any(m.passed is False for m in metrics) else 0
