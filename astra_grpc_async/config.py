"""Endpoint, token and TLS configuration.

Choices (documented in the README's configuration table):
- TLS is on by default for every host that is not loopback; loopback (the
  embedded emulator) defaults to plaintext.
- A token is never sent in plaintext to a non-loopback host unless
  `allow_plaintext_token=True`.
- The token is held in a `Secret` whose repr and str are redacted, so it never
  reaches logs, reprs or error messages.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .errors import ConfigError

ASTRA_HOST = "{database_id}-{region}.apps.astra.datastax.com"
ASTRA_PORT = 443
DEFAULT_PORT = 8090

ENV_ASTRA_TOKEN = "ASTRA_DB_APPLICATION_TOKEN"
ENV_ASTRA_ID = "ASTRA_DB_ID"
ENV_ASTRA_REGION = "ASTRA_DB_REGION"
ENV_ENDPOINT = "STARGATE_GRPC_ENDPOINT"
ENV_TOKEN = "STARGATE_TOKEN"
ENV_KEYSPACE = "ASTRA_DB_KEYSPACE"
ENV_AUTH_URL = "STARGATE_AUTH_URL"
ENV_USERNAME = "STARGATE_USERNAME"
ENV_PASSWORD = "STARGATE_PASSWORD"


class Secret:
    """A string that does not show itself."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> tuple[object, ...]:  # pickling would leak it into files
        raise TypeError("a Secret cannot be pickled")


