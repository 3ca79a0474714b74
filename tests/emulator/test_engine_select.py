"""Engine: SELECT -- ring order, clustering order, restrictions, filtering,
ORDER BY, LIMIT / PER PARTITION LIMIT, DISTINCT, aggregates, functions."""

from __future__ import annotations

from test_engine_helpers import Db

from astra_grpc_async._proto.stargate import query_pb2 as pb
from astra_grpc_async.emulator.engine.tokens import murmur3_token

FILTERING = (
    "Cannot execute this query as it might involve data filtering and thus may have "
    "unpredictable performance. If you want to execute this query despite the performance "
    "unpredictability, use ALLOW FILTERING"
)


def grid() -> Db:
    """t(k, c, v): k in 0..4, c in 0..4, v = 10k + c."""
    db = Db()
    db.q("CREATE TABLE t (k int, c int, v int, s int static, PRIMARY KEY (k, c))")
    for k in range(5):
        for c in range(5):
            db.q("INSERT INTO t (k, c, v) VALUES (?, ?, ?)", k, c, 10 * k + c)
    return db


def test_partitions_come_in_token_order() -> None:
    db = grid()
    ks = [r[0] for r in db.rows("SELECT DISTINCT k FROM t")]
    tokens = [murmur3_token(k.to_bytes(4, "big", signed=True)) for k in ks]
    assert tokens == sorted(tokens)
    assert ks[:3] == [1, 0, 2] or sorted(ks) == list(range(5))
    assert db.rows("SELECT token(k) FROM t WHERE k = 1 AND c = 0") == [(-4069959284402364209,)]


def test_known_cassandra_tokens() -> None:
    # values Cassandra's Murmur3Partitioner gives for int partition keys
    assert murmur3_token((0).to_bytes(4, "big")) == -3485513579396041028
    assert murmur3_token((1).to_bytes(4, "big")) == -4069959284402364209
    assert murmur3_token((2).to_bytes(4, "big")) == -3248873570005575792


def test_composite_partition_key() -> None:
    db = Db()
    db.q("CREATE TABLE t (a int, b text, v int, PRIMARY KEY ((a, b)))")
    db.q("INSERT INTO t (a, b, v) VALUES (1, 'x', 1)")
    db.q("INSERT INTO t (a, b, v) VALUES (1, 'y', 2)")
    assert db.rows("SELECT v FROM t WHERE a = 1 AND b = 'y'") == [(2,)]
    assert db.err("SELECT v FROM t WHERE a = 1").message == FILTERING
    assert db.rows("SELECT v FROM t WHERE a = 1 ALLOW FILTERING") in ([(1,), (2,)], [(2,), (1,)])
    # composite key serialization: 2-byte length, bytes, 0x00 per component
    key = b"\x00\x04\x00\x00\x00\x01\x00" + b"\x00\x01x\x00"
    assert db.rows("SELECT token(a, b) FROM t WHERE a = 1 AND b = 'x'") == [(murmur3_token(key),)]


def test_clustering_order_and_slices() -> None:
    db = grid()
    assert [r[0] for r in db.rows("SELECT c FROM t WHERE k = 1")] == [0, 1, 2, 3, 4]
    assert [r[0] for r in db.rows("SELECT c FROM t WHERE k = 1 AND c > 1 AND c <= 3")] == [2, 3]
    assert [r[0] for r in db.rows("SELECT c FROM t WHERE k = 1 AND c >= 3")] == [3, 4]
    assert [r[0] for r in db.rows("SELECT c FROM t WHERE k = 1 AND c < 2")] == [0, 1]
    assert [r[0] for r in db.rows("SELECT c FROM t WHERE k = 1 AND c IN (4, 0, 2)")] == [0, 2, 4]
    assert db.rows("SELECT c FROM t WHERE k = 1 AND c > 3 AND c < 2") == []


