"""Wire Response -> Result (rows decoded with the per-schema decoder)."""

from __future__ import annotations

from ._proto.bp import stargate as bp
from ._proto.stargate import query_pb2
from .codec import build_decoder
from .result import Result


def result_from_response(response: query_pb2.Response) -> Result:
    kind = response.WhichOneof("result")
    warnings = response.warnings
    traces = (
        bp.Traces.parse(response.traces.SerializeToString())
        if response.HasField("traces")
        else None
    )
    if kind == "result_set":
        rs = response.result_set
        rows = build_decoder(rs.columns).decode(rs.rows)
        state = rs.paging_state.value if rs.HasField("paging_state") else None
        return Result(rows, rs.columns, state, None, warnings, traces)
    change = None
    if kind == "schema_change":
        change = bp.SchemaChange.parse(response.schema_change.SerializeToString())
    return Result([], (), None, change, warnings, traces)
