"""Finding a result schema's decoder from the raw response bytes."""

from __future__ import annotations

import pytest

from astra_grpc_async import errors
from astra_grpc_async._proto.stargate import query_pb2 as q
from astra_grpc_async._responses import _decoder, result_from_bytes, schema_key

B = q.TypeSpec.Basic


def _response(types: list[int], rows: list[list[q.Value]]) -> q.Response:
    rs = q.ResultSet()
    for i, t in enumerate(types):
        rs.columns.add(name=f"c{i}", type=q.TypeSpec(basic=t))
    for values in rows:
        rs.rows.add(values=values)
    rs.paging_state.value = b"next"
    return q.Response(result_set=rs, warnings=["w"])


def test_key_is_the_column_bytes_and_ignores_rows() -> None:
    a = _response([B.INT, B.VARCHAR], [[q.Value(int=1), q.Value(string="x")]])
    b = _response([B.INT, B.VARCHAR], [[q.Value(int=2), q.Value(string="y")]] * 3)
    c = _response([B.INT, B.BIGINT], [])
    key_a = schema_key(a.SerializeToString(), 2)
    assert key_a is not None
    assert key_a == schema_key(b.SerializeToString(), 2)
    assert key_a != schema_key(c.SerializeToString(), 2)
    expected = b"".join(
        b"\x0a" + bytes([col.ByteSize()]) + col.SerializeToString() for col in a.result_set.columns
    )
    assert key_a == expected


def test_no_key_unless_every_column_is_in_the_leading_run() -> None:
    a = _response([B.INT, B.VARCHAR], [[q.Value(int=1), q.Value(string="x")]])
    raw = a.SerializeToString()
    assert schema_key(raw, 3) is None  # a column elsewhere: not trusted
    assert schema_key(b"", 0) is None
    assert schema_key(b"\x12\x00", 0) is None  # no result_set first
    assert schema_key(b"\x0a\x05\x0a\xff", 1) is None  # truncated: no crash
    # columns after the rows (legal protobuf, unusual order): the fast key refuses
    rs = a.result_set
    odd = q.ResultSet()
    odd.rows.extend(rs.rows)
    odd_raw = odd.SerializeToString() + b"".join(
        b"\x0a" + bytes([c.ByteSize()]) + c.SerializeToString() for c in rs.columns
    )
    wrapped = b"\x0a" + bytes([len(odd_raw)]) + odd_raw
    parsed = q.Response.FromString(wrapped)
    assert schema_key(wrapped, len(parsed.result_set.columns)) is None
    # and decoding still works through the slow key
    assert result_from_bytes(wrapped).rows == [(1, "x")]


def test_same_schema_same_decoder_and_result_fields() -> None:
    a = _response([B.INT, B.VARCHAR], [[q.Value(int=1), q.Value(string="x")]])
    b = _response([B.INT, B.VARCHAR], [[q.Value(int=5), q.Value(null=q.Value.Null())]])
    ra, rb = a.SerializeToString(), b.SerializeToString()
    assert _decoder(ra, a.result_set) is _decoder(rb, b.result_set)
    res = result_from_bytes(rb)
    assert res.rows == [(5, None)] and res.rows[0]["c1"] is None
    assert res.paging_state == b"next" and res.warnings == ["w"]


def test_garbage_bytes_are_a_protocol_error() -> None:
    with pytest.raises(errors.ProtocolError):
        result_from_bytes(b"\xff\xff\xff\xff")
