"""The live suite: the driver's essential checks against a real Stargate.

Point it at a coordinator with the environment:

    STARGATE_LIVE_ENDPOINT   host:port of the gRPC API (required)
    STARGATE_LIVE_TOKEN      a static token, or else the Auth API:
    STARGATE_AUTH_URL        e.g. http://localhost:8081/v1/auth
    STARGATE_USERNAME        e.g. cassandra
    STARGATE_PASSWORD        e.g. cassandra
    STARGATE_LIVE_KEYSPACE   use this existing keyspace (default: create one, drop it after)
    STARGATE_LIVE_CA         PEM file of the CA to verify the coordinator's TLS with
    STARGATE_LIVE_PLAINTEXT  1: allow a token in plaintext to a non-loopback host

or run `nox -s live` (which starts an emulator when no endpoint is set). The
default test run also runs this suite unchanged against an emulator
(tests/functional/test_live_suite_on_emulator.py). Without the settings
every test here is skipped, with this reason.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio

import astra_grpc_async as aga

SKIP_REASON = (
    "live suite: set STARGATE_LIVE_ENDPOINT (with STARGATE_LIVE_TOKEN, or STARGATE_AUTH_URL, "
    "STARGATE_USERNAME and STARGATE_PASSWORD), or run `nox -s live`"
)


@dataclass(frozen=True)
class Live:
    endpoint: str
    token: str | None
    auth_url: str | None
    username: str | None
    password: str | None
    keyspace: str | None
    ca: bytes | None
    allow_plaintext: bool

    @property
    def uses_auth_api(self) -> bool:
        return self.auth_url is not None

    def token_source(self) -> str | aga.TokenProvider:
        if self.auth_url is not None:
            assert self.username is not None and self.password is not None
            return aga.TableBasedToken(
                self.auth_url, self.username, self.password, allow_plaintext=self.allow_plaintext
            )
        assert self.token is not None
        return self.token

    def client(self, token: str | aga.TokenProvider, **kwargs: object) -> aga.Client:
        """A client with `token` (the caller closes a provider it made)."""
        tls = aga.TLS(ca=self.ca) if self.ca is not None else None
        return aga.Client(
            self.endpoint,
            token=token,
            tls=tls,
            allow_plaintext_token=self.allow_plaintext,
            **kwargs,  # type: ignore[arg-type]
        )


def _settings() -> Live | None:
    env = os.environ
    endpoint = env.get("STARGATE_LIVE_ENDPOINT")
    if not endpoint:
        return None
    auth_url = env.get("STARGATE_AUTH_URL") or None
    token = env.get("STARGATE_LIVE_TOKEN") or None
    if auth_url is None and token is None:
        pytest.fail(f"STARGATE_LIVE_ENDPOINT is set but no token source: {SKIP_REASON}")
    if auth_url is not None and not (env.get("STARGATE_USERNAME") and env.get("STARGATE_PASSWORD")):
        pytest.fail("STARGATE_AUTH_URL needs STARGATE_USERNAME and STARGATE_PASSWORD")
    ca_path = env.get("STARGATE_LIVE_CA")
    return Live(
        endpoint=endpoint,
        token=token,
        auth_url=auth_url,
        username=env.get("STARGATE_USERNAME"),
        password=env.get("STARGATE_PASSWORD"),
        keyspace=env.get("STARGATE_LIVE_KEYSPACE") or None,
        ca=Path(ca_path).read_bytes() if ca_path else None,
        allow_plaintext=env.get("STARGATE_LIVE_PLAINTEXT") == "1",
    )


@pytest.fixture(scope="session")
def live() -> Live:
    settings = _settings()
    if settings is None:
        pytest.skip(SKIP_REASON)
    return settings


@pytest_asyncio.fixture(loop_scope="session", scope="session")
async def live_client(live: Live) -> AsyncIterator[aga.Client]:
    token = live.token_source()
    try:
        async with live.client(token, timeout=30.0) as client:
            yield client
    finally:
        if not isinstance(token, str):
            await token.aclose()


@pytest_asyncio.fixture(loop_scope="session", scope="session")
async def live_ks(live: Live, live_client: aga.Client) -> AsyncIterator[str]:
    """A keyspace for the suite: STARGATE_LIVE_KEYSPACE, or a fresh one dropped after."""
    if live.keyspace is not None:
        yield live.keyspace
        return
    name = f"aga_live_{secrets.token_hex(4)}"
    await live_client.execute(
        f"CREATE KEYSPACE {name} WITH replication = "
        "{'class': 'SimpleStrategy', 'replication_factor': 1}"
    )
    try:
        yield name
    finally:
        await live_client.execute(f"DROP KEYSPACE IF EXISTS {name}")


_names = iter(range(1, 1_000_000))


@pytest_asyncio.fixture(loop_scope="session")
async def table(
    live_ks: str, live_client: aga.Client, request: pytest.FixtureRequest
) -> AsyncIterator[str]:
    """A fresh qualified table name for this test (created by the test,
    dropped after it)."""
    name = f"{live_ks}.{request.node.name.split('[')[0][5:30]}_{next(_names)}"
    yield name
    await live_client.execute(f"DROP TABLE IF EXISTS {name}")
