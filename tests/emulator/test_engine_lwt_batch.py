"""Engine: lightweight transactions and batches (gRPC ExecuteBatch and CQL
BEGIN BATCH ... APPLY BATCH)."""

from __future__ import annotations

from test_engine_helpers import Db, py

from astra_grpc_async._proto.stargate import query_pb2 as pb


def lwt_db() -> Db:
    db = Db()
    db.q("CREATE TABLE t (k int, c int, v text, n int, s text static, PRIMARY KEY (k, c))")
    return db


def cas(db: Db, cql: str, *values: object) -> tuple[list[str], list[tuple[object, ...]]]:
    out = db.outcome(cql, *values)
    rs = out.response.result_set
    assert out.response.WhichOneof("result") == "result_set"
    assert rs.columns[0].name == "[applied]"
    assert rs.columns[0].type.basic == pb.TypeSpec.BOOLEAN
    applied = rs.rows[0].values[0].boolean
    assert out.mutated == applied
    return [c.name for c in rs.columns], [tuple(py(v) for v in r.values) for r in rs.rows]


def test_insert_if_not_exists() -> None:
    db = lwt_db()
    assert cas(db, "INSERT INTO t (k, c, v) VALUES (1, 1, 'a') IF NOT EXISTS") == (
        ["[applied]"], [(True,)],
    )  # fmt: skip
    cols, rows = cas(db, "INSERT INTO t (k, c, v) VALUES (1, 1, 'b') IF NOT EXISTS")
    assert cols == ["[applied]", "k", "c", "s", "n", "v"]
    assert rows == [(False, 1, 1, None, None, "a")]
    assert db.rows("SELECT v FROM t") == [("a",)]


def test_update_if_exists_and_conditions() -> None:
    db = lwt_db()
    assert cas(db, "UPDATE t SET v = 'x' WHERE k = 1 AND c = 1 IF EXISTS") == (
        ["[applied]"], [(False,)],
    )  # fmt: skip
    assert db.rows("SELECT * FROM t") == []
    db.q("INSERT INTO t (k, c, v, n) VALUES (1, 1, 'a', 5)")
    assert cas(db, "UPDATE t SET v = 'b' WHERE k = 1 AND c = 1 IF EXISTS")[1] == [(True,)]
    cols, rows = cas(db, "UPDATE t SET v = 'c' WHERE k = 1 AND c = 1 IF v = 'zzz' AND n > 1")
    assert cols == ["[applied]", "v", "n"]
    assert rows == [(False, "b", 5)]
    assert cas(db, "UPDATE t SET v = 'c' WHERE k = 1 AND c = 1 IF v = ? AND n > 1", "b")[1] == [
        (True,)
    ]
    assert cas(db, "UPDATE t SET v = 'd' WHERE k = 1 AND c = 1 IF n IN (1, 5)")[1] == [(True,)]
    assert cas(db, "UPDATE t SET v = 'e' WHERE k = 1 AND c = 1 IF n != 5")[1][0][0] is False
    assert db.rows("SELECT v FROM t") == [("d",)]
    # a condition on a missing row: null compares equal to null
    assert cas(db, "UPDATE t SET v = 'new' WHERE k = 2 AND c = 2 IF v = null")[1] == [(True,)]


def test_delete_if_exists_and_condition() -> None:
    db = lwt_db()
    db.q("INSERT INTO t (k, c, v) VALUES (1, 1, 'a')")
    assert cas(db, "DELETE FROM t WHERE k = 1 AND c = 1 IF v = 'b'")[1] == [(False, "a")]
    assert cas(db, "DELETE FROM t WHERE k = 1 AND c = 1 IF EXISTS")[1] == [(True,)]
    assert db.rows("SELECT * FROM t") == []
    assert cas(db, "DELETE FROM t WHERE k = 1 AND c = 1 IF EXISTS")[1] == [(False,)]


