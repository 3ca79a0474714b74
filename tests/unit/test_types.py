from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import pickle

import pytest

from astra_grpc_async.types import (
    UNSET,
    Date,
    Duration,
    Float32,
    Time,
    Timestamp,
    Udt,
    UnsetType,
    Varint,
)

UTC = dt.UTC


def test_unset_is_a_falsy_singleton() -> None:
    assert UnsetType() is UNSET
    assert not UNSET
    assert repr(UNSET) == "UNSET"
    assert pickle.loads(pickle.dumps(UNSET)) is UNSET
    assert copy.deepcopy(UNSET) is UNSET


def test_float32_and_varint_are_numbers() -> None:
    assert Float32(1.5) == 1.5 and isinstance(Float32(1.5), float)
    assert repr(Float32(1.5)) == "Float32(1.5)"
    assert Varint(3) + 1 == 4 and isinstance(Varint(3), int)
    assert repr(Varint(-3)) == "Varint(-3)"


def test_udt_mapping_and_attributes() -> None:
    u = Udt({"street": "Main", "zip": 1})
    assert u == Udt(street="Main", zip=1)
    assert u == {"street": "Main", "zip": 1}
    assert u["street"] == "Main" and u.zip == 1
    assert len(u) == 2 and list(u) == ["street", "zip"]
    assert dict(u) == {"street": "Main", "zip": 1}
    assert repr(u) == "Udt(street='Main', zip=1)"
    assert repr(Udt({"a b": 1})) == "Udt({'a b': 1})"
    assert Udt({"name": "x"}, n=2) == {"name": "x", "n": 2}
    with pytest.raises(AttributeError):
        _ = u.missing
    with pytest.raises(AttributeError):
        u.zip = 2  # type: ignore[misc]
    with pytest.raises(TypeError):
        u["zip"] = 2  # type: ignore[index]
    with pytest.raises(TypeError):
        Udt({1: "x"})  # type: ignore[dict-item]
    assert hash(u) == hash(Udt(zip=1, street="Main"))
    assert {u} == {Udt(zip=1, street="Main")}
    assert pickle.loads(pickle.dumps(u)) == u
    assert u != 3


def test_duration_validation() -> None:
    assert Duration(1, 2, 3) == Duration(months=1, days=2, nanos=3)
    assert Duration(-1, -2, -3).months == -1
    assert Duration(0, -1, 0).days == -1
    with pytest.raises(ValueError):
        Duration(1, -1, 0)
    with pytest.raises(ValueError):
        Duration(0, 1, -1)
    with pytest.raises(ValueError):
        Duration(2**31, 0, 0)
    with pytest.raises(ValueError):
        Duration(0, 0, 2**63)
    with pytest.raises(TypeError):
        Duration(1.5, 0, 0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Duration(True, 0, 0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        Duration().months = 1  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(Duration(1, 2, 3))) == Duration(1, 2, 3)


@pytest.mark.parametrize(
    "delta",
    [
        dt.timedelta(0),
        dt.timedelta(days=3, microseconds=5),
        dt.timedelta(microseconds=-1),
        dt.timedelta(days=-3, hours=2),
        dt.timedelta.max,
        dt.timedelta.min,
    ],
)
def test_duration_timedelta_round_trip(delta: dt.timedelta) -> None:
    d = Duration.from_timedelta(delta)
    assert d.months == 0
    assert d.to_timedelta() == delta


def test_duration_without_timedelta_equivalent() -> None:
    with pytest.raises(ValueError):
        Duration(1, 0, 0).to_timedelta()
    with pytest.raises(ValueError):
        Duration(0, 0, 1).to_timedelta()


def test_date() -> None:
    assert Date(0).to_date() == dt.date(1970, 1, 1)
    assert Date.from_date(dt.date(1, 1, 1)).to_date() == dt.date(1, 1, 1)
    assert Date.from_date(dt.date.max).to_date() == dt.date.max
    assert Date(-1) < Date(0)
    with pytest.raises(ValueError):
        Date(-(2**31)).to_date()
    with pytest.raises(ValueError):
        Date(Date.from_date(dt.date.max).days + 1).to_date()
    with pytest.raises(ValueError):
        Date(2**31)


def test_timestamp() -> None:
    assert Timestamp(0).to_datetime() == dt.datetime(1970, 1, 1, tzinfo=UTC)
    assert Timestamp.from_datetime(dt.datetime(2000, 1, 1)) == Timestamp(946684800000)
    # truncation toward -infinity
    assert Timestamp.from_datetime(dt.datetime(1969, 12, 31, 23, 59, 59, 999999)) == Timestamp(-1)
    eastern = dt.timezone(dt.timedelta(hours=-5))
    assert Timestamp.from_datetime(dt.datetime(1970, 1, 1, tzinfo=eastern)).ms == 5 * 3600 * 1000
    top = Timestamp.from_datetime(dt.datetime.max)
    assert top.to_datetime() == dt.datetime.max.replace(microsecond=999000, tzinfo=UTC)
    with pytest.raises(ValueError):
        Timestamp(top.ms + 1).to_datetime()
    with pytest.raises(ValueError):
        Timestamp(2**63)


def test_time() -> None:
    assert Time(0).to_time() == dt.time(0)
    assert Time.from_time(dt.time(23, 59, 59, 999999)).nanos == 86399999999000
    assert Time(86399999999999).nanos == 86399999999999
    with pytest.raises(ValueError):
        Time(86399999999999).to_time()
    with pytest.raises(ValueError):
        Time(86400 * 10**9)
    with pytest.raises(ValueError):
        Time(-1)


def test_udt_field_names_that_clash_with_parameters() -> None:
    u = Udt(fields=1, self=2)
    assert u == {"fields": 1, "self": 2}
    assert u.fields == 1
    bare = Udt.__new__(Udt)
    with pytest.raises(AttributeError):
        _ = bare.anything
