"""Hooks get a typed `Result | None` on every call path, and OpenTelemetry's
`db.response.returned_rows` is set from it on real calls (through the emulator)."""

from __future__ import annotations

from typing import Any

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import astra_grpc_async as aga
from astra_grpc_async import proto
from astra_grpc_async.emulator import EmulatorServer
from astra_grpc_async.hooks import CallInfo
from astra_grpc_async.otel import instrument


async def test_every_path_hands_hooks_a_result(server: EmulatorServer, ks: str) -> None:
    seen: list[tuple[str, Any, BaseException | None]] = []

    def on_response(
        info: CallInfo, result: aga.Result | None, error: BaseException | None, _s: float
    ) -> None:
        seen.append((info.kind, result, error))

    hooks = aga.Hooks(on_response=[on_response])
    async with aga.Client(server.endpoint, token=server.token, hooks=hooks) as client:
        await client.execute(f"CREATE TABLE {ks}.hooked (id int PRIMARY KEY, v text)")
        await client.batch([f"INSERT INTO {ks}.hooked (id, v) VALUES ({i}, 'x')" for i in range(5)])
        seen.clear()
        await client.execute(f"SELECT * FROM {ks}.hooked")
        await client.stream(f"SELECT * FROM {ks}.hooked", page_size=2).all()
        async with client.pipeline() as pipe:
            await pipe.execute(f"SELECT * FROM {ks}.hooked WHERE id = 1")
        await client.raw.execute_query(proto.Query(cql=f"SELECT * FROM {ks}.hooked"))
        await client.batch([f"INSERT INTO {ks}.hooked (id, v) VALUES (9, 'y')"])
    kinds = [k for k, _, _ in seen]
    assert kinds == ["query", "page", "page", "page", "pipeline", "query", "batch"]
    assert all(isinstance(r, aga.Result) and e is None for _, r, e in seen)
    assert [len(r) for _, r, _ in seen] == [5, 2, 2, 1, 1, 5, 0]


async def test_returned_rows_on_real_calls(server: EmulatorServer, ks: str) -> None:
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    try:
        async with aga.Client(server.endpoint, token=server.token) as client:
            instrument(client, provider)
            await client.execute(f"CREATE TABLE {ks}.traced (id int PRIMARY KEY)")
            for i in range(3):
                await client.execute(f"INSERT INTO {ks}.traced (id) VALUES ({i})")
            spans.clear()
            await client.execute(f"SELECT * FROM {ks}.traced")
            await client.execute(f"SELECT * FROM {ks}.traced WHERE id = 99")
            await client.stream(f"SELECT * FROM {ks}.traced", page_size=2).all()
            async with client.pipeline() as pipe:
                await pipe.execute(f"SELECT * FROM {ks}.traced WHERE id = 1")
            await client.execute(f"INSERT INTO {ks}.traced (id) VALUES (7)")
        got = [
            (dict(s.attributes or {})["astra_grpc_async.call.kind"],
             dict(s.attributes or {}).get("db.response.returned_rows"))
            for s in spans.get_finished_spans()
        ]  # fmt: skip
        assert got == [
            ("query", 3), ("query", 0), ("page", 2), ("page", 1), ("pipeline", 1), ("query", None),
        ]  # fmt: skip
    finally:
        provider.shutdown()
