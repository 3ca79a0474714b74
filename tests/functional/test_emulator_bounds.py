"""The emulator stays bounded under abuse: a bidi stream that is never read,
and statement texts too large (or too many) to keep."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import tracemalloc
from collections.abc import AsyncIterator

import grpc
import grpc.aio

from astra_grpc_async._proto.stargate import query_pb2, stargate_pb2_grpc
from astra_grpc_async.emulator import EmulatorServer, serve
from astra_grpc_async.emulator.cql.cache import TextCache

REPLICATION = "{'class': 'SimpleStrategy', 'replication_factor': 1}"


@contextlib.asynccontextmanager
async def raw(
    server: EmulatorServer,
) -> AsyncIterator[tuple[stargate_pb2_grpc.StargateStub, tuple[tuple[str, str], ...]]]:
    channel = grpc.aio.insecure_channel(server.endpoint)
    try:
        yield stargate_pb2_grpc.StargateStub(channel), (("x-cassandra-token", server.token),)  # type: ignore[no-untyped-call]
    finally:
        await channel.close()


async def _setup(stub: stargate_pb2_grpc.StargateStub, md: tuple[tuple[str, str], ...]) -> None:
    for cql in (
        f"CREATE KEYSPACE b WITH replication = {REPLICATION}",
        "CREATE TABLE b.t (k int PRIMARY KEY, v text)",
        f"INSERT INTO b.t (k, v) VALUES (1, '{'x' * 16_384}')",
    ):
        await stub.ExecuteQuery(query_pb2.Query(cql=cql), metadata=md)


async def test_an_unread_stream_stops_the_server_reading_it() -> None:
    """A client writing many requests and reading none: the server holds at
    most `window` unanswered requests and reads no more until answers go out;
    once the client reads, every request is answered."""
    total = 3_000
    select = query_pb2.Query(cql="SELECT v FROM b.t WHERE k = 1")
    async with serve(port=0) as server, raw(server) as (stub, md):
        await _setup(stub, md)
        assert server.servicer is not None
        stats = server.servicer.streams
        call = stub.ExecuteQueryStream(metadata=md)

        async def write_all() -> None:
            for _ in range(total):
                await call.write(select)
            await call.done_writing()

        writer = asyncio.create_task(write_all())
        try:
            # the server waits on a full window: it has stopped reading
            await asyncio.wait_for(stats.full.wait(), 60)
            assert stats.requests_read < total
            assert stats.requests_read - stats.answers_sent <= stats.window
            # nothing is lost: reading drains every answer, in full
            for _ in range(total):
                item = await call.read()
                assert item.response.result_set.rows[0].values[0].string == "x" * 16_384
            assert await call.read() is grpc.aio.EOF
            await writer
        finally:
            writer.cancel()
            call.cancel()
        assert await call.code() == grpc.StatusCode.OK
        assert stats.requests_read == stats.answers_sent == total
        assert stats.most_pending <= stats.window


async def test_an_unread_batch_stream_is_bounded_too() -> None:
    total = 2_000
    async with serve(port=0) as server, raw(server) as (stub, md):
        await _setup(stub, md)
        assert server.servicer is not None
        stats = server.servicer.streams
        call = stub.ExecuteBatchStream(metadata=md)
        batch = query_pb2.Batch(
            queries=[query_pb2.BatchQuery(cql="INSERT INTO b.t (k) VALUES (2)")]
        )

        async def write_all() -> None:
            for _ in range(total):
                await call.write(batch)
            await call.done_writing()

        writer = asyncio.create_task(write_all())
        try:
            answers = [await call.read() for _ in range(total)]
            assert all(a.WhichOneof("message") == "response" for a in answers)
            assert await call.read() is grpc.aio.EOF
            await writer
        finally:
            writer.cancel()
            call.cancel()
        assert stats.most_pending <= stats.window


async def test_large_statement_texts_are_not_kept() -> None:
    """Distinct large INSERTs overwriting one row: once executed, the server
    keeps the row, not the statement texts (nor their parse trees or plans)."""
    size, count = 256 * 1024, 24
    async with serve(port=0) as server, raw(server) as (stub, md):
        await _setup(stub, md)
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for i in range(count):
                text = f"{i:08d}".ljust(size, "y")
                cql = f"INSERT INTO b.t (k, v) VALUES (3, '{text}')"
                await stub.ExecuteQuery(query_pb2.Query(cql=cql), metadata=md)
            del cql, text
            gc.collect()
            held = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
        # the stored value (and a little slack), far below count * size
        assert held < 4 * size, f"{held / 1e6:.1f} MB held after {count} large INSERTs"
        rows = await stub.ExecuteQuery(
            query_pb2.Query(cql="SELECT v FROM b.t WHERE k = 3"), metadata=md
        )
        assert rows.result_set.rows[0].values[0].string == f"{count - 1:08d}".ljust(size, "y")


def test_the_statement_cache_is_bounded_by_bytes() -> None:
    cache: TextCache[int] = TextCache(max_entries=1_000, max_chars=10_000, max_text=2_000)
    for i in range(600):
        cache.put(f"{i:04d}".ljust(1_500, "q"), i, 1_500)
    assert cache.chars <= 10_000 and len(cache) == 6
    assert cache.get(f"{599:04d}".ljust(1_500, "q")) == 599  # the newest stay
    assert cache.get(f"{0:04d}".ljust(1_500, "q")) is None
    cache.put("z" * 2_001, 1, 2_001)  # too large to keep at all
    assert cache.get("z" * 2_001) is None and cache.chars <= 10_000
    for i in range(2_000):
        cache.put(str(i), i, len(str(i)))
    assert len(cache) == 1_000  # and by count
    cache.get("1000")
    cache.put("new", 0, 3)
    assert cache.get("1000") == 1000  # least recently used goes first
    assert cache.get("1001") is None
