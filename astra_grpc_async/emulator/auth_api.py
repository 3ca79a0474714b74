"""The Stargate Auth API, as the emulator serves it on its own HTTP port.

Matches the coordinator's `auth-api` service (table-based tokens):
- `POST /v1/auth` with JSON `{"username", "password"}` and
  `POST /v1/auth/token/generate` with JSON `{"key", "secret"}` answer
  201 `{"authToken": "<uuid>"}`.
- 400 `{"description": "Must provide ... in request"}` for a missing body or
  field, 401 `{"description": "Failed to create token: Provided username U
  and/or password are incorrect"}` for bad credentials.
- `POST /v1/admin/auth/usernametoken` is disabled, as it is by default.
- Tokens expire after a sliding idle window (`token_ttl`, 1800 s by default):
  every accepted gRPC call restarts it. An expired token is unknown, and the
  gRPC service answers it UNAUTHENTICATED "Invalid token".

HTTP/1.1 is parsed by h11 (sans-IO) over asyncio streams, with bounds on
request size, idle connections and the number of connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import ssl
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import h11

log = logging.getLogger("astra_grpc_async.emulator.auth")

DEFAULT_TTL = 1800.0
DEFAULT_USERS: Mapping[str, str] = {"cassandra": "cassandra"}
AUTH_PATH = "/v1/auth"
GENERATE_PATH = "/v1/auth/token/generate"
USERNAME_TOKEN_PATH = "/v1/admin/auth/usernametoken"

MAX_BODY_BYTES = 64 * 1024
MAX_HEADER_BYTES = 16 * 1024
MAX_CONNECTIONS = 1024
IDLE_SECONDS = 30.0
_READ_CHUNK = 16 * 1024


class TokenStore:
    """Issued tokens and when each expires. `clock` (seconds, monotonic) is
    injectable so tests can move time instead of sleeping."""

    def __init__(self, ttl: float = DEFAULT_TTL, clock: Callable[[], float] | None = None):
        if ttl <= 0:
            raise ValueError("token_ttl must be positive")
        self.ttl = ttl
        self.clock = time.monotonic if clock is None else clock
        self._expiry: dict[str, float] = {}
        self._users: dict[str, str] = {}
        self._sweep_at = 1024
        self.issued = 0

    def issue(self, username: str) -> str:
        self._maybe_sweep()
        token = str(uuid.uuid4())
        self._expiry[token] = self.clock() + self.ttl
        self._users[token] = username
        self.issued += 1
        return token

    def accept(self, token: str) -> bool:
        """Whether `token` is live; if so its idle window starts again."""
        expiry = self._expiry.get(token)
        if expiry is None:
            return False
        now = self.clock()
        if now >= expiry:
            self._drop(token)
            return False
        self._expiry[token] = now + self.ttl
        return True

    def username(self, token: str) -> str | None:
        return self._users.get(token)

    def __len__(self) -> int:
        return len(self._expiry)

    def _drop(self, token: str) -> None:
        self._expiry.pop(token, None)
        self._users.pop(token, None)

    def _maybe_sweep(self) -> None:
        # amortized O(1): sweep when the table has doubled since the last sweep
        if len(self._expiry) < self._sweep_at:
            return
        now = self.clock()
        for token in [t for t, exp in self._expiry.items() if now >= exp]:
            self._drop(token)
        self._sweep_at = max(1024, 2 * len(self._expiry))


@dataclass(frozen=True, slots=True)
class _Answer:
    status: int
    body: dict[str, object]
    cache_control: str
    allow: str | None = None


def _no_store(status: int, description: str) -> _Answer:
    return _Answer(
        status, {"description": description}, "no-store, no-transform, max-age=0, s-maxage=0"
    )


def _framework_error(status: int, message: str, allow: str | None = None) -> _Answer:
    # what the coordinator's web framework answers outside the resource methods
    return _Answer(status, {"code": status, "message": message}, "no-transform", allow)


class AuthApi:
    """The HTTP server. `url` is `http(s)://host:port/v1/auth` once started;
    `requests` counts the HTTP requests received (every path)."""

    def __init__(
        self,
        tokens: TokenStore,
        users: Mapping[str, str] = DEFAULT_USERS,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.tokens = tokens
        self._users = {name: password.encode() for name, password in users.items()}
        self.host = host
        self.port = port
        self._ssl = ssl_context
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self.requests = 0

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        scheme = "http" if self._ssl is None else "https"
        return f"{scheme}://{host}:{self.port}{AUTH_PATH}"

    def __repr__(self) -> str:
        return f"AuthApi(url={self.url!r}, users={sorted(self._users)!r})"

    async def start(self) -> None:
        if self._server is not None:
            return
        self._server = await asyncio.start_server(
            self._on_connection, self.host, self.port, ssl=self._ssl, limit=_READ_CHUNK
        )
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("Auth API listening on %s", self.url)

    async def aclose(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        for task in list(self._connections):
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(self._drain(server))

    async def _drain(self, server: asyncio.Server) -> None:
        if self._connections:
            await asyncio.gather(*self._connections, return_exceptions=True)
        await server.wait_closed()

    # --- connections ----------------------------------------------------------

    def _on_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if len(self._connections) >= MAX_CONNECTIONS:
            writer.close()
            return
        task = asyncio.create_task(self._serve(reader, writer))
        self._connections.add(task)
        task.add_done_callback(self._connections.discard)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEADER_BYTES)
        try:
            while True:
                request = await self._next_event(conn, reader)
                if not isinstance(request, h11.Request):
                    return  # the client closed, or went idle
                body = bytearray()
                too_large = False
                while True:
                    event = await self._next_event(conn, reader)
                    if isinstance(event, h11.Data):
                        if len(body) + len(event.data) > MAX_BODY_BYTES:
                            too_large = True
                            break
                        body += event.data
                    elif isinstance(event, h11.EndOfMessage):
                        break
                    else:
                        return
                self.requests += 1
                if too_large:
                    answer = _framework_error(413, "HTTP 413 Request Entity Too Large")
                else:
                    answer = self._answer(request, bytes(body))
                await self._send(conn, writer, answer, close=too_large)
                if conn.our_state is h11.MUST_CLOSE or too_large:
                    return
                conn.start_next_cycle()
        except h11.RemoteProtocolError as exc:
            if conn.our_state in (h11.IDLE, h11.SEND_RESPONSE):
                status = exc.error_status_hint
                with contextlib.suppress(h11.LocalProtocolError, OSError):
                    await self._send(conn, writer, _framework_error(status, str(exc)), close=True)
        except (OSError, asyncio.IncompleteReadError, h11.LocalProtocolError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(OSError, asyncio.CancelledError):
                await asyncio.shield(writer.wait_closed())

    async def _next_event(self, conn: h11.Connection, reader: asyncio.StreamReader) -> object:
        while True:
            event = conn.next_event()
            if event is not h11.NEED_DATA:
                if isinstance(event, h11.ConnectionClosed):
                    return None
                return event
            try:
                async with asyncio.timeout(IDLE_SECONDS):
                    data = await reader.read(_READ_CHUNK)
            except TimeoutError:
                return None
            conn.receive_data(data)  # b"" tells h11 the peer closed

    async def _send(
        self, conn: h11.Connection, writer: asyncio.StreamWriter, answer: _Answer, *, close: bool
    ) -> None:
        payload = json.dumps(answer.body).encode()
        headers = [
            ("content-type", "application/json"),
            ("content-length", str(len(payload))),
            ("cache-control", answer.cache_control),
        ]
        if answer.allow is not None:
            headers.append(("allow", answer.allow))
        if close:
            headers.append(("connection", "close"))
        writer.write(conn.send(h11.Response(status_code=answer.status, headers=headers)) or b"")
        writer.write(conn.send(h11.Data(data=payload)) or b"")
        writer.write(conn.send(h11.EndOfMessage()) or b"")
        await writer.drain()

    # --- the resource -----------------------------------------------------------

    def _answer(self, request: h11.Request, body: bytes) -> _Answer:
        path = request.target.decode("latin-1").split("?", 1)[0]
        if path not in (AUTH_PATH, GENERATE_PATH, USERNAME_TOKEN_PATH):
            return _framework_error(404, "HTTP 404 Not Found")
        if request.method != b"POST":
            return _framework_error(405, "HTTP 405 Method Not Allowed", allow="POST,OPTIONS")
        content_type = ""
        for header, value in request.headers:
            if header == b"content-type":
                content_type = value.decode("latin-1").split(";", 1)[0].strip().lower()
        if content_type != "application/json":
            return _framework_error(415, "HTTP 415 Unsupported Media Type")
        if path == USERNAME_TOKEN_PATH:
            return _no_store(400, "Generating a token for a username is not allowed")
        if not body.strip():
            return _no_store(400, "Must provide a body to the request")
        try:
            document = json.loads(body)
        except ValueError:
            return _framework_error(400, "Unable to process JSON")
        if not isinstance(document, dict):
            return _framework_error(400, "Unable to process JSON")
        name_field, secret_field = (
            ("key", "secret") if path == GENERATE_PATH else ("username", "password")
        )
        name, secret = document.get(name_field), document.get(secret_field)
        if not isinstance(name, str | None) or not isinstance(secret, str | None):
            return _framework_error(400, "Unable to process JSON")
        if not name:
            return _no_store(400, f"Must provide {name_field} in request")
        if not secret:
            return _no_store(400, f"Must provide {secret_field} in request")
        if not self._check(name, secret):
            log.info("Auth API refused credentials for user %r", name)
            return _no_store(
                401,
                f"Failed to create token: Provided username {name} and/or password are incorrect",
            )
        token = self.tokens.issue(name)
        log.info("Auth API issued a token for user %r", name)
        ttl = int(self.tokens.ttl)
        max_age = max(0, ttl - 1 if ttl <= 100 else ttl - 10)
        return _Answer(
            201, {"authToken": token}, f"no-transform, max-age={max_age}, s-maxage={max_age}"
        )

    def _check(self, name: str, secret: str) -> bool:
        known = self._users.get(name)
        # compare against something even for an unknown user: same work either way
        ok = hmac.compare_digest(secret.encode(), b"\0" if known is None else known)
        return ok and known is not None


def parse_user(text: str) -> tuple[str, str]:
    """`NAME:PASSWORD` (the password may itself contain colons)."""
    name, sep, password = text.partition(":")
    if not sep or not name or not password:
        raise ValueError("expected NAME:PASSWORD")
    return name, password
