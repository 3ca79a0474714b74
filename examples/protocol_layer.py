"""The protocol layer: hand-built Stargate messages through `client.raw`.

    python examples/protocol_layer.py          # an embedded emulator
    STARGATE_GRPC_ENDPOINT=localhost:8090 STARGATE_TOKEN=... python examples/protocol_layer.py

`execute` covers everyday statements. When a protocol feature has no keyword
there (here: a batch-level `now_in_seconds` and `tracing_consistency`), build
the message yourself from `astra_grpc_async.proto`, send it with `client.raw`
(same pool, token, deadline, errors and hooks as `execute`), and still read
the answer as rows with `Result.from_proto`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator

import astra_grpc_async as aga
from astra_grpc_async import codec, errors, proto


@contextlib.asynccontextmanager
async def connect(endpoint: str | None, token: str | None) -> AsyncIterator[aga.Client]:
    async with contextlib.AsyncExitStack() as stack:
        if endpoint is None and os.environ.get("STARGATE_GRPC_ENDPOINT"):
            client = aga.Client.from_env()
        else:
            if endpoint is None:
                server = await stack.enter_async_context(aga.emulator.serve(port=0))
                endpoint, token = server.endpoint, server.token
            client = aga.Client(endpoint, token=token)
        yield await stack.enter_async_context(client)


def insert(table: str, sku: str, qty: int) -> proto.BatchQuery:
    return proto.BatchQuery(
        cql=f"INSERT INTO {table} (sku, qty) VALUES (?, ?)",
        values=codec.to_proto_values([sku, qty]),  # the driver's codec, as for execute
    )


async def main(
    endpoint: str | None = None, token: str | None = None, *, keyspace: str = "proto_demo"
) -> list[aga.Row]:
    async with connect(endpoint, token) as client:
        with contextlib.suppress(errors.AuthorizationError, errors.UnsupportedError):
            await client.execute(
                f"CREATE KEYSPACE IF NOT EXISTS {keyspace} WITH replication = "
                "{'class': 'SimpleStrategy', 'replication_factor': 1}"
            )
        table = f"{keyspace}.stock"
        await client.execute(f"CREATE TABLE IF NOT EXISTS {table} (sku text PRIMARY KEY, qty int)")

        # 1. A batch with parameters `client.batch` has no keyword for.
        batch = proto.Batch(
            type=proto.BatchType.UNLOGGED,
            queries=[insert(table, "apple", 3), insert(table, "pear", 5)],
            parameters=proto.BatchParameters(
                consistency=proto.ConsistencyValue(value=proto.Consistency.LOCAL_QUORUM),
                now_in_seconds=1_700_000_000,
                tracing_consistency=proto.ConsistencyValue(value=proto.Consistency.ONE),
            ),
        )
        await client.raw.execute_batch(batch, timeout=5.0)

        # 2. A hand-built query; the answer read back as Rows.
        query = proto.Query(
            cql=f"SELECT sku, qty FROM {table}",
            parameters=proto.QueryParameters(page_size=100),
        )
        response = await client.raw.execute_query(query, idempotent=True)
        rows = aga.Result.from_proto(response).rows
        for row in sorted(rows):
            print(f"{row['sku']}: {row.qty}")

        # 3. Several statements on one ExecuteQueryStream; an in-stream error
        #    raises the same typed error `execute` would.
        statements = [
            proto.Query(
                cql=f"SELECT qty FROM {table} WHERE sku = ?", values=codec.to_proto_values([s])
            )
            for s in ("apple", "pear")
        ] + [proto.Query(cql=f"SELECT nope FROM {table}")]
        async with client.raw.execute_query_stream(statements) as stream:
            async for item in stream:
                try:
                    answer = aga.RawStub.unwrap(item)
                except errors.InvalidQueryError as exc:
                    print(f"refused: {exc.message}")
                    continue
                print(f"streamed: {aga.Result.from_proto(answer).scalar()}")
        return rows


if __name__ == "__main__":
    sys.exit(0 if asyncio.run(main()) else 1)
