"""What the emulator answers to hostile input: bounded messages that echo a
bounded part of the input, and nothing of its internals."""

from __future__ import annotations

import pytest

import astra_grpc_async as aga
from astra_grpc_async.emulator import EmulatorServer

BIG = "x" * (15 * 1024)


async def test_a_huge_undefined_column_name_gets_a_short_message(
    client: aga.Client, server: EmulatorServer, ks: str
) -> None:
    await client.execute(f"CREATE TABLE {ks}.t (k int PRIMARY KEY, v int)")
    for cql in (
        f"SELECT {BIG} FROM {ks}.t",
        f"INSERT INTO {ks}.t (k, {BIG}) VALUES (1, 1)",
        f"SELECT * FROM {ks}.t WHERE k = 1 {BIG}",  # a syntax error
        f"INSERT INTO {ks}.t (k, v) VALUES (1, '{BIG}')",
        f"CREATE TABLE {ks}.{BIG} (k int PRIMARY KEY)",
    ):
        with pytest.raises(aga.errors.ServerError) as info:
            await client.execute(cql)
        assert info.value.code in ("INVALID_ARGUMENT", "FAILED_PRECONDITION")
        assert len(str(info.value)) < 1100
        assert "x" * 40 in str(info.value)  # it still says which input
    with pytest.raises(aga.errors.InvalidQueryError, match="Undefined column name") as info:
        await client.batch([f"UPDATE {ks}.t SET {BIG} = 1 WHERE k = 1"])
    assert len(str(info.value)) < 1100
    # on a stream the message travels inside a status item: bounded there too
    async with client.pipeline() as p:
        with pytest.raises(aga.errors.InvalidQueryError) as info:
            await p.execute(f"SELECT {BIG} FROM {ks}.t")
    assert len(str(info.value)) < 1100


async def test_an_unexpected_failure_reveals_nothing_internal(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "Traceback /srv/engine.py line 42: " + BIG

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError(secret)

    async with aga.emulator.serve(port=0) as server:
        monkeypatch.setattr(server.engine, "execute", broken)
        monkeypatch.setattr(server.engine, "execute_batch", broken)
        async with aga.Client(server.endpoint, token=server.token) as c:
            with pytest.raises(aga.errors.InternalServerError) as unary:
                await c.execute("SELECT * FROM system.local")
            with pytest.raises(aga.errors.InternalServerError) as batch:
                await c.batch(["INSERT INTO k.t (k) VALUES (1)"])
            async with c.pipeline() as p:
                with pytest.raises(aga.errors.InternalServerError) as streamed:
                    await p.execute("SELECT * FROM system.local")
    for info in (unary, batch, streamed):
        assert "Internal server error" in str(info.value)
        assert "Traceback" not in str(info.value) and len(str(info.value)) < 200
    assert "Traceback /srv/engine.py" in caplog.text  # the operator still sees it


async def test_varints_of_any_size_work_both_ways(client: aga.Client, ks: str) -> None:
    await client.execute(f"CREATE TABLE {ks}.n (k int PRIMARY KEY, v varint, d decimal, i int)")
    digits = "7" * 5000  # past Python's 4,300-digit int <-> str limit
    big = int(digits[:3000]) * 10**2000 + int(digits[:2000])  # the same number, built safely
    await client.execute(f"INSERT INTO {ks}.n (k, v, d) VALUES (1, {digits}, -{digits}.5)")
    await client.execute(f"INSERT INTO {ks}.n (k, v) VALUES (2, ?)", [aga.Varint(-big)])
    await client.execute(f'INSERT INTO {ks}.n JSON \'{{"k": 3, "v": {digits}}}\'')
    rows = await client.execute(f"SELECT k, v FROM {ks}.n WHERE k IN (1, 2, 3)")
    assert [(r["k"], r["v"]) for r in rows] == [(1, big), (2, -big), (3, big)]
    r = (await client.execute(f"SELECT JSON v, d FROM {ks}.n WHERE k = 1")).one()
    assert r is not None
    assert r["[json]"] == f'{{"v": {digits}, "d": -{digits}.5}}'
    r = (
        await client.execute(f"SELECT CAST(v AS text) AS t, toJson(v) AS j FROM {ks}.n WHERE k = 2")
    ).one()
    assert r is not None and r["t"] == r["j"] == "-" + digits
    assert (
        await client.execute(f"SELECT avg(v) FROM {ks}.n WHERE k IN (1, 2, 3)")
    ).scalar() == big // 3
    # out of an int's range: Cassandra's message, bounded, with no Python internals
    for cql in (
        f"INSERT INTO {ks}.n (k, i) VALUES (4, {digits})",
        f"SELECT * FROM {ks}.n WHERE k = {digits}",
        f'INSERT INTO {ks}.n JSON \'{{"k": 4, "i": {digits}}}\'',
    ):
        with pytest.raises(aga.errors.InvalidQueryError, match="Unable to make int from") as info:
            await client.execute(cql)
        assert "sys." not in str(info.value) and len(str(info.value)) < 300
