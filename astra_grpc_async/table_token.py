"""Table-based tokens from the Stargate Auth API.

A self-hosted Stargate coordinator issues tokens at `POST /v1/auth` (JSON
`{"username", "password"}` -> 201 `{"authToken": ...}`); they expire after an
idle window (30 minutes by default), so a long-running service needs a new one
now and then. `TableBasedToken` fetches one on first use, keeps it, and
fetches a new one when the server rejects it. Concurrent refreshes of the
same rejected token share one HTTP request (single flight).

An auth URL ending in `/v1/auth/token/generate` gets the `{"key", "secret"}`
body that path expects.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import ssl
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .config import AuthApiSettings, Secret, _is_loopback_host
from .errors import AuthApiError, ClientClosedError, ConfigError

if TYPE_CHECKING:
    import httpx

__all__ = ["TableBasedToken"]

log = logging.getLogger("astra_grpc_async.auth")

DEFAULT_TIMEOUT = 5.0  # seconds, as the official Node client
MAX_ANSWER_BYTES = 64 * 1024


class TableBasedToken:
    """A `TokenProvider` that logs in to the Stargate Auth API.

        token = aga.TableBasedToken("http://stargate:8081/v1/auth", "cassandra", password)
        async with aga.Client("stargate:8090", token=token) as client: ...

    The HTTP request has its own `timeout` (seconds). `https://` URLs are
    verified against the system roots, or against `ca` (PEM bytes) instead;
    `ssl_context` replaces both. Credentials are never sent over plain
    `http://` to a host that is not loopback unless `allow_plaintext=True`
    (the coordinator's Auth API itself speaks plain HTTP: put TLS in front of
    it, or keep it on a private network and say so with that flag).
    """

    def __init__(
        self,
        auth_url: str,
        username: str,
        password: str | Secret,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        ca: bytes | None = None,
        ssl_context: ssl.SSLContext | None = None,
        allow_plaintext: bool = False,
    ) -> None:
        parts = urlsplit(auth_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"auth_url must be an http(s) URL, got {auth_url!r}")
        if parts.username or parts.password:
            raise ConfigError("auth_url must not carry credentials; pass username and password")
        if parts.scheme == "http" and not allow_plaintext and not _is_loopback_host(parts.hostname):
            raise ConfigError(
                f"refusing to send credentials in plaintext to {parts.hostname}; "
                "use an https:// auth_url or pass allow_plaintext=True"
            )
        if not username:
            raise ConfigError("TableBasedToken needs a username")
        secret = password if isinstance(password, Secret) else Secret(password)
        if not secret.reveal():
            raise ConfigError("TableBasedToken needs a password")
        if not timeout > 0:
            raise ConfigError("timeout must be positive")
        self.auth_url = auth_url
        self.username = username
        self._password = secret
        self._timeout = timeout
        self._verify: ssl.SSLContext | bool = True
        if ssl_context is not None:
            self._verify = ssl_context
        elif ca is not None:
            try:
                self._verify = ssl.create_default_context(cadata=ca.decode("ascii"))
            except (ssl.SSLError, ValueError) as exc:
                raise ConfigError(f"ca is not a PEM certificate: {exc}") from None
        generate = parts.path.rstrip("/").endswith("/auth/token/generate")
        self._fields = ("key", "secret") if generate else ("username", "password")
        self._http: httpx.AsyncClient | None = None
        self._token: Secret | None = None
        self._inflight: asyncio.Task[Secret] | None = None
        self._closed = False
        self.fetches = 0  # HTTP requests made (for health checks and tests)

    def __repr__(self) -> str:  # never the password or the token
        return f"TableBasedToken(auth_url={self.auth_url!r}, username={self.username!r})"

    @property
    def refreshable(self) -> bool:
        return True

    async def get_token(self) -> Secret:
        token = self._token
        if token is not None:
            return token
        return await self._shared_fetch()

    async def refresh(self, rejected: Secret) -> Secret:
        token = self._token
        if token is not None and token != rejected:
            return token  # someone already replaced it
        if token is not None:
            self._token = None
        return await self._shared_fetch()

    async def aclose(self) -> None:
        self._closed = True
        task, self._inflight = self._inflight, None
        http, self._http = self._http, None
        self._token = None
        if task is not None:
            task.cancel()
            await asyncio.wait([task])  # its result is nobody's now; wait() raises nothing
        if http is not None:
            # shielded: closing must finish even when the closer is cancelled
            await asyncio.shield(http.aclose())

    async def __aenter__(self) -> TableBasedToken:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # --- the one fetch every waiter shares -----------------------------------

    async def _shared_fetch(self) -> Secret:
        if self._closed:
            raise ClientClosedError(f"the token provider for {self.auth_url} is closed")
        task = self._inflight
        if task is None:
            task = asyncio.create_task(self._fetch(), name="aga-auth-api-fetch")
            self._inflight = task
            task.add_done_callback(self._fetched)
        # shielded: a waiter that gives up does not cancel the fetch for the others
        return await asyncio.shield(task)

    def _fetched(self, task: asyncio.Task[Secret]) -> None:
        if self._inflight is task:
            self._inflight = None
        if task.cancelled():
            return
        if task.exception() is None:  # also marks a failure retrieved when nobody waits
            self._token = task.result()

    async def _fetch(self) -> Secret:
        import httpx  # here: a client that never fetches a token does not load it

        if self._http is None:
            self._http = httpx.AsyncClient(
                timeout=self._timeout, verify=self._verify, follow_redirects=False
            )
        self.fetches += 1
        try:
            async with self._http.stream(
                "POST", self.auth_url, json=self._body(), headers={"accept": "application/json"}
            ) as answer:
                raw = await self._read_capped(answer)
        except httpx.HTTPError as exc:
            # not chained: httpx's exception holds the request, password and all
            what = f"no answer ({type(exc).__name__}: {self._scrub(str(exc))})"
            raise self._error(what) from None
        status = answer.status_code
        if status not in (200, 201):
            raise self._error(f"HTTP {status}: {self._describe(raw)}", status)
        token = _auth_token(raw)
        if token is None:
            raise self._error(f"HTTP {status} without an authToken", status)
        log.debug("fetched a token from %s", self.auth_url)
        return Secret(token)

    def _body(self) -> dict[str, str]:
        name_field, secret_field = self._fields
        return {name_field: self.username, secret_field: self._password.reveal()}

    async def _read_capped(self, answer: httpx.Response) -> bytes:
        raw = bytearray()
        async for chunk in answer.aiter_bytes():
            raw += chunk
            if len(raw) > MAX_ANSWER_BYTES:
                raise self._error(
                    f"HTTP {answer.status_code} with an answer over {MAX_ANSWER_BYTES} bytes",
                    answer.status_code,
                )
        return bytes(raw)

    def _error(self, what: str, status: int | None = None) -> AuthApiError:
        return AuthApiError(
            f"Auth API {self.auth_url} did not issue a token: {what}",
            auth_url=self.auth_url,
            http_status=status,
        )

    def _describe(self, raw: bytes) -> str:
        """The error body's description (Stargate) or message (its web
        framework), else the start of the text; the password scrubbed."""
        document: Any = None
        with contextlib.suppress(ValueError):
            document = json.loads(raw)
        if isinstance(document, dict):
            for key in ("description", "message"):
                if isinstance(document.get(key), str):
                    return self._scrub(document[key][:500])
        text = raw[:200].decode("utf-8", "replace").strip()
        return self._scrub(text) or "(empty answer)"

    def _scrub(self, text: str) -> str:
        password = self._password.reveal()
        return text.replace(password, "***") if password else text


def table_based_token(settings: AuthApiSettings, allow_plaintext: bool = False) -> TableBasedToken:
    """The provider for Auth API settings read from the environment or flags."""
    if settings.password is None:
        raise ConfigError(f"no password for the Auth API user {settings.username!r}")
    return TableBasedToken(
        settings.url, settings.username, settings.password, allow_plaintext=allow_plaintext
    )


def _auth_token(raw: bytes) -> str | None:
    try:
        document = json.loads(raw)
    except ValueError:
        return None
    token = document.get("authToken") if isinstance(document, dict) else None
    return token if isinstance(token, str) and token else None
