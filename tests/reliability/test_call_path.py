"""The call path under attack, through the real wire: the slot queue under
mass cancellation, deadlines that cover queueing, speculative attempts that
end with their caller, size failures that are not overload, closing that
leaves nothing behind, no raw grpc or Python exception, the pipeline under
the client's policy, and one rule for changing the policy."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable

import grpc
import grpc.aio
import psutil
import pytest
import pytest_asyncio

import astra_grpc_async as aga
from astra_grpc_async import errors
from astra_grpc_async._calls import SlotQueue
from astra_grpc_async._proto.stargate import query_pb2, stargate_pb2_grpc
from astra_grpc_async.emulator import EmulatorServer, serve
from astra_grpc_async.testing import pending_driver_tasks

LOCAL = "SELECT key FROM system.local"


@pytest_asyncio.fixture(loop_scope="session")
async def own_server() -> AsyncIterator[EmulatorServer]:
    """A server of the test's own (its sockets are the test's to count)."""
    async with serve(port=0) as server:
        yield server


async def _until(predicate: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not reached in {seconds}s")
        await asyncio.sleep(0.005)


# --- 1: the slot queue ---------------------------------------------------------


async def test_cancelled_queued_callers_get_cancellation(server: EmulatorServer) -> None:
    """Thousands of callers queued behind max_in_flight=8, each under its own
    asyncio.timeout: every one ends with its answer or TimeoutError, none
    with an error of the slot queue."""
    server.faults.add_latency(0.02, match="FROM system.local")
    async with aga.Client(server.endpoint, token=server.token, max_in_flight=8) as client:

        async def caller(i: int) -> str:
            try:
                # most give up while queued; every 100th waits long enough to get through
                async with asyncio.timeout(30 if i % 100 == 0 else 0.3 + (i % 7) * 0.1):
                    await client.execute(LOCAL)
            except TimeoutError:
                return "timeout"
            return "ok"

        outcomes = await asyncio.gather(*(caller(i) for i in range(3000)), return_exceptions=True)
        odd = [o for o in outcomes if o not in ("ok", "timeout")]
        assert not odd, f"{len(odd)} callers ended with {odd[:3]}"
        assert "timeout" in outcomes and "ok" in outcomes
        await _until(lambda: client.in_flight == 0)
        assert (await client.execute(LOCAL)).scalar() == "local"  # every slot came back


async def test_cancelled_waiters_propagate_and_free_their_place(server: EmulatorServer) -> None:
    gate = server.faults.add_latency(30, match="slot-holder")
    async with aga.Client(server.endpoint, token=server.token, max_in_flight=1) as client:
        holder = asyncio.ensure_future(
            client.execute("SELECT key FROM system.local -- slot-holder")
        )
        await _until(lambda: gate.fired == 1)
        waiters = [asyncio.ensure_future(client.execute(LOCAL)) for _ in range(3000)]
        await asyncio.sleep(0)
        assert client.in_flight == 1
        for w in reversed(waiters):  # the newest first: the worst case for a list scan
            w.cancel()
        results = await asyncio.gather(*waiters, return_exceptions=True)
        assert all(isinstance(r, asyncio.CancelledError) for r in results)
        assert client._session.slots.waiting == 0
        holder.cancel()
        with pytest.raises(asyncio.CancelledError):
            await holder
        assert client.in_flight == 0
        assert (await client.execute(LOCAL)).scalar() == "local"


async def test_cancelling_a_waiter_costs_the_same_however_many_wait() -> None:
    """O(1) per cancelled waiter: cancelling 4x as many waiters costs about 4x,
    not 16x (a list scan per waiter made 40k cancels block the loop ~20 s)."""

    async def cancel_all(n: int) -> float:
        slots = SlotQueue(1)
        assert slots.try_acquire()
        waiters = [asyncio.ensure_future(slots.acquire()) for _ in range(n)]
        await asyncio.sleep(0)
        gc.disable()  # a collection of the whole heap would land in one of the runs
        try:
            started = time.process_time()
            for w in reversed(waiters):
                w.cancel()
            results = await asyncio.gather(*waiters, return_exceptions=True)
            spent = time.process_time() - started
        finally:
            gc.enable()
        assert all(isinstance(r, asyncio.CancelledError) for r in results)
        assert slots.waiting == 0 and slots.in_flight == 1
        return spent

    small = min([await cancel_all(4_000) for _ in range(2)])
    large = min([await cancel_all(16_000) for _ in range(2)])
    assert large < 8 * small, f"4k: {small:.3f}s, 16k: {large:.3f}s"


# --- 2: the deadline covers waiting for a slot --------------------------------


async def test_deadline_covers_waiting_for_a_slot(server: EmulatorServer) -> None:
    rule = server.faults.add_latency(1.5, match="slot-holder")
    async with aga.Client(server.endpoint, token=server.token, max_in_flight=1) as client:
        holder = asyncio.ensure_future(
            client.execute("SELECT key FROM system.local -- slot-holder", timeout=10)
        )
        await _until(lambda: rule.fired == 1)
        started = time.monotonic()
        with pytest.raises(errors.ClientDeadlineError):
            await client.execute(LOCAL, timeout=0.3)  # queued behind the holder
        assert time.monotonic() - started < 1.4  # not after the holder's answer
        assert (await holder).scalar() == "local"


async def test_deadline_covers_every_backoff(server: EmulatorServer) -> None:
    """A backoff longer than what is left of the deadline ends at the deadline."""
    policy = aga.RetryPolicy(max_attempts=5, base_delay=2.0, max_delay=2.0)
    server.faults.fail_next(10, "unavailable", match="backoff-probe")
    async with aga.Client(server.endpoint, token=server.token, retry=policy) as client:
        started = time.monotonic()
        with pytest.raises((errors.ClientDeadlineError, errors.UnavailableError)):
            await client.execute("SELECT key FROM system.local -- backoff-probe", timeout=0.3)
        assert time.monotonic() - started < 1.5


# --- 3: speculative attempts end with the caller ------------------------------


async def test_speculation_ends_its_attempt_when_the_caller_leaves(
    server: EmulatorServer,
) -> None:
    rule = server.faults.add_latency(2.0, match="speculated")
    async with aga.Client(
        server.endpoint, token=server.token, speculative_delay=0.5, max_in_flight=1
    ) as client:
        call = asyncio.ensure_future(client.execute("SELECT key FROM system.local -- speculated"))
        await _until(lambda: rule.fired == 1)
        call.cancel()  # before speculative_delay: only the first attempt was sent
        with pytest.raises(asyncio.CancelledError):
            await call
        assert client.in_flight == 0
        assert not pending_driver_tasks()
        # the slot is free: the next call does not wait for the abandoned attempt
        assert (await client.execute(LOCAL, timeout=1.0)).scalar() == "local"


# --- 4: a metadata-size failure is not overload -------------------------------


class _Verbose(stargate_pb2_grpc.StargateServicer):
    """A coordinator whose error echoes a very long statement, as Cassandra's do."""

    def __init__(self) -> None:
        self.calls = 0

    async def ExecuteQuery(self, request, context):  # type: ignore[no-untyped-def]
        self.calls += 1
        await context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"unconfigured table {request.cql}")


