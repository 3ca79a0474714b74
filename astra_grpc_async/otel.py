"""OpenTelemetry spans and metrics for a Client, from its hooks.

    from astra_grpc_async.otel import instrument

    instrumentation = instrument(client)   # the global tracer/meter providers
    ...
    instrumentation.uninstrument()

One CLIENT span per call (a query, each page of a stream, a batch), named
`<operation> <keyspace>.<table>` and carrying the database semantic
conventions: `db.system` ("cassandra"), `db.statement` (the CQL text as
written: bind values are never part of it, so prefer `?` markers to inline
literals, or pass `capture_statement=False`), `db.operation`, `db.name` (the
keyspace), `db.cassandra.table`, `server.address`/`server.port`, and on
failure an ERROR status, `error.type` and `db.response.status_code` (the
gRPC status name). Retries are span events.

Metrics: `db.client.operation.duration` (histogram, seconds, all retries
included), `astra_grpc_async.client.in_flight` (up-down counter of calls on
the wire), `astra_grpc_async.client.retries` and
`astra_grpc_async.client.errors` (counters; errors by `error.type` and
`db.response.status_code`).

Setting OTEL_SEMCONV_STABILITY_OPT_IN=database emits the newer stable names
instead (`db.system.name`, `db.query.text`, `db.operation.name`,
`db.namespace`, `db.collection.name`); `database/dup` emits both.

Needs the `otel` extra (opentelemetry-api); calls cost nothing extra when
no SDK is installed.
"""

from __future__ import annotations

import contextvars
import os
import re
import time
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from opentelemetry import metrics, trace
from opentelemetry.metrics import CallbackOptions, Observation
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from ._version import __version__
from .client import Client
from .hooks import CallInfo
from .result import Result

__all__ = ["Instrumentation", "instrument"]

SCOPE = "astra_grpc_async"
SEMCONV_ENV = "OTEL_SEMCONV_STABILITY_OPT_IN"
DB_SYSTEM = "cassandra"
DURATION_BUCKETS = (0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0)

_TARGET = re.compile(
    r"""\b(?:FROM|INTO|UPDATE|TABLE(?:\s+IF\s+(?:NOT\s+)?EXISTS)?)\s+
        ((?:"[^"]+"|\w+)(?:\s*\.\s*(?:"[^"]+"|\w+))?)""",
    re.IGNORECASE | re.VERBOSE,
)


def _table_of(statement: str) -> tuple[str | None, str | None]:
    """(keyspace, table) named by a statement, as far as a regex can tell. For
    a batch's statements: the keyspace and table they all share, if any."""
    found: set[tuple[str | None, str]] = set()
    for m in _TARGET.finditer(statement):
        parts = [p.strip().strip('"') for p in m.group(1).split(".")]
        found.add((parts[0], parts[1]) if len(parts) == 2 else (None, parts[0]))
    keyspaces = {ks for ks, _ in found}
    tables = {t for _, t in found}
    return (
        keyspaces.pop() if len(keyspaces) == 1 else None,
        tables.pop() if len(tables) == 1 else None,
    )


def _semconv_modes(env: Mapping[str, str]) -> tuple[bool, bool]:
    """(emit the older names, emit the stable names) from the opt-in variable."""
    opts = {o.strip() for o in env.get(SEMCONV_ENV, "").split(",")}
    if "database/dup" in opts:
        return True, True
    if "database" in opts:
        return False, True
    return True, False


@dataclass(slots=True)
class _Call:
    info: CallInfo
    span: Span
    attrs: dict[str, str]  # the metric attributes


