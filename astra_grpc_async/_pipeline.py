"""`client.pipeline()`: statements over long-lived bidirectional streams.

The protocol answers stream requests in completion order with no
correlation id, so a lane (one ExecuteQueryStream / ExecuteBatchStream call)
carries exactly one request at a time, and its answer is the next item read.
Each lane has a reader: an item that arrives while no request is waiting is
unsolicited (it would hand every later answer to the wrong caller), so the
lane is discarded and its next user gets a ProtocolError. A caller that
leaves between write and read leaves an answer nobody will claim: that lane
is discarded too, never reused.

Every statement runs through the session's policy like a unary call
(deadline from the call's start, in-flight cap, token refresh, hooks,
retries only for idempotent statements).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Iterable

from . import errors
from ._bindhint import explain_bind_error
from ._errormap import error_from_stream_status
from ._proto.stargate import query_pb2
from ._request import Params, RequestDefaults, batch_call, call_options, query_call
from ._responses import parse_response, result_from_response
from ._session import CallSpec, Credentials, Session
from ._transport import StatusLostError, StreamCall
from .config import Endpoint
from .options import BatchKind, Consistency, Options
from .result import Result

_StreamingResponse = query_pb2.StreamingResponse


class _Lane:
    __slots__ = ("broken", "call", "reader", "waiting")

    def __init__(self, call: StreamCall) -> None:
        self.call = call
        self.waiting: asyncio.Future[bytes | None] | None = None
        self.broken: BaseException | None = None
        self.reader = asyncio.get_running_loop().create_task(self._read())

    @property
    def usable(self) -> bool:
        return self.broken is None and not self.call.done()

    async def _read(self) -> None:
        try:
            while True:
                item = await self.call.read()
                waiting = self.waiting
                if waiting is None or waiting.done():
                    if item is None:  # ended cleanly while idle
                        self.broken = errors.ConnectionLostError("the server closed the stream")
                    else:
                        self.broken = errors.ProtocolError(
                            "the server sent a stream item nobody asked for; the stream "
                            "was discarded (answers would have gone to the wrong callers)"
                        )
                        self.call.cancel()
                    return
                self.waiting = None
                waiting.set_result(item)
                if item is None:
                    return
        except asyncio.CancelledError as exc:
            # only this lane cancels its reader. Ending without the exception, and
            # dropping its traceback, leaves no cycle of frames that would keep this
            # lane's grpc call (and its socket) alive until the garbage collector runs
            exc.__traceback__ = None
            return
        except BaseException as exc:
            self.broken = exc.with_traceback(None)  # the same: no frame of ours kept
            waiting, self.waiting = self.waiting, None
            if waiting is not None and not waiting.done():
                waiting.set_exception(exc)

    async def roundtrip(self, payload: bytes) -> query_pb2.Response:
        if self.broken is not None:
            raise self.broken
        waiting: asyncio.Future[bytes | None] = asyncio.get_running_loop().create_future()
        self.waiting = waiting
        try:
            await self.call.write(payload)
        except BaseException:
            # the reader may have failed the same way: its error is this one
            self.waiting = None
            if waiting.done() and not waiting.cancelled():
                waiting.exception()
            waiting.cancel()
            raise
        item = await waiting
        if item is None:
            raise errors.ConnectionLostError("the server closed the stream")
        try:
            message = _StreamingResponse.FromString(item)
        except Exception:
            raise errors.ProtocolError(
                "the server sent a stream item that does not parse"
            ) from None
        kind = message.WhichOneof("message")
        if kind == "status":
            raise error_from_stream_status(message.status.code, message.status.message)
        if kind != "response":
            raise errors.ProtocolError("the server sent a stream item with no response or status")
        return message.response

    async def aclose(self) -> None:
        await self.call.done_writing()
        self.call.cancel()
        self.reader.cancel()
        await asyncio.wait([self.reader])


class Pipeline:
    def __init__(
        self, session: Session, defaults: RequestDefaults, *, width: int, batches: bool
    ) -> None:
        if width < 1:
            raise errors.ClientError("width must be at least 1")
        self._session = session
        self._defaults = defaults
        self._batches = batches
        self._idle: asyncio.Queue[_Lane | None] = asyncio.Queue()
        for _ in range(width):
            self._idle.put_nowait(None)  # a slot; the lane opens on first use
        self._lanes: set[_Lane] = set()
        self._closed = False

    def _discard(self, lane: _Lane) -> None:
        lane.call.cancel()
        lane.reader.cancel()
        self._lanes.discard(lane)

    async def _attempt(
        self, payload: bytes, creds: Credentials, timeout: float | None, avoid: Endpoint | None
    ) -> query_pb2.Response:
        try:
            return await self._on_lane(payload, creds)
        except StatusLostError:
            # The write failed in this process, so the server never saw the request,
            # but grpc.aio kept its local INTERNAL instead of the server's status
            # (a stream refused at once, for a wrong token, loses that race often).
            # Nothing ran, so sending the same request once more is safe for any
            # statement. As a unary call: its status comes back with its answer,
            # so this race cannot hide it again; a fresh lane could lose it again.
            pass
        method = "batch" if self._batches else "query"
        return parse_response(await self._session.unary_once(method, payload, creds, timeout))

    async def _on_lane(self, payload: bytes, creds: Credentials) -> query_pb2.Response:
        if self._closed:
            raise errors.ClientClosedError("the pipeline is closed")
        slots = self._session.slots
        if not slots.try_acquire():
            await slots.acquire()
        lane: _Lane | None = None
        try:
            lane = await self._idle.get()
            if lane is not None and isinstance(lane.broken, errors.ProtocolError):
                broken = lane.broken
                self._discard(lane)
                lane = None
                raise broken  # the server broke the protocol: say so, once
            if lane is not None and (not lane.usable or lane.call.token is not creds.token):
                # ended while idle, or opened with a token since replaced: nothing of
                # this request was sent on it, so a fresh lane is safe for any statement
                self._discard(lane)
                lane = None
            if lane is None:
                lane = _Lane(self._session.open_stream(creds, batches=self._batches))
                self._lanes.add(lane)
            try:
                return await lane.roundtrip(payload)
            except errors.ServerError:
                if lane.usable:
                    raise  # an in-stream status: the lane stays healthy
                self._discard(lane)
                lane = None
                raise
            except BaseException:
                # cancelled or broken mid-roundtrip: the answer may still come; never reuse
                self._discard(lane)
                lane = None
                raise
        finally:
            if not self._closed:
                self._idle.put_nowait(lane)
            slots.release()

    async def _send(self, message: query_pb2.Query | query_pb2.Batch, spec: CallSpec) -> Result:
        session = self._session
        if self._closed:
            raise errors.ClientClosedError("the pipeline is closed")
        payload = session.encode(message)

        def attempt(
            creds: Credentials, timeout: float | None, avoid: Endpoint | None
        ) -> Awaitable[query_pb2.Response]:
            return self._attempt(payload, creds, timeout, avoid)

        return await session.run(spec, attempt, result_from_response)

    async def execute(
        self,
        cql: str,
        params: Params = None,
        *,
        options: Options | None = None,
        timeout: float | None = None,
        idempotent: bool | None = None,
        keyspace: str | None = None,
        consistency: Consistency | str | None = None,
        serial_consistency: Consistency | str | None = None,
        page_size: int | None = None,
        paging_state: bytes | None = None,
        timestamp: int | None = None,
        now_in_seconds: int | None = None,
        tracing: bool = False,
    ) -> Result:
        """Like `Client.execute`, over one of the pipeline's streams."""
        if self._batches:
            raise errors.ClientError("this pipeline carries batches: use batch()")
        o = call_options(
            options, keyspace=keyspace, consistency=consistency,
            serial_consistency=serial_consistency, page_size=page_size, timestamp=timestamp,
            now_in_seconds=now_in_seconds, tracing=tracing, timeout=timeout, idempotent=idempotent,
        )  # fmt: skip
        query, spec = query_call(self._defaults, "pipeline", cql, params, o, paging_state)
        try:
            return await self._send(query, spec)
        except errors.BindValueError as exc:
            explain_bind_error(exc, params)
            raise

    async def batch(
        self,
        statements: Iterable[str | tuple[str, Params]],
        *,
        options: Options | None = None,
        kind: BatchKind = BatchKind.LOGGED,
        timeout: float | None = None,
        idempotent: bool | None = None,
        keyspace: str | None = None,
        consistency: Consistency | str | None = None,
        serial_consistency: Consistency | str | None = None,
        timestamp: int | None = None,
        tracing: bool = False,
    ) -> Result:
        """Like `Client.batch`, over one of the pipeline's streams."""
        if not self._batches:
            raise errors.ClientError("this pipeline carries queries: open it with batches=True")
        o = call_options(
            options, keyspace=keyspace, consistency=consistency,
            serial_consistency=serial_consistency, timestamp=timestamp, tracing=tracing,
            timeout=timeout, idempotent=idempotent,
        )  # fmt: skip
        batch, spec = batch_call(self._defaults, "pipeline", statements, kind, o)
        return await self._send(batch, spec)

    async def aclose(self) -> None:
        """Half-close every lane and release it (idempotent, shielded: a
        cancelled closer still closes every lane)."""
        if self._closed:
            return
        self._closed = True
        self._session.untrack(self)
        lanes, self._lanes = list(self._lanes), set()
        while not self._idle.empty():  # nothing may keep a grpc call (and its socket) alive
            self._idle.get_nowait()
        if lanes:
            await asyncio.shield(_close_all(lanes))

    async def __aenter__(self) -> Pipeline:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


async def _close_all(lanes: list[_Lane]) -> None:
    for lane in lanes:
        with contextlib.suppress(errors.AgaError):  # the stream may be dead already
            await lane.aclose()
