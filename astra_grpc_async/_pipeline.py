"""`client.pipeline()`: statements over long-lived bidirectional streams.

The protocol answers stream requests in completion order with no
correlation id, so a lane (one ExecuteQueryStream / ExecuteBatchStream call)
carries exactly one request at a time, and its answer is the next item read.
A caller cancelled between write and read leaves an answer nobody will
claim: that lane is cancelled and replaced, never reused.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import grpc.aio

from . import errors
from ._proto.stargate import query_pb2
from ._request import Params, RequestDefaults, build_batch, build_query
from ._responses import result_from_response
from ._status import stream_status_error
from ._transport import ChannelPool, map_rpc_error
from .hooks import CallInfo
from .options import BatchKind
from .result import Result

if TYPE_CHECKING:
    from .client import Client


class _Lane:
    __slots__ = ("call",)

    def __init__(self, call: grpc.aio.StreamStreamCall[Any, Any]) -> None:
        self.call = call

    async def roundtrip(self, request: query_pb2.Query | query_pb2.Batch) -> Result:
        await self.call.write(request)
        item = await self.call.read()
        if item is grpc.aio.EOF:
            raise errors.ConnectionLostError("the server closed the stream")
        kind = item.WhichOneof("message") if item is not None else None
        if kind == "status":
            raise stream_status_error(item.status.code, item.status.message)
        if kind != "response":  # None: bytes that do not parse, or an empty item
            raise errors.ProtocolError("the server sent a stream item with no response or status")
        return result_from_response(item.response)


class Pipeline:
    def __init__(
        self,
        client: Client,
        pool: ChannelPool,
        defaults: RequestDefaults,
        *,
        width: int,
        batches: bool,
    ) -> None:
        if width < 1:
            raise errors.ClientError("width must be at least 1")
        self._client = client
        self._pool = pool
        self._defaults = defaults
        self._batches = batches
        self._idle: asyncio.Queue[_Lane | None] = asyncio.Queue()
        for _ in range(width):
            self._idle.put_nowait(None)  # a slot; the lane opens on first use
        self._lanes: set[_Lane] = set()
        self._closed = False

    def _open(self) -> _Lane:
        ch = self._pool.pick()
        method = ch.batch_stream if self._batches else ch.query_stream
        lane = _Lane(method(metadata=self._pool.metadata))
        self._lanes.add(lane)
        return lane

    def _discard(self, lane: _Lane) -> None:
        lane.call.cancel()
        self._lanes.discard(lane)

    async def _send(
        self, request: query_pb2.Query | query_pb2.Batch, timeout: float | None
    ) -> Result:
        hooks = self._client.hooks
        if not hooks.active:
            return await self._roundtrip(request, timeout)
        if isinstance(request, query_pb2.Batch):
            statement = "; ".join(q.cql for q in request.queries)
        else:
            statement = request.cql
        info = CallInfo("pipeline", statement, request.parameters.keyspace.value or None)
        hooks.request(info)
        started = time.perf_counter()
        try:
            result = await self._roundtrip(request, timeout)
        except BaseException as exc:
            hooks.response(info, None, exc, time.perf_counter() - started)
            raise
        hooks.response(info, result, None, time.perf_counter() - started)
        return result

    async def _roundtrip(
        self, request: query_pb2.Query | query_pb2.Batch, timeout: float | None
    ) -> Result:
        if self._closed:
            raise errors.ClientClosedError("the pipeline is closed")
        self._client._check_size(request)
        slot = await self._idle.get()
        lane: _Lane | None = slot
        try:
            if lane is not None and lane.call.done():
                # it ended while idle (connection lost, server gone): nothing of
                # this request was sent on it, so a fresh lane is safe for any statement
                self._discard(lane)
                lane = None
            if lane is None:
                lane = self._open()
            if timeout is None:
                result = await lane.roundtrip(request)
            else:
                async with asyncio.timeout(timeout):
                    result = await lane.roundtrip(request)
        except grpc.aio.AioRpcError as exc:
            assert lane is not None
            self._discard(lane)
            lane = None
            raise map_rpc_error(exc) from exc
        except errors.ServerError:
            raise  # an in-stream status: the lane stays healthy
        except TimeoutError:
            if lane is not None:
                self._discard(lane)
                lane = None
            raise errors.ClientDeadlineError(
                f"no answer within {timeout}s", code="DEADLINE_EXCEEDED"
            ) from None
        except BaseException:
            # cancelled or broken mid-roundtrip: the answer may still come; never reuse
            if lane is not None:
                self._discard(lane)
                lane = None
            raise
        finally:
            self._idle.put_nowait(lane)
        return result

    async def execute(
        self, cql: str, params: Params = None, *, timeout: float | None = None, **kw: Any
    ) -> Result:
        if self._batches:
            raise errors.ClientError("this pipeline carries batches: use batch()")
        query = build_query(self._defaults, cql, params, **kw)
        return await self._send(query, timeout)

    async def batch(
        self,
        statements: Iterable[str | tuple[str, Params]],
        *,
        kind: BatchKind = BatchKind.LOGGED,
        timeout: float | None = None,
        keyspace: str | None = None,
        consistency: Any = None,
        serial_consistency: Any = None,
        timestamp: int | None = None,
        tracing: bool = False,
    ) -> Result:
        if not self._batches:
            raise errors.ClientError("this pipeline carries queries: open it with batches=True")
        batch = build_batch(
            self._defaults, statements, kind=kind, keyspace=keyspace, consistency=consistency,
            serial_consistency=serial_consistency, timestamp=timestamp, tracing=tracing,
        )  # fmt: skip
        return await self._send(batch, timeout)

    async def aclose(self) -> None:
        """Half-close every lane and release it (idempotent)."""
        if self._closed:
            return
        self._closed = True
        lanes, self._lanes = list(self._lanes), set()
        for lane in lanes:
            with contextlib.suppress(Exception):  # the stream may be dead already
                await asyncio.shield(lane.call.done_writing())
            lane.call.cancel()

    async def __aenter__(self) -> Pipeline:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
