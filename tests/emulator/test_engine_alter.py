"""Engine: ALTER KEYSPACE / TABLE / TYPE (answers, effects, Cassandra's errors) and
UDT field access (SELECT u.f, UPDATE SET u.f, DELETE u.f, IF u.f)."""

from __future__ import annotations

from typing import Any

from test_engine_helpers import Db, udt

from astra_grpc_async._proto.stargate import query_pb2 as q
from astra_grpc_async.emulator.errors import ConfigurationError, InvalidRequest

SC = q.SchemaChange
NTS = "{'class': 'NetworkTopologyStrategy', 'dc1': 3}"


def change(r: q.Response) -> tuple[int, int, str, str | None]:
    sc = r.schema_change
    assert r.WhichOneof("result") == "schema_change"
    return sc.change_type, sc.target, sc.keyspace, sc.name.value if sc.HasField("name") else None


def keyspace_row(db: Db, ks: str = "ks") -> list[tuple[Any, ...]]:
    return db.rows(
        "SELECT durable_writes, replication FROM system_schema.keyspaces "
        f"WHERE keyspace_name = '{ks}'"
    )


# --- ALTER KEYSPACE -------------------------------------------------------------------------


def test_alter_keyspace_replication_is_stored_and_visible() -> None:
    db = Db()
    r = db.q(f"ALTER KEYSPACE ks WITH replication = {NTS}")
    assert change(r) == (SC.UPDATED, SC.KEYSPACE, "ks", None)
    assert keyspace_row(db) == [
        (True, ["class", "org.apache.cassandra.locator.NetworkTopologyStrategy", "dc1", "3"])
    ]


def test_alter_keyspace_durable_writes_alone_keeps_replication() -> None:
    db = Db()
    r = db.q("ALTER KEYSPACE ks WITH durable_writes = false")
    assert change(r) == (SC.UPDATED, SC.KEYSPACE, "ks", None)
    assert keyspace_row(db) == [
        (False, ["class", "org.apache.cassandra.locator.SimpleStrategy", "replication_factor", "1"])
    ]
    db.q(f"ALTER KEYSPACE ks WITH replication = {NTS} AND durable_writes = true")
    assert keyspace_row(db)[0][0] is True


def test_alter_keyspace_keeps_its_tables() -> None:
    db = Db()
    db.q("CREATE TABLE t (k int PRIMARY KEY, v int)")
    db.q("INSERT INTO t (k, v) VALUES (1, 2)")
    db.q(f"ALTER KEYSPACE ks WITH replication = {NTS}")
    assert db.rows("SELECT * FROM t") == [(1, 2)]


def test_alter_keyspace_errors() -> None:
    db = Db()
    e = db.err("ALTER KEYSPACE nope WITH durable_writes = false")
    assert isinstance(e, InvalidRequest)
    assert e.message == "Keyspace 'nope' doesn't exist"
    e = db.err("ALTER KEYSPACE ks WITH replication = {'replication_factor': 3}")
    assert isinstance(e, ConfigurationError)
    assert e.message == "Missing replication strategy class"
    e = db.err("ALTER KEYSPACE ks WITH replication = {'class': 'NoSuchStrategy'}")
    assert isinstance(e, ConfigurationError)
    e = db.err("ALTER KEYSPACE ks WITH replication = {'class': 'LocalStrategy'}")
    assert e.message == (
        "Unable to use given strategy class: LocalStrategy is reserved for internal use."
    )
    assert db.err("ALTER KEYSPACE system WITH durable_writes = false").message == (
        "system keyspace is not user-modifiable."
    )
    # the failed statements changed nothing
    assert keyspace_row(db)[0][0] is True


def test_replicated_system_keyspaces_can_be_altered() -> None:
    db = Db()
    r = db.q(
        "ALTER KEYSPACE system_auth WITH replication = "
        "{'class': 'SimpleStrategy', 'replication_factor': 3}"
    )
    assert change(r) == (SC.UPDATED, SC.KEYSPACE, "system_auth", None)
    assert keyspace_row(db, "system_auth")[0][1][-1] == "3"


