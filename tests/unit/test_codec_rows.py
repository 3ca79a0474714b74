"""RowsDecoder: one cache for every path, the generic loop for wide schemas,
and decoding a step at a time."""

from __future__ import annotations

import asyncio
import dataclasses
import gc

import pytest

from astra_grpc_async import errors
from astra_grpc_async._proto.stargate import query_pb2 as q
from astra_grpc_async._responses import (
    _decoder,
    page_from_bytes,
    page_steps,
    read_result,
    result_from_bytes,
    result_from_response,
)
from astra_grpc_async.codec import build_decoder, rows
from astra_grpc_async.codec.rows import (
    GENERATED_MAX_COLUMNS,
    STEP_TRACKED,
    STEP_VALUES,
    columns_key,
)

B = q.TypeSpec.Basic


def _result_set(ncols: int, nrows: int, prefix: str = "c") -> q.ResultSet:
    rs = q.ResultSet()
    for i in range(ncols):
        rs.columns.add(name=f"{prefix}{i}", type=q.TypeSpec(basic=B.INT))
    for r in range(nrows):
        rs.rows.add().values.extend(q.Value(int=r * ncols + i) for i in range(ncols))
    return rs


def _expected(ncols: int, nrows: int) -> list[tuple[int, ...]]:
    return [tuple(r * ncols + i for i in range(ncols)) for r in range(nrows)]


def test_one_cache_for_bytes_parsed_and_hand_built_columns() -> None:
    rs = _result_set(3, 2, prefix="onecache")
    raw = q.Response(result_set=rs).SerializeToString()
    from_bytes = _decoder(raw, q.Response.FromString(raw).result_set)
    assert _decoder(None, rs) is from_bytes
    assert build_decoder(rs.columns) is from_bytes
    assert result_from_response(q.Response(result_set=rs)).rows == result_from_bytes(raw).rows
    assert columns_key(rs.columns) == raw[2 : 2 + len(columns_key(rs.columns))]


def test_generated_loop_up_to_the_limit_then_the_generic_one() -> None:
    for ncols in (GENERATED_MAX_COLUMNS, GENERATED_MAX_COLUMNS + 1, 3_000):
        rs = _result_set(ncols, 2, prefix=f"w{ncols}_")
        decoder = build_decoder(rs.columns)
        generated = decoder._fast.__code__.co_filename.startswith("<row decoder")
        assert generated == (ncols <= GENERATED_MAX_COLUMNS)
        assert decoder.decode(rs.rows) == _expected(ncols, 2)
        assert decoder.decode(rs.rows)[1][f"w{ncols}_{ncols - 1}"] == 2 * ncols - 1


def test_wide_schema_rows_have_names_and_bad_values_are_named() -> None:
    rs = _result_set(STEP_VALUES * 2 + 7, 1, prefix="x")
    rs.columns.add(name="x0", type=q.TypeSpec(basic=B.VARCHAR))  # a duplicate name
    rs.rows[0].values.add(string="dup")
    decoder = build_decoder(rs.columns)
    [row] = [r for chunk in decoder.steps(rs.rows) for r in chunk]
    assert row["x0"] == 0 and row[-1] == "dup" and len(row) == STEP_VALUES * 2 + 8
    rs.rows[0].values[STEP_VALUES + 3].CopyFrom(q.Value(string="not an int"))
    with pytest.raises(errors.ProtocolError, match=rf"row 0, column 'x{STEP_VALUES + 3}'"):
        list(decoder.steps(rs.rows))
    del rs.rows[0].values[-1]
    with pytest.raises(errors.ProtocolError, match="row 0 has"):
        list(decoder.steps(rs.rows))


def test_steps_bound_the_values_per_step_and_keep_row_numbers() -> None:
    rs = _result_set(10, 2_345, prefix="s")
    decoder = build_decoder(rs.columns)
    chunks = list(decoder.steps(rs.rows))
    assert all(len(c) * 10 <= STEP_VALUES for c in chunks)
    assert [r for c in chunks for r in c] == _expected(10, 2_345)
    rs.rows[1_777].values[4].CopyFrom(q.Value(string="bad"))
    with pytest.raises(errors.ProtocolError, match="row 1777, column 's4'"):
        list(decoder.steps(rs.rows))


@pytest.mark.parametrize("columns", [1, 10, 400])
def test_a_step_holds_fewer_gc_tracked_objects_than_a_young_collection_needs(
    columns: int,
) -> None:
    # a row is at most 1 + columns tracked objects; a step's rows stay under
    # the first-generation threshold, so rows streamed through die young
    rs = _result_set(columns, 2_000, prefix="g")
    chunks = list(build_decoder(rs.columns).steps(rs.rows))
    assert all(len(c) >= 1 and len(c) * (columns + 1) <= STEP_TRACKED for c in chunks)
    assert gc.get_threshold()[0] > STEP_TRACKED
    assert sum(map(len, chunks)) == 2_000


