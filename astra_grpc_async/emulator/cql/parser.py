"""Recursive-descent CQL parser: text -> `ast.Parsed`.

`parse()` is cached per distinct text (the engine parses each statement text
once, as a prepared statement would be; the cache is bounded by text size).
Errors are `CqlSyntaxError` with a Cassandra-style message that always
starts with `line L:C ` (1-based line, 0-based column of the offending
token), e.g.
`line 1:0 no viable alternative at input 'SELEC'`.

Choices the engine relies on (beyond the docstrings in `ast.py`):

* `CAST(sel AS type)` in a select clause becomes
  `Selector("function", "cast", args=(sel, Cast(type, Constant("null", None))))`:
  the first argument is what is cast, the second carries the target type
  (its term is a placeholder null).
* `COUNT(*)` and `COUNT(<integer>)` are `Selector("count", "")`; `COUNT(col)`
  is the function `Selector("function", "count", args=(Selector("column", col),))`.
* Function arguments in a select clause are `Selector`s when they name a
  column or call a function, and `Term`s for literals and bind markers.
* `IN (a, b)` in WHERE / IF is a `TupleLiteral` of the terms (also for
  multi-column `(x, y) IN ((1, 2), (3, 4))`: a TupleLiteral of TupleLiterals).
* `c += v` / `c -= v` are accepted as `add` / `sub` (Cassandra 4 syntax).
* Property values of CREATE / ALTER TABLE ... WITH are rendered as text: strings
  as their content, numbers/booleans as written (booleans lower-cased), maps
  as `{'k': 'v', ...}`. `COMPACT STORAGE` becomes `("compact_storage", "true")`.
* Collection types nested in `frozen<...>` or `tuple<...>` are frozen
  recursively (as Cassandra does); non-frozen collections or UDTs directly
  inside a non-frozen collection, and counters inside any collection, are
  refused (InvalidRequest, Cassandra's wording).
* CREATE TABLE is checked as Cassandra checks it from the text alone (one
  PRIMARY KEY, known/unique key columns, key column types, static columns,
  CLUSTERING ORDER BY matching the clustering columns, counter tables):
  InvalidRequest with Cassandra 4's messages. So are INSERT name/value counts.
* Trailing text after a statement is `mismatched input 'x' expecting EOF`
  (Cassandra >= 3.11); any number of trailing `;` is accepted. Errors at the
  end of the input point just past its last character (Cassandra itself says
  `line 0:-1` there, which breaks the `line L:C` rule clients rely on).
* UDT field access `a.b` is parsed in a select clause (`Selector("field")`),
  in SET (`set_field`), DELETE targets and IF conditions; not in WHERE (as in
  Cassandra).
* `ALTER TABLE ... ALTER c TYPE t` and `ALTER TYPE ... ALTER f TYPE t` parse
  and raise InvalidRequest (Cassandra refuses them when executing).
* `INSERT ... JSON` takes a string literal or a marker (`Insert.json`, empty
  columns / values). `CREATE CUSTOM INDEX ... USING 'cls' [WITH OPTIONS = {..}]`
  keeps the class in `CreateIndex.using` (options are dropped).
* Not supported (syntax errors): element selection `m['k']` in
  SELECT / WHERE, LIKE, IS NOT NULL, views,
  functions/aggregates DDL, DROP COMPACT STORAGE, roles and permissions.
"""

from __future__ import annotations

import uuid as _uuid
from typing import Final, Literal, NoReturn

from astra_grpc_async.emulator.cql import ast
from astra_grpc_async.emulator.cql.bignum import parse_int
from astra_grpc_async.emulator.cql.cache import TextCache
from astra_grpc_async.emulator.cql.lexer import (
    BLOB,
    DURATION,
    EOF,
    FLOAT,
    IDENT,
    INTEGER,
    OP,
    QIDENT,
    STRING,
    UUID,
    Token,
    tokenize,
)
from astra_grpc_async.emulator.errors import CqlSyntaxError, InvalidRequest

__all__ = ["RESERVED_KEYWORDS", "parse"]

RESERVED_KEYWORDS: Final = frozenset(
    {
        "add", "allow", "alter", "and", "apply", "asc", "authorize", "batch", "begin", "by",
        "columnfamily", "create", "delete", "desc", "describe", "drop", "entries", "execute",
        "false", "from", "full", "grant", "if", "in", "index", "infinity", "insert", "into", "is",
        "keyspace", "limit", "materialized", "mbean", "mbeans", "modify", "nan", "norecursive",
        "not", "null", "of", "on", "or", "order", "primary", "rename", "replace", "revoke",
        "schema", "select", "set", "table", "to", "true", "truncate", "unlogged", "unset",
        "update", "use", "using", "view", "where", "with",
    }
)  # fmt: skip
"""Words that cannot be unquoted identifiers (Cassandra's reserved keywords,
plus the constants true/false). `token` is accepted as an identifier where
it is not followed by `(`."""

_COMPARISON: Final = frozenset({"=", "!=", "<", "<=", ">", ">="})
_COLLECTIONS: Final = frozenset({"list", "set", "map", "tuple", "frozen"})
_KEYSPACE_PROPERTIES: Final = frozenset({"replication", "durable_writes"})


def _show(tok: Token) -> str:
    return tok.text


def _error_at(tok: Token, message: str) -> CqlSyntaxError:
    return CqlSyntaxError(f"line {tok.line}:{tok.col} {message}")


_type_text = ast.type_text


def _freeze(t: ast.CqlType) -> ast.CqlType:
    """Freeze `t` and, recursively, every collection / UDT inside it."""
    if isinstance(t, ast.ListType):
        return ast.ListType(_freeze(t.element), frozen=True)
    if isinstance(t, ast.SetType):
        return ast.SetType(_freeze(t.element), frozen=True)
    if isinstance(t, ast.MapType):
        return ast.MapType(_freeze(t.key), _freeze(t.value), frozen=True)
    if isinstance(t, ast.TupleType):
        return ast.TupleType(tuple(_freeze(e) for e in t.elements))
    if isinstance(t, ast.UdtRef):
        return ast.UdtRef(t.name, t.keyspace, frozen=True)
    return t


