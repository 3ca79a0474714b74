"""What a load run does, checked up front."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

DEFAULT_DURATION = 10.0
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,47}")


@dataclass(frozen=True, slots=True)
class LoadConfig:
    """`duration` (s) and/or `count` (operations) bound the run; with neither
    it lasts DEFAULT_DURATION. `rate` caps operations per second overall
    (None: as fast as `concurrency` workers go). Keys are drawn uniformly
    from `0 .. keys-1`."""

    duration: float | None = None
    count: int | None = None
    concurrency: int = 32
    read_ratio: float = 0.5
    rate: float | None = None
    keys: int = 10_000
    value_size: int = 100
    keyspace: str = "loadgen"
    table: str = "kv"
    op_timeout: float = 10.0
    interval: float = 1.0
    seed: int | None = None

    def __post_init__(self) -> None:
        if self.duration is None and self.count is None:
            object.__setattr__(self, "duration", DEFAULT_DURATION)
        if self.duration is not None and not self.duration > 0:
            raise ValueError("duration must be more than 0 seconds")
        if self.count is not None and self.count < 1:
            raise ValueError("count must be at least 1")
        if self.concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if not 0.0 <= self.read_ratio <= 1.0:
            raise ValueError("read_ratio must be between 0 and 1")
        if self.rate is not None and not self.rate > 0:
            raise ValueError("rate must be more than 0 operations per second")
        if self.keys < 1:
            raise ValueError("keys must be at least 1")
        if self.value_size < 0:
            raise ValueError("value_size must not be negative")
        if not self.op_timeout > 0 or not self.interval > 0:
            raise ValueError("op_timeout and interval must be more than 0")
        for what, name in (("keyspace", self.keyspace), ("table", self.table)):
            if not _NAME.fullmatch(name):
                raise ValueError(f"{what} {name!r} is not a plain CQL identifier")

    @property
    def qualified_table(self) -> str:
        return f"{self.keyspace}.{self.table}"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
