"""The session: what every call needs, owned in one place.

`Client`, the row stream, the pipeline (and a raw protocol stub) are facades
over a `Session`; none of them reaches into another's state. The session
owns the channel pool, the call policy (a frozen `CallPolicy`, replaced as a
whole when the client's settings change, so a call runs under the policy it
started with), the token provider, the hooks and the closed flag.

Its entry points, for every kind of call:

- `session.encode(message)` -> the request bytes (size limit, text checks).
- `await session.unary(method, payload, spec, decode)` -> `decode(answer)`:
  one ExecuteQuery / ExecuteBatch call under the policy.
- `await session.run(spec, attempt, decode)` -> `decode(answer)`: any
  exchange under the policy; `attempt(credentials, timeout, avoid)` makes one
  try (the pipeline sends on a stream lane this way).
- `session.open_stream(credentials, batches=...)` -> a `StreamCall` (a
  bidirectional call behind the error boundary).

What "under the policy" means, in order: fail fast if closed; the `on_request`
hook; the deadline starts (it covers waiting for a slot, the token, every
attempt and every backoff); attempts go out with the token in the metadata;
an UNAUTHENTICATED answer to a refreshable provider's token refreshes it once
and retries once; other failures retry only for idempotent statements, with
backoff, failover and optional speculation; the `on_response` hook sees the
outcome, whatever it is. Errors are the driver's own (the transport maps
grpc's at its boundary), or cancellation.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
import weakref
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from google.protobuf.message import Message

from . import errors
from ._calls import SlotQueue, speculate, unary_attempt
from ._transport import TOKEN_HEADER, ChannelPool, Metadata, PooledChannel, StreamCall
from .config import TLS, Endpoint, Secret
from .hooks import CallInfo, Hooks
from .options import NO_RETRY, RetryPolicy
from .result import Result
from .tokens import TokenProvider

log = logging.getLogger("astra_grpc_async.client")

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_REQUEST_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class CallPolicy:
    """How every call runs. `timeout` (seconds, None for no deadline) bounds
    a whole call: waiting for a slot, every attempt and every backoff."""

    timeout: float | None = DEFAULT_TIMEOUT
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    speculative_delay: float | None = None
    max_in_flight: int = 1024
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES

    def __post_init__(self) -> None:
        if self.max_in_flight < 1:
            raise errors.ConfigError("max_in_flight must be at least 1")
        if self.timeout is not None and not self.timeout > 0:
            raise errors.ConfigError("timeout must be a positive number of seconds, or None")
        if self.speculative_delay is not None and self.speculative_delay < 0:
            raise errors.ConfigError("speculative_delay must be at least 0")
        if self.max_request_bytes < 1:
            raise errors.ConfigError("max_request_bytes must be at least 1")
        if not isinstance(self.retry, RetryPolicy):
            raise errors.ConfigError("retry must be a RetryPolicy")


@dataclass(frozen=True, slots=True)
class CallSpec:
    """One call as the policy sees it. `timeout` None: the policy's."""

    kind: str  # "query", "page", "batch", "pipeline"
    statement: str
    keyspace: str | None
    idempotent: bool
    timeout: float | None = None


@dataclass(frozen=True, slots=True)
class Credentials:
    """The token a call sends (None: no token) and the metadata carrying it."""

    token: Secret | None
    metadata: Metadata


NO_CREDENTIALS = Credentials(None, ())


# attempt(credentials, timeout left, endpoint to avoid) -> one try's raw answer
Attempt = Callable[[Credentials, float | None, Endpoint | None], Awaitable[R]]


def check_token_text(token: str) -> None:
    """A token travels as an HTTP/2 header value: printable ASCII only."""
    if not token or not token.isascii() or not token.isprintable():
        raise errors.ConfigError(
            "the token must be non-empty printable ASCII (no newline, NUL or non-ASCII "
            "character): it is sent as a header"
        )


