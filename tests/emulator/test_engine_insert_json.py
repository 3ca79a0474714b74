"""Engine: INSERT ... JSON -- values converted by column type, DEFAULT NULL /
UNSET, conditional inserts, and Cassandra's error wording."""

from __future__ import annotations

import uuid

from test_engine_helpers import Db

DOC = (
    '{"k": 1, "c": "x", "v": "hello", "u": "123e4567-e89b-12d3-a456-426614174000", '
    '"ts": "2020-01-01 00:00:00+0000", "b": "0xcafe", "l": [3, 1], "s": ["b", "a", "b"], '
    '"m": {"2": "two", "1": "one"}, "a": {"street": "main", "ZIP": 5}, "d": 1.50, '
    '"f": "2.5", "ip": "127.0.0.1", "dt": "2020-01-02", "bo": "TRUE", "big": "12", '
    '"tu": [1, "z"]}'
)


def table() -> Db:
    db = Db()
    db.q("CREATE TYPE addr (street text, zip int)")
    db.q(
        "CREATE TABLE t (k int, c text, v text, u uuid, ts timestamp, b blob, l list<int>, "
        "s set<text>, m map<int, text>, a frozen<addr>, d decimal, f double, ip inet, "
        "dt date, bo boolean, big bigint, tu tuple<int, text>, PRIMARY KEY (k, c))"
    )
    return db


def test_insert_json_converts_by_type() -> None:
    db = table()
    db.q(f"INSERT INTO t JSON '{DOC}'")
    assert db.rows("SELECT JSON * FROM t") == [
        (
            '{"k": 1, "c": "x", "a": {"street": "main", "zip": 5}, "b": "0xcafe", '
            '"big": 12, "bo": true, "d": 1.50, "dt": "2020-01-02", "f": 2.5, '
            '"ip": "127.0.0.1", "l": [3, 1], "m": {"1": "one", "2": "two"}, '
            '"s": ["a", "b"], "ts": "2020-01-01 00:00:00.000Z", "tu": [1, "z"], '
            '"u": "123e4567-e89b-12d3-a456-426614174000", "v": "hello"}',
        )
    ]
    assert db.rows("SELECT u, l, a FROM t") == [
        (uuid.UUID("123e4567-e89b-12d3-a456-426614174000"), [3, 1], {"street": "main", "zip": 5})
    ]


def test_insert_json_marker_and_defaults() -> None:
    db = table()
    db.q("INSERT INTO t JSON ?", '{"k": 1, "c": "x", "v": "a", "l": [1]}')
    db.q("INSERT INTO t JSON ? DEFAULT UNSET", '{"k": 1, "c": "x", "v": "b"}')
    assert db.rows("SELECT v, l FROM t") == [("b", [1])]
    db.q("INSERT INTO t JSON :j DEFAULT NULL", '{"k": 1, "c": "x", "v": "c"}', names=["j"])
    assert db.rows("SELECT v, l FROM t") == [("c", None)]
    # quoted keys keep their case; unquoted ones are lower-cased
    db.q("""CREATE TABLE q ("Key" int PRIMARY KEY, val int)""")
    db.q("""INSERT INTO q JSON '{"\\"Key\\"": 1, "VAL": 2}'""")
    assert db.rows("SELECT * FROM q") == [(1, 2)]


def test_insert_json_if_not_exists_and_using() -> None:
    db = table()
    assert db.rows("""INSERT INTO t JSON '{"k": 2, "c": "y", "v": "a"}' IF NOT EXISTS""") == [
        (True,)
    ]
    rows = db.rows("""INSERT INTO t JSON '{"k": 2, "c": "y", "v": "b"}' IF NOT EXISTS""")
    assert rows[0][:4] == (False, 2, "y", None)
    db.q("""INSERT INTO t JSON '{"k": 3, "c": "z", "v": "a"}' USING TTL 100""")
    assert db.rows("SELECT TTL(v) FROM t WHERE k = 3") == [(100,)]


def test_insert_json_errors() -> None:
    db = table()
    cases = {
        '{"k": "x", "c": "a"}': "Error decoding JSON value for k: Unable to make int from 'x'",
        '{"k": 1.5, "c": "a"}': (
            "Error decoding JSON value for k: Expected an int value, but got a Double: 1.5"
        ),
        '{"k": true, "c": "a"}': (
            "Error decoding JSON value for k: Expected an int value, but got a Boolean: true"
        ),
        '{"k": 1, "c": 5}': (
            "Error decoding JSON value for c: Expected a UTF-8 string, but got a Integer: 5"
        ),
        '{"k": 1, "c": "a", "zz": 1}': "JSON values map contains unrecognized column: zz",
        '{"c": "a"}': "Invalid null value in condition for column k",
        '{"k": 1}': "Invalid null value in condition for column c",
        '{"k": 1, "c": "a", "b": "ff"}': (
            "Error decoding JSON value for b: Value 'ff' is not a valid blob representation: "
            "String representation of blob is missing 0x prefix: ff"
        ),
        '{"k": 1, "c": "a", "l": [1, null]}': (
            "Error decoding JSON value for l: null is not supported inside collections"
        ),
        '{"k": 1, "c": "a", "a": {"nope": 1}}': (
            "Error decoding JSON value for a: Unknown field 'nope' in value of user defined "
            "type addr"
        ),
    }
    for doc, message in cases.items():
        assert str(db.err("INSERT INTO t JSON ?", doc)) == message, doc
    assert str(db.err("INSERT INTO t JSON ?", "[1]")).startswith(
        "Could not decode JSON string as a map"
    )
    assert str(db.err("INSERT INTO t JSON ?", "{nope")).startswith(
        "Could not decode JSON string as a map"
    )
    db.q("CREATE TABLE cnt (k int PRIMARY KEY, n counter)")
    assert str(db.err("""INSERT INTO cnt JSON '{"k": 1}'""")) == (
        "INSERT statements are not allowed on counter tables, use UPDATE instead"
    )