@pytest_asyncio.fixture(loop_scope="session")
async def verbose() -> AsyncIterator[tuple[str, _Verbose]]:
    servicer = _Verbose()
    server = grpc.aio.server(options=[("grpc.max_metadata_size", 16 * 1024 * 1024)])
    stargate_pb2_grpc.add_StargateServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        yield f"127.0.0.1:{port}", servicer
    finally:
        await server.stop(None)


async def test_long_server_error_arrives_whole(verbose: tuple[str, _Verbose]) -> None:
    """A ~30 KiB status is within what the client accepts: the server's own
    error arrives (grpc's default limit of 8 KiB made it RESOURCE_EXHAUSTED)."""
    endpoint, servicer = verbose
    name = "x" * 30_000
    async with aga.Client(endpoint) as client:
        with pytest.raises(errors.InvalidQueryError) as info:
            await client.execute(f"SELECT * FROM ks.{name}")
    assert name in info.value.message
    assert servicer.calls == 1


async def test_metadata_over_the_limit_is_typed_and_not_retried(
    verbose: tuple[str, _Verbose],
) -> None:
    endpoint, servicer = verbose
    name = "x" * 30_000
    async with aga.Client(endpoint, max_metadata_bytes=8 * 1024) as client:
        with pytest.raises(errors.MetadataTooLargeError) as info:
            await client.execute(f"SELECT * FROM ks.{name}")  # a read: idempotent
    assert servicer.calls == 1  # not retried
    assert not isinstance(info.value, errors.OverloadedError)
    assert "metadata" in str(info.value)


# --- 5: a default deadline ----------------------------------------------------


def test_default_timeout_is_ten_seconds_and_none_stays_available() -> None:
    assert aga.Client("127.0.0.1:1").timeout == 10.0
    assert aga.Client("127.0.0.1:1", timeout=None).timeout is None


