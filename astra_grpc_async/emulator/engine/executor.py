"""The engine: statement text + values + parameters -> protobuf Response.

Statements are parsed once (the parser caches) and compiled once per
(text, default keyspace, schema version) into plans; each execution only
binds values and runs the plan.
"""

from __future__ import annotations

import collections
import uuid
from dataclasses import dataclass
from typing import Any

from astra_grpc_async._proto.stargate import query_pb2
from astra_grpc_async.emulator.cql import ast
from astra_grpc_async.emulator.cql.cache import TextCache
from astra_grpc_async.emulator.cql.parser import parse
from astra_grpc_async.emulator.errors import InvalidRequest

from .batch import BatchItem, run_batch
from .binding import Decoders, bind_values, positional_decoders
from .catalog import Catalog, Table
from .context import Clock, Ctx
from .ddl import execute_ddl
from .lwt import Conditional, run_conditional
from .select import SelectPlan, compile_select
from .system import SystemTables
from .terms import Binder, MarkerSpec
from .types import native
from .writes import WritePlan, apply_mutations, compile_delete, compile_insert, compile_update

__all__ = ["Engine", "Outcome"]

DEFAULT_PAGE_SIZE = 100
_LOGGED_CHARS = 1024
_LOCAL_QUORUM = query_pb2.LOCAL_QUORUM
_NO_KEYSPACE = (
    "No keyspace has been specified. USE a keyspace, or explicitly specify keyspace.tablename"
)
_DDL = (
    ast.CreateKeyspace, ast.DropKeyspace, ast.CreateTable, ast.DropTable, ast.AlterTableAdd,
    ast.AlterTableDrop, ast.CreateType, ast.DropType, ast.Truncate, ast.AlterKeyspace,
    ast.AlterTableOptions, ast.AlterTableRename, ast.AlterTypeAdd, ast.AlterTypeRename,
    ast.CreateIndex, ast.DropIndex,
)  # fmt: skip


@dataclass(slots=True)
class Outcome:
    response: query_pb2.Response
    mutated: bool  # True if state may have changed (DDL or a write that applied)


@dataclass(slots=True)
class Compiled:
    version: int
    plan: Any  # SelectPlan | WritePlan | list[WritePlan]
    specs: dict[int, MarkerSpec]
    decoders: Decoders | None  # positional values' fast path


