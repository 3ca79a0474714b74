"""The CQL parser: each statement kind parses to the expected syntax tree."""

from __future__ import annotations

import pytest

from astra_grpc_async.emulator.cql import ast
from astra_grpc_async.emulator.cql.parser import parse
from astra_grpc_async.emulator.errors import InvalidRequest

C = ast.Constant
M = ast.BindMarker
T = ast.TableName
INT = ast.NativeType("int")
TEXT = ast.NativeType("text")


def stmt(cql: str) -> ast.Statement:
    return parse(cql).statement


def col(name: str) -> ast.Selector:
    return ast.Selector("column", name)


# --- keyspaces --------------------------------------------------------------


def test_create_keyspace_full() -> None:
    s = stmt(
        "CREATE KEYSPACE IF NOT EXISTS ks WITH replication = "
        "{'class': 'SimpleStrategy', 'replication_factor': 1} AND durable_writes = false;"
    )
    assert s == ast.CreateKeyspace(
        "ks", True, (("class", "SimpleStrategy"), ("replication_factor", "1")), False
    )


def test_create_keyspace_minimal_and_case() -> None:
    s = stmt(
        "create keyspace MyKs with REPLICATION = {'class': 'NetworkTopologyStrategy', 'dc1': '3'}"
    )
    assert s == ast.CreateKeyspace(
        "myks", False, (("class", "NetworkTopologyStrategy"), ("dc1", "3")), True
    )


def test_create_keyspace_quoted_name_and_string_bool() -> None:
    s = stmt(
        "CREATE KEYSPACE \"MyKs\" WITH replication = {'class': 'SimpleStrategy'} "
        "AND durable_writes = 'true'"
    )
    assert s == ast.CreateKeyspace("MyKs", False, (("class", "SimpleStrategy"),), True)


def test_create_schema_is_keyspace() -> None:
    assert isinstance(stmt("CREATE SCHEMA s WITH replication = {}"), ast.CreateKeyspace)


def test_drop_keyspace() -> None:
    assert stmt("DROP KEYSPACE ks") == ast.DropKeyspace("ks", False)
    assert stmt('DROP KEYSPACE IF EXISTS "Ks";') == ast.DropKeyspace("Ks", True)


def test_use() -> None:
    assert stmt("USE ks") == ast.Use("ks")
    assert stmt('use "Ks";') == ast.Use("Ks")


# --- tables -----------------------------------------------------------------


def test_create_table_compound_key_and_options() -> None:
    s = stmt(
        "CREATE TABLE IF NOT EXISTS ks.t (a int, b text, c timeuuid, d bigint, "
        "s text STATIC, v blob, PRIMARY KEY ((a, b), c, d)) "
        "WITH CLUSTERING ORDER BY (c DESC, d ASC) AND comment = 'hello' "
        "AND gc_grace_seconds = 10 AND compaction = {'class': 'LeveledCompactionStrategy'}"
    )
    assert s == ast.CreateTable(
        table=T("t", "ks"),
        if_not_exists=True,
        columns=(
            ast.ColumnDef("a", INT),
            ast.ColumnDef("b", TEXT),
            ast.ColumnDef("c", ast.NativeType("timeuuid")),
            ast.ColumnDef("d", ast.NativeType("bigint")),
            ast.ColumnDef("s", TEXT, static=True),
            ast.ColumnDef("v", ast.NativeType("blob")),
        ),
        partition_key=("a", "b"),
        clustering=("c", "d"),
        clustering_order=(("c", True), ("d", False)),
        options=(
            ("comment", "hello"),
            ("gc_grace_seconds", "10"),
            ("compaction", "{'class': 'LeveledCompactionStrategy'}"),
        ),
    )


def test_create_table_inline_primary_key() -> None:
    s = stmt('CREATE TABLE t (id uuid PRIMARY KEY, "Name" varchar, n varint)')
    assert s == ast.CreateTable(
        T("t"),
        False,
        (
            ast.ColumnDef("id", ast.NativeType("uuid")),
            ast.ColumnDef("Name", TEXT),
            ast.ColumnDef("n", ast.NativeType("varint")),
        ),
        ("id",),
    )


