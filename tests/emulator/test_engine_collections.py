"""Engine: lists, sets, maps, tuples and user-defined types -- whole-value
writes, element operations, ordering and the empty-reads-as-null rule."""

from __future__ import annotations

from test_engine_helpers import START_MICROS, Db, udt

from astra_grpc_async._proto.stargate import query_pb2 as pb


def coll_db() -> Db:
    db = Db()
    db.q(
        "CREATE TABLE t (k int PRIMARY KEY, l list<int>, s set<text>, m map<text, int>, "
        "fl frozen<list<int>>, tp tuple<int, text>)"
    )
    db.q("INSERT INTO t (k) VALUES (1)")
    return db


def get(db: Db, col: str) -> object:
    return db.rows(f"SELECT {col} FROM t WHERE k = 1")[0][0]


def test_list_append_prepend_remove_index() -> None:
    db = coll_db()
    db.q("UPDATE t SET l = [1, 2] WHERE k = 1")
    db.q("UPDATE t SET l = l + [3, 4] WHERE k = 1")
    db.q("UPDATE t SET l = [9, 8] + l WHERE k = 1")
    db.q("UPDATE t SET l = [7] + l WHERE k = 1")
    assert get(db, "l") == [7, 9, 8, 1, 2, 3, 4]
    db.q("UPDATE t SET l = l - [8, 3] WHERE k = 1")
    assert get(db, "l") == [7, 9, 1, 2, 4]
    db.q("UPDATE t SET l[1] = 90 WHERE k = 1")
    db.q("DELETE l[0] FROM t WHERE k = 1")
    assert get(db, "l") == [90, 1, 2, 4]
    assert db.err("UPDATE t SET l[10] = 1 WHERE k = 1").message == (
        "List index 10 out of bound, list has size 4"
    )
    db.q("UPDATE t SET l = [5] WHERE k = 1")  # overwrite replaces everything
    assert get(db, "l") == [5]
    db.q("UPDATE t SET l = l - [5] WHERE k = 1")
    assert get(db, "l") is None  # empty reads as null
    assert db.err("UPDATE t SET l[0] = 1 WHERE k = 1").message == (
        "Attempted to set an element on a list which is null"
    )


def test_list_bind_values() -> None:
    db = coll_db()
    db.q("UPDATE t SET l = ? WHERE k = 1", [3, 1, 3])
    db.q("UPDATE t SET l = l + ? WHERE k = 1", [2])
    assert get(db, "l") == [3, 1, 3, 2]
    db.q("UPDATE t SET l = ? WHERE k = 1", [])
    assert get(db, "l") is None


def test_set_add_remove_sorted() -> None:
    db = coll_db()
    db.q("UPDATE t SET s = {'b', 'a'} WHERE k = 1")
    db.q("UPDATE t SET s = s + {'c', 'a'} WHERE k = 1")
    assert get(db, "s") == ["a", "b", "c"]
    db.q("UPDATE t SET s = s - {'b'} WHERE k = 1")
    assert get(db, "s") == ["a", "c"]
    db.q("UPDATE t SET s = ? WHERE k = 1", ["z", "y", "z"])
    assert get(db, "s") == ["y", "z"]
    db.q("UPDATE t SET s = {} WHERE k = 1")
    assert get(db, "s") is None


def test_map_put_merge_remove() -> None:
    db = coll_db()
    db.q("UPDATE t SET m = {'b': 2, 'a': 1} WHERE k = 1")
    db.q("UPDATE t SET m = m + {'c': 3, 'a': 10} WHERE k = 1")
    db.q("UPDATE t SET m['d'] = 4 WHERE k = 1")
    assert get(db, "m") == ["a", 10, "b", 2, "c", 3, "d", 4]  # sorted by key, alternating
    db.q("UPDATE t SET m = m - {'b', 'x'} WHERE k = 1")
    db.q("DELETE m['c'] FROM t WHERE k = 1")
    db.q("UPDATE t SET m['d'] = null WHERE k = 1")
    assert get(db, "m") == ["a", 10]
    db.q("UPDATE t SET m = ? WHERE k = 1", {"z": 26, "y": 25})
    assert get(db, "m") == ["y", 25, "z", 26]
    db.q("DELETE m FROM t WHERE k = 1")
    assert get(db, "m") is None


def test_collection_element_ttl() -> None:
    db = coll_db()
    db.q("UPDATE t SET s = s + {'keep'} WHERE k = 1", at=START_MICROS)
    db.q("UPDATE t USING TTL 5 SET s = s + {'tmp'} WHERE k = 1", at=START_MICROS)
    assert db.rows("SELECT s FROM t", at=START_MICROS + 4_000_000) == [(["keep", "tmp"],)]
    assert db.rows("SELECT s FROM t", at=START_MICROS + 5_000_000) == [(["keep"],)]


