"""A bind value the server refuses: the driver's error counts positions from 0
like `EncodeError` and says which Python type was sent and what fixes it."""

from __future__ import annotations

import pytest

import astra_grpc_async as aga
from astra_grpc_async import errors


async def _table(client: aga.Client, ks: str) -> str:
    await client.execute(
        f"CREATE TABLE IF NOT EXISTS {ks}.h (k int PRIMARY KEY, f float, v varint, t tinyint)"
    )
    return f"{ks}.h"


async def test_float_column_names_the_wrapper(client: aga.Client, ks: str) -> None:
    t = await _table(client, ks)
    with pytest.raises(errors.BindValueError) as info:
        await client.execute(f"INSERT INTO {t} (k, f) VALUES (?, ?)", [1, 0.1])
    err = info.value
    assert err.position == 1  # 0-based, as EncodeError counts
    assert str(err) == (
        "bind value at position 1: 0.1 (float) bound to a float column: wrap it in aga.Float32"
    )
    # the server's own text stays available, verbatim (it counts from 1)
    assert err.message == "Invalid argument at position 2: Expected float type"
    # the wrapper it names does fix it
    await client.execute(f"INSERT INTO {t} (k, f) VALUES (?, ?)", [1, aga.Float32(0.1)])


async def test_position_rule_matches_encode_error(client: aga.Client, ks: str) -> None:
    t = await _table(client, ks)
    with pytest.raises(errors.EncodeError) as enc:
        await client.execute(f"INSERT INTO {t} (k, f) VALUES (?, ?)", [1, object()])
    with pytest.raises(errors.BindValueError) as srv:
        await client.execute(f"INSERT INTO {t} (k, f) VALUES (?, ?)", [1, 0.1])
    assert enc.value.position == srv.value.position == 1
    assert str(srv.value).startswith("bind value at position 1:")
    assert str(enc.value).startswith("bind value at position 1:")


async def test_named_value_and_other_wrappers(client: aga.Client, ks: str) -> None:
    t = await _table(client, ks)
    with pytest.raises(errors.BindValueError) as info:
        await client.execute(f"UPDATE {t} SET v = :v WHERE k = :k", {"v": 5, "k": 1})
    assert info.value.name == "v"
    assert (
        str(info.value) == "bind value 'v': 5 (int) bound to a varint column: wrap it in aga.Varint"
    )


async def test_no_wrapper_fixes_a_wrong_kind(client: aga.Client, ks: str) -> None:
    t = await _table(client, ks)
    with pytest.raises(errors.BindValueError) as info:
        await client.execute(f"INSERT INTO {t} (k, f) VALUES (?, ?)", ["one", aga.Float32(1)])
    assert info.value.position == 0
    assert str(info.value) == "bind value at position 0: 'one' (str) bound to an integer column"
    with pytest.raises(errors.BindValueError) as info:
        await client.execute(f"INSERT INTO {t} (k, t) VALUES (?, ?)", [1, 300])
    assert str(info.value) == (
        "bind value at position 1: 300 (int) does not fit: Valid range for tinyint is -128 to 127"
    )


async def test_stream_and_pipeline_say_the_same(client: aga.Client, ks: str) -> None:
    t = await _table(client, ks)
    want = "bind value at position 0: 0.5 (float) bound to a float column: wrap it in aga.Float32"
    with pytest.raises(errors.BindValueError) as info:
        async for _ in client.stream(f"SELECT * FROM {t} WHERE f = ? ALLOW FILTERING", [0.5]):
            pass
    assert str(info.value) == want
    async with client.pipeline() as pipe:
        with pytest.raises(errors.BindValueError) as info:
            await pipe.execute(f"SELECT * FROM {t} WHERE f = ? ALLOW FILTERING", [0.5])
    assert str(info.value) == want


async def test_missing_binds_is_a_count_error(client: aga.Client, ks: str) -> None:
    t = await _table(client, ks)
    with pytest.raises(errors.BindCountError):
        await client.execute(f"INSERT INTO {t} (k, f) VALUES (?, ?)")
    with pytest.raises(errors.BindCountError):
        await client.execute(f"INSERT INTO {t} (k, f) VALUES (?, ?)", [1])
