"""Bad input, property-based: odd Python bind values, random CQL text and
malformed protobuf bytes. The client raises EncodeError (nothing sent) or
sends; the emulator always answers with a well-formed status, never crashes,
keeps serving, and a canary table it was never asked to touch is unchanged."""

from __future__ import annotations

import collections
import datetime as dt
import enum
import fractions
import logging
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any, NamedTuple

import grpc
import grpc.aio
import pytest
import pytest_asyncio
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import astra_grpc_async as aga
from astra_grpc_async import errors
from astra_grpc_async._proto.stargate import query_pb2, stargate_pb2_grpc
from astra_grpc_async.emulator import EmulatorServer, serve

EXAMPLES = 200
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
CANARY = [(i, f"canary-{i}", float(i) / 3) for i in range(25)]


class Fuzz:
    """The emulator under test, a client, a raw stub, and the canary's keyspace."""

    def __init__(self, server: EmulatorServer, client: aga.Client, channel: grpc.aio.Channel):
        self.server = server
        self.client = client
        self.channel = channel
        self.stub = stargate_pb2_grpc.StargateStub(channel)
        self.metadata = (("x-cassandra-token", server.token),)
        self.raw_query = channel.unary_unary(
            "/stargate.Stargate/ExecuteQuery", request_serializer=None, response_deserializer=None
        )
        self.raw_batch = channel.unary_unary(
            "/stargate.Stargate/ExecuteBatch", request_serializer=None, response_deserializer=None
        )

    async def canary(self) -> list[tuple[Any, ...]]:
        rows = await self.client.execute("SELECT id, t, d FROM bird.canary", page_size=1000)
        return sorted(tuple(r) for r in rows)

    async def healthy(self) -> None:
        response = await self.stub.ExecuteQuery(
            query_pb2.Query(cql="SELECT * FROM system.local"), metadata=self.metadata, timeout=5
        )
        assert response.result_set.rows


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def fuzz() -> AsyncIterator[Fuzz]:
    async with (
        serve() as server,
        aga.Client(server.endpoint, token=server.token, retry=aga.NO_RETRY) as client,
        grpc.aio.insecure_channel(server.endpoint) as channel,
    ):
        for ks in ("bird", "fz"):
            await client.execute(
                f"CREATE KEYSPACE {ks} WITH replication = "
                "{'class': 'SimpleStrategy', 'replication_factor': 1}"
            )
        await client.execute("CREATE TABLE bird.canary (id int PRIMARY KEY, t text, d double)")
        for row in CANARY:
            await client.execute("INSERT INTO bird.canary (id, t, d) VALUES (?, ?, ?)", row)
        await client.execute("CREATE TABLE fz.t (id int PRIMARY KEY, v text)")
        await client.execute(
            "CREATE TABLE fz.wide (id int PRIMARY KEY, a bigint, b double, c blob, "
            "d list<int>, e map<text, int>, f uuid, g timestamp, h varint, i decimal, "
            "j frozen<tuple<int, text>>, k set<text>, l date, m time, n inet, o boolean)"
        )
        await client.execute("INSERT INTO fz.t (id, v) VALUES (1, 'one')")
        f = Fuzz(server, client, channel)
        assert await f.canary() == sorted(CANARY)
        yield f
        # after every property of the module ran
        await f.healthy()
        assert await f.canary() == sorted(CANARY)


@pytest.fixture(autouse=True)
def _no_emulator_crash(caplog: pytest.LogCaptureFixture) -> Any:
    """The servicer logs an unexpected exception before answering INTERNAL:
    any such record is a crash the status alone might hide."""
    caplog.set_level(logging.ERROR, logger="astra_grpc_async.emulator")
    yield
    crashes = [r for r in caplog.records if r.name.startswith("astra_grpc_async.emulator")]
    assert not crashes, crashes[0].getMessage() + "\n" + (caplog.text[-3000:])


# --- 1. random Python objects as bind values ----------------------------------


class Color(enum.Enum):
    RED = 1


class Level(enum.IntEnum):
    LOW = 1


class Point(NamedTuple):
    x: int
    y: int


class Text(str):
    pass


