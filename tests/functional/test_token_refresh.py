"""Table-based tokens through the client: fetched lazily, refreshed once when
the server rejects an expired one, the call retried once; concurrent callers
share one Auth API request. Time moves on the emulator's Auth API clock
(token_ttl 1 s), so nothing sleeps."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

import astra_grpc_async as aga
from astra_grpc_async import errors
from astra_grpc_async.emulator import EmulatorServer

PROBE = "SELECT release_version FROM system.local"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def expire(self) -> None:
        self.now += 1.5  # past the 1 s idle window


@pytest_asyncio.fixture(loop_scope="session")
async def setup() -> AsyncIterator[tuple[EmulatorServer, Clock]]:
    clock = Clock()
    async with aga.emulator.serve(auth_port=0, token_ttl=1.0, auth_clock=clock) as server:
        yield server, clock


def auth_requests(server: EmulatorServer) -> int:
    assert server.auth_api is not None
    return server.auth_api.requests


@pytest_asyncio.fixture(loop_scope="session")
async def client(
    setup: tuple[EmulatorServer, Clock],
) -> AsyncIterator[tuple[aga.Client, aga.TableBasedToken]]:
    server, _ = setup
    provider = aga.TableBasedToken(server.auth_url, "cassandra", "cassandra")
    async with provider, aga.Client(server.endpoint, token=provider) as c:
        yield c, provider


async def test_expiry_one_refresh_and_a_successful_retry(
    setup: tuple[EmulatorServer, Clock], client: tuple[aga.Client, aga.TableBasedToken]
) -> None:
    server, clock = setup
    c, provider = client
    assert auth_requests(server) == 0  # lazily: nothing before the first call
    assert await c.ping()
    assert auth_requests(server) == 1
    first = await provider.get_token()
    clock.now += 0.9  # within the window: the same token, used again
    await c.execute(PROBE)
    clock.now += 0.9  # 1.8 s after login, 0.9 s idle: sliding expiry keeps it alive
    await c.execute(PROBE)
    assert auth_requests(server) == 1

    clock.expire()
    # the emulator refuses the idle token as Stargate does ...
    async with aga.Client(server.endpoint, token=first.reveal()) as raw:
        with pytest.raises(errors.AuthenticationError, match="Invalid token"):
            await raw.execute(PROBE)
    # ... and the client refreshes once and retries: the caller sees success
    row = (await c.execute(PROBE)).one()
    assert row["release_version"]
    assert auth_requests(server) == 2  # exactly one Auth API request for the refresh
    assert await provider.get_token() != first
    assert server.auth_tokens.issued == 2


async def test_a_thousand_callers_after_expiry_make_one_auth_request(
    setup: tuple[EmulatorServer, Clock], client: tuple[aga.Client, aga.TableBasedToken]
) -> None:
    server, clock = setup
    c, _ = client
    await c.execute(PROBE)
    before = auth_requests(server)
    clock.expire()
    results = await asyncio.gather(*(c.execute(PROBE) for _ in range(1000)))
    assert all(r.one()["release_version"] for r in results)
    assert auth_requests(server) == before + 1


async def test_streams_batches_and_pipelines_refresh_too(
    setup: tuple[EmulatorServer, Clock], client: tuple[aga.Client, aga.TableBasedToken]
) -> None:
    server, clock = setup
    c, _ = client
    await c.execute(
        "CREATE KEYSPACE IF NOT EXISTS refresh_ks WITH replication = "
        "{'class': 'SimpleStrategy', 'replication_factor': 1}"
    )
    await c.execute("CREATE TABLE IF NOT EXISTS refresh_ks.t (k int PRIMARY KEY, v int)")
    before = auth_requests(server)

    clock.expire()
    insert = "INSERT INTO refresh_ks.t (k, v) VALUES (?, ?)"
    await c.batch([(insert, [k, k]) for k in range(5)])
    assert auth_requests(server) == before + 1

    clock.expire()
    async with c.stream("SELECT k FROM refresh_ks.t", page_size=2) as rows:
        assert sorted([r["k"] async for r in rows]) == list(range(5))
    assert auth_requests(server) == before + 2

    clock.expire()
    async with c.pipeline(width=2) as pipe:
        got = await asyncio.gather(
            *(pipe.execute("SELECT v FROM refresh_ks.t WHERE k = ?", [k]) for k in range(5))
        )
    assert [r.scalar() for r in got] == list(range(5))
    assert auth_requests(server) == before + 3


async def test_wrong_password_fails_the_call_with_the_auth_api_error(
    setup: tuple[EmulatorServer, Clock],
) -> None:
    server, _ = setup
    calls = server.servicer.calls if server.servicer is not None else 0
    provider = aga.TableBasedToken(server.auth_url, "cassandra", "not-the-password")
    async with provider, aga.Client(server.endpoint, token=provider) as c:
        with pytest.raises(errors.AuthApiError) as caught:
            await c.execute(PROBE)
    assert caught.value.http_status == 401
    assert server.auth_url in str(caught.value)
    assert "not-the-password" not in str(caught.value) + repr(c)
    assert server.servicer is not None and server.servicer.calls == calls  # nothing sent


async def test_the_call_deadline_covers_the_token_fetch() -> None:
    hung = asyncio.Event()

    async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        hung.set()
        await reader.read()  # until the client goes away
        writer.close()

    listener = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    try:
        async with aga.emulator.serve() as server:
            provider = aga.TableBasedToken(f"http://127.0.0.1:{port}/v1/auth", "u", "p", timeout=60)
            async with provider, aga.Client(server.endpoint, token=provider) as c:
                with pytest.raises(errors.ClientDeadlineError):
                    await c.execute(PROBE, timeout=0.3)
            assert hung.is_set()
    finally:
        listener.close()
        await listener.wait_closed()
