"""Public value types: the few CQL values Python has no exact type for.

Encoding (Python -> CQL) accepts the natural Python types and these:

- ``UNSET``: leave the column untouched (a bind value only).
- ``Float32(x)``: send as CQL ``float``; a plain Python float is a ``double``.
- ``Varint(n)``: send as CQL ``varint``; a plain int is sent as a 64-bit
  ``int`` when it fits (tinyint ... bigint, counter) and as a varint otherwise.
- ``Udt(...)``: send as a user-defined type value; a plain dict is a ``map``.
- ``Duration(months, days, nanos)``: CQL ``duration``; ``timedelta`` works too.
- ``Date(days)``, ``Timestamp(ms)``, ``Time(nanos)``: CQL's full ranges.

Naive ``datetime`` values are taken as UTC. A ``datetime`` is sent as whole
milliseconds since the epoch, truncated toward negative infinity (as the
Cassandra drivers do), so sub-millisecond precision is dropped.

Decoding (CQL -> Python) gives the natural Python type whenever it is exact,
and the driver's own type only when it is not:

- ``date``: ``datetime.date``, or ``Date`` outside years 1..9999;
- ``timestamp``: ``datetime.datetime`` (timezone-aware, UTC), or ``Timestamp``
  outside years 1..9999;
- ``time``: ``datetime.time`` when the nanoseconds are a whole number of
  microseconds, else ``Time``;
- ``duration``: always ``Duration``; ``float``: a Python float (the value the
  32-bit float holds); ``varint``: int; ``decimal``: ``decimal.Decimal``;
  user-defined types: ``Udt``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final, final

__all__ = [
    "UNSET",
    "Date",
    "Duration",
    "Float32",
    "Time",
    "Timestamp",
    "Udt",
    "UnsetType",
    "Varint",
]

_INT32_MIN: Final = -(2**31)
_INT32_MAX: Final = 2**31 - 1
_INT64_MIN: Final = -(2**63)
_INT64_MAX: Final = 2**63 - 1

NANOS_PER_DAY: Final = 86_400_000_000_000
_EPOCH_ORDINAL: Final = _dt.date(1970, 1, 1).toordinal()
# Inclusive bounds of what datetime.date / datetime.datetime can represent.
DATE_MIN_DAYS: Final = _dt.date.min.toordinal() - _EPOCH_ORDINAL
DATE_MAX_DAYS: Final = _dt.date.max.toordinal() - _EPOCH_ORDINAL
TIMESTAMP_MIN_MS: Final = DATE_MIN_DAYS * 86_400_000
TIMESTAMP_MAX_MS: Final = (DATE_MAX_DAYS + 1) * 86_400_000 - 1


@final
class UnsetType:
    """The type of `UNSET`: a bind value that leaves the column untouched."""

    __slots__ = ()
    _instance: UnsetType | None = None

    def __new__(cls) -> UnsetType:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"

    def __reduce__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Final = UnsetType()


class Float32(float):
    """A float sent as CQL ``float`` (32 bits) instead of ``double``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Float32({float(self)!r})"


class Varint(int):
    """An int sent as CQL ``varint`` even when it fits in 64 bits."""

    __slots__ = ()

    def __repr__(self) -> str:
        try:
            return f"Varint({int(self)!r})"
        except ValueError:  # over int->str's digit limit: a repr must not raise
            return f"Varint(<{self.bit_length()}-bit integer>)"


class Udt(Mapping[str, Any]):
    """A user-defined type value: a read-only mapping of field name to value,
    with attribute access for fields whose names are identifiers.

    ``Udt({"street": "Main", "zip": 1})`` or ``Udt(street="Main", zip=1)``.
    Hashable when its values are (a frozen UDT can be a set element).
    """

    __slots__ = ("_data",)
    _data: dict[str, Any]

    def __init__(self, fields: Mapping[str, Any] | None = None, /, **kwargs: Any) -> None:
        data = dict(fields) if fields is not None else {}
        data.update(kwargs)
        for key in data:
            if not isinstance(key, str):
                raise TypeError(f"Udt field names must be str, not {type(key).__name__}")
        object.__setattr__(self, "_data", data)

    @classmethod
    def _from_dict(cls, data: dict[str, Any]) -> Udt:
        # Decoder fast path: the dict is owned by the new Udt, keys are str.
        self = cls.__new__(cls)
        object.__setattr__(self, "_data", data)
        return self

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __getattr__(self, name: str) -> Any:
        if name == "_data":  # not initialised (e.g. Udt.__new__ alone): no recursion
            raise AttributeError(name)
        try:
            return self._data[name]
        except KeyError:
            raise AttributeError(f"Udt has no field {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Udt is read-only")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("Udt is read-only")

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return self._data == dict(other.items())
        return NotImplemented

    def __hash__(self) -> int:
        return hash(frozenset(self._data.items()))

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self._data.items())
        if all(k.isidentifier() for k in self._data):
            return f"Udt({inner})"
        return f"Udt({self._data!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Udt, (self._data,))


