"""Engine: GROUP BY on the partition key / a clustering prefix, with
aggregates; LIMIT counts groups; pages hold whole groups."""

from __future__ import annotations

from test_engine_helpers import Db


def table() -> Db:
    """t(k, c1, c2, v): k in 0..2, c1 in 0..1, c2 in 0..2, v = 100k + 10c1 + c2."""
    db = Db()
    db.q("CREATE TABLE t (k int, c1 int, c2 int, v int, PRIMARY KEY (k, c1, c2))")
    for k in range(3):
        for c1 in range(2):
            for c2 in range(3):
                db.q(
                    "INSERT INTO t (k, c1, c2, v) VALUES (?, ?, ?, ?)",
                    k, c1, c2, 100 * k + 10 * c1 + c2,
                )  # fmt: skip
    return db


def test_group_by_partition_key() -> None:
    db = table()
    rows = db.rows("SELECT k, count(*), count(v), min(v), max(v), sum(v), avg(v) FROM t GROUP BY k")
    # partitions in token order: 1, 0, 2
    assert rows == [
        (1, 6, 6, 100, 112, 636, 106),
        (0, 6, 6, 0, 12, 36, 6),
        (2, 6, 6, 200, 212, 1236, 206),
    ]


def test_group_by_clustering_prefix_and_limit() -> None:
    db = table()
    assert db.rows("SELECT k, c1, count(*), sum(v) FROM t GROUP BY k, c1") == [
        (1, 0, 3, 303), (1, 1, 3, 333), (0, 0, 3, 3), (0, 1, 3, 33),
        (2, 0, 3, 603), (2, 1, 3, 633),
    ]  # fmt: skip
    assert db.rows("SELECT k, c1, count(*) FROM t GROUP BY k, c1 LIMIT 3") == [
        (1, 0, 3), (1, 1, 3), (0, 0, 3),
    ]  # fmt: skip
    assert db.rows("SELECT k, c1, max(c2) FROM t WHERE k = 0 GROUP BY k, c1 ORDER BY c1 DESC") == [
        (0, 1, 2), (0, 0, 2),
    ]  # fmt: skip
    # a clustering column restricted by = may be skipped
    assert db.rows("SELECT c2, count(*) FROM t WHERE k = 1 AND c1 = 0 GROUP BY k, c2") == [
        (0, 1), (1, 1), (2, 1),
    ]  # fmt: skip
    # no rows: no groups (not a zero count)
    assert db.rows("SELECT k, count(*) FROM t WHERE k = 7 GROUP BY k") == []
    # without aggregates: the first row of each group
    assert db.rows("SELECT k, c2 FROM t GROUP BY k") == [(1, 0), (0, 0), (2, 0)]


def test_group_by_paging() -> None:
    db = table()
    cql = "SELECT k, c1, count(*) FROM t GROUP BY k, c1"
    assert db.all_rows(cql, page_size=2) == db.rows(cql)
    rs = db.q(cql, page_size=4).result_set
    assert len(rs.rows) == 4 and rs.paging_state.value
    assert db.all_rows(cql + " LIMIT 5", page_size=2) == db.rows(cql)[:5]


def test_group_by_errors() -> None:
    db = table()
    order = (
        "Group by currently only support groups of columns following their declared order "
        "in the PRIMARY KEY"
    )
    assert str(db.err("SELECT count(*) FROM t GROUP BY v")) == (
        "Group by is currently only supported on the columns of the PRIMARY KEY, got v"
    )
    assert str(db.err("SELECT count(*) FROM t GROUP BY k, c2")) == order
    assert str(db.err("SELECT count(*) FROM t GROUP BY c1")) == order
    assert str(db.err("SELECT count(*) FROM t GROUP BY nope")) == (
        "Undefined column name nope in table ks.t"
    )
    assert str(db.err("SELECT DISTINCT k FROM t GROUP BY k, c1")) == (
        "Grouping on clustering columns is not allowed for SELECT DISTINCT queries"
    )
