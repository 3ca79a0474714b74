"""The CQL parser: ALTER KEYSPACE / TABLE / TYPE forms and UDT field access."""

from __future__ import annotations

import pytest

from astra_grpc_async.emulator.cql import ast
from astra_grpc_async.emulator.cql.parser import parse
from astra_grpc_async.emulator.errors import CqlSyntaxError, InvalidRequest

C = ast.Constant
M = ast.BindMarker
T = ast.TableName
INT = ast.NativeType("int")
TEXT = ast.NativeType("text")
SIMPLE = (("class", "SimpleStrategy"), ("replication_factor", "3"))


def stmt(cql: str) -> ast.Statement:
    return parse(cql).statement


def col(name: str) -> ast.Selector:
    return ast.Selector("column", name)


def field(sel: ast.Selector, name: str, alias: str | None = None) -> ast.Selector:
    return ast.Selector("field", name, alias, (sel,))


def syntax_error(cql: str) -> str:
    with pytest.raises(CqlSyntaxError) as info:
        parse(cql)
    return info.value.message


# --- ALTER KEYSPACE -------------------------------------------------------------------------


def test_alter_keyspace_replication_and_durable_writes() -> None:
    s = stmt(
        "ALTER KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', "
        "'replication_factor': 3} AND durable_writes = false;"
    )
    assert s == ast.AlterKeyspace("ks", SIMPLE, False)


def test_alter_keyspace_each_property_alone_and_schema_synonym() -> None:
    assert stmt("ALTER KEYSPACE ks WITH durable_writes = true") == ast.AlterKeyspace("ks", (), True)
    s = stmt(
        'ALTER SCHEMA "Ks" WITH replication = '
        "{'class': 'SimpleStrategy', 'replication_factor': 3}"
    )
    assert s == ast.AlterKeyspace("Ks", SIMPLE, None)
    # properties in either order
    s = stmt(
        "ALTER KEYSPACE ks WITH durable_writes = false AND replication = "
        "{'class': 'SimpleStrategy', 'replication_factor': 3}"
    )
    assert s == ast.AlterKeyspace("ks", SIMPLE, False)


def test_alter_keyspace_errors() -> None:
    assert (
        syntax_error("ALTER KEYSPACE ks") == "line 1:17 mismatched input '<EOF>' expecting K_WITH"
    )
    assert syntax_error("ALTER KEYSPACE ks WITH foo = 1") == "line 1:23 Unknown property 'foo'"
    assert syntax_error(
        "ALTER KEYSPACE ks WITH durable_writes = true AND durable_writes = false"
    ) == ("line 1:49 Multiple definition for property 'durable_writes'")
    assert syntax_error("ALTER KEYSPACE ks WITH durable_writes = 3").startswith(
        "line 1:40 Invalid boolean value 3 for 'durable_writes'"
    )
    assert syntax_error("ALTER INDEX i") == "line 1:6 no viable alternative at input 'INDEX'"


# --- ALTER TABLE ----------------------------------------------------------------------------


def test_alter_table_with_options() -> None:
    assert stmt("ALTER TABLE t WITH default_time_to_live = 10") == ast.AlterTableOptions(
        T("t"), (("default_time_to_live", "10"),)
    )
    s = stmt(
        "ALTER TABLE ks.t WITH comment = 'hi' AND gc_grace_seconds = 0 AND "
        "compaction = {'class': 'LeveledCompactionStrategy'}"
    )
    assert s == ast.AlterTableOptions(
        T("t", "ks"),
        (
            ("comment", "hi"),
            ("gc_grace_seconds", "0"),
            ("compaction", "{'class': 'LeveledCompactionStrategy'}"),
        ),
    )
    assert stmt("ALTER COLUMNFAMILY t WITH comment = 'x'") == ast.AlterTableOptions(
        T("t"), (("comment", "x"),)
    )


def test_alter_table_with_errors() -> None:
    assert syntax_error("ALTER TABLE t WITH comment = 'a' AND comment = 'b'") == (
        "line 1:37 Multiple definition for property 'comment'"
    )
    # CLUSTERING ORDER is a CREATE TABLE option only
    assert syntax_error("ALTER TABLE t WITH CLUSTERING ORDER BY (c DESC)") == (
        "line 1:30 mismatched input 'ORDER' expecting '='"
    )


def test_alter_table_rename() -> None:
    assert stmt("ALTER TABLE t RENAME k TO k2") == ast.AlterTableRename(T("t"), (("k", "k2"),))
    assert stmt('ALTER TABLE ks.t RENAME k TO "K" AND c TO c2') == ast.AlterTableRename(
        T("t", "ks"), (("k", "K"), ("c", "c2"))
    )
    assert syntax_error("ALTER TABLE t RENAME k k2") == (
        "line 1:23 mismatched input 'k2' expecting K_TO"
    )


