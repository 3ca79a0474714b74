"""Fault injection, retries, deadlines, batches, pipeline, execute_many."""

from __future__ import annotations

import asyncio

import pytest

import astra_grpc_async as aga
from astra_grpc_async import errors


@pytest.mark.parametrize(
    ("fault", "cls", "code", "field", "value"),
    [
        ("unavailable", errors.UnavailableError, "UNAVAILABLE", "alive", 1),
        ("read_timeout", errors.ReadTimeoutError, "DEADLINE_EXCEEDED", "block_for", 2),
        ("write_timeout", errors.WriteTimeoutError, "DEADLINE_EXCEEDED", "write_type", "SIMPLE"),
        ("read_failure", errors.ReadFailureError, "ABORTED", "num_failures", 1),
        ("write_failure", errors.WriteFailureError, "ABORTED", "num_failures", 1),
        ("cas_write_unknown", errors.CasWriteUnknownError, "ABORTED", "block_for", 1),
        ("function_failure", errors.FunctionFailureError, "FAILED_PRECONDITION", "function", "fn"),
        ("overloaded", errors.OverloadedError, "RESOURCE_EXHAUSTED", None, None),
        ("unauthorized", errors.AuthorizationError, "PERMISSION_DENIED", None, None),
        ("server_error", errors.InternalServerError, "INTERNAL", None, None),
    ],
)
async def test_each_server_error_class(server, fault, cls, code, field, value) -> None:  # type: ignore[no-untyped-def]
    async with aga.Client(server.endpoint, token=server.token, retry=aga.NO_RETRY) as c:
        server.faults.fail_next(1, fault, match="FROM system.local")
        with pytest.raises(cls) as info:
            await c.execute("SELECT * FROM system.local")
        assert info.value.code == code
        if field is not None:
            assert getattr(info.value.detail, field) == value
        # the rule was used up: the next call works
        assert (await c.execute("SELECT * FROM system.local")).rows


async def test_select_is_retried_but_write_is_not(client: aga.Client, server, ks: str) -> None:  # type: ignore[no-untyped-def]
    await client.execute(f"CREATE TABLE {ks}.r (id int PRIMARY KEY, v int)")
    server.faults.fail_next(2, "unavailable", match=f"{ks}.r")
    res = await client.execute(f"SELECT * FROM {ks}.r")  # two failures, third attempt succeeds
    assert res.rows == []
    server.faults.fail_next(1, "unavailable", match=f"{ks}.r")
    with pytest.raises(errors.UnavailableError):
        await client.execute(f"INSERT INTO {ks}.r (id, v) VALUES (1, 1)")
    server.faults.fail_next(1, "write_timeout", match=f"{ks}.r")
    await client.execute(f"INSERT INTO {ks}.r (id, v) VALUES (1, 1)", idempotent=True)
    server.faults.fail_next(1, "write_timeout", match=f"{ks}.r")
    with pytest.raises(errors.WriteTimeoutError):  # an LWT is never retried
        await client.execute(
            f"INSERT INTO {ks}.r (id, v) VALUES (2, 1) IF NOT EXISTS", idempotent=True
        )


async def test_retries_are_bounded(client: aga.Client, server) -> None:  # type: ignore[no-untyped-def]
    rule = server.faults.fail_next(10, "overloaded", match="system.local")
    with pytest.raises(errors.OverloadedError):
        await client.execute("SELECT * FROM system.local")
    assert rule.fired == client.retry.max_attempts


async def test_client_deadline_is_not_a_server_timeout(client: aga.Client, server) -> None:  # type: ignore[no-untyped-def]
    server.faults.add_latency(1.0, match="system.local")
    with pytest.raises(errors.ClientDeadlineError) as info:
        await client.execute("SELECT * FROM system.local", timeout=0.1)
    assert not isinstance(info.value, errors.ServerTimeoutError)
    assert client.in_flight == 0


async def test_cancelled_execute_releases_its_slot(client: aga.Client, server) -> None:  # type: ignore[no-untyped-def]
    server.faults.add_latency(1.0, match="system.local")
    task = asyncio.ensure_future(client.execute("SELECT * FROM system.local"))
    await asyncio.sleep(0.1)
    assert client.in_flight == 1
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert client.in_flight == 0


async def test_batch_and_conditional_batch(client: aga.Client, ks: str) -> None:
    await client.execute(f"CREATE TABLE {ks}.b (p int, c int, v text, PRIMARY KEY (p, c))")
    res = await client.batch(
        [(f"INSERT INTO {ks}.b (p, c, v) VALUES (?, ?, ?)", [1, i, f"x{i}"]) for i in range(5)]
        + [f"UPDATE {ks}.b SET v = 'y' WHERE p = 1 AND c = 0"]
    )
    assert res.rows == []
    rows = (await client.execute(f"SELECT c, v FROM {ks}.b WHERE p = 1")).rows
    assert [tuple(r) for r in rows] == [(0, "y"), (1, "x1"), (2, "x2"), (3, "x3"), (4, "x4")]
    cond = await client.batch(
        [f"UPDATE {ks}.b SET v = 'z' WHERE p = 1 AND c = 1 IF v = 'nope'",
         f"INSERT INTO {ks}.b (p, c, v) VALUES (1, 9, 'q')"],
    )  # fmt: skip
    assert cond.applied is False
    assert (await client.execute(f"SELECT v FROM {ks}.b WHERE p = 1 AND c = 9")).rows == []


