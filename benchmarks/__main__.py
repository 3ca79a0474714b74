"""`python -m benchmarks [--quick] [--only unary,rows,...]`: see benchmarks/README.md.

`python -m benchmarks emulator [...]` runs the emulator's benchmark instead
(`benchmarks/emulator.py`)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import traceback
from dataclasses import asdict, fields
from typing import Any

from .measure import ServerProcess
from .protocol import loop_stall, raw_stub
from .report import Metric, machine_info, table, write_json
from .workloads import WORKLOADS, Config

# memory first: a fresh heap
ORDER = ("memory", "unary", "rows", "concurrency", "raw", "stall", "restart")
ALL_WORKLOADS = {**WORKLOADS, "raw": raw_stub, "stall": loop_stall}
RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


def _ints(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in text.split(",") if x.strip())


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    d = Config()
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Side-by-side ratios: the driver vs a bare grpc.aio+upb floor "
        "(and betterproto2/grpclib), against a canned server in another process.",
    )
    ap.add_argument("--quick", action="store_true", help="everything tiny (seconds)")
    ap.add_argument("--only", default=",".join(ORDER),
                    help=f"comma-separated subset of {','.join(ORDER)}")  # fmt: skip
    ap.add_argument("--no-naive", action="store_true", help="skip the grpclib+betterproto2 stack")
    ap.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio")
    ap.add_argument("--json", default=os.path.join(RESULTS, "latest.json"))
    ap.add_argument("--server-kind", choices=("sync", "aio"), default="sync")
    ap.add_argument("--server-workers", type=int, default=4)
    ap.add_argument("--profile", action="store_true",
                    help="instead of the workloads: cProfile the driver in 1 and 2")  # fmt: skip
    g = ap.add_argument_group("sizes (defaults; --quick shrinks them)")
    g.add_argument("--unary-calls", type=int, help=f"calls per round per variant [{d.unary_calls}]")
    g.add_argument("--naive-calls", type=int, help=f"grpclib calls per round [{d.naive_calls}]")
    g.add_argument("--inflight", type=_ints, help="concurrent callers, e.g. 1,64,1024")
    g.add_argument("--rounds", type=int, help=f"interleaved rounds per variant [{d.rounds}]")
    g.add_argument("--unary-pool-size", type=int, help="driver channels in 1 and 2 [1]")
    g.add_argument("--rows", type=int, help=f"rows per run of workload 2 [{d.rows}]")
    g.add_argument("--page-size", type=int, help=f"rows per page [{d.page_size}]")
    g.add_argument("--row-rounds", type=int, help=f"driver/floor runs each [{d.row_rounds}]")
    g.add_argument("--bp-rows", type=int, help=f"rows for betterproto2 on grpc.aio [{d.bp_rows}]")
    g.add_argument("--naive-rows", type=int, help=f"rows for grpclib+betterproto2 [{d.naive_rows}]")
    g.add_argument("--memory-rows", type=int, help=f"rows streamed in workload 3 [{d.memory_rows}]")
    g.add_argument("--list-rows", type=int, help=f"rows loaded into a list [{d.list_rows}]")
    g.add_argument("--tasks", type=int, help=f"concurrent tasks in workload 4 [{d.tasks}]")
    g.add_argument("--max-in-flight", type=int, help=f"workload 4 cap [{d.max_in_flight}]")
    g.add_argument("--pools", type=_ints, help="workload 4 pool sizes [1,2,4]")
    g.add_argument("--stall-page-sizes", type=_ints, help="workload 7 page sizes [100,5000,20000]")
    g.add_argument("--stall-rounds", type=int, help=f"workload 7 runs per stack [{d.stall_rounds}]")
    g.add_argument("--restart-overwrites", type=int,
                   help=f"workload 8 history length [{d.restart_overwrites}]")  # fmt: skip
    g.add_argument("--restart-keys", type=int, help=f"workload 8 keys [{d.restart_keys}]")
    g.add_argument("--concurrency-rounds", type=int,
                   help=f"workload 4 runs per pool size [{d.concurrency_rounds}]")  # fmt: skip
    return ap.parse_args(argv)


def build_config(args: argparse.Namespace) -> Config:
    cfg = Config.quick() if args.quick else Config()
    for f in fields(Config):
        value = getattr(args, f.name, None)
        if value is not None:
            setattr(cfg, f.name, value)
    if args.no_naive:
        cfg.naive = False
    return cfg


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


async def run(
    args: argparse.Namespace, cfg: Config, profiles: dict[str, str]
) -> tuple[list[Metric], list[str]]:
    selected = [w.strip() for w in args.only.split(",") if w.strip()]
    unknown = set(selected) - set(ORDER)
    if unknown:
        raise SystemExit(f"unknown workload(s): {', '.join(sorted(unknown))}")
    metrics: list[Metric] = []
    errors: list[str] = []
    with ServerProcess(args.server_kind, args.server_workers) as server:
        _log(f"canned server pid {server.ps.pid if server.ps else '?'} at {server.target}")
        if args.profile:
            from .profiling import profile

            rows = min(cfg.rows, 200_000)
            profiles.update(await profile(server, cfg.unary_calls * 2, rows, cfg.page_size))
            return metrics, errors
        for name in ORDER:
            if name not in selected:
                continue
            _log(f"workload {name} ...")
            t0 = time.perf_counter()
            try:
                metrics += await ALL_WORKLOADS[name](server, cfg, _log)
            except Exception as exc:  # report it, run the rest
                errors.append(f"{name}: {type(exc).__name__}: {exc}")
                _log(traceback.format_exc())
            _log(f"workload {name} done in {time.perf_counter() - t0:.1f} s")
    return metrics, errors


async def amain(argv: list[str] | None = None) -> int:
    """Run the selected workloads, print the table, write the JSON; the exit
    status is 0 when every target is met, 1 when one is missed, 2 on errors."""
    args = parse_args(argv)
    cfg = build_config(args)
    started = time.perf_counter()
    load_at_start = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    profiles: dict[str, str] = {}
    metrics, errors = await run(args, cfg, profiles)
    if args.profile:
        from .profiling import write_reports

        write_reports(profiles, args.json, _log)
        return 0
    elapsed = time.perf_counter() - started
    machine = machine_info(args.loop)
    machine["load_average_at_start"] = load_at_start
    config: dict[str, Any] = asdict(cfg) | {"only": args.only, "quick": args.quick,
                                            "server_kind": args.server_kind,
                                            "server_workers": args.server_workers}  # fmt: skip
    print(
        f"astra_grpc_async benchmarks: {machine['cpu_model']}, {machine['usable_cores']} cores, "
        f"Python {machine['python']} ({args.loop}), grpcio {machine['grpcio']}, "
        f"protobuf {machine['protobuf']} ({machine['protobuf_backend']}), {elapsed:.0f} s"
    )
    load = machine["load_average"]
    if load_at_start is not None and load:
        busy = max(load_at_start, load[0]) > 0.5 * (machine["usable_cores"] or 1)
        print(
            f"load average {load_at_start:.1f} at start, {load[0]:.1f} at end"
            + (" (the machine was busy: expect noisy ratios)" if busy else "")
        )
    print()
    print(table(metrics))
    for e in errors:
        print(f"ERROR {e}")
    write_json(args.json, metrics, config, machine, elapsed, errors)
    print(f"\nwrote {args.json}")
    if errors:
        return 2
    return 1 if any(m.passed is False for m in metrics) else 0


def main(argv: list[str] | None = None) -> int:
    rest = sys.argv[1:] if argv is None else argv
    if rest[:1] == ["emulator"]:
        from .emulator import main as emulator_main

        return emulator_main(rest[1:])
    if parse_args(argv).loop == "uvloop":
        import uvloop

        return uvloop.run(amain(argv))
    return asyncio.run(amain(argv))


if __name__ == "__main__":
    sys.exit(main())