async def test_a_frozen_server_does_not_hang_a_default_client() -> None:
    """SIGSTOP the emulator: a client with default settings gets
    ClientDeadlineError after the default 10 s instead of waiting forever."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "astra_grpc_async.emulator", "--port", "0", "--quiet",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        endpoint = (await proc.stdout.readline()).decode().split(": ", 1)[1].strip()
        token = (await proc.stdout.readline()).decode().split(": ", 1)[1].strip()
        async with aga.Client(endpoint, token=token) as client:
            assert (await client.execute(LOCAL)).scalar() == "local"
            os.kill(proc.pid, signal.SIGSTOP)
            started = time.monotonic()
            async with asyncio.timeout(60):  # the test fails, it does not hang
                with pytest.raises(errors.ClientDeadlineError):
                    await client.execute(LOCAL)
            assert time.monotonic() - started >= 9.0
    finally:
        os.kill(proc.pid, signal.SIGCONT)
        proc.kill()
        await proc.wait()


# --- 6: aclose leaves nothing behind ------------------------------------------


def _sockets_to(server: EmulatorServer) -> set[tuple[str, int]]:
    """This process's established connections to `server` (their local ends)."""
    port = int(server.endpoint.rsplit(":", 1)[1])
    return {
        (c.laddr.ip, c.laddr.port)
        for c in psutil.Process().net_connections(kind="tcp")
        if c.raddr and c.raddr.port == port and c.status == psutil.CONN_ESTABLISHED
    }


async def test_aclose_leaves_no_socket_task_or_channel(own_server: EmulatorServer) -> None:
    server = own_server
    for _ in range(3):
        before = _sockets_to(server)  # (a channel of an earlier test may reuse the port)
        client = aga.Client(server.endpoint, token=server.token)
        async with client:
            async for _row in client.stream(LOCAL):
                break
            async with client.pipeline(width=2) as pipe:
                await pipe.execute(LOCAL)
            async with client.pipeline(batches=True) as pipe:
                with pytest.raises(errors.InvalidQueryError):
                    await pipe.batch(["INSERT INTO nowhere.t (k) VALUES (1)"])
            with pytest.raises(errors.ClientDeadlineError):
                server.faults.add_latency(1.0, match="late", count=1)
                await client.execute("SELECT key FROM system.local -- late", timeout=0.05)
            open_pipe = client.pipeline()  # left open: the client closes it
            await open_pipe.execute(LOCAL)
            rows = client.stream(LOCAL, page_size=1)  # left open, half-read
            await rows.__aiter__().__anext__()
            ours = _sockets_to(server) - before
            assert ours  # the client's own connections, to watch
        # no gc.collect(): nothing may wait for the garbage collector
        assert not pending_driver_tasks()
        assert client._session.pool.channels == []
        # grpc's core closes the sockets of closed channels on its own threads:
        # with a pipeline open at aclose that can take a few tens of ms (it used
        # to take until a gc.collect(), i.e. forever here)
        await _until(lambda ours=ours: not ours & _sockets_to(server))


# --- 7: nothing raw escapes ---------------------------------------------------


async def test_callers_queued_at_aclose_get_client_closed(server: EmulatorServer) -> None:
    rule = server.faults.add_latency(5, match="slot-holder")
    client = aga.Client(server.endpoint, token=server.token, max_in_flight=1)
    async with client:
        holder = asyncio.ensure_future(
            client.execute("SELECT key FROM system.local -- slot-holder")
        )
        await _until(lambda: rule.fired == 1)
        queued = [asyncio.ensure_future(client.execute(LOCAL)) for _ in range(5)]
        await asyncio.sleep(0)
        await client.aclose(grace=0.1)
    results = await asyncio.gather(holder, *queued, return_exceptions=True)
    assert isinstance(results[0], errors.ConnectionLostError)
    assert all(isinstance(r, errors.ClientClosedError) for r in results[1:]), results
    with pytest.raises(errors.ClientClosedError):
        await client.execute(LOCAL)


@pytest.mark.parametrize("where", ["cql", "keyspace", "batch", "pipeline", "stream"])
async def test_lone_surrogates_are_client_errors(client: aga.Client, where: str) -> None:
    bad = "\ud800"
    with pytest.raises(errors.ClientError, match="Unicode"):
        if where == "cql":
            await client.execute(f"SELECT key FROM system.local WHERE key = '{bad}'")
        elif where == "keyspace":
            await client.execute(LOCAL, keyspace=bad)
        elif where == "batch":
            await client.batch([f"INSERT INTO ks.t (k) VALUES ('{bad}')"])
        elif where == "pipeline":
            async with client.pipeline() as pipe:
                await pipe.execute(f"SELECT '{bad}' FROM system.local")
        else:
            await client.stream(f"SELECT '{bad}' FROM system.local").all()


# --- 8: the pipeline under the client's policy ---------------------------------


async def test_pipeline_honours_the_client_default_deadline(server: EmulatorServer) -> None:
    server.faults.add_latency(1.0, match="FROM system.local")
    async with aga.Client(server.endpoint, token=server.token, timeout=0.2) as client:
        async with client.pipeline() as pipe:
            started = time.monotonic()
            with pytest.raises(errors.ClientDeadlineError):
                await pipe.execute(LOCAL)
            assert time.monotonic() - started < 0.8