def test_descending_clustering_order() -> None:
    db = Db()
    db.q(
        "CREATE TABLE t (k int, a int, b text, PRIMARY KEY (k, a, b)) "
        "WITH CLUSTERING ORDER BY (a DESC, b ASC)"
    )
    for a in range(3):
        for b in "xy":
            db.q("INSERT INTO t (k, a, b) VALUES (0, ?, ?)", a, b)
    rows = db.rows("SELECT a, b FROM t WHERE k = 0")
    assert rows == [(2, "x"), (2, "y"), (1, "x"), (1, "y"), (0, "x"), (0, "y")]
    assert db.rows("SELECT a, b FROM t WHERE k = 0 AND a > 0 AND a < 2") == [(1, "x"), (1, "y")]
    assert db.rows("SELECT a FROM t WHERE k = 0 AND a >= 1 AND b > 'x' ALLOW FILTERING") == [
        (2,), (1,),
    ]  # fmt: skip
    rev = db.rows("SELECT a, b FROM t WHERE k = 0 ORDER BY a ASC, b DESC")
    assert rev == list(reversed(rows))


def test_multi_column_slices() -> None:
    db = Db()
    db.q("CREATE TABLE t (k int, a int, b int, PRIMARY KEY (k, a, b))")
    for a in range(3):
        for b in range(3):
            db.q("INSERT INTO t (k, a, b) VALUES (0, ?, ?)", a, b)
    assert db.rows("SELECT a, b FROM t WHERE k = 0 AND (a, b) > (1, 1) AND (a, b) <= (2, 1)") == [
        (1, 2), (2, 0), (2, 1),
    ]  # fmt: skip
    assert db.rows("SELECT a, b FROM t WHERE k = 0 AND (a, b) IN ((0, 1), (2, 2))") == [
        (0, 1), (2, 2),
    ]  # fmt: skip
    assert db.rows("SELECT a, b FROM t WHERE k = 0 AND a = 1 AND b IN (2, 0)") == [(1, 0), (1, 2)]


def test_order_by() -> None:
    db = grid()
    assert [r[0] for r in db.rows("SELECT c FROM t WHERE k = 2 ORDER BY c DESC")] == [4, 3, 2, 1, 0]
    assert [r[0] for r in db.rows("SELECT c FROM t WHERE k = 2 ORDER BY c DESC LIMIT 2")] == [4, 3]
    assert db.err("SELECT c FROM t ORDER BY c DESC").message == (
        "ORDER BY is only supported when the partition key is restricted by an EQ or an IN."
    )
    assert db.err("SELECT c FROM t WHERE k = 1 ORDER BY v").message == (
        "Order by is currently only supported on the clustered columns of the PRIMARY KEY, got v"
    )
    # IN + ORDER BY sorts across partitions when not paging (LIMIT within the page)
    rows = db.rows("SELECT k, c FROM t WHERE k IN (1, 2) ORDER BY c DESC LIMIT 4")
    assert rows in ([(1, 4), (2, 4), (1, 3), (2, 3)], [(2, 4), (1, 4), (2, 3), (1, 3)])
    assert db.err("SELECT k, c FROM t WHERE k IN (1, 2) ORDER BY c DESC").message == (
        "Cannot page queries with both ORDER BY and a IN restriction on the partition key; you "
        "must either remove the ORDER BY or the IN and sort client side, or disable paging for "
        "this query"
    )


def test_partition_in_and_token_ranges() -> None:
    db = grid()
    rows = db.rows("SELECT k FROM t WHERE k IN (3, 1, 3) AND c = 0")
    assert rows == [(1,), (3,)]  # ring order, duplicates collapsed
    all_k = [r[0] for r in db.rows("SELECT DISTINCT k FROM t")]
    t2 = murmur3_token((2).to_bytes(4, "big"))
    after = db.rows("SELECT DISTINCT k FROM t WHERE token(k) > ?", t2)
    assert [r[0] for r in after] == all_k[all_k.index(2) + 1 :]
    upto = db.rows("SELECT DISTINCT k FROM t WHERE token(k) <= ?", t2)
    assert [r[0] for r in upto] == all_k[: all_k.index(2) + 1]
    assert db.rows("SELECT k FROM t WHERE k IN ? AND c = 1", [4, 0]) in ([(0,), (4,)], [(4,), (0,)])


