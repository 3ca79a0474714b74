"""Wire Response -> Result (rows decoded with the per-schema decoder).

Finding the decoder of a result schema must be cheap on the unary path:
iterating `result_set.columns` costs ~0.5 µs per column (a wrapper per
message), more than the rest of a small call's decoding. Unary answers
arrive as raw bytes, so the key is read from them instead: the serialized
column specs are one contiguous run of field-1 entries at the start of the
ResultSet. The run counts as the key only if it holds every column
(`len(columns)` is free); otherwise the key is computed from the parsed
columns (`codec.rows.columns_key`, the same bytes): one cache either way.

No decode step blocks the loop for more than ~`codec.rows.STEP_VALUES`
values: a small page of a known schema is decoded at once (the common case,
nothing extra to pay); a large page or a new schema becomes a Result whose
rows are deferred (`PendingRows`), decoded step by step by `finish` (unary
calls) or by a stream's consumer (`page_steps`), with a turn for the loop
between steps.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Generator, Iterator, Sequence
from typing import Any, Final, overload

from google.protobuf.message import DecodeError

from ._lazywire import LazyResponse, LazyResultSet
from ._proto.stargate import query_pb2
from .codec.rows import (
    CACHED_MAX_COLUMNS,
    STEP_VALUES,
    RowsDecoder,
    build_decoder,
    cached_decoder,
    prepare_decoder,
    run_steps,
)
from .errors import ProtocolError
from .result import Result
from .row import Row

_Response = query_pb2.Response


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


# Above this size an answer is parsed with its rows left serialized (`LazyResponse`):
# parsing a page in one piece costs ~3 us per KiB (~2 ms for a 5,000-row page of
# 0.6 MiB on an idle machine, several times that on a busy one); the lazy view
# costs ~1/25 of that, and its rows are parsed a decode step at a time
LAZY_PARSE_BYTES: Final = 128 << 10
_parse_row = query_pb2.Row.FromString


class _SerializedRows(Sequence[query_pb2.Row]):
    """A LazyResponse's rows, parsed when sliced (a decode step at a time)."""

    __slots__ = ("_rows",)

    def __init__(self, rows: Sequence[bytes]) -> None:
        self._rows = rows

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, index: int) -> query_pb2.Row: ...
    @overload
    def __getitem__(self, index: slice) -> list[query_pb2.Row]: ...
    def __getitem__(self, index: int | slice) -> query_pb2.Row | list[query_pb2.Row]:
        try:
            if isinstance(index, slice):
                return list(map(_parse_row, self._rows[index]))
            return _parse_row(self._rows[index])
        except DecodeError as exc:
            raise ProtocolError(f"the server sent a row that does not parse: {exc}") from None


def _rows_of(rs: query_pb2.ResultSet) -> Sequence[query_pb2.Row]:
    if isinstance(rs, LazyResultSet):
        serialized: Sequence[bytes] = rs.rows  # bytes, in this view
        return _SerializedRows(serialized)
    return rs.rows


def parse_response(raw: bytes) -> query_pb2.Response:
    """The answer's Response; a large one as a `LazyResponse` (the same fields,
    its rows parsed later, a step at a time)."""
    try:
        if len(raw) >= LAZY_PARSE_BYTES:
            lazy: query_pb2.Response = LazyResponse.FromString(raw)
            return lazy
        return _Response.FromString(raw)
    except DecodeError as exc:
        raise ProtocolError(f"the server sent bytes that are not a Response: {exc}") from None


# --- rows decoded later -------------------------------------------------------------


