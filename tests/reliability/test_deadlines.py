"""Deadlines: per call, per client, across retries, per stream page and per
stream, and what happens to the server-side call when one expires."""

from __future__ import annotations

import asyncio
import time

import pytest

import astra_grpc_async as aga
from astra_grpc_async import errors
from astra_grpc_async.emulator import EmulatorServer


def _since(started: float) -> float:
    return time.monotonic() - started


async def test_per_call_deadline(client: aga.Client, server: EmulatorServer) -> None:
    server.faults.add_latency(1.0, match="FROM system.local")
    started = time.monotonic()
    with pytest.raises(errors.ClientDeadlineError) as info:
        await client.execute("SELECT * FROM system.local", timeout=0.1)
    assert 0.09 <= _since(started) < 0.5
    assert info.value.code == "DEADLINE_EXCEEDED"
    assert not isinstance(info.value, errors.ServerTimeoutError)
    assert client.in_flight == 0


async def test_per_client_default_and_per_call_override(server: EmulatorServer) -> None:
    server.faults.add_latency(0.3, match="FROM system.local")
    async with aga.Client(server.endpoint, token=server.token, timeout=0.1) as client:
        assert client.timeout == 0.1
        started = time.monotonic()
        with pytest.raises(errors.ClientDeadlineError):
            await client.execute("SELECT * FROM system.local")
        assert _since(started) < 0.5
        # a longer per-call timeout wins over the client default
        assert (await client.execute("SELECT * FROM system.local", timeout=2)).rows
        # and so does a shorter one
        started = time.monotonic()
        with pytest.raises(errors.ClientDeadlineError):
            await client.execute("SELECT * FROM system.local", timeout=0.05)
        assert _since(started) < 0.25


async def test_server_timeout_is_told_apart(client: aga.Client, server: EmulatorServer) -> None:
    """DEADLINE_EXCEEDED with a readtimeout trailer is the coordinator's own timeout."""
    server.faults.fail_next(3, "read_timeout", match="FROM system.local")
    with pytest.raises(errors.ReadTimeoutError) as info:
        await client.execute("SELECT * FROM system.local", timeout=5)
    assert isinstance(info.value, errors.ServerTimeoutError)
    assert not isinstance(info.value, errors.TransportError)


async def test_deadline_bounds_all_retries(server: EmulatorServer) -> None:
    policy = aga.RetryPolicy(max_attempts=100, base_delay=0.05, max_delay=0.05)
    async with aga.Client(server.endpoint, token=server.token, retry=policy) as client:
        rule = server.faults.fail_next(1000, "unavailable", match="FROM system.local")
        started = time.monotonic()
        with pytest.raises((errors.ClientDeadlineError, errors.UnavailableError)):
            await client.execute("SELECT * FROM system.local", timeout=0.3)
        assert _since(started) < 0.5
        assert 2 <= rule.fired < 20


async def test_expired_deadline_cancels_the_server_call(
    client: aga.Client, server: EmulatorServer, ks: str
) -> None:
    """The server-side call is cancelled with the deadline. In the emulator a
    write waiting in its (injected) latency is then never applied; a real
    coordinator may already have applied it, which is why ClientDeadlineError
    means "unknown", and why only idempotent writes are retried."""
    table = f"{ks}.slow"
    await client.execute(f"CREATE TABLE {table} (id int PRIMARY KEY)")
    rule = server.faults.add_latency(0.4, match=f"INSERT INTO {table}")
    with pytest.raises(errors.ClientDeadlineError):
        await client.execute(f"INSERT INTO {table} (id) VALUES (1)", timeout=0.1)
    assert rule.fired == 1  # reached the server, exactly once
    await asyncio.sleep(0.5)  # past the latency: had it not been cancelled, it would be in
    assert (await client.execute(f"SELECT * FROM {table}")).rows == []
    # the control: with a deadline that allows for the latency, the write lands
    await client.execute(f"INSERT INTO {table} (id) VALUES (2)", timeout=2)
    assert [r.id for r in (await client.execute(f"SELECT * FROM {table}")).rows] == [2]


async def _table(client: aga.Client, ks: str, name: str, rows: int) -> str:
    table = f"{ks}.{name}"
    await client.execute(f"CREATE TABLE {table} (id int PRIMARY KEY)")
    await client.execute_many(f"INSERT INTO {table} (id) VALUES (?)", [[i] for i in range(rows)])
    return table


async def test_stream_page_timeout(client: aga.Client, server: EmulatorServer, ks: str) -> None:
    table = await _table(client, ks, "pt", 100)
    cql = f"SELECT id FROM {table}"
    server.faults.add_latency(0.2, match=cql)
    started = time.monotonic()
    with pytest.raises(errors.ClientDeadlineError):
        await client.stream(cql, page_size=10, page_timeout=0.05).all()
    assert _since(started) < 0.3  # the first page already timed out
    # each page within page_timeout: 10 pages x 0.2 s, far over 0.3 s in total, is fine
    rows = await client.stream(cql, page_size=10, page_timeout=0.5, prefetch=1).all()
    assert sorted(r.id for r in rows) == list(range(100))
    assert client.in_flight == 0


async def test_stream_total_timeout(client: aga.Client, server: EmulatorServer, ks: str) -> None:
    table = await _table(client, ks, "tt", 100)
    cql = f"SELECT id FROM {table}"
    server.faults.add_latency(0.1, match=cql)
    seen = 0
    started = time.monotonic()
    with pytest.raises(errors.ClientDeadlineError):
        async for _ in client.stream(cql, page_size=10, prefetch=1, timeout=0.35):
            seen += 1
    assert 0.3 <= _since(started) < 0.6  # the whole stream's budget, not a page's
    assert 20 <= seen < 100
    assert client.in_flight == 0
    # the client default applies per page when no stream timeout is given
    async with aga.Client(server.endpoint, token=server.token, timeout=0.05) as short:
        with pytest.raises(errors.ClientDeadlineError):
            await short.stream(cql, page_size=10).all()


async def test_pipeline_deadline_then_recovers(
    client: aga.Client, server: EmulatorServer, ks: str
) -> None:
    async with client.pipeline(width=1) as pipe:
        server.faults.add_latency(0.5, match="FROM system.local", count=1)
        started = time.monotonic()
        with pytest.raises(errors.ClientDeadlineError):
            await pipe.execute("SELECT * FROM system.local", timeout=0.1)
        assert _since(started) < 0.4
        # the late answer must not be read as the next statement's answer
        result = await pipe.execute("SELECT cluster_name FROM system.local", timeout=2)
        assert result.columns[0].name == "cluster_name"
