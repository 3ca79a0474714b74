"""Tokens never leak (logs at DEBUG, reprs, error texts, tracebacks), and the
emulator's auth: exact token only, on all four methods, checked on the wire."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import traceback
from collections.abc import AsyncIterator
from typing import Any

import grpc
import grpc.aio
import pytest

import astra_grpc_async as aga
from astra_grpc_async import errors
from astra_grpc_async._proto.stargate import query_pb2, stargate_pb2_grpc
from astra_grpc_async.emulator import EmulatorServer, serve

KS_DDL = (
    "CREATE KEYSPACE IF NOT EXISTS {ks} "
    "WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}"
)


def _texts_of(obj: object) -> list[str]:
    """Everything a person (or a log line) could get out of an object."""
    out = [repr(obj), str(obj)]
    if isinstance(obj, BaseException):
        out.append("".join(traceback.format_exception(obj)))  # the whole chain, grpc's too
        out.append(repr(vars(obj)))
        out.extend(repr(a) for a in obj.args)
    return out


async def test_token_never_appears_anywhere(
    caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)  # the root logger: every library's records
    token = f"AstraCS:leakcheck:{secrets.token_hex(16)}"
    wrong = f"AstraCS:wrongtoken:{secrets.token_hex(16)}"
    seen: list[str] = []
    calls: list[aga.CallInfo] = []

    def keep(exc_or_obj: object) -> None:
        seen.extend(_texts_of(exc_or_obj))

    async def failing(coro: object) -> None:
        try:
            await coro  # type: ignore[misc]
        except errors.AgaError as exc:
            keep(exc)
        else:
            raise AssertionError("expected a failure")

    async with serve(token=token) as server:
        keep(server)
        retry = aga.RetryPolicy(max_attempts=2, base_delay=0.01)
        async with aga.Client(server.endpoint, token=token, retry=retry) as c:
            keep(c)
            c.hooks.on_request.append(calls.append)
            c.hooks.on_retry.append(lambda info, exc, n: keep(exc))
            await c.execute(KS_DDL.format(ks="leak"))
            await c.execute("CREATE TABLE leak.t (id int PRIMARY KEY, v text)")
            await c.execute("INSERT INTO leak.t (id, v) VALUES (?, ?)", [1, "one"])
            result = await c.execute("SELECT * FROM leak.t", page_size=1)
            keep(result)
            keep(result.rows)
            stream = c.stream("SELECT * FROM leak.t", page_size=1)
            keep(stream)
            keep([row async for row in stream])
            keep(stream.stats)
            # server errors (retried and not), a client deadline, bad input, a bulk failure
            server.faults.fail_next(2, "unavailable", match="leak.t")
            await failing(c.execute("SELECT * FROM leak.t"))
            server.faults.fail_next(1, "server_error", match="leak.t")
            await failing(c.execute("INSERT INTO leak.t (id, v) VALUES (2, 'x')"))
            server.faults.add_latency(0.5, match="leak.t", count=1)
            await failing(c.execute("SELECT * FROM leak.t", timeout=0.05))
            await failing(c.execute("SELEC nonsense"))
            await failing(c.execute("SELECT * FROM leak.t WHERE id = ?", [object()]))
            await failing(
                c.execute_many("INSERT INTO leak.t (id, v) VALUES (?, ?)", [[3, "a"], ["x", 1]])
            )
            async with c.pipeline() as pipe:
                keep(pipe)
                keep(await pipe.execute("SELECT * FROM leak.t"))
                await failing(pipe.execute("SELEC nonsense"))
        keep(c)  # closed
        await failing(c.execute("SELECT * FROM leak.t"))  # ClientClosedError
        async with aga.Client(server.endpoint, token=wrong, retry=aga.NO_RETRY) as bad:
            keep(bad)
            await failing(bad.execute("SELECT * FROM leak.t"))
            async with bad.pipeline() as pipe:
                await failing(pipe.execute("SELECT * FROM leak.t"))
        # a connection failure (the server is gone) with the token configured
        await server.stop()
        async with aga.Client(server.endpoint, token=token, retry=aga.NO_RETRY) as gone:
            await failing(gone.execute("SELECT * FROM leak.t", timeout=2))

    keep(calls)
    out, err = capfd.readouterr()
    haystack = [*seen, caplog.text, out, err]
    haystack += [r.getMessage() for r in caplog.records]
    assert any(r.name.startswith("astra_grpc_async") for r in caplog.records), "nothing logged"
    assert any("retrying" in r.getMessage() for r in caplog.records), "DEBUG not captured"
    for secret in (token, wrong, token.rsplit(":", 1)[1], wrong.rsplit(":", 1)[1]):
        leaks = [text for text in haystack if secret in text]
        assert not leaks, f"a token leaked: {leaks[0][:300]!r}"


# --- the emulator's auth, on the wire ----------------------------------------

TOKEN = "AstraCS:abcdefghij:0123456789abcdef"


@pytest.fixture
async def auth_server() -> AsyncIterator[EmulatorServer]:
    async with serve(token=TOKEN) as server:
        async with aga.Client(server.endpoint, token=TOKEN) as c:
            await c.execute(KS_DDL.format(ks="auth"))
            await c.execute("CREATE TABLE auth.t (id int PRIMARY KEY)")
        yield server


def _insert(i: int) -> query_pb2.Query:
    return query_pb2.Query(cql=f"INSERT INTO auth.t (id) VALUES ({i})")


async def _call_all_four(
    stub: stargate_pb2_grpc.StargateStub, metadata: tuple[tuple[str, str], ...], base: int
) -> list[tuple[grpc.StatusCode, str]]:
    """One INSERT through each method; the (code, details) of each. The two
    streaming methods are asked without writing first: the status then is the
    server's own (a write racing a refusal can make grpc.aio report its local
    INTERNAL "Internal error from Core" instead). `_stream_writes_refused`
    covers the written case."""
    outcomes: list[tuple[grpc.StatusCode, str]] = []
    batch = query_pb2.Batch(queries=[query_pb2.BatchQuery(cql=_insert(base + 1).cql)])

    async def unary_query() -> object:
        return await stub.ExecuteQuery(_insert(base), metadata=metadata, timeout=5)

    async def unary_batch() -> object:
        return await stub.ExecuteBatch(batch, metadata=metadata, timeout=5)

    async def bidi(method: Any, request: query_pb2.Query | query_pb2.Batch) -> object:
        call = method(metadata=metadata, timeout=5)
        # a refusal comes at once, before any request; an accepted call waits for one
        ended = await asyncio.wait({asyncio.ensure_future(call.code())}, timeout=0.5)
        if ended[0]:
            return await call.read()  # raises the refusal
        await call.write(request)
        item = await call.read()
        assert item.WhichOneof("message") == "response"
        await call.done_writing()
        assert await call.read() is grpc.aio.EOF
        return item

    async def stream_query() -> object:
        return await bidi(stub.ExecuteQueryStream, _insert(base + 2))

    async def stream_batch() -> object:
        b = query_pb2.Batch(queries=[query_pb2.BatchQuery(cql=_insert(base + 3).cql)])
        return await bidi(stub.ExecuteBatchStream, b)

    for method in (unary_query, unary_batch, stream_query, stream_batch):
        try:
            await method()
        except grpc.aio.AioRpcError as exc:
            outcomes.append((exc.code(), exc.details() or ""))
        else:
            outcomes.append((grpc.StatusCode.OK, ""))
    return outcomes


async def _stream_writes_refused(
    stub: stargate_pb2_grpc.StargateStub, metadata: tuple[tuple[str, str], ...], base: int
) -> None:
    """Requests written on a refused stream get no answer (and, checked by the
    caller, are not executed)."""
    batch = query_pb2.Batch(queries=[query_pb2.BatchQuery(cql=_insert(base + 1).cql)])
    for method, request in (
        (stub.ExecuteQueryStream, _insert(base)),
        (stub.ExecuteBatchStream, batch),
    ):
        call = method(metadata=metadata, timeout=5)
        with contextlib.suppress(grpc.aio.AioRpcError, asyncio.InvalidStateError):
            await call.write(request)
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await call.read()
        assert info.value.code() in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.INTERNAL)


async def _rows(stub: stargate_pb2_grpc.StargateStub) -> list[int]:
    response = await stub.ExecuteQuery(
        query_pb2.Query(cql="SELECT id FROM auth.t"),
        metadata=(("x-cassandra-token", TOKEN),),
        timeout=5,
    )
    return sorted(row.values[0].int for row in response.result_set.rows)


async def test_auth_on_all_four_methods_exact_token_only(auth_server: EmulatorServer) -> None:
    near_misses = [
        TOKEN[:-1],  # prefix
        TOKEN[:10],
        TOKEN + "0",  # extension
        "x" + TOKEN,
        TOKEN[:-1] + ("e" if TOKEN[-1] != "e" else "d"),  # last character changed
        "B" + TOKEN[1:],  # first character changed
        TOKEN.upper(),
        "",
        "AstraCS:",
    ]
    async with grpc.aio.insecure_channel(auth_server.endpoint) as channel:
        stub = stargate_pb2_grpc.StargateStub(channel)
        missing = await _call_all_four(stub, (), 100)
        assert missing == [(grpc.StatusCode.UNAUTHENTICATED, "No token provided")] * 4
        await _stream_writes_refused(stub, (), 150)
        for n, bad in enumerate(near_misses):
            metadata = (("x-cassandra-token", bad),)
            got = await _call_all_four(stub, metadata, 200 + 10 * n)
            assert got == [(grpc.StatusCode.UNAUTHENTICATED, "Invalid token")] * 4, bad
            await _stream_writes_refused(stub, metadata, 205 + 10 * n)
        # nothing a refused call carried was executed
        assert await _rows(stub) == []
        ok = await _call_all_four(stub, (("x-cassandra-token", TOKEN),), 1000)
        assert ok == [(grpc.StatusCode.OK, "")] * 4
        assert await _rows(stub) == [1000, 1001, 1002, 1003]
