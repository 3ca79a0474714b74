"""`Client`: execute, stream, batch, execute_many, pipeline."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Generic, Literal, TypeVar, overload

from . import errors
from ._bindhint import explain_bind_error
from ._paging import RowStream
from ._pipeline import Pipeline
from ._raw import RawStub
from ._request import Params, RequestDefaults, batch_call, call_options, query_call
from ._responses import finish, page_from_bytes, page_steps, result_from_bytes
from ._session import (
    DEFAULT_MAX_REQUEST_BYTES,
    DEFAULT_TIMEOUT,
    CallPolicy,
    Session,
    check_token_text,
)
from ._transport import DEFAULT_MAX_METADATA_BYTES, ChannelPool, TransportOptions
from .config import TLS, Endpoint, Secret, astra_endpoint, parse_endpoints, settings_from_env
from .hooks import Hooks
from .options import BatchKind, Consistency, Options, RetryPolicy
from .result import Result
from .row import Row
from .table_token import table_based_token
from .tokens import StaticToken, TokenProvider

log = logging.getLogger("astra_grpc_async.client")

T = TypeVar("T")

__all__ = ["DEFAULT_MAX_REQUEST_BYTES", "DEFAULT_TIMEOUT", "Client", "Params"]


_V = TypeVar("_V")


class _PolicyField(Generic[_V]):
    """A `Client` attribute reading, and replacing, one field of its session's
    call policy (a call under way keeps the policy it started with)."""

    def __init__(self, doc: str) -> None:
        self.__doc__ = doc
        self._name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> _PolicyField[_V]: ...
    @overload
    def __get__(self, obj: Client, owner: type | None = None) -> _V: ...
    def __get__(self, obj: Client | None, owner: type | None = None) -> _V | _PolicyField[_V]:
        if obj is None:
            return self
        value: _V = getattr(obj._session.policy, self._name)
        return value

    def __set__(self, obj: Client, value: _V) -> None:
        obj._session.replace_policy(**{self._name: value})


class Client:
    """An asyncio client for a Stargate gRPC endpoint (Astra or self-hosted).

        async with aga.Client("127.0.0.1:8090", token="...") as client:
            result = await client.execute("SELECT * FROM ks.t WHERE id = ?", [1])

    `endpoint` is "host:port", a comma-separated list or a sequence of them
    (calls are spread over all; failing ones are ejected and probed back).
    `token` is a str, a `Secret` or a `TokenProvider` (asked lazily before
    calls; a refreshable one is asked to refresh once when the server rejects
    its token). `tls`: None chooses TLS for every non-loopback host;
    True/False force it; a `TLS(...)` gives a custom CA and/or a client
    certificate. A token is never sent in plaintext to a non-loopback host
    unless `allow_plaintext_token=True`. `keyspace` applies to unqualified
    names. `max_in_flight` caps concurrent calls (further callers wait).
    `timeout` is the default deadline per call in seconds (10 s; None for
    none): it covers waiting for a slot, every attempt and every backoff.
    `retry` is the retry policy for idempotent statements.

    The call policy (`timeout`, `retry`, `speculative_delay`, `max_in_flight`,
    `max_request_bytes`) may be changed on a live client: every call that
    starts afterwards runs under the new values, a call under way keeps the
    ones it started with.
    """

    def __init__(
        self,
        endpoint: str | Sequence[str],
        *,
        token: str | Secret | TokenProvider | None = None,
        tls: bool | TLS | None = None,
        keyspace: str | None = None,
        pool_size: int = 2,
        max_in_flight: int = 1024,
        timeout: float | None = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        consistency: Consistency | str | None = None,
        page_size: int | None = None,
        speculative_delay: float | None = None,
        allow_plaintext_token: bool = False,
        max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
        max_response_bytes: int = 256 * 1024 * 1024,
        max_metadata_bytes: int = DEFAULT_MAX_METADATA_BYTES,
        hooks: Hooks | None = None,
    ) -> None:
        endpoints = parse_endpoints(endpoint)
        tokens = _token_provider(token)
        tls_config = _resolve_tls(tls, endpoints)
        if (
            tls_config is None
            and tokens is not None
            and not allow_plaintext_token
            and not all(e.is_loopback for e in endpoints)
        ):
            raise errors.ConfigError(
                "refusing to send a token in plaintext to a non-loopback host; "
                "use TLS or pass allow_plaintext_token=True"
            )
        policy = CallPolicy(
            timeout=timeout,
            retry=retry if retry is not None else RetryPolicy(),
            speculative_delay=speculative_delay,
            max_in_flight=max_in_flight,
            max_request_bytes=max_request_bytes,
        )
        pool = ChannelPool(
            endpoints,
            tls=tls_config,
            options=TransportOptions(
                pool_size=pool_size,
                max_response_bytes=max_response_bytes,
                max_metadata_bytes=max_metadata_bytes,
            ),
        )
        self._session = Session(
            endpoints,
            tokens=tokens,
            tls=tls_config,
            pool=pool,
            policy=policy,
            hooks=hooks if hooks is not None else Hooks(),
        )
        self._defaults = RequestDefaults(keyspace, consistency, page_size)

    # --- construction helpers -----------------------------------------------

    @classmethod
    def for_astra(
        cls, database_id: str, region: str, token: str | Secret | TokenProvider, **kwargs: Any
    ) -> Client:
        """A client for an Astra database (TLS on port 443)."""
        return cls(astra_endpoint(database_id, region), token=token, **kwargs)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **kwargs: Any) -> Client:
        """ASTRA_DB_APPLICATION_TOKEN + ASTRA_DB_ID + ASTRA_DB_REGION, or
        STARGATE_GRPC_ENDPOINT with STARGATE_TOKEN or with the Auth API
        (STARGATE_AUTH_URL, STARGATE_USERNAME, STARGATE_PASSWORD: a
        TableBasedToken the client closes); ASTRA_DB_KEYSPACE sets the
        default keyspace."""
        s = settings_from_env(env)
        kwargs.setdefault("keyspace", s.keyspace)
        if s.auth_api is None:
            return cls(s.endpoint, token=s.token, **kwargs)
        provider = table_based_token(s.auth_api, kwargs.get("allow_plaintext_token", False))
        client = cls(s.endpoint, token=provider, **kwargs)
        client._session.track(provider)  # made here, so closed with the client
        return client

    # --- settings -------------------------------------------------------------

    @property
    def keyspace(self) -> str | None:
        return self._defaults.keyspace

    @property
    def endpoints(self) -> tuple[Endpoint, ...]:
        return self._session.endpoints

    @property
    def in_flight(self) -> int:
        """Calls running now (at most `max_in_flight`)."""
        return self._session.in_flight

    # the live call policy: a call that starts after a change runs under it
    timeout = _PolicyField[float | None](
        "Default deadline per call in seconds (None: no deadline)."
    )
    retry = _PolicyField[RetryPolicy]("The retry policy for idempotent statements.")
    speculative_delay = _PolicyField[float | None](
        "Seconds before an idempotent call is also tried on another endpoint (None: never)."
    )
    max_in_flight = _PolicyField[int]("Concurrent calls at most (further callers wait).")
    max_request_bytes = _PolicyField[int](
        "Largest request in bytes; a larger one is refused unsent."
    )

    @property
    def hooks(self) -> Hooks:
        """Instrumentation hooks; append to their lists (see `hooks.py`)."""
        return self._session.hooks

    @hooks.setter
    def hooks(self, value: Hooks) -> None:
        self._session.hooks = value

    def __repr__(self) -> str:  # never the token
        eps = ",".join(map(str, self.endpoints))
        state = "closed" if self._session.closed else "open"
        return f"<Client {eps} tls={self._session.tls is not None} {state}>"

    # --- calls ------------------------------------------------------------------

    @overload
    async def execute(
        self,
        cql: str,
        params: Params = ...,
        *,
        options: Options | None = ...,
        into: None = None,
        keyspace: str | None = ...,
        consistency: Consistency | str | None = ...,
        serial_consistency: Consistency | str | None = ...,
        page_size: int | None = ...,
        paging_state: bytes | None = ...,
        timestamp: int | None = ...,
        now_in_seconds: int | None = ...,
        tracing: bool = ...,
        timeout: float | None = ...,
        idempotent: bool | None = ...,
    ) -> Result: ...
    @overload
    async def execute(
        self,
        cql: str,
        params: Params = ...,
        *,
        options: Options | None = ...,
        into: type[T],
        keyspace: str | None = ...,
        consistency: Consistency | str | None = ...,
        serial_consistency: Consistency | str | None = ...,
        page_size: int | None = ...,
        paging_state: bytes | None = ...,
        timestamp: int | None = ...,
        now_in_seconds: int | None = ...,
        tracing: bool = ...,
        timeout: float | None = ...,
        idempotent: bool | None = ...,
    ) -> list[T]: ...
    async def execute(
        self,
        cql: str,
        params: Params = None,
        *,
        options: Options | None = None,
        into: type[Any] | None = None,
        keyspace: str | None = None,
        consistency: Consistency | str | None = None,
        serial_consistency: Consistency | str | None = None,
        page_size: int | None = None,
        paging_state: bytes | None = None,
        timestamp: int | None = None,
        now_in_seconds: int | None = None,
        tracing: bool = False,
        timeout: float | None = None,
        idempotent: bool | None = None,
    ) -> Result | list[Any]:
        """Run one statement and return one page of its answer.

        `params` binds `?` markers by position (a sequence) or `:name`
        markers by name (a mapping). `options` (an `Options`) carries the
        statement options; a keyword argument overrides its field.
        `idempotent` allows retries of a write (SELECTs are idempotent by
        default; LWTs never are). With `into=SomeClass` the answer is the
        page's rows as `SomeClass(**row)` (`IntoError` when the class does
        not take the result's columns)."""
        session = self._session
        session.check_open()
        o = call_options(
            options, keyspace=keyspace, consistency=consistency,
            serial_consistency=serial_consistency, page_size=page_size, timestamp=timestamp,
            now_in_seconds=now_in_seconds, tracing=tracing, timeout=timeout, idempotent=idempotent,
        )  # fmt: skip
        query, spec = query_call(self._defaults, "query", cql, params, o, paging_state)
        # a large page is decoded step by step after the call (`finish`)
        try:
            result = await finish(
                await session.unary("query", session.encode(query), spec, result_from_bytes)
            )
        except errors.BindValueError as exc:
            explain_bind_error(exc, params)
            raise
        if into is None:
            return result
        return _rows_into(result.rows, into, [c.name for c in result.columns])

    @property
    def raw(self) -> RawStub:
        """The protocol layer: one async method per Stargate RPC, taking and
        returning `astra_grpc_async.proto` messages, through this client's
        call path (pool, token, in-flight cap, deadline, errors, hooks)."""
        return RawStub(self._session)

    async def ping(self, *, timeout: float | None = None) -> str:
        """One cheap round trip: the coordinator's Cassandra release version
        (from `system.local`). Raises the usual typed errors when the
        endpoint, the token or the coordinator is not right."""
        result = await self.execute(
            "SELECT release_version FROM system.local", timeout=timeout, idempotent=True
        )
        if not result.rows:
            raise errors.ProtocolError("system.local returned no row")
        version = result.rows[0][0]
        if not isinstance(version, str):
            raise errors.ProtocolError(f"system.local release_version is {version!r}")
        return version

    @overload
    def stream(
        self,
        cql: str,
        params: Params = ...,
        *,
        options: Options | None = ...,
        into: None = None,
        page_size: int | None = ...,
        prefetch: int = ...,
        paging_state: bytes | None = ...,
        keyspace: str | None = ...,
        consistency: Consistency | str | None = ...,
        serial_consistency: Consistency | str | None = ...,
        timestamp: int | None = ...,
        now_in_seconds: int | None = ...,
        tracing: bool = ...,
        page_timeout: float | None = ...,
        timeout: float | None = ...,
        idempotent: bool | None = ...,
    ) -> RowStream[Row]: ...
    @overload
    def stream(
        self,
        cql: str,
        params: Params = ...,
        *,
        options: Options | None = ...,
        into: type[T],
        page_size: int | None = ...,
        prefetch: int = ...,
        paging_state: bytes | None = ...,
        keyspace: str | None = ...,
        consistency: Consistency | str | None = ...,
        serial_consistency: Consistency | str | None = ...,
        timestamp: int | None = ...,
        now_in_seconds: int | None = ...,
        tracing: bool = ...,
        page_timeout: float | None = ...,
        timeout: float | None = ...,
        idempotent: bool | None = ...,
    ) -> RowStream[T]: ...
    def stream(
        self,
        cql: str,
        params: Params = None,
        *,
        options: Options | None = None,
        into: type[Any] | None = None,
        page_size: int | None = None,
        prefetch: int = 2,
        paging_state: bytes | None = None,
        keyspace: str | None = None,
        consistency: Consistency | str | None = None,
        serial_consistency: Consistency | str | None = None,
        timestamp: int | None = None,
        now_in_seconds: int | None = None,
        tracing: bool = False,
        page_timeout: float | None = None,
        timeout: float | None = None,
        idempotent: bool | None = None,
    ) -> RowStream[Any]:
        """Every row of a query, page by page, as an async iterator.

        Fetches the next page while the caller reads the current one and
        never holds more than `prefetch` pages. `into=SomeClass` yields
        `SomeClass(**row)` instead of rows. `page_timeout` bounds each page
        request (default: the client's `timeout`), `timeout` (or
        `options.timeout`) the whole stream. Resumes from `paging_state`."""
        session = self._session
        session.check_open()
        o = call_options(
            options, keyspace=keyspace, consistency=consistency,
            serial_consistency=serial_consistency, page_size=page_size, timestamp=timestamp,
            now_in_seconds=now_in_seconds, tracing=tracing, timeout=timeout, idempotent=idempotent,
        )  # fmt: skip
        query, whole = query_call(self._defaults, "page", cql, params, o)
        session.encode(query)  # size and text checked before anything is sent
        total_deadline = None if o.timeout is None else time.monotonic() + o.timeout

        async def fetch(state: bytes | None) -> tuple[Result, bytes | None]:
            # one page request at a time, so the same message is reused
            if state:
                query.parameters.paging_state.value = state
            else:
                query.parameters.ClearField("paging_state")
            per_page = page_timeout
            if total_deadline is not None:
                left = max(total_deadline - time.monotonic(), 1e-6)
                per_page = left if per_page is None else min(per_page, left)
            spec = dataclasses.replace(whole, timeout=per_page)
            # rows decoded by the consumer, a step at a time, when it gets there
            try:
                page = await session.unary("query", session.encode(query), spec, page_from_bytes)
            except errors.BindValueError as exc:
                explain_bind_error(exc, params)
                raise
            return page, page.paging_state

        def decode(page: Result) -> Iterable[list[Any]]:
            if into is None:
                return page_steps(page)
            return _steps_into(page, into)

        rows: RowStream[Any] = RowStream(
            fetch, decode, prefetch=prefetch, paging_state=paging_state
        )
        session.track(rows)
        return rows

    async def batch(
        self,
        statements: Iterable[str | tuple[str, Params]],
        *,
        options: Options | None = None,
        kind: BatchKind = BatchKind.LOGGED,
        keyspace: str | None = None,
        consistency: Consistency | str | None = None,
        serial_consistency: Consistency | str | None = None,
        timestamp: int | None = None,
        tracing: bool = False,
        timeout: float | None = None,
        idempotent: bool | None = None,
    ) -> Result:
        """Run statements as one batch (ExecuteBatch). Each item is a CQL
        string or a (cql, params) pair. A conditional batch answers with
        `applied` and, when not applied, the current row."""
        session = self._session
        session.check_open()
        o = call_options(
            options, keyspace=keyspace, consistency=consistency,
            serial_consistency=serial_consistency, timestamp=timestamp, tracing=tracing,
            timeout=timeout, idempotent=idempotent,
        )  # fmt: skip
        batch, spec = batch_call(self._defaults, "batch", statements, kind, o)
        return await finish(
            await session.unary("batch", session.encode(batch), spec, result_from_bytes)
        )

    @overload
    async def execute_many(
        self,
        cql: str,
        seq_of_params: Iterable[Params],
        *,
        options: Options | None = ...,
        concurrency: int = ...,
        raise_on_error: Literal[True] = ...,
        **kwargs: Any,
    ) -> list[Result]: ...
    @overload
    async def execute_many(
        self,
        cql: str,
        seq_of_params: Iterable[Params],
        *,
        options: Options | None = ...,
        concurrency: int = ...,
        raise_on_error: Literal[False],
        **kwargs: Any,
    ) -> list[Result | errors.AgaError]: ...
    async def execute_many(
        self,
        cql: str,
        seq_of_params: Iterable[Params],
        *,
        options: Options | None = None,
        concurrency: int = 64,
        raise_on_error: bool = True,
        **kwargs: Any,
    ) -> list[Result] | list[Result | errors.AgaError]:
        """Run one statement once per parameter set, `concurrency` at a time
        (`options` and the keyword arguments as for `execute`).

        Every item is attempted. Returns the Results in input order; when
        some failed, raises BulkError whose `outcomes` holds each item's
        Result or exception (or, with raise_on_error=False, returns that
        list)."""
        if concurrency < 1:
            raise errors.ClientError("concurrency must be at least 1")
        if "into" in kwargs:
            raise errors.ClientError("execute_many returns Results: into= is for execute/stream")
        items = list(seq_of_params)
        outcomes: list[Result | errors.AgaError] = [_NOT_RUN] * len(items)
        next_index = 0

        async def worker() -> None:
            nonlocal next_index
            while next_index < len(items):
                i = next_index
                next_index += 1
                try:
                    outcomes[i] = await self.execute(cql, items[i], options=options, **kwargs)
                except errors.AgaError as exc:
                    outcomes[i] = exc

        workers = [asyncio.ensure_future(worker()) for _ in range(min(concurrency, len(items)))]
        try:
            await asyncio.gather(*workers)
        finally:
            for w in workers:
                w.cancel()
            if workers:
                await asyncio.shield(asyncio.wait(workers))
        if any(isinstance(o, BaseException) for o in outcomes):
            if raise_on_error:
                raise errors.BulkError(outcomes)
            return outcomes
        return [o for o in outcomes if isinstance(o, Result)]

    def pipeline(self, *, width: int = 4, batches: bool = False) -> Pipeline:
        """Statements over long-lived bidirectional streams (ExecuteQueryStream,
        or ExecuteBatchStream with batches=True). The protocol answers in
        completion order with no correlation id, so each of the `width`
        streams carries one request at a time; concurrent `execute()` calls
        share the streams. Each statement runs under the client's policy
        (deadline, in-flight cap, token refresh, hooks)."""
        session = self._session
        session.check_open()
        pipe = Pipeline(session, self._defaults, width=width, batches=batches)
        session.track(pipe, strong=True)
        return pipe

    # --- lifecycle ------------------------------------------------------------

    async def aclose(self, grace: float | None = 5.0) -> None:
        """Drain and close (idempotent): new calls fail at once with
        ClientClosedError, and so do callers still waiting for a slot; calls
        in flight get up to `grace` seconds to finish, then the rest are
        cancelled; open streams and pipelines close; every channel closes.
        Shielded: cancelling the closer does not leave channels open."""
        session = self._session
        if session.closed and not session.pool.channels:
            return
        await asyncio.shield(session.aclose(grace))

    async def terminate(self) -> None:
        """Close now: calls in flight are cancelled (ConnectionLostError)."""
        await asyncio.shield(self._session.aclose(None))

    async def __aenter__(self) -> Client:
        self._session.check_open()
        self._session.pool.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __del__(self, _warn: Any = warnings.warn) -> None:
        # like an unclosed file: say so, since grpc channels hold sockets and a thread
        session = getattr(self, "_session", None)
        if session is not None and not session.closed and session.pool.channels:
            _warn(f"unclosed {self!r}: use `async with` or aclose()", ResourceWarning, stacklevel=1)

    def endpoint_states(self) -> dict[str, bool]:
        """endpoint -> accepted (False while ejected after repeated failures)."""
        return self._session.pool.endpoint_states()


