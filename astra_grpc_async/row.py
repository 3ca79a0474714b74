"""`Row`: a tuple that knows its column names.

One `Row` subclass is made per column-name set (cached), holding the names and
a name -> index dict as class attributes, so a row costs what a tuple costs:
the decoder builds it with ``tuple.__new__(cls, values)``.

    row[0], row[-1], row[1:]     by position (a slice is a plain tuple)
    row["name"], row.name        by column name (KeyError / AttributeError)
    len(row), iter(row)          values, as for a tuple
    row.keys(), row.values(), row.items(), row.as_dict(), dict(row)

A row equals any tuple (or row) with the same values, column names are not
compared; it is hashable when its values are, and picklable. With duplicate
column names (``SELECT count(*), count(*)``) every position stays reachable by
index; a name means its first occurrence.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any, ClassVar, SupportsIndex, overload

__all__ = ["Row", "make_row", "new_row_class", "row_class"]


class Row(tuple[Any, ...]):
    """A result row. See the module docstring."""

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()
    _index: ClassVar[dict[str, int]] = {}

    @overload
    def __getitem__(self, key: SupportsIndex | str, /) -> Any: ...
    @overload
    def __getitem__(self, key: slice, /) -> tuple[Any, ...]: ...
    def __getitem__(self, key: SupportsIndex | str | slice, /) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def __getattr__(self, name: str) -> Any:
        # Only reached when normal lookup fails: methods win over columns.
        try:
            index = self._index[name]
        except KeyError:
            raise AttributeError(f"row has no column {name!r}") from None
        return tuple.__getitem__(self, index)

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in zip(self._fields, self, strict=False))
        return f"Row({inner})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (make_row, (self._fields, tuple(self)))

    def get(self, name: str, default: Any = None) -> Any:
        """The value of column `name`, or `default` when there is no such column."""
        index = self._index.get(name)
        return default if index is None else tuple.__getitem__(self, index)

    def keys(self) -> tuple[str, ...]:
        """The column names, in order (duplicates kept)."""
        return self._fields

    def values(self) -> tuple[Any, ...]:
        """The values, in column order."""
        return tuple(self)

    def items(self) -> list[tuple[str, Any]]:
        """(name, value) pairs in column order (duplicates kept)."""
        return list(zip(self._fields, self, strict=False))

    def as_dict(self) -> dict[str, Any]:
        """A new dict of column name -> value (the first of duplicate names wins)."""
        return {name: tuple.__getitem__(self, i) for name, i in self._index.items()}


@lru_cache(maxsize=4096)
def row_class(names: tuple[str, ...]) -> type[Row]:
    """The `Row` subclass for these column names (made once, cached)."""
    index: dict[str, int] = {}
    for i, name in enumerate(names):
        index.setdefault(name, i)
    return new_row_class(names, index)


def new_row_class(names: tuple[str, ...], index: dict[str, int]) -> type[Row]:
    """A new `Row` subclass from names and their name -> first position index
    (uncached: for schemas too wide to hash and index in one go)."""
    attrs: dict[str, Any] = {"__slots__": (), "_fields": names, "_index": index}
    return type("Row", (Row,), attrs)


def make_row(names: Sequence[str], values: Iterable[Any]) -> Row:
    """A `Row` from column names and values (same length)."""
    names = tuple(names)
    values = tuple(values)
    if len(names) != len(values):
        raise ValueError(f"{len(names)} names for {len(values)} values")
    return tuple.__new__(row_class(names), values)
