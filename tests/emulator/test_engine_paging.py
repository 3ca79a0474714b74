"""Engine: paging -- states only while rows remain, resumption by position
(stable under concurrent inserts / deletes), limits across pages, speed."""

from __future__ import annotations

from test_engine_helpers import Db

from astra_grpc_async._proto.stargate import query_pb2 as pb


def many(n_part: int = 4, n_rows: int = 5) -> Db:
    db = Db()
    db.q("CREATE TABLE t (k int, c int, v text, PRIMARY KEY (k, c))")
    for k in range(n_part):
        for c in range(n_rows):
            db.q("INSERT INTO t (k, c, v) VALUES (?, ?, 'x')", k, c)
    return db


def page(db: Db, cql: str, *values: object, size: int, state: bytes | None = None) -> pb.ResultSet:
    return db.q(cql, *values, page_size=size, state=state).result_set


def test_zero_rows_still_a_result_set_without_state() -> None:
    db = many(0, 0)
    r = db.q("SELECT * FROM t", page_size=10)
    assert r.WhichOneof("result") == "result_set"
    assert not r.result_set.rows
    assert not r.result_set.HasField("paging_state")
    assert [c.name for c in r.result_set.columns] == ["k", "c", "v"]


def test_exactly_one_page_has_no_state() -> None:
    db = many(1, 5)
    rs = page(db, "SELECT * FROM t", size=5)
    assert len(rs.rows) == 5 and not rs.HasField("paging_state")
    rs = page(db, "SELECT * FROM t", size=4)
    assert len(rs.rows) == 4 and rs.paging_state.value
    rs = page(db, "SELECT * FROM t", size=4, state=rs.paging_state.value)
    assert len(rs.rows) == 1 and not rs.HasField("paging_state")


def test_default_page_size_is_100() -> None:
    db = many(3, 40)
    rs = db.q("SELECT * FROM t").result_set
    assert len(rs.rows) == 100 and rs.paging_state.value


def test_pages_cover_everything_in_order() -> None:
    db = many(4, 5)
    everything = db.rows("SELECT k, c FROM t", page_size=1000)
    for size in (1, 2, 3, 7, 19, 20, 21):
        assert db.all_rows("SELECT k, c FROM t", page_size=size) == everything
    assert db.all_rows("SELECT c FROM t WHERE k = 2 ORDER BY c DESC", page_size=2) == [
        (4,), (3,), (2,), (1,), (0,),
    ]  # fmt: skip
    assert db.all_rows("SELECT k, c FROM t WHERE k IN (0, 3) AND c > 2", page_size=1) == [
        r for r in everything if r[0] in (0, 3) and r[1] > 2
    ]


def test_resume_after_concurrent_insert_and_delete() -> None:
    db = many(1, 10)  # k = 0, c = 0..9
    rs = page(db, "SELECT c FROM t WHERE k = 0", size=3)
    assert [r.values[0].int for r in rs.rows] == [0, 1, 2]
    db.q("DELETE FROM t WHERE k = 0 AND c = 2")  # the last returned row
    db.q("DELETE FROM t WHERE k = 0 AND c = 3")  # the next one
    db.q("INSERT INTO t (k, c, v) VALUES (0, 1, 'again')")  # before the position
    db.q("INSERT INTO t (k, c, v) VALUES (0, 4, 'again')")
    rs = page(db, "SELECT c FROM t WHERE k = 0", size=3, state=rs.paging_state.value)
    assert [r.values[0].int for r in rs.rows] == [4, 5, 6]


def test_resume_across_partitions_when_partition_vanishes() -> None:
    db = many(4, 2)
    first = page(db, "SELECT k, c FROM t", size=3)
    order = [r[0] for r in db.rows("SELECT DISTINCT k FROM t")]
    last_k = first.rows[-1].values[0].int
    assert last_k == order[1]
    db.q("DELETE FROM t WHERE k = ?", last_k)  # the partition we stopped in
    rest = page(db, "SELECT k, c FROM t", size=100, state=first.paging_state.value)
    assert [(r.values[0].int, r.values[1].int) for r in rest.rows] == [
        (k, c) for k in order[2:] for c in range(2)
    ]


def test_limit_across_pages() -> None:
    db = many(3, 5)
    rows = db.all_rows("SELECT k, c FROM t LIMIT 7", page_size=3)
    assert rows == db.rows("SELECT k, c FROM t")[:7]
    rs = page(db, "SELECT * FROM t LIMIT 6", size=3)
    rs = page(db, "SELECT * FROM t LIMIT 6", size=3, state=rs.paging_state.value)
    assert len(rs.rows) == 3 and not rs.HasField("paging_state")


def test_per_partition_limit_across_pages() -> None:
    db = many(3, 5)
    rows = db.all_rows("SELECT k, c FROM t PER PARTITION LIMIT 3", page_size=2)
    assert len(rows) == 9
    assert all(c < 3 for _, c in rows)


def test_distinct_and_static_rows_page() -> None:
    db = many(5, 3)
    assert len(db.all_rows("SELECT DISTINCT k FROM t", page_size=2)) == 5


def test_empty_state_means_start() -> None:
    db = many(1, 3)
    rs = page(db, "SELECT * FROM t", size=10, state=b"")
    assert len(rs.rows) == 3


def test_garbage_state_is_invalid() -> None:
    db = many(1, 3)
    e = db.err("SELECT * FROM t", page_size=1, state=b"\x01\x02")
    assert e.code == "INVALID_ARGUMENT"


def test_ten_thousand_row_page() -> None:
    # speed is measured in benchmarks/, never in a timed test (shared, noisy machines)
    db = Db()
    db.q("CREATE TABLE t (k int, c int, v text, w bigint, PRIMARY KEY (k, c))")
    for k in range(100):
        for c in range(100):
            db.q("INSERT INTO t (k, c, v, w) VALUES (?, ?, ?, ?)", k, c, "some text", k * c)
    query = db.query("SELECT * FROM t", page_size=10_000)
    rs = db.engine.execute(query, now_micros=db.now).response.result_set
    assert len(rs.rows) == 10_000 and not rs.HasField("paging_state")
    keys = [(r.values[0].int, r.values[1].int) for r in rs.rows]
    assert len(set(keys)) == 10_000


def test_static_only_partition_pages() -> None:
    db = Db()
    db.q("CREATE TABLE t (k int, c int, s int static, PRIMARY KEY (k, c))")
    db.q("INSERT INTO t (k, s) VALUES (1, 1)")
    db.q("INSERT INTO t (k, c, s) VALUES (2, 1, 2)")
    db.q("INSERT INTO t (k, c) VALUES (2, 2)")
    expected = [(1, None, 1), (2, 1, 2), (2, 2, 2)]
    for size in (1, 2, 4):
        rows = db.all_rows("SELECT * FROM t", page_size=size)
        assert sorted(rows, key=lambda r: (r[0], r[1] or 0)) == expected
