"""A view of a Response whose rows stay serialized: `LazyResponse`.

Its fields are the Response's, except that `result_set.rows` holds each row's
bytes instead of a parsed `Row`. upb parses it in one fast C pass (no message
object per value), so a large page is ready in a fraction of the full parse:
its row count, paging state, columns, warnings and traces are there at once,
and the rows are parsed later, a step at a time, by whoever decodes them.

The message types are built at import from a descriptor made here (no
generated file): they reuse the real ColumnSpec, Traces and SchemaChange.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf import wrappers_pb2 as _wrappers

from ._proto.stargate import query_pb2

_F = descriptor_pb2.FieldDescriptorProto


def _build() -> tuple[Any, Any]:
    fd = descriptor_pb2.FileDescriptorProto(
        name="astra_grpc_async/lazy_response.proto",
        package="astra_grpc_async.lazy",
        syntax="proto3",
        dependency=[query_pb2.DESCRIPTOR.name, _wrappers.DESCRIPTOR.name],
    )
    rs = fd.message_type.add(name="LazyResultSet")
    rs.field.add(name="columns", number=1, label=_F.LABEL_REPEATED, type=_F.TYPE_MESSAGE,
                 type_name=".stargate.ColumnSpec")  # fmt: skip
    rs.field.add(name="rows", number=2, label=_F.LABEL_REPEATED, type=_F.TYPE_BYTES)
    rs.field.add(name="paging_state", number=3, label=_F.LABEL_OPTIONAL, type=_F.TYPE_MESSAGE,
                 type_name=".google.protobuf.BytesValue")  # fmt: skip
    resp = fd.message_type.add(name="LazyResponse")
    resp.oneof_decl.add(name="result")
    resp.field.add(name="result_set", number=1, label=_F.LABEL_OPTIONAL, type=_F.TYPE_MESSAGE,
                   type_name=".astra_grpc_async.lazy.LazyResultSet", oneof_index=0)  # fmt: skip
    resp.field.add(name="schema_change", number=4, label=_F.LABEL_OPTIONAL, type=_F.TYPE_MESSAGE,
                   type_name=".stargate.SchemaChange", oneof_index=0)  # fmt: skip
    resp.field.add(name="warnings", number=2, label=_F.LABEL_REPEATED, type=_F.TYPE_STRING)
    resp.field.add(name="traces", number=3, label=_F.LABEL_OPTIONAL, type=_F.TYPE_MESSAGE,
                   type_name=".stargate.Traces")  # fmt: skip
    pool = descriptor_pool.Default()
    try:
        file = pool.FindFileByName(fd.name)
    except KeyError:
        pool.Add(fd)
        file = pool.FindFileByName(fd.name)
    return (
        message_factory.GetMessageClass(file.message_types_by_name["LazyResponse"]),
        message_factory.GetMessageClass(file.message_types_by_name["LazyResultSet"]),
    )


LazyResponse, LazyResultSet = _build()