# --- ALTER TABLE ... WITH / RENAME ---------------------------------------------------------


def test_alter_table_default_ttl_applies_to_new_writes() -> None:
    db = Db()
    db.q("CREATE TABLE t (k int PRIMARY KEY, v int)")
    db.q("INSERT INTO t (k, v) VALUES (1, 1)")
    r = db.q("ALTER TABLE t WITH default_time_to_live = 10 AND comment = 'short lived'")
    assert change(r) == (SC.UPDATED, SC.TABLE, "ks", "t")
    db.q("INSERT INTO t (k, v) VALUES (2, 2)")
    assert db.rows("SELECT k, ttl(v) FROM t") == [(1, None), (2, 10)]
    assert db.rows(
        "SELECT default_time_to_live, comment FROM system_schema.tables "
        "WHERE keyspace_name = 'ks' AND table_name = 't'"
    ) == [(10, "short lived")]
    db.q("ALTER TABLE t WITH default_time_to_live = 0")
    db.q("INSERT INTO t (k, v) VALUES (3, 3)")
    assert db.rows("SELECT ttl(v) FROM t WHERE k = 3") == [(None,)]


def test_alter_table_with_errors() -> None:
    db = Db()
    db.q("CREATE TABLE t (k int PRIMARY KEY, v int)")
    db.q("CREATE TABLE c (k int PRIMARY KEY, n counter)")
    e = db.err("ALTER TABLE t WITH default_time_to_live = -1")
    assert isinstance(e, ConfigurationError)
    assert e.message == "default_time_to_live must be greater than or equal to 0 (got -1)"
    e = db.err("ALTER TABLE t WITH default_time_to_live = 630720001")
    assert e.message == (
        "default_time_to_live must be less than or equal to 630720000 (got 630720001)"
    )
    assert db.err("ALTER TABLE c WITH default_time_to_live = 5").message == (
        "Cannot set default_time_to_live on a table with counters"
    )
    assert db.err("ALTER TABLE nope WITH comment = 'x'").message == (
        "Table 'ks.nope' doesn't exist"
    )
    assert db.err("ALTER TABLE system.local WITH comment = 'x'").message == (
        "system keyspace is not user-modifiable."
    )
    assert db.err("ALTER TABLE t ALTER v TYPE bigint").message == (
        "Altering column types is no longer supported"
    )


def test_rename_primary_key_columns_keeps_data() -> None:
    db = Db()
    db.q("CREATE TABLE t (k int, c text, v int, PRIMARY KEY (k, c))")
    db.q("INSERT INTO t (k, c, v) VALUES (1, 'a', 10)")
    r = db.q("ALTER TABLE t RENAME k TO id AND c TO name")
    assert change(r) == (SC.UPDATED, SC.TABLE, "ks", "t")
    assert db.columns("SELECT * FROM t") == ["id", "name", "v"]
    assert db.rows("SELECT name, v FROM t WHERE id = 1 AND name = 'a'") == [("a", 10)]
    db.q("INSERT INTO t (id, name, v) VALUES (1, 'b', 20)")
    assert db.rows("SELECT * FROM t WHERE id = 1") == [(1, "a", 10), (1, "b", 20)]
    cols = db.rows(
        "SELECT column_name, kind FROM system_schema.columns "
        "WHERE keyspace_name = 'ks' AND table_name = 't'"
    )
    assert sorted(cols) == [("id", "partition_key"), ("name", "clustering"), ("v", "regular")]
    assert db.err("SELECT * FROM t WHERE k = 1").message == "Undefined column name k in table ks.t"


def test_rename_errors() -> None:
    db = Db()
    db.q("CREATE TABLE t (k int, c int, v int, PRIMARY KEY (k, c))")
    assert db.err("ALTER TABLE t RENAME v TO w").message == (
        "Cannot rename non PRIMARY KEY column v"
    )
    assert db.err("ALTER TABLE t RENAME k TO v").message == (
        "Cannot rename column k to v in table 'ks.t'; another column with that name already exists"
    )
    assert db.err("ALTER TABLE t RENAME zz TO y").message == (
        "Undefined column name zz in table ks.t"
    )
    assert db.err("ALTER TABLE nope RENAME k TO y").message == "Table 'ks.nope' doesn't exist"
    # a failing rename in a list changes nothing
    db.err("ALTER TABLE t RENAME k TO k2 AND v TO w")
    assert db.columns("SELECT * FROM t") == ["k", "c", "v"]


