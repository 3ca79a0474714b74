"""execute() through the emulator over a real socket."""

from __future__ import annotations

import asyncio

import pytest

import astra_grpc_async as aga
from astra_grpc_async import errors


async def test_round_trip_positional_and_named(client: aga.Client, ks: str) -> None:
    change = await client.execute(
        f"CREATE TABLE {ks}.users (id int PRIMARY KEY, name text, age int)"
    )
    assert change.schema_change is not None
    assert change.schema_change.change_type.name == "CREATED"
    assert change.schema_change.target.name == "TABLE"
    assert change.schema_change.keyspace == ks
    assert change.rows == [] and not change.has_more_pages

    write = await client.execute(
        f"INSERT INTO {ks}.users (id, name, age) VALUES (?, ?, ?)", [1, "ada", 36]
    )
    assert write.rows == [] and write.schema_change is None and write.applied is None
    await client.execute(
        f"INSERT INTO {ks}.users (id, name, age) VALUES (:id, :name, :age)",
        {"id": 2, "name": "bob", "age": None},
    )
    res = await client.execute(f"SELECT id, name, age FROM {ks}.users WHERE id = ?", [1])
    row = res.one()
    assert row == (1, "ada", 36)
    assert row["name"] == "ada" and row[0] == 1
    assert dict(row.items()) == {"id": 1, "name": "ada", "age": 36}
    assert [c.name for c in res.columns] == ["id", "name", "age"]
    assert [c.type for c in res.columns] == ["int", "varchar", "int"]
    bob = (await client.execute(f"SELECT * FROM {ks}.users WHERE id = 2")).one()
    assert bob["age"] is None


async def test_default_keyspace_on_the_client(server, ks: str) -> None:  # type: ignore[no-untyped-def]
    async with aga.Client(server.endpoint, token=server.token, keyspace=ks) as c:
        await c.execute("CREATE TABLE kv (k text PRIMARY KEY, v int)")
        await c.execute("INSERT INTO kv (k, v) VALUES ('a', 1)")
        assert (await c.execute("SELECT v FROM kv WHERE k = 'a'")).scalar() == 1
        # a per-call keyspace wins over the client's
        await c.execute(
            "CREATE KEYSPACE IF NOT EXISTS other_ks WITH replication = "
            "{'class': 'SimpleStrategy', 'replication_factor': 1}"
        )
        await c.execute(
            "CREATE TABLE IF NOT EXISTS kv (k text PRIMARY KEY, v int)", keyspace="other_ks"
        )
        assert (await c.execute("SELECT v FROM kv WHERE k = 'a'", keyspace="other_ks")).rows == []


async def test_select_with_zero_rows_still_has_columns(client: aga.Client, ks: str) -> None:
    await client.execute(f"CREATE TABLE {ks}.empty (id int PRIMARY KEY, v text)")
    res = await client.execute(f"SELECT * FROM {ks}.empty")
    assert res.rows == [] and res.first() is None and not res.has_more_pages
    assert [c.name for c in res.columns] == ["id", "v"]


async def test_lwt_applied_flag(client: aga.Client, ks: str) -> None:
    await client.execute(f"CREATE TABLE {ks}.lwt (id int PRIMARY KEY, v text)")
    first = await client.execute(f"INSERT INTO {ks}.lwt (id, v) VALUES (1, 'a') IF NOT EXISTS")
    assert first.applied is True
    again = await client.execute(f"INSERT INTO {ks}.lwt (id, v) VALUES (1, 'b') IF NOT EXISTS")
    assert again.applied is False
    assert again.one()["v"] == "a"  # the current values come back


async def test_errors_are_typed(client: aga.Client, ks: str) -> None:
    await client.execute(f"CREATE TABLE {ks}.e (id int PRIMARY KEY, v text)")
    try:
        await client.execute("SELEC * FROM x")
    except errors.InvalidQueryError as exc:
        assert exc.code == "INVALID_ARGUMENT" and exc.message.startswith("line 1:")
    else:
        raise AssertionError("no error")
    for cql, params, cls, text in [
        (f"INSERT INTO {ks}.e (id, v) VALUES (?, ?)", [1], errors.BindCountError,
         "Invalid number of bind values. Expected 2, but received 1"),
        (f"INSERT INTO {ks}.e (id, v) VALUES (?, ?)", ["x", "y"], errors.BindValueError,
         "Invalid argument at position 1"),
        (f"SELECT * FROM {ks}.e WHERE id = :id", {"nope": 1}, errors.BindValueError,
         "Unable to find bind marker with name 'nope'"),
        (f"USE {ks}", None, errors.UnsupportedError, "USE <keyspace> not supported"),
        (f"SELECT * FROM {ks}.nosuch", None, errors.InvalidQueryError, "nosuch"),
    ]:  # fmt: skip
        try:
            await client.execute(cql, params)
        except cls as exc:
            assert text in exc.message, exc.message
        else:
            raise AssertionError(f"no error for {cql}")