def test_alter_column_type_is_refused() -> None:
    with pytest.raises(InvalidRequest, match=r"^Altering column types is no longer supported$"):
        parse("ALTER TABLE t ALTER v TYPE blob")


def test_alter_table_add_drop_still_parse() -> None:
    assert stmt("ALTER TABLE t ADD v text") == ast.AlterTableAdd(
        T("t"), (ast.ColumnDef("v", TEXT),)
    )
    assert stmt("ALTER TABLE t DROP v") == ast.AlterTableDrop(T("t"), ("v",))


# --- ALTER TYPE -----------------------------------------------------------------------------


def test_alter_type_add() -> None:
    assert stmt("ALTER TYPE addr ADD zip int") == ast.AlterTypeAdd(T("addr"), "zip", INT)
    assert stmt("ALTER TYPE ks.addr ADD tags frozen<list<text>>") == ast.AlterTypeAdd(
        T("addr", "ks"), "tags", ast.ListType(TEXT, frozen=True)
    )
    assert stmt("ALTER TYPE addr ADD home frozen<other>") == ast.AlterTypeAdd(
        T("addr"), "home", ast.UdtRef("other", frozen=True)
    )


def test_alter_type_rename() -> None:
    assert stmt("ALTER TYPE addr RENAME street TO road") == ast.AlterTypeRename(
        T("addr"), (("street", "road"),)
    )
    assert stmt('ALTER TYPE ks.addr RENAME a TO b AND c TO "D"') == ast.AlterTypeRename(
        T("addr", "ks"), (("a", "b"), ("c", "D"))
    )


def test_alter_type_errors() -> None:
    with pytest.raises(InvalidRequest, match=r"^Altering field types is no longer supported$"):
        parse("ALTER TYPE addr ALTER zip TYPE bigint")
    assert syntax_error("ALTER TYPE addr DROP zip") == (
        "line 1:16 no viable alternative at input 'DROP'"
    )
    assert syntax_error("ALTER TYPE addr ADD zip") == (
        "line 1:23 no viable alternative at input '<EOF>'"
    )


# --- UDT field access -----------------------------------------------------------------------


def test_select_field() -> None:
    s = stmt("SELECT addr.street, addr.zip AS z, a.b.c FROM t")
    assert isinstance(s, ast.Select)
    assert s.selectors == (
        field(col("addr"), "street"),
        field(col("addr"), "zip", "z"),
        field(field(col("a"), "b"), "c"),
    )


def test_select_field_of_function_and_inside_function() -> None:
    s = stmt("SELECT toJson(addr.street), f(x).y FROM t")
    assert isinstance(s, ast.Select)
    assert s.selectors == (
        ast.Selector("function", "tojson", args=(field(col("addr"), "street"),)),
        field(ast.Selector("function", "f", args=(col("x"),)), "y"),
    )


def test_select_field_keeps_quoted_case() -> None:
    s = stmt('SELECT "Addr"."Street" FROM t')
    assert isinstance(s, ast.Select)
    assert s.selectors == (field(col("Addr"), "Street"),)


def test_update_set_field() -> None:
    p = parse("UPDATE t SET addr.street = ?, v = 1 WHERE k = ?")
    s = p.statement
    assert isinstance(s, ast.Update)
    assert s.assignments == (
        ast.Assignment("addr", "set_field", M(0), field="street"),
        ast.Assignment("v", "set", C("integer", 1)),
    )
    assert p.markers == (M(0), M(1))
    assert syntax_error("UPDATE t SET addr.street + 1 WHERE k = 1") == (
        "line 1:25 mismatched input '+' expecting '='"
    )


def test_delete_field() -> None:
    s = stmt("DELETE addr.street, m['k'], v FROM t WHERE k = 1")
    assert isinstance(s, ast.Delete)
    assert s.targets == (
        ast.DeleteTarget("addr", field="street"),
        ast.DeleteTarget("m", C("string", "k")),
        ast.DeleteTarget("v"),
    )


def test_condition_on_field() -> None:
    s = stmt("UPDATE t SET v = 1 WHERE k = 1 IF addr.zip = 5 AND addr.street IN ('a', 'b')")
    assert isinstance(s, ast.Update)
    assert s.conditions == (
        ast.Condition("addr", "=", C("integer", 5), field="zip"),
        ast.Condition(
            "addr", "IN", ast.TupleLiteral((C("string", "a"), C("string", "b"))), field="street"
        ),
    )


def test_field_access_not_in_where() -> None:
    assert syntax_error("SELECT * FROM t WHERE addr.street = 'x'") == (
        "line 1:26 no viable alternative at input '.'"
    )
