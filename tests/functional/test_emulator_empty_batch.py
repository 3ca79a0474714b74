"""An empty batch is refused as Stargate's BatchHandler refuses it, over the
raw wire (the driver refuses it before sending)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import grpc.aio
import pytest

import astra_grpc_async as aga
from astra_grpc_async._proto.stargate import query_pb2, stargate_pb2_grpc
from astra_grpc_async.emulator import EmulatorServer


async def test_empty_batch_is_invalid(server: EmulatorServer) -> None:
    md = (("x-cassandra-token", server.token),)
    async with grpc.aio.insecure_channel(server.endpoint) as channel:
        stub = stargate_pb2_grpc.StargateStub(channel)  # type: ignore[no-untyped-call]
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await stub.ExecuteBatch(query_pb2.Batch(), metadata=md)
        assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert info.value.details() == "No queries in batch"

        async def requests() -> AsyncIterator[query_pb2.Batch]:
            yield query_pb2.Batch(type=query_pb2.Batch.UNLOGGED)

        items = [item async for item in stub.ExecuteBatchStream(requests(), metadata=md)]
        assert len(items) == 1 and items[0].WhichOneof("message") == "status"
        assert items[0].status.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
        assert items[0].status.message == "INVALID_ARGUMENT: No queries in batch"


async def test_the_driver_refuses_an_empty_batch_first(client: aga.Client) -> None:
    with pytest.raises(aga.errors.ClientError):
        await client.batch([])
