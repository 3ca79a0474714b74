"""Running the emulator: `async with serve(port=0) as server: ...`."""

from __future__ import annotations

import contextlib
import logging
import secrets
import ssl
import tempfile
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import grpc.aio

from .._proto.stargate import stargate_pb2_grpc
from .._version import __version__
from . import journal as jr
from .auth_api import DEFAULT_TTL, DEFAULT_USERS, AuthApi, TokenStore
from .durable import Durable
from .engine import Engine
from .faults import Faults
from .servicer import StargateServicer
from .startup import EmulatorStartError, check_port_free

log = logging.getLogger("astra_grpc_async.emulator")

MAX_REQUEST_BYTES = 4 * 1024 * 1024  # the Stargate default


def _server_options() -> list[tuple[str, int]]:
    return [
        ("grpc.max_receive_message_length", MAX_REQUEST_BYTES),
        ("grpc.max_send_message_length", -1),
        ("grpc.so_reuseport", 0),
        # clients ping while calls are active; do not answer them with GOAWAY
        ("grpc.http2.min_recv_ping_interval_without_data_ms", 5_000),
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.max_concurrent_streams", 10_000),
        # C-core cancels calls beyond 1,000 not yet picked up by the Python side
        # (CANCELLED at the client): lift it, so load tests measure the client
        ("grpc.server.max_pending_requests", 1_000_000),
        ("grpc.server.max_pending_requests_hard_limit", 1_000_000),
        ("grpc.server_max_unrequested_time_in_server", 3600),
    ]


