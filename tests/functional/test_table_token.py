"""`TableBasedToken` against the emulator's Auth API (and a few canned HTTP
servers for the failures the emulator does not produce)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import trustme

import astra_grpc_async as aga
from astra_grpc_async import errors
from astra_grpc_async.config import Secret
from astra_grpc_async.emulator import EmulatorServer, ServerTLS

PASSWORD = "pw-hunter2-do-not-leak"


@pytest.fixture
async def auth_server() -> AsyncIterator[EmulatorServer]:
    async with aga.emulator.serve(auth_port=0, users={"app": PASSWORD}) as server:
        yield server


def _requests(server: EmulatorServer) -> int:
    assert server.auth_api is not None
    return server.auth_api.requests


async def test_fetches_lazily_once_and_the_token_works(auth_server: EmulatorServer) -> None:
    provider = aga.TableBasedToken(auth_server.auth_url, "app", PASSWORD)
    assert isinstance(provider, aga.TokenProvider)
    assert provider.refreshable
    async with provider:
        assert _requests(auth_server) == 0  # nothing before the first use
        tokens = await asyncio.gather(*(provider.get_token() for _ in range(100)))
        assert len(set(tokens)) == 1
        assert _requests(auth_server) == 1
        assert await provider.get_token() == tokens[0]
        assert _requests(auth_server) == 1
        async with aga.Client(auth_server.endpoint, token=tokens[0].reveal()) as client:
            await client.execute("SELECT release_version FROM system.local")


async def test_a_thousand_concurrent_refreshes_make_one_request(
    auth_server: EmulatorServer,
) -> None:
    async with aga.TableBasedToken(auth_server.auth_url, "app", PASSWORD) as provider:
        first = await provider.get_token()
        fresh = await asyncio.gather(*(provider.refresh(first) for _ in range(1000)))
        assert len(set(fresh)) == 1 and fresh[0] != first
        assert _requests(auth_server) == 2  # the first fetch and one refresh
        # a caller still holding the old rejected token gets the replacement, no fetch
        assert await provider.refresh(first) == fresh[0]
        assert _requests(auth_server) == 2
        # rejecting the current token fetches again
        assert await provider.refresh(fresh[0]) != fresh[0]
        assert _requests(auth_server) == 3


async def test_token_generate_url_sends_key_and_secret(auth_server: EmulatorServer) -> None:
    url = auth_server.auth_url + "/token/generate"
    async with aga.TableBasedToken(url, "app", PASSWORD) as provider:
        token = await provider.get_token()
        assert auth_server.auth_tokens.username(token.reveal()) == "app"


async def test_wrong_password_is_an_auth_api_error_naming_url_and_status(
    auth_server: EmulatorServer,
) -> None:
    wrong = "wrong-" + PASSWORD
    async with aga.TableBasedToken(auth_server.auth_url, "app", wrong) as provider:
        with pytest.raises(errors.AuthApiError) as caught:
            await provider.get_token()
    err = caught.value
    assert isinstance(err, errors.AuthenticationError)
    assert err.http_status == 401 and err.code == "UNAUTHENTICATED"
    assert err.auth_url == auth_server.auth_url
    assert auth_server.auth_url in str(err) and "HTTP 401" in str(err)
    assert "Provided username app and/or password are incorrect" in str(err)
    for text in (str(err), repr(err), repr(provider)):
        assert wrong not in text


async def test_a_failure_is_not_cached(auth_server: EmulatorServer) -> None:
    async with aga.TableBasedToken(auth_server.auth_url, "app", PASSWORD) as provider:
        assert auth_server.auth_api is not None
        await auth_server.auth_api.aclose()
        with pytest.raises(errors.AuthApiError) as caught:
            await provider.get_token()
        assert caught.value.http_status is None and "no answer" in str(caught.value)
        await auth_server.auth_api.start()  # same port
        assert (await provider.get_token()).reveal()


async def _canned(
    answer: bytes | None,
) -> tuple[asyncio.Event, str, Callable[[], Awaitable[None]]]:
    """An HTTP server that answers every request with `answer` (None: never);
    the event is set when a request arrives."""
    held: list[asyncio.StreamWriter] = []
    seen = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        held.append(writer)
        seen.set()
        if answer is not None:
            writer.write(answer)
            await writer.drain()
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]

    async def close() -> None:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()

    return seen, f"http://127.0.0.1:{port}/v1/auth", close


def _http(status: str, body: bytes) -> bytes:
    return (
        f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    ).encode() + body


@pytest.mark.parametrize(
    ("answer", "status", "shown"),
    [
        (_http("500 Internal Server Error", b'{"description": "Failed to create token: boom"}'),
         500, "HTTP 500: Failed to create token: boom"),
        (_http("201 Created", b'{"authToken": 7}'), 201, "HTTP 201 without an authToken"),
        (_http("201 Created", b"not json"), 201, "HTTP 201 without an authToken"),
        (_http("404 Not Found", b'{"code": 404, "message": "HTTP 404 Not Found"}'), 404,
         "HTTP 404: HTTP 404 Not Found"),
        (_http("502 Bad Gateway", f"<html>{PASSWORD}</html>".encode()), 502,
         "HTTP 502: <html>***</html>"),
        (_http("200 OK", b'{"authToken": "' + b"x" * 70_000 + b'"}'), 200, "over 65536 bytes"),
    ],
)  # fmt: skip
async def test_bad_answers(answer: bytes, status: int, shown: str) -> None:
    _, url, close = await _canned(answer)
    try:
        async with aga.TableBasedToken(url, "app", PASSWORD) as provider:
            with pytest.raises(errors.AuthApiError) as caught:
                await provider.get_token()
        assert caught.value.http_status == status
        assert shown in str(caught.value)
        assert PASSWORD not in str(caught.value)
    finally:
        await close()


async def test_own_timeout() -> None:
    _, url, close = await _canned(None)
    try:
        async with aga.TableBasedToken(url, "app", PASSWORD, timeout=0.2) as provider:
            with pytest.raises(errors.AuthApiError, match=r"no answer.*Timeout"):
                await provider.get_token()
    finally:
        await close()


async def test_a_cancelled_waiter_does_not_cancel_the_shared_fetch() -> None:
    seen, url, close = await _canned(None)
    try:
        async with aga.TableBasedToken(url, "app", PASSWORD, timeout=30) as provider:
            leaving = asyncio.create_task(provider.get_token())
            staying = asyncio.create_task(provider.get_token())
            await seen.wait()  # both waiting on the one request
            leaving.cancel()
            with pytest.raises(asyncio.CancelledError):
                await leaving
            assert not staying.done() and provider.fetches == 1
        # aclose() ended the fetch; the remaining waiter hears about it
        with pytest.raises(asyncio.CancelledError):
            await staying
        await provider.aclose()  # idempotent
        with pytest.raises(errors.ClientClosedError):
            await provider.get_token()
    finally:
        await close()


def test_plaintext_credentials_only_to_loopback() -> None:
    with pytest.raises(errors.ConfigError, match="plaintext"):
        aga.TableBasedToken("http://stargate.example:8081/v1/auth", "u", "p")
    aga.TableBasedToken("http://stargate.example:8081/v1/auth", "u", "p", allow_plaintext=True)
    aga.TableBasedToken("https://stargate.example/v1/auth", "u", "p")
    for url in ("http://localhost:8081/v1/auth", "http://[::1]:8081/v1/auth"):
        aga.TableBasedToken(url, "u", "p")
    for bad in ("stargate:8081", "ftp://x/v1/auth", "http://u:p@localhost/v1/auth"):
        with pytest.raises(errors.ConfigError):
            aga.TableBasedToken(bad, "u", "p")
    with pytest.raises(errors.ConfigError, match="password"):
        aga.TableBasedToken("http://localhost/v1/auth", "u", "")
    with pytest.raises(errors.ConfigError, match="ca"):
        aga.TableBasedToken("https://localhost/v1/auth", "u", "p", ca=b"not pem")
    provider = aga.TableBasedToken("http://localhost/v1/auth", "u", Secret(PASSWORD))
    assert PASSWORD not in repr(provider)
    assert repr(provider) == "TableBasedToken(auth_url='http://localhost/v1/auth', username='u')"


async def test_tls_verification() -> None:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    tls = ServerTLS(cert=cert.cert_chain_pems[0].bytes(), key=cert.private_key_pem.bytes())
    async with aga.emulator.serve(auth_port=0, tls=tls) as server:
        assert server.auth_url.startswith("https://")
        async with aga.TableBasedToken(
            server.auth_url, "cassandra", "cassandra", ca=ca.cert_pem.bytes()
        ) as trusting:
            assert (await trusting.get_token()).reveal()
        async with aga.TableBasedToken(server.auth_url, "cassandra", "cassandra") as system_roots:
            with pytest.raises(errors.AuthApiError, match=r"no answer.*CERTIFICATE_VERIFY_FAILED"):
                await system_roots.get_token()


async def test_logs_name_the_url_never_the_secrets(
    auth_server: EmulatorServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with aga.TableBasedToken(auth_server.auth_url, "app", PASSWORD) as provider:
        token = await provider.get_token()
        await provider.refresh(token)
    text = caplog.text
    assert auth_server.auth_url in text
    assert PASSWORD not in text and token.reveal() not in text
