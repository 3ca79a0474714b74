"""Enumerations and policies callers pass in: consistency, batch kind, retries."""

from __future__ import annotations

import dataclasses
import enum
import random
import re
from dataclasses import dataclass, field

from . import errors


class Consistency(enum.IntEnum):
    """CQL consistency levels (values are the wire numbers)."""

    ANY = 0
    ONE = 1
    TWO = 2
    THREE = 3
    QUORUM = 4
    ALL = 5
    LOCAL_QUORUM = 6
    EACH_QUORUM = 7
    SERIAL = 8
    LOCAL_SERIAL = 9
    LOCAL_ONE = 10


class BatchKind(enum.IntEnum):
    LOGGED = 0
    UNLOGGED = 1
    COUNTER = 2


def consistency_value(value: Consistency | str | int) -> int:
    if isinstance(value, str):
        try:
            return Consistency[value.upper()].value
        except KeyError:
            raise errors.ClientError(f"unknown consistency level {value!r}") from None
    try:
        return Consistency(value).value
    except ValueError:
        raise errors.ClientError(f"unknown consistency level {value!r}") from None


_DEFAULT_RETRY_ON: tuple[type[errors.AgaError], ...] = (
    errors.UnavailableError,
    errors.OverloadedError,
    errors.ServerTimeoutError,
    errors.ConnectionLostError,
)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """When and how often to try again. Only idempotent statements are ever
    retried (SELECTs by default, writes marked `idempotent=True`, never a
    conditional write); the caller's deadline bounds all attempts together.
    Backoff is exponential with full jitter; an overloaded server gets
    `overload_factor` times longer pauses."""

    max_attempts: int = 3
    base_delay: float = 0.05
    max_delay: float = 2.0
    overload_factor: float = 4.0
    retry_on: tuple[type[errors.AgaError], ...] = field(default=_DEFAULT_RETRY_ON)

    def should_retry(self, exc: BaseException, attempt: int, idempotent: bool) -> bool:
        """`attempt` counts from 1 (the call that just failed)."""
        return idempotent and attempt < self.max_attempts and isinstance(exc, self.retry_on)

    def delay(self, exc: BaseException, attempt: int) -> float:
        cap = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        if isinstance(exc, errors.OverloadedError):
            cap = min(self.max_delay, cap * self.overload_factor)
        return random.uniform(cap / 2, cap)


NO_RETRY = RetryPolicy(max_attempts=1)

_LWT = re.compile(r"\bIF\s+(NOT\s+EXISTS|EXISTS|[\w\"]+)", re.IGNORECASE)


def is_idempotent(cql: str, explicit: bool | None) -> bool:
    """SELECTs are idempotent; other statements only when marked so, and a
    conditional (LWT) write never is."""
    head = cql.lstrip()[:6].upper()
    if head == "SELECT":
        return explicit is not False
    if not explicit:
        return False
    return _LWT.search(cql) is None


@dataclass(frozen=True, slots=True, kw_only=True)
class Options:
    """Per-statement options: one type for every call (`execute`, `stream`,
    `batch`, `execute_many` and the pipeline's `execute`/`batch`), passed as
    `options=`. A keyword argument of the call overrides the same field;
    None (or False) leaves the client's default (or the server's)."""

    keyspace: str | None = None
    consistency: Consistency | str | None = None
    serial_consistency: Consistency | str | None = None
    page_size: int | None = None
    timestamp: int | None = None
    now_in_seconds: int | None = None
    tracing: bool = False
    timeout: float | None = None
    idempotent: bool | None = None

    def merged(self, **overrides: object) -> Options:
        """These options with every given (not None) override applied."""
        changes = {k: v for k, v in overrides.items() if v is not None}
        if not changes:
            return self
        unknown = set(changes) - set(self.__dataclass_fields__)
        if unknown:
            raise errors.ClientError(f"unknown option(s): {', '.join(sorted(unknown))}")
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


NO_OPTIONS = Options()
