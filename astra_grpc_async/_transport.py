"""The only client module that imports grpc: channels, the pool, error mapping.

A pool of grpc.aio channels, `pool_size` per endpoint, each its own TCP
connection (`grpc.use_local_subchannel_pool`), each multiplexing many HTTP/2
streams. Calls go to the least-loaded channel of a healthy endpoint; an
endpoint whose calls keep failing at the transport level is ejected for a
backoff period and probed back by live traffic afterwards.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

import grpc
import grpc.aio

from . import errors
from ._proto.stargate import query_pb2
from ._status import server_error
from ._version import __version__
from .config import TLS, Endpoint, Secret

log = logging.getLogger("astra_grpc_async.transport")

TOKEN_HEADER = "x-cassandra-token"
_QUERY = "/stargate.Stargate/ExecuteQuery"
_BATCH = "/stargate.Stargate/ExecuteBatch"
_QUERY_STREAM = "/stargate.Stargate/ExecuteQueryStream"
_BATCH_STREAM = "/stargate.Stargate/ExecuteBatchStream"

_Serialize = query_pb2.Query.SerializeToString


@dataclass(frozen=True, slots=True)
class TransportOptions:
    pool_size: int = 2
    max_response_bytes: int = 256 * 1024 * 1024
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
        # unary answers come back as raw bytes: the caller parses them, and
        # reads the result schema's key straight from the bytes (_responses.py)
        self.query = channel.unary_unary(
            _QUERY, request_serializer=_Serialize, response_deserializer=None
        )
        self.batch = channel.unary_unary(
            _BATCH, request_serializer=query_pb2.Batch.SerializeToString, response_deserializer=None
        )
        self.query_stream = channel.stream_stream(
            _QUERY_STREAM,
            request_serializer=_Serialize,
            response_deserializer=query_pb2.StreamingResponse.FromString,
        )
        self.batch_stream = channel.stream_stream(
            _BATCH_STREAM,
            request_serializer=query_pb2.Batch.SerializeToString,
            response_deserializer=query_pb2.StreamingResponse.FromString,
        )


def _credentials(tls: TLS) -> grpc.ChannelCredentials:
    return grpc.ssl_channel_credentials(
        root_certificates=tls.ca, private_key=tls.key, certificate_chain=tls.cert
    )


class ChannelPool:
    def __init__(
        self,
        endpoints: Sequence[Endpoint],
        *,
        token: Secret | None,
        tls: TLS | None,
        options: TransportOptions,
    ) -> None:
        if options.pool_size < 1:
            raise errors.ConfigError("pool_size must be at least 1")
        self._endpoints = tuple(endpoints)
        self._tls = tls
        self._options = options
        self.metadata: tuple[tuple[str, str], ...] = (
            ((TOKEN_HEADER, token.reveal()),) if token is not None else ()
        )
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
            log.warning(
                "endpoint %s ejected for %.1fs after repeated failures", ch.endpoint, backoff
            )

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


# --- error mapping (the one place a grpc exception becomes ours) -------------

_TOO_LARGE = "larger than max"
# grpc.aio's own status when a local operation fails, e.g. a stream write on a
# connection that just died: not an answer from the server
_CORE = "Internal error from Core"


def map_rpc_error(exc: grpc.aio.AioRpcError) -> errors.AgaError:
    code = exc.code()
    name = code.name if code is not None else "UNKNOWN"
    message = exc.details() or ""
    trailers = tuple(exc.trailing_metadata() or ())
    has_detail = any(k.startswith("stargate.") and k.endswith("-bin") for k, _ in trailers)
    if not has_detail:
        if name == "DEADLINE_EXCEEDED":
            return errors.ClientDeadlineError(f"deadline exceeded: {message}", code=name)
        if name in ("UNAVAILABLE", "CANCELLED") or (name == "INTERNAL" and message == _CORE):
            return errors.ConnectionLostError(f"connection lost: {message}", code=name)
        if name == "RESOURCE_EXHAUSTED" and _TOO_LARGE in message:
            return errors.MessageTooLargeError(message, code=name)
        if name == "UNIMPLEMENTED":
            return errors.ProtocolError(f"the server does not implement this method: {message}")
    return server_error(name, message, trailers)


def is_transport_failure(exc: BaseException) -> bool:
    return isinstance(exc, errors.ConnectionLostError)


def raise_mapped(exc: grpc.aio.AioRpcError) -> NoReturn:
    raise map_rpc_error(exc) from exc


AioRpcError = grpc.aio.AioRpcError
