"""Engine: schema statements, their SchemaChange answers and errors, and the
system tables drivers read."""

from __future__ import annotations

import pytest
from test_engine_helpers import Db

from astra_grpc_async._proto.stargate import query_pb2 as q
from astra_grpc_async.emulator.errors import (
    AlreadyExistsError,
    BindCountError,
    ConfigurationError,
    InvalidRequest,
)

SC = q.SchemaChange
REPL = "{'class': 'SimpleStrategy', 'replication_factor': 1}"


def test_create_keyspace_answers_schema_change() -> None:
    db = Db(ks=None)
    r = db.q(f"CREATE KEYSPACE ks1 WITH replication = {REPL}")
    assert r.WhichOneof("result") == "schema_change"
    sc = r.schema_change
    assert (sc.change_type, sc.target, sc.keyspace) == (SC.CREATED, SC.KEYSPACE, "ks1")
    assert not sc.HasField("name")


def test_create_existing_keyspace_is_already_exists() -> None:
    db = Db()
    e = db.err(f"CREATE KEYSPACE ks WITH replication = {REPL}")
    assert isinstance(e, AlreadyExistsError)
    assert e.code == "ALREADY_EXISTS"
    assert e.message == 'Cannot add existing keyspace "ks"'
    assert e.detail == q.AlreadyExists(keyspace="ks", table="")


def test_if_not_exists_on_existing_answers_nothing() -> None:
    db = Db()
    out = db.outcome(f"CREATE KEYSPACE IF NOT EXISTS ks WITH replication = {REPL}")
    assert out.response == q.Response()
    db.q("CREATE TABLE t (k int PRIMARY KEY)")
    assert db.q("CREATE TABLE IF NOT EXISTS t (k int PRIMARY KEY)") == q.Response()


def test_bad_replication_is_configuration_error() -> None:
    db = Db(ks=None)
    e = db.err("CREATE KEYSPACE x WITH replication = {'class': 'NoSuchStrategy'}")
    assert isinstance(e, ConfigurationError)
    assert e.code == "FAILED_PRECONDITION"


def test_drop_keyspace_and_if_exists() -> None:
    db = Db()
    r = db.q("DROP KEYSPACE ks")
    assert (r.schema_change.change_type, r.schema_change.target) == (SC.DROPPED, SC.KEYSPACE)
    assert db.err("DROP KEYSPACE ks").message == "Keyspace 'ks' doesn't exist"
    assert db.q("DROP KEYSPACE IF EXISTS ks") == q.Response()


def test_create_table_schema_change_and_duplicate() -> None:
    db = Db()
    r = db.q("CREATE TABLE t (k int PRIMARY KEY, v text)")
    sc = r.schema_change
    assert (sc.change_type, sc.target, sc.keyspace, sc.name.value) == (
        SC.CREATED, SC.TABLE, "ks", "t",
    )  # fmt: skip
    e = db.err("CREATE TABLE t (k int PRIMARY KEY)")
    assert isinstance(e, AlreadyExistsError)
    assert e.message == 'Cannot add already existing table "t" to keyspace "ks"'
    assert e.detail == q.AlreadyExists(keyspace="ks", table="t")


def test_create_table_in_missing_keyspace() -> None:
    db = Db()
    e = db.err("CREATE TABLE nope.t (k int PRIMARY KEY)")
    assert isinstance(e, InvalidRequest)
    assert e.message == "Keyspace 'nope' doesn't exist"


def test_no_keyspace_specified() -> None:
    db = Db()
    msg = "No keyspace has been specified. USE a keyspace, or explicitly specify keyspace.tablename"
    assert db.err("CREATE TABLE t (k int PRIMARY KEY)", ks=None).message == msg
    assert db.err("SELECT * FROM t", ks=None).message == msg
    assert db.err("INSERT INTO t (k) VALUES (1)", ks=None).message == msg
    # qualified names need no keyspace
    db.q("CREATE TABLE ks.t (k int PRIMARY KEY)", ks=None)
    assert db.rows("SELECT * FROM ks.t", ks=None) == []


def test_use_is_refused() -> None:
    e = Db().err("USE ks")
    assert e.code == "INVALID_ARGUMENT"
    assert e.message == "USE <keyspace> not supported"


def test_unknown_keyspace_table_column() -> None:
    db = Db()
    db.q("CREATE TABLE t (k int PRIMARY KEY, v int)")
    assert db.err("SELECT * FROM nope.t").message == "Keyspace 'nope' does not exist"
    assert db.err("SELECT * FROM missing").message == "unconfigured table missing"
    assert db.err("SELECT x FROM t").message == "Undefined column name x in table ks.t"
    assert db.err("INSERT INTO t (k, x) VALUES (1, 2)").code == "INVALID_ARGUMENT"


def test_drop_table() -> None:
    db = Db()
    db.q("CREATE TABLE t (k int PRIMARY KEY)")
    db.q("INSERT INTO t (k) VALUES (1)")
    r = db.q("DROP TABLE t")
    assert (r.schema_change.change_type, r.schema_change.target, r.schema_change.name.value) == (
        SC.DROPPED, SC.TABLE, "t",
    )  # fmt: skip
    assert db.err("DROP TABLE t").message == "Table 'ks.t' doesn't exist"
    assert db.q("DROP TABLE IF EXISTS t") == q.Response()
    db.q("CREATE TABLE t (k int PRIMARY KEY)")
    assert db.rows("SELECT * FROM t") == []  # recreated empty


