"""TLS and mutual TLS against the emulator, with certificates made in the test,
and the refusal to send a token in plaintext to a non-loopback host."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import pytest_asyncio
import trustme

import astra_grpc_async as aga
from astra_grpc_async import _transport, errors
from astra_grpc_async.emulator import EmulatorServer, ServerTLS

SERVER_NAME = "stargate.test"
QUERY = "SELECT * FROM system.local"


@dataclass(frozen=True)
class Pki:
    ca: bytes  # signs the server certificate
    server_cert: bytes
    server_key: bytes
    client_ca: bytes  # signs client certificates (mutual TLS)
    client_cert: bytes
    client_key: bytes
    stranger_ca: bytes  # signs nothing we use
    stranger_cert: bytes  # a client certificate from the wrong CA
    stranger_key: bytes


def _chain(cert: trustme.LeafCert) -> bytes:
    return b"".join(blob.bytes() for blob in cert.cert_chain_pems)


@pytest.fixture(scope="module")
def pki() -> Pki:
    ca, client_ca, stranger = trustme.CA(), trustme.CA(), trustme.CA()
    server = ca.issue_cert(SERVER_NAME, "127.0.0.1")
    client = client_ca.issue_cert("client.test")
    wrong_client = stranger.issue_cert("client.test")
    return Pki(
        ca=ca.cert_pem.bytes(),
        server_cert=_chain(server),
        server_key=server.private_key_pem.bytes(),
        client_ca=client_ca.cert_pem.bytes(),
        client_cert=_chain(client),
        client_key=client.private_key_pem.bytes(),
        stranger_ca=stranger.cert_pem.bytes(),
        stranger_cert=_chain(wrong_client),
        stranger_key=wrong_client.private_key_pem.bytes(),
    )


@pytest_asyncio.fixture(loop_scope="session")
async def tls_server(pki: Pki) -> AsyncIterator[EmulatorServer]:
    tls = ServerTLS(cert=pki.server_cert, key=pki.server_key)
    async with EmulatorServer(tls=tls) as server:
        yield server


@pytest_asyncio.fixture(loop_scope="session")
async def mtls_server(pki: Pki) -> AsyncIterator[EmulatorServer]:
    tls = ServerTLS(cert=pki.server_cert, key=pki.server_key, client_ca=pki.client_ca)
    async with EmulatorServer(tls=tls) as server:
        yield server


async def _query(server: EmulatorServer, tls: aga.TLS | bool) -> aga.Result:
    async with aga.Client(
        server.endpoint, token=server.token, tls=tls, retry=aga.NO_RETRY, timeout=5
    ) as client:
        return await client.execute(QUERY)


async def test_tls_with_custom_ca_and_server_name(tls_server: EmulatorServer, pki: Pki) -> None:
    assert (await _query(tls_server, aga.TLS(ca=pki.ca, server_name=SERVER_NAME))).rows
    # without a name override the address itself is checked (the cert has an IP SAN)
    assert (await _query(tls_server, aga.TLS(ca=pki.ca))).rows


@pytest.mark.parametrize(
    "case", ["wrong CA", "wrong server name", "system roots", "plaintext to a TLS port"]
)
async def test_tls_failures_are_typed(tls_server: EmulatorServer, pki: Pki, case: str) -> None:
    tls: aga.TLS | bool = {
        "wrong CA": aga.TLS(ca=pki.stranger_ca, server_name=SERVER_NAME),
        "wrong server name": aga.TLS(ca=pki.ca, server_name="someone-else.test"),
        "system roots": aga.TLS(server_name=SERVER_NAME),
        "plaintext to a TLS port": False,
    }[case]
    with pytest.raises(errors.ConnectionLostError) as info:
        await _query(tls_server, tls)
    assert info.value.code == "UNAVAILABLE"


async def test_mutual_tls(mtls_server: EmulatorServer, pki: Pki) -> None:
    good = aga.TLS(ca=pki.ca, cert=pki.client_cert, key=pki.client_key, server_name=SERVER_NAME)
    assert (await _query(mtls_server, good)).rows
    for tls in (
        aga.TLS(ca=pki.ca, server_name=SERVER_NAME),  # no client certificate
        aga.TLS(  # a certificate the server's client CA did not sign
            ca=pki.ca, cert=pki.stranger_cert, key=pki.stranger_key, server_name=SERVER_NAME
        ),
    ):
        with pytest.raises(errors.ConnectionLostError):
            await _query(mtls_server, tls)
    # a failed handshake does not poison later, correct clients
    assert (await _query(mtls_server, good)).rows


def test_mutual_tls_needs_both_halves(pki: Pki) -> None:
    with pytest.raises(errors.ConfigError):
        aga.TLS(ca=pki.ca, cert=pki.client_cert)
    with pytest.raises(errors.ConfigError):
        aga.TLS(ca=pki.ca, key=pki.client_key)


@pytest.fixture
def no_channels(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record (and refuse) any channel the client would open."""
    opened: list[str] = []

    def refuse(target: str, *args: object, **kwargs: object) -> None:
        opened.append(target)
        raise AssertionError(f"a channel to {target} was opened")

    monkeypatch.setattr(_transport.grpc.aio, "insecure_channel", refuse)
    monkeypatch.setattr(_transport.grpc.aio, "secure_channel", refuse)
    return opened


@pytest.mark.parametrize(
    "endpoint",
    ["10.1.2.3:8090", "db.example.com:443", "127.0.0.1:8090,10.1.2.3:8090", "[2001:db8::1]:8090"],
)
async def test_plaintext_token_to_remote_host_is_refused(
    endpoint: str, no_channels: list[str]
) -> None:
    with pytest.raises(errors.ConfigError, match="plaintext"):
        aga.Client(endpoint, token="AstraCS:secret", tls=False)
    assert no_channels == []
    # the same with an explicit opt-in, or TLS (the default), or no token: accepted
    for kwargs in (
        {"token": "AstraCS:secret", "tls": False, "allow_plaintext_token": True},
        {"token": "AstraCS:secret"},
        {"tls": False},
    ):
        client = aga.Client(endpoint, **kwargs)  # type: ignore[arg-type]
        await client.aclose()
    assert no_channels == []  # constructing and closing never connects


async def test_plaintext_token_to_loopback_is_allowed(no_channels: list[str]) -> None:
    for endpoint in ("127.0.0.1:8090", "localhost:8090", "[::1]:8090"):
        client = aga.Client(endpoint, token="AstraCS:secret")
        assert "tls=False" in repr(client)
        await client.aclose()
