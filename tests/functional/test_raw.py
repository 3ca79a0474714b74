"""`client.raw`: the four RPCs on `astra_grpc_async.proto` messages, through
the client's call path, against the emulator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

import astra_grpc_async as aga
from astra_grpc_async import codec, errors, proto
from astra_grpc_async.emulator import EmulatorServer


def _query(cql: str, *params: object, keyspace: str | None = None) -> proto.Query:
    q = proto.Query(cql=cql)
    if params:
        q.values = codec.to_proto_values(list(params))
    if keyspace is not None:
        q.parameters = proto.QueryParameters(keyspace=keyspace)
    return q


def _client(server: EmulatorServer, **kwargs: Any) -> aga.Client:
    return aga.Client(server.endpoint, token=server.token, **kwargs)


async def _table(client: aga.Client, ks: str, name: str) -> str:
    table = f"{ks}.{name}"
    await client.execute(f"CREATE TABLE IF NOT EXISTS {table} (id int PRIMARY KEY, v text)")
    return table


async def test_execute_query_and_read_rows(client: aga.Client, ks: str) -> None:
    table = await _table(client, ks, "raw_q")
    written = await client.raw.execute_query(
        _query(f"INSERT INTO {table} (id, v) VALUES (?, ?)", 1, "a")
    )
    assert isinstance(written, proto.Response) and written.result_set is None
    response = await client.raw.execute_query(_query(f"SELECT id, v FROM {table} WHERE id = ?", 1))
    assert isinstance(response, proto.Response) and response.result_set is not None
    result = aga.Result.from_proto(response)
    assert result.rows == [(1, "a")] and result.one()["v"] == "a"
    same = await client.execute(f"SELECT id, v FROM {table} WHERE id = ?", [1])
    assert same.rows == result.rows and [c.type for c in same.columns] == [
        c.type for c in result.columns
    ]


async def test_parameters_by_hand(client: aga.Client, ks: str) -> None:
    table = await _table(client, ks, "raw_params")
    for i in range(5):
        await client.execute(f"INSERT INTO {table} (id, v) VALUES (?, ?)", [i, str(i)])
    q = proto.Query(
        cql="SELECT id FROM raw_params",
        parameters=proto.QueryParameters(
            keyspace=ks,
            page_size=2,
            consistency=proto.ConsistencyValue(value=proto.Consistency.ONE),
        ),
    )
    first = await client.raw.execute_query(q)
    assert first.result_set is not None and len(first.result_set.rows) == 2
    assert first.result_set.paging_state
    q.parameters.paging_state = first.result_set.paging_state  # type: ignore[union-attr]
    second = aga.Result.from_proto(await client.raw.execute_query(q))
    assert len(second.rows) == 2


async def test_execute_batch(client: aga.Client, ks: str) -> None:
    table = await _table(client, ks, "raw_b")
    batch = proto.Batch(
        type=proto.BatchType.UNLOGGED,
        queries=[
            proto.BatchQuery(
                cql=f"INSERT INTO {table} (id, v) VALUES (?, ?)",
                values=codec.to_proto_values([i, "x"]),
            )
            for i in range(3)
        ],
    )
    response = await client.raw.execute_batch(batch)
    assert isinstance(response, proto.Response)
    assert len((await client.execute(f"SELECT * FROM {table}")).rows) == 3


async def test_query_stream_answers_and_in_stream_errors(client: aga.Client, ks: str) -> None:
    table = await _table(client, ks, "raw_qs")

    async def requests() -> AsyncIterator[proto.Query]:
        for i in range(3):
            yield _query(f"INSERT INTO {table} (id, v) VALUES (?, ?)", i, "s")
        yield _query("SELECT nope FROM nowhere.none")

    items = []
    async with client.raw.execute_query_stream(requests()) as stream:
        async for item in stream:
            items.append(item)
    assert len(items) == 4 and client.in_flight == 0
    assert sum(1 for i in items if i.response is not None) == 3
    [bad] = [i for i in items if i.status is not None]
    with pytest.raises(errors.InvalidQueryError) as raw_error:
        aga.RawStub.unwrap(bad)
    with pytest.raises(errors.InvalidQueryError) as execute_error:
        await client.execute("SELECT nope FROM nowhere.none")
    assert str(raw_error.value) == str(execute_error.value)
    assert len((await client.execute(f"SELECT * FROM {table}")).rows) == 3


async def test_batch_stream_from_a_plain_list(client: aga.Client, ks: str) -> None:
    table = await _table(client, ks, "raw_bs")
    batches = [
        proto.Batch(
            queries=[proto.BatchQuery(cql=f"INSERT INTO {table} (id, v) VALUES ({i}, 'b')")]
        )
        for i in range(4)
    ]
    items = [item async for item in client.raw.execute_batch_stream(batches)]
    assert [aga.RawStub.unwrap(i) for i in items] == [proto.Response()] * 4 or all(
        i.response is not None for i in items
    )
    assert len((await client.execute(f"SELECT * FROM {table}")).rows) == 4


@pytest.mark.parametrize(
    "fault",
    ["unavailable", "read_timeout", "write_timeout", "read_failure", "write_failure",
     "cas_write_unknown", "function_failure", "overloaded", "unauthorized", "server_error",
     "truncate_error"],
)  # fmt: skip
async def test_every_error_kind_maps_as_for_execute(
    server: EmulatorServer, client: aga.Client, ks: str, fault: str
) -> None:
    cql = f"SELECT * FROM {ks}.raw_faults_{fault}"
    server.faults.fail_next(1, fault, match=cql)
    with pytest.raises(errors.AgaError) as via_execute:
        await client.execute(cql, idempotent=False)
    server.faults.fail_next(1, fault, match=cql)
    with pytest.raises(errors.AgaError) as via_raw:
        await client.raw.execute_query(_query(cql))
    assert type(via_raw.value) is type(via_execute.value)
    assert via_raw.value.args == via_execute.value.args
    detail = getattr(via_raw.value, "detail", None)
    assert detail == getattr(via_execute.value, "detail", None)
    if detail is not None:
        assert type(detail).__module__.startswith("astra_grpc_async._proto.bp")
        assert isinstance(detail, proto.ErrorDetail)  # type: ignore[arg-type]


async def test_client_errors_and_server_refusals(client: aga.Client, ks: str) -> None:
    with pytest.raises(errors.InvalidQueryError):
        await client.raw.execute_query(_query("SELEC oops"))
    with pytest.raises(errors.ClientError, match="not valid Unicode"):
        await client.raw.execute_query(_query("SELECT '\ud800' FROM system.local"))
    await client.execute(f"CREATE TABLE IF NOT EXISTS {ks}.raw_exists (id int PRIMARY KEY)")
    with pytest.raises(errors.AlreadyExistsError) as exists:
        await client.raw.execute_query(_query(f"CREATE TABLE {ks}.raw_exists (id int PRIMARY KEY)"))
    assert isinstance(exists.value.detail, proto.AlreadyExists)


async def test_wrong_token_is_an_authentication_error(server: EmulatorServer) -> None:
    async with aga.Client(server.endpoint, token="not-the-token") as bad:
        with pytest.raises(errors.AuthenticationError):
            await bad.raw.execute_query(_query("SELECT * FROM system.local"))
        with pytest.raises(errors.AuthenticationError):
            async for _ in bad.raw.execute_query_stream([_query("SELECT * FROM system.local")]):
                pass
        assert bad.in_flight == 0


async def test_retries_only_when_idempotent(server: EmulatorServer, ks: str) -> None:
    cql = f"SELECT * FROM {ks}.raw_retry"
    async with _client(server, retry=aga.RetryPolicy(base_delay=0.01)) as c:
        await c.execute(f"CREATE TABLE IF NOT EXISTS {ks}.raw_retry (id int PRIMARY KEY)")
        rule = server.faults.fail_next(1, "unavailable", match=cql)
        with pytest.raises(errors.UnavailableError):
            await c.raw.execute_query(_query(cql))
        assert rule.fired == 1
        rule = server.faults.fail_next(1, "unavailable", match=cql)
        response = await c.raw.execute_query(_query(cql), idempotent=True)
        assert rule.fired == 1 and response.result_set is not None


async def test_deadline(server: EmulatorServer, ks: str) -> None:
    cql = f"SELECT * FROM {ks}.raw_slow"
    server.faults.add_latency(5.0, match=cql)
    async with _client(server, timeout=0.2) as c:
        with pytest.raises(errors.ClientDeadlineError):
            await c.raw.execute_query(_query(cql))
        with pytest.raises(errors.ClientDeadlineError):
            await c.raw.execute_query(_query(cql), timeout=0.1)
        with pytest.raises(errors.ClientDeadlineError):
            async for _ in c.raw.execute_query_stream([_query(cql)]):
                pass
        assert c.in_flight == 0


async def test_cancellation(server: EmulatorServer, ks: str) -> None:
    cql = f"SELECT * FROM {ks}.raw_cancel"
    server.faults.add_latency(5.0, match=cql)
    started = asyncio.Event()
    hooks = aga.Hooks()
    hooks.on_request.append(lambda _info: started.set())
    async with _client(server, timeout=None, hooks=hooks) as c:
        task = asyncio.create_task(c.raw.execute_query(_query(cql)))
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert c.in_flight == 0

        started.clear()
        stream = c.raw.execute_query_stream([_query(cql)])

        async def drain() -> None:
            async for _ in stream:
                pass

        task = asyncio.create_task(drain())
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert c.in_flight == 0


async def test_in_flight_cap_holds_for_raw_calls(server: EmulatorServer, ks: str) -> None:
    cql = f"SELECT * FROM {ks}.raw_cap"
    async with _client(server, max_in_flight=2) as c:
        await c.execute(f"CREATE TABLE IF NOT EXISTS {ks}.raw_cap (id int PRIMARY KEY)")
        server.faults.add_latency(0.2, match=cql)
        peak = 0

        async def watch() -> None:
            nonlocal peak
            while True:
                peak = max(peak, c.in_flight)
                await asyncio.sleep(0.005)

        watcher = asyncio.create_task(watch())
        await asyncio.gather(*(c.raw.execute_query(_query(cql)) for _ in range(6)))
        watcher.cancel()
        assert peak == 2


async def test_hooks_see_raw_calls_as_results(server: EmulatorServer, ks: str) -> None:
    seen: list[tuple[str, object, object]] = []
    hooks = aga.Hooks()
    hooks.on_response.append(
        lambda info, result, error, _s: seen.append((info.kind, result, error))
    )
    async with _client(server, hooks=hooks) as c:
        table = await _table(c, ks, "raw_hooks")
        await c.execute(f"INSERT INTO {table} (id, v) VALUES (1, 'h')")
        seen.clear()
        await c.raw.execute_query(_query(f"SELECT * FROM {table}"))
        async for _ in c.raw.execute_query_stream([_query(f"SELECT * FROM {table}")]):
            pass
    (kind, result, error), (stream_kind, stream_result, stream_error) = seen
    assert kind == "query" and isinstance(result, aga.Result) and error is None
    assert len(result) == 1 and result.rows[0]["v"] == "h"
    assert stream_kind == "stream" and stream_result is None and stream_error is None


async def test_closed_client(server: EmulatorServer) -> None:
    c = _client(server)
    async with c:
        pass
    with pytest.raises(errors.ClientClosedError):
        await c.raw.execute_query(_query("SELECT * FROM system.local"))
    with pytest.raises(errors.ClientClosedError):
        async for _ in c.raw.execute_query_stream([]):
            pass


class _Rotating:
    """A refreshable provider whose first token the server rejects."""

    def __init__(self, good: str) -> None:
        self.tokens = [aga.config.Secret("stale-token"), aga.config.Secret(good)]
        self.refreshes = 0

    async def get_token(self) -> aga.config.Secret:
        return self.tokens[0]

    async def refresh(self, rejected: aga.config.Secret) -> aga.config.Secret:
        if rejected == self.tokens[0] and len(self.tokens) > 1:
            self.tokens.pop(0)
            self.refreshes += 1
        return self.tokens[0]

    @property
    def refreshable(self) -> bool:
        return True

    async def aclose(self) -> None:
        pass


async def test_token_refresh(server: EmulatorServer) -> None:
    provider = _Rotating(server.token)
    async with aga.Client(server.endpoint, token=provider) as c:
        response = await c.raw.execute_query(_query("SELECT release_version FROM system.local"))
        assert response.result_set is not None and provider.refreshes == 1
        items = [
            i async for i in c.raw.execute_query_stream([_query("SELECT * FROM system.local")])
        ]
        assert items and items[0].response is not None


async def test_a_request_that_cannot_be_sent_ends_the_stream_with_its_error(
    client: aga.Client,
) -> None:
    def requests() -> list[proto.Query]:
        return [_query("SELECT * FROM system.local"), _query("SELECT '\ud800' FROM system.local")]

    got: list[proto.StreamingResponse] = []
    with pytest.raises(errors.ClientError, match="not valid Unicode"):
        async for item in client.raw.execute_query_stream(requests()):
            got.append(item)
    assert len(got) <= 1 and client.in_flight == 0

    async def failing() -> AsyncIterator[proto.Query]:
        yield _query("SELECT * FROM system.local")
        raise errors.ClientError("the caller's own iterable failed")

    with pytest.raises(errors.ClientError, match="own iterable failed"):
        async for _ in client.raw.execute_query_stream(failing()):
            pass
    assert client.in_flight == 0
