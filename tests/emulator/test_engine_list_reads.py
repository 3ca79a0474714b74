"""Engine: which state list operations read. As in Cassandra, an operation
that reads a list (`l[i] = v`, `DELETE l[i]`, `l = l - [..]`) sees the row
as it was before the statement plus the statement's own earlier operations
on it; every statement of a batch sees the row as it was before the batch.
(The sequences follow Cassandra's CollectionsTest.)"""

from __future__ import annotations

from test_engine_helpers import Db


def list_db(values: str = "[1, 2, 3, 4]") -> Db:
    db = Db()
    db.q("CREATE TABLE t (pk int PRIMARY KEY, l list<int>)")
    db.q(f"INSERT INTO t (pk, l) VALUES (1, {values})")
    return db


def l_of(db: Db) -> object:
    return db.rows("SELECT l FROM t WHERE pk = 1")[0][0]


def test_operations_of_one_statement_see_each_other() -> None:
    db = list_db()
    db.q("UPDATE t SET l[2] = 7, l[2] = 8 WHERE pk = 1")
    assert l_of(db) == [1, 2, 8, 4]
    db.q("UPDATE t SET l[2] = 9, l[2] = 6 WHERE pk = 1")
    assert l_of(db) == [1, 2, 9, 4]  # one timestamp: the greater value wins
    # the second index refers to the list after the first deletion
    db.q("DELETE l[2], l[2] FROM t WHERE pk = 1")
    assert l_of(db) == [1, 2]
    db.q("UPDATE t SET l = l + [3, 4], l[3] = 7 WHERE pk = 1")
    assert l_of(db) == [1, 2, 3, 7]
    db.q("UPDATE t SET l = l + [6, 8], l[4] = 5 WHERE pk = 1")
    assert l_of(db) == [1, 2, 3, 7, 6, 8]
    err = db.err("UPDATE t SET l[6] = 5, l = l + [9] WHERE pk = 1")
    assert err.message == "List index 6 out of bound, list has size 6"
    db.q("UPDATE t SET l[2] = 8, l = l - [8] WHERE pk = 1")
    assert l_of(db) == [1, 2, 7, 6]
    err = db.err("UPDATE t SET l = l - [6], l[3] = 4 WHERE pk = 1")
    assert err.message == "List index 3 out of bound, list has size 3"
    db.q("UPDATE t SET l[2] = 8, l = l - [1] WHERE pk = 1")
    assert l_of(db) == [2, 8, 6]
    db.q("UPDATE t SET l = l - [2, 6], l[0] = 9 WHERE pk = 1")
    assert l_of(db) == [9]


def test_delete_two_indexes_in_one_statement() -> None:
    db = list_db("[10, 20, 30]")
    db.q("DELETE l[0], l[1] FROM t WHERE pk = 1")
    assert l_of(db) == [20]


def test_map_and_set_operations_of_one_statement() -> None:
    db = Db()
    db.q("CREATE TABLE t (pk int PRIMARY KEY, m map<int, int>, s set<int>)")
    db.q("INSERT INTO t (pk, m, s) VALUES (1, {0: 1, 1: 2, 2: 3, 3: 4}, {0, 1, 2})")
    db.q("DELETE m[2], m[2] FROM t WHERE pk = 1")
    assert db.rows("SELECT m FROM t")[0][0] == [
        0,
        1,
        1,
        2,
        3,
        4,
    ]  # maps come as flat key, value lists
    db.q("UPDATE t SET m = m - {3}, m[3] = 9 WHERE pk = 1")  # the tombstone wins the tie
    db.q("UPDATE t SET m[5] = 9, m = m + {5: 8, 6: 9} WHERE pk = 1")
    assert db.rows("SELECT m FROM t")[0][0] == [0, 1, 1, 2, 5, 9, 6, 9]
    db.q("UPDATE t SET s = s + {3, 4}, s = s - {3} WHERE pk = 1")
    db.q("UPDATE t SET s = s - {5}, s = s + {5, 6} WHERE pk = 1")
    assert db.rows("SELECT s FROM t")[0][0] == [0, 1, 2, 4, 6]