def _check_nesting(t: ast.CqlType) -> None:
    """Refuse what Cassandra refuses when it prepares a collection type."""
    if isinstance(t, (ast.ListType, ast.SetType)):
        children: tuple[ast.CqlType, ...] = (t.element,)
    elif isinstance(t, ast.MapType):
        children = (t.key, t.value)
    elif isinstance(t, ast.TupleType):
        for element in t.elements:
            _check_nesting(element)
        return
    else:
        return
    for child in children:
        if child == _COUNTER:
            raise InvalidRequest(f"Counters are not allowed inside collections: {_type_text(t)}")
        if not t.frozen:
            if isinstance(child, (ast.ListType, ast.SetType, ast.MapType)) and not child.frozen:
                raise InvalidRequest(
                    f"Non-frozen collections are not allowed inside collections: {_type_text(t)}"
                )
            if isinstance(child, ast.UdtRef) and not child.frozen:
                raise InvalidRequest(
                    f"Non-frozen UDTs are not allowed inside collections: {_type_text(t)}"
                )
        _check_nesting(child)


def _validate_table(t: ast.CreateTable) -> None:
    """The checks Cassandra makes on a CREATE TABLE from its text alone."""
    name = t.table.name
    types = {c.name: c.type for c in t.columns}
    statics = {c.name for c in t.columns if c.static}
    seen: set[str] = set()
    for key in (*t.partition_key, *t.clustering):
        ctype = types.get(key)
        if ctype is None:
            raise InvalidRequest(
                f"Unknown column '{key}' referenced in PRIMARY KEY for table '{name}'"
            )
        if key in seen:
            raise InvalidRequest(
                f"Duplicate column '{key}' in PRIMARY KEY clause for table '{name}'"
            )
        seen.add(key)
        if isinstance(ctype, (ast.ListType, ast.SetType, ast.MapType)) and not ctype.frozen:
            raise InvalidRequest(
                f"Invalid non-frozen collection type {_type_text(ctype)} "
                f"for PRIMARY KEY column '{key}'"
            )
        if isinstance(ctype, ast.UdtRef) and not ctype.frozen:
            raise InvalidRequest(
                f"Invalid non-frozen user-defined type {_type_text(ctype)} "
                f"for PRIMARY KEY column '{key}'"
            )
        if ctype == _COUNTER:
            raise InvalidRequest(f"counter type is not supported for PRIMARY KEY column '{key}'")
        if _references_duration(ctype):
            raise InvalidRequest(f"duration type is not supported for PRIMARY KEY column '{key}'")
        if key in statics:
            raise InvalidRequest(f"Static column '{key}' cannot be part of the PRIMARY KEY")
    if t.clustering_order and tuple(c for c, _ in t.clustering_order) != t.clustering:
        raise InvalidRequest(
            "Clustering key columns must exactly match columns in CLUSTERING ORDER BY directive"
        )
    if statics and not t.clustering:
        raise InvalidRequest(
            "Static columns are only useful (and thus allowed) if the table has at least one "
            "clustering column"
        )
    if any(c.type == _COUNTER for c in t.columns) and any(
        c.type != _COUNTER for c in t.columns if c.name not in seen
    ):
        raise InvalidRequest("Cannot mix counter and non counter columns in the same table")


def _references_duration(t: ast.CqlType) -> bool:
    if isinstance(t, ast.NativeType):
        return t.name == "duration"
    if isinstance(t, (ast.ListType, ast.SetType)):
        return _references_duration(t.element)
    if isinstance(t, ast.MapType):
        return _references_duration(t.key) or _references_duration(t.value)
    if isinstance(t, ast.TupleType):
        return any(_references_duration(e) for e in t.elements)
    return False


_COUNTER: Final = ast.NativeType("counter")


def _to_int(digits: str) -> int:
    """int() of a decimal literal of any length (str->int caps at 4300 digits)."""
    return parse_int(digits)


_MAX_DEPTH: Final = 100
"""Nesting limit for terms, types and selectors (keeps Python's stack safe)."""