@dataclasses.dataclass
class Pair:
    a0: int
    a1: int


def test_steps_into_a_class() -> None:
    rs = _result_set(2, 3_000, prefix="a")
    decoder = build_decoder(rs.columns)
    got = [p for c in decoder.steps(rs.rows, Pair) for p in c]
    assert got[2_999] == Pair(5_998, 5_999) and len(got) == 3_000


async def test_async_readers_give_the_loop_turns_on_large_pages() -> None:
    rs = _result_set(10, 3_000, prefix="big")
    raw = q.Response(result_set=rs).SerializeToString()
    ticks = 0
    stop = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    before = ticks
    result = await read_result(raw)
    stop.set()
    await task
    assert result.rows == _expected(10, 3_000)
    assert ticks - before >= 3_000 * 10 // STEP_VALUES - 1


def test_a_large_page_is_deferred_and_counted_without_decoding() -> None:
    rs = _result_set(10, 3_000, prefix="defer")
    raw = q.Response(result_set=rs).SerializeToString()
    result = result_from_bytes(raw)
    assert result._deferred is not None and len(result) == 3_000
    assert repr(result) == "<Result 3000 row(s)>" and result._deferred is not None
    assert result.rows == _expected(10, 3_000) and result._deferred is None
    page = page_from_bytes(raw)
    chunks = list(page_steps(page))
    assert [r for c in chunks for r in c] == _expected(10, 3_000)
    assert all(len(c) * 10 <= STEP_VALUES for c in chunks)


def test_a_new_wide_schema_is_built_in_steps() -> None:
    rs = _result_set(rows.STEP_COLUMNS * 3, 1, prefix="newwide")
    raw = q.Response(result_set=rs).SerializeToString()
    page = page_from_bytes(raw)
    chunks = list(page_steps(page))
    assert chunks[:2] == [[], []]  # decoder-building steps, no rows yet
    assert [r for c in chunks for r in c] == _expected(rows.STEP_COLUMNS * 3, 1)


async def test_read_result_small_page_takes_no_turn() -> None:
    rs = _result_set(3, 4, prefix="small")
    raw = q.Response(result_set=rs).SerializeToString()
    result_from_bytes(raw)  # the schema is cached now
    loop = asyncio.get_running_loop()
    fut = loop.create_future()
    loop.call_soon(fut.set_result, None)
    result = await read_result(raw)
    assert not fut.done()  # read_result never suspended
    await fut
    assert result.rows == _expected(3, 4)


def test_wide_schemas_are_not_cached() -> None:
    rs = _result_set(rows.CACHED_MAX_COLUMNS + 1, 0, prefix="nc")
    assert build_decoder(rs.columns) is not build_decoder(rs.columns)


def test_a_page_over_a_mebibyte_is_parsed_with_its_rows_serialized() -> None:
    from astra_grpc_async._lazywire import LazyResponse
    from astra_grpc_async._responses import LAZY_PARSE_BYTES

    rs = _result_set(10, 1, prefix="lazy")
    rs.rows.pop()
    rs.columns.add(name="blob", type=q.TypeSpec(basic=B.BLOB))
    payload = b"p" * 200
    for r in range(6_000):
        rs.rows.add().values.extend([*(q.Value(int=r) for _ in range(10)), q.Value(bytes=payload)])
    rs.paging_state.value = b"next"
    response = q.Response(result_set=rs, warnings=["w"])
    response.traces.id = "trace-1"
    raw = response.SerializeToString()
    assert len(raw) >= LAZY_PARSE_BYTES
    result = result_from_bytes(raw)
    assert isinstance(result._response, LazyResponse)
    assert len(result) == 6_000 and result.paging_state == b"next"
    assert result.warnings == ["w"] and result.traces is not None and result.traces.id == "trace-1"
    assert [c.name for c in result.columns][-1] == "blob"
    expected = build_decoder(q.Response.FromString(raw).result_set.columns).decode(rs.rows)
    assert result.rows == expected
    page = page_from_bytes(raw)
    assert [r for c in page_steps(page) for r in c] == expected
    bad = bytearray(raw)
    bad[raw.index(payload) - 30] = 0xFF  # inside a row: a broken tag
    with pytest.raises(errors.ProtocolError):
        result_from_bytes(bytes(bad)).rows  # noqa: B018
