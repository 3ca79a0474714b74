"""Engine: INSERT / UPDATE / DELETE semantics -- last-write-wins timestamps,
row markers, TTL expiry, static columns, range deletions, counters."""

from __future__ import annotations

from test_engine_helpers import START_MICROS, UNSET, Db

from astra_grpc_async._proto.stargate import query_pb2 as pb


def kv_db() -> Db:
    db = Db()
    db.q("CREATE TABLE t (k int PRIMARY KEY, v text, w int)")
    return db


def ck_db() -> Db:
    db = Db()
    db.q("CREATE TABLE t (k int, c int, v text, s text static, PRIMARY KEY (k, c))")
    return db


def test_plain_write_answers_empty_response() -> None:
    db = kv_db()
    out = db.outcome("INSERT INTO t (k, v) VALUES (1, 'a')")
    assert out.response == pb.Response()
    assert out.mutated
    assert db.q("UPDATE t SET v = 'b' WHERE k = 1") == pb.Response()
    assert db.q("DELETE FROM t WHERE k = 1") == pb.Response()


def test_insert_then_select_and_overwrite() -> None:
    db = kv_db()
    db.q("INSERT INTO t (k, v, w) VALUES (?, ?, ?)", 1, "a", 10)
    db.q("INSERT INTO t (k, v) VALUES (1, 'b')")
    assert db.rows("SELECT k, v, w FROM t WHERE k = 1") == [(1, "b", 10)]


def test_insert_null_deletes_and_unset_leaves_untouched() -> None:
    db = kv_db()
    db.q("INSERT INTO t (k, v, w) VALUES (1, 'a', 10)")
    db.q("INSERT INTO t (k, v, w) VALUES (?, ?, ?)", 1, None, UNSET)
    assert db.rows("SELECT v, w FROM t WHERE k = 1") == [(None, 10)]
    db.q("UPDATE t SET w = ? WHERE k = ?", UNSET, 1)
    assert db.rows("SELECT v, w FROM t WHERE k = 1") == [(None, 10)]


def test_row_marker_keeps_insert_only_row_alive() -> None:
    db = kv_db()
    db.q("INSERT INTO t (k) VALUES (1)")
    assert db.rows("SELECT * FROM t") == [(1, None, None)]
    db.q("INSERT INTO t (k, v) VALUES (2, 'x')")
    db.q("DELETE v FROM t WHERE k = 2")
    assert db.rows("SELECT k, v FROM t WHERE k = 2") == [(2, None)]  # marker from INSERT


def test_update_only_row_disappears_when_cells_deleted() -> None:
    db = kv_db()
    db.q("UPDATE t SET v = 'x', w = 1 WHERE k = 3")
    assert db.rows("SELECT k, v FROM t") == [(3, "x")]
    db.q("DELETE v, w FROM t WHERE k = 3")
    assert db.rows("SELECT * FROM t") == []
    db.q("UPDATE t SET v = null WHERE k = 4")  # only a tombstone: no row
    assert db.rows("SELECT * FROM t") == []


def test_last_write_wins_by_timestamp_not_arrival() -> None:
    db = kv_db()
    db.q("INSERT INTO t (k, v) VALUES (1, 'new') USING TIMESTAMP 2000")
    db.q("INSERT INTO t (k, v) VALUES (1, 'old') USING TIMESTAMP 1000")
    assert db.rows("SELECT v, writetime(v) FROM t WHERE k = 1") == [("new", 2000)]
    db.q("UPDATE t USING TIMESTAMP 3000 SET v = 'newer' WHERE k = 1")
    assert db.rows("SELECT v FROM t WHERE k = 1") == [("newer",)]


def test_timestamp_ties_larger_value_wins() -> None:
    db = kv_db()
    db.q("INSERT INTO t (k, v) VALUES (1, 'b') USING TIMESTAMP 5")
    db.q("INSERT INTO t (k, v) VALUES (1, 'a') USING TIMESTAMP 5")
    assert db.rows("SELECT v FROM t WHERE k = 1") == [("b",)]
    db.q("INSERT INTO t (k, v) VALUES (1, 'c') USING TIMESTAMP 5")
    assert db.rows("SELECT v FROM t WHERE k = 1") == [("c",)]