@dataclass(frozen=True, slots=True)
class ServerTLS:
    """Serve over TLS: PEM `cert` chain and `key`; with `client_ca`, clients
    must present a certificate signed by it (mutual TLS)."""

    cert: bytes
    key: bytes = field(repr=False)
    client_ca: bytes | None = None

    def credentials(self) -> grpc.ServerCredentials:
        return grpc.ssl_server_credentials(
            [(self.key, self.cert)],
            root_certificates=self.client_ca,
            require_client_auth=self.client_ca is not None,
        )

    def ssl_context(self) -> ssl.SSLContext:
        """The same certificate for the HTTP Auth API."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        with tempfile.TemporaryDirectory() as folder:  # ssl loads a chain from files only
            cert, key = Path(folder, "cert.pem"), Path(folder, "key.pem")
            cert.write_bytes(self.cert)
            key.touch(mode=0o600)
            key.write_bytes(self.key)
            context.load_cert_chain(cert, key)
        return context


class EmulatorServer:
    """A Stargate-compatible gRPC server over an in-memory CQL engine.

    `endpoint` is "host:port" and `token` the token it accepts. `faults`
    injects latency and errors; `restart()` / `drop_connections()` cut every
    connection (in-flight calls fail) and serve again on the same port with
    the same data.

    With `auth_port` (0: any free port) it also serves the Stargate Auth API
    at `auth_url`: `users` (name -> password; default cassandra/cassandra)
    get table-based tokens that expire after `token_ttl` idle seconds, on
    `auth_clock` (monotonic seconds; injectable for tests)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        token: str | None = None,
        extra_tokens: Sequence[str] = (),
        data_dir: str | Path | None = None,
        tls: ServerTLS | None = None,
        auth_port: int | None = None,
        users: Mapping[str, str] | None = None,
        token_ttl: float = DEFAULT_TTL,
        auth_clock: Callable[[], float] | None = None,
        skip_bad_records: bool = False,
    ) -> None:
        self.host = host
        self.tls = tls
        self.port = port
        self.token = token or f"emulator-{secrets.token_urlsafe(18)}"
        self._tokens = (self.token, *extra_tokens)
        self.engine = Engine()
        self.faults = Faults()
        self.journal: jr.Journal | None = None
        self.durable: Durable | None = None
        self._data_dir = data_dir
        self._skip_bad_records = skip_bad_records
        self._server: grpc.aio.Server | None = None
        self.servicer: StargateServicer | None = None
        self.auth_tokens = TokenStore(token_ttl, auth_clock)
        self.auth_api: AuthApi | None = None
        if auth_port is not None:
            users = DEFAULT_USERS if users is None else users
            context = None if tls is None else tls.ssl_context()
            self.auth_api = AuthApi(self.auth_tokens, users, host, auth_port, ssl_context=context)

    @property
    def endpoint(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def auth_url(self) -> str:
        """`http://host:port/v1/auth` of the Auth API (needs `auth_port`)."""
        if self.auth_api is None:
            raise RuntimeError("the Auth API is off: pass auth_port (0 for any free port)")
        return self.auth_api.url

    def __repr__(self) -> str:  # no token here, ever
        return f"EmulatorServer(endpoint={self.endpoint!r}, running={self.running})"

    @property
    def running(self) -> bool:
        return self._server is not None

    async def start(self) -> None:
        if self._server is not None:
            return
        check_port_free(self.host, self.port)
        opened = self._data_dir is not None and self.durable is None
        if opened:
            await self._open_data_dir()
        try:
            await self._listen()
        except BaseException:
            if opened:  # a failed start leaves the data dir unlocked
                await self._close_data_dir()
            raise

    async def _open_data_dir(self) -> None:
        assert self._data_dir is not None
        durable = Durable(self.engine, self._data_dir, skip_bad_records=self._skip_bad_records)
        try:
            replayed = durable.open()
        except BaseException:
            await durable.aclose()
            raise
        self.durable, self.journal = durable, durable.journal
        log.info("replayed %d logged request(s) from %s", replayed, durable.journal.path)

    async def _close_data_dir(self) -> None:
        durable, self.durable, self.journal = self.durable, None, None
        if durable is not None:
            await durable.aclose()

    async def _listen(self) -> None:
        self.servicer = StargateServicer(
            self.engine, self._tokens, self.faults, self.durable, issued=self.auth_tokens.accept
        )
        server = grpc.aio.server(options=_server_options(), maximum_concurrent_rpcs=None)
        stargate_pb2_grpc.add_StargateServicer_to_server(self.servicer, server)  # type: ignore[no-untyped-call]
        address = f"{self.endpoint.rsplit(':', 1)[0]}:{self.port}"
        try:
            if self.tls is None:
                bound = server.add_insecure_port(address)
            else:
                bound = server.add_secure_port(address, self.tls.credentials())
        except RuntimeError:  # grpcio >= 1.50 raises where older ones returned 0
            bound = 0
        if bound == 0:
            raise EmulatorStartError(f"cannot listen on {self.host}:{self.port}")
        self.port = bound
        await server.start()
        self._server = server
        log.info("astra_grpc_async emulator %s listening on %s", __version__, self.endpoint)
        if self.auth_api is not None:  # keeps running (and its tokens live) across restart()
            try:
                await self.auth_api.start()
            except BaseException:
                await self.stop(0)
                raise

    async def stop(self, grace: float | None = None) -> None:
        """Stop serving (connections drop; data stays for a later start())."""
        server, self._server = self._server, None
        if server is not None:
            await server.stop(grace)

    async def restart(self) -> None:
        await self.stop(0)
        await self.start()

    drop_connections = restart

    async def aclose(self) -> None:
        await self.stop(0)
        if self.auth_api is not None:
            await self.auth_api.aclose()
        await self._close_data_dir()

    async def __aenter__(self) -> EmulatorServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


@contextlib.asynccontextmanager
async def serve(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    token: str | None = None,
    data_dir: str | Path | None = None,
    tls: ServerTLS | None = None,
    auth_port: int | None = None,
    users: Mapping[str, str] | None = None,
    token_ttl: float = DEFAULT_TTL,
    auth_clock: Callable[[], float] | None = None,
    skip_bad_records: bool = False,
) -> AsyncIterator[EmulatorServer]:
    """Run an emulator for the duration of the block. With `data_dir`, writes
    are durable there (see `Durable`); `skip_bad_records` starts even when
    some journal records cannot be replayed (each is logged and skipped)."""
    server = EmulatorServer(
        host,
        port,
        token=token,
        data_dir=data_dir,
        tls=tls,
        auth_port=auth_port,
        users=users,
        token_ttl=token_ttl,
        auth_clock=auth_clock,
        skip_bad_records=skip_bad_records,
    )
    try:
        await server.start()
        yield server
    finally:
        await server.aclose()
