"""Connect to a real DataStax Astra database.

    export ASTRA_DB_APPLICATION_TOKEN=AstraCS:...     # a token with a database role
    export ASTRA_DB_ID=<database id>                   # from the Astra console
    export ASTRA_DB_REGION=<region, e.g. us-east1>
    export ASTRA_DB_KEYSPACE=<an existing keyspace>    # made in the Astra console
    python examples/astra.py

`Client.from_env()` builds the endpoint
`<id>-<region>.apps.astra.datastax.com:443` and always uses TLS. Astra does
not let CQL create keyspaces, so this writes to a table in the keyspace named
by ASTRA_DB_KEYSPACE (default `default_keyspace`) and drops it afterwards.
The token is held in a redacting `Secret`: it never shows in reprs or logs.
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid

import astra_grpc_async as aga


async def main() -> int:
    keyspace = os.environ.get("ASTRA_DB_KEYSPACE") or "default_keyspace"
    async with aga.Client.from_env(keyspace=keyspace, timeout=30.0) as client:
        print(f"connected: {client!r}")
        version = await client.execute("SELECT release_version FROM system.local")
        print(f"Cassandra release {version.scalar()}")
        table = f"aga_example_{uuid.uuid4().hex[:8]}"
        await client.execute(f"CREATE TABLE {table} (id uuid PRIMARY KEY, name text)")
        try:
            ids = [uuid.uuid4() for _ in range(10)]
            await client.execute_many(
                f"INSERT INTO {table} (id, name) VALUES (?, ?)",
                [(i, f"row {n}") for n, i in enumerate(ids)],
                concurrency=8,
            )
            row = (await client.execute(f"SELECT name FROM {table} WHERE id = ?", [ids[3]])).one()
            print(f"read back: {row['name']}")
            return 0 if row["name"] == "row 3" else 1
        finally:
            await client.execute(f"DROP TABLE IF EXISTS {table}")


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