class Session:
    def __init__(
        self,
        endpoints: Sequence[Endpoint],
        *,
        tokens: TokenProvider | None,
        tls: TLS | None,
        pool: ChannelPool,
        policy: CallPolicy,
        hooks: Hooks,
    ) -> None:
        self.endpoints = tuple(endpoints)
        self.tls = tls
        self.pool = pool
        self.hooks = hooks
        self.tokens = tokens
        self._policy = policy
        self.slots = SlotQueue(policy.max_in_flight)
        self.closed = False
        self._credentials = NO_CREDENTIALS
        # open on this session, closed with it: row streams (weakly held: one
        # dropped unread is the garbage collector's) and pipelines (held until
        # they close: their lanes are live calls)
        self._streams: weakref.WeakSet[_Closeable] = weakref.WeakSet()
        self._pipelines: set[_Closeable] = set()

    # --- policy -----------------------------------------------------------

    @property
    def policy(self) -> CallPolicy:
        return self._policy

    def replace_policy(self, **changes: object) -> None:
        """A new frozen policy for calls that start from now on."""
        policy = dataclasses.replace(self._policy, **changes)  # type: ignore[arg-type]
        self._policy = policy
        self.slots.limit = policy.max_in_flight

    @property
    def in_flight(self) -> int:
        return self.slots.in_flight

    def check_open(self) -> None:
        if self.closed:
            raise errors.ClientClosedError("the client is closed")

    def encode(self, message: Message) -> bytes:
        """The request's bytes, within `max_request_bytes`; nothing is sent otherwise."""
        try:
            payload = message.SerializeToString()
        except (UnicodeEncodeError, ValueError) as exc:  # a lone surrogate in a str field
            raise errors.ClientError(
                f"the request holds text that is not valid Unicode: {exc}"
            ) from None
        limit = self._policy.max_request_bytes
        if len(payload) > limit:
            raise errors.RequestTooLargeError(
                f"request is {len(payload)} bytes, over max_request_bytes={limit}"
            )
        return payload

    # --- tokens -------------------------------------------------------------

    async def credentials(self) -> Credentials:
        """The provider's current token (it caches; asked before every attempt
        so that it can renew one about to expire)."""
        tokens = self.tokens
        if tokens is None:
            return NO_CREDENTIALS
        token = await tokens.get_token()
        current = self._credentials
        if current.token is token or current.token == token:
            return current
        return self._remember(token)

    def _remember(self, token: Secret) -> Credentials:
        if not isinstance(token, Secret):
            raise errors.ConfigError("a token provider must return a Secret")
        check_token_text(token.reveal())
        creds = self._credentials = Credentials(token, ((TOKEN_HEADER, token.reveal()),))
        return creds

    async def _refresh(self, rejected: Credentials) -> bool:
        """After UNAUTHENTICATED: True when a different token is now in place."""
        tokens = self.tokens
        if tokens is None or rejected.token is None or not tokens.refreshable:
            return False
        fresh = await tokens.refresh(rejected.token)
        if fresh == rejected.token:
            return False
        self._remember(fresh)
        return True

    # --- calls ----------------------------------------------------------------

    def unary(
        self, method: str, payload: bytes, spec: CallSpec, decode: Callable[[bytes], T]
    ) -> Awaitable[T]:
        """One ExecuteQuery ("query") or ExecuteBatch ("batch") call."""
        pool, slots = self.pool, self.slots
        policy = self._policy

        def attempt(
            creds: Credentials, timeout: float | None, avoid: Endpoint | None
        ) -> Awaitable[bytes]:
            def on(ch: PooledChannel) -> Awaitable[bytes]:
                return unary_attempt(pool, slots, ch, method, payload, creds.metadata, timeout)

            if spec.idempotent and policy.speculative_delay is not None:
                return speculate(pool, on, policy.speculative_delay, avoid)
            return on(pool.pick() if avoid is None else pool.pick_other(avoid))

        return self.run(spec, attempt, decode)

    def unary_once(
        self, method: str, payload: bytes, credentials: Credentials, timeout: float | None
    ) -> Awaitable[bytes]:
        """One ExecuteQuery ("query") or ExecuteBatch ("batch") try, outside the
        policy: for a caller that already runs under it (the pipeline)."""
        pool = self.pool
        return unary_attempt(
            pool, self.slots, pool.pick(), method, payload, credentials.metadata, timeout
        )

    def open_stream(self, credentials: Credentials, *, batches: bool) -> StreamCall:
        """A bidirectional call on the least-loaded channel."""
        ch = self.pool.pick()
        return StreamCall(
            ch, batches=batches, metadata=credentials.metadata, token=credentials.token
        )

    async def run(self, spec: CallSpec, attempt: Attempt[R], decode: Callable[[R], T]) -> T:
        self.check_open()
        hooks = self.hooks
        if not hooks.active:  # the common case: no instrumentation
            return decode(await self._with_deadline(spec, attempt, None))
        info = CallInfo(spec.kind, spec.statement, spec.keyspace)
        hooks.request(info)
        started = time.perf_counter()
        try:
            result = decode(await self._with_deadline(spec, attempt, info))
        except BaseException as exc:
            hooks.response(info, None, exc, time.perf_counter() - started)
            raise
        # hooks see the answer as a Result (every path decodes to one), else None
        answer = result if isinstance(result, Result) else None
        hooks.response(info, answer, None, time.perf_counter() - started)
        return result

    async def _with_deadline(self, spec: CallSpec, attempt: Attempt[R], info: CallInfo | None) -> R:
        policy = self._policy
        budget = policy.timeout if spec.timeout is None else spec.timeout
        if budget is None:
            return await self._attempts(spec, attempt, policy, None, info)
        deadline = time.monotonic() + budget
        loop = asyncio.get_running_loop()
        scope = asyncio.timeout_at(loop.time() + budget)
        try:
            async with scope:
                return await self._attempts(spec, attempt, policy, deadline, info)
        except TimeoutError:
            if not scope.expired():
                raise
            raise errors.ClientDeadlineError(
                f"deadline of {budget}s expired", code="DEADLINE_EXCEEDED"
            ) from None

    async def _attempts(
        self,
        spec: CallSpec,
        attempt: Attempt[R],
        policy: CallPolicy,
        deadline: float | None,
        info: CallInfo | None,
    ) -> R:
        retry = policy.retry if spec.idempotent else NO_RETRY
        tries = 0
        refreshed = False
        avoid: Endpoint | None = None
        while True:
            tries += 1
            creds = await self.credentials()
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                return await attempt(creds, remaining, avoid)
            except errors.AuthenticationError:
                # a rejected token: the server did nothing, so any statement may go again
                if refreshed or not await self._refresh(creds):
                    raise
                refreshed = True
                tries -= 1
                continue
            except errors.AgaError as exc:
                if self.closed or not retry.should_retry(exc, tries, spec.idempotent):
                    raise
                delay = retry.delay(exc, tries)
                if deadline is not None:
                    delay = min(delay, max(0.0, deadline - time.monotonic()))
                if info is not None:
                    self.hooks.retry(info, exc, tries)
                log.debug("retrying after %s (attempt %d, %.3fs)", type(exc).__name__, tries, delay)
                if len(self.endpoints) > 1 and isinstance(exc, errors.ConnectionLostError):
                    avoid = exc.endpoint
                await asyncio.sleep(delay)

    # --- lifecycle --------------------------------------------------------------

    def track(self, resource: _Closeable, *, strong: bool = False) -> None:
        (self._pipelines if strong else self._streams).add(resource)

    def untrack(self, resource: _Closeable) -> None:
        self._pipelines.discard(resource)
        self._streams.discard(resource)

    async def aclose(self, grace: float | None) -> None:
        """Closed for new calls at once; queued callers get ClientClosedError,
        streams and pipelines close, in-flight calls get `grace` seconds."""
        self.closed = True
        self.slots.fail_waiters(lambda: errors.ClientClosedError("the client is closed"))
        resources = [*self._pipelines, *self._streams]
        self._pipelines.clear()
        self._streams.clear()
        for resource in resources:
            await resource.aclose()
        await self.pool.aclose(grace)


class _Closeable(Protocol):
    async def aclose(self) -> None: ...
