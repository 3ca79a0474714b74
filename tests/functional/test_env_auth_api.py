"""`Client.from_env()` with the Auth API settings (STARGATE_AUTH_URL,
STARGATE_USERNAME, STARGATE_PASSWORD), through the emulator's Auth API."""

from __future__ import annotations

import pytest

import astra_grpc_async as aga
from astra_grpc_async import errors
from astra_grpc_async.config import settings_from_env

PASSWORD = "env-pw-do-not-leak"


def _env(auth_url: str, endpoint: str = "127.0.0.1:1", **extra: str) -> dict[str, str]:
    return {
        "STARGATE_GRPC_ENDPOINT": endpoint,
        "STARGATE_AUTH_URL": auth_url,
        "STARGATE_USERNAME": "app",
        "STARGATE_PASSWORD": PASSWORD,
        **extra,
    }


def test_settings_keep_the_password_secret() -> None:
    s = settings_from_env(_env("http://127.0.0.1:8081/v1/auth"))
    assert s.auth_api is not None and s.token is None
    assert (s.auth_api.url, s.auth_api.username) == ("http://127.0.0.1:8081/v1/auth", "app")
    assert s.auth_api.password is not None and s.auth_api.password.reveal() == PASSWORD
    assert PASSWORD not in repr(s) and PASSWORD not in str(s)


@pytest.mark.parametrize(
    ("drop", "add", "match"),
    [
        ("STARGATE_USERNAME", {}, "STARGATE_USERNAME is not"),
        ("STARGATE_PASSWORD", {}, "STARGATE_PASSWORD is not"),
        (None, {"STARGATE_TOKEN": "t"}, "STARGATE_TOKEN or STARGATE_AUTH_URL, not both"),
    ],
)
def test_incomplete_or_contradictory_settings(
    drop: str | None, add: dict[str, str], match: str
) -> None:
    env = _env("http://127.0.0.1:8081/v1/auth", **add)
    if drop is not None:
        del env[drop]
    with pytest.raises(errors.ConfigError, match=match):
        settings_from_env(env)


def test_plaintext_credentials_to_a_remote_auth_api_need_consent() -> None:
    env = _env("http://stargate.internal:8081/v1/auth")
    with pytest.raises(errors.ConfigError, match="plaintext"):
        aga.Client.from_env(env)


async def test_from_env_logs_in_and_closes_its_provider() -> None:
    async with aga.emulator.serve(auth_port=0, users={"app": PASSWORD}) as server:
        client = aga.Client.from_env(_env(server.auth_url, server.endpoint))
        async with client:
            assert PASSWORD not in repr(client)
            assert await client.ping()
            provider = client._session.tokens
            assert isinstance(provider, aga.TableBasedToken) and provider.fetches == 1
        with pytest.raises(errors.ClientClosedError):
            await provider.get_token()  # closed with the client that made it
        assert server.auth_api is not None and server.auth_api.requests == 1