def test_filtering_rules_and_messages() -> None:
    db = grid()
    assert db.err("SELECT * FROM t WHERE v = 3").message == FILTERING
    assert db.err("SELECT * FROM t WHERE c = 3").message == FILTERING
    assert db.rows("SELECT k, c FROM t WHERE v = 23 ALLOW FILTERING") == [(2, 3)]
    assert sorted(db.rows("SELECT v FROM t WHERE c = 4 AND v > 20 ALLOW FILTERING")) == [
        (24,), (34,), (44,),
    ]  # fmt: skip
    assert db.rows("SELECT v FROM t WHERE k = 3 AND v IN (31, 33) ALLOW FILTERING") == [
        (31,), (33,),
    ]  # fmt: skip
    db2 = Db()
    db2.q("CREATE TABLE u (k int, a int, b int, PRIMARY KEY (k, a, b))")
    assert db2.err("SELECT * FROM u WHERE k = 1 AND b = 1").message == (
        'PRIMARY KEY column "b" cannot be restricted as preceding column "a" is not restricted'
    )
    assert db2.err("SELECT * FROM u WHERE k = 1 AND a > 1 AND b = 1").message == (
        'Clustering column "b" cannot be restricted (preceding column "a" is restricted by a '
        "non-EQ relation)"
    )
    db2.q("INSERT INTO u (k, a, b) VALUES (1, 1, 1)")
    assert db2.rows("SELECT * FROM u WHERE k = 1 AND b = 1 ALLOW FILTERING") == [(1, 1, 1)]
    # a full scan needs no ALLOW FILTERING
    assert len(db.rows("SELECT * FROM t")) == 25


def test_limits() -> None:
    db = grid()
    assert len(db.rows("SELECT * FROM t LIMIT 7")) == 7
    rows = db.rows("SELECT k, c FROM t PER PARTITION LIMIT 2")
    assert len(rows) == 10 and all(c < 2 for _, c in rows)
    rows = db.rows("SELECT k, c FROM t PER PARTITION LIMIT 1 LIMIT 3")
    assert len(rows) == 3 and len({k for k, _ in rows}) == 3
    assert db.rows("SELECT c FROM t WHERE k = 0 LIMIT ?", 2) == [(0,), (1,)]
    assert db.err("SELECT * FROM t LIMIT 0").message == "LIMIT must be strictly positive"
    assert db.err("SELECT * FROM t PER PARTITION LIMIT ?", -1).message == (
        "PER PARTITION LIMIT must be strictly positive"
    )


def test_distinct() -> None:
    db = grid()
    db.q("UPDATE t SET s = 7 WHERE k = 9")  # static-only partition
    rows = db.rows("SELECT DISTINCT k, s FROM t")
    assert sorted(rows) == [(0, None), (1, None), (2, None), (3, None), (4, None), (9, 7)]
    assert db.err("SELECT DISTINCT k, v FROM t").message == (
        "SELECT DISTINCT queries must only request partition key columns and/or static "
        "columns (not v)"
    )


def test_count_and_aggregates() -> None:
    db = grid()
    r = db.q("SELECT COUNT(*) FROM t")
    assert [c.name for c in r.result_set.columns] == ["count"]
    assert r.result_set.columns[0].type.basic == pb.TypeSpec.BIGINT
    assert [v.int for v in r.result_set.rows[0].values] == [25]
    assert not r.result_set.HasField("paging_state")
    assert db.rows("SELECT COUNT(*) FROM t WHERE k = 3") == [(5,)]
    assert db.rows("SELECT COUNT(*) FROM t WHERE k = 99") == [(0,)]
    assert db.rows("SELECT count(*) FROM t", page_size=3) == [(25,)]
    assert db.rows("SELECT min(v), max(v), sum(v), avg(v), count(v) FROM t WHERE k = 1") == [
        (10, 14, 60, 12, 5),
    ]  # fmt: skip


