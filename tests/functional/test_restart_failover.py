"""Server restarts, reconnection, resumed streams, several coordinators."""

from __future__ import annotations

import asyncio

import pytest

import astra_grpc_async as aga
from astra_grpc_async import errors
from astra_grpc_async.emulator import EmulatorServer

KS = (
    "CREATE KEYSPACE IF NOT EXISTS r WITH replication = "
    "{'class': 'SimpleStrategy', 'replication_factor': 1}"
)


async def test_restart_fails_in_flight_then_reconnects() -> None:
    async with aga.emulator.serve(port=0) as server:
        async with aga.Client(server.endpoint, token=server.token, retry=aga.NO_RETRY) as c:
            assert (await c.execute("SELECT * FROM system.local")).rows
            server.faults.add_latency(2.0, match="system.local", count=1)
            in_flight = asyncio.ensure_future(c.execute("SELECT * FROM system.local"))
            await asyncio.sleep(0.2)
            await server.restart()
            with pytest.raises(errors.ConnectionLostError) as info:
                await in_flight
            assert info.value.code in ("UNAVAILABLE", "CANCELLED")
            # the same client reconnects by itself (channel backoff), no new Client
            for _ in range(50):
                try:
                    assert (await c.execute("SELECT * FROM system.local")).rows
                    break
                except errors.ConnectionLostError:
                    await asyncio.sleep(0.1)
            else:
                raise AssertionError("never reconnected")


async def test_stream_resumes_across_a_restart() -> None:
    async with aga.emulator.serve(port=0) as server:
        retry = aga.RetryPolicy(max_attempts=20, base_delay=0.05, max_delay=0.2)
        async with aga.Client(server.endpoint, token=server.token, retry=retry) as c:
            await c.execute(KS)
            await c.execute("CREATE TABLE r.t (id int PRIMARY KEY)")
            await c.execute_many("INSERT INTO r.t (id) VALUES (?)", [[i] for i in range(100)])
            seen: list[int] = []
            async with c.stream("SELECT id FROM r.t", page_size=10, prefetch=1) as rows:
                async for row in rows:
                    seen.append(row[0])
                    if len(seen) == 25:
                        await server.restart()  # between pages: the next page is retried
            assert sorted(seen) == list(range(100))


async def test_failover_and_ejection_with_two_coordinators() -> None:
    a, b = EmulatorServer(token="shared"), EmulatorServer(token="shared")
    await a.start()
    await b.start()
    try:
        retry = aga.RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05)
        async with aga.Client(
            [a.endpoint, b.endpoint], token="shared", retry=retry, pool_size=1
        ) as c:
            for _ in range(20):
                await c.execute("SELECT * FROM system.local")
            assert a.servicer is not None and b.servicer is not None
            assert a.servicer.calls > 0 and b.servicer.calls > 0  # spread over both
            await a.stop(0)
            # idempotent reads keep succeeding: they fail over to b
            results = await asyncio.gather(
                *(c.execute("SELECT * FROM system.local") for _ in range(40))
            )
            assert all(r.rows for r in results)
            assert c.endpoint_states()[a.endpoint] is False  # a was ejected
            # writes are not idempotent: not retried, but new calls avoid the ejected endpoint
            await a.start()  # same port
            await asyncio.sleep(0.6)  # past the first ejection backoff (0.5 s)
            calls_before = a.servicer.calls
            for _ in range(30):
                await c.execute("SELECT * FROM system.local")
            assert a.servicer.calls > calls_before  # probed back and used again
            assert c.endpoint_states()[a.endpoint] is True
    finally:
        await a.aclose()
        await b.aclose()


async def test_dead_server_is_a_typed_error() -> None:
    server = EmulatorServer()
    await server.start()
    endpoint, token = server.endpoint, server.token
    await server.aclose()
    async with aga.Client(endpoint, token=token, retry=aga.NO_RETRY) as c:
        with pytest.raises(errors.ConnectionLostError):
            await c.execute("SELECT * FROM system.local", timeout=5)


async def test_speculative_reads_answer_from_the_fast_coordinator() -> None:
    slow, fast = EmulatorServer(token="shared"), EmulatorServer(token="shared")
    await slow.start()
    await fast.start()
    try:
        slow.faults.add_latency(5.0)  # every call to `slow` hangs past the deadline
        async with aga.Client(
            [slow.endpoint, fast.endpoint],
            token="shared",
            pool_size=1,
            speculative_delay=0.05,
            retry=aga.NO_RETRY,
        ) as c:
            for _ in range(10):  # without speculation, those sent to `slow` would time out
                assert (await c.execute("SELECT * FROM system.local", timeout=3)).rows
            assert slow.servicer is not None and slow.servicer.calls > 0  # first tries went there
            assert c.in_flight == 0  # the losing attempts were cancelled
            # writes are not idempotent: never sent twice
            calls = (slow.servicer.calls, fast.servicer.calls)  # type: ignore[union-attr]
            with pytest.raises(errors.InvalidQueryError):
                await c.execute("INSERT INTO nowhere.t (k) VALUES (1)", timeout=10)
            assert sum((slow.servicer.calls, fast.servicer.calls)) == sum(calls) + 1  # type: ignore[union-attr]
    finally:
        await slow.aclose()
        await fast.aclose()


async def test_one_name_resolving_to_several_coordinators() -> None:
    a, b = EmulatorServer(token="shared"), EmulatorServer(token="shared")
    await a.start()
    await b.start()
    try:
        # what a DNS name with two A records gives grpc: one target, two addresses
        target = f"ipv4:{a.endpoint},{b.endpoint}"
        retry = aga.RetryPolicy(max_attempts=5, base_delay=0.02, max_delay=0.1)
        async with aga.Client(target, token="shared", pool_size=1, retry=retry) as c:
            for _ in range(20):
                await c.execute("SELECT * FROM system.local")
            assert a.servicer is not None and b.servicer is not None
            assert a.servicer.calls > 0 and b.servicer.calls > 0  # round robin over both
            await a.stop(0)
            for _ in range(20):  # grpc drops the dead address; reads keep working
                assert (await c.execute("SELECT * FROM system.local")).rows
    finally:
        await a.aclose()
        await b.aclose()
