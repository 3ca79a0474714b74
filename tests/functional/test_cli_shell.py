"""The CQL shell: statement splitter, value rendering, and the interactive loop
driven through prompt_toolkit's pipe input against the emulator."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from rich.console import Console

import astra_grpc_async as aga
from astra_grpc_async.cli.shell import (
    CqlShell,
    format_value,
    make_prompt,
    render_result,
    split_statements,
    to_jsonable,
)
from astra_grpc_async.result import Result
from astra_grpc_async.row import make_row

# --- the splitter ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "statements", "rest"),
    [
        ("SELECT 1;", ["SELECT 1"], ""),
        ("SELECT 1; SELECT 2;", ["SELECT 1", "SELECT 2"], ""),
        ("SELECT 1; SELECT", ["SELECT 1"], " SELECT"),
        ("INSERT INTO t (a) VALUES ('x;y');", ["INSERT INTO t (a) VALUES ('x;y')"], ""),
        ("INSERT INTO t (a) VALUES ('it''s; ok');", ["INSERT INTO t (a) VALUES ('it''s; ok')"], ""),
        ('SELECT "a;b" FROM t;', ['SELECT "a;b" FROM t'], ""),
        ("SELECT $$a;b$$;", ["SELECT $$a;b$$"], ""),
        ("SELECT 1 -- a comment; still\n;", ["SELECT 1 -- a comment; still"], ""),
        ("SELECT 1 // a; b\nFROM t;", ["SELECT 1 // a; b\nFROM t"], ""),
        ("SELECT /* ; */ 1;", ["SELECT /* ; */ 1"], ""),
        (";;  ;", [], ""),
        ("-- only a comment\n", [], ""),
        ("SELECT 'open;", [], "SELECT 'open;"),
        ("SELECT\n  a\nFROM t\n;", ["SELECT\n  a\nFROM t"], ""),
    ],
)
def test_split_statements(text: str, statements: list[str], rest: str) -> None:
    assert split_statements(text) == (statements, rest)


# --- rendering -------------------------------------------------------------------


def test_format_value() -> None:
    assert format_value(None) == "null"
    assert format_value("plain") == "plain"
    assert format_value(["it's", None]) == "['it''s', null]"
    assert format_value({"b", "a"}) == "{'a', 'b'}"
    assert format_value({"k": 1}) == "{'k': 1}"
    assert format_value((1, "x")) == "(1, 'x')"
    assert format_value(b"\x01\xff") == "0x01ff"
    assert format_value(True) == "True"
    assert format_value(1.5) == "1.5"
    stamp = dt.datetime(2026, 1, 2, 3, 4, 5, 6000, tzinfo=dt.UTC)
    assert format_value(stamp) == "2026-01-02 03:04:05.006+00:00"
    assert format_value(aga.Duration(1, 2, 3)) == "1mo2d3ns"
    assert format_value(aga.Udt(a=1, b="x")) == "{a: 1, b: 'x'}"


def test_to_jsonable() -> None:
    u = uuid.UUID(int=1)
    value = {"u": u, "d": Decimal("1.50"), "b": b"\x00", "s": {2, 1}, "f": float("nan")}
    assert to_jsonable(value) == {
        "u": str(u),
        "d": "1.50",
        "b": "0x00",
        "s": [1, 2],
        "f": "nan",
    }
    assert to_jsonable(dt.date(2026, 1, 1)) == "2026-01-01"
    assert to_jsonable(aga.Duration(1, 2, 3)) == {"months": 1, "days": 2, "nanos": 3}


def _console() -> Console:
    return Console(file=io.StringIO(), width=100, color_system=None, record=True)


def test_render_rows_as_a_table() -> None:
    from astra_grpc_async._proto.stargate import query_pb2

    spec = [
        query_pb2.ColumnSpec(name="id", type=query_pb2.TypeSpec(basic=query_pb2.TypeSpec.INT)),
        query_pb2.ColumnSpec(
            name="[name]", type=query_pb2.TypeSpec(basic=query_pb2.TypeSpec.VARCHAR)
        ),
    ]
    rows = [make_row(["id", "[name]"], [1, "ada"]), make_row(["id", "[name]"], [2, None])]
    console = _console()
    warned = query_pb2.Response(warnings=["slow query"])
    render_result(Result(rows, spec, response=warned), console)
    text = console.export_text()
    assert "Warning: slow query" in text
    assert "[name]" in text  # markup in names is escaped, not interpreted
    assert "ada" in text and "null" in text and "(2 rows)" in text


def test_render_a_plain_write_prints_nothing() -> None:
    console = _console()
    render_result(Result([]), console)
    assert console.export_text() == ""


# --- the interactive loop --------------------------------------------------------


async def test_interactive_session(stargate_client: aga.Client, tmp_path: Path) -> None:
    history = tmp_path / "history"
    console = _console()
    with create_pipe_input() as pipe:
        prompt = make_prompt(history, input=pipe, output=DummyOutput())
        shell = CqlShell(stargate_client, console, page_size=2, prompt=prompt)
        lines = [
            "CREATE KEYSPACE IF NOT EXISTS shell_ks WITH replication =",
            "  {'class': 'SimpleStrategy', 'replication_factor': 1};",
            "USE shell_ks;",
            "CREATE TABLE t (k int, c int, v text, PRIMARY KEY (k, c));",
            "INSERT INTO t (k, c, v) VALUES (1, 1, 'one'); INSERT INTO t (k, c, v)",
            "  VALUES (1, 2, 'two');",
            "INSERT INTO t (k, c, v) VALUES (1, 3, 'three');",
            "INSERT INTO t (k, c, v) VALUES (1, 4, 'four');",
            "INSERT INTO t (k, c, v) VALUES (1, 5, 'five');",
            "SELECT c, v FROM t WHERE k = 1;",
            "",  # --More--: Enter shows page 2
            "q",  # --More--: stop before page 3
            "SELECT nonsense FROM;",
            "PAGING OFF;",
            "SELECT c FROM t WHERE k = 1;",
            "exit",
        ]
        pipe.send_text("\n".join(lines) + "\n")
        code = await shell.interact()
    assert code == 0 and shell.done
    text = console.export_text()
    assert "CREATED KEYSPACE shell_ks" in text and "CREATED TABLE shell_ks.t" in text
    assert "now using keyspace shell_ks" in text
    assert "one" in text and "two" in text  # page 1
    assert "three" in text and "four" in text  # page 2, after Enter
    before_error = text.split("InvalidQueryError")[0]
    assert "five" not in before_error  # 'q' stopped before page 3
    assert "InvalidQueryError [INVALID_ARGUMENT]" in text
    assert "paging off" in text
    after = text.split("paging off")[1]
    assert all(f"│ {c} │" in after for c in range(1, 6))  # every page, no prompt
    assert shell.errors == 1
    saved = history.read_text()
    assert "USE shell_ks;" in saved and "SELECT c, v FROM t WHERE k = 1;" in saved
    assert "\n+q\n" not in saved  # the --More-- answers are not statements


async def test_ctrl_d_ends_and_ctrl_c_drops_the_statement(stargate_client: aga.Client) -> None:
    console = _console()
    answers: Iterator[str | BaseException] = iter(
        ["SELECT", KeyboardInterrupt(), "HELP", EOFError()]
    )

    async def prompt(text: str) -> str:
        item = next(answers)
        if isinstance(item, BaseException):
            raise item
        return item

    shell = CqlShell(stargate_client, console, prompt=prompt)
    assert await shell.interact() == 0
    text = console.export_text()
    assert "PAGING <n>" in text  # HELP ran alone: the unfinished SELECT was dropped
    assert shell.errors == 0


async def test_run_text_stops_at_the_first_error(stargate_client: aga.Client) -> None:
    console = _console()
    shell = CqlShell(stargate_client, console, output="json")
    code = await shell.run_text(
        "SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = 'system';"
        "SELECT broken FROM;"
        "SELECT 1 FROM nowhere.never"
    )
    assert code == 2 and shell.errors == 1
    assert '{"keyspace_name": "system"}' in console.export_text()