def test_alter_table_add_drop_use_cassandra_missing_table_wording() -> None:
    db = Db()
    assert db.err("ALTER TABLE nope ADD v int").message == "Table 'ks.nope' doesn't exist"
    assert db.err("ALTER TABLE other.nope DROP v").message == "Table 'other.nope' doesn't exist"


# --- ALTER TYPE -----------------------------------------------------------------------------


def setup_addr(db: Db) -> None:
    db.q("CREATE TYPE addr (street text, zip int)")
    db.q("CREATE TABLE t (k int PRIMARY KEY, a addr, f frozen<addr>, l list<frozen<addr>>)")
    db.q(
        "INSERT INTO t (k, a, f, l) VALUES "
        "(1, {street: 's1', zip: 1}, {street: 's2'}, [{street: 's3', zip: 3}])"
    )


def test_alter_type_add_answers_and_old_values_read_null() -> None:
    db = Db()
    setup_addr(db)
    r = db.q("ALTER TYPE addr ADD city text")
    assert change(r) == (SC.UPDATED, SC.TYPE, "ks", "addr")
    row = db.rows("SELECT a, f, l FROM t")
    assert row == [
        (
            {"street": "s1", "zip": 1, "city": None},
            {"street": "s2", "zip": None, "city": None},
            [{"street": "s3", "zip": 3, "city": None}],
        )
    ]
    # the result metadata describes the new type
    spec = db.q("SELECT f FROM t").result_set.columns[0].type.udt
    assert set(spec.fields) == {"street", "zip", "city"}
    assert db.rows("SELECT toJson(f) FROM t") == [('{"street": "s2", "zip": null, "city": null}',)]
    # and the new field can be written
    db.q("UPDATE t SET f = {street: 'n', city: 'c'} WHERE k = 1")
    assert db.rows("SELECT f FROM t") == [({"street": "n", "zip": None, "city": "c"},)]
    assert db.rows(
        "SELECT field_names, field_types FROM system_schema.types "
        "WHERE keyspace_name = 'ks' AND type_name = 'addr'"
    ) == [(["street", "zip", "city"], ["text", "int", "text"])]


def test_alter_type_add_with_qualified_name() -> None:
    db = Db()
    db.q("CREATE TYPE addr (street text)")
    r = db.q("ALTER TYPE ks.addr ADD zip int", ks=None)
    assert change(r) == (SC.UPDATED, SC.TYPE, "ks", "addr")


def test_alter_type_rename_reads_under_new_names() -> None:
    db = Db()
    setup_addr(db)
    r = db.q("ALTER TYPE addr RENAME street TO road AND zip TO code")
    assert change(r) == (SC.UPDATED, SC.TYPE, "ks", "addr")
    assert db.rows("SELECT a, f FROM t") == [
        ({"road": "s1", "code": 1}, {"road": "s2", "code": None})
    ]
    assert db.rows("SELECT a.road, f.road FROM t") == [("s1", "s2")]
    assert db.err("SELECT a.street FROM t").message == "a of type addr has no field street"
    db.q("UPDATE t SET a.road = 'r' WHERE k = 1")
    assert db.rows("SELECT a FROM t") == [({"road": "r", "code": 1},)]
    # a field can take over a name another field just gave up
    db.q("ALTER TYPE addr RENAME road TO x AND code TO road")
    assert db.rows("SELECT f FROM t") == [({"x": "s2", "road": None},)]


