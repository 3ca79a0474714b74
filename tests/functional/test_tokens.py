"""Token providers through the real wire: `token=` takes a str, a Secret or
a TokenProvider; the token is asked for lazily; a refreshable provider whose
token the server rejects is refreshed once (single flight) and the call is
retried once, on every call path."""

from __future__ import annotations

import asyncio

import pytest

import astra_grpc_async as aga
from astra_grpc_async import errors
from astra_grpc_async.config import Secret
from astra_grpc_async.emulator import EmulatorServer
from astra_grpc_async.tokens import StaticToken, TokenProvider


class Rotating:
    """Hands out `first` until refreshed, then `good`; counts what it was asked."""

    def __init__(self, first: str, good: str, *, refreshable: bool = True) -> None:
        self._current = Secret(first)
        self._good = Secret(good)
        self._refreshable = refreshable
        self._lock = asyncio.Lock()
        self.gets = 0
        self.refreshes = 0
        self.rejected: list[Secret] = []

    async def get_token(self) -> Secret:
        self.gets += 1
        return self._current

    async def refresh(self, rejected: Secret) -> Secret:
        self.rejected.append(rejected)
        async with self._lock:  # single flight: later callers see the replacement
            if rejected != self._current:
                return self._current
            self.refreshes += 1
            await asyncio.sleep(0.01)  # the fetch
            self._current = self._good
            return self._current

    @property
    def refreshable(self) -> bool:
        return self._refreshable

    async def aclose(self) -> None:
        return None


def test_the_in_test_provider_is_a_token_provider() -> None:
    assert isinstance(Rotating("a", "b"), TokenProvider)
    assert isinstance(StaticToken("a"), TokenProvider)


async def test_token_is_fetched_lazily_and_refreshed_once(server: EmulatorServer) -> None:
    tokens = Rotating("stale-token", server.token)
    async with aga.Client(server.endpoint, token=tokens) as client:
        assert tokens.gets == 0  # nothing asked before the first call
        assert (await client.execute("SELECT key FROM system.local")).scalar() == "local"
        assert tokens.refreshes == 1
        assert [r.reveal() for r in tokens.rejected] == ["stale-token"]
        # later calls use the refreshed token: no new refresh
        assert (await client.execute("SELECT key FROM system.local")).scalar() == "local"
        assert tokens.refreshes == 1


async def test_a_non_idempotent_write_is_retried_after_a_refresh(
    server: EmulatorServer, ks: str, client: aga.Client
) -> None:
    """A rejected token means the server did nothing: any statement may go again."""
    await client.execute(f"CREATE TABLE {ks}.w (id int PRIMARY KEY, n counter)")
    tokens = Rotating("stale-token", server.token)
    async with aga.Client(server.endpoint, token=tokens, retry=aga.NO_RETRY) as c:
        await c.execute(f"UPDATE {ks}.w SET n = n + 1 WHERE id = 1")
    assert (await client.execute(f"SELECT n FROM {ks}.w WHERE id = 1")).scalar() == 1
    assert tokens.refreshes == 1


async def test_thousand_concurrent_callers_share_one_refresh(server: EmulatorServer) -> None:
    tokens = Rotating("stale-token", server.token)
    async with aga.Client(server.endpoint, token=tokens) as client:
        results = await asyncio.gather(
            *(client.execute("SELECT key FROM system.local") for _ in range(1000))
        )
    assert all(r.scalar() == "local" for r in results)
    assert tokens.refreshes == 1