def test_deletion_wins_over_write_with_same_timestamp() -> None:
    db = kv_db()
    db.q("INSERT INTO t (k, v) VALUES (1, 'a') USING TIMESTAMP 10")
    db.q("DELETE FROM t USING TIMESTAMP 10 WHERE k = 1")
    assert db.rows("SELECT * FROM t") == []
    # a write older than the partition tombstone stays dead, a newer one lives
    db.q("INSERT INTO t (k, v) VALUES (1, 'late') USING TIMESTAMP 9")
    assert db.rows("SELECT * FROM t") == []
    db.q("INSERT INTO t (k, v) VALUES (1, 'b') USING TIMESTAMP 11")
    assert db.rows("SELECT v FROM t") == [("b",)]


def test_cell_tombstone_vs_older_write() -> None:
    db = kv_db()
    db.q("INSERT INTO t (k, v, w) VALUES (1, 'a', 1) USING TIMESTAMP 10")
    db.q("DELETE v FROM t USING TIMESTAMP 20 WHERE k = 1")
    db.q("UPDATE t USING TIMESTAMP 15 SET v = 'stale' WHERE k = 1")
    assert db.rows("SELECT v, w FROM t WHERE k = 1") == [(None, 1)]


def test_default_timestamp_is_coordinator_clock_and_parameter() -> None:
    db = kv_db()
    db.q("INSERT INTO t (k, v) VALUES (1, 'a')", at=START_MICROS + 5_000_000)
    assert db.rows("SELECT writetime(v) FROM t") == [(START_MICROS + 5_000_000,)]
    db.q("INSERT INTO t (k, v) VALUES (2, 'a')", timestamp=42)
    assert db.rows("SELECT writetime(v) FROM t WHERE k = 2") == [(42,)]


def test_same_clock_twice_still_orders_writes() -> None:
    db = kv_db()
    db.q("INSERT INTO t (k, v) VALUES (1, 'a')", at=START_MICROS)
    db.q("INSERT INTO t (k, v) VALUES (1, 'A')", at=START_MICROS)  # same µs: later still wins
    assert db.rows("SELECT v FROM t") == [("A",)]


def test_ttl_expiry_uses_coordinator_clock() -> None:
    db = kv_db()
    t0 = START_MICROS
    db.q("INSERT INTO t (k, v, w) VALUES (1, 'a', 5) USING TTL 10", at=t0)
    assert db.rows("SELECT v, ttl(v) FROM t", at=t0 + 3_000_000) == [("a", 7)]
    assert db.rows("SELECT * FROM t", at=t0 + 9_999_999) == [(1, "a", 5)]
    assert db.rows("SELECT * FROM t", at=t0 + 10_000_000) == []  # marker expired too
    # now_in_seconds overrides "now"
    assert db.rows("SELECT v FROM t", at=t0 + 20_000_000, now_in_seconds=t0 // 1_000_000) == [
        ("a",)
    ]


def test_ttl_on_update_only_expires_the_cell() -> None:
    db = kv_db()
    t0 = START_MICROS
    db.q("INSERT INTO t (k, v, w) VALUES (1, 'a', 5)", at=t0)
    db.q("UPDATE t USING TTL 2 SET v = 'tmp' WHERE k = 1", at=t0 + 1)
    assert db.rows("SELECT v, w FROM t", at=t0 + 1_000_000) == [("tmp", 5)]
    assert db.rows("SELECT v, w FROM t", at=t0 + 3_000_000) == [(None, 5)]


def test_table_default_ttl() -> None:
    db = Db()
    db.q("CREATE TABLE t (k int PRIMARY KEY, v int) WITH default_time_to_live = 5")
    db.q("INSERT INTO t (k, v) VALUES (1, 1)", at=START_MICROS)
    assert db.rows("SELECT ttl(v) FROM t", at=START_MICROS) == [(5,)]
    assert db.rows("SELECT * FROM t", at=START_MICROS + 5_000_000) == []
    db.q("INSERT INTO t (k, v) VALUES (2, 2) USING TTL 0", at=START_MICROS)
    assert db.rows("SELECT ttl(v) FROM t", at=START_MICROS + 6_000_000) == [(None,)]


def test_ttl_validation() -> None:
    db = kv_db()
    assert db.err("INSERT INTO t (k) VALUES (1) USING TTL ?", -1).message == (
        "A TTL must be greater or equal to 0, but was -1"
    )
    assert db.err("INSERT INTO t (k) VALUES (1) USING TTL 630720001").message == (
        "ttl is too large. requested (630720001) maximum (630720000)"
    )


