"""The wire contract's server semantics (shared/CONTRACT.md), checked over a real
socket against the emulator: through the driver where the driver shows the
point, and with a bare generated stub where the point is about the raw wire
(a field being absent rather than empty, a stream item's status).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import grpc
import grpc.aio
import pytest
from google.rpc import error_details_pb2

import astra_grpc_async as aga
from astra_grpc_async import errors
from astra_grpc_async._proto.stargate import query_pb2, stargate_pb2_grpc
from astra_grpc_async.emulator import EmulatorServer

LOCAL_QUORUM = query_pb2.Consistency.LOCAL_QUORUM
REPLICATION = "{'class': 'SimpleStrategy', 'replication_factor': 1}"


@contextlib.asynccontextmanager
async def raw_stub(
    server: EmulatorServer,
) -> AsyncIterator[tuple[stargate_pb2_grpc.StargateStub, tuple[tuple[str, str], ...]]]:
    """A bare generated stub on its own channel, and the auth metadata."""
    channel = grpc.aio.insecure_channel(server.endpoint)
    try:
        yield stargate_pb2_grpc.StargateStub(channel), (("x-cassandra-token", server.token),)  # type: ignore[no-untyped-call]
    finally:
        await channel.close()


def logged(server: EmulatorServer, cql: str) -> list[int]:
    return [level for text, level in server.engine.consistency_log if text == cql]


# --- consistency ------------------------------------------------------------------------


async def test_consistency_default_and_explicit(
    client: aga.Client, server: EmulatorServer, ks: str
) -> None:
    await client.execute(f"CREATE TABLE {ks}.cl (k int PRIMARY KEY, v int)")
    default_cql = f"SELECT * FROM {ks}.cl WHERE k = 1 -- default"
    await client.execute(default_cql)
    assert logged(server, default_cql) == [LOCAL_QUORUM]

    for level in (aga.Consistency.ONE, aga.Consistency.ALL, aga.Consistency.LOCAL_ONE, "QUORUM"):
        cql = f"INSERT INTO {ks}.cl (k, v) VALUES (1, 1) -- {level}"
        await client.execute(cql, consistency=level)
        name = level if isinstance(level, str) else level.name
        assert logged(server, cql) == [query_pb2.Consistency.Value(name)]

    # ANY (0, the proto3 default) is sent as a set wrapper, not dropped
    cql = f"INSERT INTO {ks}.cl (k, v) VALUES (2, 2) -- any"
    await client.execute(cql, consistency=aga.Consistency.ANY)
    assert logged(server, cql) == [query_pb2.Consistency.ANY]

    # batches: every statement is logged with the batch's level
    b1, b2 = (
        f"INSERT INTO {ks}.cl (k, v) VALUES (3, 3)",
        f"INSERT INTO {ks}.cl (k, v) VALUES (4, 4)",
    )
    await client.batch([b1, b2])
    assert logged(server, b1)[-1] == LOCAL_QUORUM and logged(server, b2)[-1] == LOCAL_QUORUM
    await client.batch([b1, b2], consistency=aga.Consistency.TWO)
    assert logged(server, b1)[-1] == query_pb2.Consistency.TWO
    assert logged(server, b2)[-1] == query_pb2.Consistency.TWO

    # a client-wide default is what it sends
    async with aga.Client(server.endpoint, token=server.token, consistency="EACH_QUORUM") as c:
        cql = f"SELECT * FROM {ks}.cl -- client default"
        await c.execute(cql)
        assert logged(server, cql) == [query_pb2.Consistency.EACH_QUORUM]


# --- paging -------------------------------------------------------------------------


async def _fill(client: aga.Client, ks: str, table: str, n: int) -> None:
    await client.execute(f"CREATE TABLE {ks}.{table} (p int, c int, v text, PRIMARY KEY (p, c))")
    await client.execute_many(
        f"INSERT INTO {ks}.{table} (p, c, v) VALUES (0, ?, ?)",
        [(i, f"v{i}") for i in range(n)],
    )


async def test_default_page_size_is_100(client: aga.Client, ks: str) -> None:
    await _fill(client, ks, "pg", 250)
    cql = f"SELECT c FROM {ks}.pg WHERE p = 0"
    sizes, seen, state = [], [], None
    while True:
        page = await client.execute(cql, paging_state=state)
        sizes.append(len(page.rows))
        seen += [r[0] for r in page.rows]
        state = page.paging_state
        if state is None:
            break
    assert sizes == [100, 100, 50]
    assert seen == list(range(250))
    async with client.stream(cql) as rows:
        assert [r[0] async for r in rows] == list(range(250))


@pytest.mark.parametrize(
    ("rows", "page_size", "pages"),
    [(20, 10, [10, 10]), (25, 10, [10, 10, 5]), (0, 10, [0]), (10, 10, [10]), (3, 10, [3])],
)
async def test_paging_state_absent_on_the_last_page(
    client: aga.Client, server: EmulatorServer, ks: str, rows: int, page_size: int, pages: list[int]
) -> None:
    """On the raw wire: the field is set while rows remain and unset (not
    merely empty) on the last page, also when that page is exactly full."""
    await _fill(client, ks, "last", rows)
    got = []
    async with raw_stub(server) as (stub, md):
        query = query_pb2.Query(cql=f"SELECT c FROM {ks}.last WHERE p = 0")
        query.parameters.page_size.value = page_size
        while True:
            resp = await stub.ExecuteQuery(query, metadata=md)
            assert resp.WhichOneof("result") == "result_set"
            rs = resp.result_set
            got.append(len(rs.rows))
            if not rs.HasField("paging_state"):
                break
            assert rs.paging_state.value, "a present paging_state must not be empty"
            assert len(got) <= len(pages), "paging_state on the last page"
            query.parameters.paging_state.CopyFrom(rs.paging_state)
    assert got == pages


async def test_resume_after_writes_within_a_partition(client: aga.Client, ks: str) -> None:
    await _fill(client, ks, "rs", 30)
    cql = f"SELECT c FROM {ks}.rs WHERE p = 0"
    first = await client.execute(cql, page_size=10)
    assert [r[0] for r in first.rows] == list(range(10))
    # before the cursor: insert and delete; at it: delete the last row returned;
    # after it: delete the next row, insert a new one
    for stmt in (
        "INSERT INTO {t} (p, c, v) VALUES (0, -5, 'x')",
        "DELETE FROM {t} WHERE p = 0 AND c = 2",
        "DELETE FROM {t} WHERE p = 0 AND c = 9",
        "DELETE FROM {t} WHERE p = 0 AND c = 10",
        "INSERT INTO {t} (p, c, v) VALUES (0, 15, 'again')",
        "INSERT INTO {t} (p, c, v) VALUES (0, 100, 'new')",
    ):
        await client.execute(stmt.format(t=f"{ks}.rs"))
    rest: list[int] = []
    state = first.paging_state
    while state is not None:
        page = await client.execute(cql, page_size=10, paging_state=state)
        rest += [r[0] for r in page.rows]
        state = page.paging_state
    assert rest == [*range(11, 30), 100]


async def test_resume_after_writes_across_partitions(client: aga.Client, ks: str) -> None:
    await client.execute(f"CREATE TABLE {ks}.parts (k int PRIMARY KEY, v int)")
    await client.execute_many(
        f"INSERT INTO {ks}.parts (k, v) VALUES (?, ?)", [(i, i) for i in range(40)]
    )
    cql = f"SELECT k FROM {ks}.parts"
    first = await client.execute(cql, page_size=10)
    assert len(first.rows) == 10 and first.has_more_pages
    seen = [r[0] for r in first.rows]
    cursor_key = seen[-1]
    tokens = {
        r[1]: r[0]
        for r in await client.execute(f"SELECT token(k), k FROM {ks}.parts", page_size=1000)
    }
    cursor_token = tokens[cursor_key]
    # delete the partition the cursor names and one before it; add partitions everywhere
    await client.execute(f"DELETE FROM {ks}.parts WHERE k = ?", [cursor_key])
    await client.execute(f"DELETE FROM {ks}.parts WHERE k = ?", [seen[0]])
    await client.execute_many(
        f"INSERT INTO {ks}.parts (k, v) VALUES (?, 0)", [(i,) for i in range(100, 140)]
    )
    rest: list[int] = []
    state = first.paging_state
    while state is not None:
        page = await client.execute(cql, page_size=10, paging_state=state)
        rest += [r[0] for r in page.rows]
        state = page.paging_state
    final = (await client.execute(f"SELECT token(k), k FROM {ks}.parts", page_size=1000)).rows
    assert [r[0] for r in final] == sorted(r[0] for r in final)  # token order
    new_tokens = [t for t, k in final if k >= 100]
    assert min(new_tokens) < cursor_token < max(new_tokens)  # inserted on both sides
    assert rest == [k for t, k in final if t > cursor_token]
    assert not set(rest) & set(seen)


async def test_limit_across_pages(client: aga.Client, ks: str) -> None:
    await _fill(client, ks, "lim", 50)
    cql = f"SELECT c FROM {ks}.lim WHERE p = 0 LIMIT 25"
    async with client.stream(cql, page_size=10) as rows:
        assert [r[0] async for r in rows] == list(range(25))


# --- results by statement kind --------------------------------------------------------


def _change(result: aga.Result) -> tuple[str, str, str, str | None, list[str]]:
    sc = result.schema_change
    assert sc is not None and result.rows == []
    return sc.change_type.name, sc.target.name, sc.keyspace, sc.name, list(sc.argument_types)


async def test_schema_change_create_and_drop(client: aga.Client) -> None:
    ks = "faith_schema_ks"
    try:
        r = await client.execute(f"CREATE KEYSPACE {ks} WITH replication = {REPLICATION}")
        assert _change(r)[:3] == ("CREATED", "KEYSPACE", ks) and _change(r)[3] in (None, "")
        r = await client.execute(f"CREATE TABLE {ks}.t (k int PRIMARY KEY, v int)")
        assert _change(r) == ("CREATED", "TABLE", ks, "t", [])
        r = await client.execute(f"ALTER TABLE {ks}.t ADD w text")
        assert _change(r) == ("UPDATED", "TABLE", ks, "t", [])
        r = await client.execute(f"ALTER TABLE {ks}.t DROP w")
        assert _change(r) == ("UPDATED", "TABLE", ks, "t", [])
        r = await client.execute(f"CREATE TYPE {ks}.addr (street text)")
        assert _change(r) == ("CREATED", "TYPE", ks, "addr", [])
        r = await client.execute(f"DROP TYPE {ks}.addr")
        assert _change(r) == ("DROPPED", "TYPE", ks, "addr", [])
        r = await client.execute(f"DROP TABLE {ks}.t")
        assert _change(r) == ("DROPPED", "TABLE", ks, "t", [])
        # IF NOT EXISTS / IF EXISTS with nothing to do: no schema change
        r = await client.execute(f"DROP TABLE IF EXISTS {ks}.t")
        assert r.schema_change is None and r.rows == []
    finally:
        r = await client.execute(f"DROP KEYSPACE IF EXISTS {ks}")
    assert _change(r)[:3] == ("DROPPED", "KEYSPACE", ks)


async def test_schema_change_alter_keyspace(client: aga.Client, ks: str) -> None:
    r = await client.execute(f"ALTER KEYSPACE {ks} WITH replication = {REPLICATION}")
    assert _change(r)[:3] == ("UPDATED", "KEYSPACE", ks)


async def test_schema_change_alter_type(client: aga.Client, ks: str) -> None:
    await client.execute(f"CREATE TYPE {ks}.addr (street text)")
    r = await client.execute(f"ALTER TYPE {ks}.addr ADD zip int")
    assert _change(r) == ("UPDATED", "TYPE", ks, "addr", [])


async def test_plain_writes_return_an_empty_response(
    client: aga.Client, server: EmulatorServer, ks: str
) -> None:
    await client.execute(f"CREATE TABLE {ks}.w (k int PRIMARY KEY, v int)")
    async with raw_stub(server) as (stub, md):
        for cql in (
            f"INSERT INTO {ks}.w (k, v) VALUES (1, 1)",
            f"UPDATE {ks}.w SET v = 2 WHERE k = 1",
            f"DELETE FROM {ks}.w WHERE k = 1",
            f"TRUNCATE {ks}.w",
        ):
            resp = await stub.ExecuteQuery(query_pb2.Query(cql=cql), metadata=md)
            assert resp.WhichOneof("result") is None, cql
        batch = query_pb2.Batch(
            queries=[query_pb2.BatchQuery(cql=f"INSERT INTO {ks}.w (k, v) VALUES (2, 2)")]
        )
        resp = await stub.ExecuteBatch(batch, metadata=md)
        assert resp.WhichOneof("result") is None
        # a SELECT with no rows still gets a result_set (with its columns)
        resp = await stub.ExecuteQuery(
            query_pb2.Query(cql=f"SELECT * FROM {ks}.w WHERE k = 9"), metadata=md
        )
        assert resp.WhichOneof("result") == "result_set"
        assert [c.name for c in resp.result_set.columns] == ["k", "v"] and not resp.result_set.rows
    write = await client.execute(f"INSERT INTO {ks}.w (k, v) VALUES (3, 3)")
    assert (write.rows, write.columns, write.schema_change, write.applied) == ([], [], None, None)


# --- lightweight transactions -------------------------------------------------------------


async def test_lwt_applied_and_current_values(client: aga.Client, ks: str) -> None:
    await client.execute(f"CREATE TABLE {ks}.lwt (k int PRIMARY KEY, v text, n int)")
    ins = f"INSERT INTO {ks}.lwt (k, v, n) VALUES (?, ?, ?) IF NOT EXISTS"
    r = await client.execute(ins, [1, "a", 1])
    assert r.applied is True and [c.name for c in r.columns] == ["[applied]"] and r.one() == (True,)
    assert r.columns[0].type == "boolean"
    r = await client.execute(ins, [1, "b", 2])
    assert r.applied is False
    assert r.columns[0].name == "[applied]"
    assert dict(r.one().items()) == {"[applied]": False, "k": 1, "v": "a", "n": 1}

    upd = f"UPDATE {ks}.lwt SET v = ? WHERE k = 1 IF n = ?"
    r = await client.execute(upd, ["c", 1])
    assert r.applied is True and r.one() == (True,)
    r = await client.execute(upd, ["d", 5])
    assert r.applied is False and dict(r.one().items()) == {"[applied]": False, "n": 1}
    r = await client.execute(f"UPDATE {ks}.lwt SET v = 'x' WHERE k = 42 IF EXISTS")
    assert r.applied is False and r.one() == (False,)
    # a conditional DELETE of one column / of a clustering row
    r = await client.execute(f"DELETE v FROM {ks}.lwt WHERE k = 1 IF v = 'zzz'")
    assert r.applied is False and dict(r.one().items()) == {"[applied]": False, "v": "c"}
    r = await client.execute(f"DELETE v FROM {ks}.lwt WHERE k = 1 IF v = 'c'")
    assert r.applied is True
    assert (await client.execute(f"SELECT v, n FROM {ks}.lwt WHERE k = 1")).one() == (None, 1)
    await client.execute(f"CREATE TABLE {ks}.lwt2 (p int, c int, v text, PRIMARY KEY (p, c))")
    await client.execute(f"INSERT INTO {ks}.lwt2 (p, c, v) VALUES (1, 1, 'x')")
    r = await client.execute(f"DELETE FROM {ks}.lwt2 WHERE p = 1 AND c = 1 IF v = 'y'")
    assert r.applied is False and dict(r.one().items()) == {"[applied]": False, "v": "x"}
    r = await client.execute(f"DELETE FROM {ks}.lwt2 WHERE p = 1 AND c = 1 IF EXISTS")
    assert r.applied is True
    assert (await client.execute(f"SELECT * FROM {ks}.lwt2")).rows == []


async def test_lwt_delete_row_without_clustering_columns(client: aga.Client, ks: str) -> None:
    await client.execute(f"CREATE TABLE {ks}.lwt3 (k int PRIMARY KEY, v text)")
    await client.execute(f"INSERT INTO {ks}.lwt3 (k, v) VALUES (1, 'c')")
    r = await client.execute(f"DELETE FROM {ks}.lwt3 WHERE k = 1 IF v = 'zzz'")
    assert r.applied is False and dict(r.one().items()) == {"[applied]": False, "v": "c"}
    r = await client.execute(f"DELETE FROM {ks}.lwt3 WHERE k = 1 IF EXISTS")
    assert r.applied is True
    assert (await client.execute(f"SELECT * FROM {ks}.lwt3")).rows == []


async def test_conditional_batch(client: aga.Client, ks: str) -> None:
    await client.execute(f"CREATE TABLE {ks}.cb (p int, c int, v text, PRIMARY KEY (p, c))")
    stmts: list[tuple[str, Any]] = [
        (f"INSERT INTO {ks}.cb (p, c, v) VALUES (?, ?, ?) IF NOT EXISTS", [1, 1, "a"]),
        (f"INSERT INTO {ks}.cb (p, c, v) VALUES (?, ?, ?)", [1, 2, "b"]),
    ]
    r = await client.batch(stmts)
    assert r.applied is True and r.columns[0].name == "[applied]"
    r = await client.batch(stmts)
    assert r.applied is False
    row = r.one()
    assert row[0] is False and row["p"] == 1 and row["c"] == 1 and row["v"] == "a"
    r = await client.batch([(f"UPDATE {ks}.cb SET v = 'z' WHERE p = 1 AND c = 2 IF v = ?", ["b"])])
    assert r.applied is True
    rows = (await client.execute(f"SELECT c, v FROM {ks}.cb WHERE p = 1")).rows
    assert rows == [(1, "a"), (2, "z")]


# --- errors ------------------------------------------------------------------------


async def test_use_is_refused(client: aga.Client, ks: str) -> None:
    with pytest.raises(errors.UnsupportedError) as info:
        await client.execute(f"USE {ks}")
    assert info.value.code == "INVALID_ARGUMENT"
    assert info.value.message == "USE <keyspace> not supported"


async def test_syntax_error_message(client: aga.Client) -> None:
    for cql in ("SELEC * FROM x", "SELECT * FROM", "INSERT INTO t (a) VALUES", "CREATE TABLE ("):
        with pytest.raises(errors.InvalidQueryError) as info:
            await client.execute(cql)
        assert info.value.code == "INVALID_ARGUMENT"
        assert info.value.message.startswith("line "), info.value.message


async def test_unknown_names_are_invalid_queries(client: aga.Client, ks: str) -> None:
    await client.execute(f"CREATE TABLE {ks}.known (k int PRIMARY KEY, v int)")
    for cql, word in [
        ("SELECT * FROM no_such_ks.t", "no_such_ks"),
        (f"SELECT * FROM {ks}.no_such_table", "no_such_table"),
        (f"SELECT nope FROM {ks}.known", "nope"),
        (f"INSERT INTO {ks}.known (k, nope) VALUES (1, 1)", "nope"),
        (f"SELECT * FROM {ks}.known WHERE nope = 1", "nope"),
        ("SELECT * FROM unqualified", "keyspace"),
    ]:
        with pytest.raises(errors.InvalidQueryError) as info:
            await client.execute(cql)
        assert type(info.value) is errors.InvalidQueryError
        assert info.value.code == "INVALID_ARGUMENT"
        assert word in info.value.message.lower(), (cql, info.value.message)


async def test_already_exists_detail(client: aga.Client, ks: str) -> None:
    await client.execute(f"CREATE TABLE {ks}.dup (k int PRIMARY KEY)")
    with pytest.raises(errors.AlreadyExistsError) as info:
        await client.execute(f"CREATE TABLE {ks}.dup (k int PRIMARY KEY)")
    assert info.value.code == "ALREADY_EXISTS"
    assert (info.value.detail.keyspace, info.value.detail.table) == (ks, "dup")
    with pytest.raises(errors.AlreadyExistsError) as info:
        await client.execute(f"CREATE KEYSPACE {ks} WITH replication = {REPLICATION}")
    assert info.value.detail.keyspace == ks and info.value.detail.table == ""
    r = await client.execute(f"CREATE TABLE IF NOT EXISTS {ks}.dup (k int PRIMARY KEY)")
    assert r.schema_change is None


async def test_bind_count_and_name_errors(
    client: aga.Client, server: EmulatorServer, ks: str
) -> None:
    await client.execute(f"CREATE TABLE {ks}.b (k int PRIMARY KEY, v int)")
    ins = f"INSERT INTO {ks}.b (k, v) VALUES (?, ?)"
    for params, text in [
        ([1], "Invalid number of bind values. Expected 2, but received 1"),
        ([1, 2, 3], "Invalid number of bind values. Expected 2, but received 3"),
    ]:
        with pytest.raises(errors.BindCountError) as info:
            await client.execute(ins, params)
        assert info.value.code == "FAILED_PRECONDITION" and info.value.message == text
    named = f"INSERT INTO {ks}.b (k, v) VALUES (:k, :v)"
    with pytest.raises(errors.BindValueError) as bad_name:
        await client.execute(named, {"k": 1, "x": 2})
    assert bad_name.value.code == "INVALID_ARGUMENT"
    assert bad_name.value.message == "Unable to find bind marker with name 'x'"
    # by name, the names are counted first (the driver sends one name per value)
    with pytest.raises(errors.BindCountError) as few:
        await client.execute(named, {"k": 1})
    assert few.value.message == "Invalid number of bind names. Expected 2, but received 1"
    # the names count apart from the values count: only the raw wire can send that
    async with raw_stub(server) as (stub, md):
        values = query_pb2.Values(
            values=[query_pb2.Value(int=1), query_pb2.Value(int=2)], value_names=["k"]
        )
        with pytest.raises(grpc.aio.AioRpcError) as raw:
            await stub.ExecuteQuery(query_pb2.Query(cql=named, values=values), metadata=md)
        assert raw.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert raw.value.details() == "Invalid number of bind names. Expected 2, but received 1"
    # no values at all: the database rejects the unbound markers as an invalid
    # query; the driver calls it a count mismatch like the others
    with pytest.raises(errors.BindCountError) as unbound:
        await client.execute(ins)
    assert unbound.value.code == "INVALID_ARGUMENT"
    assert isinstance(unbound.value, errors.InvalidQueryError)


async def test_wrong_kind_message(client: aga.Client, ks: str) -> None:
    await client.execute(f"CREATE TABLE {ks}.wk (k int PRIMARY KEY, t text)")
    with pytest.raises(errors.BindValueError) as info:
        await client.execute(f"INSERT INTO {ks}.wk (k, t) VALUES (?, ?)", ["one", "t"])
    assert info.value.message == "Invalid argument at position 1: Expected integer type"
    with pytest.raises(errors.BindValueError) as info:
        await client.execute(f"INSERT INTO {ks}.wk (k, t) VALUES (?, ?)", [1, 2])
    assert info.value.message == "Invalid argument at position 2: Expected string type"


# --- TTL, WRITETIME -----------------------------------------------------------------------


async def test_ttl_expiry_with_now_in_seconds(client: aga.Client, ks: str) -> None:
    await client.execute(f"CREATE TABLE {ks}.ttl (k int PRIMARY KEY, v text, w text)")
    now = int(time.time())
    await client.execute(
        f"INSERT INTO {ks}.ttl (k, v) VALUES (1, 'gone soon') USING TTL 100", now_in_seconds=now
    )
    await client.execute(
        f"UPDATE {ks}.ttl USING TTL 500 SET w = 'later' WHERE k = 1", now_in_seconds=now
    )
    sel = f"SELECT v, w, TTL(v), TTL(w) FROM {ks}.ttl WHERE k = 1"
    row = (await client.execute(sel, now_in_seconds=now + 40)).one()
    assert row == ("gone soon", "later", 60, 460)
    assert [c.type for c in (await client.execute(sel, now_in_seconds=now)).columns][2:] == [
        "int",
        "int",
    ]
    # v expired: the row lives on through w; then all of it is gone
    assert (await client.execute(sel, now_in_seconds=now + 100)).one() == (None, "later", None, 400)
    assert (await client.execute(sel, now_in_seconds=now + 500)).rows == []
    # no TTL: TTL() is null
    await client.execute(f"INSERT INTO {ks}.ttl (k, v) VALUES (2, 'forever')")
    assert (await client.execute(f"SELECT TTL(v) FROM {ks}.ttl WHERE k = 2")).scalar() is None


async def test_ttl_expiry_in_real_time(client: aga.Client, ks: str) -> None:
    await client.execute(f"CREATE TABLE {ks}.ttl1 (k int PRIMARY KEY, v int)")
    await client.execute(f"INSERT INTO {ks}.ttl1 (k, v) VALUES (1, 1) USING TTL 1")
    assert len((await client.execute(f"SELECT v FROM {ks}.ttl1 WHERE k = 1")).rows) == 1
    await asyncio.sleep(1.1)
    assert (await client.execute(f"SELECT v FROM {ks}.ttl1 WHERE k = 1")).rows == []


async def test_writetime(client: aga.Client, ks: str) -> None:
    await client.execute(f"CREATE TABLE {ks}.wt (k int PRIMARY KEY, v int)")
    await client.execute(f"INSERT INTO {ks}.wt (k, v) VALUES (1, 1) USING TIMESTAMP 123456")
    res = await client.execute(f"SELECT WRITETIME(v) FROM {ks}.wt WHERE k = 1")
    assert res.scalar() == 123456 and res.columns[0].type == "bigint"
    # an older write loses; the `timestamp` parameter sets the write time
    await client.execute(f"UPDATE {ks}.wt SET v = 2 WHERE k = 1", timestamp=100)
    assert (await client.execute(f"SELECT v, WRITETIME(v) FROM {ks}.wt WHERE k = 1")).one() == (
        1,
        123456,
    )
    await client.execute(f"UPDATE {ks}.wt SET v = 3 WHERE k = 1", timestamp=200000)
    assert (await client.execute(f"SELECT v, WRITETIME(v) FROM {ks}.wt WHERE k = 1")).one() == (
        3,
        200000,
    )
    before = int(time.time() * 1_000_000)
    await client.execute(f"INSERT INTO {ks}.wt (k, v) VALUES (2, 2)")
    after = int(time.time() * 1_000_000)
    assert (
        before
        <= (await client.execute(f"SELECT WRITETIME(v) FROM {ks}.wt WHERE k = 2")).scalar()
        <= after
    )


# --- query features ---------------------------------------------------------------------


async def test_static_columns(client: aga.Client, ks: str) -> None:
    await client.execute(
        f"CREATE TABLE {ks}.st (p int, c int, s text static, v int, PRIMARY KEY (p, c))"
    )
    await client.execute(f"INSERT INTO {ks}.st (p, c, s, v) VALUES (1, 1, 'first', 10)")
    await client.execute(f"INSERT INTO {ks}.st (p, c, v) VALUES (1, 2, 20)")
    await client.execute(f"UPDATE {ks}.st SET s = 'shared' WHERE p = 1")
    rows = (await client.execute(f"SELECT c, s, v FROM {ks}.st WHERE p = 1")).rows
    assert rows == [(1, "shared", 10), (2, "shared", 20)]
    # a partition with only its static row
    await client.execute(f"INSERT INTO {ks}.st (p, s) VALUES (2, 'alone')")
    assert (await client.execute(f"SELECT p, c, s, v FROM {ks}.st WHERE p = 2")).rows == [
        (2, None, "alone", None)
    ]
    distinct = (await client.execute(f"SELECT DISTINCT p, s FROM {ks}.st")).rows
    assert sorted(distinct) == [(1, "shared"), (2, "alone")]
    cols = await client.execute(
        "SELECT column_name, kind FROM system_schema.columns "
        "WHERE keyspace_name = ? AND table_name = 'st'",
        [ks],
    )
    assert dict(cols.rows)["s"] == "static"


async def test_order_by_desc_and_in(client: aga.Client, ks: str) -> None:
    await _fill(client, ks, "ord", 5)
    await client.execute_many(
        f"INSERT INTO {ks}.ord (p, c, v) VALUES (?, ?, 'x')", [(1, i) for i in range(3)]
    )
    desc = await client.execute(f"SELECT c FROM {ks}.ord WHERE p = 0 ORDER BY c DESC")
    assert [r[0] for r in desc] == [4, 3, 2, 1, 0]
    async with client.stream(
        f"SELECT c FROM {ks}.ord WHERE p = 0 ORDER BY c DESC", page_size=2
    ) as rows:
        assert [r[0] async for r in rows] == [4, 3, 2, 1, 0]
    both = await client.execute(f"SELECT p, c FROM {ks}.ord WHERE p IN (1, 0, 7) AND c < 2")
    assert sorted(both.rows) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    bound = await client.execute(f"SELECT p, c FROM {ks}.ord WHERE p IN ? AND c = ?", [[1], 2])
    assert bound.rows == [(1, 2)]
    rng = await client.execute(f"SELECT c FROM {ks}.ord WHERE p = 0 AND c >= 1 AND c < 3")
    assert [r[0] for r in rng] == [1, 2]


async def test_allow_filtering(client: aga.Client, ks: str) -> None:
    await _fill(client, ks, "flt", 10)
    cql = f"SELECT c FROM {ks}.flt WHERE v = 'v3'"
    with pytest.raises(errors.InvalidQueryError) as info:
        await client.execute(cql)
    assert info.value.message == (
        "Cannot execute this query as it might involve data filtering and thus may have "
        "unpredictable performance. If you want to execute this query despite the "
        "performance unpredictability, use ALLOW FILTERING"
    )
    assert (await client.execute(cql + " ALLOW FILTERING")).rows == [(3,)]


async def test_count(client: aga.Client, ks: str) -> None:
    await _fill(client, ks, "cnt", 123)
    res = await client.execute(f"SELECT COUNT(*) FROM {ks}.cnt")
    assert res.scalar() == 123
    assert res.columns[0].name == "count" and res.columns[0].type == "bigint"
    assert (await client.execute(f"SELECT COUNT(*) FROM {ks}.cnt WHERE p = 9")).scalar() == 0
    assert (
        await client.execute(f"SELECT count(1) FROM {ks}.cnt WHERE p = 0 AND c < 10")
    ).scalar() == 10


# --- system tables -------------------------------------------------------------------------


async def test_system_local(client: aga.Client) -> None:
    row = (await client.execute("SELECT * FROM system.local")).one()
    assert row["key"] == "local"
    assert isinstance(row["release_version"], str) and row["release_version"]
    assert isinstance(row["cluster_name"], str) and row["cluster_name"]
    assert row["partitioner"].endswith("Murmur3Partitioner")


async def test_system_schema_introspection(client: aga.Client, ks: str) -> None:
    await client.execute(
        f"CREATE TABLE {ks}.intro (a int, b text, c timestamp, d map<text, int>, "
        "PRIMARY KEY ((a), b, c)) WITH CLUSTERING ORDER BY (b DESC, c ASC)"
    )
    keyspaces = await client.execute("SELECT keyspace_name FROM system_schema.keyspaces")
    assert ks in {r[0] for r in keyspaces}
    tables = await client.execute(
        "SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?", [ks]
    )
    assert [r[0] for r in tables] == ["intro"]
    cols = await client.execute(
        "SELECT column_name, kind, position, type, clustering_order FROM system_schema.columns "
        "WHERE keyspace_name = ? AND table_name = ?",
        [ks, "intro"],
    )
    by_name = {
        r["column_name"]: (r["kind"], r["position"], r["type"], r["clustering_order"]) for r in cols
    }
    assert by_name == {
        "a": ("partition_key", 0, "int", "none"),
        "b": ("clustering", 0, "text", "desc"),
        "c": ("clustering", 1, "timestamp", "asc"),
        "d": ("regular", -1, "map<text, int>", "none"),
    }
    await client.execute(f"DROP TABLE {ks}.intro")
    tables = await client.execute(
        "SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?", [ks]
    )
    assert tables.rows == []


# --- streaming endpoints -----------------------------------------------------------------


async def test_pipeline_error_keeps_the_stream_usable(client: aga.Client, ks: str) -> None:
    await client.execute(f"CREATE TABLE {ks}.pl (k int PRIMARY KEY, v int)")
    async with client.pipeline(width=1) as pipe:
        await pipe.execute(f"INSERT INTO {ks}.pl (k, v) VALUES (?, ?)", [1, 1])
        with pytest.raises(errors.InvalidQueryError) as info:
            await pipe.execute("SELEC nonsense")
        assert info.value.code == "INVALID_ARGUMENT" and info.value.message.startswith("line ")
        with pytest.raises(errors.BindCountError):
            await pipe.execute(f"INSERT INTO {ks}.pl (k, v) VALUES (?, ?)", [1])
        with pytest.raises(errors.AlreadyExistsError):
            await pipe.execute(f"CREATE TABLE {ks}.pl (k int PRIMARY KEY)")
        assert (await pipe.execute(f"SELECT v FROM {ks}.pl WHERE k = 1")).scalar() == 1
    async with client.pipeline(width=1, batches=True) as pipe:
        with pytest.raises(errors.InvalidQueryError):
            await pipe.batch([f"SELECT * FROM {ks}.pl"])
        await pipe.batch([(f"INSERT INTO {ks}.pl (k, v) VALUES (?, ?)", [2, 2])])
    assert (await client.execute(f"SELECT v FROM {ks}.pl WHERE k = 2")).scalar() == 2


async def test_stream_status_item_on_the_raw_wire(server: EmulatorServer, ks: str) -> None:
    async with raw_stub(server) as (stub, md):
        call = stub.ExecuteQueryStream(metadata=md)
        await call.write(query_pb2.Query(cql="SELEC 1"))
        item = await call.read()
        assert item.WhichOneof("message") == "status"
        assert item.status.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
        assert item.status.message.startswith("INVALID_ARGUMENT: line ")
        info = error_details_pb2.ErrorInfo()
        assert item.status.details[0].Unpack(info)
        assert item.status.message == f"INVALID_ARGUMENT: {info.reason}"
        # the same stream answers the next request
        await call.write(query_pb2.Query(cql="SELECT key FROM system.local"))
        item = await call.read()
        assert item.WhichOneof("message") == "response"
        assert item.response.result_set.rows[0].values[0].string == "local"
        await call.done_writing()
        assert await call.read() is grpc.aio.EOF
        assert await call.code() == grpc.StatusCode.OK


@pytest.mark.parametrize("token", [None, "not-the-token"])
async def test_pipeline_auth(server: EmulatorServer, token: str | None) -> None:
    async with aga.Client(server.endpoint, token=token, retry=aga.NO_RETRY) as c:
        for batches in (False, True):
            async with c.pipeline(width=1, batches=batches) as pipe:
                with pytest.raises(errors.AuthenticationError) as info:
                    if batches:
                        await pipe.batch(["INSERT INTO x.y (k) VALUES (1)"])
                    else:
                        await pipe.execute("SELECT * FROM system.local")
                assert info.value.code == "UNAUTHENTICATED"
                assert info.value.message == (
                    "No token provided" if token is None else "Invalid token"
                )
    async with aga.Client(server.endpoint, token=server.token) as c, c.pipeline(width=2) as pipe:
        assert (await pipe.execute("SELECT key FROM system.local")).scalar() == "local"