async def test_stream_pages_batches_and_pipelines_refresh(
    server: EmulatorServer, ks: str, client: aga.Client
) -> None:
    await client.execute(f"CREATE TABLE {ks}.p (id int PRIMARY KEY)")
    await client.batch([(f"INSERT INTO {ks}.p (id) VALUES (?)", [i]) for i in range(25)])

    tokens = Rotating("stale-token", server.token)
    async with aga.Client(server.endpoint, token=tokens) as c:
        rows = await c.stream(f"SELECT id FROM {ks}.p", page_size=10).all()
        assert sorted(r.id for r in rows) == list(range(25))
    assert tokens.refreshes == 1

    tokens = Rotating("stale-token", server.token)
    async with aga.Client(server.endpoint, token=tokens) as c:
        await c.batch([f"INSERT INTO {ks}.p (id) VALUES (100)"])
    assert tokens.refreshes == 1

    for batches in (False, True):
        tokens = Rotating("stale-token", server.token)
        async with (
            aga.Client(server.endpoint, token=tokens) as c,
            c.pipeline(width=2, batches=batches) as pipe,
        ):
            if batches:
                await pipe.batch([f"INSERT INTO {ks}.p (id) VALUES (101)"])
            else:
                assert (await pipe.execute("SELECT key FROM system.local")).scalar() == "local"
            assert tokens.refreshes == 1
            # the lanes opened with the stale token are gone: the next call goes straight
            if not batches:
                assert (await pipe.execute("SELECT key FROM system.local")).scalar() == "local"
            assert tokens.refreshes == 1


async def test_refresh_happens_once_per_call(server: EmulatorServer) -> None:
    """A refreshed token that is rejected again is the caller's error, not a loop."""
    tokens = Rotating("stale-token", "also-wrong")
    async with aga.Client(server.endpoint, token=tokens) as client:
        with pytest.raises(errors.AuthenticationError):
            await client.execute("SELECT key FROM system.local")
    assert tokens.refreshes == 1


async def test_static_tokens_are_never_refreshed(server: EmulatorServer) -> None:
    tokens = Rotating("stale-token", server.token, refreshable=False)
    async with aga.Client(server.endpoint, token=tokens) as client:
        with pytest.raises(errors.AuthenticationError):
            await client.execute("SELECT key FROM system.local")
    assert tokens.rejected == []
    for token in ("not-the-token", Secret("not-the-token")):
        async with aga.Client(server.endpoint, token=token) as client:
            with pytest.raises(errors.AuthenticationError):
                await client.execute("SELECT key FROM system.local")
    async with aga.Client(server.endpoint, token=Secret(server.token)) as client:
        assert (await client.execute("SELECT key FROM system.local")).scalar() == "local"


@pytest.mark.parametrize("bad", ["a\nb", "a\x00b", "tökén", "", "a\rb"])
def test_a_token_that_cannot_be_a_header_is_a_config_error(bad: str) -> None:
    with pytest.raises(errors.ConfigError, match="printable ASCII") as info:
        aga.Client("127.0.0.1:8090", token=bad)
    assert bad not in str(info.value) or not bad
    with pytest.raises(errors.ConfigError):
        aga.Client("127.0.0.1:8090", token=Secret(bad))


async def test_a_provider_returning_a_bad_token_is_a_config_error(server: EmulatorServer) -> None:
    async with aga.Client(server.endpoint, token=Rotating("bad\ntoken", server.token)) as client:
        with pytest.raises(errors.ConfigError):
            await client.execute("SELECT key FROM system.local")


def test_token_of_another_type_is_a_config_error() -> None:
    with pytest.raises(errors.ConfigError, match="TokenProvider"):
        aga.Client("127.0.0.1:8090", token=42)  # type: ignore[arg-type]


async def test_ping(server: EmulatorServer, client: aga.Client) -> None:
    version = await client.ping()
    expected = (await client.execute("SELECT release_version FROM system.local")).scalar()
    assert version == expected and isinstance(version, str) and version
    async with aga.Client(server.endpoint, token="not-the-token") as c:
        with pytest.raises(errors.AuthenticationError):
            await c.ping()
    async with aga.Client("127.0.0.1:1", retry=aga.NO_RETRY, timeout=5) as c:
        with pytest.raises(errors.ConnectionLostError):
            await c.ping()
