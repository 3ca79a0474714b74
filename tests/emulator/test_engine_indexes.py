"""Engine: secondary indexes -- CREATE / DROP INDEX, system_schema.indexes,
and SELECTs an index answers without ALLOW FILTERING."""

from __future__ import annotations

from test_engine_helpers import Db

from astra_grpc_async._proto.stargate import query_pb2 as pb

SC = pb.SchemaChange
FILTERING = (
    "Cannot execute this query as it might involve data filtering and thus may have "
    "unpredictable performance. If you want to execute this query despite the performance "
    "unpredictability, use ALLOW FILTERING"
)


def table() -> Db:
    db = Db()
    db.q(
        "CREATE TABLE t (k int, c int, v int, w int, m map<text, int>, l list<int>, "
        "f frozen<list<int>>, PRIMARY KEY (k, c))"
    )
    for k in range(4):
        for c in range(3):
            db.q(
                "INSERT INTO t (k, c, v, w, m, l, f) VALUES (?, ?, ?, ?, ?, ?, ?)",
                k, c, c % 2, k, {f"a{c}": k}, [k, c], [c],
            )  # fmt: skip
    return db


def indexes(db: Db) -> list[tuple[object, ...]]:
    return db.rows("SELECT * FROM system_schema.indexes WHERE keyspace_name = 'ks'")


def test_create_index_answers_updated_table_and_is_listed() -> None:
    db = table()
    r = db.q("CREATE INDEX ON t (v)")
    sc = r.schema_change
    assert (sc.change_type, sc.target, sc.keyspace, sc.name.value) == (
        SC.UPDATED, SC.TABLE, "ks", "t",
    )  # fmt: skip
    db.q("CREATE INDEX mk ON ks.t (KEYS(m))")
    db.q("CREATE INDEX ON t (l)")
    db.q("CREATE INDEX ON t (FULL(f))")
    db.q("CREATE INDEX me ON t (ENTRIES(m))")
    db.q("CREATE CUSTOM INDEX wi ON t (w) USING 'StorageAttachedIndex'")
    assert indexes(db) == [
        ("ks", "t", "me", "COMPOSITES", ["target", "entries(m)"]),
        ("ks", "t", "mk", "COMPOSITES", ["target", "keys(m)"]),
        ("ks", "t", "t_f_idx", "COMPOSITES", ["target", "full(f)"]),
        ("ks", "t", "t_l_idx", "COMPOSITES", ["target", "values(l)"]),
        ("ks", "t", "t_v_idx", "COMPOSITES", ["target", "v"]),
        (
            "ks", "t", "wi", "CUSTOM",
            ["class_name", "org.apache.cassandra.index.sai.StorageAttachedIndex", "target", "w"],
        ),
    ]  # fmt: skip


def test_create_index_errors() -> None:
    db = table()
    db.q("CREATE INDEX vi ON t (v)")
    assert str(db.err("CREATE INDEX vi ON t (w)")) == "Index 'vi' already exists"
    assert db.q("CREATE INDEX IF NOT EXISTS vi ON t (w)").WhichOneof("result") is None
    assert str(db.err("CREATE INDEX ON t (v)")) == (
        "Index t_v_idx is a duplicate of existing index vi"
    )
    assert str(db.err("CREATE INDEX ON t (nope)")) == "Column 'nope' doesn't exist"
    assert str(db.err("CREATE INDEX ON nope (v)")) == "Table 'nope' doesn't exist"
    assert str(db.err("CREATE INDEX ON t (k)")) == (
        "Cannot create secondary index on the only partition key column k"
    )
    assert str(db.err("CREATE INDEX ON t (KEYS(l))")) == (
        "Cannot create index on keys of column l with non-map type"
    )
    assert str(db.err("CREATE INDEX ON t (KEYS(v))")) == (
        "Cannot create keys() index on v. Non-collection columns only support simple indexes"
    )
    assert str(db.err("CREATE INDEX ON t (f)")) == "Frozen collections only support full() indexes"
    assert str(db.err("CREATE INDEX ON t (FULL(l))")) == (
        "full() indexes can only be created on frozen collections"
    )


