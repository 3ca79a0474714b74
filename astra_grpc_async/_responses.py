"""Wire Response -> Result (rows decoded with the per-schema decoder).

Finding the decoder of a result schema must be cheap on the unary path:
iterating `result_set.columns` costs ~0.5 µs per column (a wrapper per
message), more than the rest of a small call's decoding. Unary answers
arrive as raw bytes, so the key is read from them instead: the serialized
column specs are one contiguous run of field-1 entries at the start of the
ResultSet. The run counts as the key only if it holds every column
(`len(columns)` is free); otherwise the key is computed from the parsed
columns (`codec.rows.columns_key`, the same bytes): one cache either way.

The async readers (`read_result`, `read_page`, `decode_page`) never block the
loop for more than a step (`codec.rows.STEP_VALUES` values): a large page or
a wide schema is built and decoded step by step, with a turn for the loop
between steps. A small page takes the sync path and costs nothing extra.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Generator
from typing import Any, NamedTuple, TypeVar

from google.protobuf.message import DecodeError

from ._proto.stargate import query_pb2
from .codec.rows import (
    CACHED_MAX_COLUMNS,
    STEP_VALUES,
    RowsDecoder,
    cached_decoder,
    prepare_decoder,
    run_steps,
)
from .errors import ProtocolError
from .result import Result

_Response = query_pb2.Response
T = TypeVar("T")


def _varint(raw: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        b = raw[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, pos
        shift += 7


def schema_key(raw: bytes, columns: int) -> bytes | None:
    """The bytes of a Response's column specs, or None when they are not one
    leading run (then the caller falls back to the slow key)."""
    try:
        if not raw or raw[0] != 0x0A:  # result_set, field 1, length-delimited
            return None
        length, start = _varint(raw, 1)
        end = min(start + length, len(raw))
        pos, seen = start, 0
        while pos < end and raw[pos] == 0x0A:  # ResultSet.columns, field 1
            size, pos = _varint(raw, pos + 1)
            pos += size
            seen += 1
    except IndexError:
        return None
    return raw[start:pos] if seen == columns and pos <= end else None


def _decoder_steps(
    raw: bytes | None, rs: query_pb2.ResultSet
) -> Generator[None, None, RowsDecoder]:
    n = len(rs.columns)
    key = schema_key(raw, n) if raw is not None and n <= CACHED_MAX_COLUMNS else None
    if key is not None:
        found = cached_decoder(key)
        if found is not None:
            return found
    return (yield from prepare_decoder(rs.columns, key))


def _decoder(raw: bytes | None, rs: query_pb2.ResultSet) -> RowsDecoder:
    return run_steps(_decoder_steps(raw, rs))


async def _run_async(steps: Generator[None, None, T]) -> T:
    """Run a stepwise computation, letting the loop run between steps."""
    while True:
        try:
            next(steps)
        except StopIteration as done:
            result: T = done.value
            return result
        await asyncio.sleep(0)


def parse_response(raw: bytes) -> query_pb2.Response:
    try:
        return _Response.FromString(raw)
    except DecodeError as exc:
        raise ProtocolError(f"the server sent bytes that are not a Response: {exc}") from None


# --- one page of a stream --------------------------------------------------------------


class Page(NamedTuple):
    """A fetched, not yet decoded page of a stream: its decoder and result
    set (it unpacks as that pair), decoded by whoever consumes it."""

    decoder: RowsDecoder
    result_set: query_pb2.ResultSet

    @property
    def row_count(self) -> int:
        return len(self.result_set.rows)

    @property
    def paging_state(self) -> bytes | None:
        rs = self.result_set
        return (rs.paging_state.value or None) if rs.HasField("paging_state") else None

    def decode_at_once(self, into: Callable[..., Any] | None = None) -> list[Any] | None:
        """The whole page decoded, when it fits in one step; else None."""
        decoder = self.decoder
        rows = self.result_set.rows
        if len(rows) * len(decoder.converters) <= STEP_VALUES:
            return decoder.decode(rows) if into is None else decoder.decode_into(rows, into)
        return None


def _page_checked(response: query_pb2.Response) -> query_pb2.ResultSet:
    if response.WhichOneof("result") != "result_set":
        raise ProtocolError("stream() needs a statement that returns rows")
    return response.result_set


def page_from_bytes(raw: bytes) -> Page:
    """For stream(): the page's decoder and its (undecoded) result set."""
    rs = _page_checked(parse_response(raw))
    return Page(_decoder(raw, rs), rs)


async def read_page(raw: bytes) -> Page:
    """`page_from_bytes`, building a new wide schema's decoder step by step."""
    rs = _page_checked(parse_response(raw))
    return Page(await _run_async(_decoder_steps(raw, rs)), rs)


async def decode_page(
    page: Page, into: Callable[..., Any] | None = None
) -> AsyncIterator[list[Any]]:
    """A page's rows, a step at a time, with a turn for the loop between steps
    (empty lists, when a wide row is part done, are not passed on)."""
    first = True
    for chunk in page.decoder.steps(page.result_set.rows, into):
        if not first:
            await asyncio.sleep(0)
        first = False
        if chunk:
            yield chunk


# --- whole results -------------------------------------------------------------------


def result_from_bytes(raw: bytes) -> Result:
    response = parse_response(raw)
    if response.WhichOneof("result") == "result_set":
        rs = response.result_set
        rows = _decoder(raw, rs).decode(rs.rows)
        return Result(rows, rs.columns, _state(rs), response)
    return _other_result(response)


async def read_result(raw: bytes) -> Result:
    """`result_from_bytes` for the event loop: a large page or a new wide
    schema is decoded step by step, letting other tasks run in between."""
    response = parse_response(raw)
    if response.WhichOneof("result") != "result_set":
        return _other_result(response)
    rs = response.result_set
    decoder = await _run_async(_decoder_steps(raw, rs))
    page = Page(decoder, rs)
    whole = page.decode_at_once()
    if whole is not None:
        rows = whole
    else:
        rows = []
        async for chunk in decode_page(page):
            rows.extend(chunk)
    return Result(rows, rs.columns, _state(rs), response)


def result_from_response(response: query_pb2.Response) -> Result:
    """For already parsed answers (the pipeline's stream items)."""
    if response.WhichOneof("result") == "result_set":
        rs = response.result_set
        rows = _decoder(None, rs).decode(rs.rows)
        return Result(rows, rs.columns, _state(rs), response)
    return _other_result(response)


def _state(rs: query_pb2.ResultSet) -> bytes | None:
    return rs.paging_state.value if rs.HasField("paging_state") else None


def _other_result(response: query_pb2.Response) -> Result:
    return Result([], (), None, response)
