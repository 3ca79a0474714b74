"""The client stacks compared, each able to make one small call and to read
a paged table:

* `driver`: `astra_grpc_async.Client` (the thing measured);
* `bare`: a hand-built `query_pb2.Query` on a bare grpc.aio multi-callable,
  upb messages, hand-written row conversion (the floor);
* `naive`: betterproto2 dataclasses over grpclib (pure-Python HTTP/2), the
  stack betterproto's own stubs target.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import grpc
import grpc.aio
import grpclib.client

import astra_grpc_async as aga
from astra_grpc_async._proto.bp import stargate as bp
from astra_grpc_async._proto.stargate import query_pb2

from .data import DECODERS, QUERY_PATH, TINY_CQL, bp_typed

TOKEN = "bench-token"
METADATA = (("x-cassandra-token", TOKEN),)


class Stack:
    name = ""

    async def open(self, target: str) -> None:
        raise NotImplementedError

    async def call(self) -> Any:
        """One small ExecuteQuery; returns the single value of its single row."""
        raise NotImplementedError

    async def read_rows(self, cql: str, page_size: int) -> int:
        """Read every row of `cql` page by page, fetching the next page while
        converting the current one; returns the row count."""
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError


class DriverStack(Stack):
    name = "driver"

    def __init__(self, pool_size: int = 1, max_in_flight: int = 1024) -> None:
        self.pool_size = pool_size
        self.max_in_flight = max_in_flight
        self.client: aga.Client | None = None

    async def open(self, target: str) -> None:
        self.client = aga.Client(
            target, token=TOKEN, pool_size=self.pool_size, max_in_flight=self.max_in_flight
        )
        await self.client.__aenter__()

    async def call(self) -> Any:
        assert self.client is not None
        return (await self.client.execute(TINY_CQL)).rows[0][0]

    async def read_rows(self, cql: str, page_size: int) -> int:
        assert self.client is not None
        n = 0
        async for _row in self.client.stream(cql, page_size=page_size, prefetch=2):
            n += 1
        return n

    async def close(self) -> None:
        if self.client is not None:
            await self.client.__aexit__(None, None, None)
            self.client = None


class BareStack(Stack):
    """grpc.aio + upb; `decoder` names a page decoder of `benchmarks.data`
    (`floor_typed`, `floor_raw` or `bp_typed`)."""

    def __init__(self, decoder: str = "floor_typed") -> None:
        self.decoder = decoder
        self.name = "bare" if decoder == "floor_typed" else decoder
        self.channel: grpc.aio.Channel | None = None

    async def open(self, target: str) -> None:
        self.channel = grpc.aio.insecure_channel(
            target, options=[("grpc.max_receive_message_length", -1)]
        )
        self._call = self.channel.unary_unary(
            QUERY_PATH,
            request_serializer=query_pb2.Query.SerializeToString,
            response_deserializer=query_pb2.Response.FromString,
        )
        self._raw = self.channel.unary_unary(
            QUERY_PATH, request_serializer=query_pb2.Query.SerializeToString
        )  # response as bytes: parsed by the page decoder
        self._tiny = query_pb2.Query(cql=TINY_CQL)

    async def call(self) -> Any:
        response = await self._call(self._tiny, metadata=METADATA)
        return response.result_set.rows[0].values[0].string

    async def read_rows(self, cql: str, page_size: int) -> int:
        parse, convert = DECODERS[self.decoder]
        raw = self._raw

        def request(state: bytes | None) -> Any:
            q = query_pb2.Query(cql=cql)
            q.parameters.page_size.value = page_size
            if state:
                q.parameters.paging_state.value = state
            return raw(q, metadata=METADATA)

        n = 0
        pending: Any = request(None)  # a grpc.aio call starts when created
        while pending is not None:
            rows, state = parse(await pending)
            pending = request(state) if state else None
            for _row in convert(rows):
                n += 1
        return n

    async def close(self) -> None:
        if self.channel is not None:
            await self.channel.close()
            self.channel = None


class NaiveStack(Stack):
    """betterproto2 messages over grpclib."""

    name = "naive"

    def __init__(self) -> None:
        self.channel: grpclib.client.Channel | None = None

    async def open(self, target: str) -> None:
        host, port = target.rsplit(":", 1)
        self.channel = grpclib.client.Channel(host, int(port))
        self._method: Callable[..., Any] = grpclib.client.UnaryUnaryMethod(
            self.channel, QUERY_PATH, bp.Query, bp.Response
        )
        self._tiny = bp.Query(cql=TINY_CQL)
        self._md = dict(METADATA)

    async def call(self) -> Any:
        response = await self._method(self._tiny, metadata=self._md)
        return response.result_set.rows[0].values[0].string

    async def read_rows(self, cql: str, page_size: int) -> int:
        method, md = self._method, self._md

        def request(state: bytes | None) -> asyncio.Future[Any]:
            params = bp.QueryParameters(page_size=page_size, paging_state=state or None)
            return asyncio.ensure_future(method(bp.Query(cql=cql, parameters=params), metadata=md))

        n = 0
        pending: asyncio.Future[Any] | None = request(None)
        while pending is not None:
            rs = (await pending).result_set
            state = rs.paging_state or None
            pending = request(state) if state else None
            for _row in bp_typed(rs.rows):
                n += 1
        return n

    async def close(self) -> None:
        if self.channel is not None:
            self.channel.close()
            self.channel = None