def test_alter_table_add_and_drop() -> None:
    db = Db()
    db.q("CREATE TABLE t (k int PRIMARY KEY, v int)")
    db.q("INSERT INTO t (k, v) VALUES (1, 10)")
    r = db.q("ALTER TABLE t ADD w text")
    assert (r.schema_change.change_type, r.schema_change.target) == (SC.UPDATED, SC.TABLE)
    assert db.columns("SELECT * FROM t") == ["k", "v", "w"]
    assert db.rows("SELECT * FROM t") == [(1, 10, None)]
    db.q("ALTER TABLE t DROP v")
    assert db.rows("SELECT * FROM t") == [(1, None)]
    db.q("ALTER TABLE t ADD v int")  # re-added column does not resurrect data
    assert db.rows("SELECT v FROM t") == [(None,)]
    assert db.err("ALTER TABLE t DROP k").message == "Cannot drop PRIMARY KEY part k"
    assert db.err("ALTER TABLE t ADD w int").message == "Column with name 'w' already exists"


def test_truncate() -> None:
    db = Db()
    db.q("CREATE TABLE t (k int PRIMARY KEY)")
    db.q("INSERT INTO t (k) VALUES (1)")
    out = db.outcome("TRUNCATE t")
    assert out.response == q.Response() and out.mutated
    assert db.rows("SELECT * FROM t") == []


def test_types_create_use_drop() -> None:
    db = Db()
    r = db.q("CREATE TYPE addr (street text, zip int)")
    assert (r.schema_change.change_type, r.schema_change.target, r.schema_change.name.value) == (
        SC.CREATED, SC.TYPE, "addr",
    )  # fmt: skip
    assert (
        db.err("CREATE TYPE addr (x int)").message == "A user type with name 'addr' already exists"
    )
    assert db.q("CREATE TYPE IF NOT EXISTS addr (x int)") == q.Response()
    db.q("CREATE TABLE t (k int PRIMARY KEY, a frozen<addr>)")
    e = db.err("DROP TYPE addr")
    assert e.message == "Cannot drop user type 'ks.addr' as it is still used by tables t"
    assert db.err("CREATE TABLE u (k int PRIMARY KEY, a frozen<nope>)").message == (
        "Unknown type ks.nope"
    )
    db.q("DROP TABLE t")
    r = db.q("DROP TYPE addr")
    assert (r.schema_change.change_type, r.schema_change.target) == (SC.DROPPED, SC.TYPE)
    assert db.err("DROP TYPE addr").message == "Type 'ks.addr' doesn't exist"


def test_ddl_counts_as_mutation() -> None:
    db = Db()
    assert db.outcome("CREATE TABLE t (k int PRIMARY KEY)").mutated
    assert not db.outcome("SELECT * FROM t").mutated


def test_system_keyspaces_are_read_only() -> None:
    db = Db()
    assert db.err("DROP KEYSPACE system").code == "INVALID_ARGUMENT"
    e = db.err("INSERT INTO system.local (key) VALUES ('x')")
    assert e.message == "system keyspace is not user-modifiable."


def test_system_local() -> None:
    db = Db()
    cols = db.columns("SELECT * FROM system.local")
    (row,) = db.rows("SELECT * FROM system.local WHERE key = 'local'")
    local = dict(zip(cols, row, strict=True))
    assert local["release_version"] == "4.0.11"
    assert local["partitioner"] == "org.apache.cassandra.dht.Murmur3Partitioner"
    assert local["data_center"] == "datacenter1"
    assert local["cluster_name"] and local["rack"] and local["cql_version"]
    assert db.rows("SELECT * FROM system.peers") == []


def test_system_schema_introspection() -> None:
    db = Db()
    db.q("CREATE TYPE addr (street text, zip int)")
    db.q(
        "CREATE TABLE t (k1 int, k2 text, c timestamp, s int static, v map<text, frozen<addr>>, "
        "PRIMARY KEY ((k1, k2), c)) WITH CLUSTERING ORDER BY (c DESC)"
    )
    ks = db.rows(
        "SELECT keyspace_name, durable_writes, replication FROM system_schema.keyspaces "
        "WHERE keyspace_name = 'ks'"
    )
    assert ks == [
        (
            "ks",
            True,
            ["class", "org.apache.cassandra.locator.SimpleStrategy", "replication_factor", "1"],
        )
    ]
    names = {r[0] for r in db.rows("SELECT keyspace_name FROM system_schema.keyspaces")}
    assert {"ks", "system", "system_schema"} <= names
    assert db.rows("SELECT table_name FROM system_schema.tables WHERE keyspace_name = 'ks'") == [
        ("t",)
    ]
    cols = db.rows(
        "SELECT column_name, kind, position, clustering_order, type FROM system_schema.columns "
        "WHERE keyspace_name = 'ks' AND table_name = 't'"
    )
    assert sorted(cols) == [
        ("c", "clustering", 0, "desc", "timestamp"),
        ("k1", "partition_key", 0, "none", "int"),
        ("k2", "partition_key", 1, "none", "text"),
        ("s", "static", -1, "none", "int"),
        ("v", "regular", -1, "none", "map<text, frozen<addr>>"),
    ]
    assert db.rows(
        "SELECT type_name, field_names, field_types FROM system_schema.types "
        "WHERE keyspace_name = 'ks'"
    ) == [("addr", ["street", "zip"], ["text", "int"])]
    # the schema tables follow changes
    db.q("DROP TABLE t")
    assert db.rows("SELECT table_name FROM system_schema.tables WHERE keyspace_name = 'ks'") == []


def test_markers_in_ddl_need_values() -> None:
    db = Db()
    with pytest.raises(BindCountError):
        db.q("CREATE TABLE t (k int PRIMARY KEY)", 1)
