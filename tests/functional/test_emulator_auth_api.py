"""The emulator's Stargate Auth API over real HTTP, and its tokens over gRPC."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid

import httpx
import pytest

import astra_grpc_async as aga
from astra_grpc_async import errors
from astra_grpc_async.emulator import EmulatorServer


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def _post(url: str, body: object) -> httpx.Response:
    async with httpx.AsyncClient() as http:
        return await http.post(url, json=body)


async def test_issues_a_uuid_token_that_the_grpc_service_accepts() -> None:
    async with aga.emulator.serve(auth_port=0) as server:
        assert server.auth_url == f"http://127.0.0.1:{server.auth_api.port}/v1/auth"  # type: ignore[union-attr]
        answer = await _post(server.auth_url, {"username": "cassandra", "password": "cassandra"})
        assert answer.status_code == 201
        assert answer.headers["content-type"] == "application/json"
        assert "max-age=1790" in answer.headers["cache-control"]
        token = answer.json()["authToken"]
        uuid.UUID(token)  # table-based tokens are UUIDs
        async with aga.Client(server.endpoint, token=token) as client:
            result = await client.execute("SELECT release_version FROM system.local")
            assert result.one() is not None
        # the static token keeps working alongside
        async with aga.Client(server.endpoint, token=server.token) as client:
            await client.execute("SELECT release_version FROM system.local")


async def test_token_generate_variant_takes_key_and_secret() -> None:
    async with aga.emulator.serve(auth_port=0, users={"app": "s3cret"}) as server:
        url = server.auth_url + "/token/generate"
        ok = await _post(url, {"key": "app", "secret": "s3cret"})
        assert ok.status_code == 201
        assert server.auth_tokens.accept(ok.json()["authToken"])
        missing = await _post(url, {"key": "app"})
        assert (missing.status_code, missing.json()) == (
            400,
            {"description": "Must provide secret in request"},
        )


@pytest.mark.parametrize(
    ("body", "status", "description"),
    [
        ({"username": "cassandra", "password": "wrong"}, 401, "Failed to create token: "
         "Provided username cassandra and/or password are incorrect"),
        ({"username": "nobody", "password": "cassandra"}, 401, "Failed to create token: "
         "Provided username nobody and/or password are incorrect"),
        ({"password": "cassandra"}, 400, "Must provide username in request"),
        ({"username": "cassandra", "password": ""}, 400, "Must provide password in request"),
    ],
)  # fmt: skip
async def test_refusals_match_stargate(body: object, status: int, description: str) -> None:
    async with aga.emulator.serve(auth_port=0) as server:
        answer = await _post(server.auth_url, body)
        assert answer.status_code == status
        assert answer.json() == {"description": description}
        assert "no-store" in answer.headers["cache-control"]
        assert len(server.auth_tokens) == 0


async def test_framework_level_errors() -> None:
    async with aga.emulator.serve(auth_port=0) as server:
        async with httpx.AsyncClient() as http:
            empty = await http.post(server.auth_url, headers={"content-type": "application/json"})
            assert empty.json() == {"description": "Must provide a body to the request"}
            assert (await http.post(server.auth_url, content=b"{", headers={
                "content-type": "application/json"})).status_code == 400  # fmt: skip
            form = await http.post(server.auth_url, data={"username": "cassandra"})
            assert form.status_code == 415
            get = await http.get(server.auth_url)
            assert get.status_code == 405
            assert "POST" in get.headers["allow"]
            assert (
                await http.post(server.auth_url.replace("/v1/auth", "/v2/x"))
            ).status_code == 404
            admin = await http.post(
                server.auth_url.replace("/v1/auth", "/v1/admin/auth/usernametoken"),
                json={"username": "cassandra"},
            )
            assert admin.json() == {
                "description": "Generating a token for a username is not allowed"
            }
            huge = await http.post(server.auth_url, json={"username": "x" * 100_000})
            assert huge.status_code == 413
            # several requests, one keep-alive connection, all counted
            assert server.auth_api is not None and server.auth_api.requests == 7


async def test_expiry_is_sliding_and_expired_tokens_get_invalid_token() -> None:
    clock = FakeClock()
    async with aga.emulator.serve(auth_port=0, token_ttl=60, auth_clock=clock) as server:
        answer = await _post(server.auth_url, {"username": "cassandra", "password": "cassandra"})
        token = answer.json()["authToken"]
        async with aga.Client(server.endpoint, token=token) as client:
            for _ in range(3):  # each use restarts the idle window
                clock.now += 45
                await client.execute("SELECT release_version FROM system.local")
            clock.now += 61
            with pytest.raises(errors.AuthenticationError) as caught:
                await client.execute("SELECT release_version FROM system.local")
            assert caught.value.code == "UNAUTHENTICATED"
            assert caught.value.message == "Invalid token"
        assert len(server.auth_tokens) == 0  # the expired token is forgotten


async def test_unknown_token_is_invalid_and_tokens_survive_restart() -> None:
    async with aga.emulator.serve(auth_port=0) as server:
        async with aga.Client(server.endpoint, token=str(uuid.uuid4())) as client:
            with pytest.raises(errors.AuthenticationError, match="Invalid token"):
                await client.execute("SELECT release_version FROM system.local")
        answer = await _post(server.auth_url, {"username": "cassandra", "password": "cassandra"})
        await server.restart()
        async with aga.Client(server.endpoint, token=answer.json()["authToken"]) as client:
            await client.execute("SELECT release_version FROM system.local")
        # the Auth API kept serving across the gRPC restart
        again = await _post(server.auth_url, {"username": "cassandra", "password": "cassandra"})
        assert again.status_code == 201


async def test_auth_url_without_auth_port_says_how() -> None:
    server = EmulatorServer()
    with pytest.raises(RuntimeError, match="auth_port"):
        _ = server.auth_url


async def test_close_with_an_idle_keepalive_connection_open() -> None:
    async with aga.emulator.serve(auth_port=0) as server:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.auth_api.port)  # type: ignore[union-attr]
        writer.write(b"POST /v1/auth HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n")
        await writer.drain()
    # aclose() ended the half-sent request's connection
    assert await reader.read() == b""
    writer.close()
    await writer.wait_closed()


def test_command_line_options() -> None:
    code = (
        "import asyncio, sys\n"
        "from astra_grpc_async.emulator.__main__ import build_parser\n"
        "a = build_parser().parse_args(sys.argv[1:])\n"
        "print(a.auth_port, a.user, a.token_ttl)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, "--auth-port", "0", "--user", "a:b:c", "--user", "d:e",
         "--token-ttl", "2.5"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert out.strip() == "0 [('a', 'b:c'), ('d', 'e')] 2.5"
    bad = subprocess.run(
        [sys.executable, "-m", "astra_grpc_async.emulator", "--user", "nopassword"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert bad.returncode == 2
    assert "NAME:PASSWORD" in bad.stderr


async def test_standalone_emulator_serves_the_auth_api() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "astra_grpc_async.emulator", "--port", "0", "--auth-port", "0",
        "--user", "app:pw", "--quiet",
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        lines = [(await proc.stdout.readline()).decode().strip() for _ in range(3)]
        assert lines[2].startswith("auth: http://127.0.0.1:")
        url = lines[2].removeprefix("auth: ")
        assert (await _post(url, {"username": "app", "password": "pw"})).status_code == 201
        assert (
            await _post(url, {"username": "cassandra", "password": "cassandra"})
        ).status_code == 401
    finally:
        proc.terminate()
        await proc.wait()


async def test_malformed_http_gets_400_and_idle_connections_are_closed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from astra_grpc_async.emulator import auth_api

    monkeypatch.setattr(auth_api, "IDLE_SECONDS", 0.2)
    async with aga.emulator.serve(auth_port=0) as server:
        port = server.auth_api.port  # type: ignore[union-attr]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"NOT AN HTTP REQUEST\r\n\r\n")
        answer = await reader.read()  # the server answers, then closes
        assert answer.startswith(b"HTTP/1.1 400 ")
        writer.close()
        await writer.wait_closed()
        # a client that connects and says nothing is let go after the idle bound
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        assert await reader.read() == b""
        writer.close()
        await writer.wait_closed()
