"""The CQL parser: literals, bind markers, identifiers and types."""

from __future__ import annotations

import uuid

import pytest

from astra_grpc_async.emulator.cql import ast
from astra_grpc_async.emulator.cql.lexer import tokenize
from astra_grpc_async.emulator.cql.parser import parse
from astra_grpc_async.emulator.errors import CqlSyntaxError, InvalidRequest

C = ast.Constant
M = ast.BindMarker
INT = ast.NativeType("int")
TEXT = ast.NativeType("text")


def value(term_text: str) -> ast.Term:
    """Parse `term_text` as the single value of an INSERT."""
    s = parse(f"INSERT INTO t (c) VALUES ({term_text})").statement
    assert isinstance(s, ast.Insert)
    return s.values[0]


def column_type(type_text: str) -> ast.CqlType:
    s = parse(f"CREATE TABLE t (k int PRIMARY KEY, c {type_text})").statement
    assert isinstance(s, ast.CreateTable)
    return s.columns[1].type


# --- constants ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", C("integer", 0)),
        ("42", C("integer", 42)),
        ("-7", C("integer", -7)),
        ("123456789012345678901234567890", C("integer", 123456789012345678901234567890)),
        ("1.5", C("float", "1.5")),
        ("-0.25", C("float", "-0.25")),
        (
            "3.14159265358979323846264338327950288",
            C("float", "3.14159265358979323846264338327950288"),
        ),
        ("1e10", C("float", "1e10")),
        ("2.5E-3", C("float", "2.5E-3")),
        ("7.", C("float", "7.")),
        ("NaN", C("float", "NaN")),
        ("nan", C("float", "NaN")),
        ("Infinity", C("float", "Infinity")),
        ("-Infinity", C("float", "-Infinity")),
        ("'hello'", C("string", "hello")),
        ("'it''s'", C("string", "it's")),
        ("''", C("string", "")),
        ("'Ünïcödé ✓'", C("string", "Ünïcödé ✓")),
        ("$$a 'raw' $ string$$", C("string", "a 'raw' $ string")),
        ("$$$$", C("string", "")),
        ("true", C("boolean", True)),
        ("FALSE", C("boolean", False)),
        ("null", C("null", None)),
        ("NULL", C("null", None)),
        ("0xCAFEbabe", C("blob", b"\xca\xfe\xba\xbe")),
        ("0x", C("blob", b"")),
        (
            "123e4567-e89b-12d3-a456-426614174000",
            C("uuid", uuid.UUID("123e4567-e89b-12d3-a456-426614174000")),
        ),
        (
            "AABBCCDD-EEFF-1122-3344-556677889900",
            C("uuid", uuid.UUID("aabbccdd-eeff-1122-3344-556677889900")),
        ),
        ("1h30m", C("duration", "1h30m")),
        ("12mo3d", C("duration", "12mo3d")),
        ("1y2mo3w4d5h6m7s8ms9us10ns", C("duration", "1y2mo3w4d5h6m7s8ms9us10ns")),
        ("5µs", C("duration", "5µs")),
        ("-2d", C("duration", "-2d")),
        ("P1DT2H", C("duration", "P1DT2H")),
        ("P1Y2M3DT4H5M6S", C("duration", "P1Y2M3DT4H5M6S")),
        ("PT30M", C("duration", "PT30M")),
        ("P2W", C("duration", "P2W")),
        ("P0001-02-03T04:05:06", C("duration", "P0001-02-03T04:05:06")),
    ],
)
def test_constants(text: str, expected: ast.Constant) -> None:
    assert value(text) == expected


def test_collections() -> None:
    one, two = C("integer", 1), C("integer", 2)
    assert value("[1, 2]") == ast.ListLiteral((one, two))
    assert value("[]") == ast.ListLiteral(())
    assert value("{1, 2}") == ast.SetLiteral((one, two))
    assert value("{}") == ast.MapLiteral(())
    assert value("{'a': 1, 'b': 2}") == ast.MapLiteral(
        ((C("string", "a"), one), (C("string", "b"), two))
    )
    assert value("{1: [1], 2: []}") == ast.MapLiteral(
        ((one, ast.ListLiteral((one,))), (two, ast.ListLiteral(())))
    )
    assert value("(1, 'x', null)") == ast.TupleLiteral((one, C("string", "x"), C("null", None)))
    assert value("(1)") == ast.TupleLiteral((one,))
    assert value("[{1: (1, 2)}, {}]") == ast.ListLiteral(
        (ast.MapLiteral(((one, ast.TupleLiteral((one, two))),)), ast.MapLiteral(()))
    )