class Opaque:
    def __repr__(self) -> str:
        return "Opaque()"


def _self_containing() -> list[Any]:
    loop: list[Any] = []
    loop.append(loop)
    return loop


_tz = st.builds(
    dt.timezone,
    st.timedeltas(min_value=dt.timedelta(hours=-23), max_value=dt.timedelta(hours=23)),
)
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**300), max_value=2**300),
    st.floats(),
    st.text(),
    st.text(st.characters(codec=None, exclude_categories=())),  # lone surrogates too
    st.binary(),
    st.uuids(),
    st.decimals(),
    st.builds(lambda m, e: Decimal(f"{m}E{e}"), st.integers(), st.integers(-(2**33), 2**33)),
    st.datetimes(),
    st.datetimes(timezones=_tz),
    st.dates(),
    st.times(),
    st.times(timezones=_tz),
    st.timedeltas(),
    st.ip_addresses(),
    st.complex_numbers(),
    st.fractions(),
    st.builds(aga.Float32, st.floats()),
    st.builds(aga.Varint, st.integers()),
    st.builds(bytearray, st.binary()),
    st.builds(memoryview, st.binary()),
    st.builds(Text, st.text()),
    st.builds(Point, st.integers(), st.integers()),
    st.sampled_from(
        [
            aga.UNSET,
            Color.RED,
            Level.LOW,
            Opaque(),
            object(),
            Ellipsis,
            NotImplemented,
            range(3),
            print,
            int,
            fractions.Fraction(1, 3),
            Decimal("NaN"),
            Decimal("-Infinity"),
            Decimal("1E+2147483650"),
            dt.datetime.max.replace(tzinfo=dt.timezone(-dt.timedelta(hours=23))),
            dt.datetime.min.replace(tzinfo=dt.timezone(dt.timedelta(hours=23))),
            collections.deque([1, 2]),
            collections.OrderedDict(a=1),
            collections.Counter("ab"),
            (x for x in range(2)),
            float("nan"),
            -0.0,
            2**63,
            -(2**63) - 1,
        ]
    ),
    st.builds(_self_containing),
)
_hashable = st.one_of(st.integers(), st.text(), st.uuids(), st.booleans(), st.none())
values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.tuples(inner, inner),
        st.sets(_hashable, max_size=4),
        st.frozensets(_hashable, max_size=4),
        st.dictionaries(_hashable, inner, max_size=4),
        st.builds(aga.Udt, st.dictionaries(st.text(min_size=1), inner, max_size=3)),
    ),
    max_leaves=8,
)
params = st.one_of(
    st.lists(values, max_size=17),
    st.tuples(st.integers(-(2**31), 2**31 - 1), st.text() | values),  # often valid
    st.tuples(st.integers(), values),
    st.dictionaries(st.sampled_from(["id", "v", "x", ""]), values, max_size=3),
    st.dictionaries(_hashable, values, max_size=2),  # non-str names
    values,  # not a sequence at all, or a str / set / generator
)
STATEMENTS = [
    "SELECT * FROM fz.t WHERE id = ?",
    "SELECT * FROM fz.t WHERE id = :id",
    "INSERT INTO fz.t (id, v) VALUES (?, ?)",
    "INSERT INTO fz.t (id, v) VALUES (:id, :v)",
    "UPDATE fz.t SET v = ? WHERE id = ?",
    "INSERT INTO fz.wide (id, a, b, c, d, e, f, g, h, i, j, k, l, m, n, o) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "SELECT * FROM fz.wide WHERE id = ?",
]


@PROPERTY
@given(cql=st.sampled_from(STATEMENTS), bind=params)
async def test_random_bind_values(fuzz: Fuzz, cql: str, bind: Any) -> None:
    calls = fuzz.server.servicer.calls  # type: ignore[union-attr]
    try:
        await fuzz.client.execute(cql, bind, timeout=10)
    except (errors.EncodeError, errors.RequestTooLargeError) as exc:
        event(type(exc).__name__)
        assert fuzz.server.servicer.calls == calls  # type: ignore[union-attr]  # nothing sent
        return
    except errors.InternalServerError:
        raise  # the emulator choked on a value it received
    except errors.ServerError as exc:
        event(type(exc).__name__)  # refused by the server: BindValueError, BindCountError, ...
    else:
        event("accepted")
    assert fuzz.server.servicer.calls == calls + 1  # type: ignore[union-attr]  # sent once