class PendingRows:
    """A result set's rows, not decoded yet (a Result's `DeferredRows`): all
    at once (`decode_all`), or a step at a time (`steps`) by a consumer that
    lets the loop run in between. The decoder is built on first use when the
    schema was not cached."""

    __slots__ = ("_decoder", "_raw", "result_set")

    def __init__(
        self, raw: bytes | None, rs: query_pb2.ResultSet, decoder: RowsDecoder | None
    ) -> None:
        self._raw = raw
        self.result_set = rs
        self._decoder = decoder

    @property
    def count(self) -> int:
        return len(self.result_set.rows)

    def decode_all(self) -> list[Row]:
        decoder = self._decoder or _decoder(self._raw, self.result_set)
        return decoder.decode(_rows_of(self.result_set))

    def steps(self, into: Callable[..., Any] | None = None) -> Iterator[list[Any]]:
        """Decoded rows in steps of ~`STEP_VALUES` values; an empty list is a
        step that produced no row yet (building the decoder, or a wide row)."""
        decoder = self._decoder
        if decoder is None:
            build = _decoder_steps(self._raw, self.result_set)
            while True:
                try:
                    next(build)
                except StopIteration as done:
                    decoder = done.value
                    break
                yield []
        yield from decoder.steps(_rows_of(self.result_set), into)


def _state(rs: query_pb2.ResultSet) -> bytes | None:
    return (rs.paging_state.value or None) if rs.HasField("paging_state") else None


def _from_result_set(response: query_pb2.Response, raw: bytes | None, *, defer: bool) -> Result:
    rs = response.result_set
    n = len(rs.columns)
    key = schema_key(raw, n) if raw is not None and n <= CACHED_MAX_COLUMNS else None
    decoder = cached_decoder(key) if key is not None else None
    if decoder is None and raw is None and n <= CACHED_MAX_COLUMNS:
        decoder = build_decoder(rs.columns)  # already parsed: the key costs what building would
    if not defer and decoder is not None and len(rs.rows) * n <= STEP_VALUES:
        return Result(decoder.decode(_rows_of(rs)), rs.columns, _state(rs), response)
    return Result._of_deferred(PendingRows(raw, rs, decoder), rs.columns, _state(rs), response)


def result_from_bytes(raw: bytes) -> Result:
    """A unary answer as a Result. A small page of a known schema is decoded
    now; a large page or a new schema later (`finish`, or on first read)."""
    response = parse_response(raw)
    if response.WhichOneof("result") == "result_set":
        return _from_result_set(response, raw, defer=False)
    return _other_result(response)


def page_from_bytes(raw: bytes) -> Result:
    """For stream(): the page as a Result whose rows the consumer decodes
    (`page_steps`), a step at a time."""
    response = parse_response(raw)
    if response.WhichOneof("result") != "result_set":
        raise ProtocolError("stream() needs a statement that returns rows")
    return _from_result_set(response, raw, defer=True)


def deferred_result(raw: bytes) -> Result:
    """A Result whose rows are decoded only if someone reads them (what hooks
    see of an answer the caller reads some other way, e.g. `client.raw`)."""
    response = parse_response(raw)
    if response.WhichOneof("result") == "result_set":
        return _from_result_set(response, raw, defer=True)
    return _other_result(response)


def page_steps(page: Result, into: Callable[..., Any] | None = None) -> Iterator[list[Any]]:
    """A page's rows in steps (empty steps included: each is a turn for the loop)."""
    deferred = page._deferred
    if isinstance(deferred, PendingRows):
        return deferred.steps(into)
    rows = page.rows
    return iter([rows if into is None else [into(**row.as_dict()) for row in rows]])


async def finish(result: Result) -> Result:
    """Decode a Result's deferred rows step by step, letting the loop run
    between steps (no turn at all when nothing is deferred)."""
    deferred = result._deferred
    if isinstance(deferred, PendingRows):
        rows: list[Row] = []
        first = True
        for chunk in deferred.steps():
            if not first:
                await asyncio.sleep(0)
            first = False
            rows.extend(chunk)
        result.rows = rows
    return result


async def read_result(raw: bytes) -> Result:
    """`result_from_bytes`, then `finish`."""
    return await finish(result_from_bytes(raw))


def result_from_response(response: query_pb2.Response) -> Result:
    """For already parsed answers (the pipeline's stream items)."""
    if response.WhichOneof("result") == "result_set":
        return _from_result_set(response, None, defer=False)
    return _other_result(response)


def _other_result(response: query_pb2.Response) -> Result:
    return Result([], (), None, response)