async def test_already_exists_carries_detail(client: aga.Client, ks: str) -> None:
    await client.execute(f"CREATE TABLE {ks}.dup (id int PRIMARY KEY)")
    try:
        await client.execute(f"CREATE TABLE {ks}.dup (id int PRIMARY KEY)")
    except errors.AlreadyExistsError as exc:
        assert exc.code == "ALREADY_EXISTS"
        assert exc.detail is not None
        assert (exc.detail.keyspace, exc.detail.table) == (ks, "dup")
    else:
        raise AssertionError("no error")


async def test_unencodable_value_fails_before_sending(client: aga.Client, server) -> None:  # type: ignore[no-untyped-def]
    calls = server.servicer.calls
    try:
        await client.execute("SELECT * FROM system.local WHERE key = ?", [object()])
    except errors.EncodeError as exc:
        assert exc.position == 0
    else:
        raise AssertionError("no error")
    assert server.servicer.calls == calls  # nothing reached the server


async def test_auth(server) -> None:  # type: ignore[no-untyped-def]
    async with aga.Client(server.endpoint) as anonymous:
        try:
            await anonymous.execute("SELECT * FROM system.local")
        except errors.AuthenticationError as exc:
            assert exc.message == "No token provided"
        else:
            raise AssertionError("no error")
    async with aga.Client(server.endpoint, token="wrong-secret-token") as wrong:
        try:
            await wrong.execute("SELECT * FROM system.local")
        except errors.AuthenticationError as exc:
            assert exc.message == "Invalid token"
            assert "wrong-secret-token" not in str(exc) and "wrong-secret-token" not in repr(exc)
        else:
            raise AssertionError("no error")


async def test_system_local(client: aga.Client) -> None:
    row = (await client.execute("SELECT release_version, cluster_name FROM system.local")).one()
    assert isinstance(row["release_version"], str) and row["release_version"]


async def test_request_too_large_is_refused_locally(client: aga.Client, ks: str) -> None:
    await client.execute(f"CREATE TABLE {ks}.big (id int PRIMARY KEY, b blob)")
    try:
        await client.execute(f"INSERT INTO {ks}.big (id, b) VALUES (?, ?)", [1, b"x" * (5 << 20)])
    except errors.RequestTooLargeError as exc:
        assert "max_request_bytes" in str(exc)
    else:
        raise AssertionError("no error")


async def test_server_refuses_over_4mib(server) -> None:  # type: ignore[no-untyped-def]
    async with aga.Client(server.endpoint, token=server.token, max_request_bytes=64 << 20) as c:
        try:
            await c.execute("SELECT * FROM system.local WHERE key = ?", [b"x" * (5 << 20)])
        except errors.MessageTooLargeError as exc:
            assert exc.code == "RESOURCE_EXHAUSTED"
        else:
            raise AssertionError("no error")


async def test_use_after_close(server) -> None:  # type: ignore[no-untyped-def]
    c = aga.Client(server.endpoint, token=server.token)
    async with c:
        await c.execute("SELECT * FROM system.local")
    await c.aclose()  # idempotent
    try:
        await c.execute("SELECT * FROM system.local")
    except errors.ClientClosedError:
        pass
    else:
        raise AssertionError("no error")


async def test_aclose_drains_in_flight_calls(server) -> None:  # type: ignore[no-untyped-def]
    c = aga.Client(server.endpoint, token=server.token)
    await c.__aenter__()
    server.faults.add_latency(0.3, match="drain_marker")
    slow = asyncio.ensure_future(c.execute("SELECT * FROM system.local -- drain_marker"))
    await asyncio.sleep(0.05)
    await c.aclose(grace=5)
    assert (await slow).rows  # finished during the grace period
    with pytest.raises(errors.ClientClosedError):
        await c.execute("SELECT * FROM system.local")


async def test_terminate_cancels_in_flight_calls(server) -> None:  # type: ignore[no-untyped-def]
    c = aga.Client(server.endpoint, token=server.token, retry=aga.NO_RETRY)
    await c.__aenter__()
    server.faults.add_latency(1.0, match="term_marker")
    slow = asyncio.ensure_future(c.execute("SELECT * FROM system.local -- term_marker"))
    await asyncio.sleep(0.05)
    await c.terminate()
    with pytest.raises(errors.ConnectionLostError):
        await slow


async def test_an_unclosed_client_warns(server) -> None:  # type: ignore[no-untyped-def]
    c = aga.Client(server.endpoint, token=server.token)
    await c.execute("SELECT * FROM system.local")
    with pytest.warns(ResourceWarning, match="unclosed"):
        c.__del__()
    await c.aclose()
    c.__del__()  # closed: silent (filterwarnings=error would fail the test otherwise)