def test_udt_literal() -> None:
    assert value("{street: 'Main', Zip: 1, \"Geo\": {x: 1.5}, phones: ['a']}") == ast.UdtLiteral(
        (
            ("street", C("string", "Main")),
            ("zip", C("integer", 1)),
            ("Geo", ast.UdtLiteral((("x", C("float", "1.5")),))),
            ("phones", ast.ListLiteral((C("string", "a"),))),
        )
    )
    # keyword-named fields
    assert value("{key: 1, value: ?}") == ast.UdtLiteral(
        (("key", C("integer", 1)), ("value", M(0)))
    )


def test_function_calls() -> None:
    assert value("now()") == ast.FunctionCall("now")
    assert value("uuid()") == ast.FunctionCall("uuid")
    assert value("toTimestamp(now())") == ast.FunctionCall(
        "totimestamp", (ast.FunctionCall("now"),)
    )
    assert value("currentTimestamp()") == ast.FunctionCall("currenttimestamp")
    assert value("minTimeuuid('2013-01-01 00:05+0000')") == ast.FunctionCall(
        "mintimeuuid", (C("string", "2013-01-01 00:05+0000"),)
    )
    assert value("textAsBlob(?)") == ast.FunctionCall("textasblob", (M(0),))
    assert value('"MyFunc"(1)') == ast.FunctionCall("MyFunc", (C("integer", 1),))


def test_type_hints() -> None:
    assert value("(int) ?") == ast.Cast(INT, M(0))
    assert value("(text)'a'") == ast.Cast(TEXT, C("string", "a"))
    assert value("(list<int>) [1]") == ast.Cast(
        ast.ListType(INT), ast.ListLiteral((C("integer", 1),))
    )
    assert value("(ks.addr) {a: 1}") == ast.Cast(
        ast.UdtRef("addr", "ks"), ast.UdtLiteral((("a", C("integer", 1)),))
    )


# --- markers --------------------------------------------------------------


def test_markers_numbered_in_order_including_named() -> None:
    p = parse('UPDATE t USING TTL :ttl SET a = ?, b = :B, m[?] = :"Val" WHERE k IN ? AND c = :c')
    assert p.markers == (M(0, "ttl"), M(1), M(2, "b"), M(3), M(4, "Val"), M(5), M(6, "c"))


def test_markers_inside_collections_and_functions() -> None:
    p = parse("INSERT INTO t (a, b, c, d) VALUES ([?, ?], {?: ?}, (?, fn(?)), (int) ?)")
    assert [m.index for m in p.markers] == list(range(7))
    assert all(m.name is None for m in p.markers)


def test_select_markers_count_selectors_where_and_limit() -> None:
    p = parse("SELECT f(?) FROM t WHERE k = ? LIMIT ?")
    assert p.markers == (M(0), M(1), M(2))


def test_named_marker_repeated_name_keeps_both() -> None:
    p = parse("SELECT * FROM t WHERE a = :x AND b = :x")
    assert p.markers == (M(0, "x"), M(1, "x"))


# --- identifiers ----------------------------------------------------------


def test_identifier_case_rules() -> None:
    s = parse(
        'SELECT Abc, "Abc", "with ""quotes""", "select" FROM "Ks"."Tbl" WHERE "K" = 1'
    ).statement
    assert isinstance(s, ast.Select)
    assert [x.name for x in s.selectors] == ["abc", "Abc", 'with "quotes"', "select"]
    assert s.table == ast.TableName("Tbl", "Ks")
    assert s.where[0].column == "K"
    s = parse("SELECT * FROM MyKs.MyTable").statement
    assert isinstance(s, ast.Select)
    assert s.table == ast.TableName("mytable", "myks")


def test_function_names_lower_cased() -> None:
    s = parse("SELECT ToJSON(a), WriteTime(b), TTL(C), COUNT(*) FROM t").statement
    assert isinstance(s, ast.Select)
    assert s.selectors == (
        ast.Selector("function", "tojson", args=(ast.Selector("column", "a"),)),
        ast.Selector("writetime", "b"),
        ast.Selector("ttl", "c"),
        ast.Selector("count", ""),
    )