class _Parser:
    __slots__ = ("depth", "markers", "pos", "tok", "toks")

    def __init__(self, toks: list[Token]) -> None:
        self.toks = toks
        self.pos = 0
        self.tok = toks[0]
        self.markers: list[ast.BindMarker] = []
        self.depth = 0

    def enter(self) -> None:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            self.fail(f"too deeply nested input at '{_show(self.tok)}'")

    # --- token helpers -----------------------------------------------------

    def advance(self) -> Token:
        tok = self.tok
        if tok.kind != EOF:
            self.pos += 1
            self.tok = self.toks[self.pos]
        return tok

    def peek(self, n: int = 1) -> Token:
        i = self.pos + n
        toks = self.toks
        return toks[i] if i < len(toks) else toks[-1]

    def is_kw(self, word: str) -> bool:
        tok = self.tok
        return tok.kind == IDENT and tok.value == word

    def accept_kw(self, word: str) -> bool:
        tok = self.tok
        if tok.kind == IDENT and tok.value == word:
            self.advance()
            return True
        return False

    def expect_kw(self, word: str) -> Token:
        tok = self.tok
        if tok.kind == IDENT and tok.value == word:
            return self.advance()
        raise self.mismatch(f"K_{word.upper()}")

    def is_op(self, op: str) -> bool:
        tok = self.tok
        return tok.kind == OP and tok.value == op

    def accept_op(self, op: str) -> bool:
        tok = self.tok
        if tok.kind == OP and tok.value == op:
            self.advance()
            return True
        return False

    def expect_op(self, op: str) -> Token:
        tok = self.tok
        if tok.kind == OP and tok.value == op:
            return self.advance()
        raise self.mismatch(f"'{op}'")

    def list_end(self, close: str) -> bool:
        """After a list item: `,` (more follow, False) or `close` (True)."""
        if self.accept_op(","):
            return False
        self.expect_op(close)
        return True

    def mismatch(self, expecting: str) -> CqlSyntaxError:
        return _error_at(self.tok, f"mismatched input '{_show(self.tok)}' expecting {expecting}")

    def no_viable(self, tok: Token | None = None) -> CqlSyntaxError:
        tok = tok or self.tok
        return _error_at(tok, f"no viable alternative at input '{_show(tok)}'")

    def fail(self, message: str, tok: Token | None = None) -> NoReturn:
        raise _error_at(tok or self.tok, message)

    def at_ident(self) -> bool:
        tok = self.tok
        if tok.kind == IDENT:
            return tok.value not in RESERVED_KEYWORDS
        return tok.kind == QIDENT

    def ident(self) -> str:
        """An identifier: unquoted (lower-cased, not reserved) or quoted."""
        tok = self.tok
        if tok.kind == QIDENT or (tok.kind == IDENT and tok.value not in RESERVED_KEYWORDS):
            self.advance()
            return tok.value
        if tok.kind == IDENT or tok.kind == EOF:
            raise self.no_viable()
        raise self.mismatch("IDENT")

    def table_name(self) -> ast.TableName:
        first = self.ident()
        if self.accept_op("."):
            return ast.TableName(self.ident(), first)
        return ast.TableName(first)

    def if_not_exists(self) -> bool:
        if self.accept_kw("if"):
            self.expect_kw("not")
            self.expect_kw("exists")
            return True
        return False

    def if_exists(self) -> bool:
        if self.accept_kw("if"):
            self.expect_kw("exists")
            return True
        return False

    # --- entry -------------------------------------------------------------

    def parse(self) -> ast.Parsed:
        stmt = self.statement()
        while self.accept_op(";"):
            pass
        if self.tok.kind != EOF:
            # Cassandra >= 3.11 (`cqlStatement (';')* EOF`) words it this way;
            # older versions said "missing EOF at 'x'".
            raise self.mismatch("EOF")
        return ast.Parsed(stmt, tuple(self.markers))

    def statement(self) -> ast.Statement:
        tok = self.tok
        word = tok.value if tok.kind == IDENT else ""
        if word == "select":
            return self.select()
        if word == "insert":
            return self.insert()
        if word == "update":
            return self.update()
        if word == "delete":
            return self.delete()
        if word == "begin":
            return self.batch()
        if word == "create":
            return self.create()
        if word == "drop":
            return self.drop()
        if word == "alter":
            return self.alter()
        if word == "truncate":
            self.advance()
            if not self.accept_kw("table"):
                self.accept_kw("columnfamily")
            return ast.Truncate(self.table_name())
        if word == "use":
            self.advance()
            return ast.Use(self.ident())
        raise self.no_viable()

    # --- DDL ---------------------------------------------------------------

    def create(self) -> ast.Statement:
        self.advance()
        tok = self.tok
        if self.accept_kw("keyspace") or self.accept_kw("schema"):
            return self.create_keyspace()
        if self.accept_kw("table") or self.accept_kw("columnfamily"):
            return self.create_table()
        if self.accept_kw("type"):
            return self.create_type()
        if self.accept_kw("custom"):
            self.expect_kw("index")
            return self.create_index(custom=True)
        if self.accept_kw("index"):
            return self.create_index(custom=False)
        raise self.no_viable(tok)

    def create_index(self, *, custom: bool) -> ast.CreateIndex:
        ine = self.if_not_exists()
        name: str | None = None
        if self.at_ident():
            name = self.ident()
        self.expect_kw("on")
        table = self.table_name()
        self.expect_op("(")
        target: ast.IndexTarget = "simple"
        tok = self.tok
        nxt = self.peek()
        if (
            tok.kind == IDENT
            and tok.value in _INDEX_TARGETS
            and nxt.kind == OP
            and nxt.value == "("
        ):
            target = _INDEX_TARGETS[tok.value]
            self.advance()
            self.advance()
            column = self.ident()
            self.expect_op(")")
        else:
            column = self.ident()
        self.expect_op(")")
        using: str | None = None
        if custom:
            self.expect_kw("using")
            cls_tok = self.tok
            if cls_tok.kind != STRING:
                raise self.mismatch("STRING_LITERAL")
            self.advance()
            using = cls_tok.value
            if self.accept_kw("with"):
                self.expect_kw("options")
                self.expect_op("=")
                self.property_map()
        return ast.CreateIndex(table, column, name, ine, target, using)

    def create_keyspace(self) -> ast.CreateKeyspace:
        ine = self.if_not_exists()
        name = self.ident()
        self.expect_kw("with")
        replication, durable = self.keyspace_properties()
        return ast.CreateKeyspace(name, ine, replication, True if durable is None else durable)

    def keyspace_properties(self) -> tuple[tuple[tuple[str, str], ...], bool | None]:
        """After WITH: `replication = {...} [AND durable_writes = b]` in any
        order. Returns (replication, durable_writes); () / None when absent."""
        replication: tuple[tuple[str, str], ...] = ()
        durable: bool | None = None
        seen: set[str] = set()
        while True:
            key_tok = self.tok
            key = self.ident()
            if key in seen:
                self.fail(f"Multiple definition for property '{key}'", key_tok)
            seen.add(key)
            self.expect_op("=")
            if key not in _KEYSPACE_PROPERTIES:
                self.property_value()
                self.fail(f"Unknown property '{key}'", key_tok)
            if key == "replication":
                if not self.is_op("{"):
                    raise self.mismatch("'{'")
                replication = self.property_map()
            else:
                val_tok = self.tok
                value = self.property_value()
                if not isinstance(value, str) or value.lower() not in ("true", "false"):
                    self.fail(
                        f"Invalid boolean value {value} for 'durable_writes'. "
                        "Valid options are 'true' or 'false'.",
                        val_tok,
                    )
                durable = value.lower() == "true"
            if not self.accept_kw("and"):
                return replication, durable

    def property_value(self) -> str | tuple[tuple[str, str], ...]:
        if self.is_op("{"):
            return self.property_map()
        return self.property_constant()

    def property_constant(self) -> str:
        tok = self.tok
        if tok.kind in (STRING, INTEGER, FLOAT, DURATION, UUID):
            self.advance()
            return tok.value
        if tok.kind == OP and tok.value == "-":
            nxt = self.peek()
            if nxt.kind in (INTEGER, FLOAT):
                self.advance()
                self.advance()
                return "-" + nxt.value
        if tok.kind == BLOB:
            self.advance()
            return tok.text
        if tok.kind == IDENT and (tok.value not in RESERVED_KEYWORDS or tok.value in _BOOLS):
            self.advance()
            return tok.value
        raise self.no_viable()

    def property_map(self) -> tuple[tuple[str, str], ...]:
        self.expect_op("{")
        entries: list[tuple[str, str]] = []
        if not self.accept_op("}"):
            while True:
                key = self.property_constant()
                self.expect_op(":")
                entries.append((key, self.property_constant()))
                if self.list_end("}"):
                    break
        return tuple(entries)

    def create_table(self) -> ast.CreateTable:
        ine = self.if_not_exists()
        table = self.table_name()
        self.expect_op("(")
        columns: list[ast.ColumnDef] = []
        names: set[str] = set()
        partition: tuple[str, ...] = ()
        clustering: tuple[str, ...] = ()
        pk_count = 0
        while True:
            if self.is_kw("primary"):
                self.advance()
                self.expect_kw("key")
                self.expect_op("(")
                if self.accept_op("("):
                    partition = tuple(self.ident_list())
                    self.expect_op(")")
                else:
                    partition = (self.ident(),)
                rest: list[str] = []
                while self.accept_op(","):
                    rest.append(self.ident())
                clustering = tuple(rest)
                self.expect_op(")")
                pk_count += 1
            else:
                name = self.ident()
                ctype = self.cql_type()
                static = self.accept_kw("static")
                if name in names:
                    raise InvalidRequest(
                        f"Duplicate column '{name}' declaration for table '{table.name}'"
                    )
                names.add(name)
                columns.append(ast.ColumnDef(name, ctype, static))
                if self.is_kw("primary"):
                    self.advance()
                    self.expect_kw("key")
                    partition, clustering = (name,), ()
                    pk_count += 1
            if self.list_end(")"):
                break
        qualified = f"{table.keyspace}.{table.name}" if table.keyspace else table.name
        if pk_count == 0:
            raise InvalidRequest(
                f"No PRIMARY KEY specifed for table '{qualified}' (exactly one required)"
            )
        if pk_count > 1:
            raise InvalidRequest(
                f"Multiple PRIMARY KEY specified for table '{qualified}' (exactly one required)"
            )
        order: list[tuple[str, bool]] = []
        options: list[tuple[str, str]] = []
        if self.accept_kw("with"):
            while True:
                if self.accept_kw("clustering"):
                    self.expect_kw("order")
                    self.expect_kw("by")
                    self.expect_op("(")
                    while True:
                        col = self.ident()
                        desc = False
                        if self.accept_kw("desc"):
                            desc = True
                        elif not self.accept_kw("asc"):
                            raise self.mismatch("K_ASC")
                        if any(c == col for c, _ in order):
                            raise InvalidRequest(
                                f"Duplicate column '{col}' in CLUSTERING ORDER BY clause "
                                f"for table '{qualified}'"
                            )
                        order.append((col, desc))
                        if self.list_end(")"):
                            break
                elif (
                    self.is_kw("compact")
                    and self.peek().kind == IDENT
                    and (self.peek().value == "storage")
                ):
                    self.advance()
                    self.advance()
                    options.append(("compact_storage", "true"))
                else:
                    self.table_property(options)
                if not self.accept_kw("and"):
                    break
        result = ast.CreateTable(
            table, ine, tuple(columns), partition, clustering, tuple(order), tuple(options)
        )
        _validate_table(result)
        return result

    def table_property(self, options: list[tuple[str, str]]) -> None:
        """`name = value` of a table's WITH clause, appended as text."""
        key_tok = self.tok
        key = self.ident()
        if any(k == key for k, _ in options):
            self.fail(f"Multiple definition for property '{key}'", key_tok)
        self.expect_op("=")
        value = self.property_value()
        if isinstance(value, tuple):
            text = "{" + ", ".join(f"'{k}': '{v}'" for k, v in value) + "}"
        else:
            text = value
        options.append((key, text))

    def ident_list(self) -> list[str]:
        names = [self.ident()]
        while self.accept_op(","):
            names.append(self.ident())
        return names

    def create_type(self) -> ast.CreateType:
        ine = self.if_not_exists()
        name = self.table_name()
        self.expect_op("(")
        fields: list[tuple[str, ast.CqlType]] = []
        seen: set[str] = set()
        while True:
            fname = self.ident()
            if fname in seen:
                raise InvalidRequest(f"Duplicate field name {fname} in type {name.name}")
            seen.add(fname)
            fields.append((fname, self.cql_type()))
            if self.list_end(")"):
                break
        return ast.CreateType(name, ine, tuple(fields))

    def drop(self) -> ast.Statement:
        self.advance()
        tok = self.tok
        if self.accept_kw("keyspace") or self.accept_kw("schema"):
            ie = self.if_exists()
            return ast.DropKeyspace(self.ident(), ie)
        if self.accept_kw("table") or self.accept_kw("columnfamily"):
            ie = self.if_exists()
            return ast.DropTable(self.table_name(), ie)
        if self.accept_kw("type"):
            ie = self.if_exists()
            return ast.DropType(self.table_name(), ie)
        if self.accept_kw("index"):
            ie = self.if_exists()
            return ast.DropIndex(self.table_name(), ie)
        raise self.no_viable(tok)

    def alter(self) -> ast.Statement:
        self.advance()
        tok = self.tok
        if self.accept_kw("keyspace") or self.accept_kw("schema"):
            name = self.ident()
            self.expect_kw("with")
            replication, durable = self.keyspace_properties()
            return ast.AlterKeyspace(name, replication, durable)
        if self.accept_kw("type"):
            return self.alter_type()
        if not (self.accept_kw("table") or self.accept_kw("columnfamily")):
            raise self.no_viable(tok)
        return self.alter_table()

    def renames(self) -> tuple[tuple[str, str], ...]:
        """After RENAME: `a TO b [AND c TO d ...]`."""
        pairs: list[tuple[str, str]] = []
        while True:
            old = self.ident()
            self.expect_kw("to")
            pairs.append((old, self.ident()))
            if not self.accept_kw("and"):
                return tuple(pairs)

    def alter_type(self) -> ast.Statement:
        name = self.table_name()
        if self.accept_kw("add"):
            field = self.ident()
            return ast.AlterTypeAdd(name, field, self.cql_type())
        if self.accept_kw("rename"):
            return ast.AlterTypeRename(name, self.renames())
        if self.accept_kw("alter"):
            self.ident()
            self.expect_kw("type")
            self.cql_type()
            # Cassandra 3.10+ parses this and refuses it when executed.
            raise InvalidRequest("Altering field types is no longer supported")
        raise self.no_viable()

    def alter_table(self) -> ast.Statement:
        table = self.table_name()
        if self.accept_kw("with"):
            options: list[tuple[str, str]] = []
            while True:
                self.table_property(options)
                if not self.accept_kw("and"):
                    return ast.AlterTableOptions(table, tuple(options))
        if self.accept_kw("rename"):
            return ast.AlterTableRename(table, self.renames())
        if self.accept_kw("alter"):
            self.ident()
            self.expect_kw("type")
            self.cql_type()
            raise InvalidRequest("Altering column types is no longer supported")
        if self.accept_kw("add"):
            defs: list[ast.ColumnDef] = []
            if self.accept_op("("):
                while True:
                    defs.append(self.column_def())
                    if self.list_end(")"):
                        break
            else:
                defs.append(self.column_def())
            return ast.AlterTableAdd(table, tuple(defs))
        if self.accept_kw("drop"):
            if self.accept_op("("):
                cols = self.ident_list()
                self.expect_op(")")
            else:
                cols = [self.ident()]
            return ast.AlterTableDrop(table, tuple(cols))
        raise self.no_viable()

    def column_def(self) -> ast.ColumnDef:
        name = self.ident()
        ctype = self.cql_type()
        return ast.ColumnDef(name, ctype, self.accept_kw("static"))

    # --- types -------------------------------------------------------------

    def cql_type(self) -> ast.CqlType:
        t = self.raw_type()
        _check_nesting(t)
        return t

    def raw_type(self) -> ast.CqlType:
        self.enter()
        try:
            return self._raw_type()
        finally:
            self.depth -= 1

    def _raw_type(self) -> ast.CqlType:
        tok = self.tok
        if tok.kind == IDENT:
            word = tok.value
            if word in ast.NATIVE_TYPES:
                self.advance()
                return ast.NativeType(word)
            if word == "varchar":
                self.advance()
                return ast.NativeType("text")
            if word in _COLLECTIONS and self.peek().kind == OP and self.peek().value == "<":
                self.advance()
                self.advance()
                result = self.collection_type(word, tok)
                self.expect_op(">")
                return result
        if self.at_ident():
            first = self.ident()
            if self.accept_op("."):
                return ast.UdtRef(self.ident(), first)
            return ast.UdtRef(first)
        raise self.no_viable()

    def collection_type(self, word: str, tok: Token) -> ast.CqlType:
        if word == "list":
            return ast.ListType(self.raw_type())
        if word == "set":
            return ast.SetType(self.raw_type())
        if word == "map":
            key = self.raw_type()
            self.expect_op(",")
            return ast.MapType(key, self.raw_type())
        if word == "tuple":
            elems = [_freeze(self.raw_type())]
            while self.accept_op(","):
                elems.append(_freeze(self.raw_type()))
            return ast.TupleType(tuple(elems))
        inner = self.raw_type()  # frozen
        if isinstance(inner, ast.NativeType):
            raise InvalidRequest(
                "frozen<> is only allowed on collections, tuples, and user-defined types"
            )
        return _freeze(inner)

    # --- terms -------------------------------------------------------------

    def marker(self, name: str | None) -> ast.BindMarker:
        m = ast.BindMarker(len(self.markers), name)
        self.markers.append(m)
        return m

    def term(self) -> ast.Term:
        self.enter()
        try:
            return self._term()
        finally:
            self.depth -= 1

    def _term(self) -> ast.Term:
        tok = self.tok
        kind = tok.kind
        if kind == OP:
            op = tok.value
            if op == "?":
                self.advance()
                return self.marker(None)
            if op == ":":
                self.advance()
                return self.marker(self.marker_name())
            if op == "[":
                self.advance()
                items = self.term_list("]")
                return ast.ListLiteral(tuple(items))
            if op == "{":
                return self.brace_literal()
            if op == "(":
                return self.paren_term()
            if op == "-":
                return self.negative()
            raise self.no_viable()
        if kind == STRING:
            self.advance()
            return ast.Constant("string", tok.value)
        if kind == INTEGER:
            self.advance()
            return ast.Constant("integer", _to_int(tok.value))
        if kind == IDENT:
            word = tok.value
            const = _WORD_CONSTANTS.get(word)
            if const is not None:
                self.advance()
                return const
            nxt = self.peek()
            if nxt.kind == OP and nxt.value == "(" and word not in RESERVED_KEYWORDS:
                return self.function_call()
            raise self.no_viable()
        if kind == FLOAT:
            self.advance()
            return ast.Constant("float", tok.value)
        if kind == UUID:
            self.advance()
            return ast.Constant("uuid", _uuid.UUID(tok.value))
        if kind == BLOB:
            self.advance()
            if len(tok.value) % 2:
                self.fail("An hex string representing bytes must have an even length", tok)
            return ast.Constant("blob", bytes.fromhex(tok.value))
        if kind == DURATION:
            self.advance()
            return ast.Constant("duration", tok.value)
        if kind == QIDENT:
            nxt = self.peek()
            if nxt.kind == OP and nxt.value == "(":
                return self.function_call()
        raise self.no_viable()

    def marker_name(self) -> str:
        tok = self.tok
        if tok.kind in (IDENT, QIDENT):
            self.advance()
            return tok.value
        raise self.mismatch("IDENT")

    def negative(self) -> ast.Constant:
        self.advance()  # '-'
        tok = self.tok
        if tok.kind == INTEGER:
            self.advance()
            return ast.Constant("integer", -_to_int(tok.value))
        if tok.kind == FLOAT:
            self.advance()
            return ast.Constant("float", "-" + tok.value)
        if tok.kind == DURATION:
            self.advance()
            return ast.Constant("duration", "-" + tok.value)
        if tok.kind == IDENT and tok.value == "infinity":
            self.advance()
            return ast.Constant("float", "-Infinity")
        if tok.kind == IDENT and tok.value == "nan":
            self.advance()
            return ast.Constant("float", "NaN")
        raise self.no_viable()

    def term_list(self, close: str) -> list[ast.Term]:
        items: list[ast.Term] = []
        if self.accept_op(close):
            return items
        while True:
            items.append(self.term())
            if self.list_end(close):
                return items

    def brace_literal(self) -> ast.Term:
        self.advance()  # '{'
        if self.accept_op("}"):
            return ast.MapLiteral(())
        tok = self.tok
        nxt = self.peek()
        if (
            nxt.kind == OP
            and nxt.value == ":"
            and (tok.kind == QIDENT or (tok.kind == IDENT and tok.value not in _WORD_CONSTANTS))
        ):
            fields: list[tuple[str, ast.Term]] = []
            while True:
                fname = self.ident()
                self.expect_op(":")
                fields.append((fname, self.term()))
                if self.list_end("}"):
                    return ast.UdtLiteral(tuple(fields))
        first = self.term()
        if self.accept_op(":"):
            entries = [(first, self.term())]
            while not self.list_end("}"):
                key = self.term()
                self.expect_op(":")
                entries.append((key, self.term()))
            return ast.MapLiteral(tuple(entries))
        items = [first]
        while not self.list_end("}"):
            items.append(self.term())
        return ast.SetLiteral(tuple(items))

    def paren_term(self) -> ast.Term:
        self.advance()  # '('
        tok = self.tok
        nxt = self.peek()
        if self.at_ident() and not (nxt.kind == OP and nxt.value == "("):
            # `(type) term`: a type hint (a column name is never a term here).
            hint = self.cql_type()
            self.expect_op(")")
            return ast.Cast(hint, self.term())
        items = self.term_list(")")
        if not items:
            raise self.no_viable(tok)
        return ast.TupleLiteral(tuple(items))

    def function_call(self) -> ast.FunctionCall:
        tok = self.advance()
        name = tok.value if tok.kind == QIDENT else tok.value.lower()
        self.expect_op("(")
        return ast.FunctionCall(name, tuple(self.term_list(")")))

    def int_value(self) -> ast.Term:
        """TTL / TIMESTAMP / LIMIT values: an integer or a bind marker."""
        tok = self.tok
        if tok.kind == INTEGER or (tok.kind == OP and tok.value in ("?", ":", "-")):
            if tok.kind == OP and tok.value == "-" and self.peek().kind != INTEGER:
                raise self.no_viable()
            return self.term()
        raise self.no_viable()

    # --- WHERE / IF ---------------------------------------------------------

    def comparison_op(self) -> ast.Operator:
        tok = self.tok
        if tok.kind == OP and tok.value in _COMPARISON:
            self.advance()
            return _OPERATORS[tok.value]
        raise self.no_viable()

    def in_value(self) -> ast.Term:
        tok = self.tok
        if tok.kind == OP and tok.value in ("?", ":"):
            return self.term()
        self.expect_op("(")
        return ast.TupleLiteral(tuple(self.term_list(")")))

    def where_clause(self) -> tuple[ast.Relation, ...]:
        rels = [self.relation()]
        while self.accept_kw("and"):
            rels.append(self.relation())
        return tuple(rels)

    def relation(self) -> ast.Relation:
        tok = self.tok
        if (
            tok.kind == IDENT
            and tok.value == "token"
            and self.peek().kind == OP
            and (self.peek().value == "(")
        ):
            self.advance()
            self.advance()
            names = tuple(self.ident_list())
            self.expect_op(")")
            op = self.comparison_op()
            return ast.Relation(names[0], op, self.term(), columns=names, token=True)
        if tok.kind == OP and tok.value == "(":
            self.advance()
            names = tuple(self.ident_list())
            self.expect_op(")")
            if self.accept_kw("in"):
                return ast.Relation(names[0], "IN", self.in_value(), columns=names)
            op = self.comparison_op()
            return ast.Relation(names[0], op, self.term(), columns=names)
        column = self.ident()
        if self.accept_kw("in"):
            return ast.Relation(column, "IN", self.in_value())
        if self.accept_kw("contains"):
            if self.accept_kw("key"):
                return ast.Relation(column, "CONTAINS KEY", self.term())
            return ast.Relation(column, "CONTAINS", self.term())
        op = self.comparison_op()
        return ast.Relation(column, op, self.term())

    def if_clause(self) -> tuple[tuple[ast.Condition, ...], bool]:
        """After IF: `EXISTS` or conditions. Returns (conditions, if_exists)."""
        if self.accept_kw("exists"):
            return (), True
        conds = [self.condition()]
        while self.accept_kw("and"):
            conds.append(self.condition())
        return tuple(conds), False

    def condition(self) -> ast.Condition:
        column = self.ident()
        key: ast.Term | None = None
        field: str | None = None
        if self.accept_op("["):
            key = self.term()
            self.expect_op("]")
        elif self.accept_op("."):
            field = self.ident()
        if self.accept_kw("in"):
            return ast.Condition(column, "IN", self.in_value(), key, field)
        op = self.comparison_op()
        return ast.Condition(column, op, self.term(), key, field)

    # --- DML ---------------------------------------------------------------

    def using(
        self, ttl: ast.Term | None, ts: ast.Term | None, allow_ttl: bool = True
    ) -> tuple[ast.Term | None, ast.Term | None]:
        """After USING: `TTL x [AND TIMESTAMP y]` in either order."""
        while True:
            if allow_ttl and self.accept_kw("ttl"):
                ttl = self.int_value()
            elif self.accept_kw("timestamp"):
                ts = self.int_value()
            else:
                raise self.mismatch("K_TIMESTAMP")
            if not self.accept_kw("and"):
                return ttl, ts

    def insert(self) -> ast.Insert:
        self.advance()
        self.expect_kw("into")
        table = self.table_name()
        if self.accept_kw("json"):
            return self.insert_json(table)
        self.expect_op("(")
        columns = tuple(self.ident_list())
        self.expect_op(")")
        self.expect_kw("values")
        values_tok = self.expect_op("(")
        values = tuple(self.term_list(")"))
        if not values:
            raise self.no_viable(values_tok)
        if len(values) != len(columns):
            raise InvalidRequest("Unmatched column names/values")
        ine = False
        ttl: ast.Term | None = None
        ts: ast.Term | None = None
        if self.is_kw("if"):
            ine = self.if_not_exists()
        if self.accept_kw("using"):
            ttl, ts = self.using(ttl, ts)
        if not ine and self.is_kw("if"):
            ine = self.if_not_exists()
        return ast.Insert(table, columns, values, ine, ttl, ts)

    def insert_json(self, table: ast.TableName) -> ast.Insert:
        tok = self.tok
        if tok.kind == STRING:
            self.advance()
            value: ast.Term = ast.Constant("string", tok.value)
        elif tok.kind == OP and tok.value in ("?", ":"):
            value = self.term()
        else:
            raise self.no_viable()
        default_unset = False
        if self.accept_kw("default"):
            if self.accept_kw("unset"):
                default_unset = True
            elif not self.accept_kw("null"):
                raise self.no_viable()
        ine = False
        ttl: ast.Term | None = None
        ts: ast.Term | None = None
        if self.is_kw("if"):
            ine = self.if_not_exists()
        if self.accept_kw("using"):
            ttl, ts = self.using(ttl, ts)
        if not ine and self.is_kw("if"):
            ine = self.if_not_exists()
        return ast.Insert(table, (), (), ine, ttl, ts, json=value, default_unset=default_unset)

    def update(self) -> ast.Update:
        self.advance()
        table = self.table_name()
        ttl: ast.Term | None = None
        ts: ast.Term | None = None
        if self.accept_kw("using"):
            ttl, ts = self.using(ttl, ts)
        self.expect_kw("set")
        assignments = [self.assignment()]
        while self.accept_op(","):
            assignments.append(self.assignment())
        self.expect_kw("where")
        where = self.where_clause()
        conds: tuple[ast.Condition, ...] = ()
        if_exists = False
        if self.accept_kw("if"):
            conds, if_exists = self.if_clause()
        return ast.Update(table, tuple(assignments), where, conds, if_exists, ttl, ts)

    def assignment(self) -> ast.Assignment:
        column = self.ident()
        if self.accept_op("."):
            field = self.ident()
            self.expect_op("=")
            return ast.Assignment(column, "set_field", self.term(), field=field)
        if self.accept_op("["):
            key = self.term()
            self.expect_op("]")
            self.expect_op("=")
            return ast.Assignment(column, "set_key", self.term(), key)
        if self.accept_op("+="):
            return ast.Assignment(column, "add", self.term())
        if self.accept_op("-="):
            return ast.Assignment(column, "sub", self.term())
        self.expect_op("=")
        tok = self.tok
        nxt = self.peek()
        if self.at_ident() and nxt.kind == OP and nxt.value in ("+", "-"):
            other = self.ident()
            sign = self.advance().value
            if other != column:
                self.fail(f"Only expressions of the form X = X {sign}<value> are supported.", tok)
            return ast.Assignment(column, "add" if sign == "+" else "sub", self.term())
        value = self.term()
        if self.accept_op("+"):
            other_tok = self.tok
            other = self.ident()
            if other != column:
                self.fail("Only expressions of the form X = <value> + X are supported.", other_tok)
            return ast.Assignment(column, "prepend", value)
        return ast.Assignment(column, "set", value)

    def delete(self) -> ast.Delete:
        self.advance()
        targets: list[ast.DeleteTarget] = []
        if not self.is_kw("from"):
            while True:
                column = self.ident()
                key: ast.Term | None = None
                field: str | None = None
                if self.accept_op("["):
                    key = self.term()
                    self.expect_op("]")
                elif self.accept_op("."):
                    field = self.ident()
                targets.append(ast.DeleteTarget(column, key, field))
                if not self.accept_op(","):
                    break
        self.expect_kw("from")
        table = self.table_name()
        ts: ast.Term | None = None
        if self.accept_kw("using"):
            _, ts = self.using(None, None, allow_ttl=False)
        self.expect_kw("where")
        where = self.where_clause()
        conds: tuple[ast.Condition, ...] = ()
        if_exists = False
        if self.accept_kw("if"):
            conds, if_exists = self.if_clause()
        return ast.Delete(table, tuple(targets), where, conds, if_exists, ts)

    def batch(self) -> ast.BatchStatement:
        self.advance()
        kind: Literal["LOGGED", "UNLOGGED", "COUNTER"] = "LOGGED"
        if self.accept_kw("unlogged"):
            kind = "UNLOGGED"
        elif self.accept_kw("counter"):
            kind = "COUNTER"
        elif self.accept_kw("logged"):
            kind = "LOGGED"
        self.expect_kw("batch")
        ts: ast.Term | None = None
        if self.accept_kw("using"):
            if self.is_kw("ttl"):
                raise InvalidRequest("Global TTL on the BATCH statement is not supported.")
            _, ts = self.using(None, None, allow_ttl=False)
        stmts: list[ast.Insert | ast.Update | ast.Delete] = []
        while not self.accept_kw("apply"):
            if self.is_kw("insert"):
                stmts.append(self.insert())
            elif self.is_kw("update"):
                stmts.append(self.update())
            elif self.is_kw("delete"):
                stmts.append(self.delete())
            else:
                raise self.mismatch("K_APPLY")
            while self.accept_op(";"):
                pass
        self.expect_kw("batch")
        return ast.BatchStatement(kind, tuple(stmts), ts)

    # --- SELECT ------------------------------------------------------------

    def _modifier(self, word: str) -> bool:
        """JSON / DISTINCT are unreserved: a keyword only when a selector follows."""
        if not self.is_kw(word):
            return False
        nxt = self.peek()
        if nxt.kind == EOF or (nxt.kind == OP and nxt.value in (",", "(", ".")):
            return False
        if nxt.kind == IDENT and nxt.value in ("from", "as"):
            # `SELECT json FROM t` / `SELECT distinct AS d FROM t` name a column;
            # `SELECT DISTINCT as FROM` is too exotic to care about.
            return False
        self.advance()
        return True

    def select(self) -> ast.Select:
        self.advance()
        json = self._modifier("json")
        distinct = self._modifier("distinct")
        selectors: list[ast.Selector] = []
        if not self.accept_op("*"):
            selectors.append(self.selector())
            while self.accept_op(","):
                selectors.append(self.selector())
        self.expect_kw("from")
        table = self.table_name()
        where: tuple[ast.Relation, ...] = ()
        if self.accept_kw("where"):
            where = self.where_clause()
        group_by: tuple[str, ...] = ()
        if self.accept_kw("group"):
            self.expect_kw("by")
            group_by = tuple(self.ident_list())
        order: list[tuple[str, bool]] = []
        if self.accept_kw("order"):
            self.expect_kw("by")
            while True:
                col = self.ident()
                desc = False
                if self.accept_kw("desc"):
                    desc = True
                else:
                    self.accept_kw("asc")
                order.append((col, desc))
                if not self.accept_op(","):
                    break
        ppl: ast.Term | None = None
        limit: ast.Term | None = None
        if self.accept_kw("per"):
            self.expect_kw("partition")
            self.expect_kw("limit")
            ppl = self.int_value()
        if self.accept_kw("limit"):
            limit = self.int_value()
        allow = False
        if self.accept_kw("allow"):
            self.expect_kw("filtering")
            allow = True
        return ast.Select(
            table, tuple(selectors), where, tuple(order), limit, ppl, allow, distinct, json,
            group_by,
        )  # fmt: skip

    def selector(self) -> ast.Selector:
        sel = self.unaliased_selector()
        if self.accept_kw("as"):
            alias = self.ident()
            return ast.Selector(sel.kind, sel.name, alias, sel.args)
        return sel

    def unaliased_selector(self) -> ast.Selector:
        self.enter()
        try:
            sel = self._unaliased_selector()
            # `sel.field` (UDT field access) may follow any selector
            while self.accept_op("."):
                sel = ast.Selector("field", self.ident(), args=(sel,))
            return sel
        finally:
            self.depth -= 1

    def _unaliased_selector(self) -> ast.Selector:
        tok = self.tok
        nxt = self.peek()
        if tok.kind in (IDENT, QIDENT) and nxt.kind == OP and nxt.value == "(":
            if tok.kind == IDENT and tok.value in RESERVED_KEYWORDS:
                raise self.no_viable()
            name = tok.value
            self.advance()
            self.advance()
            if tok.kind == IDENT:
                if name == "count":
                    arg = self.tok
                    if (arg.kind == OP and arg.value == "*") or arg.kind == INTEGER:
                        self.advance()
                        self.expect_op(")")
                        return ast.Selector("count", "")
                elif name in ("writetime", "ttl"):
                    column = self.ident()
                    self.expect_op(")")
                    return ast.Selector("writetime" if name == "writetime" else "ttl", column)
                elif name == "cast":
                    inner = self.unaliased_selector()
                    self.expect_kw("as")
                    type_tok = self.tok
                    target = self.cql_type()
                    if not isinstance(target, ast.NativeType):  # CQL: `AS native_type`
                        raise self.no_viable(type_tok)
                    self.expect_op(")")
                    placeholder = ast.Cast(target, ast.Constant("null", None))
                    return ast.Selector("function", "cast", args=(inner, placeholder))
            args: list[ast.Selector | ast.Term] = []
            if not self.accept_op(")"):
                while True:
                    args.append(self.selector_arg())
                    if self.list_end(")"):
                        break
            return ast.Selector("function", name, args=tuple(args))
        if self.at_ident():
            return ast.Selector("column", self.ident())
        raise self.no_viable()

    def selector_arg(self) -> ast.Selector | ast.Term:
        tok = self.tok
        if tok.kind == QIDENT or (tok.kind == IDENT and tok.value not in RESERVED_KEYWORDS):
            return self.unaliased_selector()
        return self.term()


