"""The `stargate.Stargate` gRPC service over the in-memory engine.

Auth, fault injection, durability and the contract's error mapping live
here; the CQL semantics live in `engine/`.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterable
from typing import Any, TypeVar

import grpc
import grpc.aio
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2

from .._proto.stargate import query_pb2, stargate_pb2_grpc
from . import journal as jr
from .durable import Durable
from .engine import Engine, Outcome
from .errors import CqlError
from .faults import Faults
from .streams import DEFAULT_STREAM_WINDOW, StreamStats, StreamWindow

log = logging.getLogger("astra_grpc_async.emulator")

TOKEN_HEADER = "x-cassandra-token"
# what a client learns of an unexpected failure: nothing internal (it is logged)
INTERNAL_MESSAGE = "Internal server error (the emulator logged the details)"
_Req = TypeVar("_Req", query_pb2.Query, query_pb2.Batch)


def _trailers(err: CqlError) -> tuple[tuple[str, bytes], ...]:
    if err.detail is None:
        return ()
    key = f"stargate.{err.detail.DESCRIPTOR.name.lower()}-bin"
    return ((key, err.detail.SerializeToString()),)


def _stream_status(err: CqlError) -> query_pb2.StreamingResponse:
    code = grpc.StatusCode[err.code]
    info = any_pb2.Any()
    info.Pack(error_details_pb2.ErrorInfo(reason=err.message))
    status = status_pb2.Status(
        code=code.value[0], message=f"{err.code}: {err.message}", details=[info]
    )
    return query_pb2.StreamingResponse(status=status)


class StargateServicer(stargate_pb2_grpc.StargateServicer):
    def __init__(
        self,
        engine: Engine,
        tokens: Iterable[str],
        faults: Faults,
        durable: Durable | None = None,
        clock: Callable[[], int] = time.time_ns,
        issued: Callable[[str], bool] | None = None,
        stream_window: int = DEFAULT_STREAM_WINDOW,
    ) -> None:
        self._engine = engine
        self._tokens = [t.encode() for t in tokens]
        self._accepted: set[str | bytes | None] = set()
        self._issued = issued  # the Auth API's live tokens (sliding expiry)
        self._faults = faults
        self._durable = durable
        self._clock = clock
        self._last_micros = 0
        self.calls = 0
        self.streams = StreamStats(stream_window)

    # --- helpers ------------------------------------------------------------

    def _auth_error(self, context: grpc.aio.ServicerContext[Any, Any]) -> str | None:
        token: str | None = None
        for key, value in context.invocation_metadata() or ():
            if key == TOKEN_HEADER:
                token = value if isinstance(value, str) else value.decode(errors="replace")
        if token is None:
            return "No token provided"
        given = token.encode()
        ok = False
        for known in self._tokens:  # constant time per comparison, every token checked
            ok |= hmac.compare_digest(given, known)
        if ok:
            self._accepted.add(token)  # only fixed tokens: at most len(_tokens) entries
        if not ok and self._issued is not None:
            ok = self._issued(token)
        return None if ok else "Invalid token"

    def _known_token(self, context: grpc.aio.ServicerContext[Any, Any]) -> bool:
        """True if the call carries a fixed token already accepted once (a
        set lookup instead of the comparisons; issued tokens expire, so
        they always take `_auth_error`)."""
        token: str | bytes | None = None
        for key, value in context.invocation_metadata() or ():
            if key == TOKEN_HEADER:
                token = value  # the last one counts, as in _auth_error
        return token in self._accepted

    def _now_micros(self) -> int:
        # strictly increasing, so two writes in one microsecond keep their order
        now = self._clock() // 1000
        if now <= self._last_micros:
            now = self._last_micros + 1
        self._last_micros = now
        return now

    async def _run(
        self,
        method: str,
        request: _Req,
        statements: tuple[str, ...],
        execute: Callable[[_Req, int], Outcome],
        kind: int,
    ) -> query_pb2.Response:
        """Faults, engine, journal: raises CqlError or returns the response."""
        self.calls += 1
        if self._faults.active:
            await self._faults.apply(method, statements)
        if self._durable is not None:  # answers wait for the commits they rest on
            return await self._durable.run(request, kind, execute, self._now_micros)
        return execute(request, self._now_micros()).response

    def _query(self, request: query_pb2.Query, now: int) -> Outcome:
        return self._engine.execute(request, now_micros=now)

    def _batch(self, request: query_pb2.Batch, now: int) -> Outcome:
        return self._engine.execute_batch(request, now_micros=now)

    async def _unary(
        self,
        method: str,
        request: _Req,
        statements: tuple[str, ...],
        execute: Callable[[_Req, int], Outcome],
        kind: int,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> query_pb2.Response:
        denied = self._auth_error(context)
        if denied is not None:
            await context.abort(grpc.StatusCode.UNAUTHENTICATED, denied)
        try:
            return await self._run(method, request, statements, execute, kind)
        except CqlError as err:
            await context.abort(
                grpc.StatusCode[err.code], err.message, trailing_metadata=_trailers(err)
            )
        except Exception:  # never crash the call: the contract's INTERNAL
            log.exception("internal error")
            await context.abort(grpc.StatusCode.INTERNAL, INTERNAL_MESSAGE)
        raise AssertionError("unreachable")  # abort raises

    async def _stream(
        self,
        method: str,
        requests: AsyncIterator[_Req],
        statements_of: Callable[[_Req], tuple[str, ...]],
        execute: Callable[[_Req, int], Outcome],
        kind: int,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> AsyncGenerator[query_pb2.StreamingResponse, None]:
        denied = self._auth_error(context)
        if denied is not None:
            await context.abort(grpc.StatusCode.UNAUTHENTICATED, denied)
        # answers wait here; the window keeps them (and the requests being
        # executed) to at most `window` per stream
        out: asyncio.Queue[query_pb2.StreamingResponse | None] = asyncio.Queue()
        window = StreamWindow(self.streams)
        tasks: set[asyncio.Task[None]] = set()

        async def handle(req: _Req) -> None:
            try:
                resp = await self._run(method, req, statements_of(req), execute, kind)
                item = query_pb2.StreamingResponse(response=resp)
            except CqlError as err:
                item = _stream_status(err)
            except Exception:
                log.exception("internal error")
                item = _stream_status(CqlError(INTERNAL_MESSAGE))
                item.status.code = grpc.StatusCode.INTERNAL.value[0]
            out.put_nowait(item)

        async def read() -> None:
            try:
                while True:
                    await window.acquire()  # no free slot: stop reading this stream
                    try:
                        req = await anext(requests)
                    except StopAsyncIteration:
                        window.unread()
                        break
                    window.received()
                    task = asyncio.create_task(handle(req))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                if tasks:
                    await asyncio.gather(*tasks)
            finally:
                out.put_nowait(None)

        reader = asyncio.create_task(read())
        try:
            while (item := await out.get()) is not None:
                yield item  # completion order: no correlation id in the protocol
                window.release()  # resumed once gRPC has taken the message
            await reader  # surfaces a failed read (e.g. client cancelled)
        finally:
            reader.cancel()
            for task in list(tasks):
                task.cancel()

    # --- the four methods ---------------------------------------------------

    async def ExecuteQuery(
        self, request: query_pb2.Query, context: grpc.aio.ServicerContext[Any, Any]
    ) -> query_pb2.Response:
        # the common case inline (no fault rules, a known token, a statement
        # that succeeds); anything else takes the general path
        if self._faults.active or not self._known_token(context):
            return await self._unary(
                "ExecuteQuery", request, (request.cql,), self._query, jr.QUERY, context
            )
        self.calls += 1
        try:
            if self._durable is not None:  # answers wait for the commits they rest on
                return await self._durable.run(request, jr.QUERY, self._query, self._now_micros)
            return self._engine.execute(request, now_micros=self._now_micros()).response
        except CqlError as err:
            await context.abort(
                grpc.StatusCode[err.code], err.message, trailing_metadata=_trailers(err)
            )
            raise AssertionError("unreachable") from None  # abort raises
        except Exception as exc:  # never crash the call: the contract's INTERNAL
            log.exception("internal error")
            await context.abort(grpc.StatusCode.INTERNAL, f"Internal server error: {exc}")
            raise AssertionError("unreachable") from None

    async def ExecuteBatch(
        self, request: query_pb2.Batch, context: grpc.aio.ServicerContext[Any, Any]
    ) -> query_pb2.Response:
        cqls = tuple(bq.cql for bq in request.queries)
        return await self._unary("ExecuteBatch", request, cqls, self._batch, jr.BATCH, context)

    # grpc.aio tells streaming handlers apart with inspect.isasyncgenfunction:
    # a plain function returning an async generator is run as a sync one (and
    # fails), so these two must be async generator functions themselves.
    async def ExecuteQueryStream(
        self,
        request_iterator: AsyncIterator[query_pb2.Query],
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> AsyncIterator[query_pb2.StreamingResponse]:
        stream = self._stream(
            "ExecuteQueryStream",
            request_iterator,
            lambda r: (r.cql,),
            self._query,
            jr.QUERY,
            context,
        )
        try:
            async for item in stream:
                yield item
        finally:
            await stream.aclose()

    async def ExecuteBatchStream(
        self,
        request_iterator: AsyncIterator[query_pb2.Batch],
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> AsyncIterator[query_pb2.StreamingResponse]:
        stream = self._stream(
            "ExecuteBatchStream",
            request_iterator,
            lambda r: tuple(bq.cql for bq in r.queries),
            self._batch,
            jr.BATCH,
            context,
        )
        try:
            async for item in stream:
                yield item
        finally:
            await stream.aclose()