async def test_bind_value_encode_error_sends_nothing_in_batches_and_pipelines(
    fuzz: Fuzz,
) -> None:
    calls = fuzz.server.servicer.calls  # type: ignore[union-attr]
    bad = [1, object()]
    with pytest.raises(errors.EncodeError):
        await fuzz.client.batch([("INSERT INTO fz.t (id, v) VALUES (?, ?)", bad)])
    with pytest.raises(errors.BulkError) as info:  # per item, like any other failure
        await fuzz.client.execute_many("INSERT INTO fz.t (id, v) VALUES (?, ?)", [bad])
    assert isinstance(info.value.outcomes[0], errors.EncodeError)
    async with fuzz.client.pipeline() as pipe:
        with pytest.raises(errors.EncodeError):
            await pipe.execute("INSERT INTO fz.t (id, v) VALUES (?, ?)", bad)
    with pytest.raises(errors.EncodeError):
        fuzz.client.stream("SELECT * FROM fz.t WHERE id = ?", [object()])
    assert fuzz.server.servicer.calls == calls  # type: ignore[union-attr]


# --- 2. random CQL text --------------------------------------------------------

_VOCABULARY = (
    "SELECT INSERT UPDATE DELETE FROM INTO VALUES SET WHERE AND OR IF EXISTS NOT "
    "CREATE DROP ALTER TABLE KEYSPACE TYPE INDEX TRUNCATE USE BATCH BEGIN APPLY "
    "UNLOGGED COUNTER LIMIT PER PARTITION ORDER BY ASC DESC ALLOW FILTERING "
    "PRIMARY KEY WITH USING TTL TIMESTAMP IN CONTAINS TOKEN COUNT DISTINCT AS "
    "JSON CAST WRITETIME frozen list set map tuple int text blob uuid varint "
    "t wide fz fz.t fz.wide system system.local id v a d e j "
    "* ( ) , ; . = < > <= >= != ? :id :v + - / % [ ] { } : "
    "0 1 -1 2147483648 9223372036854775808 1.5 -0.0 1e308 1e-400 NaN Infinity "
    "0x 0xff true false null now() uuid() toTimestamp(now()) "
    "'x' '' 'it''s' 'unterminated $$dollar$$ \"Quoted\" \"\" -- /* */ // "
    "123e4567-e89b-12d3-a456-426614174000 replication 'class' "
    "{'class':'SimpleStrategy','replication_factor':1}"
)
_WORDS = _VOCABULARY.split()
_TEMPLATES = [
    "SELECT * FROM fz.t WHERE id = 1",
    "INSERT INTO fz.t (id, v) VALUES (2, 'two')",
    "UPDATE fz.t SET v = 'x' WHERE id = 3",
    "DELETE FROM fz.t WHERE id = 4",
    "SELECT id, v FROM fz.t WHERE id IN (1, 2) LIMIT 1",
    "INSERT INTO fz.wide (id, d, e, j) VALUES (1, [1], {'a': 1}, (1, 'x')) IF NOT EXISTS",
    "BEGIN BATCH INSERT INTO fz.t (id, v) VALUES (5, 'b'); APPLY BATCH",
    "CREATE TABLE IF NOT EXISTS fz.n (id int PRIMARY KEY)",
    "SELECT COUNT(*) FROM fz.t",
    "SELECT token(id) FROM fz.t",
]


@st.composite
def _mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(_TEMPLATES))
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["insert", "delete", "swap"]))
        if op == "insert":
            text = text[:i] + draw(st.sampled_from(_WORDS) | st.text(max_size=3)) + text[i:]
        elif op == "delete":
            text = text[:i] + text[i + draw(st.integers(1, 8)) :]
        else:
            text = text[i:] + " " + text[:i]
    return text


cql_text = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(_WORDS), max_size=25).map(" ".join),
    _mutated(),
    st.binary(max_size=60).map(lambda b: b.decode("latin-1")),
)
_BAD = {grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN}


