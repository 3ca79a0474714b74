"""DESCRIBE in `astra-grpc cql`: DDL rebuilt from system_schema that recreates
the same schema when pasted back (run through `-e` / `-f` against the emulator)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

import astra_grpc_async as aga
from astra_grpc_async.cli.describe import quote_name
from astra_grpc_async.cli.main import build_parser, cql_main
from astra_grpc_async.emulator import EmulatorServer

SCHEMA = """
CREATE KEYSPACE rt WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}
  AND durable_writes = false;
CREATE TYPE rt.person (name text, home frozen<address>, tags frozen<set<text>>);
"""
# person uses address: DESCRIBE must print address first although CREATE order differs
TYPES_FIRST = "CREATE TYPE rt.address (street text, zip int);"
TABLES = """
CREATE TABLE rt.events (
  tenant text, day date, at timestamp, seq int, "Kind" text, "select" int,
  payload map<text, frozen<list<int>>>, who frozen<person>, pair tuple<int, text>,
  note text static, f float, t time,
  PRIMARY KEY ((tenant, day), at, seq)
) WITH CLUSTERING ORDER BY (at DESC, seq ASC) AND comment = 'it''s the events'
  AND default_time_to_live = 3600 AND gc_grace_seconds = 7200;
CREATE TABLE rt.counts (k uuid PRIMARY KEY, n counter);
CREATE TABLE rt."Plain" (k int, c text, m map<int, text>, l frozen<list<int>>,
  PRIMARY KEY (k, c));
