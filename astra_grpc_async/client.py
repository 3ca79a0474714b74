"""`Client`: execute, stream, batch, execute_many, pipeline."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar, overload

from . import errors
from ._paging import RowStream
from ._pipeline import Pipeline
from ._proto.stargate import query_pb2
from ._request import RequestDefaults, build_batch, build_query
from ._responses import result_from_response
from ._transport import AioRpcError, ChannelPool, PooledChannel, TransportOptions, map_rpc_error
from .config import TLS, Endpoint, Secret, astra_endpoint, parse_endpoints, settings_from_env
from .hooks import CallInfo, Hooks
from .options import NO_RETRY, BatchKind, Consistency, RetryPolicy, is_idempotent
from .result import Result

log = logging.getLogger("astra_grpc_async.client")

T = TypeVar("T")
Params = Sequence[Any] | Mapping[str, Any] | None
_Msg = TypeVar("_Msg", query_pb2.Query, query_pb2.Batch)

DEFAULT_MAX_REQUEST_BYTES = 4 * 1024 * 1024


class Client:
    """An asyncio client for a Stargate gRPC endpoint (Astra or self-hosted).

        async with aga.Client("127.0.0.1:8090", token="...") as client:
            result = await client.execute("SELECT * FROM ks.t WHERE id = ?", [1])

    `endpoint` is "host:port", a comma-separated list or a sequence of them
    (calls are spread over all; failing ones are ejected and probed back).
    `tls`: None chooses TLS for every non-loopback host; True/False force it;
    a `TLS(...)` gives a custom CA and/or a client certificate. A token is
    never sent in plaintext to a non-loopback host unless
    `allow_plaintext_token=True`. `keyspace` applies to unqualified names.
    `max_in_flight` caps concurrent calls (further callers wait).
    `timeout` is the default deadline per call in seconds (all retries
    included); `retry` the retry policy for idempotent statements.
    """

    def __init__(
        self,
        endpoint: str | Sequence[str],
        *,
        token: str | None = None,
        tls: bool | TLS | None = None,
        keyspace: str | None = None,
        pool_size: int = 2,
        max_in_flight: int = 1024,
        timeout: float | None = None,
        retry: RetryPolicy | None = None,
        consistency: Consistency | str | None = None,
        page_size: int | None = None,
        speculative_delay: float | None = None,
        allow_plaintext_token: bool = False,
        max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
        max_response_bytes: int = 256 * 1024 * 1024,
        hooks: Hooks | None = None,
    ) -> None:
        self._endpoints: tuple[Endpoint, ...] = parse_endpoints(endpoint)
        self._token = Secret(token) if token is not None else None
        tls_config = _resolve_tls(tls, self._endpoints)
        if (
            tls_config is None
            and self._token is not None
            and not allow_plaintext_token
            and not all(e.is_loopback for e in self._endpoints)
        ):
            raise errors.ConfigError(
                "refusing to send a token in plaintext to a non-loopback host; "
                "use TLS or pass allow_plaintext_token=True"
            )
        if max_in_flight < 1:
            raise errors.ConfigError("max_in_flight must be at least 1")
        self._tls = tls_config
        self._pool = ChannelPool(
            self._endpoints,
            token=self._token,
            tls=tls_config,
            options=TransportOptions(pool_size=pool_size, max_response_bytes=max_response_bytes),
        )
        self._limit = asyncio.Semaphore(max_in_flight)  # bound lazily to the running loop
        self.max_in_flight = max_in_flight
        self.timeout = timeout
        self.retry = retry if retry is not None else RetryPolicy()
        self.speculative_delay = speculative_delay
        self.max_request_bytes = max_request_bytes
        self.hooks = hooks if hooks is not None else Hooks()
        self._defaults = RequestDefaults(keyspace, consistency, page_size)
        self._closed = False
        self.in_flight = 0

    # --- construction helpers -----------------------------------------------

    @classmethod
    def for_astra(cls, database_id: str, region: str, token: str, **kwargs: Any) -> Client:
        """A client for an Astra database (TLS on port 443)."""
        return cls(astra_endpoint(database_id, region), token=token, **kwargs)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **kwargs: Any) -> Client:
        """ASTRA_DB_APPLICATION_TOKEN + ASTRA_DB_ID + ASTRA_DB_REGION, or
        STARGATE_GRPC_ENDPOINT (+ STARGATE_TOKEN); ASTRA_DB_KEYSPACE sets the
        default keyspace."""
        s = settings_from_env(env)
        kwargs.setdefault("keyspace", s.keyspace)
        return cls(s.endpoint, token=s.token, **kwargs)

    @property
    def keyspace(self) -> str | None:
        return self._defaults.keyspace

    @property
    def endpoints(self) -> tuple[Endpoint, ...]:
        return self._endpoints

    def __repr__(self) -> str:  # never the token
        eps = ",".join(map(str, self._endpoints))
        state = "closed" if self._closed else "open"
        return f"<Client {eps} tls={self._tls is not None} {state}>"

    # --- the call path ------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise errors.ClientClosedError("the client is closed")

    def _check_size(self, message: query_pb2.Query | query_pb2.Batch) -> None:
        size = message.ByteSize()
        if size > self.max_request_bytes:
            raise errors.RequestTooLargeError(
                f"request is {size} bytes, over max_request_bytes={self.max_request_bytes}"
            )

    async def _attempt(
        self,
        pick: Callable[[], PooledChannel],
        call: Callable[[PooledChannel, float | None], Awaitable[query_pb2.Response]],
        remaining: float | None,
    ) -> query_pb2.Response:
        ch = pick()
        async with self._limit:
            ch.in_flight += 1
            self.in_flight += 1
            try:
                response = await call(ch, remaining)
            except AioRpcError as exc:
                err = map_rpc_error(exc)
                lost = isinstance(err, errors.ConnectionLostError)
                self._pool.report(ch, transport_failure=lost)
                if lost:
                    err.endpoint = ch.endpoint  # type: ignore[attr-defined]  # for failover
                raise err from exc
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if task is not None and task.cancelling() == 0:
                    # not our caller's cancellation: grpc cancels calls of a closed channel
                    raise errors.ConnectionLostError(
                        "the call was cancelled because the client closed", code="CANCELLED"
                    ) from None
                raise
            finally:
                ch.in_flight -= 1
                self.in_flight -= 1
        if response is None:  # grpc's answer when the bytes do not parse (it logs the error)
            raise errors.ProtocolError("the server sent bytes that are not a stargate.Response")
        if ch.health.consecutive_failures:
            self._pool.report(ch, transport_failure=False)
        return response

    async def _invoke(
        self,
        call: Callable[[PooledChannel, float | None], Awaitable[query_pb2.Response]],
        *,
        timeout: float | None,
        idempotent: bool,
        kind: str,
        statement: str,
        keyspace: str | None,
    ) -> query_pb2.Response:
        """One call with its hooks: every outcome, cancellation included,
        reaches `on_response` (so a span is always ended)."""
        self._check_open()
        hooks = self.hooks
        if not hooks.active:  # the common case pays nothing for instrumentation
            return await self._attempts(call, timeout, idempotent, None)
        info = CallInfo(kind, statement, keyspace)
        hooks.request(info)
        started = time.perf_counter()
        try:
            response = await self._attempts(call, timeout, idempotent, info)
        except BaseException as exc:
            hooks.response(info, None, exc, time.perf_counter() - started)
            raise
        hooks.response(info, response, None, time.perf_counter() - started)
        return response

    async def _attempts(
        self,
        call: Callable[[PooledChannel, float | None], Awaitable[query_pb2.Response]],
        timeout: float | None,
        idempotent: bool,
        info: CallInfo | None,
    ) -> query_pb2.Response:
        """Deadline, retries, failover and speculative execution around one call."""
        budget = self.timeout if timeout is None else timeout
        deadline = None if budget is None else time.monotonic() + budget
        policy = self.retry if idempotent else NO_RETRY
        attempt = 0
        avoid: Endpoint | None = None
        while True:
            attempt += 1
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise errors.ClientDeadlineError(
                    f"deadline of {budget}s expired after {attempt - 1} attempt(s)",
                    code="DEADLINE_EXCEEDED",
                )
            pick = self._pool.pick if avoid is None else _other(self._pool, avoid)
            try:
                if idempotent and self.speculative_delay is not None:
                    return await self._speculate(call, remaining)
                return await self._attempt(pick, call, remaining)
            except errors.AgaError as exc:
                if not policy.should_retry(exc, attempt, idempotent):
                    raise
                delay = policy.delay(exc, attempt)
                if deadline is not None:
                    delay = min(delay, max(0.0, deadline - time.monotonic()))
                if info is not None:
                    self.hooks.retry(info, exc, attempt)
                log.debug(
                    "retrying after %s (attempt %d, %.3fs)", type(exc).__name__, attempt, delay
                )
                if len(self._endpoints) > 1:
                    avoid = getattr(exc, "endpoint", None)
                await asyncio.sleep(delay)

    async def _speculate(
        self,
        call: Callable[[PooledChannel, float | None], Awaitable[query_pb2.Response]],
        remaining: float | None,
    ) -> query_pb2.Response:
        """Send a second attempt elsewhere when the first is slow; first answer wins."""
        assert self.speculative_delay is not None
        first = asyncio.ensure_future(self._attempt(self._pool.pick, call, remaining))
        done, _ = await asyncio.wait([first], timeout=self.speculative_delay)
        if done:
            return first.result()
        endpoint = self._pool.pick().endpoint
        second = asyncio.ensure_future(self._attempt(_other(self._pool, endpoint), call, remaining))
        tasks = {first, second}
        try:
            while tasks:
                done, tasks = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    if task.exception() is None:
                        return task.result()
            return first.result()  # both failed: raise the first one's error
        finally:
            for task in (first, second):
                task.cancel()
            await asyncio.wait([first, second])

    # --- public API ----------------------------------------------------------

    async def execute(
        self,
        cql: str,
        params: Params = None,
        *,
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
    ) -> Result:
        """Run one statement and return one page of its answer.

        `params` binds `?` markers by position (a sequence) or `:name`
        markers by name (a mapping). `idempotent` allows retries of a write
        (SELECTs are idempotent by default; LWTs never are)."""
        query = build_query(
            self._defaults, cql, params,
            keyspace=keyspace, consistency=consistency, serial_consistency=serial_consistency,
            page_size=page_size, paging_state=paging_state, timestamp=timestamp,
            now_in_seconds=now_in_seconds, tracing=tracing,
        )  # fmt: skip
        self._check_size(query)
        metadata = self._pool.metadata

        def call(ch: PooledChannel, remaining: float | None) -> Awaitable[query_pb2.Response]:
            return ch.query(query, metadata=metadata, timeout=remaining)  # type: ignore[no-any-return]

        response = await self._invoke(
            call,
            timeout=timeout,
            idempotent=is_idempotent(cql, idempotent),
            kind="query",
            statement=cql,
            keyspace=query.parameters.keyspace.value or None,
        )
        return result_from_response(response)

    @overload
    def stream(
        self,
        cql: str,
        params: Params = ...,
        *,
        into: None = None,
        page_size: int | None = ...,
        prefetch: int = ...,
        paging_state: bytes | None = ...,
        keyspace: str | None = ...,
        consistency: Consistency | str | None = ...,
        page_timeout: float | None = ...,
        timeout: float | None = ...,
        idempotent: bool | None = ...,
    ) -> RowStream[Any]: ...
    @overload
    def stream(
        self,
        cql: str,
        params: Params = ...,
        *,
        into: type[T],
        page_size: int | None = ...,
        prefetch: int = ...,
        paging_state: bytes | None = ...,
        keyspace: str | None = ...,
        consistency: Consistency | str | None = ...,
        page_timeout: float | None = ...,
        timeout: float | None = ...,
        idempotent: bool | None = ...,
    ) -> RowStream[T]: ...
    def stream(
        self,
        cql: str,
        params: Params = None,
        *,
        into: type[Any] | None = None,
        page_size: int | None = None,
        prefetch: int = 2,
        paging_state: bytes | None = None,
        keyspace: str | None = None,
        consistency: Consistency | str | None = None,
        page_timeout: float | None = None,
        timeout: float | None = None,
        idempotent: bool | None = None,
    ) -> RowStream[Any]:
        """Every row of a query, page by page, as an async iterator.

        Fetches the next page while the caller reads the current one and
        never holds more than `prefetch` pages. `into=SomeClass` yields
        `SomeClass(**row)` instead of rows. `page_timeout` bounds each page
        request, `timeout` the whole stream. Resumes from `paging_state`."""
        query = build_query(
            self._defaults, cql, params,
            keyspace=keyspace, consistency=consistency, page_size=page_size,
        )  # fmt: skip
        self._check_size(query)
        idem = is_idempotent(cql, idempotent)
        page_keyspace = query.parameters.keyspace.value or None
        total_deadline = None if timeout is None else time.monotonic() + timeout
        metadata = self._pool.metadata
        from .codec import build_decoder

        async def fetch(state: bytes | None) -> tuple[list[Any], bytes | None]:
            if state:
                query.parameters.paging_state.value = state
            else:
                query.parameters.ClearField("paging_state")
            per_page = page_timeout if page_timeout is not None else self.timeout
            if total_deadline is not None:
                left = total_deadline - time.monotonic()
                per_page = left if per_page is None else min(per_page, left)
            request = query_pb2.Query()
            request.CopyFrom(query)

            def call(ch: PooledChannel, remaining: float | None) -> Awaitable[query_pb2.Response]:
                return ch.query(request, metadata=metadata, timeout=remaining)  # type: ignore[no-any-return]

            response = await self._invoke(
                call,
                timeout=per_page,
                idempotent=idem,
                kind="page",
                statement=cql,
                keyspace=page_keyspace,
            )
            if response.WhichOneof("result") != "result_set":
                raise errors.ProtocolError("stream() needs a statement that returns rows")
            rs = response.result_set
            decoder = build_decoder(rs.columns)
            rows = (
                decoder.decode_into(rs.rows, into) if into is not None else decoder.decode(rs.rows)
            )
            next_state = rs.paging_state.value if rs.HasField("paging_state") else None
            return rows, next_state or None

        return RowStream(fetch, prefetch=prefetch, paging_state=paging_state)

    async def batch(
        self,
        statements: Iterable[str | tuple[str, Params]],
        *,
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
        batch = build_batch(
            self._defaults, statements, kind=kind, keyspace=keyspace, consistency=consistency,
            serial_consistency=serial_consistency, timestamp=timestamp, tracing=tracing,
        )  # fmt: skip
        self._check_size(batch)
        metadata = self._pool.metadata

        def call(ch: PooledChannel, remaining: float | None) -> Awaitable[query_pb2.Response]:
            return ch.batch(batch, metadata=metadata, timeout=remaining)  # type: ignore[no-any-return]

        idem = bool(idempotent) and all(is_idempotent(q.cql, True) for q in batch.queries)
        response = await self._invoke(
            call,
            timeout=timeout,
            idempotent=idem,
            kind="batch",
            statement="; ".join(q.cql for q in batch.queries),
            keyspace=batch.parameters.keyspace.value or None,
        )
        return result_from_response(response)

    async def execute_many(
        self,
        cql: str,
        seq_of_params: Iterable[Params],
        *,
        concurrency: int = 64,
        raise_on_error: bool = True,
        **kwargs: Any,
    ) -> list[Any]:
        """Run one statement once per parameter set, `concurrency` at a time.

        Every item is attempted. Returns the Results in input order; when
        some failed, raises BulkError whose `outcomes` holds each item's
        Result or exception (or, with raise_on_error=False, returns that
        list)."""
        if concurrency < 1:
            raise errors.ClientError("concurrency must be at least 1")
        items = list(seq_of_params)
        outcomes: list[Any] = [None] * len(items)
        next_index = 0

        async def worker() -> None:
            nonlocal next_index
            while next_index < len(items):
                i = next_index
                next_index += 1
                try:
                    outcomes[i] = await self.execute(cql, items[i], **kwargs)
                except errors.AgaError as exc:
                    outcomes[i] = exc

        workers = [asyncio.ensure_future(worker()) for _ in range(min(concurrency, len(items)))]
        try:
            await asyncio.gather(*workers)
        finally:
            for w in workers:
                w.cancel()
        if raise_on_error and any(isinstance(o, BaseException) for o in outcomes):
            raise errors.BulkError(outcomes)
        return outcomes

    def pipeline(self, *, width: int = 4, batches: bool = False) -> Pipeline:
        """Statements over long-lived bidirectional streams (ExecuteQueryStream,
        or ExecuteBatchStream with batches=True). The protocol answers in
        completion order with no correlation id, so each of the `width`
        streams carries one request at a time; concurrent `execute()` calls
        share the streams."""
        self._check_open()
        return Pipeline(self, self._pool, self._defaults, width=width, batches=batches)

    # --- lifecycle ------------------------------------------------------------

    async def aclose(self, grace: float | None = 5.0) -> None:
        """Drain and close (idempotent): new calls fail at once with
        ClientClosedError, calls in flight get up to `grace` seconds to
        finish, then the rest are cancelled and every channel closes.
        Shielded: cancelling the closer does not leave channels open."""
        if self._closed:
            return
        self._closed = True
        await self._pool.aclose(grace)

    async def terminate(self) -> None:
        """Close now: calls in flight are cancelled (ConnectionLostError)."""
        self._closed = True
        await self._pool.aclose(None)

    async def __aenter__(self) -> Client:
        self._check_open()
        self._pool.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def endpoint_states(self) -> dict[str, bool]:
        """endpoint -> accepted (False while ejected after repeated failures)."""
        return self._pool.endpoint_states()


def _other(pool: ChannelPool, avoid: Endpoint) -> Callable[[], PooledChannel]:
    return lambda: pool.pick_other(avoid)


def _resolve_tls(tls: bool | TLS | None, endpoints: Sequence[Endpoint]) -> TLS | None:
    if isinstance(tls, TLS):
        return tls
    if tls is None:
        tls = not all(e.is_loopback for e in endpoints)
    return TLS() if tls else None