async def test_batch_bad_value_names_the_statement(client: aga.Client, ks: str) -> None:
    with pytest.raises(errors.EncodeError, match="batch statement 1"):
        await client.batch([f"INSERT INTO {ks}.x (a) VALUES (1)", ("INSERT ... (?)", [object()])])


async def test_execute_many_reports_every_outcome(client: aga.Client, ks: str) -> None:
    await client.execute(f"CREATE TABLE {ks}.m (id int PRIMARY KEY, v int)")
    params = [[i, i] for i in range(20)]
    params[7] = ["seven", 7]  # wrong kind for an int column: the server refuses this one
    with pytest.raises(errors.BulkError) as info:
        await client.execute_many(
            f"INSERT INTO {ks}.m (id, v) VALUES (?, ?)", params, concurrency=4
        )
    assert info.value.failed == [7]
    assert isinstance(info.value.outcomes[7], errors.BindValueError)
    assert all(isinstance(o, aga.Result) for i, o in enumerate(info.value.outcomes) if i != 7)
    count = (await client.execute(f"SELECT COUNT(*) FROM {ks}.m")).scalar()
    assert count == 19


async def test_pipeline_answers_in_order_and_survives_errors(client: aga.Client, ks: str) -> None:
    await client.execute(f"CREATE TABLE {ks}.pl (id int PRIMARY KEY, v text)")
    async with client.pipeline(width=3) as pipe:
        await asyncio.gather(
            *(
                pipe.execute(f"INSERT INTO {ks}.pl (id, v) VALUES (?, ?)", [i, str(i)])
                for i in range(30)
            )
        )
        results = await asyncio.gather(
            *(pipe.execute(f"SELECT v FROM {ks}.pl WHERE id = ?", [i]) for i in range(30))
        )
        assert [r.one()[0] for r in results] == [str(i) for i in range(30)]
        with pytest.raises(errors.InvalidQueryError) as info:
            await pipe.execute("SELEC nothing")
        assert info.value.message.startswith("line 1:")  # "INVALID_ARGUMENT: " prefix removed
        assert (await pipe.execute(f"SELECT v FROM {ks}.pl WHERE id = 3")).one()[0] == "3"
    async with client.pipeline(batches=True) as bpipe:
        await bpipe.batch([f"INSERT INTO {ks}.pl (id, v) VALUES (100, 'b')"])
    assert (await client.execute(f"SELECT v FROM {ks}.pl WHERE id = 100")).one()[0] == "b"


async def test_pipeline_cancellation_does_not_misroute_answers(
    client: aga.Client, server, ks: str
) -> None:  # type: ignore[no-untyped-def]
    await client.execute(f"CREATE TABLE {ks}.pc (id int PRIMARY KEY, v text)")
    await client.execute(f"INSERT INTO {ks}.pc (id, v) VALUES (1, 'one')")
    await client.execute(f"INSERT INTO {ks}.pc (id, v) VALUES (2, 'two')")
    async with client.pipeline(width=1) as pipe:
        server.faults.add_latency(0.3, match="id = 1", count=1)
        slow = asyncio.ensure_future(pipe.execute(f"SELECT v FROM {ks}.pc WHERE id = 1"))
        await asyncio.sleep(0.05)
        slow.cancel()
        with pytest.raises(asyncio.CancelledError):
            await slow
        fast = await pipe.execute(f"SELECT v FROM {ks}.pc WHERE id = 2")
        assert fast.one()[0] == "two"


async def test_stream_auth_is_checked(server) -> None:  # type: ignore[no-untyped-def]
    async with aga.Client(server.endpoint, token="nope") as c, c.pipeline() as pipe:
        with pytest.raises(errors.AuthenticationError):
            await pipe.execute("SELECT * FROM system.local")


async def test_hooks_see_every_outcome_including_cancellation(client: aga.Client, server) -> None:  # type: ignore[no-untyped-def]
    seen: list[tuple[str, str, str | None]] = []

    def on_response(info, response, error, seconds) -> None:  # type: ignore[no-untyped-def]
        seen.append((info.kind, info.operation, type(error).__name__ if error else None))

    client.hooks.on_response.append(on_response)
    try:
        await client.execute("SELECT * FROM system.local")
        with pytest.raises(errors.InvalidQueryError):
            await client.execute("SELEC x")
        server.faults.add_latency(1.0, match="hook_marker", count=1)
        task = asyncio.ensure_future(client.execute("SELECT * FROM system.local -- hook_marker"))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        async with client.pipeline() as pipe:
            await pipe.execute("SELECT * FROM system.local")
    finally:
        client.hooks.on_response.remove(on_response)
    assert seen == [
        ("query", "SELECT", None),
        ("query", "SELEC", "InvalidQueryError"),
        ("query", "SELECT", "CancelledError"),
        ("pipeline", "SELECT", None),
    ]


def test_cursor_must_be_clean_base64() -> None:
    assert aga.decode_cursor(aga.encode_cursor(b"\x00\xffstate")) == b"\x00\xffstate"
    with pytest.raises(errors.ClientError):
        aga.decode_cursor("%%%")