def test_selectors_aliases_writetime_ttl() -> None:
    db = grid()
    db.q("UPDATE t USING TTL 100 AND TIMESTAMP 77 SET v = 1 WHERE k = 7 AND c = 0")
    r = db.q("SELECT c AS cc, v, writetime(v), ttl(v) FROM t WHERE k = 0 AND c = 0")
    assert [c.name for c in r.result_set.columns] == ["cc", "v", "writetime(v)", "ttl(v)"]
    (row,) = db.rows("SELECT writetime(v), ttl(v) FROM t WHERE k = 7 AND c = 0")
    assert row[0] == 77 and 0 < row[1] <= 100
    assert db.err("SELECT writetime(k) FROM t").message == (
        "Cannot use selection function writeTime on PRIMARY KEY part k"
    )


def test_select_star_column_order_and_types() -> None:
    db = Db()
    db.q("CREATE TABLE t (z int, b text, a varchar, s int static, y ascii, PRIMARY KEY (z, y))")
    r = db.q("SELECT * FROM t")
    assert r.WhichOneof("result") == "result_set"
    assert [c.name for c in r.result_set.columns] == ["z", "y", "s", "a", "b"]
    types = [c.type.basic for c in r.result_set.columns]
    assert types == [
        pb.TypeSpec.INT, pb.TypeSpec.ASCII, pb.TypeSpec.INT, pb.TypeSpec.VARCHAR,
        pb.TypeSpec.VARCHAR,
    ]  # fmt: skip
    assert not r.result_set.rows


def test_skip_metadata() -> None:
    db = grid()
    r = db.q("SELECT v FROM t WHERE k = 0 AND c = 0", skip_metadata=True)
    assert not r.result_set.columns and len(r.result_set.rows) == 1


def test_scalar_functions_and_cast() -> None:
    db = Db()
    db.q("CREATE TABLE t (k int PRIMARY KEY, b blob, n int)")
    db.q("INSERT INTO t (k, b, n) VALUES (1, textAsBlob('hi'), 5)")
    assert db.rows("SELECT blobAsText(b), CAST(n AS text), intAsBlob(n) FROM t") == [
        ("hi", "5", b"\x00\x00\x00\x05"),
    ]  # fmt: skip


def test_select_json_and_to_json() -> None:
    db = Db()
    db.q(
        'CREATE TABLE t (k int PRIMARY KEY, "MyCol" text, m map<int, text>, ts timestamp, '
        "d date, l list<double>, u frozen<tuple<int, blob>>, n int)"
    )
    db.q(
        "INSERT INTO t (k, \"MyCol\", m, ts, d, l, u) VALUES (1, 'a\"b', {1: 'x'}, "
        "'2024-01-02 03:04:05.006Z', '2024-01-02', [1.5, 2], (3, 0xff))"
    )
    r = db.q("SELECT JSON * FROM t")
    assert [(c.name, c.type.basic) for c in r.result_set.columns] == [
        ("[json]", pb.TypeSpec.VARCHAR)
    ]
    assert db.rows("SELECT JSON * FROM t") == [
        (
            '{"k": 1, "\\"MyCol\\"": "a\\"b", "d": "2024-01-02", "l": [1.5, 2.0], '
            '"m": {"1": "x"}, "n": null, "ts": "2024-01-02 03:04:05.006Z", "u": [3, "0xff"]}',
        )
    ]
    assert db.rows("SELECT JSON k AS key FROM t") == [('{"key": 1}',)]
    assert db.rows("SELECT toJson(m), toJson(ts) FROM t") == [
        ('{"1": "x"}', '"2024-01-02 03:04:05.006Z"'),
    ]  # fmt: skip


def test_single_column_tuple_syntax_and_misc_errors() -> None:
    db = grid()
    assert [r[0] for r in db.rows("SELECT c FROM t WHERE k = 1 AND (c) > (2)")] == [3, 4]
    assert [r[0] for r in db.rows("SELECT c FROM t WHERE k = 1 AND (c) IN ((4), (0))")] == [0, 4]
    assert db.err("SELECT toJson(count(*)) FROM t").message == (
        "Aggregate count cannot be an argument of another function"
    )
    assert db.err("UPDATE t SET v = 1 WHERE token(k) = 1 AND c = 1").message == (
        "The token function cannot be used in WHERE clauses for UPDATE statements"
    )
    assert db.err("SELECT * FROM t WHERE k = 1 AND c > 1 AND c > 2").message == (
        "More than one restriction was found for the start bound on c"
    )
