"""Integers of any size to and from decimal text.

Python refuses int <-> str conversions past 4,300 digits (a guard against
their quadratic cost) and the limit is process-wide, so the emulator must not
lift it for the application it is embedded in. Varints have no such limit in
CQL; these conversions split the number in halves (divide and conquer), so
their cost follows that of multiplication instead of growing quadratically.
"""

from __future__ import annotations

import decimal
from functools import lru_cache

__all__ = ["int_text", "parse_int"]

_DIRECT_DIGITS = 3000  # below Python's limit: int() / str() directly
_DIRECT_BITS = 9000  # about 2,700 digits


def parse_int(text: str) -> int:
    """int(text) for an optionally signed run of ASCII decimal digits of any
    length; ValueError when it is not one."""
    if len(text) <= _DIRECT_DIGITS:
        return int(text)
    body = text.lstrip("+-")
    if len(text) - len(body) > 1 or not body.isascii() or not body.isdigit():
        raise ValueError("not an integer")
    n = _digits_value(body, 0, len(body))
    return -n if text[0] == "-" else n


def _digits_value(s: str, start: int, end: int) -> int:
    if end - start <= _DIRECT_DIGITS:
        return int(s[start:end])
    mid = (start + end) // 2
    return _digits_value(s, start, mid) * _pow10(end - mid) + _digits_value(s, mid, end)


@lru_cache(maxsize=64)
def _pow10(k: int) -> int:
    power: int = 10**k
    return power


def int_text(n: int) -> str:
    """str(n) for an int of any size."""
    if n.bit_length() <= _DIRECT_BITS:
        return str(n)
    with decimal.localcontext() as ctx:
        # exact: enough precision for every digit, any inexact result an error
        ctx.prec = decimal.MAX_PREC
        ctx.Emax = decimal.MAX_EMAX
        ctx.traps[decimal.Inexact] = True
        d = _as_decimal(abs(n), n.bit_length())
    text = f"{d:f}"
    return "-" + text if n < 0 else text


def _as_decimal(n: int, bits: int) -> decimal.Decimal:
    """n (>= 0, below 2**bits) as an exact Decimal, the halves converted on
    their own and joined with decimal arithmetic (fast for large operands)."""
    if bits <= _DIRECT_BITS:
        return decimal.Decimal(n)
    low_bits = bits // 2
    high = n >> low_bits
    low = n - (high << low_bits)
    return _as_decimal(high, bits - low_bits) * _pow2(low_bits) + _as_decimal(low, low_bits)


def _pow2(k: int) -> decimal.Decimal:
    # computed in the caller's exact context (not cached: contexts differ)
    return decimal.Decimal(2) ** k