def test_key_validation_errors() -> None:
    db = ck_db()
    assert db.err("INSERT INTO t (c, v) VALUES (1, 'a')").message == (
        "Some partition key parts are missing: k"
    )
    assert db.err("INSERT INTO t (k, v) VALUES (1, 'a')").message == (
        "Some clustering keys are missing: c"
    )
    assert db.err("INSERT INTO t (k, c) VALUES (?, 1)", None).message == (
        "Invalid null value in condition for column k"
    )
    assert db.err("INSERT INTO t (k, c) VALUES (?, 1)", UNSET).message == (
        "Invalid unset value for column k"
    )
    assert db.err("UPDATE t SET v = 'a' WHERE k = 1").message == (
        "Some clustering keys are missing: c"
    )
    assert db.err("UPDATE t SET k = 2 WHERE k = 1 AND c = 1").message == (
        "PRIMARY KEY part k found in SET part"
    )
    assert db.err("UPDATE t SET v = 'a' WHERE k = 1 AND c = 1 AND v = 'x'").message == (
        "Non PRIMARY KEY columns found in where clause: v"
    )
    db.q("CREATE TABLE s (k text PRIMARY KEY, v int)")
    assert db.err("INSERT INTO s (k, v) VALUES ('', 1)").message == "Key may not be empty"


def test_static_columns_are_per_partition() -> None:
    db = ck_db()
    db.q("INSERT INTO t (k, c, v, s) VALUES (1, 1, 'a', 'S1')")
    db.q("INSERT INTO t (k, c, v) VALUES (1, 2, 'b')")
    assert db.rows("SELECT k, c, v, s FROM t WHERE k = 1") == [(1, 1, "a", "S1"), (1, 2, "b", "S1")]
    db.q("UPDATE t SET s = 'S2' WHERE k = 1")  # static-only update needs only the partition key
    assert db.rows("SELECT s FROM t WHERE k = 1") == [("S2",), ("S2",)]
    db.q("INSERT INTO t (k, s) VALUES (2, 'only-static')")
    assert db.rows("SELECT * FROM t WHERE k = 2") == [(2, None, "only-static", None)]
    assert db.rows("SELECT k, c, v FROM t WHERE k = 2") == []  # no static column selected
    assert db.rows("SELECT * FROM t WHERE k = 2 AND c = 1") == []  # clustering restricted
    db.q("DELETE s FROM t WHERE k = 1")
    assert db.rows("SELECT c, s FROM t WHERE k = 1") == [(1, None), (2, None)]


def test_delete_row_range_and_partition() -> None:
    db = ck_db()
    for c in range(6):
        db.q("INSERT INTO t (k, c, v) VALUES (1, ?, 'x')", c)
    db.q("DELETE FROM t WHERE k = 1 AND c = 0")
    db.q("DELETE FROM t WHERE k = 1 AND c > 1 AND c <= 3")
    assert [r[0] for r in db.rows("SELECT c FROM t WHERE k = 1")] == [1, 4, 5]
    # the range tombstone also shadows an older write arriving later
    db.q("INSERT INTO t (k, c, v) VALUES (1, 2, 'old') USING TIMESTAMP 1")
    assert [r[0] for r in db.rows("SELECT c FROM t WHERE k = 1")] == [1, 4, 5]
    db.q("INSERT INTO t (k, c, v) VALUES (1, 2, 'new')")
    assert [r[0] for r in db.rows("SELECT c FROM t WHERE k = 1")] == [1, 2, 4, 5]
    db.q("DELETE FROM t WHERE k = 1 AND c >= 4")
    assert [r[0] for r in db.rows("SELECT c FROM t WHERE k = 1")] == [1, 2]
    db.q("DELETE FROM t WHERE k = 1")
    assert db.rows("SELECT * FROM t") == []


def test_delete_with_in_and_prefix() -> None:
    db = Db()
    db.q("CREATE TABLE t (k int, a int, b int, v int, PRIMARY KEY (k, a, b))")
    for a in range(3):
        for b in range(2):
            db.q("INSERT INTO t (k, a, b, v) VALUES (?, ?, ?, 0)", 1, a, b)
            db.q("INSERT INTO t (k, a, b, v) VALUES (?, ?, ?, 0)", 2, a, b)
    db.q("DELETE FROM t WHERE k IN (1, 2) AND a = 1")
    assert sorted({(r[0], r[1]) for r in db.rows("SELECT k, a FROM t")}) == [
        (1, 0), (1, 2), (2, 0), (2, 2),
    ]  # fmt: skip
    assert db.err("DELETE v FROM t WHERE k = 1 AND a = 0").message == (
        "DELETE statements must restrict all PRIMARY KEY columns with equality relations in "
        "order to delete non static columns"
    )
    assert db.err("DELETE v FROM t WHERE k = 1 AND a > 0").message == (
        "Range deletions are not supported for specific columns"
    )


