"""Batches (the gRPC ExecuteBatch call and CQL BEGIN BATCH ... APPLY BATCH):
all statements share one timestamp and are applied together, or, for a
conditional batch, only if every condition holds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from astra_grpc_async._proto.stargate import query_pb2
from astra_grpc_async.emulator.errors import InvalidRequest

from .context import Ctx
from .lwt import Conditional, run_conditional
from .writes import WritePlan, apply_mutations

__all__ = ["BatchItem", "run_batch"]


@dataclass(slots=True)
class BatchItem:
    plan: WritePlan
    ctx: Ctx


def _check_kind(kind: str, items: list[BatchItem]) -> None:
    counters = [it.plan.counter for it in items]
    if kind == "COUNTER" and not all(counters):
        raise InvalidRequest("Cannot include non-counter statement in a counter batch")
    if kind == "LOGGED" and any(counters):
        raise InvalidRequest("Cannot include a counter statement in a logged batch")
    if kind == "UNLOGGED" and any(counters) and not all(counters):
        raise InvalidRequest("Counter and non-counter mutations cannot exist in the same batch")


def run_batch(
    kind: Literal["LOGGED", "UNLOGGED", "COUNTER"] | str,
    items: list[BatchItem],
    batch_ts: int | None,
) -> query_pb2.Response:
    if not items:
        return query_pb2.Response()
    _check_kind(kind, items)
    conditional = any(it.plan.conditional for it in items)
    if conditional and any(it.plan.timestamp for it in items):  # USING TIMESTAMP
        raise InvalidRequest("Cannot provide custom timestamp for conditional BATCH")
    default_ts = batch_ts if batch_ts is not None else items[0].ctx.write_timestamp()
    evaluated = [
        Conditional(it.plan, it.ctx, it.plan.mutations(it.ctx, default_ts)) for it in items
    ]
    if conditional:
        _, rs = run_conditional(evaluated, batch=True)
        return query_pb2.Response(result_set=rs)
    apply_mutations([m for e in evaluated for m in e.mutations])
    return query_pb2.Response()
