"""The per-execution context every compiled plan runs with."""

from __future__ import annotations

import hashlib
from typing import Any

__all__ = ["Clock", "Ctx"]


class Clock:
    """Deterministic sources of "new" values: write timestamps that never go
    backwards (Cassandra's coordinator never reuses a timestamp), list
    element keys, and the uuids now() / uuid() produce. Everything derives
    from the call's now_micros and counters, so a replay of the same
    requests rebuilds the same state."""

    def __init__(self) -> None:
        self.last_ts = -(2**63)
        self.seq = 0

    def snapshot(self) -> tuple[int, int]:
        return (self.last_ts, self.seq)

    def restore(self, state: tuple[int, int]) -> None:
        """Undo what a call that changed nothing drew from the clock (so that
        replaying only the mutating calls reproduces the same values)."""
        self.last_ts, self.seq = state

    def timestamp(self, now_micros: int) -> int:
        ts = max(now_micros, self.last_ts + 1)
        self.last_ts = ts
        return ts

    def next_seq(self, n: int = 1) -> int:
        """Reserve n consecutive sequence numbers; returns the first."""
        first = self.seq + 1
        self.seq += n
        return first

    def timeuuid(self, micros: int) -> bytes:
        """A version-1 uuid for the given time, unique per call."""
        seq = self.next_seq()
        ticks = micros * 10 + 0x01B21DD213814000 + (seq % 10)
        time_low = ticks & 0xFFFFFFFF
        time_mid = (ticks >> 32) & 0xFFFF
        time_hi = ((ticks >> 48) & 0x0FFF) | 0x1000
        clock_seq = 0x8000 | ((seq // 10) & 0x3FFF)
        node = 0x0242AC110002
        return (
            time_low.to_bytes(4, "big")
            + time_mid.to_bytes(2, "big")
            + time_hi.to_bytes(2, "big")
            + clock_seq.to_bytes(2, "big")
            + node.to_bytes(6, "big")
        )

    def random_uuid(self) -> bytes:
        """A version-4 uuid, pseudo-random but reproducible."""
        seq = self.next_seq()
        raw = bytearray(hashlib.sha256(f"astra-emulator-uuid-{seq}".encode()).digest()[:16])
        raw[6] = (raw[6] & 0x0F) | 0x40
        raw[8] = (raw[8] & 0x3F) | 0x80
        return bytes(raw)


class Ctx:
    """bound: stored values per marker index. now: seconds (TTL expiry).
    now_micros: the coordinator clock. timestamp: the default write
    timestamp (µs), or None if not yet drawn."""

    __slots__ = ("bound", "clock", "now", "now_micros", "timestamp")

    def __init__(
        self,
        bound: list[Any],
        now: int,
        now_micros: int,
        clock: Clock,
        timestamp: int | None = None,
    ) -> None:
        self.bound = bound
        self.now = now
        self.now_micros = now_micros
        self.clock = clock
        self.timestamp = timestamp

    def write_timestamp(self) -> int:
        if self.timestamp is None:
            self.timestamp = self.clock.timestamp(self.now_micros)
        return self.timestamp