def _check_int(name: str, value: object, low: int, high: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if not low <= value <= high:
        raise ValueError(f"{name} out of range: {value}")


@dataclass(frozen=True, slots=True)
class Duration:
    """A CQL duration: months, days and nanoseconds, kept apart because a month
    or a day has no fixed length. All three must have the same sign (CQL's
    rule); months and days are 32-bit, nanos 64-bit."""

    months: int = 0
    days: int = 0
    nanos: int = 0

    def __post_init__(self) -> None:
        _check_int("months", self.months, _INT32_MIN, _INT32_MAX)
        _check_int("days", self.days, _INT32_MIN, _INT32_MAX)
        _check_int("nanos", self.nanos, _INT64_MIN, _INT64_MAX)
        if (self.months < 0 or self.days < 0 or self.nanos < 0) and (
            self.months > 0 or self.days > 0 or self.nanos > 0
        ):
            raise ValueError(
                "Duration months, days and nanos must all have the same sign, got "
                f"({self.months}, {self.days}, {self.nanos})"
            )

    @classmethod
    def _from_wire(cls, months: int, days: int, nanos: int) -> Duration:
        # Decoder fast path: the wire types already bound the ranges (sint32,
        # sint64); only CQL's sign rule is left to check.
        if (months < 0 or days < 0 or nanos < 0) and (months > 0 or days > 0 or nanos > 0):
            raise ValueError(
                f"Duration months, days and nanos must all have the same sign, got "
                f"({months}, {days}, {nanos})"
            )
        self = object.__new__(cls)
        object.__setattr__(self, "months", months)
        object.__setattr__(self, "days", days)
        object.__setattr__(self, "nanos", nanos)
        return self

    @classmethod
    def from_timedelta(cls, delta: _dt.timedelta) -> Duration:
        """Days and nanoseconds of `delta` (months = 0)."""
        micros = delta // _dt.timedelta(microseconds=1)
        sign = -1 if micros < 0 else 1
        days, rest = divmod(abs(micros), 86_400_000_000)
        return cls(0, sign * days, sign * rest * 1000)

    def to_timedelta(self) -> _dt.timedelta:
        """This duration as a timedelta; ValueError when it has months (no fixed
        length) or nanoseconds that are not whole microseconds."""
        if self.months:
            raise ValueError("a Duration with months has no timedelta equivalent")
        if self.nanos % 1000:
            raise ValueError("timedelta cannot hold sub-microsecond precision")
        return _dt.timedelta(days=self.days, microseconds=self.nanos // 1000)


@dataclass(frozen=True, slots=True, order=True)
class Date:
    """A CQL date as signed days since 1970-01-01; covers CQL's whole range
    (about +-5.8 million years), beyond what ``datetime.date`` holds."""

    days: int

    def __post_init__(self) -> None:
        _check_int("days", self.days, _INT32_MIN, _INT32_MAX)

    @classmethod
    def from_date(cls, value: _dt.date) -> Date:
        from .codec.temporal import date_to_days  # the codec imports this module

        return cls(date_to_days(value))

    def to_date(self) -> _dt.date:
        """The ``datetime.date``; ValueError outside years 1..9999."""
        from .codec.temporal import days_to_date

        if not DATE_MIN_DAYS <= self.days <= DATE_MAX_DAYS:
            raise ValueError(f"Date({self.days}) is outside datetime.date's range")
        return days_to_date(self.days)


@dataclass(frozen=True, slots=True, order=True)
class Timestamp:
    """A CQL timestamp as signed milliseconds since the epoch (UTC); covers
    what ``datetime.datetime`` cannot (before year 1, after year 9999)."""

    ms: int

    def __post_init__(self) -> None:
        _check_int("ms", self.ms, _INT64_MIN, _INT64_MAX)

    @classmethod
    def from_datetime(cls, value: _dt.datetime) -> Timestamp:
        """Naive datetimes are taken as UTC; sub-millisecond precision is
        truncated toward negative infinity."""
        from .codec.temporal import datetime_to_ms

        return cls(datetime_to_ms(value))

    def to_datetime(self) -> _dt.datetime:
        """The timezone-aware UTC datetime; ValueError outside years 1..9999."""
        from .codec.temporal import ms_to_utc

        if not TIMESTAMP_MIN_MS <= self.ms <= TIMESTAMP_MAX_MS:
            raise ValueError(f"Timestamp({self.ms}) is outside datetime's range")
        return ms_to_utc(self.ms)


@dataclass(frozen=True, slots=True, order=True)
class Time:
    """A CQL time of day in nanoseconds since midnight (0 .. 86399999999999);
    ``datetime.time`` only holds microseconds."""

    nanos: int

    def __post_init__(self) -> None:
        _check_int("nanos", self.nanos, 0, NANOS_PER_DAY - 1)

    @classmethod
    def from_time(cls, value: _dt.time) -> Time:
        from .codec.temporal import time_to_nanos

        return cls(time_to_nanos(value))

    def to_time(self) -> _dt.time:
        """The ``datetime.time``; ValueError when precision would be lost."""
        from .codec.temporal import micros_to_time

        if self.nanos % 1000:
            raise ValueError("datetime.time cannot hold sub-microsecond precision")
        return micros_to_time(self.nanos // 1000)
