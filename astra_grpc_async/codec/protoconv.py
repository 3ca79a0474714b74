"""The typed protocol layer (`astra_grpc_async.proto`) <-> the driver's codec.

The driver encodes and decodes with the upb messages (fast, on every call);
`proto` holds the betterproto2 dataclasses people read and build. These
functions bridge the two through the one codec, so a value means the same
thing whichever layer it came through:

    to_proto(value)            a Python value -> proto.Value (as a bind value is sent)
    to_proto_values(params)    bind values -> proto.Values (positional or named)
    from_proto(value, type)    a proto.Value of a CQL type -> the Python value

Messages cross between the layers as their wire bytes (one serialize, one
parse); `to_dataclass` converts an already parsed upb message without
parsing anything again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeVar

import betterproto2
from google.protobuf.json_format import MessageToDict
from google.protobuf.message import DecodeError, Message

from .. import proto
from .._proto.stargate import query_pb2
from ..errors import ProtocolError
from .decode import decode_value
from .encode import encode_value, encode_values

__all__ = ["from_proto", "to_dataclass", "to_proto", "to_proto_values"]

M = TypeVar("M", bound=betterproto2.Message)


def to_proto(value: object) -> proto.Value:
    """`value` as a `proto.Value`, encoded exactly as a bind value is
    (`UNSET` allowed); EncodeError when it cannot be encoded."""
    return proto.Value.parse(encode_value(value).SerializeToString())


def to_proto_values(params: Sequence[object] | Mapping[str, object]) -> proto.Values:
    """Bind values as a `proto.Values`: by position (a sequence) or by name
    (a mapping, names sent in its order). Empty params give an empty Values."""
    values = encode_values(params)
    return proto.Values() if values is None else proto.Values.parse(values.SerializeToString())


def from_proto(value: proto.Value, type: proto.TypeSpec) -> object:
    """The Python value of a `proto.Value` whose CQL type is `type` (the same
    mapping as a result row); ProtocolError when the value does not fit."""
    spec = _wire(query_pb2.TypeSpec, bytes(type))
    return decode_value(spec, _wire(query_pb2.Value, bytes(value)))


def to_dataclass(message: Message, cls: type[M]) -> M:
    """An already parsed upb message as its betterproto2 dataclass (field by
    field: nothing is parsed again)."""
    return cls.from_dict(MessageToDict(message), ignore_unknown_fields=True)


def detail_from_trailer(raw: bytes, wire_cls: type[Message], cls: type[M]) -> M | None:
    """A `stargate.*-bin` trailer's detail, parsed once and strictly (upb:
    betterproto2 alone accepts garbage), or None when it does not parse."""
    try:
        return to_dataclass(wire_cls.FromString(raw), cls)
    except (DecodeError, ValueError, TypeError, KeyError):
        return None


_W = TypeVar("_W", bound=Message)


def _wire(cls: type[_W], raw: bytes) -> _W:
    try:
        return cls.FromString(raw)
    except DecodeError as exc:  # pragma: no cover - a dataclass always serializes
        raise ProtocolError(f"not a valid {cls.__name__}: {exc}") from None