def test_lwt_restrictions() -> None:
    db = lwt_db()
    assert db.err("INSERT INTO t (k, c) VALUES (1, 1) IF NOT EXISTS USING TIMESTAMP 5").message == (
        "Cannot provide custom timestamp for conditional updates"
    )
    db.q("CREATE TABLE cnt (k int PRIMARY KEY, n counter)")
    assert db.err("UPDATE cnt SET n = n + 1 WHERE k = 1 IF EXISTS").message == (
        "Conditional updates are not supported on counter tables"
    )


def test_logged_batch_is_atomic_with_one_timestamp() -> None:
    db = lwt_db()
    r = db.batch(
        [
            ("INSERT INTO t (k, c, v) VALUES (?, ?, ?)", [1, 1, "a"]),
            ("INSERT INTO t (k, c, v) VALUES (?, ?, ?)", [2, 1, "b"]),
            ("UPDATE t SET n = ? WHERE k = ? AND c = ?", [9, 1, 1]),
        ]
    )
    assert r == pb.Response()
    rows = db.rows("SELECT k, v, n, writetime(v) FROM t")
    assert sorted(r[:3] for r in rows) == [(1, "a", 9), (2, "b", None)]
    assert len({r[3] for r in rows}) == 1  # one timestamp for the whole batch
    # a bad statement anywhere: nothing applies
    e = db.batch_err(
        [
            ("INSERT INTO t (k, c, v) VALUES (?, ?, ?)", [3, 1, "c"]),
            ("INSERT INTO t (k, c, n) VALUES (?, ?, ?)", [3, 2, "not an int"]),
        ]
    )
    assert e.message == "Invalid argument at position 3: Expected integer type"
    assert db.rows("SELECT k FROM t WHERE k = 3") == []


def test_batch_timestamp_parameter() -> None:
    db = lwt_db()
    db.batch([("INSERT INTO t (k, c, v) VALUES (1, 1, 'a')", [])], timestamp=1234)
    assert db.rows("SELECT writetime(v) FROM t") == [(1234,)]


def test_counter_batch_rules() -> None:
    db = lwt_db()
    db.q("CREATE TABLE cnt (k int PRIMARY KEY, n counter)")
    db.batch(
        [
            ("UPDATE cnt SET n = n + 2 WHERE k = 1", []),
            ("UPDATE cnt SET n = n + 3 WHERE k = 1", []),
        ],
        type=pb.Batch.COUNTER,
    )
    assert db.rows("SELECT n FROM cnt") == [(5,)]
    e = db.batch_err([("INSERT INTO t (k, c) VALUES (1, 1)", [])], type=pb.Batch.COUNTER)
    assert e.message == "Cannot include non-counter statement in a counter batch"
    e = db.batch_err([("UPDATE cnt SET n = n + 1 WHERE k = 1", [])])
    assert e.message == "Cannot include a counter statement in a logged batch"
    e = db.batch_err(
        [("UPDATE cnt SET n = n + 1 WHERE k = 1", []), ("INSERT INTO t (k, c) VALUES (1, 1)", [])],
        type=pb.Batch.UNLOGGED,
    )
    assert e.message == "Counter and non-counter mutations cannot exist in the same batch"
    db.batch([("UPDATE cnt SET n = n + 1 WHERE k = 1", [])], type=pb.Batch.UNLOGGED)
    assert db.rows("SELECT n FROM cnt") == [(6,)]


