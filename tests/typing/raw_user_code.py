"""User code written against `astra_grpc_async.proto` and `client.raw`: type-checked by
tests/unit/test_typed_protocol_layer.py with mypy --strict and no Any anywhere."""

from __future__ import annotations

from collections.abc import AsyncIterator

import astra_grpc_async as aga
from astra_grpc_async import codec, errors, proto


def select(cql: str, *params: int | str) -> proto.Query:
    return proto.Query(
        cql=cql,
        values=codec.to_proto_values(list(params)),
        parameters=proto.QueryParameters(keyspace="app", page_size=100),
    )


async def one_page(client: aga.Client) -> list[aga.Row]:
    response: proto.Response = await client.raw.execute_query(select("SELECT 1"), timeout=2.0)
    if response.result_set is not None:
        state: bytes | None = response.result_set.paging_state
        del state
    return aga.Result.from_proto(response).rows


async def batch(client: aga.Client) -> proto.Response:
    b = proto.Batch(type=proto.BatchType.UNLOGGED, queries=[proto.BatchQuery(cql="INSERT ...")])
    return await client.raw.execute_batch(b, idempotent=True)


async def requests() -> AsyncIterator[proto.Query]:
    yield select("SELECT 2")


async def streams(client: aga.Client) -> int:
    n = 0
    async with client.raw.execute_query_stream(requests()) as stream:
        async for item in stream:
            item_typed: proto.StreamingResponse = item
            try:
                response: proto.Response = aga.RawStub.unwrap(item_typed)
            except errors.ServerError as exc:
                detail: proto.ErrorDetail | None = exc.detail
                del detail
                continue
            n += len(response.warnings)
    async for b in client.raw.execute_batch_stream([proto.Batch()]):
        if b.status is not None:
            code: int = b.status.code
            n += code
    return n


def value() -> proto.Value:
    return codec.to_proto(42)


def typed_stream(client: aga.Client) -> aga.RowStream[aga.Row]:
    return client.stream("SELECT * FROM app.users")  # no into=: a stream of Rows
