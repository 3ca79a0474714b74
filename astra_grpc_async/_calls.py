"""Running one unary call: the in-flight cap, deadline, retries, failover,
speculative execution and hooks. The hot path of every `execute`.

The cap is a counter, not a semaphore: while there is room a call takes a
slot without awaiting anything; only when `max_in_flight` calls are running
does a caller queue on a future, and a finishing call hands its slot
straight to the first in line (FIFO, so nobody starves).
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from collections.abc import Awaitable
from typing import TYPE_CHECKING

from google.protobuf.message import Message

from . import errors
from ._transport import AioRpcError, ChannelPool, PooledChannel, map_rpc_error
from .config import Endpoint
from .hooks import CallInfo
from .options import NO_RETRY

if TYPE_CHECKING:
    from .client import Client

log = logging.getLogger("astra_grpc_async.client")


class CallRunner:
    __slots__ = ("_client", "_pool", "_waiters", "in_flight", "limit")

    def __init__(self, client: Client, pool: ChannelPool, limit: int) -> None:
        self._client = client
        self._pool = pool
        self.limit = limit
        self.in_flight = 0
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()

    # --- the in-flight cap --------------------------------------------------

    async def _wait_for_slot(self) -> None:
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(fut)
        try:
            await fut  # resolved by _release: the slot is ours, already counted
        except BaseException:
            if fut.done() and not fut.cancelled():
                self._release()  # granted, but we are leaving: pass it on
            else:
                self._waiters.remove(fut)
            raise

    def _release(self) -> None:
        waiters = self._waiters
        while waiters:
            fut = waiters.popleft()
            if not fut.done():
                fut.set_result(None)  # hand the slot over; in_flight unchanged
                return
        self.in_flight -= 1

    # --- one attempt ----------------------------------------------------------

    async def _once(
        self, ch: PooledChannel, method: str, request: Message, remaining: float | None
    ) -> bytes:
        if self.in_flight >= self.limit or self._waiters:
            await self._wait_for_slot()
        else:
            self.in_flight += 1
        ch.in_flight += 1
        try:
            raw: bytes = await getattr(ch, method)(
                request, metadata=self._pool.metadata, timeout=remaining
            )
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
                # not our caller's cancellation: grpc cancels the calls of a closed channel
                raise errors.ConnectionLostError(
                    "the call was cancelled because the client closed", code="CANCELLED"
                ) from None
            raise
        finally:
            ch.in_flight -= 1
            self._release()
        if ch.health.consecutive_failures:
            self._pool.report(ch, transport_failure=False)
        return raw

    # --- the whole call -------------------------------------------------------

    def run(
        self,
        method: str,
        request: Message,
        *,
        timeout: float | None,
        idempotent: bool,
        kind: str,
        statement: str,
        keyspace: str | None,
    ) -> Awaitable[bytes]:
        """Raw response bytes of `method` ("query" or "batch"). Every outcome,
        cancellation included, reaches the `on_response` hooks."""
        client = self._client
        client._check_open()
        if not client.hooks.active:  # the common case: no instrumentation, no extra frame
            return self._attempts(method, request, timeout, idempotent, None)
        return self._run_hooked(method, request, timeout, idempotent, kind, statement, keyspace)

    async def _run_hooked(
        self,
        method: str,
        request: Message,
        timeout: float | None,
        idempotent: bool,
        kind: str,
        statement: str,
        keyspace: str | None,
    ) -> bytes:
        hooks = self._client.hooks
        info = CallInfo(kind, statement, keyspace)
        hooks.request(info)
        started = time.perf_counter()
        try:
            raw = await self._attempts(method, request, timeout, idempotent, info)
        except BaseException as exc:
            hooks.response(info, None, exc, time.perf_counter() - started)
            raise
        hooks.response(info, raw, None, time.perf_counter() - started)
        return raw

    async def _attempts(
        self,
        method: str,
        request: Message,
        timeout: float | None,
        idempotent: bool,
        info: CallInfo | None,
    ) -> bytes:
        client = self._client
        budget = client.timeout if timeout is None else timeout
        deadline = None if budget is None else time.monotonic() + budget
        policy = client.retry if idempotent else NO_RETRY
        speculate = idempotent and client.speculative_delay is not None
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
            try:
                if speculate:
                    return await self._speculate(method, request, remaining)
                ch = self._pool.pick() if avoid is None else self._pool.pick_other(avoid)
                return await self._once(ch, method, request, remaining)
            except errors.AgaError as exc:
                if not policy.should_retry(exc, attempt, idempotent):
                    raise
                delay = policy.delay(exc, attempt)
                if deadline is not None:
                    delay = min(delay, max(0.0, deadline - time.monotonic()))
                if info is not None:
                    client.hooks.retry(info, exc, attempt)
                log.debug(
                    "retrying after %s (attempt %d, %.3fs)", type(exc).__name__, attempt, delay
                )
                if len(client.endpoints) > 1:
                    avoid = getattr(exc, "endpoint", None)
                await asyncio.sleep(delay)

    async def _speculate(self, method: str, request: Message, remaining: float | None) -> bytes:
        """Send a second attempt elsewhere when the first is slow; first answer wins."""
        delay = self._client.speculative_delay
        assert delay is not None
        first_ch = self._pool.pick()
        first: asyncio.Future[bytes] = asyncio.ensure_future(
            self._once(first_ch, method, request, remaining)
        )
        done, _ = await asyncio.wait([first], timeout=delay)
        if done:
            return first.result()
        second_ch = self._pool.pick_other(first_ch.endpoint)
        second: asyncio.Future[bytes] = asyncio.ensure_future(
            self._once(second_ch, method, request, remaining)
        )
        pending: set[asyncio.Future[bytes]] = {first, second}
        try:
            while pending:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    if task.exception() is None:
                        return task.result()
            return first.result()  # both failed: raise the first one's error
        finally:
            for task in (first, second):
                task.cancel()
            await asyncio.wait([first, second])
