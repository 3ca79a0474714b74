"""The parser: CREATE / DROP INDEX, INSERT ... JSON and GROUP BY."""

from __future__ import annotations

import pytest

from astra_grpc_async.emulator.cql import ast
from astra_grpc_async.emulator.cql.parser import parse
from astra_grpc_async.emulator.errors import CqlSyntaxError

T = ast.TableName


def stmt(cql: str) -> ast.Statement:
    return parse(cql).statement


def test_create_index_forms() -> None:
    assert stmt("CREATE INDEX ON t (v)") == ast.CreateIndex(T("t"), "v")
    assert stmt('create index if not exists i on ks.t ("V")') == ast.CreateIndex(
        T("t", "ks"), "V", "i", True
    )
    for word in ("keys", "values", "entries", "full"):
        s = stmt(f"CREATE INDEX ON t ({word.upper()}(m))")
        assert s == ast.CreateIndex(T("t"), "m", target=word)  # type: ignore[arg-type]
    # `values` alone is a column name
    assert stmt("CREATE INDEX ON t (values)") == ast.CreateIndex(T("t"), "values")


def test_create_custom_index() -> None:
    s = stmt(
        "CREATE CUSTOM INDEX IF NOT EXISTS vi ON t (v) USING 'StorageAttachedIndex' "
        "WITH OPTIONS = {'case_sensitive': 'false'}"
    )
    assert s == ast.CreateIndex(T("t"), "v", "vi", True, "simple", "StorageAttachedIndex")
    with pytest.raises(CqlSyntaxError):
        parse("CREATE CUSTOM INDEX vi ON t (v)")


def test_drop_index() -> None:
    assert stmt("DROP INDEX i") == ast.DropIndex(T("i"))
    assert stmt("DROP INDEX IF EXISTS ks.i;") == ast.DropIndex(T("i", "ks"), True)


def test_insert_json() -> None:
    s = stmt("""INSERT INTO ks.t JSON '{"k": 1}'""")
    assert s == ast.Insert(T("t", "ks"), (), (), json=ast.Constant("string", '{"k": 1}'))
    s = stmt("INSERT INTO t JSON ? DEFAULT UNSET IF NOT EXISTS USING TTL 10")
    assert isinstance(s, ast.Insert)
    assert (s.json, s.default_unset, s.if_not_exists, s.ttl) == (
        ast.BindMarker(0),
        True,
        True,
        ast.Constant("integer", 10),
    )
    s = stmt("INSERT INTO t JSON :j DEFAULT NULL USING TIMESTAMP 5")
    assert isinstance(s, ast.Insert)
    assert (s.json, s.default_unset, s.timestamp) == (
        ast.BindMarker(0, "j"),
        False,
        ast.Constant("integer", 5),
    )
    with pytest.raises(CqlSyntaxError):
        parse("INSERT INTO t JSON 1")
    with pytest.raises(CqlSyntaxError):
        parse("INSERT INTO t JSON '{}' DEFAULT 1")


def test_group_by() -> None:
    s = stmt("SELECT k, count(*) FROM t WHERE k = 1 GROUP BY k, c ORDER BY c DESC LIMIT 2")
    assert isinstance(s, ast.Select)
    assert s.group_by == ("k", "c")
    assert s.order_by == (("c", True),)
    assert s.limit == ast.Constant("integer", 2)
    s = stmt("SELECT k FROM t GROUP BY k ALLOW FILTERING")
    assert isinstance(s, ast.Select)
    assert (s.group_by, s.allow_filtering) == (("k",), True)
    with pytest.raises(CqlSyntaxError):
        parse("SELECT k FROM t GROUP k")