def test_create_table_simple_primary_key_clause() -> None:
    s = stmt("CREATE TABLE t (k int, c int, v int, PRIMARY KEY (k, c))")
    assert isinstance(s, ast.CreateTable)
    assert s.partition_key == ("k",)
    assert s.clustering == ("c",)
    s = stmt("CREATE TABLE t (k int, v int, PRIMARY KEY (k))")
    assert isinstance(s, ast.CreateTable)
    assert (s.partition_key, s.clustering) == (("k",), ())
    s = stmt("CREATE TABLE t (k int, v int, PRIMARY KEY ((k)))")
    assert isinstance(s, ast.CreateTable)
    assert (s.partition_key, s.clustering) == (("k",), ())


def test_create_table_keyword_column_names() -> None:
    names = ["key", "value", "type", "ttl", "writetime", "count", "token", "time", "date"]
    names += ["text", "timestamp", "list", "map", "static", "json", "distinct", "exists"]
    cols = ", ".join(f"{n} int" for n in names)
    s = stmt(f"CREATE TABLE t ({cols}, PRIMARY KEY (key, value))")
    assert isinstance(s, ast.CreateTable)
    assert [c.name for c in s.columns] == names
    assert (s.partition_key, s.clustering) == (("key",), ("value",))


def test_create_table_columnfamily_and_compact_storage() -> None:
    s = stmt("CREATE COLUMNFAMILY t (k int PRIMARY KEY) WITH COMPACT STORAGE")
    assert isinstance(s, ast.CreateTable)
    assert s.options == (("compact_storage", "true"),)


@pytest.mark.parametrize(
    ("cql", "message"),
    [
        (
            "CREATE TABLE ks.t (k int, v int)",
            "No PRIMARY KEY specifed for table 'ks.t' (exactly one required)",
        ),
        (
            "CREATE TABLE t (k int PRIMARY KEY, v int, PRIMARY KEY (v))",
            "Multiple PRIMARY KEY specified for table 't' (exactly one required)",
        ),
        (
            "CREATE TABLE t (k int, PRIMARY KEY (x))",
            "Unknown column 'x' referenced in PRIMARY KEY for table 't'",
        ),
        (
            "CREATE TABLE t (k int PRIMARY KEY, k text)",
            "Duplicate column 'k' declaration for table 't'",
        ),
        (
            "CREATE TABLE t (k int, PRIMARY KEY (k, k))",
            "Duplicate column 'k' in PRIMARY KEY clause for table 't'",
        ),
        (
            "CREATE TABLE t (k list<int>, PRIMARY KEY (k))",
            "Invalid non-frozen collection type list<int> for PRIMARY KEY column 'k'",
        ),
        (
            "CREATE TABLE t (k addr, PRIMARY KEY (k))",
            "Invalid non-frozen user-defined type addr for PRIMARY KEY column 'k'",
        ),
        (
            "CREATE TABLE t (k counter PRIMARY KEY)",
            "counter type is not supported for PRIMARY KEY column 'k'",
        ),
        (
            "CREATE TABLE t (k frozen<list<duration>> PRIMARY KEY)",
            "duration type is not supported for PRIMARY KEY column 'k'",
        ),
        (
            "CREATE TABLE t (k int, c int static, PRIMARY KEY (k, c))",
            "Static column 'c' cannot be part of the PRIMARY KEY",
        ),
        (
            "CREATE TABLE t (k int, a int, b int, PRIMARY KEY (k, a, b)) "
            "WITH CLUSTERING ORDER BY (b DESC)",
            "Clustering key columns must exactly match columns in CLUSTERING ORDER BY directive",
        ),
        (
            "CREATE TABLE t (k int, a int, PRIMARY KEY (k, a)) "
            "WITH CLUSTERING ORDER BY (a DESC, a ASC)",
            "Duplicate column 'a' in CLUSTERING ORDER BY clause for table 't'",
        ),
        (
            "CREATE TABLE t (k int PRIMARY KEY, s int static)",
            "Static columns are only useful (and thus allowed) if the table has at least one "
            "clustering column",
        ),
        (
            "CREATE TABLE t (k int PRIMARY KEY, c counter, v int)",
            "Cannot mix counter and non counter columns in the same table",
        ),
    ],
)
def test_create_table_invalid(cql: str, message: str) -> None:
    with pytest.raises(InvalidRequest) as info:
        parse(cql)
    assert info.value.message == message


def test_create_counter_table() -> None:
    s = stmt("CREATE TABLE t (k int, c int, n counter, m counter, PRIMARY KEY (k, c))")
    assert isinstance(s, ast.CreateTable)
    assert [c.type for c in s.columns][2:] == [ast.NativeType("counter")] * 2


