"""The CQL parser's errors: Cassandra-style messages pointing at the right token."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from astra_grpc_async.emulator.cql.parser import parse
from astra_grpc_async.emulator.errors import CqlError, CqlSyntaxError, InvalidRequest

POSITION = re.compile(r"^line [1-9]\d*:\d+ ")


def syntax_error(cql: str) -> str:
    with pytest.raises(CqlSyntaxError) as info:
        parse(cql)
    message = info.value.message
    assert POSITION.match(message), message
    assert str(info.value) == message
    assert info.value.code == "INVALID_ARGUMENT"
    return message


@pytest.mark.parametrize(
    ("cql", "message"),
    [
        ("SELEC * FROM t", "line 1:0 no viable alternative at input 'SELEC'"),
        ("SELECT * FORM t", "line 1:9 mismatched input 'FORM' expecting K_FROM"),
        ("SELECT * FROM t x", "line 1:16 mismatched input 'x' expecting EOF"),
        ("SELECT * FROM t; SELECT", "line 1:17 mismatched input 'SELECT' expecting EOF"),
        ("", "line 1:0 no viable alternative at input '<EOF>'"),
        ("   \n  ", "line 2:2 no viable alternative at input '<EOF>'"),
        (";", "line 1:0 no viable alternative at input ';'"),
        ("-- only a comment", "line 1:17 no viable alternative at input '<EOF>'"),
        ("SELECT * FROM", "line 1:13 no viable alternative at input '<EOF>'"),
        ("SELECT *\nFROM t\nWHERE k = = 1", "line 3:10 no viable alternative at input '='"),
        (
            "CREATE TABLE select (k int PRIMARY KEY)",
            "line 1:13 no viable alternative at input 'select'",
        ),
        (
            "CREATE MATERIALIZED VIEW v AS SELECT",
            "line 1:7 no viable alternative at input 'MATERIALIZED'",
        ),
        (
            "INSERT INTO t (a, b) VALUES (1, 2",
            "line 1:33 mismatched input '<EOF>' expecting ')'",
        ),
        ("INSERT INTO t (a) VALUES (b)", "line 1:26 no viable alternative at input 'b'"),
        ("INSERT INTO t (a) VALUES ()", "line 1:25 no viable alternative at input '('"),
        ("UPDATE t SET a = 1", "line 1:18 mismatched input '<EOF>' expecting K_WHERE"),
        ("UPDATE t SET a = 1 WHERE", "line 1:24 no viable alternative at input '<EOF>'"),
        ("DELETE FROM t", "line 1:13 mismatched input '<EOF>' expecting K_WHERE"),
        ("SELECT * FROM t WHERE k = 1 AND", "line 1:31 no viable alternative at input '<EOF>'"),
        ("SELECT * FROM t WHERE k LIKE 1", "line 1:24 no viable alternative at input 'LIKE'"),
        ("SELECT * FROM t ORDER c", "line 1:22 mismatched input 'c' expecting K_BY"),
        ("SELECT * FROM t LIMIT 'x'", "line 1:22 no viable alternative at input ''x''"),
        (
            "BEGIN BATCH SELECT * FROM t APPLY BATCH",
            "line 1:12 mismatched input 'SELECT' expecting K_APPLY",
        ),
        ("CREATE KEYSPACE ks", "line 1:18 mismatched input '<EOF>' expecting K_WITH"),
        ("CREATE KEYSPACE ks WITH foo = 1", "line 1:24 Unknown property 'foo'"),
        (
            "CREATE KEYSPACE ks WITH replication = {} AND replication = {}",
            "line 1:45 Multiple definition for property 'replication'",
        ),
        (
            "CREATE KEYSPACE ks WITH replication = {} AND durable_writes = 3",
            "line 1:62 Invalid boolean value 3 for 'durable_writes'. "
            "Valid options are 'true' or 'false'.",
        ),
        ("CREATE TABLE t (k int PRIMARY KEY", "line 1:33 mismatched input '<EOF>' expecting ')'"),
        (
            "CREATE TABLE t (k list<int PRIMARY KEY)",
            "line 1:27 mismatched input 'PRIMARY' expecting '>'",
        ),
        ("ALTER TABLE t RENAMED a TO b", "line 1:14 no viable alternative at input 'RENAMED'"),
        ("DROP KEYSPACE IF ks", "line 1:17 mismatched input 'ks' expecting K_EXISTS"),
        (
            "INSERT INTO t (a) VALUES (0x123)",
            "line 1:26 An hex string representing bytes must have an even length",
        ),
        ("SELECT a AS FROM t", "line 1:12 no viable alternative at input 'FROM'"),
        ("SELECT CAST(a AS list<int>) FROM t", "line 1:17 no viable alternative at input 'list'"),
    ],
)
def test_syntax_error_messages(cql: str, message: str) -> None:
    assert syntax_error(cql) == message


@pytest.mark.parametrize(
    ("cql", "message"),
    [
        ("SELECT * FROM t WHERE a = @", "line 1:26 no viable alternative at character '@'"),
        ("SELECT 'abc FROM t", "line 1:18 mismatched character '<EOF>' expecting '''"),
        ('SELECT "abc FROM t', "line 1:18 mismatched character '<EOF>' expecting '\"'"),
        ("SELECT $$abc FROM t", "line 1:19 mismatched character '<EOF>' expecting '$$'"),
        ("SELECT * /* never\nclosed", "line 2:6 mismatched character '<EOF>' expecting '*/'"),
        ("SELECT * FROM t WHERE a = $1", "line 1:26 no viable alternative at character '$'"),
        ('SELECT "" FROM t', "line 1:7 no viable alternative at input '\"\"'"),
    ],
)
def test_lexer_error_messages(cql: str, message: str) -> None:
    assert syntax_error(cql) == message


def test_unicode_digits_and_letters_are_not_cql() -> None:
    syntax_error("SELECT * FROM t LIMIT \u0663")  # ARABIC-INDIC DIGIT THREE
    syntax_error("SELECT \u212a FROM t")  # KELVIN SIGN folds to 'k' under re.IGNORECASE


def test_too_deep_nesting_is_a_syntax_error() -> None:
    message = syntax_error("INSERT INTO t (a) VALUES (" + "[" * 5000 + ")")
    assert "too deeply nested" in message


def test_huge_integer_literal() -> None:
    digits = "7" * 6000
    s = parse(f"INSERT INTO t (a) VALUES ({digits})").statement
    assert s.values[0].value == int("7" * 2000) * 10**4000 + int("7" * 4000)  # type: ignore[union-attr]


def test_errors_are_not_cached_as_results() -> None:
    for _ in range(2):
        syntax_error("SELECT FROM")


def test_invalid_request_is_not_a_syntax_error() -> None:
    with pytest.raises(InvalidRequest) as info:
        parse("INSERT INTO t (a, b) VALUES (1, 2, 3)")
    assert not isinstance(info.value, CqlSyntaxError)


# --- fuzzing -----------------------------------------------------------------

_WORDS = """
    SELECT INSERT UPDATE DELETE BEGIN APPLY BATCH UNLOGGED COUNTER CREATE DROP ALTER
    TRUNCATE USE KEYSPACE TABLE TYPE IF NOT EXISTS WITH AND FROM WHERE INTO VALUES
    SET USING TTL TIMESTAMP LIMIT PER PARTITION ORDER BY ASC DESC ALLOW FILTERING
    PRIMARY KEY STATIC CLUSTERING DISTINCT JSON AS IN CONTAINS token count writetime
    cast int text list set map tuple frozen varchar replication durable_writes ks t
    k v a b c true false null NaN Infinity now toJson
    = != < <= > >= ( ) , ; . * [ ] { } : + - ? += -= <
