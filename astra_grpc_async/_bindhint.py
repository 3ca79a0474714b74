"""The server's bind-value error in the driver's terms.

Stargate counts bind positions from 1 ("Invalid argument at position 2:
Expected float type"); `EncodeError` counts from 0. The server cannot know
the Python value behind a position, the driver can: this says which value
and type were sent and which wrapper from `astra_grpc_async.types` fixes it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from . import errors
from .types import Float32, Varint

__all__ = ["explain_bind_error"]

_EXPECTED = re.compile(r"Expected (\w+) type")

# Stargate's word for the column's kind -> how a Python caller produces it
_FIXES: dict[str, str] = {
    "float": "wrap it in aga.Float32",
    "varint": "wrap it in aga.Varint",
    "double": "pass a plain float",
    "decimal": "pass a decimal.Decimal",
    "date": "pass a datetime.date or aga.Date",
    "time": "pass a datetime.time or aga.Time",
    "duration": "pass a datetime.timedelta or aga.Duration",
    "UUID": "pass a uuid.UUID",
    "boolean": "pass a bool",
    "string": "pass a str",
    "collection": "pass a list, set, tuple or dict",
}


def _fix(kind: str, value: Any) -> str | None:
    # the fix only when that Python value, rewrapped, is what the column takes
    if kind == "float":
        ok = isinstance(value, float | int) and not isinstance(value, bool | Float32)
    elif kind == "varint":
        ok = isinstance(value, int) and not isinstance(value, bool | Varint)
    elif kind == "double":
        ok = isinstance(value, Float32 | int) and not isinstance(value, bool)
    elif kind == "decimal":
        ok = isinstance(value, float | int | str) and not isinstance(value, bool | Decimal)
    else:
        ok = kind in _FIXES
    return _FIXES.get(kind) if ok else None


def _column(kind: str) -> str:
    article = "an" if kind[0] in "aeiouAEIOU" else "a"
    return f"{article} {kind} column"


def explain_bind_error(exc: errors.BindValueError, params: Any) -> None:
    """Fill in `exc`'s text from the call's `params` (in place: the
    traceback stays the call's own)."""
    position, reason = exc.position, exc.reason
    if position is None:
        return
    name: str | None = None
    if isinstance(params, Mapping):
        names = list(params)  # sent in the mapping's order
        if not 0 <= position < len(names):
            return
        name = names[position]
        value = params[name]
    elif isinstance(params, Sequence) and not isinstance(params, str | bytes):
        if not 0 <= position < len(params):
            return
        value = params[position]
    else:
        return
    sent = f"{value!r:.60} ({type(value).__qualname__})"
    kind = _EXPECTED.fullmatch(reason)
    if kind is None:
        text = f"{sent} does not fit: {reason}"
    else:
        k = kind.group(1)
        text = f"{sent} bound to {_column(k)}"
        fix = _fix(k, value)
        if fix is not None:
            text += f": {fix}"
    exc.describe(text, name=name)