async def test_pipeline_aclose_cancelled_still_closes_every_lane(server: EmulatorServer) -> None:
    async with aga.Client(server.endpoint, token=server.token) as client:
        pipe = client.pipeline(width=4)
        await asyncio.gather(*(pipe.execute(LOCAL) for _ in range(8)))
        lanes = list(pipe._lanes)
        assert len(lanes) == 4
        closing = asyncio.ensure_future(pipe.aclose())
        await asyncio.sleep(0)
        closing.cancel()
        with pytest.raises(asyncio.CancelledError):
            await closing
        await _until(lambda: all(lane.call.done() for lane in lanes))


class _Chatty(stargate_pb2_grpc.StargateServicer):
    """Answers each stream request twice: a broken server."""

    async def ExecuteQueryStream(self, request_iterator, context):  # type: ignore[no-untyped-def]
        async for _query in request_iterator:
            for n in range(2):
                rs = query_pb2.ResultSet(
                    columns=[query_pb2.ColumnSpec(
                        name="n", type=query_pb2.TypeSpec(basic=query_pb2.TypeSpec.INT)
                    )],
                    rows=[query_pb2.Row(values=[query_pb2.Value(int=n)])],
                )  # fmt: skip
                yield query_pb2.StreamingResponse(response=query_pb2.Response(result_set=rs))


async def test_an_unsolicited_stream_item_is_a_protocol_error() -> None:
    server = grpc.aio.server()
    stargate_pb2_grpc.add_StargateServicer_to_server(_Chatty(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        async with aga.Client(f"127.0.0.1:{port}") as client, client.pipeline(width=1) as pipe:
            assert (await pipe.execute("SELECT n FROM t")).scalar() == 0
            lane = next(iter(pipe._lanes))
            await _until(lambda: lane.broken is not None)
            # the second answer must not become the next caller's
            with pytest.raises(errors.ProtocolError, match="nobody asked for"):
                await pipe.execute("SELECT n FROM t")
            assert lane not in pipe._lanes
            assert (await pipe.execute("SELECT n FROM t")).scalar() == 0  # a fresh lane
    finally:
        await server.stop(None)


async def test_pipeline_with_a_wrong_token_is_always_an_auth_error(
    server: EmulatorServer,
) -> None:
    """The lane's write may fail locally ("Internal error from Core") before
    the read sees the status: the call's status decides the error."""
    async with aga.Client(server.endpoint, token="not-the-token", retry=aga.NO_RETRY) as c:
        for n in range(40):
            async with c.pipeline(width=1, batches=n % 2 == 1) as pipe:
                with pytest.raises(errors.AuthenticationError):
                    if n % 2:
                        await pipe.batch(["INSERT INTO x.y (k) VALUES (1)"])
                    else:
                        await pipe.execute(LOCAL)


async def test_a_failed_lane_write_is_explained_by_the_call_status(
    server: EmulatorServer,
) -> None:
    """Deterministically: the server refused the stream before the write."""
    async with aga.Client(server.endpoint, token="not-the-token") as client:
        session = client._session
        call = session.open_stream(await session.credentials(), batches=False)
        await _until(call.done)  # the refusal arrived; nothing was written yet
        with pytest.raises(errors.AuthenticationError) as info:
            await call.write(query_pb2.Query(cql=LOCAL).SerializeToString())
        assert info.value.message == "Invalid token"
        call.cancel()


# --- 9: one rule for changing the policy --------------------------------------


async def test_policy_changes_apply_to_calls_that_start_afterwards(
    server: EmulatorServer,
) -> None:
    rule = server.faults.add_latency(0.3, match="capped")
    async with aga.Client(server.endpoint, token=server.token, max_in_flight=8) as client:
        client.max_in_flight = 2
        assert client.max_in_flight == 2
        calls = [
            asyncio.ensure_future(client.execute("SELECT key FROM system.local -- capped"))
            for _ in range(6)
        ]
        await _until(lambda: rule.fired == 2)
        await asyncio.sleep(0.05)
        assert client.in_flight == 2 and rule.fired == 2  # the rest wait
        client.max_in_flight = 6  # raising the cap lets the waiters in at once
        await _until(lambda: rule.fired == 6)
        await asyncio.gather(*calls)

        client.timeout = 0.1
        with pytest.raises(errors.ClientDeadlineError):
            await client.execute("SELECT key FROM system.local -- capped")
        client.retry = aga.NO_RETRY
        assert client.retry is aga.NO_RETRY
        with pytest.raises(errors.ConfigError):
            client.max_in_flight = 0
