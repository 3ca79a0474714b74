"""Overload: many more callers than the in-flight cap, and a server that says
RESOURCE_EXHAUSTED."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import secrets
import sys
import tempfile
import time
from collections.abc import AsyncIterator

import psutil
import pytest
import pytest_asyncio

import astra_grpc_async as aga
from astra_grpc_async import errors
from astra_grpc_async.emulator import EmulatorServer

CALLERS = 20_000
CAP = 256
MiB = 1024 * 1024


@pytest_asyncio.fixture(loop_scope="session")
async def emulator_process() -> AsyncIterator[tuple[str, str]]:
    """The emulator in its own process (the second core): the load test then
    measures this process, the client, and not the server's work."""
    token = f"load-{secrets.token_hex(8)}"
    with tempfile.TemporaryFile() as stderr:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "astra_grpc_async.emulator",
            "--port", "0", "--token", token, "--quiet",
            stdout=asyncio.subprocess.PIPE, stderr=stderr,
        )  # fmt: skip
        try:
            assert proc.stdout is not None
            line = await asyncio.wait_for(proc.stdout.readline(), 30)
            assert line.startswith(b"endpoint: "), line
            yield line.split(b" ", 1)[1].strip().decode(), token
        finally:
            with contextlib.suppress(ProcessLookupError):
                proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        stderr.seek(0)
        errors_logged = stderr.read().decode(errors="replace")
    assert "Traceback" not in errors_logged, errors_logged[-2000:]


async def test_20k_callers_through_256_slots(emulator_process: tuple[str, str]) -> None:
    endpoint, token = emulator_process
    async with aga.Client(endpoint, token=token, max_in_flight=CAP, timeout=60) as client:
        await client.execute(
            "CREATE KEYSPACE load WITH replication = "
            "{'class': 'SimpleStrategy', 'replication_factor': 1}"
        )
        await client.execute("CREATE TABLE load.one (id int PRIMARY KEY, v text)")
        await client.execute("INSERT INTO load.one (id, v) VALUES (1, 'x')")
        cql = "SELECT v FROM load.one WHERE id = ?"
        await asyncio.gather(*(client.execute(cql, [1]) for _ in range(500)))  # warm up

        me = psutil.Process(os.getpid())
        gc.collect()
        rss_before = me.memory_info().rss
        peak = {"in_flight": 0, "channels": 0, "rss": rss_before, "samples": 0}
        done = asyncio.Event()

        async def sample() -> None:
            deadline = time.monotonic() + 120
            while not done.is_set() and time.monotonic() < deadline:
                peak["in_flight"] = max(peak["in_flight"], client.in_flight)
                per_channel = sum(ch.in_flight for ch in client._session.pool.channels)
                peak["channels"] = max(peak["channels"], per_channel)
                if peak["samples"] % 50 == 0:
                    peak["rss"] = max(peak["rss"], me.memory_info().rss)
                peak["samples"] += 1
                await asyncio.sleep(0.001)

        sampler = asyncio.ensure_future(sample())
        started = time.perf_counter()
        results = await asyncio.gather(
            *(client.execute(cql, [1]) for _ in range(CALLERS)), return_exceptions=True
        )
        elapsed = time.perf_counter() - started
        done.set()
        await sampler
        peak["rss"] = max(peak["rss"], me.memory_info().rss)
        failures = [r for r in results if isinstance(r, BaseException)]
        assert failures == [], failures[:3]
        assert all(r.one().v == "x" for r in results)  # type: ignore[union-attr]
        assert client.in_flight == 0
    growth = (peak["rss"] - rss_before) / MiB
    print(
        f"\n{CALLERS} callers, max_in_flight={CAP}: {elapsed:.1f}s "
        f"({CALLERS / elapsed:.0f} calls/s), peak in_flight {peak['in_flight']} "
        f"({peak['samples']} samples), RSS growth {growth:.1f} MiB"
    )
    assert peak["samples"] > 100
    assert CAP * 0.75 <= peak["in_flight"] <= CAP  # the cap was reached, never passed
    assert peak["channels"] <= CAP
    assert growth < 300


async def test_overloaded_server_is_backed_off_from(server: EmulatorServer) -> None:
    policy = aga.RetryPolicy(max_attempts=5, base_delay=0.05, max_delay=2.0, overload_factor=4)
    gc.collect()  # no full collection in the middle of the measured pauses
    stamps: list[float] = []
    attempts: list[tuple[int, BaseException]] = []
    async with aga.Client(server.endpoint, token=server.token, retry=policy) as client:
        client.hooks.on_retry.append(
            lambda info, exc, n: (stamps.append(time.monotonic()), attempts.append((n, exc)))
        )
        assert (await client.execute("SELECT * FROM system.local")).rows  # connected
        rule = server.faults.fail_next(100, "overloaded", match="FROM system.local")
        with pytest.raises(errors.OverloadedError):
            await client.execute("SELECT * FROM system.local")
        ended = time.monotonic()
    assert rule.fired == policy.max_attempts, attempts  # bounded: 5 attempts, then the error
    assert [n for n, _ in attempts] == [1, 2, 3, 4]
    # each pause ~ uniform(cap/2, cap) with cap = base * 2**(n-1) * overload_factor
    gaps = [b - a for a, b in zip([*stamps, ended], [*stamps, ended][1:], strict=False)]
    assert len(gaps) == 4
    for n, gap in enumerate(gaps, start=1):
        cap = min(policy.max_delay, policy.base_delay * 2 ** (n - 1) * policy.overload_factor)
        # at least the pause; at most the pause + the attempt's own time (generous:
        # the machine may be busy)
        assert cap / 2 <= gap <= cap + 0.3, (n, gap, cap)
    assert gaps[3] > gaps[1] > gaps[0] and gaps[3] > 2 * gaps[0]  # growing
    assert gaps[0] >= 2 * policy.base_delay  # overload_factor: longer than other errors
    server.faults.clear()


async def test_overload_backoff_respects_the_deadline(server: EmulatorServer) -> None:
    policy = aga.RetryPolicy(max_attempts=50, base_delay=0.05, max_delay=2.0)
    async with aga.Client(server.endpoint, token=server.token, retry=policy) as client:
        rule = server.faults.fail_next(1000, "overloaded", match="FROM system.local")
        started = time.monotonic()
        with pytest.raises((errors.OverloadedError, errors.ClientDeadlineError)):
            await client.execute("SELECT * FROM system.local", timeout=0.5)
        assert time.monotonic() - started < 0.8
        assert rule.fired < 10  # backed off, not hammered
    server.faults.clear()


async def test_overloaded_write_is_not_retried(server: EmulatorServer) -> None:
    async with aga.Client(server.endpoint, token=server.token) as client:
        rule = server.faults.fail_next(5, "overloaded", match="INSERT INTO nowhere")
        with pytest.raises(errors.OverloadedError):
            await client.execute("INSERT INTO nowhere.t (id) VALUES (1)")
        assert rule.fired == 1
    server.faults.clear()