def _rows_into(rows: Iterable[Row], into: type[T], columns: list[str]) -> list[T]:
    try:
        return [into(**row.as_dict()) for row in rows]
    except TypeError as exc:
        raise _into_error(into, columns, exc) from None


def _into_error(into: type[Any], columns: list[str], exc: TypeError) -> errors.IntoError:
    name = getattr(into, "__qualname__", repr(into))
    return errors.IntoError(
        f"{name} does not take the result's columns ({', '.join(columns)}): {exc}"
    )


def _steps_into(page: Result, into: type[T]) -> Iterator[list[T]]:
    columns = [c.name for c in page.columns]
    try:
        yield from page_steps(page, into)
    except TypeError as exc:
        raise _into_error(into, columns, exc) from None


# an outcome slot before its item ran (every slot is filled before anyone reads it)
_NOT_RUN: Any = None


def _token_provider(token: str | Secret | TokenProvider | None) -> TokenProvider | None:
    if token is None:
        return None
    if isinstance(token, str):
        check_token_text(token)
        return StaticToken(token)
    if isinstance(token, Secret):
        check_token_text(token.reveal())
        return StaticToken(token)
    if isinstance(token, TokenProvider):
        return token
    raise errors.ConfigError(
        f"token must be a str, a Secret or a TokenProvider, not {type(token).__name__}"
    )


def _resolve_tls(tls: bool | TLS | None, endpoints: Sequence[Endpoint]) -> TLS | None:
    if isinstance(tls, TLS):
        return tls
    if tls is None:
        tls = not all(e.is_loopback for e in endpoints)
    return TLS() if tls else None
