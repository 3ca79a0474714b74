from __future__ import annotations

import pickle

import pytest

import astra_grpc_async as aga
from astra_grpc_async.config import Secret, parse_endpoint, parse_endpoints, settings_from_env
from astra_grpc_async.errors import ConfigError


@pytest.mark.parametrize(
    ("text", "host", "port", "loopback"),
    [
        ("127.0.0.1:9000", "127.0.0.1", 9000, True),
        ("localhost", "localhost", 8090, True),
        ("[::1]:8090", "::1", 8090, True),
        ("example.com:443", "example.com", 443, False),
        ("grpc://10.1.2.3:1", "10.1.2.3", 1, False),
        ("::1", "::1", 8090, True),
    ],
)
def test_parse_endpoint(text: str, host: str, port: int, loopback: bool) -> None:
    ep = parse_endpoint(text)
    assert (ep.host, ep.port, ep.is_loopback) == (host, port, loopback)


@pytest.mark.parametrize("bad", ["", "host:", "host:abc", "host:70000", "[::1", ":9"])
def test_bad_endpoint(bad: str) -> None:
    with pytest.raises(ConfigError):
        parse_endpoint(bad)


def test_endpoint_lists() -> None:
    assert [str(e) for e in parse_endpoints("a:1, b:2")] == ["a:1", "b:2"]
    assert [str(e) for e in parse_endpoints(["[::1]:5"])] == ["[::1]:5"]
    with pytest.raises(ConfigError):
        parse_endpoints(" , ")


def test_secret_never_shows() -> None:
    s = Secret("AstraCS:topsecret")
    assert "topsecret" not in repr(s) and "topsecret" not in str(s) and "topsecret" not in f"{s}"
    assert s.reveal() == "AstraCS:topsecret"
    with pytest.raises(TypeError):
        pickle.dumps(s)


def test_env_astra() -> None:
    s = settings_from_env(
        {
            "ASTRA_DB_APPLICATION_TOKEN": "AstraCS:x",
            "ASTRA_DB_ID": "abc",
            "ASTRA_DB_REGION": "eu-west-1",
        }
    )
    assert s.endpoint == "abc-eu-west-1.apps.astra.datastax.com:443"
    assert s.token == "AstraCS:x"


def test_env_stargate_and_missing() -> None:
    s = settings_from_env(
        {"STARGATE_GRPC_ENDPOINT": "h:1", "STARGATE_TOKEN": "t", "ASTRA_DB_KEYSPACE": "ks"}
    )
    assert (s.endpoint, s.token, s.keyspace) == ("h:1", "t", "ks")
    with pytest.raises(ConfigError):
        settings_from_env({})
    with pytest.raises(ConfigError, match="ASTRA_DB_APPLICATION_TOKEN"):
        settings_from_env({"ASTRA_DB_ID": "a", "ASTRA_DB_REGION": "b"})


def test_client_refuses_plaintext_token_to_remote_host() -> None:
    with pytest.raises(ConfigError, match="plaintext"):
        aga.Client("db.example.com:8090", token="AstraCS:secret", tls=False)
    # explicitly allowed, or TLS, or loopback: fine (no connection is made yet)
    aga.Client("db.example.com:8090", token="t", tls=False, allow_plaintext_token=True)
    aga.Client("db.example.com:8090", token="t")
    aga.Client("127.0.0.1:8090", token="t")


def test_client_repr_hides_token_and_astra_uses_tls() -> None:
    c = aga.Client.for_astra("dbid", "us-east1", "AstraCS:verysecret")
    text = repr(c)
    assert "verysecret" not in text
    assert "dbid-us-east1.apps.astra.datastax.com:443" in text and "tls=True" in text
    c2 = aga.Client.from_env({"STARGATE_GRPC_ENDPOINT": "127.0.0.1:1", "STARGATE_TOKEN": "tok"})
    assert "tls=False" in repr(c2) and "tok" not in repr(c2)


def test_mtls_needs_both_halves() -> None:
    with pytest.raises(ConfigError):
        aga.TLS(cert=b"x")


def test_resolver_targets_are_one_endpoint() -> None:
    (ep,) = parse_endpoints("ipv4:127.0.0.1:1,127.0.0.2:2")
    assert ep.target == "ipv4:127.0.0.1:1,127.0.0.2:2" and ep.is_loopback
    (dns,) = parse_endpoints("dns:///db.example.com:8090")
    assert dns.target == "dns:///db.example.com:8090" and not dns.is_loopback
    assert parse_endpoint("dns:localhost:9").is_loopback
    assert not parse_endpoint("ipv4:127.0.0.1:1,10.0.0.1:2").is_loopback  # one remote address
    with pytest.raises(ConfigError):
        parse_endpoint("ipv4:")
    with pytest.raises(ConfigError, match="plaintext"):  # the token rule sees every address
        aga.Client("ipv4:127.0.0.1:1,10.0.0.1:2", token="t", tls=False)