def _check_status(exc: grpc.aio.AioRpcError) -> None:
    code = exc.code()
    assert code not in _BAD, f"{code}: {exc.details()}"
    assert code != grpc.StatusCode.OK
    assert exc.details(), "a refusal should say why"


@PROPERTY
@given(cql=cql_text, as_batch=st.booleans())
async def test_random_cql_gets_a_well_formed_status(fuzz: Fuzz, cql: str, as_batch: bool) -> None:
    parameters = query_pb2.QueryParameters()
    parameters.keyspace.value = "fz"
    try:
        if as_batch:
            batch = query_pb2.Batch(
                queries=[query_pb2.BatchQuery(cql=cql)],
                parameters=query_pb2.BatchParameters(keyspace=parameters.keyspace),
            )
            await fuzz.stub.ExecuteBatch(batch, metadata=fuzz.metadata, timeout=10)
        else:
            query = query_pb2.Query(cql=cql, parameters=parameters)
            await fuzz.stub.ExecuteQuery(query, metadata=fuzz.metadata, timeout=10)
    except grpc.aio.AioRpcError as exc:
        _check_status(exc)
    await fuzz.healthy()


@PROPERTY
@given(cqls=st.lists(cql_text, min_size=1, max_size=5))
async def test_random_cql_on_a_stream_keeps_the_stream_open(fuzz: Fuzz, cqls: list[str]) -> None:
    call = fuzz.stub.ExecuteQueryStream(metadata=fuzz.metadata, timeout=10)
    for cql in [*cqls, "SELECT * FROM system.local"]:
        await call.write(query_pb2.Query(cql=cql))
        item = await call.read()
        assert isinstance(item, query_pb2.StreamingResponse)
        if item.WhichOneof("message") == "status":
            assert item.status.code not in (0, 2, 13), item.status.message  # OK, UNKNOWN, INTERNAL
            assert item.status.message
    assert item.WhichOneof("message") == "response"  # the last one, system.local
    await call.done_writing()
    assert await call.read() is grpc.aio.EOF


# --- 3. malformed protobuf ------------------------------------------------------

_SAMPLE = query_pb2.Query(
    cql="SELECT * FROM fz.t WHERE id = ?",
    values=query_pb2.Values(values=[query_pb2.Value(int=1)]),
)
_SAMPLE.parameters.keyspace.value = "fz"
_SAMPLE.parameters.page_size.value = 10
SAMPLE_BYTES = _SAMPLE.SerializeToString()


@st.composite
def _mutated_bytes(draw: st.DrawFn) -> bytes:
    data = bytearray(SAMPLE_BYTES)
    for _ in range(draw(st.integers(1, 6))):
        i = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["flip", "cut", "insert"]))
        if op == "flip" and i < len(data):
            data[i] ^= draw(st.integers(1, 255))
        elif op == "cut":
            del data[i : i + draw(st.integers(1, 6))]
        else:
            data[i:i] = draw(st.binary(min_size=1, max_size=6))
    return bytes(data)


