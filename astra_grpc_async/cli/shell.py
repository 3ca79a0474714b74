"""`astra-grpc cql`: an interactive CQL shell over the Stargate gRPC API.

    astra-grpc cql                                   # an embedded emulator
    astra-grpc cql --endpoint host:8090 --token T    # any Stargate endpoint
    astra-grpc cql -e "SELECT * FROM ks.t;"          # one statement, for scripts

Statements end with `;` and may span lines (one history entry each).
Results are rich tables; a query with more pages stops at a `--More--`
prompt that any key continues (q stops). Besides CQL the shell understands
`USE <keyspace>` (kept by the shell: the API itself is stateless),
`DESCRIBE ...`, `EXPAND ON|OFF`, `PAGING <n>|OFF`, `HELP` and `EXIT`/`QUIT`;
Tab completes keywords, keyspaces, tables and columns.

Needs the `cli` extra (rich, prompt_toolkit).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from .. import errors
from ..client import Client
from ..result import Result
from .completion import CqlCompleter, SchemaNames
from .connection import is_connection_failure
from .describe import describe, is_describe
from .formatting import format_value, render_error, render_result, to_jsonable

__all__ = ["CqlShell", "format_value", "render_result", "split_statements", "to_jsonable"]

EXIT_OK = 0
EXIT_CONNECTION = 1  # the server is unreachable or refuses the token
EXIT_CQL_ERROR = 2
MORE = "--More-- (any key: next page, q: stop)"

HELP = """\
Statements end with ';' and may span several lines; Tab completes names.
  USE <keyspace>;       unqualified names use this keyspace (kept by the shell)
  DESCRIBE KEYSPACES; | TABLES; | TYPES; | SCHEMA;
  DESCRIBE KEYSPACE [ks]; | TABLE [ks.]t; | TYPE [ks.]u;   CQL that recreates it
  EXPAND ON; | OFF;     one block per row, a line per column
  PAGING <n>; | OFF;    rows per page (OFF: read every page without stopping)
  HELP;  EXIT;  QUIT;   Ctrl-D also leaves; Ctrl-C drops the statement being typed,
                        or cancels the one running
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
        completer: CqlCompleter | None = None,
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
        self.completer = completer
        self.expand = False
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
        await self._refresh_names()
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
                if not await self._interruptible(stmt):
                    break  # Ctrl-C: the rest of the input is dropped too
                if self.done:
                    break
        return EXIT_OK

    async def _interruptible(self, stmt: str) -> bool:
        """Run one statement; Ctrl-C while it runs cancels it (not the shell),
        as in cqlsh. False when it was cancelled."""
        task = asyncio.ensure_future(self.run_statement(stmt))
        loop = asyncio.get_running_loop()
        try:
            loop.add_signal_handler(signal.SIGINT, task.cancel)
        except (NotImplementedError, RuntimeError, ValueError):
            return await _finish(task)  # no signal handling here (not the main thread)
        try:
            finished = await _finish(task)
        finally:
            loop.remove_signal_handler(signal.SIGINT)
            signal.signal(signal.SIGINT, signal.default_int_handler)
        if not finished:
            self.error_console.print("[yellow]cancelled[/]")
        return finished

    async def run_statement(self, stmt: str) -> bool:
        """Run one statement (or shell command); False when it failed."""
        if await self._shell_command(stmt):
            return True
        try:
            if is_describe(stmt):
                text = await describe(
                    self.client, stmt, keyspace=self.keyspace, timeout=self.timeout
                )
                self.console.out(text, highlight=False)
            elif await self._execute(stmt):
                await self._refresh_names()
        except errors.AgaError as exc:
            self.errors += 1
            self.connection_lost = is_connection_failure(exc)
            render_error(exc, self.error_console)
            return False
        return True

    async def _refresh_names(self) -> None:
        """Reread the names tab completion offers (after a schema change)."""
        if self.completer is None:
            return
        self.completer.keyspace = self.keyspace
        with contextlib.suppress(errors.AgaError):  # completion keeps the names it had
            self.completer.names = await SchemaNames.read(self.client, timeout=self.timeout)

    async def _execute(self, stmt: str) -> bool:
        """Run a statement and show its pages; True when it changed the schema."""
        options: dict[str, Any] = {"keyspace": self.keyspace, "timeout": self.timeout}
        if self.page_size is not None:
            options["page_size"] = self.page_size
        result = await self.client.execute(stmt, **options)
        if result.schema_change is not None:
            self._show(result, 1)
            return True
        page = 1
        while True:
            self._show(result, page)
            if result.paging_state is None:
                return False
            if self.prompt is not None and self.page_size is not None:
                try:
                    answer = await self.prompt(MORE)
                except (EOFError, KeyboardInterrupt):
                    return False
                if answer.strip().lower() in ("q", "quit", "n", "no"):
                    return False
            result = await self.client.execute(stmt, paging_state=result.paging_state, **options)
            page += 1

    def _show(self, result: Result, page: int) -> None:
        if self.output == "json":
            types = [c.type for c in result.columns]
            for row in result.rows:
                values = zip(row.keys(), row, types, strict=True)
                line = json.dumps({k: to_jsonable(v, t) for k, v, t in values})
                self.console.out(line, highlight=False)
            return
        title = f"page {page}" if page > 1 or result.paging_state else None
        render_result(result, self.console, title=title, expand=self.expand)

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
            if self.completer is not None:
                self.completer.keyspace = self.keyspace
            self.console.print(f"now using keyspace {escape(self.keyspace)}")
            return True
        if head == "EXPAND" and len(words) <= 2:
            return self._expand(words[1] if len(words) == 2 else None)
        if head == "PAGING" and len(words) <= 2:
            return self._paging(words[1] if len(words) == 2 else None)
        return False

    def _expand(self, arg: str | None) -> bool:
        if arg is not None and arg.upper() not in ("ON", "OFF"):
            self.errors += 1
            self.error_console.print("[red]EXPAND takes ON or OFF[/]")
            return True
        if arg is not None:
            self.expand = arg.upper() == "ON"
        self.console.print(f"expanded output: {'ON' if self.expand else 'OFF'}")
        return True

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