def test_alter_type_reaches_nested_types_and_clustering_keys() -> None:
    db = Db()
    db.q("CREATE TYPE addr (street text)")
    db.q("CREATE TYPE person (name text, home frozen<addr>)")
    db.q("CREATE TABLE p (k int, at frozen<addr>, who frozen<person>, PRIMARY KEY (k, at))")
    db.q("INSERT INTO p (k, at, who) VALUES (1, {street: 'x'}, {name: 'n', home: {street: 'h'}})")
    db.q("INSERT INTO p (k, at, who) VALUES (1, {street: 'y'}, null)")
    db.q("ALTER TYPE addr ADD zip int")
    assert db.rows("SELECT who.home FROM p WHERE k = 1 AND at = {street: 'x'}") == [
        ({"street": "h", "zip": None},)
    ]
    # a key written before the change is the same key as one written after with the new
    # field null (Cassandra compares missing trailing fields as null)
    db.q("INSERT INTO p (k, at) VALUES (1, {street: 'x', zip: null})")
    assert db.rows("SELECT at FROM p WHERE k = 1") == [
        ({"street": "x", "zip": None},),
        ({"street": "y", "zip": None},),
    ]
    assert db.rows("SELECT at FROM p WHERE k = 1 AND at = ?", udt(street="y", zip=None)) == [
        ({"street": "y", "zip": None},)
    ]
    assert db.all_rows("SELECT at FROM p", page_size=1) == [
        ({"street": "x", "zip": None},),
        ({"street": "y", "zip": None},),
    ]
    assert db.rows(
        "SELECT field_types FROM system_schema.types "
        "WHERE keyspace_name = 'ks' AND type_name = 'person'"
    ) == [(["text", "frozen<addr>"],)]


def test_alter_type_errors() -> None:
    db = Db()
    setup_addr(db)
    e = db.err("ALTER TYPE addr ADD zip bigint")
    assert e.message == "Cannot add field zip to type ks.addr: a field with name zip already exists"
    assert db.err("ALTER TYPE nope ADD x int").message == "Type ks.nope doesn't exist"
    assert db.err("ALTER TYPE other.addr ADD x int").message == "Type other.addr doesn't exist"
    assert db.err("ALTER TYPE addr RENAME nope TO x").message == (
        "Unkown field nope in user type ks.addr"  # sic, Cassandra's spelling
    )
    assert db.err("ALTER TYPE addr RENAME street TO zip").message == (
        "Duplicate field name zip in type ks"  # sic, Cassandra names the keyspace here
    )
    assert db.err("ALTER TYPE addr ADD self frozen<addr>").message == (
        "Cannot add new field self of type frozen<addr> to user type ks.addr as it would "
        "create a circular reference"
    )
    assert db.err("ALTER TYPE addr ADD n counter").message == "A user type cannot contain counters"
    assert db.err("ALTER TYPE addr ADD x frozen<nope>").message == "Unknown type ks.nope"
    assert db.err("ALTER TYPE addr ALTER zip TYPE bigint").message == (
        "Altering field types is no longer supported"
    )
    # nothing changed
    assert db.rows("SELECT f FROM t") == [({"street": "s2", "zip": None},)]


def test_alter_type_add_refused_when_in_a_partition_key() -> None:
    db = Db()
    db.q("CREATE TYPE addr (street text)")
    db.q("CREATE TABLE byaddr (a frozen<addr> PRIMARY KEY, v int)")
    assert db.err("ALTER TYPE addr ADD zip int").message == (
        "Cannot add new field zip of type int to user type ks.addr as the type is being used "
        "in partition key by the following tables: ks.byaddr"
    )
    # renaming does not change stored values: allowed
    assert change(db.q("ALTER TYPE addr RENAME street TO road"))[0] == SC.UPDATED


# --- UDT field selection --------------------------------------------------------------------


def test_select_field_names_and_values() -> None:
    db = Db()
    setup_addr(db)
    cql = "SELECT a.street, f.zip, a.zip AS z FROM t"
    assert db.columns(cql) == ["a.street", "f.zip", "z"]
    assert db.rows(cql) == [("s1", None, 1)]
    rs = db.q(cql).result_set
    assert rs.columns[0].type == q.TypeSpec(basic=q.TypeSpec.VARCHAR)
    assert rs.columns[1].type == q.TypeSpec(basic=q.TypeSpec.INT)
    db.q("INSERT INTO t (k) VALUES (2)")
    assert db.rows("SELECT a.street FROM t WHERE k = 2") == [(None,)]


