"""Network faults injected by a TCP proxy between the client and the emulator:
connections cut mid-stream and mid-write, and a link that stops forwarding."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import grpc
import pytest
import pytest_asyncio
from proxy import FaultProxy

import astra_grpc_async as aga
from astra_grpc_async import errors
from astra_grpc_async._errormap import error_from_status
from astra_grpc_async.emulator import EmulatorServer, serve

KS = (
    "CREATE KEYSPACE IF NOT EXISTS px "
    "WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
)
ROWS = 200


@pytest_asyncio.fixture(loop_scope="session")
async def setup() -> AsyncIterator[tuple[EmulatorServer, FaultProxy]]:
    async with serve() as server, FaultProxy("127.0.0.1", server.port) as proxy:
        async with aga.Client(server.endpoint, token=server.token) as direct:
            await direct.execute(KS)
            await direct.execute("CREATE TABLE px.t (id int PRIMARY KEY, v text)")
            await direct.execute_many(
                "INSERT INTO px.t (id, v) VALUES (?, ?)", [[i, f"v{i}"] for i in range(ROWS)]
            )
        yield server, proxy


def _client(server: EmulatorServer, proxy: FaultProxy, **kwargs: object) -> aga.Client:
    return aga.Client(proxy.endpoint, token=server.token, **kwargs)  # type: ignore[arg-type]


async def _count(server: EmulatorServer, where: str) -> int:
    async with aga.Client(server.endpoint, token=server.token) as direct:
        return int((await direct.execute(f"SELECT COUNT(*) FROM px.t WHERE {where}")).scalar())


async def test_stream_survives_cuts_between_pages(
    setup: tuple[EmulatorServer, FaultProxy],
) -> None:
    server, proxy = setup
    retry = aga.RetryPolicy(max_attempts=6, base_delay=0.02, max_delay=0.2)
    retries: list[BaseException] = []
    page = 20
    cql = "SELECT id, v FROM px.t"
    async with _client(server, proxy, retry=retry) as client:
        client.hooks.on_retry.append(lambda info, exc, n: retries.append(exc))
        # every page request takes 0.15 s on the server, so a cut 0.05 s after a
        # page boundary hits the next page's request while it is in flight
        latency = server.faults.add_latency(0.15, match=cql)
        seen: list[int] = []
        cutters: list[asyncio.Task[int]] = []

        async def cut_soon() -> int:
            await asyncio.sleep(0.05)
            return await proxy.cut()

        async with client.stream(cql, page_size=page, prefetch=1) as stream:
            async for row in stream:
                seen.append(row.id)
                assert row.v == f"v{row.id}"
                if len(seen) % page == 0 and len(seen) < ROWS and len(cutters) < 4:
                    cutters.append(asyncio.ensure_future(cut_soon()))
        cut_counts = await asyncio.gather(*cutters)
        server.faults.clear()
    assert len(seen) == ROWS and sorted(seen) == list(range(ROWS))  # every row exactly once
    assert all(n >= 1 for n in cut_counts)  # each cut closed live connections
    assert len(retries) >= len(cutters) == 4  # each cut page was retried ...
    assert all(isinstance(e, errors.ConnectionLostError) for e in retries)  # ... for this reason
    pages = ROWS // page
    assert stream.stats.pages_fetched == pages
    assert latency.fired == pages + len(retries)  # the server saw the retried page requests


async def test_stalled_link_hits_the_deadline(setup: tuple[EmulatorServer, FaultProxy]) -> None:
    server, proxy = setup
    async with _client(server, proxy) as client:
        assert (await client.execute("SELECT * FROM px.t WHERE id = 1")).rows
        proxy.stall()
        try:
            started = time.monotonic()
            with pytest.raises(errors.ClientDeadlineError):
                await client.execute("SELECT * FROM px.t WHERE id = 1", timeout=0.3)
            elapsed = time.monotonic() - started
        finally:
            proxy.resume()
        assert 0.25 <= elapsed < 1.0
        assert client.in_flight == 0
        # the link flows again: the same client carries on
        assert (await client.execute("SELECT * FROM px.t WHERE id = 2", timeout=5)).rows


async def test_stalled_stream_page_hits_page_timeout(
    setup: tuple[EmulatorServer, FaultProxy],
) -> None:
    server, proxy = setup
    async with _client(server, proxy) as client:
        seen = 0
        started = time.monotonic()
        with pytest.raises(errors.ClientDeadlineError):
            async with client.stream(
                "SELECT id FROM px.t", page_size=50, prefetch=1, page_timeout=0.3
            ) as stream:
                async for _ in stream:
                    seen += 1
                    if seen == 50:
                        proxy.stall()  # the second page request never gets through
        proxy.resume()
        assert seen == 50
        assert time.monotonic() - started < 1.5
        assert client.in_flight == 0


async def test_cut_during_a_write_is_typed_and_not_retried(
    setup: tuple[EmulatorServer, FaultProxy],
) -> None:
    server, proxy = setup
    retries: list[BaseException] = []
    async with _client(server, proxy) as client:
        client.hooks.on_retry.append(lambda info, exc, n: retries.append(exc))
        cql = "INSERT INTO px.t (id, v) VALUES (5000, 'cut')"
        rule = server.faults.add_latency(0.3, match=cql)
        task = asyncio.ensure_future(client.execute(cql))
        await asyncio.sleep(0.1)
        assert await proxy.cut() >= 1
        with pytest.raises(errors.ConnectionLostError) as info:
            await task
        assert info.value.code in ("UNAVAILABLE", "CANCELLED")
        assert retries == []  # a non-idempotent write is never retried
        assert rule.fired == 1  # the server saw exactly one attempt
        await asyncio.sleep(0.4)
        # The server-side call was cancelled with the connection while it was
        # still waiting: the emulator did not apply the write. (A real
        # coordinator may have: the error says "unknown", not "not applied".)
        assert await _count(server, "id = 5000") == 0
        # the same write marked idempotent is retried after a cut and applied
        cql2 = "INSERT INTO px.t (id, v) VALUES (5001, 'cut')"
        rule2 = server.faults.add_latency(0.3, match=cql2, count=1)
        task = asyncio.ensure_future(client.execute(cql2, idempotent=True))
        await asyncio.sleep(0.1)
        await proxy.cut()
        await task
        assert rule2.fired == 1 and len(retries) == 1
        assert await _count(server, "id = 5001") == 1
        server.faults.clear()


async def test_cut_under_a_pipeline_replaces_the_lane(
    setup: tuple[EmulatorServer, FaultProxy],
) -> None:
    server, proxy = setup
    async with _client(server, proxy) as client, client.pipeline(width=2) as pipe:
        assert (await pipe.execute("SELECT v FROM px.t WHERE id = 7")).one().v == "v7"
        server.faults.add_latency(0.3, match="id = 8", count=1)
        task = asyncio.ensure_future(pipe.execute("SELECT v FROM px.t WHERE id = 8"))
        await asyncio.sleep(0.1)
        await proxy.cut()
        # a read is idempotent: retried on a fresh lane under the client's policy
        assert (await task).one().v == "v8"
        # The broken lane is gone, and the idle one the cut also killed is
        # replaced before use (or, if grpc has not noticed yet, its write fails
        # and the read is retried on a fresh one)
        for i in range(4):
            result = await pipe.execute("SELECT v FROM px.t WHERE id = ?", [i])
            assert result.one().v == f"v{i}"
        # a write that is not idempotent is never retried: the cut is the caller's error
        server.faults.add_latency(0.3, match="id = 5", count=1)
        task = asyncio.ensure_future(pipe.execute("UPDATE px.t SET v = 'x' WHERE id = 5"))
        await asyncio.sleep(0.1)
        await proxy.cut()
        with pytest.raises(errors.ConnectionLostError):
            await task
        assert (await pipe.execute("SELECT v FROM px.t WHERE id = 9")).one().v == "v9"


@pytest.mark.parametrize(
    ("code", "details", "cls"),
    [
        # grpc.aio's own status when a write on a dead stream fails locally
        (grpc.StatusCode.INTERNAL, "Internal error from Core", errors.ConnectionLostError),
        (grpc.StatusCode.INTERNAL, "Unexpected server error", errors.InternalServerError),
        (grpc.StatusCode.UNAVAILABLE, "Socket closed", errors.ConnectionLostError),
        (grpc.StatusCode.CANCELLED, "Cancelled", errors.ConnectionLostError),
    ],
)
def test_local_transport_failures_are_connection_lost(
    code: grpc.StatusCode, details: str, cls: type
) -> None:
    assert type(error_from_status(code.name, details)) is cls


async def test_cut_storm_loses_no_acknowledged_write(
    setup: tuple[EmulatorServer, FaultProxy],
) -> None:
    """Writes race repeated cuts: every write the client saw succeed is stored,
    every failure is a typed ConnectionLostError."""
    server, proxy = setup
    outcomes: dict[int, object] = {}
    async with _client(server, proxy, retry=aga.NO_RETRY) as client:

        async def write(i: int) -> None:
            try:
                await client.execute("INSERT INTO px.t (id, v) VALUES (?, 'storm')", [i])
                outcomes[i] = True
            except errors.AgaError as exc:
                outcomes[i] = exc

        async def storm() -> None:
            for _ in range(10):
                await asyncio.sleep(0.03)
                await proxy.cut()

        ids = range(10_000, 10_600)
        cutter = asyncio.ensure_future(storm())
        sem = asyncio.Semaphore(32)

        async def paced(i: int) -> None:
            async with sem:
                await write(i)

        await asyncio.gather(*(paced(i) for i in ids))
        await cutter
    acked = sorted(i for i, o in outcomes.items() if o is True)
    failed = [o for o in outcomes.values() if o is not True]
    assert len(outcomes) == len(ids)
    assert all(isinstance(o, errors.ConnectionLostError) for o in failed), failed[:3]
    async with aga.Client(server.endpoint, token=server.token) as direct:
        stored = {
            row.id
            async for row in direct.stream("SELECT id, v FROM px.t", page_size=1000)
            if row.v == "storm"
        }
    assert set(acked) <= stored  # nothing acknowledged was lost
    assert failed and acked  # the storm did hit calls in flight, and most got through
    print(f"cut storm: {len(acked)} acknowledged, {len(failed)} ConnectionLostError")


async def test_the_proxy_itself() -> None:
    """Forwards bytes both ways, holds them while stalled, and cuts for real."""

    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(1024):
            writer.write(data)
            await writer.drain()
        writer.close()

    upstream = await asyncio.start_server(echo, "127.0.0.1", 0)
    port = upstream.sockets[0].getsockname()[1]
    try:
        async with FaultProxy("127.0.0.1", port) as proxy:
            reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
            writer.write(b"ping")
            assert await asyncio.wait_for(reader.readexactly(4), 2) == b"ping"
            proxy.stall()
            writer.write(b"held")
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(reader.readexactly(4), 0.2)
            proxy.resume()
            assert await asyncio.wait_for(reader.readexactly(4), 2) == b"held"
            assert await proxy.cut() == 1
            with contextlib.suppress(ConnectionResetError):  # closed under us: EOF or a reset
                assert await asyncio.wait_for(reader.read(), 2) == b""
            writer.close()
            assert proxy.open_connections == 0 and proxy.accepted == 1
    finally:
        upstream.close()
        await upstream.wait_closed()
