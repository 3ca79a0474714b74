"""OpenTelemetry instrumentation (in-memory SDK exporters) and token-free logs."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

import astra_grpc_async as aga
from astra_grpc_async import errors
from astra_grpc_async.cli.logging_config import RedactTokens
from astra_grpc_async.emulator import EmulatorServer
from astra_grpc_async.hooks import CallInfo
from astra_grpc_async.otel import Instrumentation, _semconv_modes, _table_of, instrument


class Telemetry:
    def __init__(self) -> None:
        self.spans = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.spans))
        self.reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.reader])

    def metrics(self) -> dict[str, list[Any]]:
        """metric name -> its data points."""
        out: dict[str, list[Any]] = {}
        data = self.reader.get_metrics_data()
        for rm in data.resource_metrics if data else ():
            for sm in rm.scope_metrics:
                for m in sm.metrics:
                    out.setdefault(m.name, []).extend(m.data.data_points)
        return out

    def shutdown(self) -> None:
        self.tracer_provider.shutdown()
        self.meter_provider.shutdown()


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    t = Telemetry()
    yield t
    t.shutdown()


# --- pure: the hooks called by hand ---------------------------------------------


def _instrumented(telemetry: Telemetry, **kw: Any) -> tuple[aga.Client, Instrumentation]:
    client = aga.Client("127.0.0.1:1")  # never connects: the hooks are called directly
    inst = Instrumentation(
        client,
        telemetry.tracer_provider.get_tracer("t"),
        telemetry.meter_provider.get_meter("t"),
        **kw,
    )
    return client, inst


def _response_with_rows(n: int) -> aga.Result:
    from astra_grpc_async import proto

    column = proto.ColumnSpec(name="c", type=proto.TypeSpec(basic=proto.TypeSpecBasic.INT))
    rows = [proto.Row(values=[proto.Value(int=i)]) for i in range(n)]
    return aga.Result.from_proto(
        proto.Response(result_set=proto.ResultSet(columns=[column], rows=rows))
    )


def test_span_per_call_with_db_conventions(telemetry: Telemetry) -> None:
    client, _ = _instrumented(telemetry)
    info = CallInfo("query", "SELECT name FROM shop.users WHERE id = ?", "other")
    client.hooks.request(info)
    client.hooks.response(info, _response_with_rows(3), None, 0.012)
    (span,) = telemetry.spans.get_finished_spans()
    assert span.name == "SELECT shop.users"
    assert span.kind is SpanKind.CLIENT
    attrs = dict(span.attributes or {})
    assert attrs["db.system"] == "cassandra"
    assert attrs["db.statement"] == "SELECT name FROM shop.users WHERE id = ?"
    assert attrs["db.operation"] == "SELECT"
    assert attrs["db.name"] == "shop"  # the statement's keyspace wins
    assert attrs["db.cassandra.table"] == "users"
    assert attrs["db.response.returned_rows"] == 3
    assert attrs["server.address"] == "127.0.0.1" and attrs["server.port"] == 1
    assert span.status.status_code is StatusCode.UNSET


def test_error_status_and_error_metrics(telemetry: Telemetry) -> None:
    client, _ = _instrumented(telemetry)
    info = CallInfo("query", "INSERT INTO t (k) VALUES (?)", "ks")
    err = errors.UnavailableError("Cannot achieve consistency level", code="UNAVAILABLE")
    client.hooks.request(info)
    client.hooks.retry(info, err, 1)
    client.hooks.response(info, None, err, 0.5)
    (span,) = telemetry.spans.get_finished_spans()
    assert span.name == "INSERT ks.t"
    assert span.status.status_code is StatusCode.ERROR
    attrs = dict(span.attributes or {})
    assert attrs["error.type"] == "UnavailableError"
    assert attrs["db.response.status_code"] == "UNAVAILABLE"
    assert [e.name for e in span.events] == ["retry", "exception"]
    metrics = telemetry.metrics()
    (errs,) = metrics["astra_grpc_async.client.errors"]
    assert errs.value == 1
    assert errs.attributes["error.type"] == "UnavailableError"
    assert errs.attributes["db.response.status_code"] == "UNAVAILABLE"
    (retries,) = metrics["astra_grpc_async.client.retries"]
    assert retries.value == 1
    (duration,) = metrics["db.client.operation.duration"]
    assert duration.count == 1 and duration.sum == pytest.approx(0.5)
    assert duration.attributes["error.type"] == "UnavailableError"


def test_batch_span_and_statement_capture_off(telemetry: Telemetry) -> None:
    client, _ = _instrumented(telemetry, capture_statement=False)
    info = CallInfo("batch", "INSERT INTO a (k) VALUES (1); INSERT INTO b (k) VALUES (2)", "ks")
    client.hooks.request(info)
    client.hooks.response(info, None, None, 0.001)
    (span,) = telemetry.spans.get_finished_spans()
    assert span.name == "BATCH ks"  # the tables differ: only the keyspace is named
    attrs = dict(span.attributes or {})
    assert "db.statement" not in attrs and attrs["db.operation"] == "BATCH"


def test_stable_semconv_opt_in(telemetry: Telemetry) -> None:
    client, _ = _instrumented(telemetry, env={"OTEL_SEMCONV_STABILITY_OPT_IN": "database"})
    info = CallInfo("page", 'SELECT * FROM "Ks"."Tbl"', None)
    client.hooks.request(info)
    client.hooks.response(info, None, None, 0.001)
    attrs = dict(telemetry.spans.get_finished_spans()[0].attributes or {})
    assert attrs["db.system.name"] == "cassandra" and "db.system" not in attrs
    assert attrs["db.query.text"] == 'SELECT * FROM "Ks"."Tbl"'
    assert attrs["db.namespace"] == "Ks" and attrs["db.collection.name"] == "Tbl"
    assert attrs["astra_grpc_async.call.kind"] == "page"
    assert _semconv_modes({"OTEL_SEMCONV_STABILITY_OPT_IN": "http,database/dup"}) == (True, True)
    assert _semconv_modes({}) == (True, False)


def test_table_extraction() -> None:
    assert _table_of("select * from ks.t where k = 1") == ("ks", "t")
    assert _table_of("UPDATE t SET v = 1 WHERE k = 2") == (None, "t")
    assert _table_of("CREATE TABLE IF NOT EXISTS ks.t2 (k int PRIMARY KEY)") == ("ks", "t2")
    assert _table_of("CREATE KEYSPACE ks WITH replication = {}") == (None, None)
    batch = "INSERT INTO ks.a (k) VALUES (1); UPDATE ks.a SET v = 1 WHERE k = 2"
    assert _table_of(batch) == ("ks", "a")
    assert _table_of("INSERT INTO x.a (k) VALUES (1); INSERT INTO y.a (k) VALUES (2)") == (
        None,
        "a",
    )


def test_uninstrument_removes_the_hooks(telemetry: Telemetry) -> None:
    client, inst = _instrumented(telemetry)
    inst.uninstrument()
    inst.uninstrument()
    assert not client.hooks.on_request and not client.hooks.on_response
    info = CallInfo("query", "SELECT * FROM ks.t", None)
    client.hooks.request(info)
    client.hooks.response(info, None, None, 0.001)
    assert telemetry.spans.get_finished_spans() == ()


# --- through the emulator ---------------------------------------------------------


async def test_instrumented_client_against_the_emulator(
    stargate_emulator: EmulatorServer, stargate_keyspace: str, telemetry: Telemetry
) -> None:
    ks = stargate_keyspace
    async with aga.Client(stargate_emulator.endpoint, token=stargate_emulator.token) as client:
        instrument(client, telemetry.tracer_provider, telemetry.meter_provider)
        await client.execute(f"CREATE TABLE {ks}.kv (k int PRIMARY KEY, v text)")
        await client.execute_many(
            f"INSERT INTO {ks}.kv (k, v) VALUES (?, ?)", [(i, "secret-value") for i in range(5)]
        )
        await client.batch([(f"INSERT INTO {ks}.kv (k, v) VALUES (?, ?)", [9, "x"])])
        async with client.stream(f"SELECT * FROM {ks}.kv", page_size=2) as rows:
            assert len([r async for r in rows]) == 6
        with pytest.raises(errors.InvalidQueryError):
            await client.execute(f"SELECT * FROM {ks}.no_such_table")

        spans = telemetry.spans.get_finished_spans()
        kinds = [dict(s.attributes or {})["astra_grpc_async.call.kind"] for s in spans]
        assert kinds.count("query") == 1 + 5 + 1 and kinds.count("batch") == 1
        assert kinds.count("page") == 3  # 6 rows, 2 per page
        for span in spans:
            attrs = dict(span.attributes or {})
            assert attrs["db.system"] == "cassandra" and attrs["db.name"] == ks
            assert "secret-value" not in str(attrs)  # bind values never recorded
        failed = [s for s in spans if s.status.status_code is StatusCode.ERROR]
        assert len(failed) == 1
        assert dict(failed[0].attributes or {})["error.type"] == "InvalidQueryError"

        metrics = telemetry.metrics()
        durations = metrics["db.client.operation.duration"]
        assert sum(p.count for p in durations) == len(spans)
        (in_flight,) = metrics["astra_grpc_async.client.in_flight"]
        assert in_flight.value == 0
        (errs,) = metrics["astra_grpc_async.client.errors"]
        assert errs.attributes["db.response.status_code"] == "INVALID_ARGUMENT"


# --- logging: the token never reaches a record ------------------------------------


async def test_debug_logs_never_contain_the_token(
    stargate_emulator: EmulatorServer, caplog: pytest.LogCaptureFixture
) -> None:
    token = stargate_emulator.token
    caplog.set_level(logging.DEBUG)  # every logger, the driver's and grpc's
    async with aga.Client(stargate_emulator.endpoint, token=token, pool_size=1) as client:
        await client.execute(
            "CREATE KEYSPACE IF NOT EXISTS logging_ks WITH replication = "
            "{'class': 'SimpleStrategy', 'replication_factor': 1}"
        )
        await client.execute("CREATE TABLE IF NOT EXISTS logging_ks.t (k int PRIMARY KEY)")
        await client.execute("INSERT INTO logging_ks.t (k) VALUES (?)", [1])
        stargate_emulator.faults.fail_next(1, "unavailable", match="logging_ks.t")
        try:
            await client.execute("SELECT * FROM logging_ks.t WHERE k = 1")  # retried
        finally:
            stargate_emulator.faults.clear()
        with pytest.raises(errors.InvalidQueryError):
            await client.execute("SELECT * FROM logging_ks.missing")
        logging.getLogger("test").debug("client is %r", client)
    async with aga.Client(stargate_emulator.endpoint, token=token + "x") as bad:
        with pytest.raises(errors.AuthenticationError) as info:
            await bad.execute("SELECT * FROM logging_ks.t")
        logging.getLogger("test").debug("failed: %r", info.value)
    assert caplog.records, "expected debug records"
    for record in caplog.records:
        text = record.getMessage() + (record.exc_text or "") + repr(record.__dict__)
        assert token not in text, record


def test_redacting_filter_masks_tokens() -> None:
    f = RedactTokens(secrets=["s3cret"])
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "t=%s u=%s", ("s3cret", "AstraCS:abc:def"), None
    )
    f.filter(record)
    assert record.getMessage() == "t=*** u=AstraCS:***"
