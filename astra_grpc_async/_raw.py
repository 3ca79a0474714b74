"""`client.raw`: the Stargate service as an async stub over the typed
protocol layer (`astra_grpc_async.proto`), one method per RPC.

    response = await client.raw.execute_query(proto.Query(cql="SELECT ...", values=...))
    result = Result.from_proto(response)            # the same rows `execute` gives

It is a facade over the client's session like `execute`: the pool, the token
(provider), the in-flight cap, the deadline (from the call's start, covering
queueing and every attempt), the error boundary (the same typed errors as
`execute`) and the hooks (`on_response` gets the answer as a `Result`, its
rows decoded only if a hook reads them). Retries happen only with
`idempotent=True`: the stub cannot tell a read from a write.

Serialization is direct: a dataclass becomes its wire bytes (`bytes(message)`)
and the answer's bytes become a dataclass (`proto.Response.parse`), with no
detour through the upb messages the driver uses on its own hot path.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterable, AsyncIterator, Iterable
from typing import Generic, TypeVar

import betterproto2

from . import errors, proto
from ._errormap import error_from_stream_status
from ._responses import deferred_result
from ._session import CallSpec, Session
from ._transport import StreamCall
from .hooks import CallInfo
from .result import Result

__all__ = ["RawStream", "RawStub"]

Req = TypeVar("Req", proto.Query, proto.Batch)


def _encode(session: Session, message: betterproto2.Message) -> bytes:
    """The message's bytes, within the client's `max_request_bytes`."""
    try:
        payload = bytes(message)
    except UnicodeEncodeError as exc:  # a lone surrogate in a str field
        raise errors.ClientError(
            f"the request holds text that is not valid Unicode: {exc}"
        ) from None
    except (TypeError, ValueError, AttributeError) as exc:
        raise errors.ClientError(f"the request cannot be serialized: {exc}") from None
    limit = session.policy.max_request_bytes
    if len(payload) > limit:
        raise errors.RequestTooLargeError(
            f"request is {len(payload)} bytes, over max_request_bytes={limit}"
        )
    return payload


def _parse_response(raw: bytes) -> proto.Response:
    try:
        return proto.Response.parse(raw)
    except Exception as exc:  # betterproto2 raises assorted errors on bad bytes
        raise errors.ProtocolError(
            f"the server sent bytes that are not a Response: {exc}"
        ) from None


def _keyspace(parameters: proto.QueryParameters | proto.BatchParameters | None) -> str | None:
    return (parameters.keyspace or None) if parameters is not None else None


def _statement(request: proto.Query | proto.Batch) -> str:
    if isinstance(request, proto.Batch):
        return "; ".join(q.cql for q in request.queries)
    return request.cql


class RawStub:
    """The four Stargate RPCs on typed messages; see the module docstring."""

    __slots__ = ("_session",)

    def __init__(self, session: Session) -> None:
        self._session = session

    async def _unary(
        self,
        method: str,
        request: proto.Query | proto.Batch,
        kind: str,
        timeout: float | None,
        idempotent: bool,
    ) -> proto.Response:
        session = self._session
        session.check_open()
        payload = _encode(session, request)
        spec = CallSpec(
            kind, _statement(request), _keyspace(request.parameters), idempotent, timeout
        )
        if not session.hooks.active:
            raw = await session.unary(method, payload, spec, bytes)
            return _parse_response(raw)
        answer: list[bytes] = []

        def for_hooks(raw: bytes) -> Result:
            answer.append(raw)
            return deferred_result(raw)

        await session.unary(method, payload, spec, for_hooks)
        return _parse_response(answer[0])

    async def execute_query(
        self, request: proto.Query, *, timeout: float | None = None, idempotent: bool = False
    ) -> proto.Response:
        """ExecuteQuery. `timeout`: the deadline in seconds (default: the
        client's); `idempotent=True` allows retries under the client's policy."""
        return await self._unary("query", request, "query", timeout, idempotent)

    async def execute_batch(
        self, request: proto.Batch, *, timeout: float | None = None, idempotent: bool = False
    ) -> proto.Response:
        """ExecuteBatch, as `execute_query`."""
        return await self._unary("batch", request, "batch", timeout, idempotent)

    def execute_query_stream(
        self,
        requests: AsyncIterable[proto.Query] | Iterable[proto.Query],
        *,
        timeout: float | None = None,
    ) -> RawStream[proto.Query]:
        """ExecuteQueryStream: sends `requests` as they come and yields the
        server's items (a `response` or an in-stream error `status` each; see
        `RawStub.unwrap`) in the order they complete. `timeout` bounds the
        whole stream (default: the client's timeout; None on a client without
        one). Use it as `async with` or iterate it to the end."""
        return RawStream(self._session, requests, batches=False, timeout=timeout)

    def execute_batch_stream(
        self,
        requests: AsyncIterable[proto.Batch] | Iterable[proto.Batch],
        *,
        timeout: float | None = None,
    ) -> RawStream[proto.Batch]:
        """ExecuteBatchStream, as `execute_query_stream`."""
        return RawStream(self._session, requests, batches=True, timeout=timeout)

    @staticmethod
    def unwrap(item: proto.StreamingResponse) -> proto.Response:
        """A stream item's Response; an in-stream error status raises the same
        typed error `execute` would (e.g. InvalidQueryError)."""
        if item.response is not None:
            return item.response
        if item.status is not None:
            raise error_from_stream_status(item.status.code, item.status.message)
        raise errors.ProtocolError("the server sent a stream item with no response or status")


class RawStream(Generic[Req]):
    """An async iterator of `proto.StreamingResponse` over one bidirectional
    call, and an async context manager. Leaving early (`break`, an error,
    cancellation, `aclose()`) cancels the call; the in-flight slot it holds
    is given back once it ends."""

    def __init__(
        self,
        session: Session,
        requests: AsyncIterable[Req] | Iterable[Req],
        *,
        batches: bool,
        timeout: float | None,
    ) -> None:
        self._session = session
        self._requests: AsyncIterable[Req] | Iterable[Req] = requests
        self._batches = batches
        budget = session.policy.timeout if timeout is None else timeout
        self._budget = budget
        self._deadline: float | None = None  # loop time, set when the stream opens
        self._call: StreamCall | None = None
        self._writer: asyncio.Task[None] | None = None
        self._write_error: BaseException | None = None
        self._slot = False
        self._started = False
        self._done = False
        self._info: CallInfo | None = None
        self._began = 0.0

    # --- opening -------------------------------------------------------------

    async def _open(self) -> None:
        session = self._session
        session.check_open()
        self._started = True
        loop = asyncio.get_running_loop()
        if self._budget is not None:
            self._deadline = loop.time() + self._budget
        if session.hooks.active:
            statement = "stream of batches" if self._batches else "stream of queries"
            self._info = CallInfo("stream", statement, None)
            session.hooks.request(self._info)
            self._began = time.perf_counter()
        session.track(self)
        async with self._bounded():
            credentials = await session.credentials()
            slots = session.slots
            if not slots.try_acquire():
                await slots.acquire()
            self._slot = True
        self._call = call = session.open_stream(credentials, batches=self._batches)
        self._writer = loop.create_task(self._write_all(call))

    async def _write_all(self, call: StreamCall) -> None:
        try:
            if isinstance(self._requests, AsyncIterable):
                async for request in self._requests:
                    await call.write(_encode(self._session, request))
            else:
                for request in self._requests:
                    await call.write(_encode(self._session, request))
            await call.done_writing()
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # the reader raises it, and the call ends
            self._write_error = exc
            call.cancel()

    @contextlib.asynccontextmanager
    async def _bounded(self) -> AsyncIterator[None]:
        deadline = self._deadline
        if deadline is None:
            yield
            return
        scope = asyncio.timeout_at(deadline)
        try:
            async with scope:
                yield
        except TimeoutError:
            if not scope.expired():
                raise
            raise errors.ClientDeadlineError(
                f"deadline of {self._budget}s expired", code="DEADLINE_EXCEEDED"
            ) from None

    # --- iterating ------------------------------------------------------------

    def __aiter__(self) -> RawStream[Req]:
        return self

    async def __anext__(self) -> proto.StreamingResponse:
        if self._done:
            raise StopAsyncIteration
        try:
            if not self._started:
                await self._open()
            call = self._call
            assert call is not None
            async with self._bounded():
                item = await call.read()
        except BaseException as exc:
            error = self._write_error if self._write_error is not None else exc
            if not isinstance(exc, asyncio.CancelledError) and error is not exc:
                await self._finish(error)
                raise error from None
            await self._finish(exc)
            raise
        if item is None:
            if self._write_error is not None:
                error = self._write_error
                await self._finish(error)
                raise error
            await self._finish(None)
            raise StopAsyncIteration
        try:
            return proto.StreamingResponse.parse(item)
        except Exception as exc:
            error = errors.ProtocolError(
                f"the server sent a stream item that does not parse: {exc}"
            )
            await self._finish(error)
            raise error from None

    # --- ending ----------------------------------------------------------------

    async def _finish(self, error: BaseException | None) -> None:
        """End the call, the writer and the slot (once; shielded from cancellation)."""
        if self._done:
            return
        self._done = True
        await asyncio.shield(self._release())
        info = self._info
        if info is not None:
            self._info = None
            self._session.hooks.response(info, None, error, time.perf_counter() - self._began)

    async def _release(self) -> None:
        call, self._call = self._call, None
        if call is not None:
            call.cancel()
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.cancel()
            await asyncio.wait([writer])
        if self._slot:
            self._slot = False
            self._session.slots.release()

    async def aclose(self) -> None:
        """Cancel the call and release what it holds (idempotent)."""
        await self._finish(None)

    async def __aenter__(self) -> RawStream[Req]:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
