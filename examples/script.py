"""A plain asyncio script: bulk-load rows with execute_many, read them back page by page.

    python examples/script.py                # an embedded emulator
    STARGATE_GRPC_ENDPOINT=localhost:8090 STARGATE_TOKEN=... python examples/script.py

With no endpoint in the environment it starts an emulator in the process.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import sys
from collections.abc import AsyncIterator

import astra_grpc_async as aga
from astra_grpc_async import errors


@contextlib.asynccontextmanager
async def connect(endpoint: str | None, token: str | None) -> AsyncIterator[aga.Client]:
    async with contextlib.AsyncExitStack() as stack:
        if endpoint is None and (
            os.environ.get("STARGATE_GRPC_ENDPOINT") or os.environ.get("ASTRA_DB_ID")
        ):
            client = aga.Client.from_env()
        else:
            if endpoint is None:
                server = await stack.enter_async_context(aga.emulator.serve(port=0))
                endpoint, token = server.endpoint, server.token
            client = aga.Client(endpoint, token=token)
        yield await stack.enter_async_context(client)


async def main(
    endpoint: str | None = None,
    token: str | None = None,
    *,
    keyspace: str = "script_demo",
    rows: int = 2_000,
    page_size: int = 250,
) -> int:
    """Load `rows` events into one day's partition, then read them back in pages.
    Returns how many rows were read."""
    async with connect(endpoint, token) as client:
        with contextlib.suppress(errors.AuthorizationError, errors.UnsupportedError):
            await client.execute(
                f"CREATE KEYSPACE IF NOT EXISTS {keyspace} "
                "WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
            )
        await client.execute(
            f"CREATE TABLE IF NOT EXISTS {keyspace}.events "
            "(day date, seq int, kind text, payload blob, PRIMARY KEY (day, seq))"
        )
        day = dt.date(2026, 1, 1)
        params = [
            (day, i, "even" if i % 2 == 0 else "odd", i.to_bytes(4, "big")) for i in range(rows)
        ]
        try:
            await client.execute_many(
                f"INSERT INTO {keyspace}.events (day, seq, kind, payload) VALUES (?, ?, ?, ?)",
                params,
                concurrency=64,
            )
        except errors.BulkError as exc:  # every item was tried; see which failed
            print(f"{len(exc.failed)} of {rows} inserts failed, first: {exc}", file=sys.stderr)
            return 0
        print(f"inserted {rows} rows")

        # page by page with execute(): what a web handler does with a cursor
        read, pages, state = 0, 0, None
        while True:
            page = await client.execute(
                f"SELECT seq, kind FROM {keyspace}.events WHERE day = ?",
                [day],
                page_size=page_size,
                paging_state=state,
            )
            read += len(page.rows)
            pages += 1
            state = page.paging_state
            if state is None:
                break
        print(f"read {read} rows back in {pages} pages of up to {page_size}")
        return read


if __name__ == "__main__":
    count = asyncio.run(main())
    sys.exit(0 if count else 1)