async def _finish(task: asyncio.Future[bool]) -> bool:
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        if not task.cancelled():  # the shell itself is being cancelled
            task.cancel()
            raise
        return False
    return True


def _unquote(name: str) -> str:
    if len(name) >= 2 and name[0] == name[-1] == '"':
        return name[1:-1].replace('""', '"')
    return name.lower()


def _is_shell_word(text: str) -> bool:
    return text.strip().upper() in ("EXIT", "QUIT", "HELP")


def is_complete(text: str) -> bool:
    """Whether Enter ends the input: a bare EXIT/QUIT/HELP, or no statement
    in it is left without its `;` (empty input and comments included)."""
    return _is_shell_word(text) or not split_statements(text)[1]


# --- prompt_toolkit glue -------------------------------------------------------


def default_history_path() -> Path:
    return Path.home() / ".astra_grpc_history"


def make_prompt(
    history: Path | None, *, completer: CqlCompleter | None = None, **session_options: Any
) -> Prompt:
    """A prompt function on a prompt_toolkit PromptSession with a history file
    (`history=None`: in memory; created 0600, it holds what was typed) and tab
    completion. Enter inserts a newline until the statement is complete, so a
    statement typed over several lines is one history entry. The `--More--`
    prompt takes a single key. `session_options` go to PromptSession (tests
    pass `input=` / `output=`)."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory, InMemoryHistory
    from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent

    if history is not None:
        _create_private(history)
    keys = KeyBindings()

    @keys.add("enter")
    @keys.add("c-j")
    def _enter(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        if is_complete(buffer.text):
            buffer.validate_and_handle()
        else:
            buffer.insert_text("\n")

    session: PromptSession[str] = PromptSession(
        history=FileHistory(str(history)) if history is not None else InMemoryHistory(),
        completer=completer,
        complete_while_typing=False,
        multiline=True,
        key_bindings=keys,
        prompt_continuation=lambda width, line, soft: "... ".rjust(width),
        **session_options,
    )
    io_options = {k: v for k, v in session_options.items() if k in ("input", "output")}

    async def prompt(text: str) -> str:
        if text == MORE:
            return await _one_key(text, io_options)
        return await session.prompt_async(text)

    return prompt


def _create_private(path: Path) -> None:
    """The history file, readable by its owner alone."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)  # also when it existed with wider permissions


async def _one_key(text: str, io_options: dict[str, Any]) -> str:
    """Show `text` and return the next key pressed (Enter gives "")."""
    from prompt_toolkit.application import Application
    from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
    from prompt_toolkit.layout import FormattedTextControl, Layout, Window

    keys = KeyBindings()

    @keys.add("<any>")
    def _key(event: KeyPressEvent) -> None:
        event.app.exit(result=event.data.strip())

    @keys.add("c-c")
    def _interrupt(event: KeyPressEvent) -> None:
        event.app.exit(exception=KeyboardInterrupt())

    @keys.add("c-d")
    def _eof(event: KeyPressEvent) -> None:
        event.app.exit(exception=EOFError())

    app: Application[str] = Application(
        layout=Layout(Window(FormattedTextControl(text), height=1)),
        key_bindings=keys,
        erase_when_done=True,
        **io_options,
    )
    return await app.run_async()
