"""Numbers past int<->str's 4,300-digit limit encode and decode exactly."""

from __future__ import annotations

from decimal import Decimal

import pytest

from astra_grpc_async._proto.stargate import query_pb2 as q
from astra_grpc_async.codec import decode_value, encode_value

B = q.TypeSpec.Basic


@pytest.mark.parametrize("digits", [10, 4200, 4400, 20_000])
@pytest.mark.parametrize("exponent", [-30, 0, 25])
def test_decimal_round_trip(digits: int, exponent: int) -> None:
    for sign in (0, 1):
        value = Decimal((sign, (1, *(7,) * (digits - 1)), exponent))
        back = decode_value(q.TypeSpec(basic=B.DECIMAL), encode_value(value))
        assert isinstance(back, Decimal) and back.as_tuple() == value.as_tuple()


@pytest.mark.parametrize(
    "n", [10**4400 + 1, -(10**20_000) - 9], ids=["4401-digits", "-20001-digits"]
)
def test_varint_round_trip(n: int) -> None:
    assert decode_value(q.TypeSpec(basic=B.VARINT), encode_value(n)) == n
