"""`astra-grpc cql`: an interactive CQL shell over the Stargate gRPC API.

    astra-grpc cql                                   # an embedded emulator
    astra-grpc cql --endpoint host:8090 --token T    # any Stargate endpoint
    astra-grpc cql -e "SELECT * FROM ks.t;"          # one statement, for scripts

Statements end with `;` and may span lines. Results are rich tables; a
query with more pages stops at a `--More--` prompt. Besides CQL the shell
understands `USE <keyspace>` (kept by the shell: the API itself is
stateless), `PAGING <n>|OFF`, `HELP` and `EXIT`/`QUIT`.

Needs the `cli` extra (rich, prompt_toolkit).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import ipaddress
import json
import math
import re
import uuid
from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .. import errors
from ..client import Client
from ..result import Result
from ..types import Duration, Udt
from .connection import is_connection_failure

__all__ = ["CqlShell", "format_value", "render_result", "split_statements", "to_jsonable"]

EXIT_OK = 0
EXIT_CONNECTION = 1  # the server is unreachable or refuses the token
EXIT_CQL_ERROR = 2
MORE = "--More-- (Enter: next page, q: stop) "

HELP = """\
Statements end with ';' and may span several lines.
  USE <keyspace>;       unqualified names use this keyspace (kept by the shell)
  PAGING <n>; | OFF;    rows per page (OFF: read every page without stopping)
  HELP;  EXIT;  QUIT;   (Ctrl-D also leaves, Ctrl-C drops the statement being typed)
