"""Tab completion in the shell: CQL keywords, keyspaces, tables and columns.

The names come from `system_schema`, read when the shell starts and again
after every schema change (`SchemaNames.read`); completing never waits for
the server."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

from ..client import Client
from .describe import quote_name

__all__ = ["KEYWORDS", "CqlCompleter", "SchemaNames"]

STATEMENT_STARTS = (
    "ALTER", "APPLY", "BEGIN", "CREATE", "DELETE", "DESC", "DESCRIBE", "DROP", "EXIT",
    "EXPAND", "GRANT", "HELP", "INSERT", "LIST", "PAGING", "QUIT", "REVOKE", "SELECT",
    "TRUNCATE", "UPDATE", "USE",
)  # fmt: skip
KEYWORDS = tuple(sorted({
    *STATEMENT_STARTS,
    "ADD", "AGGREGATE", "ALL", "ALLOW", "AND", "AS", "ASC", "BATCH", "BY", "CAST", "CLUSTERING",
    "COMPACT", "CONTAINS", "COUNT", "COUNTER", "CUSTOM", "DISTINCT", "DESC", "ENTRIES",
    "EXISTS", "FILTERING", "FROM", "FROZEN", "FULL", "FUNCTION", "GROUP", "IF", "IN", "INDEX",
    "INTO", "IS", "JSON", "KEY", "KEYS", "KEYSPACE", "KEYSPACES", "LIKE", "LIMIT", "LOGGED",
    "MATERIALIZED", "NOT", "NULL", "OFF", "ON", "OPTIONS", "OR", "ORDER", "PARTITION",
    "PER", "PRIMARY", "RENAME", "REPLACE", "SCHEMA", "SET", "STATIC", "TABLE", "TABLES",
    "TIMESTAMP", "TO", "TOKEN", "TTL", "TYPE", "TYPES", "UNLOGGED", "USING", "VALUES", "VIEW",
    "WHERE", "WITH", "WRITETIME",
}))  # fmt: skip
# after these words a table name comes (or a keyspace, then a dot)
_BEFORE_TABLE = {"FROM", "INTO", "UPDATE", "TABLE", "TRUNCATE", "ON", "COLUMNFAMILY"}
_BEFORE_KEYSPACE = {"USE", "KEYSPACE"}
_TABLE_REF = re.compile(
    r'\b(?:FROM|INTO|UPDATE|TABLE|TRUNCATE)\s+((?:"(?:[^"]|"")*"|\w+)(?:\.(?:"(?:[^"]|"")*"|\w+))?)',
    re.IGNORECASE,
)
_TOKENS = re.compile(r'"(?:[^"]|"")*"|\w+|[^\s\w]')
_WORD = re.compile(r'(?:"(?:[^"]|"")*"?|\w+)?(?:\.(?:"(?:[^"]|"")*"?|\w*))?$')


@dataclass(slots=True)
class SchemaNames:
    """keyspace -> table -> column names (in the schema's order)."""

    keyspaces: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    @classmethod
    async def read(cls, client: Client, *, timeout: float | None = None) -> SchemaNames:
        names: dict[str, dict[str, list[str]]] = {}
        for stmt, kind in (
            ("SELECT keyspace_name FROM system_schema.keyspaces", "ks"),
            ("SELECT keyspace_name, table_name FROM system_schema.tables", "table"),
            ("SELECT keyspace_name, table_name, column_name FROM system_schema.columns", "col"),
        ):
            paging_state = None
            while True:
                result = await client.execute(
                    stmt, page_size=1000, paging_state=paging_state, timeout=timeout
                )
                for row in result.rows:
                    tables = names.setdefault(row[0], {})
                    if kind != "ks":
                        columns = tables.setdefault(row[1], [])
                        if kind == "col":
                            columns.append(row[2])
                paging_state = result.paging_state
                if paging_state is None:
                    break
        return cls(names)


def _unquote(name: str) -> str:
    if name.startswith('"'):
        return name.strip('"').replace('""', '"')
    return name.lower()


class CqlCompleter(Completer):
    """Completes the word before the cursor from what precedes it in the
    statement. `names` and `keyspace` are kept current by the shell."""

    def __init__(self, names: SchemaNames | None = None, keyspace: str | None = None) -> None:
        self.names = names or SchemaNames()
        self.keyspace = keyspace

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterator[Completion]:
        before = document.text_before_cursor
        statement = before.rsplit(";", 1)[-1]
        match = _WORD.search(statement)
        word = match.group(0) if match else ""
        tokens = _TOKENS.findall(statement[: len(statement) - len(word)])
        prev = tokens[-1].upper() if tokens else ""
        if "." in word:
            ks_text, _, partial = word.partition(".")
            tables = self.names.keyspaces.get(_unquote(ks_text), {})
            yield from _names(sorted(tables), partial)
            return
        if not tokens:
            yield from _keywords(STATEMENT_STARTS, word)
            return
        if prev in _BEFORE_KEYSPACE:
            yield from _names(sorted(self.names.keyspaces), word)
            return
        if prev in _BEFORE_TABLE or (prev in ("DESC", "DESCRIBE") and len(tokens) == 1):
            current = self.names.keyspaces.get(self.keyspace or "", {})
            yield from _names(sorted(current), word)
            yield from _names(sorted(self.names.keyspaces), word)
            if prev in ("DESC", "DESCRIBE", "TABLE"):
                yield from _keywords(("KEYSPACE", "KEYSPACES", "SCHEMA", "TABLE", "TABLES",
                                      "TYPE", "TYPES"), word)  # fmt: skip
            return
        whole = statement + document.text_after_cursor.split(";", 1)[0]  # FROM may follow
        yield from _names(self._columns(whole), word)
        yield from _keywords(KEYWORDS, word)

    def _columns(self, statement: str) -> list[str]:
        """The columns of the table the statement names (FROM, INTO, UPDATE ...)."""
        m = _TABLE_REF.search(statement)
        if m is None:
            return []
        ref = m.group(1)
        parts = _TOKENS.findall(ref)
        if len(parts) == 3:  # ks . table
            ks, table = _unquote(parts[0]), _unquote(parts[2])
        else:
            ks, table = self.keyspace or "", _unquote(parts[0])
        return self.names.keyspaces.get(ks, {}).get(table, [])


def _names(names: Iterable[str], partial: str) -> Iterator[Completion]:
    """Identifiers starting with `partial` (quoted as CQL needs them)."""
    if partial.startswith('"'):
        prefix, exact = partial.strip('"').replace('""', '"'), True
    else:
        prefix, exact = partial.lower(), False
    for name in names:
        candidate = name if exact else name.lower()
        if candidate.startswith(prefix):
            yield Completion(quote_name(name), start_position=-len(partial))


def _keywords(words: Iterable[str], partial: str) -> Iterator[Completion]:
    """Keywords starting with `partial`, in the partial word's case."""
    lower = partial.islower()
    for kw in words:
        if kw.startswith(partial.upper()):
            yield Completion(kw.lower() if lower else kw, start_position=-len(partial))
