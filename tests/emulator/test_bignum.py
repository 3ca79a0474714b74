"""Integers of any size to and from text, without touching Python's
process-wide int <-> str digit limit."""

from __future__ import annotations

import random
import sys

import pytest

from astra_grpc_async.emulator.cql.bignum import int_text, parse_int


def _digits(rng: random.Random, n: int) -> str:
    return str(rng.randint(1, 9)) + "".join(rng.choice("0123456789") for _ in range(n - 1))


@pytest.mark.parametrize("n", [2, 2999, 3000, 3001, 4300, 4301, 9000, 25_000])
def test_round_trip(n: int) -> None:
    rng = random.Random(n)
    for sign in ("", "-"):
        text = sign + _digits(rng, n)
        value = parse_int(text)
        assert int_text(value) == text
        # the same number built without text: by halves
        half = n // 2
        rebuilt = parse_int(text.lstrip("-")[:half]) * 10 ** (n - half) + parse_int(
            text.lstrip("-")[half:]
        )
        assert value == (-rebuilt if sign else rebuilt)
    assert sys.get_int_max_str_digits() in (0, 4300)  # untouched (0: unlimited already)


def test_edges() -> None:
    assert int_text(0) == "0" and parse_int("0") == 0
    assert parse_int("+" + "1" * 5000) == parse_int("1" * 5000)
    assert int_text(-(2**20000)).startswith("-3") and len(int_text(2**20000)) == 6021
    assert parse_int("0" * 4000 + "12") == 12


@pytest.mark.parametrize("bad", ["", "-", "+-" + "1" * 5000, "1" * 5000 + "a", "\u0661" * 5000])
def test_refuses_non_integers(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_int(bad)


def test_numeric_casts_follow_java_number_conversions() -> None:
    from test_engine_helpers import Db

    db = Db()
    db.q("CREATE TABLE t (k int PRIMARY KEY, v varint, d double, m decimal)")
    huge = "9" * 5000
    db.q(f"INSERT INTO t (k, v, d, m) VALUES (1, {huge}, 1e300, -3.7)")
    db.q("INSERT INTO t (k, v, d, m) VALUES (2, 300, NaN, 2.5)")
    rows = db.rows(
        "SELECT CAST(v AS int), CAST(v AS tinyint), CAST(v AS bigint), CAST(v AS double), "
        "CAST(d AS int), CAST(d AS smallint), CAST(m AS int) FROM t"
    )
    n = parse_int(huge)
    low32 = ((n + 2**31) % 2**32) - 2**31
    low8 = ((n + 2**7) % 2**8) - 2**7
    low64 = ((n + 2**63) % 2**64) - 2**63
    assert rows == [
        (low32, low8, low64, float("inf"), 2**31 - 1, -1, -3),  # (short) (int) 1e300 is -1
        (300, 44, 300, 300.0, 0, 0, 2),
    ]
