"""How the shell shows values and pages: CQL-ish text, JSON, tables, and the
vertical layout of `EXPAND ON`.

Values are formatted along their column's CQL type where the Python value
alone is ambiguous: a `float` column holds 32-bit floats, printed in their
shortest form (`1.1`, not `1.100000023841858`)."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import ipaddress
import math
import struct
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..result import Result
from ..types import Duration, Time, Udt

__all__ = [
    "CqlType",
    "float32_text",
    "format_value",
    "parse_type",
    "render_expanded",
    "render_result",
    "time_text",
    "to_jsonable",
]

NUMERIC_TYPES = frozenset(
    {"int", "bigint", "smallint", "tinyint", "varint", "float", "double", "decimal", "counter"}
)


# --- column types ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CqlType:
    """A parsed type name: `map<varchar, list<float>>` is
    CqlType("map", (CqlType("varchar"), CqlType("list", (CqlType("float"),))))."""

    name: str
    params: tuple[CqlType, ...] = ()


def parse_type(text: str) -> CqlType:
    """Parse a type as `Result.columns` spells it (`frozen<>` is dropped)."""
    parsed, rest = _parse(text.replace(" ", ""))
    return parsed if not rest else CqlType(text)


def _parse(text: str) -> tuple[CqlType, str]:
    i = 0
    while i < len(text) and text[i] not in "<>,":
        i += 1
    name, rest = text[:i].lower(), text[i:]
    params: list[CqlType] = []
    if rest.startswith("<"):
        rest = rest[1:]
        while True:
            param, rest = _parse(rest)
            params.append(param)
            if rest.startswith(","):
                rest = rest[1:]
                continue
            rest = rest[1:] if rest.startswith(">") else rest
            break
    if name == "frozen" and len(params) == 1:
        return params[0], rest
    return CqlType(name, tuple(params)), rest


def _param(t: CqlType | None, i: int) -> CqlType | None:
    return t.params[i] if t is not None and i < len(t.params) else None


# --- text ------------------------------------------------------------------------


def float32_text(value: float) -> str:
    """The shortest text that reads back as the same 32-bit float."""
    if not math.isfinite(value):
        return repr(value)
    try:
        target = struct.pack(">f", value)
    except OverflowError:  # not a 32-bit float after all
        return repr(value)
    for digits in range(1, 10):
        text = f"{value:.{digits}g}"
        with contextlib.suppress(OverflowError):  # rounded up past the largest float32
            if struct.pack(">f", float(text)) == target:
                return repr(float(text))
    return repr(value)


def time_text(value: dt.time | Time) -> str:
    """A time of day to the nanosecond, as cqlsh prints it: 12:34:56.123456789."""
    if isinstance(value, Time):
        nanos = value.nanos
    else:
        seconds = value.hour * 3600 + value.minute * 60 + value.second
        nanos = seconds * 1_000_000_000 + value.microsecond * 1000
    seconds, frac = divmod(nanos, 1_000_000_000)
    minutes, s = divmod(seconds, 60)
    h, m = divmod(minutes, 60)
    return f"{h:02d}:{m:02d}:{s:02d}.{frac:09d}"


def format_value(value: Any, cql_type: CqlType | str | None = None) -> str:
    """A value as CQL-ish text (`null`, quoted strings inside collections)."""
    t = parse_type(cql_type) if isinstance(cql_type, str) else cql_type
    return _fmt(value, t, top=True)


def _fmt(value: Any, t: CqlType | None, *, top: bool) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return value if top else "'" + value.replace("'", "''") + "'"
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, bytes | bytearray | memoryview):
        return "0x" + bytes(value).hex()
    if isinstance(value, float):
        return float32_text(value) if t is not None and t.name == "float" else repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="milliseconds")
    if isinstance(value, dt.time | Time):
        return time_text(value)
    if isinstance(value, Udt):
        inner = ", ".join(f"{k}: {_fmt(v, None, top=False)}" for k, v in value.items())
        return "{" + inner + "}"
    if isinstance(value, Mapping):
        kt, vt = _param(t, 0), _param(t, 1)
        inner = ", ".join(
            f"{_fmt(k, kt, top=False)}: {_fmt(v, vt, top=False)}" for k, v in value.items()
        )
        return "{" + inner + "}"
    if isinstance(value, set | frozenset):
        return "{" + ", ".join(sorted(_fmt(v, _param(t, 0), top=False) for v in value)) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_fmt(v, _param(t, 0), top=False) for v in value) + "]"
    if isinstance(value, tuple):
        parts = (_fmt(v, _param(t, i), top=False) for i, v in enumerate(value))
        return "(" + ", ".join(parts) + ")"
    if isinstance(value, Duration):
        return f"{value.months}mo{value.days}d{value.nanos}ns"
    return str(value)


def to_jsonable(value: Any, cql_type: CqlType | str | None = None) -> Any:
    """A value as something `json.dumps` takes (for `--format json`)."""
    t = parse_type(cql_type) if isinstance(cql_type, str) else cql_type
    return _json(value, t)


def _json(value: Any, t: CqlType | None) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        return float(float32_text(value)) if t is not None and t.name == "float" else value
    if isinstance(value, bytes | bytearray | memoryview):
        return "0x" + bytes(value).hex()
    if isinstance(value, Decimal | uuid.UUID | ipaddress.IPv4Address | ipaddress.IPv6Address):
        return str(value)
    if isinstance(value, dt.time | Time):
        return time_text(value)
    if isinstance(value, dt.date):  # datetime is a date
        return value.isoformat()
    if isinstance(value, Udt):
        return {str(k): _json(v, None) for k, v in value.items()}
    if isinstance(value, Mapping):
        kt, vt = _param(t, 0), _param(t, 1)
        return {str(_json(k, kt)): _json(v, vt) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((_json(v, _param(t, 0)) for v in value), key=repr)
    if isinstance(value, list):
        return [_json(v, _param(t, 0)) for v in value]
    if isinstance(value, tuple):
        return [_json(v, _param(t, i)) for i, v in enumerate(value)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _json(getattr(value, f.name), None) for f in dataclasses.fields(value)}
    return str(value)


# --- pages -----------------------------------------------------------------------


def _row_count(count: int) -> str:
    return f"({count} row{'s' if count != 1 else ''})"


def render_result(
    result: Result, console: Console, *, title: str | None = None, expand: bool = False
) -> None:
    """Print one page: a table for rows (or one block per row with `expand`),
    a line for a schema change, warnings."""
    for warning in result.warnings:
        console.print(f"[yellow]Warning:[/] {escape(warning)}")
    change = result.schema_change
    if change is not None:
        name = change.name or ""
        what = f"{change.keyspace}.{name}" if name else change.keyspace
        console.print(f"{change.change_type.name} {change.target.name} {escape(what)}")
        return
    if not result.columns:
        return  # a plain write: nothing to show, as in cqlsh
    if expand:
        render_expanded(result, console, title=title)
        return
    types = [parse_type(c.type) for c in result.columns]
    table = Table(title=title, show_lines=False, header_style="bold magenta")
    for col, t in zip(result.columns, types, strict=True):
        numeric = t.name in NUMERIC_TYPES
        table.add_column(escape(col.name), overflow="fold", justify="right" if numeric else "left")
    for row in result.rows:
        table.add_row(*(_cell(v, t) for v, t in zip(row, types, strict=True)))
    console.print(table)
    console.print(_row_count(len(result.rows)), style="dim")


def render_expanded(result: Result, console: Console, *, title: str | None = None) -> None:
    """One block per row, a line per column (cqlsh's EXPAND ON)."""
    names = [c.name for c in result.columns]
    types = [parse_type(c.type) for c in result.columns]
    width = max(len(n) for n in names)
    if title:
        console.out(title, highlight=False)
    for i, row in enumerate(result.rows, 1):
        values = [format_value(v, t) for v, t in zip(row, types, strict=True)]
        rule = "-" * (width + 2) + "+" + "-" * (max((len(v) for v in values), default=0) + 1)
        lines = [f"@ Row {i}", rule]
        lines += [f" {n.ljust(width)} | {v}" for n, v in zip(names, values, strict=True)]
        console.out("\n" + "\n".join(lines), highlight=False)
    console.out("", highlight=False)
    console.print(_row_count(len(result.rows)), style="dim")


def _cell(value: Any, t: CqlType) -> str:
    return "[dim]null[/]" if value is None else escape(format_value(value, t))


def render_error(exc: BaseException, console: Console) -> None:
    code = getattr(exc, "code", None)
    where = f" [{code}]" if code else ""
    message = getattr(exc, "message", None) or str(exc)
    console.print(f"[bold red]{type(exc).__name__}{where}:[/] {escape(message)}")
