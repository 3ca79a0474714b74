"""A fake Stargate server that answers with hand-made (wrong) bytes: the
client must raise a typed error, never an AttributeError or a hang."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc
import grpc.aio
import pytest
import pytest_asyncio

import astra_grpc_async as aga
from astra_grpc_async import errors
from astra_grpc_async._proto.stargate import query_pb2 as q

B = q.TypeSpec.Basic


class FakeServer:
    """Answers every ExecuteQuery with `payload` and every item of an
    ExecuteQueryStream with `stream_payload` (raw bytes, sent as they are)."""

    def __init__(self) -> None:
        self.payload = b""
        self.stream_payload = b""
        self.calls = 0
        self.port = 0
        self._server: grpc.aio.Server | None = None

    async def _query(self, request: bytes, context: Any) -> bytes:
        self.calls += 1
        return self.payload

    async def _stream(self, requests: AsyncIterator[bytes], context: Any) -> AsyncIterator[bytes]:
        async for _ in requests:
            self.calls += 1
            yield self.stream_payload

    async def start(self) -> None:
        handler = grpc.method_handlers_generic_handler(
            "stargate.Stargate",
            {
                "ExecuteQuery": grpc.unary_unary_rpc_method_handler(self._query),
                "ExecuteQueryStream": grpc.stream_stream_rpc_method_handler(self._stream),
            },
        )
        server = grpc.aio.server()
        server.add_generic_rpc_handlers((handler,))
        self.port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        self._server = server

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.stop(0)

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"


@pytest_asyncio.fixture(loop_scope="session")
async def fake() -> AsyncIterator[FakeServer]:
    server = FakeServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def _client(fake: FakeServer, **kwargs: Any) -> aga.Client:
    return aga.Client(fake.endpoint, token="t", retry=aga.NO_RETRY, timeout=5, **kwargs)


def _basic(b: int) -> q.TypeSpec:
    return q.TypeSpec(basic=b)  # type: ignore[arg-type]


def _rows(columns: list[tuple[str, q.TypeSpec]], *rows: list[q.Value]) -> bytes:
    rs = q.ResultSet(
        columns=[q.ColumnSpec(name=n, type=t) for n, t in columns],
        rows=[q.Row(values=r) for r in rows],
    )
    return q.Response(result_set=rs).SerializeToString()


INT = _basic(B.INT)
TEXT = _basic(B.VARCHAR)
MALFORMED: dict[str, bytes] = {
    "wrong value kind": _rows([("id", INT)], [q.Value(string="one")]),
    "wrong kind, default value": _rows([("id", INT)], [q.Value(boolean=False)]),
    "fewer values than columns": _rows([("id", INT), ("v", TEXT)], [q.Value(int=1)]),
    "more values than columns": _rows([("id", INT)], [q.Value(int=1), q.Value(int=2)]),
    "unknown basic type 99": _rows([("id", _basic(99))], [q.Value(int=1)]),
    "type with no spec": _rows([("id", q.TypeSpec())], [q.Value(int=1)]),
    "uuid of 3 bytes": _rows([("u", _basic(B.UUID))], [q.Value(uuid=q.Uuid(value=b"abc"))]),
    "inet of 5 bytes": _rows([("i", _basic(B.INET))], [q.Value(inet=q.Inet(value=b"12345"))]),
    "odd map": _rows(
        [("m", q.TypeSpec(map=q.TypeSpec.Map(key=INT, value=INT)))],
        [q.Value(collection=q.Collection(elements=[q.Value(int=1)]))],
    ),
    "tuple too long": _rows(
        [("t", q.TypeSpec(tuple=q.TypeSpec.Tuple(elements=[INT])))],
        [q.Value(collection=q.Collection(elements=[q.Value(int=1), q.Value(int=2)]))],
    ),
    "udt with unknown field": _rows(
        [("u", q.TypeSpec(udt=q.TypeSpec.Udt(fields={"a": INT})))],
        [q.Value(udt=q.UdtValue(fields={"zz": q.Value(int=1)}))],
    ),
    "bad row deep in a page": _rows(
        [("id", INT)], *([[q.Value(int=i)] for i in range(50)] + [[q.Value(string="x")]])
    ),
}
# truncated varint length: no protobuf parser accepts these
GARBAGE = [b"\x0a\xff\xff\xff\xff\x0f", b"\xff\xff\xff", b"\x0a\x05\x0a\x03"]


@pytest.mark.parametrize("case", list(MALFORMED))
async def test_malformed_result_is_a_protocol_error(fake: FakeServer, case: str) -> None:
    fake.payload = MALFORMED[case]
    async with _client(fake) as client:
        with pytest.raises(errors.ProtocolError):
            await client.execute("SELECT * FROM t")
        with pytest.raises(errors.ProtocolError):  # the same through the row stream
            await client.stream("SELECT * FROM t").all()
        assert client.in_flight == 0


async def test_protocol_error_names_the_row_and_column(fake: FakeServer) -> None:
    fake.payload = MALFORMED["bad row deep in a page"]
    async with _client(fake) as client:
        with pytest.raises(errors.ProtocolError, match=r"row 50, column 'id'"):
            await client.execute("SELECT * FROM t")


async def test_stream_of_a_non_row_answer_is_a_protocol_error(fake: FakeServer) -> None:
    fake.payload = q.Response().SerializeToString()  # a write's empty answer
    async with _client(fake) as client:
        with pytest.raises(errors.ProtocolError):
            await client.stream("SELECT * FROM t").all()


@pytest.mark.parametrize("garbage", GARBAGE)
async def test_unparseable_response_is_typed(fake: FakeServer, garbage: bytes) -> None:
    fake.payload = garbage
    fake.stream_payload = garbage
    async with _client(fake) as client:
        with pytest.raises(errors.ProtocolError):
            await client.execute("SELECT * FROM t")
        with pytest.raises(errors.ProtocolError):
            await client.stream("SELECT * FROM t").all()
        async with client.pipeline() as pipe:
            with pytest.raises(errors.ProtocolError):
                await pipe.execute("SELECT * FROM t")
        assert client.in_flight == 0


def _small_response_client(fake: FakeServer, limit: int) -> aga.Client:
    return _client(fake, max_response_bytes=limit)


async def test_response_over_max_response_bytes(fake: FakeServer) -> None:
    big = [[q.Value(bytes=b"x" * 1000)] for _ in range(64)]
    fake.payload = _rows([("b", _basic(B.BLOB))], *big)
    fake.stream_payload = q.StreamingResponse(
        response=q.Response.FromString(fake.payload)
    ).SerializeToString()
    async with _small_response_client(fake, 16 * 1024) as client:
        with pytest.raises(errors.MessageTooLargeError) as info:
            await client.execute("SELECT * FROM t")
        assert info.value.code == "RESOURCE_EXHAUSTED"
        async with client.pipeline() as pipe:
            with pytest.raises(errors.MessageTooLargeError):
                await pipe.execute("SELECT * FROM t")
    # the same answer under the default limit is fine
    async with _client(fake) as client:
        assert len((await client.execute("SELECT * FROM t")).rows) == 64


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (99, errors.InternalServerError),  # an unknown code
        (3, errors.InvalidQueryError),
        (0, errors.InternalServerError),  # "OK" as an error item makes no sense
    ],
)
async def test_odd_in_stream_status_items(fake: FakeServer, status: int, cls: type) -> None:
    from google.rpc import status_pb2

    item = q.StreamingResponse(status=status_pb2.Status(code=status, message="odd"))
    fake.stream_payload = item.SerializeToString()
    async with _client(fake) as client, client.pipeline() as pipe:
        with pytest.raises(cls):
            await pipe.execute("SELECT * FROM t")


async def test_empty_stream_item_is_a_protocol_error(fake: FakeServer) -> None:
    """A StreamingResponse with neither `response` nor `status` set answers nothing."""
    fake.stream_payload = b""
    async with _client(fake) as client, client.pipeline() as pipe:
        with pytest.raises(errors.ProtocolError):
            await pipe.execute("SELECT * FROM t")