def test_collection_overwrite_respects_timestamps() -> None:
    db = coll_db()
    db.q("UPDATE t USING TIMESTAMP 100 SET s = {'new'} WHERE k = 1")
    db.q("UPDATE t USING TIMESTAMP 50 SET s = {'old'} WHERE k = 1")
    assert get(db, "s") == ["new"]


def test_frozen_collections_and_tuples() -> None:
    db = coll_db()
    db.q("UPDATE t SET fl = [3, 1], tp = (1, 'x') WHERE k = 1")
    assert db.rows("SELECT fl, tp FROM t WHERE k = 1") == [([3, 1], [1, "x"])]
    assert db.err("UPDATE t SET fl = fl + [1] WHERE k = 1").message == (
        "Invalid operation (fl = fl + ?) for frozen collection column fl"
    )
    db.q("UPDATE t SET tp = ? WHERE k = 1", [7])  # fewer elements: read back as written
    assert get(db, "tp") == [7]
    db.q("UPDATE t SET tp = ? WHERE k = 1", [7, None])
    assert get(db, "tp") == [7, None]


def test_collection_column_type_specs() -> None:
    db = coll_db()
    cols = {c.name: c.type for c in db.q("SELECT * FROM t").result_set.columns}
    assert cols["l"] == pb.TypeSpec(
        list=pb.TypeSpec.List(element=pb.TypeSpec(basic=pb.TypeSpec.INT))
    )
    assert cols["m"].map.key.basic == pb.TypeSpec.VARCHAR
    assert cols["m"].map.value.basic == pb.TypeSpec.INT
    assert cols["s"].set.element.basic == pb.TypeSpec.VARCHAR
    assert [e.basic for e in cols["tp"].tuple.elements] == [pb.TypeSpec.INT, pb.TypeSpec.VARCHAR]


def test_udts() -> None:
    db = Db()
    db.q("CREATE TYPE addr (street text, zip int)")
    db.q("CREATE TABLE t (k int PRIMARY KEY, a frozen<addr>, b addr, l list<frozen<addr>>)")
    db.q("INSERT INTO t (k, a, b) VALUES (1, {street: 'Main', zip: 1}, ?)", udt(zip=2))
    assert db.rows("SELECT a, b FROM t") == [
        ({"street": "Main", "zip": 1}, {"street": None, "zip": 2})
    ]
    db.q("INSERT INTO t (k, a, b) VALUES (2, ?, {street: null})", udt())
    assert db.rows("SELECT a, b FROM t WHERE k = 2") == [(None, None)]  # empty / all null
    db.q("UPDATE t SET l = l + [{street: 'x', zip: 3}] WHERE k = 1")
    assert db.rows("SELECT l FROM t WHERE k = 1") == [([{"street": "x", "zip": 3}],)]
    cols = {c.name: c.type for c in db.q("SELECT * FROM t").result_set.columns}
    assert cols["a"].udt.name == "addr" and cols["a"].udt.frozen
    assert not cols["b"].udt.frozen
    assert cols["a"].udt.fields["zip"].basic == pb.TypeSpec.INT
    assert cols["l"].list.element.udt.frozen
    e = db.err("INSERT INTO t (k, a) VALUES (3, ?)", udt(nope=1))
    assert e.message == (
        "Invalid argument at position 1: User-defined type doesn't contain a field named 'nope'"
    )
    e = db.err("INSERT INTO t (k, a) VALUES (3, {nope: 1})")
    assert e.message == "Unknown field 'nope' in value of user defined type addr"


def test_nested_collections() -> None:
    db = Db()
    db.q("CREATE TABLE t (k int PRIMARY KEY, m map<text, frozen<list<int>>>)")
    db.q("INSERT INTO t (k, m) VALUES (1, ?)", {"b": [2], "a": [1, 1]})
    assert db.rows("SELECT m FROM t") == [(["a", [1, 1], "b", [2]],)]


def test_contains_filtering_on_collections() -> None:
    db = coll_db()
    db.q("UPDATE t SET s = {'x'}, m = {'key': 5} WHERE k = 1")
    db.q("INSERT INTO t (k, s) VALUES (2, {'y'})")
    assert db.rows("SELECT k FROM t WHERE s CONTAINS 'x' ALLOW FILTERING") == [(1,)]
    assert db.rows("SELECT k FROM t WHERE m CONTAINS KEY 'key' ALLOW FILTERING") == [(1,)]
    assert db.rows("SELECT k FROM t WHERE m CONTAINS 5 ALLOW FILTERING") == [(1,)]
    assert db.err("SELECT k FROM t WHERE s CONTAINS 'x'").message.startswith(
        "Cannot execute this query as it might involve data filtering"
    )