def test_drop_index_and_dependencies() -> None:
    db = table()
    db.q("CREATE INDEX vi ON t (v)")
    assert str(db.err("ALTER TABLE t DROP v")) == (
        "Cannot drop column v because it has dependent secondary indexes (vi)"
    )
    r = db.q("DROP INDEX ks.vi")
    assert (r.schema_change.change_type, r.schema_change.target) == (SC.UPDATED, SC.TABLE)
    assert r.schema_change.name.value == "t"
    assert str(db.err("DROP INDEX vi")) == "Index 'ks.vi' doesn't exist'"
    assert db.q("DROP INDEX IF EXISTS vi").WhichOneof("result") is None
    assert str(db.err("SELECT k FROM t WHERE v = 1")) == FILTERING
    db.q("ALTER TABLE t DROP v")
    # DROP TABLE drops its indexes; the name is free again
    db.q("CREATE INDEX wi ON t (w)")
    db.q("DROP TABLE t")
    assert indexes(db) == []
    db.q("CREATE TABLE t (k int PRIMARY KEY, w int)")
    db.q("CREATE INDEX wi ON t (w)")


def test_select_on_indexed_column() -> None:
    db = table()
    assert str(db.err("SELECT k, c FROM t WHERE v = 1")) == FILTERING
    db.q("CREATE INDEX ON t (v)")
    rows = db.rows("SELECT k, c FROM t WHERE v = 1")
    # token order of the partitions, clustering order inside each
    assert rows == [(1, 1), (0, 1), (2, 1), (3, 1)]
    assert db.rows("SELECT k, c FROM t WHERE k = 2 AND v = 0") == [(2, 0), (2, 2)]
    assert db.rows("SELECT k, c FROM t WHERE c = 2 AND v = 0") == [
        (1, 2), (0, 2), (2, 2), (3, 2),
    ]  # fmt: skip
    # another non-key restriction alongside still needs ALLOW FILTERING
    assert str(db.err("SELECT k, c FROM t WHERE v = 1 AND w = 2")) == FILTERING
    assert db.rows("SELECT k, c FROM t WHERE v = 1 AND w = 2 ALLOW FILTERING") == [(2, 1)]
    # a range on an indexed column is not answered by the index
    assert str(db.err("SELECT k, c FROM t WHERE v > 0")) == FILTERING
    assert db.all_rows("SELECT k, c FROM t WHERE v = 0", page_size=3) == [
        (1, 0), (1, 2), (0, 0), (0, 2), (2, 0), (2, 2), (3, 0), (3, 2),
    ]  # fmt: skip


def test_select_contains_on_indexed_collections() -> None:
    db = table()
    assert str(db.err("SELECT k, c FROM t WHERE l CONTAINS 2")) == FILTERING
    db.q("CREATE INDEX ON t (l)")
    db.q("CREATE INDEX ON t (KEYS(m))")
    db.q("CREATE INDEX ON t (FULL(f))")
    assert db.rows("SELECT k, c FROM t WHERE l CONTAINS 2") == [
        (1, 2), (0, 2), (2, 0), (2, 1), (2, 2), (3, 2),
    ]  # fmt: skip
    assert db.rows("SELECT k, c FROM t WHERE m CONTAINS KEY 'a1'") == [
        (1, 1), (0, 1), (2, 1), (3, 1),
    ]  # fmt: skip
    assert db.rows("SELECT k FROM t WHERE f = [2] AND k = 3") == [(3,)]
    # a keys() index does not answer CONTAINS
    assert str(db.err("SELECT k FROM t WHERE m CONTAINS 1")) == FILTERING


def test_index_on_composite_partition_key_part() -> None:
    db = Db()
    db.q("CREATE TABLE p (a int, b int, v int, PRIMARY KEY ((a, b)))")
    for a in range(3):
        db.q("INSERT INTO p (a, b, v) VALUES (?, ?, ?)", a, a * 10, a)
    assert str(db.err("SELECT v FROM p WHERE a = 1")) == FILTERING
    db.q("CREATE INDEX ON p (a)")
    assert db.rows("SELECT v FROM p WHERE a = 1") == [(1,)]
