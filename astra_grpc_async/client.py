"""`Client`: execute, stream, batch, execute_many, pipeline."""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar, overload

from . import errors
from ._calls import CallRunner
from ._paging import RowStream
from ._pipeline import Pipeline
from ._proto.stargate import query_pb2
from ._request import RequestDefaults, build_batch, build_query
from ._responses import page_from_bytes, result_from_bytes
from ._transport import ChannelPool, TransportOptions
from .codec import RowsDecoder
from .config import TLS, Endpoint, Secret, astra_endpoint, parse_endpoints, settings_from_env
from .hooks import Hooks
from .options import BatchKind, Consistency, RetryPolicy, is_idempotent
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
        self.max_in_flight = max_in_flight
        self.timeout = timeout
        self.retry = retry if retry is not None else RetryPolicy()
        self.speculative_delay = speculative_delay
        self.max_request_bytes = max_request_bytes
        self.hooks = hooks if hooks is not None else Hooks()
        self._defaults = RequestDefaults(keyspace, consistency, page_size)
        self._closed = False
        self._calls = CallRunner(self, self._pool, max_in_flight)

    @property
    def in_flight(self) -> int:
        """Calls running now (at most `max_in_flight`)."""
        return self._calls.in_flight

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
        raw = await self._calls.run(
            "query",
            query,
            timeout=timeout,
            idempotent=is_idempotent(cql, idempotent),
            kind="query",
            statement=cql,
            keyspace=query.parameters.keyspace.value or None,
        )
        return result_from_bytes(raw)

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

        async def fetch(state: bytes | None) -> tuple[Any, bytes | None]:
            # one page request at a time, so the same message is reused
            if state:
                query.parameters.paging_state.value = state
            else:
                query.parameters.ClearField("paging_state")
            per_page = page_timeout if page_timeout is not None else self.timeout
            if total_deadline is not None:
                left = total_deadline - time.monotonic()
                per_page = left if per_page is None else min(per_page, left)
            raw = await self._calls.run(
                "query",
                query,
                timeout=per_page,
                idempotent=idem,
                kind="page",
                statement=cql,
                keyspace=page_keyspace,
            )
            page = page_from_bytes(raw)  # decoded by the consumer, when it gets there
            rs = page[1]
            next_state = rs.paging_state.value if rs.HasField("paging_state") else None
            return page, next_state or None

        def decode(page: tuple[RowsDecoder, query_pb2.ResultSet]) -> list[Any]:
            decoder, rs = page
            if into is not None:
                return decoder.decode_into(rs.rows, into)
            return decoder.decode(rs.rows)

        return RowStream(fetch, decode, prefetch=prefetch, paging_state=paging_state)

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
        idem = bool(idempotent) and all(is_idempotent(q.cql, True) for q in batch.queries)
        raw = await self._calls.run(
            "batch",
            batch,
            timeout=timeout,
            idempotent=idem,
            kind="batch",
            statement="; ".join(q.cql for q in batch.queries),
            keyspace=batch.parameters.keyspace.value or None,
        )
        return result_from_bytes(raw)

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

    def __del__(self, _warn: Any = warnings.warn) -> None:
        # like an unclosed file: say so, since grpc channels hold sockets and a thread
        if not getattr(self, "_closed", True) and self._pool.channels:
            _warn(f"unclosed {self!r}: use `async with` or aclose()", ResourceWarning, stacklevel=1)

    def endpoint_states(self) -> dict[str, bool]:
        """endpoint -> accepted (False while ejected after repeated failures)."""
        return self._pool.endpoint_states()


def _resolve_tls(tls: bool | TLS | None, endpoints: Sequence[Endpoint]) -> TLS | None:
    if isinstance(tls, TLS):
        return tls
    if tls is None:
        tls = not all(e.is_loopback for e in endpoints)
    return TLS() if tls else None
