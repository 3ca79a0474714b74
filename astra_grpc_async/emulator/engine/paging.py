"""Paging states: where a SELECT stopped, as a position rather than an offset.

The state names the last returned row (its serialized partition key and its
clustering values), so resuming continues right after it even if rows were
inserted or deleted in between, plus what remains of LIMIT and how many rows
of the current partition were already returned (PER PARTITION LIMIT).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

from astra_grpc_async.emulator.errors import InvalidRequest

from .types import CType
from .values import deserialize, serialize

__all__ = ["Position", "decode_state", "encode_state"]

_VERSION = 0x41


@dataclass(slots=True)
class Position:
    keybytes: bytes
    clustering: tuple[Any, ...] | None  # None: the partition's static-only row
    remaining: int | None  # what is left of LIMIT
    partition_rows: int  # rows already returned from this partition


def encode_state(pos: Position, types: list[CType]) -> bytes:
    out = [bytes([_VERSION]), struct.pack(">I", len(pos.keybytes)), pos.keybytes]
    if pos.clustering is None:
        out.append(b"\x00")
    else:
        out.append(b"\x01")
        for t, v in zip(types, pos.clustering, strict=True):
            b = serialize(t, v)
            out.append(struct.pack(">I", len(b)))
            out.append(b)
    out.append(
        struct.pack(">qI", -1 if pos.remaining is None else pos.remaining, pos.partition_rows)
    )
    return b"".join(out)


def decode_state(state: bytes, types: list[CType]) -> Position:
    try:
        if state[0] != _VERSION:
            raise ValueError
        (n,) = struct.unpack_from(">I", state, 1)
        at = 5
        keybytes = bytes(state[at : at + n])
        at += n
        flag = state[at]
        at += 1
        clustering: tuple[Any, ...] | None = None
        if flag:
            values = []
            for t in types:
                (ln,) = struct.unpack_from(">I", state, at)
                at += 4
                values.append(deserialize(t, bytes(state[at : at + ln])))
                at += ln
            clustering = tuple(values)
        remaining, partition_rows = struct.unpack_from(">qI", state, at)
        if at + 12 != len(state) or len(keybytes) != n:
            raise ValueError
    except (ValueError, IndexError, struct.error, UnicodeDecodeError):
        raise InvalidRequest("Invalid value for the paging state") from None
    return Position(keybytes, clustering, None if remaining < 0 else remaining, partition_rows)
