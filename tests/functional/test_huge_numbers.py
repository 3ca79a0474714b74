"""varint and decimal values past int<->str's 4,300-digit limit, through the wire."""

from __future__ import annotations

from decimal import Decimal

import astra_grpc_async as aga
from astra_grpc_async import Client

HUGE = 7 * 10**5000 + 3
HUGE_DECIMAL = Decimal((1, (9,) * 6000, -17))  # -999...9E-17, 6,000 digits


async def test_huge_varint_and_decimal_round_trip(client: Client, ks: str) -> None:
    await client.execute(f"CREATE TABLE {ks}.huge (id int PRIMARY KEY, v varint, d decimal)")
    await client.execute(
        f"INSERT INTO {ks}.huge (id, v, d) VALUES (?, ?, ?)", [1, aga.Varint(HUGE), HUGE_DECIMAL]
    )
    await client.execute(
        f"INSERT INTO {ks}.huge (id, v, d) VALUES (?, ?, ?)", [2, -HUGE, Decimal(HUGE)]
    )
    rows = {r.id: r for r in (await client.execute(f"SELECT id, v, d FROM {ks}.huge")).rows}
    assert rows[1].v == HUGE and rows[1].d == HUGE_DECIMAL
    assert rows[1].d.as_tuple() == HUGE_DECIMAL.as_tuple()
    assert rows[2].v == -HUGE and rows[2].d == Decimal(HUGE)
    assert "bit integer" in repr(aga.Varint(HUGE))