@dataclass(frozen=True, slots=True)
class TLS:
    """TLS settings. `ca` (PEM bytes) replaces the system roots; `cert` and
    `key` (PEM bytes) enable mutual TLS; `server_name` overrides the name
    checked in the server certificate."""

    ca: bytes | None = None
    cert: bytes | None = field(default=None, repr=False)
    key: bytes | None = field(default=None, repr=False)
    server_name: str | None = None

    def __post_init__(self) -> None:
        if (self.cert is None) != (self.key is None):
            raise ConfigError("mutual TLS needs both cert and key")


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One coordinator `host:port`, or (with `uri`) a gRPC resolver target such
    as `dns:///coordinators.example:8090` or `ipv4:10.0.0.1:8090,10.0.0.2:8090`
    whose addresses grpc spreads calls over (round robin)."""

    host: str
    port: int
    uri: str | None = None

    @property
    def target(self) -> str:
        if self.uri is not None:
            return self.uri
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def is_loopback(self) -> bool:
        hosts = _uri_hosts(self.uri) if self.uri is not None else [self.host]
        return all(_is_loopback_host(h) for h in hosts)

    def __str__(self) -> str:
        return self.target


RESOLVER_SCHEMES = ("dns:", "ipv4:", "ipv6:")


def _is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _uri_hosts(uri: str) -> list[str]:
    """The hosts named by a resolver target (for the loopback check)."""
    scheme, _, rest = uri.partition(":")
    if scheme == "dns":
        rest = rest.removeprefix("//").split("/", 1)[-1]  # drop an authority
        return [parse_endpoint(rest).host]
    return [parse_endpoint(item).host for item in rest.split(",") if item.strip()]


def parse_endpoint(text: str, default_port: int = DEFAULT_PORT) -> Endpoint:
    """`host`, `host:port`, `[v6]:port`, `v6`, or a resolver target
    (`dns:///name:port`, `ipv4:a:p,b:p`, `ipv6:[a]:p,[b]:p`)."""
    raw = text.strip()
    if raw.startswith(RESOLVER_SCHEMES):
        hosts = _uri_hosts(raw)  # validates every address
        if not hosts:
            raise ConfigError(f"bad endpoint {text!r}: no address")
        return Endpoint(hosts[0], 0, uri=raw)
    for scheme in ("grpc://", "grpcs://", "https://", "http://"):
        if raw.startswith(scheme):
            raw = raw[len(scheme) :]
    raw = raw.rstrip("/")
    if not raw:
        raise ConfigError("empty endpoint")
    host, port = raw, default_port
    if raw.startswith("["):
        end = raw.find("]")
        if end < 0:
            raise ConfigError(f"bad endpoint {text!r}")
        host = raw[1:end]
        rest = raw[end + 1 :]
        if rest:
            if not rest.startswith(":"):
                raise ConfigError(f"bad endpoint {text!r}")
            port = _port(rest[1:], text)
    elif raw.count(":") == 1:
        host, _, p = raw.partition(":")
        port = _port(p, text)
    if not host:
        raise ConfigError(f"bad endpoint {text!r}: no host")
    return Endpoint(host, port)


def _port(text: str, whole: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise ConfigError(f"bad port in endpoint {whole!r}") from None
    if not 0 < port < 65536:
        raise ConfigError(f"port out of range in endpoint {whole!r}")
    return port


def parse_endpoints(value: str | Sequence[str]) -> tuple[Endpoint, ...]:
    """One endpoint, a comma-separated list, or a sequence of them."""
    if isinstance(value, str):
        # a resolver target keeps its commas (`ipv4:a:p,b:p` is one endpoint)
        items = [value] if value.strip().startswith(RESOLVER_SCHEMES) else value.split(",")
    else:
        items = list(value)
    endpoints = tuple(parse_endpoint(item) for item in items if item.strip())
    if not endpoints:
        raise ConfigError("no endpoint given")
    return endpoints


def astra_endpoint(database_id: str, region: str) -> str:
    if not database_id or not region:
        raise ConfigError("an Astra endpoint needs a database id and a region")
    host = ASTRA_HOST.format(database_id=database_id.strip(), region=region.strip())
    return f"{host}:{ASTRA_PORT}"


@dataclass(frozen=True, slots=True)
class AuthApiSettings:
    """Where table-based tokens come from (the Stargate Auth API). `password`
    None means not given (a command line may prompt for it)."""

    url: str
    username: str
    password: Secret | None = field(default=None, repr=False)


def auth_api_from_env(env: Mapping[str, str]) -> AuthApiSettings | None:
    """STARGATE_AUTH_URL with STARGATE_USERNAME (and STARGATE_PASSWORD), or None."""
    url = env.get(ENV_AUTH_URL) or None
    if url is None:
        return None
    username = env.get(ENV_USERNAME) or None
    if username is None:
        raise ConfigError(f"{ENV_AUTH_URL} set but {ENV_USERNAME} is not")
    password = env.get(ENV_PASSWORD) or None
    return AuthApiSettings(url, username, None if password is None else Secret(password))


@dataclass(frozen=True, slots=True)
class EnvSettings:
    endpoint: str
    token: str | None
    keyspace: str | None
    auth_api: AuthApiSettings | None = None


def settings_from_env(env: Mapping[str, str] | None = None) -> EnvSettings:
    """Astra (token + id + region) first, then a plain Stargate endpoint with
    STARGATE_TOKEN or the Auth API settings (STARGATE_AUTH_URL, _USERNAME,
    _PASSWORD)."""
    env = os.environ if env is None else env
    keyspace = env.get(ENV_KEYSPACE) or None
    if env.get(ENV_ASTRA_ID) or env.get(ENV_ASTRA_REGION):
        token = env.get(ENV_ASTRA_TOKEN)
        if not token:
            raise ConfigError(f"{ENV_ASTRA_ID}/{ENV_ASTRA_REGION} set but {ENV_ASTRA_TOKEN} is not")
        endpoint = astra_endpoint(env.get(ENV_ASTRA_ID, ""), env.get(ENV_ASTRA_REGION, ""))
        return EnvSettings(endpoint, token, keyspace)
    if env.get(ENV_ENDPOINT):
        token = env.get(ENV_TOKEN) or None
        auth_api = auth_api_from_env(env)
        if auth_api is not None:
            if token is not None:
                raise ConfigError(f"set {ENV_TOKEN} or {ENV_AUTH_URL}, not both")
            if auth_api.password is None:
                raise ConfigError(f"{ENV_AUTH_URL} set but {ENV_PASSWORD} is not")
        return EnvSettings(env[ENV_ENDPOINT], token, keyspace, auth_api)
    raise ConfigError(
        f"set {ENV_ASTRA_TOKEN} with {ENV_ASTRA_ID} and {ENV_ASTRA_REGION}, "
        f"or {ENV_ENDPOINT} (and {ENV_TOKEN}, or {ENV_AUTH_URL} with its credentials)"
    )