def test_select_nested_field() -> None:
    db = Db()
    db.q("CREATE TYPE addr (street text)")
    db.q("CREATE TYPE person (name text, home frozen<addr>)")
    db.q("CREATE TABLE p (k int PRIMARY KEY, who frozen<person>)")
    db.q("INSERT INTO p (k, who) VALUES (1, {name: 'n', home: {street: 'h'}})")
    assert db.columns("SELECT who.home.street FROM p") == ["who.home.street"]
    assert db.rows("SELECT who.home.street, who.home FROM p") == [("h", {"street": "h"})]


def test_select_field_errors() -> None:
    db = Db()
    setup_addr(db)
    assert db.err("SELECT k.x FROM t").message == (
        "Invalid field selection: k of type int is not a user type"
    )
    assert db.err("SELECT f.nope FROM t").message == "f of type frozen<addr> has no field nope"
    assert db.err("SELECT a.nope FROM t").message == "a of type addr has no field nope"


# --- UPDATE / DELETE of one field -----------------------------------------------------------


def test_update_field_of_non_frozen_udt() -> None:
    db = Db()
    setup_addr(db)
    db.q("UPDATE t SET a.street = ? WHERE k = 1", "new")
    assert db.rows("SELECT a FROM t") == [({"street": "new", "zip": 1},)]
    db.q("UPDATE t SET a.zip = null WHERE k = 1")
    assert db.rows("SELECT a FROM t") == [({"street": "new", "zip": None},)]
    # a field update creates the value (and the row) when there is none
    db.q("UPDATE t SET a.zip = 9 WHERE k = 2")
    assert db.rows("SELECT k, a FROM t WHERE k = 2") == [(2, {"street": None, "zip": 9})]
    # two fields in one statement
    db.q("UPDATE t SET a.street = 'x', a.zip = 5 WHERE k = 3")
    assert db.rows("SELECT a FROM t WHERE k = 3") == [({"street": "x", "zip": 5},)]


def test_fields_have_their_own_timestamps_and_ttls() -> None:
    db = Db()
    db.q("CREATE TYPE addr (street text, zip int)")
    db.q("CREATE TABLE t (k int PRIMARY KEY, a addr)")
    db.q("UPDATE t USING TIMESTAMP 100 SET a.street = 'x' WHERE k = 1")
    db.q("UPDATE t USING TIMESTAMP 50 SET a.zip = 5 WHERE k = 1")  # older, other field: kept
    db.q("UPDATE t USING TIMESTAMP 60 SET a.street = 'old' WHERE k = 1")  # older: loses
    assert db.rows("SELECT a FROM t") == [({"street": "x", "zip": 5},)]
    # a whole-value write replaces every field, even those it leaves null
    db.q("UPDATE t USING TIMESTAMP 200 SET a = {zip: 7} WHERE k = 1")
    assert db.rows("SELECT a FROM t") == [({"street": None, "zip": 7},)]
    db.q("UPDATE t USING TTL 10 SET a.street = 'ttl' WHERE k = 2")
    db.q("UPDATE t SET a.zip = 2 WHERE k = 2")
    now = db.now // 1_000_000
    assert db.rows("SELECT a FROM t WHERE k = 2", now_in_seconds=now + 5) == [
        ({"street": "ttl", "zip": 2},)
    ]
    assert db.rows("SELECT a FROM t WHERE k = 2", now_in_seconds=now + 11) == [
        ({"street": None, "zip": 2},)
    ]