class Instrumentation:
    """The hooks `instrument()` registered; `uninstrument()` removes them."""

    def __init__(
        self,
        client: Client,
        tracer: trace.Tracer,
        meter: metrics.Meter,
        *,
        capture_statement: bool = True,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self._client = client
        self._tracer = tracer
        self._capture_statement = capture_statement
        self._old, self._new = _semconv_modes(os.environ if env is None else env)
        self._current: contextvars.ContextVar[_Call | None] = contextvars.ContextVar(
            "astra_grpc_async_otel_call", default=None
        )
        endpoints = client.endpoints
        self._server: dict[str, str | int] = (
            {"server.address": endpoints[0].host, "server.port": endpoints[0].port}
            if len(endpoints) == 1
            else {}
        )
        self._duration = meter.create_histogram(
            "db.client.operation.duration",
            unit="s",
            description="Duration of database client operations, retries included",
            explicit_bucket_boundaries_advisory=list(DURATION_BUCKETS),
        )
        self._retries = meter.create_counter(
            "astra_grpc_async.client.retries", unit="{retry}", description="Retried calls"
        )
        self._errors = meter.create_counter(
            "astra_grpc_async.client.errors", unit="{error}", description="Failed calls"
        )
        client_ref = weakref.ref(client)
        active = [True]

        def observe_in_flight(_: CallbackOptions) -> Iterable[Observation]:
            c = client_ref()
            if c is None or not active[0]:
                return []
            return [Observation(c.in_flight, {"db.system": DB_SYSTEM})]

        self._active = active
        meter.create_observable_up_down_counter(
            "astra_grpc_async.client.in_flight",
            callbacks=[observe_in_flight],
            unit="{call}",
            description="Calls on the wire (waiting for an answer)",
        )
        client.hooks.on_request.append(self._on_request)
        client.hooks.on_response.append(self._on_response)
        client.hooks.on_retry.append(self._on_retry)

    def uninstrument(self) -> None:
        """Remove the hooks (idempotent)."""
        hooks = self._client.hooks
        for hook_list, hook in (
            (hooks.on_request, self._on_request),
            (hooks.on_response, self._on_response),
            (hooks.on_retry, self._on_retry),
        ):
            while hook in hook_list:
                hook_list.remove(hook)  # type: ignore[arg-type]
        self._active[0] = False

    # --- the hooks -----------------------------------------------------------

    def _attributes(self, info: CallInfo) -> tuple[str, dict[str, Any], dict[str, str]]:
        operation = info.operation
        named_ks, table = _table_of(info.statement)
        keyspace = named_ks or info.keyspace
        span_attrs: dict[str, Any] = {"astra_grpc_async.call.kind": info.kind, **self._server}
        metric_attrs: dict[str, str] = {}
        if self._old:
            span_attrs["db.system"] = DB_SYSTEM
            span_attrs["db.operation"] = operation
            if self._capture_statement:
                span_attrs["db.statement"] = info.statement
            if keyspace:
                span_attrs["db.name"] = keyspace
            if table:
                span_attrs["db.cassandra.table"] = table
            metric_attrs["db.system"] = DB_SYSTEM
            metric_attrs["db.operation"] = operation
        if self._new:
            span_attrs["db.system.name"] = DB_SYSTEM
            span_attrs["db.operation.name"] = operation
            if self._capture_statement:
                span_attrs["db.query.text"] = info.statement
            if keyspace:
                span_attrs["db.namespace"] = keyspace
            if table:
                span_attrs["db.collection.name"] = table
            metric_attrs["db.system.name"] = DB_SYSTEM
            metric_attrs["db.operation.name"] = operation
        if keyspace:
            metric_attrs["db.namespace" if self._new else "db.name"] = keyspace
        target = f"{keyspace}.{table}" if keyspace and table else (table or keyspace)
        name = f"{operation} {target}" if target else (operation or DB_SYSTEM)
        return name, span_attrs, metric_attrs

    def _on_request(self, info: CallInfo) -> None:
        name, span_attrs, metric_attrs = self._attributes(info)
        span = self._tracer.start_span(name, kind=SpanKind.CLIENT, attributes=span_attrs)
        # the response hook runs in the same task (the client's call path),
        # so a context variable pairs them without a shared table to leak from
        self._current.set(_Call(info, span, metric_attrs))

    def _on_response(
        self, info: CallInfo, result: Result | None, error: BaseException | None, seconds: float
    ) -> None:
        call = self._current.get()
        if call is None or call.info is not info:
            return  # instrumented while this call was under way
        self._current.set(None)
        span, attrs = call.span, call.attrs
        if error is not None:
            error_type = type(error).__name__
            code = getattr(error, "code", None)
            attrs = {**attrs, "error.type": error_type}
            span.set_attribute("error.type", error_type)
            if code:
                span.set_attribute("db.response.status_code", str(code))
            span.record_exception(error)
            span.set_status(Status(StatusCode.ERROR, f"{error_type}: {error}"))
            err_attrs = dict(attrs)
            if code:
                err_attrs["db.response.status_code"] = str(code)
            self._errors.add(1, err_attrs)
        elif result is not None:
            rows = _returned_rows(result)
            if rows is not None:
                span.set_attribute("db.response.returned_rows", rows)
        self._duration.record(seconds, attrs)
        span.end()

    def _on_retry(self, info: CallInfo, error: BaseException, attempt: int) -> None:
        call = self._current.get()
        error_type = type(error).__name__
        attrs = dict(call.attrs) if call is not None and call.info is info else {}
        attrs["error.type"] = error_type
        self._retries.add(1, attrs)
        if call is not None and call.info is info:
            call.span.add_event(
                "retry",
                {"attempt": attempt, "error.type": error_type},
                timestamp=time.time_ns(),
            )


def _returned_rows(result: Result) -> int | None:
    """Rows in the answer (counted, not decoded); None for a statement that
    returns no rows (a write, DDL)."""
    if not result._raw_columns and not len(result):
        return None
    return len(result)


def instrument(
    client: Client,
    tracer_provider: trace.TracerProvider | None = None,
    meter_provider: metrics.MeterProvider | None = None,
    *,
    capture_statement: bool = True,
) -> Instrumentation:
    """Trace and measure every call of `client` (see the module docstring).
    Without providers the global ones are used (set by the OpenTelemetry
    SDK or its auto-instrumentation)."""
    tracer = trace.get_tracer(SCOPE, __version__, tracer_provider)
    meter = metrics.get_meter(SCOPE, __version__, meter_provider)
    return Instrumentation(client, tracer, meter, capture_statement=capture_statement)
