"""One options type for every call, typed results, `into=` on execute, and
the clear errors of the call path (missing binds, nothing listening, the
ejection log level)."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass

import pytest

import astra_grpc_async as aga
from astra_grpc_async import errors
from astra_grpc_async.emulator import EmulatorServer


@dataclass
class Item:
    id: int
    v: str


@pytest.fixture
async def table(client: aga.Client, ks: str) -> str:
    name = f"{ks}.items"
    await client.execute(f"CREATE TABLE {name} (id int PRIMARY KEY, v text)")
    await client.execute_many(
        f"INSERT INTO {name} (id, v) VALUES (?, ?)", [(i, f"v{i}") for i in range(5)]
    )
    return name


async def test_one_options_type_on_every_call(client: aga.Client, table: str) -> None:
    opts = aga.Options(page_size=2, consistency="ONE", tracing=False, timeout=5)
    page = await client.execute(f"SELECT id FROM {table}", options=opts)
    assert len(page.rows) == 2 and page.paging_state
    # a keyword argument overrides the same field
    page = await client.execute(f"SELECT id FROM {table}", options=opts, page_size=3)
    assert len(page.rows) == 3
    # stream takes everything execute takes
    rows = await client.stream(
        f"SELECT id FROM {table}", options=opts, serial_consistency="LOCAL_SERIAL",
        timestamp=None, tracing=False,
    ).all()  # fmt: skip
    assert sorted(r.id for r in rows) == list(range(5))
    await client.batch([f"UPDATE {table} SET v = 'b' WHERE id = 1"], options=opts)
    async with client.pipeline() as pipe:
        assert len((await pipe.execute(f"SELECT id FROM {table}", options=opts)).rows) == 2
    async with client.pipeline(batches=True) as pipe:
        await pipe.batch([f"UPDATE {table} SET v = 'p' WHERE id = 2"], options=opts)
    results = await client.execute_many(
        f"SELECT v FROM {table} WHERE id = ?", [[1], [2]], options=opts
    )
    assert [r.scalar() for r in results] == ["b", "p"]


async def test_execute_many_returns_results_or_outcomes(client: aga.Client, table: str) -> None:
    results = await client.execute_many(f"SELECT v FROM {table} WHERE id = ?", [[0], [1]])
    assert all(isinstance(r, aga.Result) for r in results)
    outcomes = await client.execute_many(
        f"SELECT v FROM {table} WHERE id = ?", [[0], ["not an int"]], raise_on_error=False
    )
    assert isinstance(outcomes[0], aga.Result)
    assert isinstance(outcomes[1], errors.AgaError)


async def test_into_on_execute_and_a_typed_error(client: aga.Client, table: str) -> None:
    items = await client.execute(f"SELECT id, v FROM {table} WHERE id = 3", into=Item)
    assert items == [Item(3, "v3")]

    @dataclass
    class Wrong:
        ident: int

    with pytest.raises(errors.IntoError, match=r"Wrong does not take .*\(id, v\)"):
        await client.execute(f"SELECT id, v FROM {table} WHERE id = 3", into=Wrong)
    with pytest.raises(errors.IntoError, match=r"\(id, v\)"):
        await client.stream(f"SELECT id, v FROM {table}", into=Wrong).all()
    assert isinstance(errors.IntoError("x"), TypeError)  # was a raw TypeError: still one


async def test_missing_binds_are_a_bind_count_error(client: aga.Client, table: str) -> None:
    with pytest.raises(errors.BindCountError):
        await client.execute(f"SELECT v FROM {table} WHERE id = ?")
    with pytest.raises(errors.BindCountError):
        await client.execute(f"SELECT v FROM {table} WHERE id = ?", [1, 2])


async def test_nothing_listening_is_not_connection_lost() -> None:
    async with aga.Client("127.0.0.1:1", retry=aga.NO_RETRY, timeout=5) as client:
        with pytest.raises(errors.ConnectionLostError, match="nothing is listening") as info:
            await client.execute("SELECT key FROM system.local")
    assert "connection lost" not in str(info.value)


async def test_ejection_is_logged_below_warning(
    server: EmulatorServer, caplog: pytest.LogCaptureFixture
) -> None:
    """A script with no logging set up must not print it (Python's last
    resort handler prints WARNING and above)."""
    caplog.set_level(logging.DEBUG, logger="astra_grpc_async")
    async with aga.Client(
        ["127.0.0.1:1", server.endpoint], token=server.token, retry=aga.NO_RETRY, timeout=5
    ) as client:
        for _ in range(12):
            with contextlib.suppress(errors.ConnectionLostError):
                await client.execute("SELECT key FROM system.local")
            if not client.endpoint_states()["127.0.0.1:1"]:
                break
        assert client.endpoint_states()["127.0.0.1:1"] is False
    ejected = [r for r in caplog.records if "ejected" in r.getMessage()]
    assert ejected and all(r.levelno < logging.WARNING for r in ejected)
    assert all(r.name.startswith("astra_grpc_async") for r in ejected)
