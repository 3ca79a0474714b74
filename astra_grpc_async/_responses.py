"""Wire Response -> Result (rows decoded with the per-schema decoder).

Finding the decoder of a result schema must be cheap on the unary path:
iterating `result_set.columns` costs ~0.5 µs per column (a wrapper per
message), more than the rest of a small call's decoding. Unary answers
arrive as raw bytes, so the key is read from them instead: the serialized
column specs are one contiguous run of field-1 entries at the start of the
ResultSet. The run counts as the key only if it holds every column
(`len(columns)` is free); otherwise the slow key is used.
"""

from __future__ import annotations

from google.protobuf.message import DecodeError

from ._proto.stargate import query_pb2
from .codec import RowsDecoder, build_decoder
from .errors import ProtocolError
from .result import Result

_Response = query_pb2.Response
_by_schema: dict[bytes, RowsDecoder] = {}
_MAX_SCHEMAS = 1024


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


def _decoder(raw: bytes, rs: query_pb2.ResultSet) -> RowsDecoder:
    key = schema_key(raw, len(rs.columns))
    if key is None:
        return build_decoder(rs.columns)
    decoder = _by_schema.get(key)
    if decoder is None:
        if len(_by_schema) >= _MAX_SCHEMAS:
            _by_schema.clear()
        decoder = _by_schema[key] = build_decoder(rs.columns)
    return decoder


def parse_response(raw: bytes) -> query_pb2.Response:
    try:
        return _Response.FromString(raw)
    except DecodeError as exc:
        raise ProtocolError(f"the server sent bytes that are not a Response: {exc}") from None


def page_from_bytes(raw: bytes) -> tuple[RowsDecoder, query_pb2.ResultSet]:
    """For stream(): the page's decoder and its (undecoded) result set."""
    response = parse_response(raw)
    if response.WhichOneof("result") != "result_set":
        raise ProtocolError("stream() needs a statement that returns rows")
    rs = response.result_set
    return _decoder(raw, rs), rs


def result_from_bytes(raw: bytes) -> Result:
    response = parse_response(raw)
    if response.WhichOneof("result") == "result_set":
        rs = response.result_set
        rows = _decoder(raw, rs).decode(rs.rows)
        state = rs.paging_state.value if rs.HasField("paging_state") else None
        return Result(rows, rs.columns, state, response)
    return _other_result(response)


def result_from_response(response: query_pb2.Response) -> Result:
    """For already parsed answers (the pipeline's stream items)."""
    if response.WhichOneof("result") == "result_set":
        rs = response.result_set
        rows = build_decoder(rs.columns).decode(rs.rows)
        state = rs.paging_state.value if rs.HasField("paging_state") else None
        return Result(rows, rs.columns, state, response)
    return _other_result(response)


def _other_result(response: query_pb2.Response) -> Result:
    return Result([], (), None, response)