# --- types ----------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ast.NATIVE_TYPES))
def test_native_types(name: str) -> None:
    assert column_type(name) == ast.NativeType(name)
    assert column_type(name.upper()) == ast.NativeType(name)


def test_varchar_is_text() -> None:
    assert column_type("varchar") == TEXT
    assert column_type("VARCHAR") == TEXT


def test_collection_types() -> None:
    assert column_type("list<int>") == ast.ListType(INT)
    assert column_type("set<varchar>") == ast.SetType(TEXT)
    assert column_type("map<text, bigint>") == ast.MapType(TEXT, ast.NativeType("bigint"))
    assert column_type("tuple<int, text>") == ast.TupleType((INT, TEXT))
    assert column_type("frozen<list<int>>") == ast.ListType(INT, frozen=True)
    assert column_type("frozen<tuple<int>>") == ast.TupleType((INT,))


def test_nested_types_any_depth() -> None:
    assert column_type("map<text, frozen<list<frozen<set<int>>>>>") == ast.MapType(
        TEXT, ast.ListType(ast.SetType(INT, frozen=True), frozen=True)
    )
    # frozen<> freezes everything inside it
    assert column_type("frozen<map<int, list<set<int>>>>") == ast.MapType(
        INT, ast.ListType(ast.SetType(INT, frozen=True), frozen=True), frozen=True
    )
    # tuple elements are frozen
    assert column_type("tuple<list<int>, address, tuple<int, map<int, int>>>") == ast.TupleType(
        (
            ast.ListType(INT, frozen=True),
            ast.UdtRef("address", frozen=True),
            ast.TupleType((INT, ast.MapType(INT, INT, frozen=True))),
        )
    )


def test_user_types() -> None:
    assert column_type("address") == ast.UdtRef("address")
    assert column_type("frozen<address>") == ast.UdtRef("address", frozen=True)
    assert column_type('frozen<ks."Addr">') == ast.UdtRef("Addr", "ks", frozen=True)
    assert column_type("list<frozen<ks.address>>") == ast.ListType(
        ast.UdtRef("address", "ks", frozen=True)
    )


@pytest.mark.parametrize(
    ("type_text", "message"),
    [
        (
            "list<list<int>>",
            "Non-frozen collections are not allowed inside collections: list<list<int>>",
        ),
        ("map<int, set<int>>", "Non-frozen collections are not allowed inside collections"),
        ("set<address>", "Non-frozen UDTs are not allowed inside collections: set<address>"),
        ("frozen<int>", "frozen<> is only allowed on collections, tuples, and user-defined types"),
        ("list<counter>", "Counters are not allowed inside collections: list<counter>"),
        (
            "frozen<map<int, set<counter>>>",
            "Counters are not allowed inside collections: frozen<set<counter>>",
        ),
    ],
)
def test_invalid_type_nesting(type_text: str, message: str) -> None:
    with pytest.raises(InvalidRequest) as info:
        column_type(type_text)
    assert info.value.message.startswith(message)


def test_unclosed_type_is_syntax_error() -> None:
    with pytest.raises(CqlSyntaxError, match=r"^line 1:\d+ "):
        column_type("list<int")


# --- lexer ----------------------------------------------------------------


def test_lexer_positions_across_lines() -> None:
    toks = tokenize('SELECT a,\n  "B"\n/* x\ny */ FROM t')
    assert [(t.text, t.line, t.col) for t in toks] == [
        ("SELECT", 1, 0),
        ("a", 1, 7),
        (",", 1, 8),
        ('"B"', 2, 2),
        ("FROM", 4, 5),
        ("t", 4, 10),
        ("<EOF>", 4, 11),
    ]


def test_lexer_string_with_newline_advances_lines() -> None:
    toks = tokenize("'a\nb' x")
    assert toks[0].value == "a\nb"
    assert (toks[1].line, toks[1].col) == (2, 3)


def test_lexer_operators() -> None:
    ops = [t.value for t in tokenize("= != < <= > >= ( ) , ; . * [ ] { } : + - ? += -=")][:-1]
    assert ops == [
        "=",
        "!=",
        "<",
        "<=",
        ">",
        ">=",
        "(",
        ")",
        ",",
        ";",
        ".",
        "*",
        "[",
        "]",
        "{",
        "}",
        ":",
        "+",
        "-",
        "?",
        "+=",
        "-=",
    ]