def test_update_with_in_on_partition_and_clustering() -> None:
    db = ck_db()
    db.q("UPDATE t SET v = 'x' WHERE k IN (1, 2) AND c IN (5, 6)")
    assert sorted(db.rows("SELECT k, c, v FROM t")) == [
        (1, 5, "x"), (1, 6, "x"), (2, 5, "x"), (2, 6, "x"),
    ]  # fmt: skip


def test_counters() -> None:
    db = Db()
    db.q("CREATE TABLE c (k int PRIMARY KEY, n counter, m counter)")
    db.q("UPDATE c SET n = n + 5 WHERE k = 1")
    db.q("UPDATE c SET n = n + ?, m = m - 2 WHERE k = 1", 3)
    db.q("UPDATE c SET n = n - 1 WHERE k = 1")
    assert db.rows("SELECT n, m FROM c WHERE k = 1") == [(7, -2)]
    cols = db.q("SELECT n FROM c").result_set.columns
    assert cols[0].type.basic == pb.TypeSpec.COUNTER
    assert db.err("UPDATE c SET n = 1 WHERE k = 1").message == (
        "Cannot set the value of counter column n (counters can only be "
        "incremented/decremented, not set)"
    )
    assert db.err("INSERT INTO c (k, n) VALUES (1, 1)").message == (
        "INSERT statements are not allowed on counter tables, use UPDATE instead"
    )
    db.q("CREATE TABLE p (k int PRIMARY KEY, v int)")
    assert db.err("UPDATE p SET v = v + 1 WHERE k = 1").message == (
        "Invalid operation (v = v + ?) for non counter column v"
    )
    db.q("DELETE FROM c WHERE k = 1")
    assert db.rows("SELECT * FROM c") == []


def test_functions_in_values_are_deterministic() -> None:
    db = Db()
    db.q("CREATE TABLE t (k int PRIMARY KEY, id timeuuid, u uuid, ts timestamp, d date)")
    db.q(
        "INSERT INTO t (k, id, u, ts, d) VALUES (1, now(), uuid(), toTimestamp(now()), "
        "currentDate())",
        at=START_MICROS,
    )
    (row,) = db.rows("SELECT id, u, ts, d, toUnixTimestamp(id) FROM t")
    assert row[0].version == 1 and row[1].version == 4
    assert row[2] == START_MICROS // 1000
    assert row[3] == 2**31 + START_MICROS // 86_400_000_000
    assert row[4] == START_MICROS // 1000
    other = Db()
    other.q("CREATE TABLE t (k int PRIMARY KEY, id timeuuid, u uuid, ts timestamp, d date)")
    other.q(
        "INSERT INTO t (k, id, u, ts, d) VALUES (1, now(), uuid(), toTimestamp(now()), "
        "currentDate())",
        at=START_MICROS,
    )
    assert other.rows("SELECT id, u FROM t") == [row[:2]]  # replay gives the same state


def test_replaying_only_mutations_rebuilds_identical_state() -> None:
    """The servicer persists mutating calls (Outcome.mutated) with their
    now_micros and replays them on restart: reads, failures and no-op calls
    in between must not shift timestamps or generated ids."""
    first = Db()
    log: list[tuple[str, int]] = []

    def run(db: Db, cql: str, at: int) -> None:
        out = db.engine.execute(db.query(cql), now_micros=at)
        if out.mutated:
            log.append((cql, at))

    ddl = "CREATE TABLE t (k int PRIMARY KEY, id timeuuid, l list<int>)"
    run(first, ddl, START_MICROS)
    run(first, "INSERT INTO t (k, id, l) VALUES (1, now(), [1])", START_MICROS + 1)
    run(first, "SELECT now(), uuid() FROM t", START_MICROS + 2)
    first.q("SELECT * FROM t", tracing=True)
    run(first, "INSERT INTO t (k) VALUES (1) IF NOT EXISTS", START_MICROS + 3)  # not applied
    run(first, "CREATE TABLE IF NOT EXISTS t (k int PRIMARY KEY)", START_MICROS + 4)
    run(first, "INSERT INTO t (k, id, l) VALUES (2, now(), [2])", START_MICROS + 4)
    run(first, "UPDATE t SET l = l + [3] WHERE k = 1", START_MICROS + 4)  # same µs again
    replay = Db()
    for cql, at in log:
        assert replay.engine.execute(replay.query(cql), now_micros=at).mutated
    query = "SELECT k, id, l, writetime(id) FROM t"
    assert replay.rows(query) == first.rows(query)
    assert len(first.rows(query)) == 2