def test_drop_and_truncate_table() -> None:
    assert stmt("DROP TABLE ks.t") == ast.DropTable(T("t", "ks"), False)
    assert stmt("DROP TABLE IF EXISTS t") == ast.DropTable(T("t"), True)
    assert stmt("TRUNCATE t") == ast.Truncate(T("t"))
    assert stmt("TRUNCATE TABLE ks.t;") == ast.Truncate(T("t", "ks"))
    assert stmt("truncate columnfamily t") == ast.Truncate(T("t"))


def test_alter_table_add() -> None:
    assert stmt("ALTER TABLE t ADD v text") == ast.AlterTableAdd(
        T("t"), (ast.ColumnDef("v", TEXT),)
    )
    assert stmt("ALTER TABLE ks.t ADD (a int, b list<text>, s int static)") == ast.AlterTableAdd(
        T("t", "ks"),
        (
            ast.ColumnDef("a", INT),
            ast.ColumnDef("b", ast.ListType(TEXT)),
            ast.ColumnDef("s", INT, static=True),
        ),
    )


def test_alter_table_drop() -> None:
    assert stmt("ALTER TABLE t DROP v") == ast.AlterTableDrop(T("t"), ("v",))
    assert stmt('ALTER TABLE t DROP (a, "B")') == ast.AlterTableDrop(T("t"), ("a", "B"))


def test_create_and_drop_type() -> None:
    s = stmt(
        "CREATE TYPE IF NOT EXISTS ks.address (street text, zip int, "
        "phones list<text>, geo frozen<point>)"
    )
    assert s == ast.CreateType(
        T("address", "ks"),
        True,
        (
            ("street", TEXT),
            ("zip", INT),
            ("phones", ast.ListType(TEXT)),
            ("geo", ast.UdtRef("point", frozen=True)),
        ),
    )
    assert stmt("DROP TYPE address") == ast.DropType(T("address"), False)
    assert stmt("DROP TYPE IF EXISTS ks.address") == ast.DropType(T("address", "ks"), True)


# --- INSERT ---------------------------------------------------------------


def test_insert_basic() -> None:
    p = parse("INSERT INTO ks.t (k, v) VALUES (1, 'a')")
    assert p.statement == ast.Insert(T("t", "ks"), ("k", "v"), (C("integer", 1), C("string", "a")))
    assert p.markers == ()


def test_insert_markers_if_not_exists_using() -> None:
    p = parse("INSERT INTO t (k, v) VALUES (?, ?) IF NOT EXISTS USING TTL ? AND TIMESTAMP 5")
    assert p.statement == ast.Insert(
        T("t"), ("k", "v"), (M(0), M(1)), True, ttl=M(2), timestamp=C("integer", 5)
    )
    assert p.markers == (M(0), M(1), M(2))


def test_insert_using_either_order() -> None:
    a = stmt("INSERT INTO t (k) VALUES (1) USING TIMESTAMP 7 AND TTL 3")
    b = stmt("INSERT INTO t (k) VALUES (1) USING TTL 3 AND TIMESTAMP 7")
    assert a == b
    assert isinstance(a, ast.Insert)
    assert (a.ttl, a.timestamp) == (C("integer", 3), C("integer", 7))
    c = stmt("INSERT INTO t (k) VALUES (1) USING TTL 3 IF NOT EXISTS")
    assert isinstance(c, ast.Insert)
    assert c.if_not_exists


def test_insert_unmatched_names_values() -> None:
    with pytest.raises(InvalidRequest, match="Unmatched column names/values"):
        parse("INSERT INTO t (a, b) VALUES (1)")


# --- UPDATE ---------------------------------------------------------------


def test_update_assignments() -> None:
    p = parse(
        "UPDATE t USING TTL 10 AND TIMESTAMP ? SET a = ?, c = c + ?, d = d - 1, "
        "l = [0] + l, m[?] = ?, l[2] = 'x', s = s + {'a'} WHERE k = ?"
    )
    assert p.statement == ast.Update(
        T("t"),
        (
            ast.Assignment("a", "set", M(1)),
            ast.Assignment("c", "add", M(2)),
            ast.Assignment("d", "sub", C("integer", 1)),
            ast.Assignment("l", "prepend", ast.ListLiteral((C("integer", 0),))),
            ast.Assignment("m", "set_key", M(4), key=M(3)),
            ast.Assignment("l", "set_key", C("string", "x"), key=C("integer", 2)),
            ast.Assignment("s", "add", ast.SetLiteral((C("string", "a"),))),
        ),
        (ast.Relation("k", "=", M(5)),),
        ttl=C("integer", 10),
        timestamp=M(0),
    )
    assert [m.index for m in p.markers] == [0, 1, 2, 3, 4, 5]


