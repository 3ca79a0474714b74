"""Essential functional checks, run against whatever STARGATE_LIVE_ENDPOINT
names (see conftest.py). Every check is one the driver's users rely on and
that a real coordinator and the emulator must answer alike."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import math
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

import astra_grpc_async as aga
from astra_grpc_async import errors
from astra_grpc_async.config import Secret

if TYPE_CHECKING:
    from conftest import Live  # tests/live/conftest.py

UTC = dt.UTC

# (CQL type, value bound, value read back)
TYPES: list[tuple[str, Any, Any]] = [
    ("ascii", "plain ascii", "plain ascii"),
    ("bigint", -(2**63), -(2**63)),
    ("blob", b"\x00\xffbytes", b"\x00\xffbytes"),
    ("boolean", True, True),
    ("date", dt.date(2024, 2, 29), dt.date(2024, 2, 29)),
    ("decimal", Decimal("-12345678901234567890.010"), Decimal("-12345678901234567890.010")),
    ("double", -1.5e300, -1.5e300),
    ("duration", aga.Duration(1, 2, 3_000_000_004), aga.Duration(1, 2, 3_000_000_004)),
    ("float", aga.Float32(0.1), 0.10000000149011612),
    ("inet", ipaddress.ip_address("2001:db8::1"), ipaddress.ip_address("2001:db8::1")),
    ("int", -(2**31), -(2**31)),
    ("smallint", -(2**15), -(2**15)),
    ("text", "héllo ✓ wörld", "héllo ✓ wörld"),
    ("time", dt.time(23, 59, 59, 999_999), dt.time(23, 59, 59, 999_999)),
    ("timestamp", dt.datetime(2024, 1, 2, 3, 4, 5, 678_000, tzinfo=UTC),
     dt.datetime(2024, 1, 2, 3, 4, 5, 678_000, tzinfo=UTC)),
    ("timeuuid", uuid.UUID("6ba7b810-9dad-11d1-80b4-00c04fd430c8"),
     uuid.UUID("6ba7b810-9dad-11d1-80b4-00c04fd430c8")),
    ("tinyint", -128, -128),
    ("uuid", uuid.UUID("12345678-1234-4234-8234-123456789abc"),
     uuid.UUID("12345678-1234-4234-8234-123456789abc")),
    ("varchar", "v", "v"),
    ("varint", 2**80 + 1, 2**80 + 1),
    ("list<int>", [3, 1, 2], [3, 1, 2]),
    ("set<text>", {"b", "a"}, {"a", "b"}),
    ("map<text, int>", {"x": 1, "y": -2}, {"x": 1, "y": -2}),
    ("tuple<int, text, boolean>", (7, "seven", False), (7, "seven", False)),
    ("frozen<list<frozen<map<text, int>>>>", [{"a": 1}, {"b": 2}], [{"a": 1}, {"b": 2}]),
    ("frozen<address>", aga.Udt(street="1 Main St", zip=12345),
     aga.Udt(street="1 Main St", zip=12345)),
]  # fmt: skip


def _column(cql_type: str) -> str:
    return "c_" + "".join(ch if ch.isalnum() else "_" for ch in cql_type)[:40]


async def test_release_version(live_client: aga.Client) -> None:
    row = (await live_client.execute("SELECT release_version FROM system.local")).one()
    assert isinstance(row["release_version"], str) and row["release_version"]


async def test_every_cql_type_round_trips(
    live_client: aga.Client, live_ks: str, table: str
) -> None:
    await live_client.execute(f"CREATE TYPE IF NOT EXISTS {live_ks}.address (street text, zip int)")
    columns = ", ".join(f"{_column(t)} {t}" for t, _, _ in TYPES)
    await live_client.execute(f"CREATE TABLE {table} (k int PRIMARY KEY, {columns})")
    names = [_column(t) for t, _, _ in TYPES]
    markers = ", ".join("?" for _ in TYPES)
    insert = f"INSERT INTO {table} (k, {', '.join(names)}) VALUES (?, {markers})"
    await live_client.execute(insert, [1, *(value for _, value, _ in TYPES)])
    await live_client.execute(insert, [2, *(None for _ in TYPES)])
    result = await live_client.execute(f"SELECT {', '.join(names)} FROM {table} WHERE k = 1")
    row = result.one()
    for (cql_type, _, want), name in zip(TYPES, names, strict=True):
        got = row[name]
        assert type(got) is type(want) or isinstance(want, ipaddress.IPv6Address), cql_type
        if isinstance(want, float) and math.isnan(want):
            assert math.isnan(got), cql_type
        else:
            assert got == want, f"{cql_type}: got {got!r}, want {want!r}"
    assert dict(zip(names, [c.name for c in result.columns], strict=True)) == {n: n for n in names}
    nulls = (await live_client.execute(f"SELECT {', '.join(names)} FROM {table} WHERE k = 2")).one()
    assert all(value is None for value in nulls)
    # counters live in tables of their own
    counters = table + "_c"
    await live_client.execute(f"CREATE TABLE {counters} (k int PRIMARY KEY, n counter)")
    for step in (5, -2):
        await live_client.execute(f"UPDATE {counters} SET n = n + ? WHERE k = 1", [step])
    assert (await live_client.execute(f"SELECT n FROM {counters} WHERE k = 1")).scalar() == 3
    await live_client.execute(f"DROP TABLE {counters}")


async def test_paging_streaming_and_resume(live_client: aga.Client, table: str) -> None:
    await live_client.execute(f"CREATE TABLE {table} (p int, c int, v text, PRIMARY KEY (p, c))")
    await asyncio.gather(
        *(
            live_client.execute(f"INSERT INTO {table} (p, c, v) VALUES (1, ?, ?)", [c, f"v{c}"])
            for c in range(25)
        )
    )
    select = f"SELECT c FROM {table} WHERE p = 1"
    first = await live_client.execute(select, page_size=10)
    assert [r["c"] for r in first] == list(range(10))
    assert first.has_more_pages and first.cursor is not None
    # resume from the URL-safe cursor, as a web client would hand it back
    second = await live_client.execute(
        select, page_size=10, paging_state=aga.decode_cursor(first.cursor)
    )
    assert [r["c"] for r in second] == list(range(10, 20))
    assert second.paging_state is not None
    last = await live_client.execute(select, page_size=10, paging_state=second.paging_state)
    assert [r["c"] for r in last] == list(range(20, 25))
    assert not last.has_more_pages and last.paging_state is None
    async with live_client.stream(select, page_size=7, prefetch=2) as rows:
        assert [r["c"] async for r in rows] == list(range(25))


async def test_batches(live_client: aga.Client, table: str) -> None:
    await live_client.execute(f"CREATE TABLE {table} (p int, c int, v text, PRIMARY KEY (p, c))")
    insert = f"INSERT INTO {table} (p, c, v) VALUES (?, ?, ?)"
    done = await live_client.batch([(insert, [1, c, f"v{c}"]) for c in range(3)])
    assert done.rows == [] and done.applied is None
    await live_client.batch(
        [(insert, [2, 0, "u"]), f"INSERT INTO {table} (p, c, v) VALUES (2, 1, 'w')"],
        kind=aga.BatchKind.UNLOGGED,
    )
    rows = (await live_client.execute(f"SELECT p, c, v FROM {table}")).rows
    assert sorted(tuple(r) for r in rows) == [
        (1, 0, "v0"), (1, 1, "v1"), (1, 2, "v2"), (2, 0, "u"), (2, 1, "w"),
    ]  # fmt: skip
    # a conditional batch on one partition: applied, then refused with the current row
    update = f"UPDATE {table} SET v = ? WHERE p = 1 AND c = ? IF v = ?"
    ok = await live_client.batch([(update, ["x", 0, "v0"]), (update, ["y", 1, "v1"])])
    assert ok.applied is True
    refused = await live_client.batch([(update, ["z", 0, "v0"])])
    assert refused.applied is False
    assert refused.one()["v"] == "x"


async def test_lightweight_transactions(live_client: aga.Client, table: str) -> None:
    await live_client.execute(f"CREATE TABLE {table} (k int PRIMARY KEY, v text)")
    insert = f"INSERT INTO {table} (k, v) VALUES (1, ?) IF NOT EXISTS"
    first = await live_client.execute(insert, ["a"])
    assert first.applied is True
    again = await live_client.execute(insert, ["b"])
    assert again.applied is False
    assert again.one()["v"] == "a"
    update = f"UPDATE {table} SET v = ? WHERE k = 1 IF v = ?"
    assert (await live_client.execute(update, ["c", "a"])).applied is True
    stale = await live_client.execute(update, ["d", "a"])
    assert stale.applied is False and stale.one()["v"] == "c"
    serial = await live_client.execute(
        f"SELECT v FROM {table} WHERE k = 1", consistency=aga.Consistency.SERIAL
    )
    assert serial.scalar() == "c"


async def test_errors_and_their_trailers(live: Live, live_client: aga.Client, table: str) -> None:
    await live_client.execute(f"CREATE TABLE {table} (k int PRIMARY KEY, v text)")
    with pytest.raises(errors.InvalidQueryError):
        await live_client.execute("SELEKT nothing")
    with pytest.raises(errors.InvalidQueryError):
        await live_client.execute(f"SELECT * FROM {table}_missing")
    with pytest.raises(errors.BindCountError) as count:
        await live_client.execute(f"INSERT INTO {table} (k, v) VALUES (?, ?)", [1])
    assert count.value.code == "FAILED_PRECONDITION"
    assert "Invalid number of bind values" in count.value.message
    with pytest.raises(errors.BindValueError):
        await live_client.execute(f"INSERT INTO {table} (k, v) VALUES (?, ?)", ["one", "x"])
    # ALREADY_EXISTS carries the typed detail in the stargate.alreadyexists-bin trailer
    keyspace, name = table.split(".")
    with pytest.raises(errors.AlreadyExistsError) as exists:
        await live_client.execute(f"CREATE TABLE {table} (k int PRIMARY KEY)")
    assert exists.value.code == "ALREADY_EXISTS"
    assert (exists.value.detail.keyspace, exists.value.detail.table) == (keyspace, name)
    with pytest.raises(errors.UnsupportedError):
        await live_client.execute(f"USE {keyspace}")
    # a token the server never issued
    async with live.client(str(uuid.uuid4())) as stranger:
        with pytest.raises(errors.AuthenticationError) as denied:
            await stranger.execute("SELECT release_version FROM system.local")
    assert denied.value.code == "UNAUTHENTICATED" and denied.value.message == "Invalid token"


async def test_pipeline(live_client: aga.Client, table: str) -> None:
    await live_client.execute(f"CREATE TABLE {table} (k int PRIMARY KEY, v int)")
    insert = f"INSERT INTO {table} (k, v) VALUES (?, ?)"
    async with live_client.pipeline(width=3) as pipe:
        await asyncio.gather(*(pipe.execute(insert, [k, k * k]) for k in range(60)))
        # an in-stream failure is that call's error; the lanes stay usable
        with pytest.raises(errors.InvalidQueryError):
            await pipe.execute(f"SELECT nope FROM {table}")
        back = await asyncio.gather(
            *(pipe.execute(f"SELECT v FROM {table} WHERE k = ?", [k]) for k in range(60))
        )
    assert [r.scalar() for r in back] == [k * k for k in range(60)]


class _RejectedFirst:
    """A provider whose first token the server does not know (as after the
    idle window expired); it then defers to the real Auth API provider."""

    def __init__(self, inner: aga.TableBasedToken) -> None:
        self.inner = inner
        self.stale = Secret(str(uuid.uuid4()))
        self.refreshes = 0

    async def get_token(self) -> Secret:
        return self.stale if self.refreshes == 0 else await self.inner.get_token()

    async def refresh(self, rejected: Secret) -> Secret:
        self.refreshes += 1
        return await self.inner.refresh(rejected)

    @property
    def refreshable(self) -> bool:
        return True

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_token_refresh(live: Live) -> None:
    if not live.uses_auth_api:
        pytest.skip("token refresh needs the Auth API: set STARGATE_AUTH_URL and its credentials")
    inner = live.token_source()
    assert isinstance(inner, aga.TableBasedToken)
    provider = _RejectedFirst(inner)
    async with inner, live.client(provider) as client:
        calls = [client.execute("SELECT release_version FROM system.local") for _ in range(20)]
        assert all(r.scalar() for r in await asyncio.gather(*calls))
        async with client.stream("SELECT keyspace_name FROM system_schema.keyspaces") as rows:
            assert [r async for r in rows]
    # every caller was refused once; they shared one new token from one login
    assert provider.refreshes >= 1
    assert inner.fetches == 1