class Engine:
    def __init__(self) -> None:
        self.catalog = Catalog()
        self.system = SystemTables(self.catalog)
        self.clock = Clock()
        self.consistency_log: collections.deque[tuple[str, int]] = collections.deque(maxlen=1000)
        # plans of texts over 64 KiB are not kept: they are compiled per call
        self._plans: TextCache[Compiled] = TextCache(4096, 32 * 1024 * 1024, 64 * 1024)

    # --- public API ------------------------------------------------------------

    def execute(self, query: query_pb2.Query, *, now_micros: int) -> Outcome:
        cql = query.cql  # a new str on each access: read it once
        keyspace: str | None = None
        ts: int | None = None
        now = now_micros // 1_000_000
        consistency = _LOCAL_QUORUM
        params = query.parameters
        tracing = False
        if query.HasField("parameters"):
            if params.HasField("consistency"):
                consistency = params.consistency.value
            if params.HasField("keyspace"):
                keyspace = params.keyspace.value
            if params.HasField("now_in_seconds"):
                now = params.now_in_seconds.value
            if params.HasField("timestamp"):
                ts = params.timestamp.value
            tracing = params.tracing
        self.consistency_log.append((_logged(cql), consistency))
        parsed = parse(cql)
        ctx = Ctx([], now, now_micros, self.clock, ts)
        values = query.values if query.HasField("values") else None
        saved = self.clock.snapshot()
        mutated = False
        try:
            response, mutated = self._run(cql, parsed, keyspace, values, ctx, params)
            if tracing:
                _add_trace(response, cql, now_micros, self.clock)
        finally:
            if not mutated:
                self.clock.restore(saved)
        return Outcome(response, mutated)

    def execute_batch(self, batch: query_pb2.Batch, *, now_micros: int) -> Outcome:
        if not batch.queries:  # Stargate's BatchHandler validation
            raise InvalidRequest("No queries in batch")
        params = batch.parameters
        consistency = params.consistency.value if params.HasField("consistency") else _LOCAL_QUORUM
        keyspace = params.keyspace.value if params.HasField("keyspace") else None
        now = (
            params.now_in_seconds.value
            if params.HasField("now_in_seconds")
            else now_micros // 1_000_000
        )
        ts = params.timestamp.value if params.HasField("timestamp") else None
        saved = self.clock.snapshot()
        mutated = False
        try:
            response = self._batch(batch, keyspace, consistency, now, now_micros, ts)
            mutated = _mutated(response)
            if params.tracing:
                _add_trace(response, "BATCH", now_micros, self.clock)
        finally:
            if not mutated:
                self.clock.restore(saved)
        return Outcome(response, mutated)

    def _batch(
        self,
        batch: query_pb2.Batch,
        keyspace: str | None,
        consistency: int,
        now: int,
        now_micros: int,
        ts: int | None,
    ) -> query_pb2.Response:
        items = []
        for q in batch.queries:
            self.consistency_log.append((_logged(q.cql), consistency))
            parsed = parse(q.cql)
            stmt = parsed.statement
            if not isinstance(stmt, ast.Insert | ast.Update | ast.Delete):
                raise InvalidRequest(
                    "Invalid statement in batch: only UPDATE, INSERT and DELETE statements "
                    "are allowed."
                )
            compiled = self._compile(q.cql, parsed, keyspace)
            ctx = Ctx([], now, now_micros, self.clock, ts)
            ctx.bound = bind_values(
                parsed.markers,
                compiled.specs,
                q.values if q.HasField("values") else None,
                compiled.decoders,
            )
            items.append(BatchItem(compiled.plan, ctx))
        kind = {0: "LOGGED", 1: "UNLOGGED", 2: "COUNTER"}.get(batch.type, "LOGGED")
        return run_batch(kind, items, ts)

    # --- internals -------------------------------------------------------------

    def _run(
        self,
        cql: str,
        parsed: ast.Parsed,
        keyspace: str | None,
        values: query_pb2.Values | None,
        ctx: Ctx,
        params: query_pb2.QueryParameters,
    ) -> tuple[query_pb2.Response, bool]:
        stmt = parsed.statement
        # a cached plan is a DML statement's (DDL and USE are never cached)
        compiled = self._plans.get((cql, keyspace))
        if compiled is None or compiled.version != self.catalog.version:
            if isinstance(stmt, ast.Use):
                raise InvalidRequest("USE <keyspace> not supported")
            if isinstance(stmt, _DDL):
                bind_values(parsed.markers, {}, values)
                change = execute_ddl(self.catalog, stmt, keyspace)
                if change is not None:
                    self._plans.clear()
                    return query_pb2.Response(schema_change=change), True
                return query_pb2.Response(), isinstance(stmt, ast.Truncate)
            compiled = self._compile(cql, parsed, keyspace)
        ctx.bound = bind_values(parsed.markers, compiled.specs, values, compiled.decoders)
        plan = compiled.plan
        if isinstance(plan, SelectPlan):
            if plan.table.virtual:
                self.system.refresh()
            page_size: int | None = DEFAULT_PAGE_SIZE
            if params.HasField("page_size"):
                page_size = params.page_size.value if params.page_size.value > 0 else None
            state = params.paging_state.value if params.HasField("paging_state") else b""
            response = query_pb2.Response()
            plan.execute(ctx, response.result_set, page_size, state or None, params.skip_metadata)
            return response, False
        if isinstance(plan, list):  # BEGIN BATCH ... APPLY BATCH
            assert isinstance(stmt, ast.BatchStatement)
            items = [BatchItem(p, ctx) for p in plan]
            response = run_batch(stmt.kind, items, ctx.timestamp)
            return response, _mutated(response)
        assert isinstance(plan, WritePlan)
        if plan.conditional:
            muts = plan.mutations(ctx)
            applied, rs = run_conditional([Conditional(plan, ctx, muts)], batch=False)
            return query_pb2.Response(result_set=rs), applied
        apply_mutations(plan.mutations(ctx))
        return query_pb2.Response(), True

    def _compile(self, cql: str, parsed: ast.Parsed, keyspace: str | None) -> Compiled:
        key = (cql, keyspace)
        version = self.catalog.version
        hit = self._plans.get(key)
        if hit is not None and hit.version == version:
            return hit
        binder = Binder(parsed.markers)
        stmt = parsed.statement
        plan: Any
        if isinstance(stmt, ast.Select):
            plan = compile_select(self._table(stmt.table, keyspace), stmt, binder)
        elif isinstance(stmt, ast.BatchStatement):
            plan = [self._compile_write(s, keyspace, binder) for s in stmt.statements]
            if stmt.timestamp is not None:
                ts_ev = binder.term(stmt.timestamp, native("bigint"), "[timestamp]")
                for p in plan:
                    if p.timestamp is not None:
                        raise InvalidRequest(
                            "Timestamp must be set either on BATCH or individual statements"
                        )
                    p.timestamp = ts_ev
        else:
            plan = self._compile_write(stmt, keyspace, binder)
        specs = binder.specs
        compiled = Compiled(version, plan, specs, positional_decoders(parsed.markers, specs))
        self._plans.put(key, compiled, len(cql))
        return compiled

    def _compile_write(
        self, stmt: ast.Statement, keyspace: str | None, binder: Binder
    ) -> WritePlan:
        if isinstance(stmt, ast.Insert):
            return compile_insert(self._table(stmt.table, keyspace), stmt, binder)
        if isinstance(stmt, ast.Update):
            return compile_update(self._table(stmt.table, keyspace), stmt, binder)
        if isinstance(stmt, ast.Delete):
            return compile_delete(self._table(stmt.table, keyspace), stmt, binder)
        raise InvalidRequest(f"Unsupported statement {type(stmt).__name__}")

    def _table(self, name: ast.TableName, keyspace: str | None) -> Table:
        ks = name.keyspace or keyspace
        if ks is None:
            raise InvalidRequest(_NO_KEYSPACE)
        return self.catalog.table(ks, name.name)


def _logged(cql: str) -> str:
    # the log keeps the last 1,000 statements: not 1,000 texts of any size
    return cql if len(cql) <= _LOGGED_CHARS else cql[:_LOGGED_CHARS]


def _mutated(response: query_pb2.Response) -> bool:
    if not response.HasField("result_set"):
        return True
    rows = response.result_set.rows
    return bool(rows) and rows[0].values[0].boolean


def _add_trace(response: query_pb2.Response, cql: str, now_micros: int, clock: Clock) -> None:
    trace_id = uuid.UUID(bytes=clock.timeuuid(now_micros))
    tr = response.traces
    tr.id = str(trace_id)
    tr.started_at = now_micros // 1000
    tr.duration = 120
    for i, activity in enumerate(
        (f"Parsing {cql[:200]}", "Preparing statement", "Executing single-partition query")
    ):
        tr.events.add(
            activity=activity,
            source="127.0.0.1",
            source_elapsed=(i + 1) * 40,
            thread="Native-Transport-Requests-1",
            event_id=str(uuid.UUID(bytes=clock.timeuuid(now_micros + i + 1))),
        )