def test_conditional_batch() -> None:
    db = lwt_db()
    db.q("INSERT INTO t (k, c, v) VALUES (1, 1, 'a')")
    r = db.batch(
        [
            ("UPDATE t SET v = 'b' WHERE k = 1 AND c = 1 IF v = 'a'", []),
            ("INSERT INTO t (k, c, v) VALUES (1, 2, 'new')", []),
        ]
    )
    rs = r.result_set
    assert [c.name for c in rs.columns] == ["[applied]"]
    assert rs.rows[0].values[0].boolean is True
    assert db.rows("SELECT c, v FROM t WHERE k = 1") == [(1, "b"), (2, "new")]
    r = db.batch(
        [
            ("UPDATE t SET v = 'c' WHERE k = 1 AND c = 1 IF v = 'a'", []),
            ("INSERT INTO t (k, c, v) VALUES (1, 3, 'never')", []),
        ]
    )
    rs = r.result_set
    assert [c.name for c in rs.columns] == ["[applied]", "k", "c", "v"]
    assert [py(v) for v in rs.rows[0].values] == [False, 1, 1, "b"]
    assert db.rows("SELECT c FROM t WHERE k = 1") == [(1,), (2,)]
    e = db.batch_err(
        [
            ("UPDATE t SET v = 'c' WHERE k = 1 AND c = 1 IF v = 'b'", []),
            ("INSERT INTO t (k, c, v) VALUES (2, 1, 'x')", []),
        ]
    )
    assert e.message == "Batch with conditions cannot span multiple partitions"


def test_cql_batch_statement() -> None:
    db = lwt_db()
    r = db.q(
        "BEGIN BATCH USING TIMESTAMP 99 "
        "INSERT INTO t (k, c, v) VALUES (?, 1, 'a'); "
        "UPDATE t SET v = ? WHERE k = 2 AND c = 2; "
        "APPLY BATCH",
        1,
        "b",
    )
    assert r == pb.Response()
    assert sorted(db.rows("SELECT k, v, writetime(v) FROM t")) == [(1, "a", 99), (2, "b", 99)]
    r = db.q(
        "BEGIN BATCH INSERT INTO t (k, c, v) VALUES (5, 1, 'x') IF NOT EXISTS; "
        "INSERT INTO t (k, c, v) VALUES (5, 2, 'y'); APPLY BATCH"
    )
    assert r.result_set.rows[0].values[0].boolean is True
    e = db.err("BEGIN COUNTER BATCH INSERT INTO t (k, c) VALUES (1, 1); APPLY BATCH")
    assert e.message == "Cannot include non-counter statement in a counter batch"


def test_select_in_grpc_batch_is_refused() -> None:
    db = lwt_db()
    e = db.batch_err([("SELECT * FROM t", [])])
    assert e.message == (
        "Invalid statement in batch: only UPDATE, INSERT and DELETE statements are allowed."
    )


def test_conditional_restrictions_on_where() -> None:
    db = lwt_db()
    assert db.err("UPDATE t SET v = 'x' WHERE k IN (1, 2) AND c = 1 IF EXISTS").message == (
        "IN on the partition key is not supported with conditional updates"
    )
    assert db.err("DELETE FROM t WHERE k = 1 AND c IN (1, 2) IF v = 'a'").message == (
        "IN on the clustering key columns is not supported with conditional updates"
    )
    db.q("CREATE TABLE cnt (k int PRIMARY KEY, n counter)")
    assert db.err("UPDATE cnt USING TIMESTAMP 5 SET n = n + 1 WHERE k = 1").message == (
        "Cannot provide custom timestamp for counter updates"
    )


def test_condition_on_collection_element_and_static() -> None:
    db = Db()
    db.q("CREATE TABLE t (k int, c int, m map<text, int>, s int static, PRIMARY KEY (k, c))")
    db.q("INSERT INTO t (k, c, m, s) VALUES (1, 1, {'a': 1}, 10)")
    assert cas(db, "UPDATE t SET m['a'] = 2 WHERE k = 1 AND c = 1 IF m['a'] = 1")[1] == [(True,)]
    assert cas(db, "UPDATE t SET m['a'] = 3 WHERE k = 1 AND c = 1 IF m['a'] = 1")[1] == [
        (False, ["a", 2]),
    ]  # fmt: skip
    assert cas(db, "UPDATE t SET s = 11 WHERE k = 1 IF s = 10")[1] == [(True,)]
    assert db.rows("SELECT s, m FROM t") == [(11, ["a", 2])]