def test_update_compound_assignment_operators() -> None:
    s = stmt("UPDATE t SET c += 1, d -= 2 WHERE k = 0")
    assert isinstance(s, ast.Update)
    assert s.assignments == (
        ast.Assignment("c", "add", C("integer", 1)),
        ast.Assignment("d", "sub", C("integer", 2)),
    )


def test_update_counter_minus_without_space() -> None:
    s = stmt("UPDATE t SET c = c -1 WHERE k = 0")
    assert isinstance(s, ast.Update)
    assert s.assignments == (ast.Assignment("c", "sub", C("integer", 1)),)


def test_update_conditions() -> None:
    s = stmt(
        "UPDATE t SET a = 1 WHERE k = 0 IF a = 2 AND m['k'] = ? AND b > 3 AND c IN (1, 2) "
        "AND d != null"
    )
    assert isinstance(s, ast.Update)
    assert s.conditions == (
        ast.Condition("a", "=", C("integer", 2)),
        ast.Condition("m", "=", M(0), key=C("string", "k")),
        ast.Condition("b", ">", C("integer", 3)),
        ast.Condition("c", "IN", ast.TupleLiteral((C("integer", 1), C("integer", 2)))),
        ast.Condition("d", "!=", C("null", None)),
    )
    assert not s.if_exists


def test_update_if_exists() -> None:
    s = stmt("UPDATE t SET a = 1 WHERE k = 0 IF EXISTS")
    assert isinstance(s, ast.Update)
    assert s.if_exists
    assert s.conditions == ()


def test_update_wrong_column_in_expression() -> None:
    from astra_grpc_async.emulator.errors import CqlSyntaxError

    with pytest.raises(CqlSyntaxError, match=r"^line 1:17 Only expressions of the form X = X \+"):
        parse("UPDATE t SET a = b + 1 WHERE k = 0")
    with pytest.raises(
        CqlSyntaxError, match=r"^line 1:23 Only expressions of the form X = <value>"
    ):
        parse("UPDATE t SET a = [1] + b WHERE k = 0")


# --- DELETE ---------------------------------------------------------------


def test_delete_row() -> None:
    assert stmt("DELETE FROM t WHERE k = 1") == ast.Delete(
        T("t"), (), (ast.Relation("k", "=", C("integer", 1)),)
    )


def test_delete_columns_elements_timestamp_conditions() -> None:
    p = parse("DELETE a, m['k'], l[1] FROM ks.t USING TIMESTAMP ? WHERE k = ? IF a = ?")
    assert p.statement == ast.Delete(
        T("t", "ks"),
        (
            ast.DeleteTarget("a"),
            ast.DeleteTarget("m", C("string", "k")),
            ast.DeleteTarget("l", C("integer", 1)),
        ),
        (ast.Relation("k", "=", M(1)),),
        (ast.Condition("a", "=", M(2)),),
        timestamp=M(0),
    )
    s = stmt("DELETE FROM t WHERE k = 1 IF EXISTS")
    assert isinstance(s, ast.Delete)
    assert s.if_exists


# --- SELECT ---------------------------------------------------------------


def test_select_star() -> None:
    assert stmt("SELECT * FROM t") == ast.Select(T("t"), ())


def test_select_full_clause_set() -> None:
    p = parse(
        "SELECT a, b AS bee FROM ks.t WHERE k = ? AND c >= 1 AND c < 5 "
        "ORDER BY c DESC, d PER PARTITION LIMIT 2 LIMIT ? ALLOW FILTERING"
    )
    assert p.statement == ast.Select(
        T("t", "ks"),
        (col("a"), ast.Selector("column", "b", alias="bee")),
        (
            ast.Relation("k", "=", M(0)),
            ast.Relation("c", ">=", C("integer", 1)),
            ast.Relation("c", "<", C("integer", 5)),
        ),
        order_by=(("c", True), ("d", False)),
        limit=M(1),
        per_partition_limit=C("integer", 2),
        allow_filtering=True,
    )


