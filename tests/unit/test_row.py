from __future__ import annotations

import pickle

import pytest

from astra_grpc_async.row import Row, make_row, row_class


def test_index_slice_and_name_access() -> None:
    row = make_row(["id", "name", "score"], [1, "a", 2.5])
    assert row[0] == 1
    assert row[-1] == 2.5
    assert row[1:] == ("a", 2.5)
    assert type(row[1:]) is tuple
    assert row["name"] == "a"
    assert row.name == "a"
    assert row.get("score") == 2.5
    assert row.get("missing", 7) == 7
    with pytest.raises(KeyError):
        row["missing"]
    with pytest.raises(AttributeError):
        _ = row.missing
    with pytest.raises(IndexError):
        row[3]


def test_sequence_and_mapping_views() -> None:
    row = make_row(["id", "name"], [1, "a"])
    assert len(row) == 2
    assert list(row) == [1, "a"]
    id_, name = row
    assert (id_, name) == (1, "a")
    assert row.keys() == ("id", "name")
    assert row.values() == (1, "a")
    assert row.items() == [("id", 1), ("name", "a")]
    assert dict(row.items()) == {"id": 1, "name": "a"}
    assert dict(row) == {"id": 1, "name": "a"}  # keys() + __getitem__
    assert row.as_dict() == {"id": 1, "name": "a"}
    assert 1 in row and "id" not in row


def test_equality_hash_and_repr() -> None:
    row = make_row(["id", "name"], [1, "a"])
    assert row == (1, "a")
    assert (1, "a") == row  # noqa: SIM300 - the reflected comparison
    assert row == make_row(["x", "y"], [1, "a"])  # names are not compared
    assert row != (1, "b")
    assert hash(row) == hash((1, "a"))
    assert {row: 1}[(1, "a")] == 1
    assert repr(row) == "Row(id=1, name='a')"
    assert repr(make_row(["[applied]"], [True])) == "Row([applied]=True)"
    with pytest.raises(TypeError):
        hash(make_row(["l"], [[1]]))


def test_pickle_round_trip() -> None:
    row = make_row(["id", "name"], [1, "a"])
    again = pickle.loads(pickle.dumps(row))
    assert again == row
    assert again.keys() == row.keys()
    assert again.name == "a"
    assert type(again) is type(row)


def test_duplicate_column_names() -> None:
    row = make_row(["count", "count", "x"], [1, 2, 3])
    assert row[0] == 1 and row[1] == 2 and row[2] == 3
    assert row["count"] == 1  # first occurrence
    assert row.keys() == ("count", "count", "x")
    assert row.items() == [("count", 1), ("count", 2), ("x", 3)]
    assert row.as_dict() == {"count": 1, "x": 3}
    assert repr(row) == "Row(count=1, count=2, x=3)"


def test_methods_win_over_columns() -> None:
    row = make_row(["keys", "items"], [1, 2])
    assert row["keys"] == 1
    assert callable(row.keys)
    assert row.keys() == ("keys", "items")


def test_class_is_cached_and_cheap() -> None:
    cls = row_class(("a", "b"))
    assert cls is row_class(("a", "b"))
    assert cls is not row_class(("a", "c"))
    assert issubclass(cls, Row) and issubclass(cls, tuple)
    row = tuple.__new__(cls, [1, 2])
    assert row.b == 2
    assert not hasattr(row, "__dict__")


def test_make_row_checks_lengths() -> None:
    with pytest.raises(ValueError):
        make_row(["a"], [1, 2])


def test_empty_row() -> None:
    row = make_row([], [])
    assert row == ()
    assert repr(row) == "Row()"
    assert row.as_dict() == {}
