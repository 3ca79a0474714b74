"""`Result`: one page of an answer, plus what came with it."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from . import proto
from ._proto.stargate import query_pb2
from .codec import type_name
from .codec.protoconv import to_dataclass
from .errors import ClientError
from .row import Row


@dataclass(frozen=True, slots=True)
class Column:
    """A result column: its name and its CQL type as text (e.g. `map<varchar, int>`)."""

    name: str
    type: str


def encode_cursor(paging_state: bytes) -> str:
    """A URL-safe token for a paging_state, to hand to a web client."""
    return base64.urlsafe_b64encode(paging_state).rstrip(b"=").decode("ascii")


def decode_cursor(cursor: str) -> bytes:
    """The paging_state behind `encode_cursor`; ClientError when malformed."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        # validate=True: a character outside the alphabet is an error, not skipped
        return base64.b64decode(padded.encode("ascii"), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError) as exc:
        raise ClientError(f"malformed paging cursor: {exc}") from None


class Result:
    """One page. `rows` are `Row`s (tuples that know their column names);
    `paging_state` is set while more pages remain (an empty state from the
    server counts as none); `applied` is the `[applied]` flag of a
    conditional write (None for other statements); `schema_change` and
    `traces` are `astra_grpc_async.proto` dataclasses, converted once, when
    first read. `Result.from_proto(response)` reads a `proto.Response` (from
    `client.raw`, say) as rows."""

    __slots__ = (
        "_columns", "_deferred", "_raw_columns", "_response", "_rows", "_schema_change",
        "_traces", "paging_state",
    )  # fmt: skip

    def __init__(
        self,
        rows: list[Row],
        raw_columns: Sequence[query_pb2.ColumnSpec] = (),
        paging_state: bytes | None = None,
        response: query_pb2.Response | None = None,
    ) -> None:
        # warnings, traces and schema changes are read from `response` only
        # when asked for: most callers never look, and every call pays otherwise
        self._rows: list[Row] | None = rows
        self._deferred: DeferredRows | None = None
        self._raw_columns = raw_columns
        self._columns: list[Column] | None = None
        self.paging_state = paging_state or None
        self._response = response
        self._traces: proto.Traces | _Unread | None = _UNREAD
        self._schema_change: proto.SchemaChange | _Unread | None = _UNREAD

    @classmethod
    def _of_deferred(
        cls,
        deferred: DeferredRows,
        raw_columns: Sequence[query_pb2.ColumnSpec],
        paging_state: bytes | None,
        response: query_pb2.Response,
    ) -> Result:
        """A Result whose rows are decoded later: by whoever reads `rows` (at
        once), or step by step by the driver (a stream's consumer, `execute`)."""
        self = cls([], raw_columns, paging_state, response)
        self._rows = None
        self._deferred = deferred
        return self

    @property
    def rows(self) -> list[Row]:
        rows = self._rows
        if rows is None:
            assert self._deferred is not None
            rows = self._rows = self._deferred.decode_all()
            self._deferred = None
        return rows

    @rows.setter
    def rows(self, rows: list[Row]) -> None:
        self._rows = rows
        self._deferred = None

    @classmethod
    def from_proto(cls, response: proto.Response) -> Result:
        """A `proto.Response` read as a Result: rows decoded by the driver's
        codec, exactly as `execute` would have returned it."""
        from ._responses import result_from_bytes  # it builds Results: imported late

        return result_from_bytes(bytes(response))

    @property
    def warnings(self) -> list[str]:
        return list(self._response.warnings) if self._response is not None else []

    @property
    def traces(self) -> proto.Traces | None:
        traces = self._traces
        if isinstance(traces, _Unread):
            r = self._response
            if r is not None and r.HasField("traces"):
                traces = to_dataclass(r.traces, proto.Traces)
            else:
                traces = None
            self._traces = traces
        return traces

    @property
    def schema_change(self) -> proto.SchemaChange | None:
        change = self._schema_change
        if isinstance(change, _Unread):
            r = self._response
            if r is not None and r.WhichOneof("result") == "schema_change":
                change = to_dataclass(r.schema_change, proto.SchemaChange)
            else:
                change = None
            self._schema_change = change
        return change

    @property
    def columns(self) -> list[Column]:
        if self._columns is None:
            self._columns = [Column(c.name, type_name(c.type)) for c in self._raw_columns]
        return self._columns

    @property
    def has_more_pages(self) -> bool:
        return self.paging_state is not None

    @property
    def cursor(self) -> str | None:
        """`paging_state` as URL-safe base64 (pass back as `paging_state=decode_cursor(c)`)."""
        return None if self.paging_state is None else encode_cursor(self.paging_state)

    @property
    def applied(self) -> bool | None:
        if self._raw_columns and self._raw_columns[0].name == "[applied]" and self.rows:
            value = self.rows[0][0]
            return bool(value)
        return None

    def one(self) -> Row:
        """The only row; ClientError when there are none or several."""
        if len(self.rows) != 1:
            raise ClientError(f"expected exactly one row, got {len(self.rows)}")
        return self.rows[0]

    def first(self) -> Row | None:
        return self.rows[0] if self.rows else None

    def scalar(self) -> Any:
        """The first column of the first row (e.g. COUNT(*)), None without rows."""
        return self.rows[0][0] if self.rows else None

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)

    def __len__(self) -> int:
        deferred = self._deferred
        if deferred is not None:  # counted without decoding anything
            return deferred.count
        return len(self.rows)

    def __repr__(self) -> str:
        # reads the wire message's enum directly: a repr converts nothing
        extra = ", more pages" if self.has_more_pages else ""
        r = self._response
        if r is not None and r.WhichOneof("result") == "schema_change":
            name = query_pb2.SchemaChange.Type.Name(r.schema_change.change_type)
            extra += f", schema_change={name}"
        return f"<Result {len(self)} row(s){extra}>"


class DeferredRows(Protocol):
    """Rows not decoded yet: how many there are, and all of them decoded."""

    @property
    def count(self) -> int: ...

    def decode_all(self) -> list[Row]: ...


class _Unread:
    """Marks a lazily converted attribute not read yet (None is a value)."""

    __slots__ = ()


_UNREAD = _Unread()