"""
_VOCABULARY = [
    *_WORDS.split(),
    "'str'",
    "$$pg$$",
    '"Q"',
    "0",
    "42",
    "1.5",
    "1e3",
    "0xff",
    "1h30m",
    "P1D",
    "123e4567-e89b-12d3-a456-426614174000",
    ":name",
]


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=80))
def test_random_text_only_raises_syntax_errors(text: str) -> None:
    try:
        parse(text)
    except CqlSyntaxError as exc:
        assert POSITION.match(exc.message), exc.message


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_VOCABULARY), max_size=30))
def test_token_soup_only_raises_cql_errors(words: list[str]) -> None:
    try:
        parse(" ".join(words))
    except CqlSyntaxError as exc:
        assert POSITION.match(exc.message), exc.message
    except CqlError as exc:
        assert isinstance(exc, InvalidRequest)


_STATEMENT_PREFIXES = [
    "SELECT * FROM t WHERE k = ",
    "INSERT INTO t (a) VALUES (",
    "UPDATE t SET a = ",
    "CREATE TABLE t (k ",
    "BEGIN BATCH ",
    "DELETE m[",
]


@settings(max_examples=800, deadline=None)
@given(
    st.sampled_from(_STATEMENT_PREFIXES),
    st.lists(st.sampled_from(_VOCABULARY), max_size=15),
)
def test_statement_prefix_then_soup(prefix: str, words: list[str]) -> None:
    try:
        parse(prefix + " ".join(words))
    except CqlSyntaxError as exc:
        assert POSITION.match(exc.message), exc.message
    except CqlError as exc:
        assert isinstance(exc, InvalidRequest)