def test_select_distinct_and_json() -> None:
    s = stmt("SELECT DISTINCT k FROM t")
    assert isinstance(s, ast.Select)
    assert s.distinct and not s.json and s.selectors == (col("k"),)
    s = stmt("SELECT JSON * FROM t")
    assert isinstance(s, ast.Select)
    assert s.json and not s.distinct and s.selectors == ()
    s = stmt("SELECT JSON DISTINCT k, v FROM t")
    assert isinstance(s, ast.Select)
    assert s.json and s.distinct
    # Both are unreserved: column names too.
    s = stmt("SELECT json, distinct FROM t")
    assert isinstance(s, ast.Select)
    assert s.selectors == (col("json"), col("distinct"))
    s = stmt("SELECT distinct FROM t")
    assert isinstance(s, ast.Select)
    assert s.selectors == (col("distinct"),) and not s.distinct


def test_select_special_selectors() -> None:
    s = stmt(
        "SELECT COUNT(*), count(1) AS n, WRITETIME(v), ttl(v) AS t, token(a, b), "
        "toJson(m), blobAsText(b), CAST(x AS text) AS xs FROM t"
    )
    assert isinstance(s, ast.Select)
    assert s.selectors == (
        ast.Selector("count", ""),
        ast.Selector("count", "", alias="n"),
        ast.Selector("writetime", "v"),
        ast.Selector("ttl", "v", alias="t"),
        ast.Selector("function", "token", args=(col("a"), col("b"))),
        ast.Selector("function", "tojson", args=(col("m"),)),
        ast.Selector("function", "blobastext", args=(col("b"),)),
        ast.Selector(
            "function",
            "cast",
            alias="xs",
            args=(col("x"), ast.Cast(TEXT, C("null", None))),
        ),
    )


def test_select_nested_functions_and_term_args() -> None:
    s = stmt("SELECT toJson(writetime(v)), f(count, 'x', ?, 3), g() FROM t")
    assert isinstance(s, ast.Select)
    assert s.selectors == (
        ast.Selector("function", "tojson", args=(ast.Selector("writetime", "v"),)),
        ast.Selector("function", "f", args=(col("count"), C("string", "x"), M(0), C("integer", 3))),
        ast.Selector("function", "g"),
    )


def test_select_count_of_column_is_function() -> None:
    s = stmt("SELECT count(v) FROM t")
    assert isinstance(s, ast.Select)
    assert s.selectors == (ast.Selector("function", "count", args=(col("v"),)),)


def test_select_keyword_columns() -> None:
    s = stmt(
        "SELECT key, value, type, ttl, writetime, count, token, time, date, text "
        "FROM t WHERE key = 1 AND token = 2 AND count > 3"
    )
    assert isinstance(s, ast.Select)
    assert [x.name for x in s.selectors] == [
        "key", "value", "type", "ttl", "writetime", "count", "token", "time", "date", "text",
    ]  # fmt: skip
    assert [r.column for r in s.where] == ["key", "token", "count"]
    assert not any(r.token for r in s.where)


def test_select_relations() -> None:
    s = stmt(
        "SELECT * FROM t WHERE a IN (1, 2) AND b IN ? AND c IN :cs AND d CONTAINS 'x' "
        "AND m CONTAINS KEY ? AND (e, f) > (?, ?) AND (g, h) IN ((1, 2), (3, 4)) "
        "AND (i, j) = ? AND token(a, b) > ? AND TOKEN(a) <= token(5) AND z != 1"
    )
    assert isinstance(s, ast.Select)
    assert s.where == (
        ast.Relation("a", "IN", ast.TupleLiteral((C("integer", 1), C("integer", 2)))),
        ast.Relation("b", "IN", M(0)),
        ast.Relation("c", "IN", M(1, "cs")),
        ast.Relation("d", "CONTAINS", C("string", "x")),
        ast.Relation("m", "CONTAINS KEY", M(2)),
        ast.Relation("e", ">", ast.TupleLiteral((M(3), M(4))), columns=("e", "f")),
        ast.Relation(
            "g",
            "IN",
            ast.TupleLiteral(
                (
                    ast.TupleLiteral((C("integer", 1), C("integer", 2))),
                    ast.TupleLiteral((C("integer", 3), C("integer", 4))),
                )
            ),
            columns=("g", "h"),
        ),
        ast.Relation("i", "=", M(5), columns=("i", "j")),
        ast.Relation("a", ">", M(6), columns=("a", "b"), token=True),
        ast.Relation(
            "a",
            "<=",
            ast.FunctionCall("token", (C("integer", 5),)),
            columns=("a",),
            token=True,
        ),
        ast.Relation("z", "!=", C("integer", 1)),
    )