_BOOLS: Final = frozenset({"true", "false"})

_INDEX_TARGETS: Final[dict[str, ast.IndexTarget]] = {
    "values": "values",
    "keys": "keys",
    "entries": "entries",
    "full": "full",
}

_WORD_CONSTANTS: Final[dict[str, ast.Constant]] = {
    "true": ast.Constant("boolean", True),
    "false": ast.Constant("boolean", False),
    "null": ast.Constant("null", None),
    "nan": ast.Constant("float", "NaN"),
    "infinity": ast.Constant("float", "Infinity"),
}

_OPERATORS: Final[dict[str, ast.Operator]] = {
    "=": "=",
    "!=": "!=",
    "<": "<",
    "<=": "<=",
    ">": ">",
    ">=": ">=",
}


# a statement text over 64 KiB is parsed anew each time rather than kept
PARSED: Final[TextCache[ast.Parsed]] = TextCache(4096, 32 * 1024 * 1024, 64 * 1024)


def parse(cql: str) -> ast.Parsed:
    """Parse one CQL statement (a trailing `;` is allowed).

    Raises CqlSyntaxError (message `line L:C ...`) when the text does not
    parse, and InvalidRequest for well-formed text that CQL refuses on its
    face (no PRIMARY KEY, unmatched INSERT names/values, bad type nesting).
    """
    parsed = PARSED.get(cql)
    if parsed is None:
        parsed = _Parser(tokenize(cql)).parse()
        PARSED.put(cql, parsed, len(cql))
    return parsed
