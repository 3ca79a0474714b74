"""The README's first command: a short tour against the embedded emulator."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Callable

from ..client import Client
from ..emulator import serve


async def tour(client: Client, say: Callable[[str], None] = print) -> int:
    """Create a keyspace and a table, write rows, stream them back. Returns rows read."""
    await client.execute(
        "CREATE KEYSPACE IF NOT EXISTS demo "
        "WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
    )
    await client.execute(
        "CREATE TABLE IF NOT EXISTS demo.readings ("
        " sensor uuid, at timestamp, celsius double, tags set<text>,"
        " PRIMARY KEY (sensor, at)) WITH CLUSTERING ORDER BY (at DESC)"
    )
    say("created keyspace demo and table demo.readings")
    sensor = uuid.UUID(int=42)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    rows = [
        (sensor, start + dt.timedelta(minutes=i), 20.0 + i / 10, {"demo", f"batch{i % 3}"})
        for i in range(250)
    ]
    await client.execute_many(
        "INSERT INTO demo.readings (sensor, at, celsius, tags) VALUES (?, ?, ?, ?)",
        rows,
        concurrency=32,
    )
    say(f"wrote {len(rows)} rows with execute_many")
    count = 0
    async with client.stream(
        "SELECT at, celsius, tags FROM demo.readings WHERE sensor = ?",
        [sensor],
        page_size=100,
    ) as stream:
        async for row in stream:
            if count < 3:
                say(f"  {row['at'].isoformat()}  {row['celsius']:.1f} C  {sorted(row['tags'])}")
            count += 1
    say(f"streamed {count} rows back in {stream.stats.pages_fetched} pages (newest first)")
    return count


async def main() -> int:
    async with serve(port=0) as server:
        print(f"embedded emulator listening on {server.endpoint}")
        async with Client(server.endpoint, token=server.token) as client:
            await tour(client)
    return 0


def run() -> int:
    return asyncio.run(main())