"""

# --- splitting input into statements ----------------------------------------


def split_statements(text: str) -> tuple[list[str], str]:
    """Complete statements (without their `;`) and the unfinished rest.

    A `;` ends a statement only outside 'strings' (with '' escapes),
    "identifiers", $$dollar strings$$ and comments (`--`, `//`, `/* */`).
    Comments are kept in the statement text; empty statements are dropped."""
    statements: list[str] = []
    start = 0
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c in "'\"":
            i = _skip_quoted(text, i, c)
        elif text.startswith("$$", i):
            end = text.find("$$", i + 2)
            i = n if end < 0 else end + 2
        elif text.startswith("--", i) or text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif c == ";":
            stmt = text[start:i].strip()
            if _has_code(stmt):
                statements.append(stmt)
            i += 1
            start = i
        else:
            i += 1
    rest = text[start:]
    return statements, rest if _has_code(rest) else ""


def _skip_quoted(text: str, i: int, quote: str) -> int:
    """Index just past the quoted run opened at `i` (doubled quote = escape)."""
    i += 1
    n = len(text)
    while i < n:
        if text[i] == quote:
            if i + 1 < n and text[i + 1] == quote:
                i += 2
                continue
            return i + 1
        i += 1
    return n


_COMMENT = re.compile(r"--[^\n]*|//[^\n]*|/\*.*?(\*/|$)", re.DOTALL)


def _has_code(text: str) -> bool:
    """False for text that is only whitespace and comments."""
    return bool(_COMMENT.sub("", text).strip())


# --- showing values ----------------------------------------------------------


def format_value(value: Any) -> str:
    """A value as CQL-ish text (`null`, quoted strings inside collections)."""
    return _fmt(value, top=True)


def _fmt(value: Any, *, top: bool) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return value if top else "'" + value.replace("'", "''") + "'"
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, bytes | bytearray | memoryview):
        return "0x" + bytes(value).hex()
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="milliseconds")
    if isinstance(value, Udt):
        inner = ", ".join(f"{k}: {_fmt(v, top=False)}" for k, v in value.items())
        return "{" + inner + "}"
    if isinstance(value, Mapping):
        inner = ", ".join(f"{_fmt(k, top=False)}: {_fmt(v, top=False)}" for k, v in value.items())
        return "{" + inner + "}"
    if isinstance(value, set | frozenset):
        return "{" + ", ".join(sorted(_fmt(v, top=False) for v in value)) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_fmt(v, top=False) for v in value) + "]"
    if isinstance(value, tuple):
        return "(" + ", ".join(_fmt(v, top=False) for v in value) + ")"
    if isinstance(value, Duration):
        return f"{value.months}mo{value.days}d{value.nanos}ns"
    return str(value)


def to_jsonable(value: Any) -> Any:
    """A value as something `json.dumps` takes (for `--format json`)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return "0x" + bytes(value).hex()
    if isinstance(value, Decimal | uuid.UUID | ipaddress.IPv4Address | ipaddress.IPv6Address):
        return str(value)
    if isinstance(value, dt.date | dt.time):  # datetime is a date
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(to_jsonable(k)): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [to_jsonable(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return str(value)


def render_result(result: Result, console: Console, *, title: str | None = None) -> None:
    """Print one page: a table for rows, a line for a schema change, warnings."""
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
    table = Table(title=title, show_lines=False, header_style="bold magenta")
    for col in result.columns:
        table.add_column(escape(col.name), overflow="fold")
    for row in result.rows:
        table.add_row(*(_cell(v) for v in row))
    console.print(table)
    count = len(result.rows)
    console.print(f"({count} row{'s' if count != 1 else ''})", style="dim")


def _cell(value: Any) -> str:
    text = escape(format_value(value))
    return "[dim]null[/]" if value is None else text


def render_error(exc: BaseException, console: Console) -> None:
    code = getattr(exc, "code", None)
    where = f" [{code}]" if code else ""
    message = getattr(exc, "message", None) or str(exc)
    console.print(f"[bold red]{type(exc).__name__}{where}:[/] {escape(message)}")


# --- the shell ---------------------------------------------------------------

Prompt = Callable[[str], Awaitable[str]]


class CqlShell:
    """Runs statements against `client` and prints their answers on `console`.

    `prompt(text)` reads one line (interactive mode; raises EOFError at the
    end of input and KeyboardInterrupt on Ctrl-C). Without it the shell only
    runs given text (`run_text`), reading every page of a query.
    `output` is "table" or "json" (one JSON object per row)."""

    def __init__(
        self,
        client: Client,
        console: Console,
        *,
        keyspace: str | None = None,
        page_size: int | None = 100,
        output: str = "table",
        prompt: Prompt | None = None,
        timeout: float | None = None,
        error_console: Console | None = None,
    ) -> None:
        if output not in ("table", "json"):
            raise ValueError(f"unknown output format {output!r}")
        self.client = client
        self.console = console
        self.error_console = error_console or console
        self.keyspace = keyspace or client.keyspace
        self.page_size = page_size
        self.output = output
        self.prompt = prompt
        self.timeout = timeout
        self.errors = 0
        self.connection_lost = False
        self.done = False

    @property
    def prompt_text(self) -> str:
        return f"cql:{self.keyspace}> " if self.keyspace else "cql> "

    async def run_text(self, text: str, *, stop_on_error: bool = True) -> int:
        """Run every statement of `text`; the exit code (2 after an error, 1
        when the connection failed: nothing after that could run).
        An unterminated last statement is run too."""
        statements, rest = split_statements(text)
        if rest:
            statements.append(rest.strip())
        for stmt in statements:
            ok = await self.run_statement(stmt)
            if self.connection_lost:
                return EXIT_CONNECTION
            if (not ok and stop_on_error) or self.done:
                break
        return EXIT_CQL_ERROR if self.errors else EXIT_OK

    async def interact(self) -> int:
        """The read-eval-print loop; returns when the input ends or on EXIT."""
        if self.prompt is None:
            raise RuntimeError("interact() needs a prompt function")
        self.console.print(
            f"Connected to {', '.join(map(str, self.client.endpoints))}. "
            "Statements end with ';'. HELP; for help, EXIT; to leave."
        )
        buffer = ""
        while not self.done:
            try:
                line = await self.prompt(self.prompt_text if not buffer else "   ... ")
            except KeyboardInterrupt:
                buffer = ""
                continue
            except EOFError:
                break
            buffer = f"{buffer}\n{line}" if buffer else line
            statements, buffer = split_statements(buffer)
            if not statements and _is_shell_word(buffer):
                statements, buffer = [buffer.strip()], ""  # EXIT without ';'
            for stmt in statements:
                await self.run_statement(stmt)
                if self.done:
                    break
        return EXIT_OK

    async def run_statement(self, stmt: str) -> bool:
        """Run one statement (or shell command); False when it failed."""
        if await self._shell_command(stmt):
            return True
        try:
            await self._execute(stmt)
        except errors.AgaError as exc:
            self.errors += 1
            self.connection_lost = is_connection_failure(exc)
            render_error(exc, self.error_console)
            return False
        return True

    async def _execute(self, stmt: str) -> None:
        options: dict[str, Any] = {"keyspace": self.keyspace, "timeout": self.timeout}
        if self.page_size is not None:
            options["page_size"] = self.page_size
        result = await self.client.execute(stmt, **options)
        page = 1
        while True:
            self._show(result, page)
            if result.paging_state is None:
                return
            if self.prompt is not None and self.page_size is not None:
                try:
                    answer = await self.prompt(MORE)
                except (EOFError, KeyboardInterrupt):
                    return
                if answer.strip().lower() in ("q", "quit", "n", "no"):
                    return
            result = await self.client.execute(stmt, paging_state=result.paging_state, **options)
            page += 1

    def _show(self, result: Result, page: int) -> None:
        if self.output == "json":
            for row in result.rows:
                line = json.dumps({k: to_jsonable(v) for k, v in row.items()})
                self.console.out(line, highlight=False)
            return
        title = f"page {page}" if page > 1 or result.paging_state else None
        render_result(result, self.console, title=title)

    async def _shell_command(self, stmt: str) -> bool:
        words = stmt.split()
        if not words:
            return True
        head = words[0].upper()
        if head in ("EXIT", "QUIT") and len(words) == 1:
            self.done = True
            return True
        if head == "HELP" and len(words) == 1:
            self.console.print(HELP, markup=False, highlight=False)
            return True
        if head == "USE" and len(words) == 2:
            self.keyspace = _unquote(words[1])
            self.console.print(f"now using keyspace {escape(self.keyspace)}")
            return True
        if head == "PAGING" and len(words) <= 2:
            return self._paging(words[1] if len(words) == 2 else None)
        return False

    def _paging(self, arg: str | None) -> bool:
        if arg is None:
            state = "OFF" if self.page_size is None else str(self.page_size)
            self.console.print(f"paging: {state}")
        elif arg.upper() == "OFF":
            self.page_size = None
            self.console.print("paging off: every page is shown without stopping")
        elif arg.upper() == "ON" or (arg.isdigit() and int(arg) > 0):
            self.page_size = 100 if arg.upper() == "ON" else int(arg)
            self.console.print(f"page size: {self.page_size}")
        else:
            self.errors += 1
            self.error_console.print("[red]PAGING takes a positive number, ON or OFF[/]")
            return True
        return True


def _unquote(name: str) -> str:
    if len(name) >= 2 and name[0] == name[-1] == '"':
        return name[1:-1].replace('""', '"')
    return name.lower()


def _is_shell_word(text: str) -> bool:
    return text.strip().upper() in ("EXIT", "QUIT", "HELP")


# --- prompt_toolkit glue -------------------------------------------------------


def default_history_path() -> Path:
    return Path.home() / ".astra_grpc_history"


def make_prompt(history: Path | None, **session_options: Any) -> Prompt:
    """A prompt function on a prompt_toolkit PromptSession with a history file
    (`history=None`: in memory). `session_options` go to PromptSession
    (tests pass `input=` / `output=`)."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory, InMemoryHistory

    if history is not None:
        history.parent.mkdir(parents=True, exist_ok=True)
    session: PromptSession[str] = PromptSession(
        history=FileHistory(str(history)) if history is not None else InMemoryHistory(),
        **session_options,
    )
    pager: PromptSession[str] = PromptSession(history=InMemoryHistory(), **session_options)

    async def prompt(text: str) -> str:
        # answers to --More-- stay out of the statement history
        return await (pager if text == MORE else session).prompt_async(text)

    return prompt
