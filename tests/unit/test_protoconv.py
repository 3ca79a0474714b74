"""The typed protocol layer <-> the driver's codec: values, Results, details."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

import astra_grpc_async as aga
from astra_grpc_async import codec, errors, proto
from astra_grpc_async import result as result_module
from astra_grpc_async._proto.stargate import query_pb2 as q
from astra_grpc_async.codec.protoconv import detail_from_trailer


def test_to_proto_encodes_like_a_bind_value() -> None:
    assert codec.to_proto(7) == proto.Value(int=7)
    assert codec.to_proto("x") == proto.Value(string="x")
    assert codec.to_proto(None).is_set("null")
    assert codec.to_proto(aga.UNSET).is_set("unset")
    assert codec.to_proto(aga.Float32(0.5)) == proto.Value(float=0.5)
    u = uuid.uuid4()
    assert codec.to_proto(u) == proto.Value(uuid=proto.Uuid(value=u.bytes))
    big = codec.to_proto(2**70)
    assert big.varint is not None and int.from_bytes(big.varint.value, "big", signed=True) == 2**70
    nested = codec.to_proto([1, {"k": 2}])
    assert nested.collection is not None and len(nested.collection.elements) == 2


def test_to_proto_refuses_what_the_codec_refuses() -> None:
    with pytest.raises(errors.EncodeError, match="cannot encode a value of type object"):
        codec.to_proto(object())


def test_to_proto_values_by_position_and_by_name() -> None:
    pos = codec.to_proto_values([1, "a"])
    assert pos.values == [proto.Value(int=1), proto.Value(string="a")] and not pos.value_names
    named = codec.to_proto_values({"b": 2, "a": 1})
    assert named.value_names == ["b", "a"]
    assert codec.to_proto_values([]) == proto.Values()


@pytest.mark.parametrize(
    ("basic", "value"),
    [
        (proto.TypeSpecBasic.INT, 5),
        (proto.TypeSpecBasic.VARCHAR, "héllo"),
        (proto.TypeSpecBasic.DECIMAL, Decimal("-12.345")),
        (proto.TypeSpecBasic.VARINT, 2**80),
        (proto.TypeSpecBasic.UUID, uuid.UUID(int=42)),
    ],
)
def test_from_proto_round_trips(basic: proto.TypeSpecBasic, value: object) -> None:
    spec = proto.TypeSpec(basic=basic)
    if basic == proto.TypeSpecBasic.VARINT:
        encoded = proto.Value(varint=proto.Varint(value=codec.to_proto(value).varint.value))  # type: ignore[union-attr]
    else:
        encoded = codec.to_proto(value)
    assert codec.from_proto(encoded, spec) == value


def test_from_proto_wrong_kind_is_a_protocol_error() -> None:
    with pytest.raises(errors.ProtocolError):
        codec.from_proto(proto.Value(string="x"), proto.TypeSpec(basic=proto.TypeSpecBasic.INT))


def _hand_built_response() -> proto.Response:
    int_type = proto.TypeSpec(basic=proto.TypeSpecBasic.INT)
    text_type = proto.TypeSpec(basic=proto.TypeSpecBasic.VARCHAR)
    return proto.Response(
        result_set=proto.ResultSet(
            columns=[
                proto.ColumnSpec(type=int_type, name="id"),
                proto.ColumnSpec(type=text_type, name="name"),
            ],
            rows=[
                proto.Row(values=[codec.to_proto(1), codec.to_proto("ada")]),
                proto.Row(values=[codec.to_proto(2), codec.to_proto(None)]),
            ],
            paging_state=b"more",
        ),
        warnings=["careful"],
        traces=proto.Traces(id="t1", duration=12, events=[proto.TracesEvent(activity="read")]),
    )


def test_result_from_proto_reads_rows_like_execute() -> None:
    result = aga.Result.from_proto(_hand_built_response())
    assert result.rows == [(1, "ada"), (2, None)]
    assert result.rows[0]["name"] == "ada" and result.rows[1].id == 2
    assert [c.name for c in result.columns] == ["id", "name"]
    assert [c.type for c in result.columns] == ["int", "varchar"]
    assert result.paging_state == b"more" and result.warnings == ["careful"]
    traces = result.traces
    assert isinstance(traces, proto.Traces)
    assert traces.duration == 12 and traces.events[0].activity == "read"


def test_result_from_proto_schema_change() -> None:
    change = proto.SchemaChange(
        change_type=proto.SchemaChangeType.DROPPED,
        target=proto.SchemaChangeTarget.TABLE,
        keyspace="ks",
        name="t",
    )
    result = aga.Result.from_proto(proto.Response(schema_change=change))
    assert result.rows == [] and result.schema_change == change
    assert isinstance(result.schema_change, proto.SchemaChange)
    assert repr(result) == "<Result 0 row(s), schema_change=DROPPED>"


def test_typed_details_are_converted_once_and_repr_converts_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[type] = []
    real = result_module.to_dataclass

    def counting(message: object, cls: type) -> object:
        calls.append(cls)
        return real(message, cls)  # type: ignore[arg-type]

    monkeypatch.setattr(result_module, "to_dataclass", counting)
    change = proto.SchemaChange(change_type=proto.SchemaChangeType.CREATED, keyspace="ks")
    result = aga.Result.from_proto(
        proto.Response(schema_change=change, traces=proto.Traces(id="x"))
    )
    for _ in range(3):
        repr(result)
    assert calls == []
    assert result.schema_change is result.schema_change
    assert result.traces is result.traces
    assert calls == [proto.SchemaChange, proto.Traces]
    # absent ones are remembered as absent too
    empty = aga.Result.from_proto(proto.Response())
    assert empty.traces is None and empty.schema_change is None and empty.traces is None
    assert calls == [proto.SchemaChange, proto.Traces]


def test_detail_from_trailer_parses_strictly() -> None:
    raw = q.Unavailable(consistency=q.ALL, required=3, alive=1).SerializeToString()
    detail = detail_from_trailer(raw, q.Unavailable, proto.Unavailable)
    assert detail == proto.Unavailable(consistency=proto.Consistency.ALL, required=3, alive=1)
    assert detail_from_trailer(b"\x08\x05garbage", q.Unavailable, proto.Unavailable) is None
    assert detail_from_trailer(b"\xff\xff\xff", q.Unavailable, proto.Unavailable) is None
