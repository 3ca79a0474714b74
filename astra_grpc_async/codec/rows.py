"""Rows of one result schema: `RowsDecoder`, built once per schema and cached.

Two row loops. Up to `GENERATED_MAX_COLUMNS` columns the loop is a function
generated for the schema (`rowcompile.py`, ~15% less CPU per row); its
`compile()` grows faster than linearly with the column count (~4 ms at 100
columns, seconds at 30,000), so wider schemas use one generic loop instead.

Nothing here may block the event loop for long, whatever the server sends:
building a decoder and decoding rows are both split into steps of about
`STEP_VALUES` values (a few milliseconds), as generators that yield between
steps. Sync callers run the steps back to back (`build_decoder`,
`RowsDecoder.decode`); the async readers in `_responses.py` give the loop a
turn between them.

One cache, keyed by the serialized column specs exactly as they appear in a
ResultSet's bytes (`columns_key`), so the key read straight from a unary
answer's bytes and the key of already parsed columns are the same.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator, Sequence
from typing import Any, Final, TypeVar

from .._proto.stargate import query_pb2
from ..errors import ProtocolError
from ..row import Row, new_row_class, row_class
from .decode import Converter, build_converter, type_name
from .rowcompile import compile_rows, inline_field

__all__ = [
    "GENERATED_MAX_COLUMNS",
    "STEP_TRACKED",
    "STEP_VALUES",
    "RowsDecoder",
    "build_decoder",
    "cached_decoder",
    "columns_key",
    "prepare_decoder",
]

T = TypeVar("T")

GENERATED_MAX_COLUMNS: Final = 100
# values converted per step: ~0.45 us each, so ~1 ms (a few ms on a busy machine)
STEP_VALUES: Final = 2_500
# GC-tracked objects a step's rows may hold: a row is at most 1 + columns of
# them (the Row, plus a list, UUID, ... per value). Kept under CPython's
# default first-generation threshold (700 net allocations), a step's rows are
# usually freed before a young collection sees them, so rows streamed through
# do not pile up in the old generation and trigger full collections (tens of
# ms each, over the whole application's heap) while the loop waits.
STEP_TRACKED: Final = 500
# columns prepared per step when building a decoder: ~3 us each
STEP_COLUMNS: Final = 500
# schemas wider than this are not cached: reading their key costs a step itself
CACHED_MAX_COLUMNS: Final = 1_024
_MAX_SCHEMAS: Final = 1_024
_ROW_CLASS_CACHED_MAX: Final = 4_096

_new = tuple.__new__
RowsFn = Callable[[Sequence[query_pb2.Row]], list[Any]]


def _wrong_length() -> bool:
    raise ProtocolError("a row with the wrong number of values")  # `_diagnose` says more


def _generic_rows(converters: tuple[Converter, ...], cls: type[Row]) -> RowsFn:
    n = len(converters)

    def decode(rows: Sequence[query_pb2.Row]) -> list[Any]:
        return [
            _new(cls, [c(v) for c, v in zip(converters, values, strict=False)])
            for r in rows
            if len(values := r.values) == n or _wrong_length()
        ]

    return decode


class RowsDecoder:
    """Decodes rows of one result schema; get one from `build_decoder`."""

    __slots__ = ("_fast", "columns", "converters", "names", "row_class")

    columns: tuple[query_pb2.ColumnSpec, ...]
    names: tuple[str, ...]
    converters: tuple[Converter, ...]
    row_class: type[Row]
    _fast: RowsFn

    def __init__(self, columns: Sequence[query_pb2.ColumnSpec]) -> None:
        for _ in self._fill(columns):
            pass

    @classmethod
    def _steps(cls, columns: Sequence[query_pb2.ColumnSpec]) -> Generator[None, None, RowsDecoder]:
        self = cls.__new__(cls)
        yield from self._fill(columns)
        return self

    def _fill(self, columns: Sequence[query_pb2.ColumnSpec]) -> Iterator[None]:
        # `columns` may be a protobuf repeated field: slicing it makes the
        # per-column wrapper objects a step at a time, not all at once
        n = len(columns)
        specs: list[query_pb2.ColumnSpec] = []
        names: list[str] = []
        converters: list[Converter] = []
        for start in range(0, n, STEP_COLUMNS):
            if start:
                yield
            chunk = columns[start : start + STEP_COLUMNS]
            specs.extend(chunk)
            for c in chunk:
                names.append(c.name)
                try:
                    converters.append(build_converter(c.type))
                except ProtocolError as exc:
                    raise ProtocolError(f"column {c.name!r}: {exc}") from None
        self.columns = tuple(specs)
        self.names = tuple(names)
        self.converters = tuple(converters)
        if n <= _ROW_CLASS_CACHED_MAX:
            self.row_class = row_class(self.names)
        else:
            index: dict[str, int] = {}
            for start in range(0, n, STEP_VALUES):
                yield
                for i in range(start, min(n, start + STEP_VALUES)):
                    index.setdefault(names[i], i)
            self.row_class = new_row_class(self.names, index)
        if n <= GENERATED_MAX_COLUMNS:
            fields = [inline_field(c.type) for c in specs]
            self._fast = compile_rows(self.converters, fields, self.row_class)
        else:
            self._fast = _generic_rows(self.converters, self.row_class)

    # --- decoding ------------------------------------------------------------

    @property
    def rows_per_step(self) -> int:
        """How many rows one step decodes (0: a row is wider than a step)."""
        n = len(self.converters)
        if n > STEP_VALUES:
            return 0
        return max(1, STEP_TRACKED // (n + 1))

    def decode(self, rows: Sequence[query_pb2.Row]) -> list[Row]:
        """The rows as `Row` objects (ProtocolError naming row and column for a
        value that does not match its column type)."""
        return self._decode(rows, 0)

    def _decode(self, rows: Sequence[query_pb2.Row], offset: int) -> list[Row]:
        try:
            return self._fast(rows)
        except Exception as exc:
            error = self._diagnose(rows, offset)
            if error is None:
                raise
            raise error from exc

    def decode_row(self, row: query_pb2.Row) -> Row:
        """One row as a `Row`."""
        return self.decode([row])[0]

    def decode_into(self, rows: Sequence[query_pb2.Row], cls: Callable[..., T]) -> list[T]:
        """The rows as ``cls(**{column: value})``, e.g. a dataclass whose fields
        are the column names."""
        return self._decode_into(rows, cls, 0)

    def _decode_into(
        self, rows: Sequence[query_pb2.Row], cls: Callable[..., T], offset: int
    ) -> list[T]:
        pairs = tuple(zip(self.names, self.converters, strict=True))
        n = len(pairs)
        try:
            return [
                cls(**{name: c(v) for (name, c), v in zip(pairs, values, strict=False)})
                for r in rows
                if len(values := r.values) == n or _wrong_length()
            ]
        except Exception as exc:
            error = self._diagnose(rows, offset)
            if error is None:
                raise  # the values are fine: `cls` does not take these columns
            raise error from exc

    def steps(
        self, rows: Sequence[query_pb2.Row], into: Callable[..., Any] | None = None
    ) -> Iterator[list[Any]]:
        """The rows decoded a step (~`STEP_VALUES` values) at a time, in order.
        An empty list means a row wider than a step is part done: nothing to
        hand out yet, but a good moment to let the loop run."""
        total = len(rows)
        per = self.rows_per_step
        if per:
            for start in range(0, total, per):
                chunk = rows[start : start + per]
                if into is None:
                    yield self._decode(chunk, start)
                else:
                    yield self._decode_into(chunk, into, start)
        else:
            for i in range(total):
                yield from self._wide_row(rows[i], i, into)

    def _wide_row(
        self, row: query_pb2.Row, index: int, into: Callable[..., Any] | None
    ) -> Iterator[list[Any]]:
        values = row.values
        convs = self.converters
        n = len(convs)
        if len(values) != n:
            raise ProtocolError(f"row {index} has {len(values)} values for {n} columns")
        out: list[Any] = []
        for start in range(0, n, STEP_VALUES):
            if start:
                yield []
            stop = start + STEP_VALUES
            try:
                chunk = zip(convs[start:stop], values[start:stop], strict=True)
                out.extend([c(v) for c, v in chunk])
            except Exception as exc:
                error = self._diagnose([row], index)
                if error is None:
                    raise
                raise error from exc
        if into is None:
            yield [_new(self.row_class, out)]
        else:
            yield [into(**dict(zip(self.names, out, strict=True)))]

    def _diagnose(self, rows: Sequence[query_pb2.Row], offset: int = 0) -> ProtocolError | None:
        # Slow path, only after a failure: find the row and column to blame.
        for i, r in enumerate(rows, offset):
            values = r.values
            if len(values) != len(self.converters):
                return ProtocolError(
                    f"row {i} has {len(values)} values for {len(self.converters)} columns"
                )
            for name, spec, conv, v in zip(
                self.names, self.columns, self.converters, values, strict=True
            ):
                try:
                    conv(v)
                except Exception as exc:
                    tname = type_name(spec.type)
                    return ProtocolError(f"row {i}, column {name!r} ({tname}): {exc}")
        return None


# --- the one cache ------------------------------------------------------------------

_by_schema: dict[bytes, RowsDecoder] = {}


def columns_key(columns: Sequence[query_pb2.ColumnSpec]) -> bytes:
    """The cache key of parsed column specs: their bytes as a ResultSet holds them."""
    return query_pb2.ResultSet(columns=columns).SerializeToString(deterministic=True)


def cached_decoder(key: bytes) -> RowsDecoder | None:
    return _by_schema.get(key)


def _remember(key: bytes, decoder: RowsDecoder) -> RowsDecoder:
    if len(_by_schema) >= _MAX_SCHEMAS:
        _by_schema.clear()
    _by_schema[key] = decoder
    return decoder


def prepare_decoder(
    columns: Sequence[query_pb2.ColumnSpec], key: bytes | None = None
) -> Generator[None, None, RowsDecoder]:
    """The decoder for a schema, in steps (see the module docstring). `key`
    is the schema's cache key when the caller has it already (read from the
    answer's bytes); None computes it, or skips the cache for wide schemas."""
    n = len(columns)
    if key is None and n <= CACHED_MAX_COLUMNS:
        key = columns_key(columns)
    if key is not None:
        found = _by_schema.get(key)
        if found is not None:
            return found
    decoder = yield from RowsDecoder._steps(columns)
    return decoder if key is None else _remember(key, decoder)


def run_steps(steps: Generator[None, None, T]) -> T:
    """Run a stepwise computation to the end, without yielding to anyone."""
    while True:
        try:
            next(steps)
        except StopIteration as done:
            result: T = done.value
            return result


def build_decoder(columns: Sequence[query_pb2.ColumnSpec]) -> RowsDecoder:
    """The decoder for a result schema; built once per distinct schema (cached
    by the serialized column specs)."""
    return run_steps(prepare_decoder(columns))