def test_statements_of_a_batch_read_the_state_before_the_batch() -> None:
    db = Db()
    db.q("CREATE TABLE t (k int, c int, l list<int>, sl list<int> static, PRIMARY KEY (k, c))")
    db.q("INSERT INTO t (k, c, l, sl) VALUES (1, 1, [10, 20], [1, 2])")
    db.batch(
        [
            ("DELETE l[1], sl[0] FROM t WHERE k = 1 AND c = 1", []),
            ("UPDATE t SET l[1] = 99, sl[1] = 7 WHERE k = 1 AND c = 1", []),
            ("UPDATE t SET l = l + [30] WHERE k = 1 AND c = 1", []),
            ("UPDATE t SET l = l - [30] WHERE k = 1 AND c = 1", []),
        ]
    )
    assert db.rows("SELECT l, sl FROM t") == [([10, 30], [7])]
    # a statement failing against the pre-batch state: nothing applied, the static list included
    err = db.batch_err(
        [
            ("UPDATE t SET sl = sl + [5] WHERE k = 1", []),
            ("DELETE l[0] FROM t WHERE k = 1 AND c = 1", []),
            ("DELETE sl[1] FROM t WHERE k = 1", []),
        ]
    )
    assert err.message == "List index 1 out of bound, list has size 1"
    assert db.rows("SELECT l, sl FROM t") == [([10, 30], [7])]
    err = db.batch_err([("UPDATE t SET sl[0] = 1 WHERE k = 2", [])])
    assert err.message == "Attempted to set an element on a list which is null"


def test_replayed_list_writes_get_the_same_element_keys() -> None:
    """The engine is deterministic given the requests and clocks: element keys
    drawn while evaluating are the same on a replay (the --data-dir journal)."""
    first, second = list_db(), list_db()
    for db in (first, second):
        db.now = 5_000_000
        db.q("UPDATE t SET l = [5, 6], l = l + [7] WHERE pk = 1")
        db.batch(
            [
                ("UPDATE t SET l = [0] + l WHERE pk = 1", []),
                ("UPDATE t SET l[1] = 1 WHERE pk = 1", []),
            ]
        )
    assert l_of(first) == l_of(second) == [0, 5, 1, 7]  # l[1]: 6, before the batch
    assert first.engine.clock.snapshot() == second.engine.clock.snapshot()


def test_other_collection_operations_read_the_same_view() -> None:
    db = Db()
    db.q("CREATE TABLE t (k int, c int, l list<int>, PRIMARY KEY (k, c))")
    db.q("INSERT INTO t (k, c, l) VALUES (1, 1, [1, 2, 3])")
    db.q("INSERT INTO t (k, c, l) VALUES (1, 2, [4])")
    db.q("UPDATE t SET l = [1, 2], l[0] = 5 WHERE k = 1 AND c = 1")  # the new list's first
    assert db.rows("SELECT l FROM t") == [([5, 2],), ([4],)]
    err = db.err("DELETE l, l[0] FROM t WHERE k = 1 AND c = 1")
    assert err.message == "Attempted to delete an element from a list which is null"
    db.q("UPDATE t SET l = l + [7], l = l - [7] WHERE k = 1 AND c = 1")
    assert db.rows("SELECT l FROM t") == [([5, 2],), ([4],)]
    # each row of a multi-row statement is read on its own
    db.q("UPDATE t SET l = [0] + l, l[0] = 8 WHERE k = 1 AND c IN (1, 2)")
    assert db.rows("SELECT l FROM t") == [([8, 5, 2],), ([8, 4],)]
    err = db.err("UPDATE t SET l[2] = 9 WHERE k = 1 AND c IN (1, 2)")
    assert err.message == "List index 2 out of bound, list has size 2"
    assert db.rows("SELECT l FROM t") == [([8, 5, 2],), ([8, 4],)]  # row 1 untouched too


def test_conditional_batch_reads_lists_before_the_batch() -> None:
    db = Db()
    db.q("CREATE TABLE t (k int, c int, v int, l list<int>, PRIMARY KEY (k, c))")
    db.q("INSERT INTO t (k, c, v, l) VALUES (1, 1, 0, [10, 20])")
    db.batch(
        [
            ("UPDATE t SET v = 1 WHERE k = 1 AND c = 1 IF v = 0", []),
            ("DELETE l[0] FROM t WHERE k = 1 AND c = 1", []),
            ("UPDATE t SET l[1] = 21 WHERE k = 1 AND c = 1", []),
        ]
    )
    assert db.rows("SELECT v, l FROM t") == [(1, [21])]
    err = db.batch_err(
        [
            ("UPDATE t SET v = 2 WHERE k = 1 AND c = 1 IF v = 1", []),
            ("UPDATE t SET l[1] = 5 WHERE k = 1 AND c = 1", []),
        ]
    )
    assert err.message == "List index 1 out of bound, list has size 1"
    assert db.rows("SELECT v, l FROM t") == [(1, [21])]