def test_update_field_errors() -> None:
    db = Db()
    setup_addr(db)
    assert db.err("UPDATE t SET f.street = ? WHERE k = 1", "x").message == (
        "Invalid operation (f.street = ?) for frozen UDT column f"
    )
    assert db.err("UPDATE t SET f.street = 'x' WHERE k = 1").message == (
        "Invalid operation (f.street = 'x') for frozen UDT column f"
    )
    db.q("ALTER TABLE t ADD n int")
    assert db.err("UPDATE t SET n.x = 1 WHERE k = 1").message == (
        "Invalid operation (n.x = 1) for non-UDT column n"
    )
    assert db.err("UPDATE t SET a.nope = 1 WHERE k = 1").message == (
        "UDT column a does not have a field named nope"
    )
    assert (
        db.err("UPDATE t SET k.x = 1 WHERE k = 1").message == "PRIMARY KEY part k found in SET part"
    )
    for cql in (
        "UPDATE t SET a = null, a.street = 'x' WHERE k = 1",
        "UPDATE t SET a.street = 'x', a = null WHERE k = 1",
        "UPDATE t SET a.street = 'x', a.street = 'y' WHERE k = 1",
    ):
        assert db.err(cql).message == "Multiple incompatible setting of column a", cql
    assert db.err("UPDATE t SET a.street = 1 WHERE k = 1").code == "INVALID_ARGUMENT"
    assert db.err("SELECT writetime(a) FROM t").message == (
        "Cannot use selection function writeTime on non-frozen UDT a"
    )


def test_delete_field() -> None:
    db = Db()
    setup_addr(db)
    db.q("DELETE a.street FROM t WHERE k = 1")
    assert db.rows("SELECT a FROM t") == [({"street": None, "zip": 1},)]
    db.q("DELETE a.zip FROM t WHERE k = 1")
    assert db.rows("SELECT a FROM t") == [(None,)]  # all fields gone: null
    assert db.err("DELETE f.street FROM t WHERE k = 1").message == (
        "Frozen UDT column f does not support field deletions"
    )
    assert db.err("DELETE k.x FROM t WHERE k = 1").message == (
        "Invalid identifier k for deletion (should not be a PRIMARY KEY part)"
    )
    db.q("ALTER TABLE t ADD n int")
    assert db.err("DELETE n.x FROM t WHERE k = 1").message == (
        "Invalid field deletion operation for non-UDT column n"
    )
    assert db.err("DELETE a.nope FROM t WHERE k = 1").message == (
        "UDT column a does not have a field named nope"
    )
    assert db.err("DELETE a['x'] FROM t WHERE k = 1").message == (
        "Invalid operation (DELETE a[?]) for non collection column a"
    )


def test_drop_non_frozen_udt_column_is_refused() -> None:
    db = Db()
    setup_addr(db)
    assert db.err("ALTER TABLE t DROP a").message == (
        "Cannot drop non-frozen column a of user type addr"
    )
    db.q("ALTER TABLE t DROP f")
    assert db.columns("SELECT * FROM t") == ["k", "a", "l"]


def test_non_frozen_udt_in_batch_and_static_column() -> None:
    db = Db()
    db.q("CREATE TYPE addr (street text, zip int)")
    db.q("CREATE TABLE t (k int, c int, s addr static, PRIMARY KEY (k, c))")
    db.batch(
        [
            ("UPDATE t SET s.street = ? WHERE k = 1", ["x"]),
            ("UPDATE t SET s.zip = ? WHERE k = 1", [3]),
        ]
    )
    assert db.rows("SELECT k, s FROM t") == [(1, {"street": "x", "zip": 3})]


def test_conditions_on_fields() -> None:
    db = Db()
    setup_addr(db)
    assert db.rows("UPDATE t SET a.zip = 2 WHERE k = 1 IF a.zip = 1") == [(True,)]
    not_applied = db.rows("UPDATE t SET a.zip = 3 WHERE k = 1 IF a.street = 'zz'")
    assert not_applied == [(False, {"street": "s1", "zip": 2})]
    assert db.rows("UPDATE t SET a.zip = 4 WHERE k = 1 IF f.zip = null") == [(True,)]
    assert db.rows("DELETE a FROM t WHERE k = 1 IF f.street IN ('s2', 'x')") == [(True,)]
    assert db.rows("SELECT a FROM t") == [(None,)]
    assert db.err("UPDATE t SET a.zip = 1 WHERE k = 1 IF a.nope = 1").message == (
        "Unknown field nope for column a"
    )