def test_select_empty_in_list() -> None:
    s = stmt("SELECT * FROM t WHERE k IN ()")
    assert isinstance(s, ast.Select)
    assert s.where == (ast.Relation("k", "IN", ast.TupleLiteral(())),)


# --- BATCH ----------------------------------------------------------------


def test_batch_logged() -> None:
    p = parse(
        "BEGIN BATCH INSERT INTO t (k, v) VALUES (?, ?); UPDATE t SET v = ? WHERE k = ?; "
        "DELETE FROM t WHERE k = ? APPLY BATCH;"
    )
    assert p.statement == ast.BatchStatement(
        "LOGGED",
        (
            ast.Insert(T("t"), ("k", "v"), (M(0), M(1))),
            ast.Update(
                T("t"), (ast.Assignment("v", "set", M(2)),), (ast.Relation("k", "=", M(3)),)
            ),
            ast.Delete(T("t"), (), (ast.Relation("k", "=", M(4)),)),
        ),
    )
    assert len(p.markers) == 5


def test_batch_kinds_and_timestamp() -> None:
    s = stmt("BEGIN UNLOGGED BATCH USING TIMESTAMP 10 INSERT INTO t (k) VALUES (1) APPLY BATCH")
    assert isinstance(s, ast.BatchStatement)
    assert (s.kind, s.timestamp) == ("UNLOGGED", C("integer", 10))
    s = stmt("begin counter batch update t set c = c + 1 where k = 1; apply batch")
    assert isinstance(s, ast.BatchStatement)
    assert s.kind == "COUNTER"
    s = stmt("BEGIN BATCH APPLY BATCH")
    assert isinstance(s, ast.BatchStatement)
    assert s.statements == ()


def test_batch_global_ttl_refused() -> None:
    with pytest.raises(InvalidRequest, match="Global TTL"):
        parse("BEGIN BATCH USING TTL 5 INSERT INTO t (k) VALUES (1) APPLY BATCH")


# --- misc -----------------------------------------------------------------


def test_trailing_semicolons_and_comments() -> None:
    expected = ast.Select(T("t"), ())
    assert stmt("SELECT * FROM t;") == expected
    assert stmt("SELECT * FROM t;;") == expected
    assert stmt("-- leading\nSELECT /* inline */ * // trailing\nFROM t -- end") == expected


def test_parse_is_cached() -> None:
    cql = "SELECT * FROM cached_table WHERE k = ?"
    assert parse(cql) is parse(cql)


def test_create_table_option_values_as_text() -> None:
    s = stmt(
        "CREATE TABLE t (k int PRIMARY KEY) WITH bloom_filter_fp_chance = 0.01 "
        "AND cdc = TRUE AND default_time_to_live = 86400 AND speculative_retry = '99PERCENTILE' "
        "AND caching = {'keys': 'ALL', 'rows_per_partition': 10} AND extensions = {}"
    )
    assert isinstance(s, ast.CreateTable)
    assert s.options == (
        ("bloom_filter_fp_chance", "0.01"),
        ("cdc", "true"),
        ("default_time_to_live", "86400"),
        ("speculative_retry", "99PERCENTILE"),
        ("caching", "{'keys': 'ALL', 'rows_per_partition': '10'}"),
        ("extensions", "{}"),
    )


def test_select_distinct_star_and_quoted_function() -> None:
    s = stmt("SELECT DISTINCT * FROM t")
    assert isinstance(s, ast.Select)
    assert s.distinct and s.selectors == ()
    s = stmt('SELECT "MyFn"(a) AS "Out" FROM "Ks"."T"')
    assert isinstance(s, ast.Select)
    assert s.selectors == (ast.Selector("function", "MyFn", alias="Out", args=(col("a"),)),)
    assert s.table == T("T", "Ks")


def test_statements_span_lines_and_mixed_case() -> None:
    p = parse('insert\n  INTO Ks.Tbl\n  (Id, "Val")\nvalues\n  (:Id, ?)\n;')
    assert p.statement == ast.Insert(T("tbl", "ks"), ("id", "Val"), (M(0, "id"), M(1)))