def _value() -> st.SearchStrategy[query_pb2.Value]:
    scalar = st.one_of(
        st.builds(lambda: query_pb2.Value(null=query_pb2.Value.Null())),
        st.builds(lambda: query_pb2.Value(unset=query_pb2.Value.Unset())),
        st.integers(-(2**63), 2**63 - 1).map(lambda i: query_pb2.Value(int=i)),
        st.floats(width=32).map(lambda f: query_pb2.Value(float=f)),
        st.floats().map(lambda f: query_pb2.Value(double=f)),
        st.booleans().map(lambda b: query_pb2.Value(boolean=b)),
        st.text().map(lambda s: query_pb2.Value(string=s)),
        st.binary().map(lambda b: query_pb2.Value(bytes=b)),
        st.binary(max_size=20).map(lambda b: query_pb2.Value(inet=query_pb2.Inet(value=b))),
        st.binary(max_size=20).map(lambda b: query_pb2.Value(uuid=query_pb2.Uuid(value=b))),
        st.integers(0, 2**32 - 1).map(lambda d: query_pb2.Value(date=d)),
        st.integers(0, 2**64 - 1).map(lambda t: query_pb2.Value(time=t)),
        st.binary(max_size=20).map(lambda b: query_pb2.Value(varint=query_pb2.Varint(value=b))),
        st.builds(
            lambda s, b: query_pb2.Value(decimal=query_pb2.Decimal(scale=s, value=b)),
            st.integers(0, 2**32 - 1),
            st.binary(max_size=12),
        ),
        st.builds(
            lambda m, d, n: query_pb2.Value(duration=query_pb2.Duration(months=m, days=d, nanos=n)),
            st.integers(-(2**31), 2**31 - 1),
            st.integers(-(2**31), 2**31 - 1),
            st.integers(-(2**63), 2**63 - 1),
        ),
    )
    return st.recursive(
        scalar,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4).map(
                lambda els: query_pb2.Value(collection=query_pb2.Collection(elements=els))
            ),
            st.dictionaries(st.text(max_size=5), inner, max_size=3).map(
                lambda f: query_pb2.Value(udt=query_pb2.UdtValue(fields=f))
            ),
        ),
        max_leaves=6,
    )


@st.composite
def _odd_query(draw: st.DrawFn) -> bytes:
    """Well-formed protobuf, odd content: what gets past parsing to the engine."""
    q = query_pb2.Query(
        cql=draw(st.sampled_from(STATEMENTS[:5] + _TEMPLATES) | cql_text),
        values=query_pb2.Values(
            values=draw(st.lists(_value(), max_size=4)),
            value_names=draw(st.lists(st.sampled_from(["id", "v", "x", ""]), max_size=4)),
        ),
    )
    p = q.parameters
    if draw(st.booleans()):
        p.keyspace.value = draw(st.sampled_from(["fz", "", "nope", "system", "FZ"]))
    if draw(st.booleans()):
        p.page_size.value = draw(st.integers(-(2**31), 2**31 - 1))
    if draw(st.booleans()):
        p.paging_state.value = draw(st.binary(max_size=40))
    if draw(st.booleans()):
        p.consistency.value = draw(st.integers(-5, 200))  # type: ignore[assignment]
    if draw(st.booleans()):
        p.serial_consistency.value = draw(st.integers(-5, 200))  # type: ignore[assignment]
    if draw(st.booleans()):
        p.timestamp.value = draw(st.integers(-(2**63), 2**63 - 1))
    if draw(st.booleans()):
        p.now_in_seconds.value = draw(st.integers(-(2**31), 2**31 - 1))
    p.tracing = draw(st.booleans())
    p.skip_metadata = draw(st.booleans())
    return q.SerializeToString()


def _parses(data: bytes) -> bool:
    try:
        query_pb2.Query.FromString(data)
    except Exception:
        return False
    return True


@PROPERTY
@given(data=st.one_of(st.binary(max_size=300), _mutated_bytes(), _odd_query()))
async def test_malformed_protobuf_gets_a_status(fuzz: Fuzz, data: bytes) -> None:
    try:
        response = await fuzz.raw_query(data, metadata=fuzz.metadata, timeout=10)
    except grpc.aio.AioRpcError as exc:
        code = exc.code()
        event(code.name)
        if _parses(data):
            _check_status(exc)  # it reached the engine: a proper refusal
        else:
            assert code != grpc.StatusCode.OK  # grpc's own refusal to parse it
    else:
        assert _parses(data)
        query_pb2.Response.FromString(response)  # a well-formed answer
    await fuzz.healthy()


@settings(PROPERTY, max_examples=EXAMPLES // 2)
@given(data=st.one_of(st.binary(max_size=300), _mutated_bytes()))
async def test_malformed_batch_bytes_get_a_status(fuzz: Fuzz, data: bytes) -> None:
    try:
        response = await fuzz.raw_batch(data, metadata=fuzz.metadata, timeout=10)
    except grpc.aio.AioRpcError as exc:
        try:
            query_pb2.Batch.FromString(data)
        except Exception:
            assert exc.code() != grpc.StatusCode.OK
        else:
            _check_status(exc)
    else:
        query_pb2.Response.FromString(response)
    await fuzz.healthy()
