"""Measuring helpers: the server process, CPU/wall timers, an RSS sampler,
percentiles."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import psutil

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class ServerProcess:
    """`python -m benchmarks.server` in a child process (its CPU is not ours).

    with ServerProcess() as srv:
        target = srv.target   # "127.0.0.1:PORT"
    """

    def __init__(self, kind: str = "sync", workers: int = 8) -> None:
        self.kind = kind
        self.workers = workers
        self._proc: subprocess.Popen[str] | None = None
        self.port = 0
        self.ps: psutil.Process | None = None

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> ServerProcess:
        cmd = [sys.executable, "-m", "benchmarks.server", "--kind", self.kind,
               "--workers", str(self.workers)]  # fmt: skip
        env = dict(os.environ)
        env["PYTHONPATH"] = _ROOT + os.pathsep + env.get("PYTHONPATH", "")
        self._proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=_ROOT, env=env
        )
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line.startswith("PORT "):
            self.stop()
            raise RuntimeError(f"benchmark server did not start: {line!r}")
        self.port = int(line.split()[1])
        self.ps = psutil.Process(self._proc.pid)
        return self

    def cpu(self) -> float:
        """The server's CPU seconds so far (user + system)."""
        assert self.ps is not None
        t = self.ps.cpu_times()
        return float(t.user + t.system)

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            if proc.stdin is not None:
                proc.stdin.close()  # the server stops when its stdin closes
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass
class Sample:
    """One measured run: operations, wall seconds, client (and server) CPU seconds."""

    ops: int
    wall: float
    cpu: float
    server_cpu: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def per_sec(self) -> float:
        return self.ops / self.wall if self.wall > 0 else 0.0

    @property
    def cpu_per_op(self) -> float:
        return self.cpu / self.ops if self.ops else 0.0

    @property
    def server_cpu_per_op(self) -> float:
        return self.server_cpu / self.ops if self.ops else 0.0


class Timer:
    """Wall and process CPU time (all threads of this process, incl. gRPC's)."""

    def __init__(self, server: ServerProcess | None = None) -> None:
        self.server = server

    def __enter__(self) -> Timer:
        self.s_cpu0 = self.server.cpu() if self.server else 0.0
        self.cpu0 = time.process_time()
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.t0
        self.cpu = time.process_time() - self.cpu0
        self.server_cpu = (self.server.cpu() - self.s_cpu0) if self.server else 0.0

    def sample(self, ops: int, **extra: Any) -> Sample:
        return Sample(ops, self.wall, self.cpu, self.server_cpu, extra)


class RssSampler:
    """Samples this process's resident memory every `interval` seconds on a
    thread; `peak - start` is the growth."""

    def __init__(self, interval: float = 0.01) -> None:
        self.interval = interval
        self._proc = psutil.Process()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.start_rss = 0
        self.peak_rss = 0
        self.samples = 0

    def _run(self) -> None:
        rss = self._proc.memory_info
        while not self._stop.wait(self.interval):
            r = rss().rss
            self.samples += 1
            if r > self.peak_rss:
                self.peak_rss = r

    def __enter__(self) -> RssSampler:
        self.start_rss = self.peak_rss = self._proc.memory_info().rss
        self._thread = threading.Thread(target=self._run, daemon=True, name="rss-sampler")
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.peak_rss = max(self.peak_rss, self._proc.memory_info().rss)

    @property
    def growth_mib(self) -> float:
        return (self.peak_rss - self.start_rss) / 2**20

    @property
    def peak_mib(self) -> float:
        return self.peak_rss / 2**20


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list (q in 0..100)."""
    if not sorted_values:
        return 0.0
    k = max(0, min(len(sorted_values) - 1, round(q / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[k]


def median_sample(samples: list[Sample], key: str = "cpu_per_op") -> Sample:
    """The sample whose `key` is the median (an actual run, not a blend)."""
    ordered = sorted(samples, key=lambda s: getattr(s, key))
    return ordered[(len(ordered) - 1) // 2]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0
