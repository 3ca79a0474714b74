"""Engine: a DDL statement that fails changes nothing (not even the schema
version), whichever of its parts fails."""

from __future__ import annotations

import pytest
from test_engine_helpers import Db

FAILING = [
    "ALTER TABLE t ADD (a int, b int)",
    "ALTER TABLE t ADD (a2 int, a2 text)",
    "ALTER TABLE t ADD (a3 int, n counter)",
    "ALTER TABLE t ADD (a4 int, s int static)",
    "ALTER TABLE t ADD (a5 int, u frozen<nope>)",
    "ALTER TABLE t DROP (b, nope)",
    "ALTER TABLE t RENAME k TO z AND nope TO y",
    "ALTER TABLE t WITH default_time_to_live = -1",
    "ALTER TYPE u ADD (g int)",
    "ALTER TYPE u RENAME f TO g AND nope TO h",
    "ALTER TYPE u RENAME f TO e",
    "CREATE TYPE u2 (a int, a text)",
    "CREATE TABLE t2 (k int PRIMARY KEY, v int, v text)",
    "CREATE TABLE t2 (k int PRIMARY KEY, n counter) WITH default_time_to_live = 5",
]


def schema(db: Db) -> list[tuple[object, ...]]:
    return db.rows(
        "SELECT table_name, column_name, type FROM system_schema.columns WHERE keyspace_name = 'ks'"
    ) + db.rows("SELECT type_name, field_names FROM system_schema.types WHERE keyspace_name = 'ks'")


@pytest.mark.parametrize("cql", FAILING)
def test_failing_ddl_changes_nothing(cql: str) -> None:
    db = Db()
    db.q("CREATE TYPE u (e int, f int)")
    db.q("CREATE TABLE t (k int PRIMARY KEY, b int)")
    before, version = schema(db), db.engine.catalog.version
    db.err(cql)
    assert schema(db) == before
    assert db.engine.catalog.version == version


def test_add_several_columns() -> None:
    db = Db()
    db.q("CREATE TABLE t (k int, c int, b int, PRIMARY KEY (k, c))")
    db.q("ALTER TABLE t ADD (a int, s text static)")
    db.q("INSERT INTO t (k, c, a, s) VALUES (1, 1, 2, 'x')")
    assert db.rows("SELECT a, s FROM t") == [(2, "x")]