CREATE INDEX plain_m_keys ON rt."Plain" (keys(m));
CREATE INDEX ON rt."Plain" (full(l));
CREATE INDEX events_kind ON rt.events ("Kind");
"""


@pytest.fixture(autouse=True)
def no_endpoint_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("ASTRA_DB_", "STARGATE_")):
            monkeypatch.delenv(name)


async def cql(server: EmulatorServer, *args: str) -> int:
    argv = ["cql", "--endpoint", server.endpoint, "--token", server.token, *args]
    return await cql_main(build_parser().parse_args(argv))


async def schema_rows(client: aga.Client, keyspace: str) -> dict[str, list[dict[str, Any]]]:
    """What system_schema holds for `keyspace`, without the table ids."""
    out = {}
    for table in ("keyspaces", "tables", "columns", "types", "indexes"):
        result = await client.execute(
            f"SELECT * FROM system_schema.{table} WHERE keyspace_name = ?", [keyspace]
        )
        rows = [{k: v for k, v in r.items() if k != "id"} for r in result.rows]
        out[table] = sorted(rows, key=repr)
    return out


async def test_describe_keyspace_round_trips(
    stargate_emulator: EmulatorServer,
    stargate_client: aga.Client,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    setup = SCHEMA.replace("CREATE TYPE rt.person", TYPES_FIRST + "\nCREATE TYPE rt.person")
    assert await cql(stargate_emulator, "-e", setup + TABLES) == 0
    capsys.readouterr()
    assert await cql(stargate_emulator, "-e", "DESCRIBE KEYSPACE rt") == 0
    first = capsys.readouterr().out
    before = await schema_rows(stargate_client, "rt")

    assert first.index("CREATE TYPE rt.address") < first.index("CREATE TYPE rt.person")
    assert (
        'CREATE TABLE rt."Plain" (\n'
        "    k int,\n"
        "    c text,\n"
        "    l frozen<list<int>>,\n"
        "    m map<int, text>,\n"
        "    PRIMARY KEY (k, c)\n"
        ") WITH CLUSTERING ORDER BY (c ASC)\n"
    ) in first
    assert "    note text static,\n" in first and '    "select" int,\n' in first
    assert "    PRIMARY KEY ((tenant, day), at, seq)\n" in first
    assert "CLUSTERING ORDER BY (at DESC, seq ASC)" in first
    assert "AND comment = 'it''s the events'" in first and "AND gc_grace_seconds = 7200" in first
    assert "    k uuid PRIMARY KEY,\n" in first
    assert 'CREATE INDEX plain_m_keys ON rt."Plain" (keys(m));' in first
    assert 'CREATE INDEX "Plain_l_idx" ON rt."Plain" (full(l));' in first
    assert 'CREATE INDEX events_kind ON rt.events ("Kind");' in first
    assert "AND durable_writes = false;" in first

    await stargate_client.execute("DROP KEYSPACE rt")
    script = tmp_path / "rt.cql"
    script.write_text(first)  # pasted back as it was printed
    assert await cql(stargate_emulator, "-f", str(script)) == 0
    capsys.readouterr()
    assert await cql(stargate_emulator, "-e", "DESC KEYSPACE rt") == 0
    assert capsys.readouterr().out == first
    assert await schema_rows(stargate_client, "rt") == before


async def test_describe_lists_and_single_objects(
    stargate_emulator: EmulatorServer, capsys: pytest.CaptureFixture[str]
) -> None:
    setup = (
        "CREATE KEYSPACE IF NOT EXISTS desc_ks WITH replication = "
        "{'class': 'SimpleStrategy', 'replication_factor': 1};"
        "CREATE TABLE IF NOT EXISTS desc_ks.b (k int PRIMARY KEY, v text);"
        "CREATE TABLE IF NOT EXISTS desc_ks.a (k int PRIMARY KEY);"
        "CREATE TYPE IF NOT EXISTS desc_ks.u (x int);"
    )
    assert await cql(stargate_emulator, "-e", setup) == 0
    capsys.readouterr()
    assert await cql(stargate_emulator, "-e", "DESCRIBE KEYSPACES") == 0
    names = capsys.readouterr().out.split()
    assert "desc_ks" in names and "system_schema" in names and names == sorted(names)

    assert await cql(stargate_emulator, "-e", "USE desc_ks; DESC TABLES; DESC TYPES") == 0
    out = capsys.readouterr().out
    assert "Keyspace desc_ks\n----------------\na  b\n" in out
    assert "Keyspace desc_ks\n----------------\nu\n" in out

    assert await cql(stargate_emulator, "--keyspace", "desc_ks", "-e", "desc b; DESC TYPE u") == 0
    out = capsys.readouterr().out
    assert "CREATE TABLE desc_ks.b (\n    k int PRIMARY KEY,\n    v text\n)" in out
    assert "CREATE TYPE desc_ks.u (\n    x int\n);" in out

    assert await cql(stargate_emulator, "-e", "DESCRIBE TABLES") == 0
    assert "Keyspace system_schema\n" in capsys.readouterr().out  # every keyspace

    assert await cql(stargate_emulator, "-e", "DESCRIBE SCHEMA") == 0
    out = capsys.readouterr().out
    assert "CREATE KEYSPACE desc_ks" in out and "system_schema" not in out


@pytest.mark.parametrize(
    ("stmt", "message"),
    [
        ("DESCRIBE KEYSPACE nowhere", "Keyspace nowhere not found"),
        ("DESCRIBE TABLE system.nothing", "Table system.nothing not found"),
        ("DESCRIBE TABLE nothing", "no keyspace given"),
        ("DESCRIBE", "DESCRIBE what?"),
    ],
)
async def test_describe_errors_fail_the_statement(
    stargate_emulator: EmulatorServer, capsys: pytest.CaptureFixture[str], stmt: str, message: str
) -> None:
    assert await cql(stargate_emulator, "-e", stmt) == 2
    err = capsys.readouterr().err
    assert "DescribeError" in err and message in err


def test_quote_name() -> None:
    assert quote_name("plain_1") == "plain_1"
    assert quote_name("Mixed") == '"Mixed"'
    assert quote_name("select") == '"select"'
    assert quote_name('a"b') == '"a""b"'
    assert quote_name("1st") == '"1st"'
