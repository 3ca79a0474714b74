"""The only client module that imports grpc: channels, the pool, and the
error boundary (every grpc call of the driver goes through `unary` or a
`StreamCall` here, which turn grpc's exceptions into driver errors with the
table in `_errormap.py`).

A pool of grpc.aio channels, `pool_size` per endpoint, each its own TCP
connection (`grpc.use_local_subchannel_pool`), each multiplexing many HTTP/2
streams. Calls go to the least-loaded channel of a healthy endpoint; an
endpoint whose calls keep failing at the transport level is ejected for a
backoff period and probed back by live traffic afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import grpc
import grpc.aio

from . import errors
from ._cancel import let_the_canceller_redeliver
from ._errormap import error_from_status
from ._version import __version__
from .config import TLS, Endpoint

log = logging.getLogger("astra_grpc_async.transport")

TOKEN_HEADER = "x-cassandra-token"
_QUERY = "/stargate.Stargate/ExecuteQuery"
_BATCH = "/stargate.Stargate/ExecuteBatch"
_QUERY_STREAM = "/stargate.Stargate/ExecuteQueryStream"
_BATCH_STREAM = "/stargate.Stargate/ExecuteBatchStream"

Metadata = tuple[tuple[str, str], ...]

# Status metadata the client accepts. Cassandra echoes the statement in some
# error messages, so a coordinator's status can be as large as the request
# (max_request_bytes, 4 MiB by default); grpc's default (8 KiB soft, 16 KiB
# hard) turns such an error into RESOURCE_EXHAUSTED on our side.
DEFAULT_MAX_METADATA_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class TransportOptions:
    pool_size: int = 2
    max_response_bytes: int = 256 * 1024 * 1024
    max_metadata_bytes: int = DEFAULT_MAX_METADATA_BYTES
    keepalive_seconds: float = 30.0
    eject_after_failures: int = 3
    eject_base_seconds: float = 0.5
    eject_max_seconds: float = 30.0


class _EndpointHealth:
    __slots__ = ("consecutive_failures", "ejected_until", "ejections")

    def __init__(self) -> None:
        self.consecutive_failures = 0
        self.ejected_until = 0.0
        self.ejections = 0


class PooledChannel:
    """One grpc.aio channel plus its multi-callables and load counter."""

    __slots__ = (
        "batch",
        "batch_stream",
        "channel",
        "endpoint",
        "health",
        "in_flight",
        "query",
        "query_stream",
    )  # fmt: skip

    def __init__(self, endpoint: Endpoint, health: _EndpointHealth, channel: grpc.aio.Channel):
        self.endpoint = endpoint
        self.health = health
        self.channel = channel
        self.in_flight = 0
        # bytes in, bytes out: the session serializes once (and checks the size
        # on the bytes), the caller parses the answer (a unary Response's schema
        # key is read straight from its bytes, _responses.py), and a stream item
        # that does not parse is a ProtocolError of ours, not a grpc failure
        self.query = channel.unary_unary(_QUERY)
        self.batch = channel.unary_unary(_BATCH)
        self.query_stream = channel.stream_stream(_QUERY_STREAM)
        self.batch_stream = channel.stream_stream(_BATCH_STREAM)


def _credentials(tls: TLS) -> grpc.ChannelCredentials:
    return grpc.ssl_channel_credentials(
        root_certificates=tls.ca, private_key=tls.key, certificate_chain=tls.cert
    )


class ChannelPool:
    def __init__(
        self,
        endpoints: Sequence[Endpoint],
        *,
        tls: TLS | None,
        options: TransportOptions,
    ) -> None:
        if options.pool_size < 1:
            raise errors.ConfigError("pool_size must be at least 1")
        self._endpoints = tuple(endpoints)
        self._tls = tls
        self._options = options
        self._channels: list[PooledChannel] = []
        self._closed = False
        self._next = 0
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def channels(self) -> list[PooledChannel]:
        return self._channels

    def _channel_options(self) -> list[tuple[str, Any]]:
        o = self._options
        opts: list[tuple[str, Any]] = [
            ("grpc.use_local_subchannel_pool", 1),
            ("grpc.max_receive_message_length", o.max_response_bytes),
            ("grpc.max_send_message_length", -1),  # checked before sending
            ("grpc.max_metadata_size", o.max_metadata_bytes),
            ("grpc.absolute_max_metadata_size", o.max_metadata_bytes),
            ("grpc.keepalive_time_ms", int(o.keepalive_seconds * 1000)),
            ("grpc.keepalive_timeout_ms", 10_000),
            ("grpc.keepalive_permit_without_calls", 0),
            ("grpc.initial_reconnect_backoff_ms", 100),
            ("grpc.min_reconnect_backoff_ms", 100),
            ("grpc.max_reconnect_backoff_ms", 5_000),
            ("grpc.primary_user_agent", f"astra-grpc-async/{__version__}"),
            # a DNS name that resolves to several coordinators: spread over all of
            # them (C-core drops an address that fails and reconnects it with backoff)
            ("grpc.lb_policy_name", "round_robin"),
        ]
        if self._tls is not None and self._tls.server_name:
            opts.append(("grpc.ssl_target_name_override", self._tls.server_name))
        return opts

    def open(self) -> None:
        """Create the channels; needs the running loop (channels are bound to it)."""
        if self._closed:
            raise errors.ClientClosedError("the client is closed")
        if self._channels:
            return
        self._loop = asyncio.get_running_loop()
        opts = self._channel_options()
        for endpoint in self._endpoints:
            health = _EndpointHealth()
            for _ in range(self._options.pool_size):
                if self._tls is None:
                    ch = grpc.aio.insecure_channel(endpoint.target, options=opts)
                else:
                    ch = grpc.aio.secure_channel(
                        endpoint.target, _credentials(self._tls), options=opts
                    )
                self._channels.append(PooledChannel(endpoint, health, ch))
        log.debug(
            "opened %d channel(s) to %s",
            len(self._channels),
            ", ".join(map(str, self._endpoints)),
        )

    def pick(self) -> PooledChannel:
        """The least-loaded channel of a non-ejected endpoint."""
        channels = self._channels
        if not channels:
            self.open()
            channels = self._channels
        elif self._closed:
            raise errors.ClientClosedError("the client is closed")
        if len(channels) == 1:
            return channels[0]
        now = time.monotonic()
        best: PooledChannel | None = None
        n = len(channels)
        start = self._next = (self._next + 1) % n  # rotate: ties spread over every channel
        for i in range(n):
            ch = channels[(start + i) % n]
            if ch.health.ejected_until > now:
                continue
            if best is None or ch.in_flight < best.in_flight:
                best = ch
        if best is None:  # every endpoint ejected: try the least recently ejected
            best = min(channels, key=lambda c: (c.health.ejected_until, c.in_flight))
        return best

    def pick_other(self, avoid: Endpoint) -> PooledChannel:
        """For failover: prefer a channel of another endpoint."""
        others = [c for c in self._channels if c.endpoint != avoid]
        if not others:
            return self.pick()
        now = time.monotonic()
        healthy = [c for c in others if c.health.ejected_until <= now] or others
        return min(healthy, key=lambda c: c.in_flight)

    def report(self, ch: PooledChannel, *, transport_failure: bool) -> None:
        """Called after each call: keeps per-endpoint health."""
        health = ch.health
        if not transport_failure:
            if health.consecutive_failures:
                health.consecutive_failures = 0
                health.ejections = 0
            return
        if health.ejected_until > time.monotonic():
            return  # already out: failures of calls sent before the ejection don't extend it
        health.consecutive_failures += 1
        if health.consecutive_failures >= self._options.eject_after_failures:
            o = self._options
            backoff = min(o.eject_max_seconds, o.eject_base_seconds * (2**health.ejections))
            health.ejections += 1
            health.consecutive_failures = 0
            health.ejected_until = time.monotonic() + backoff
            # INFO: a script without logging configured must not print this
            log.info("endpoint %s ejected for %.1fs after repeated failures", ch.endpoint, backoff)

    def endpoint_states(self) -> dict[str, bool]:
        """endpoint -> currently accepted (not ejected)."""
        now = time.monotonic()
        return {str(c.endpoint): c.health.ejected_until <= now for c in self._channels}

    async def aclose(self, grace: float | None = None) -> None:
        """Close every channel (idempotent). With `grace`, in-flight calls get
        that long to finish first."""
        if self._closed and not self._channels:
            return
        self._closed = True
        channels, self._channels = self._channels, []
        if not channels:
            return
        await asyncio.shield(asyncio.gather(*(c.channel.close(grace) for c in channels)))
        log.debug("closed %d channel(s)", len(channels))


# --- the error boundary ----------------------------------------------------------


def _mapped(exc: BaseException, endpoint: Endpoint) -> BaseException:
    """grpc's exception of a call -> the driver's (cancellation passes through).
    The grpc exception stays as the cause, without its traceback: grpc's frames
    hold the call, and through it the connection, for as long as anyone keeps
    our error."""
    if isinstance(exc, grpc.aio.AioRpcError):
        exc.with_traceback(None)
        code = exc.code()
        err = error_from_status(
            code.name if code is not None else "UNKNOWN",
            exc.details() or "",
            tuple(exc.trailing_metadata() or ()),
        )
    elif isinstance(exc, grpc.aio.UsageError):
        err = errors.ClientClosedError("the client is closed")
    elif isinstance(exc, asyncio.CancelledError):
        task = asyncio.current_task()
        if task is None or task.cancelling():
            return exc  # our caller's cancellation (or its deadline)
        # grpc cancels the calls of a channel that closes under them
        err = errors.ConnectionLostError(
            "the call was cancelled because the client closed", code="CANCELLED"
        )
    else:
        return exc
    if isinstance(err, errors.ConnectionLostError):
        err.endpoint = endpoint
    return err


# The exceptions a grpc call raises that `_mapped` translates
_GRPC_FAILURES = (grpc.aio.AioRpcError, grpc.aio.UsageError, asyncio.CancelledError)


async def unary(
    ch: PooledChannel, method: str, payload: bytes, metadata: Metadata, timeout: float | None
) -> bytes:
    """One unary call ("query" or "batch") on `ch`: its raw answer, or a driver error."""
    try:
        raw: bytes = await getattr(ch, method)(payload, metadata=metadata, timeout=timeout)
    except _GRPC_FAILURES as exc:
        err = _mapped(exc, ch.endpoint)
        if err is exc:  # the caller's cancellation, without grpc's frames (they hold the call)
            if isinstance(exc, asyncio.CancelledError):
                await let_the_canceller_redeliver()  # anyio's scopes need their own
            raise exc.with_traceback(None) from None
        raise err from exc
    return raw


class StatusLostError(errors.ConnectionLostError):
    """A stream write failed in this process and grpc.aio put its own INTERNAL
    ("Internal error from Core") in the call's status for good: the request
    never left, and the server's reason for ending the stream (e.g. a refused
    token) is lost. The caller may send the same request another way to learn
    the true answer."""


class StreamCall:
    """One bidirectional call (ExecuteQueryStream / ExecuteBatchStream) behind
    the error boundary: bytes in, bytes out, driver errors only."""

    __slots__ = ("_call", "endpoint", "token")

    def __init__(self, ch: PooledChannel, *, batches: bool, metadata: Metadata, token: object):
        method = ch.batch_stream if batches else ch.query_stream
        self._call: grpc.aio.StreamStreamCall[bytes, bytes] = method(metadata=metadata)
        self.endpoint = ch.endpoint
        self.token = token  # which token it was opened with (a refresh retires it)

    def done(self) -> bool:
        return bool(self._call.done())

    def cancel(self) -> None:
        self._call.cancel()

    async def _status(self) -> BaseException | None:
        """The error the call's own status stands for (None when it ended OK)."""
        try:
            code = await self._call.code()
            details = await self._call.details()
            trailers = await self._call.trailing_metadata()
        except _GRPC_FAILURES as exc:
            return _mapped(exc, self.endpoint)
        if code is None or code == grpc.StatusCode.OK:
            return None
        err = error_from_status(code.name, details or "", tuple(trailers or ()))
        if isinstance(err, errors.ConnectionLostError):
            err.endpoint = self.endpoint
        return err

    async def _fail(self, exc: BaseException) -> BaseException:
        """A write or read failed: the call's status says why. A write on a
        call the server already refused fails locally ("Internal error from
        Core") while its status holds the reason (e.g. the token)."""
        if isinstance(exc, asyncio.CancelledError):
            return _mapped(exc, self.endpoint)
        status = await self._status()
        return status if status is not None else _mapped(exc, self.endpoint)

    async def write(self, payload: bytes) -> None:
        try:
            await self._call.write(payload)
        except (*_GRPC_FAILURES, asyncio.InvalidStateError) as exc:
            err = await self._fail(exc)
            if err is exc:
                raise exc.with_traceback(None) from None
            if isinstance(err, asyncio.InvalidStateError):
                err = errors.ConnectionLostError("the stream ended before the request was sent")
            elif isinstance(err, errors.ConnectionLostError) and err.code == "INTERNAL":
                # grpc.aio sets INTERNAL when the send op fails and never replaces
                # it with the status the server sent: awaiting code() or reading
                # gives the same local INTERNAL
                lost = StatusLostError(
                    "the stream ended before the request was sent; its status was lost",
                    code="INTERNAL",
                )
                lost.endpoint = self.endpoint
                err = lost
            raise err from exc

    async def read(self) -> bytes | None:
        """The next item, or None when the server ended the stream cleanly."""
        try:
            item = await self._call.read()
        except _GRPC_FAILURES as exc:
            err = await self._fail(exc)
            if err is exc:
                raise exc.with_traceback(None) from None
            raise err from exc
        if item is grpc.aio.EOF:
            status = await self._status()
            if status is not None:
                raise status
            return None
        return bytes(item)

    async def done_writing(self) -> None:
        """Half-close; a stream that already ended has nothing to close."""
        with contextlib.suppress(
            grpc.aio.AioRpcError, grpc.aio.UsageError, asyncio.InvalidStateError
        ):
            await self._call.done_writing()
