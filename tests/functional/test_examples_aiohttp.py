"""examples/aiohttp_app.py with aiohttp's TestServer/TestClient (no pytest plugin)."""

from __future__ import annotations

import importlib.util
import json
import sys
import uuid
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

import astra_grpc_async as aga
from astra_grpc_async.emulator import EmulatorServer
from astra_grpc_async.emulator.faults import ERRORS

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def load_example(name: str) -> ModuleType:
    module_name = f"_example_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


aiohttp_app = load_example("aiohttp_app")
Client = TestClient[web.Request, web.Application]


@pytest_asyncio.fixture(loop_scope="session")
async def http(stargate_emulator: EmulatorServer) -> AsyncIterator[Client]:
    app = aiohttp_app.create_app(
        stargate_emulator.endpoint, stargate_emulator.token, keyspace="aiohttp_notes"
    )
    async with TestClient(TestServer(app)) as client:  # runs the cleanup_ctx
        yield client
    stargate_emulator.faults.clear()


async def test_client_lives_in_the_cleanup_ctx(stargate_emulator: EmulatorServer) -> None:
    app = aiohttp_app.create_app(
        stargate_emulator.endpoint, stargate_emulator.token, keyspace="aiohttp_ctx"
    )
    async with TestClient(TestServer(app)) as http:
        client = http.app[aiohttp_app.CLIENT]
        assert (await client.execute("SELECT * FROM aiohttp_ctx.notes")).rows == []
    with pytest.raises(aga.errors.ClientClosedError):
        await client.execute("SELECT * FROM aiohttp_ctx.notes")


async def test_crud(http: Client) -> None:
    created = await http.post("/users/ada/notes", json={"title": "hello", "body": "world"})
    assert created.status == 201, await created.text()
    note = await created.json()
    url = f"/users/ada/notes/{note['id']}"
    got = await http.get(url)
    assert got.status == 200 and await got.json() == note
    updated = await http.put(url, json={"title": "again"})
    assert updated.status == 200
    assert (await (await http.get(url)).json())["title"] == "again"
    assert (await http.delete(url)).status == 204
    assert (await http.get(url)).status == 404
    assert (await http.put(url, json={"title": "x"})).status == 404
    assert (await http.post("/users/ada/notes", json={"body": "no title"})).status == 422
    assert (await http.get("/users/ada/notes/not-a-uuid")).status == 422


async def test_cursor_pagination(http: Client) -> None:
    for i in range(5):
        await http.post("/users/pager/notes", json={"title": f"n{i}"})
    titles: list[str] = []
    params: dict[str, Any] = {"limit": 2}
    while True:
        body = await (await http.get("/users/pager/notes", params=params)).json()
        titles += [n["title"] for n in body["notes"]]
        if body["next_cursor"] is None:
            break
        params["cursor"] = body["next_cursor"]
    assert titles == [f"n{i}" for i in reversed(range(5))]
    bad = await http.get("/users/pager/notes", params={"cursor": "abcde"})  # not base64
    assert bad.status == 400 and (await bad.json())["error"] == "ClientError"
    forged = await http.get("/users/pager/notes", params={"cursor": "Zm9yZ2Vk"})
    assert forged.status == 400  # the server refuses a state it did not make
    assert (await forged.json())["error"] == "InvalidQueryError"


async def test_ndjson_export(http: Client, stargate_emulator: EmulatorServer) -> None:
    client = http.app[aiohttp_app.CLIENT]
    await client.execute_many(
        "INSERT INTO aiohttp_notes.notes (owner, id, title, body) VALUES (?, ?, ?, ?)",
        [("bulk", uuid.uuid1(), f"t{i}", "") for i in range(1100)],
    )
    r = await http.get("/users/bulk/notes.ndjson")
    assert r.status == 200 and r.content_type == "application/x-ndjson"
    lines = [json.loads(line) async for line in r.content if line.strip()]
    assert len(lines) == 1100 and lines[0]["title"] == "t1099"
    empty = await http.get("/users/nobody/notes.ndjson")
    assert empty.status == 200 and await empty.text() == ""


@pytest.mark.parametrize(
    ("fault", "status"), [("unavailable", 503), ("write_timeout", 504), ("server_error", 502)]
)
async def test_driver_errors_become_http_statuses(
    http: Client, stargate_emulator: EmulatorServer, fault: str, status: int
) -> None:
    stargate_emulator.faults.fail_next(1, fault, match="INSERT INTO aiohttp_notes")
    r = await http.post("/users/err/notes", json={"title": "t"})  # writes are not retried
    stargate_emulator.faults.clear()
    assert r.status == status
    assert (await r.json())["error"].endswith("Error")


async def test_error_after_the_headers_ends_the_stream_with_an_error_line(
    http: Client, stargate_emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = http.app[aiohttp_app.CLIENT]
    await client.execute_many(
        "INSERT INTO aiohttp_notes.notes (owner, id, title, body) VALUES (?, ?, ?, ?)",
        [("late", uuid.uuid1(), f"t{i}", "") for i in range(600)],
    )
    faults = stargate_emulator.faults
    original = faults.apply
    pages = 0

    async def second_page_fails(method: str, statements: Iterable[str]) -> None:
        nonlocal pages
        cqls = tuple(statements)
        if any("aiohttp_notes.notes WHERE owner" in c for c in cqls):
            pages += 1
            if pages == 2:  # INTERNAL: not retried
                raise ERRORS["server_error"]()
        await original(method, cqls)

    monkeypatch.setattr(faults, "apply", second_page_fails)
    faults.add_latency(0.0, match="no statement has this")  # makes the faults active
    r = await http.get("/users/late/notes.ndjson")
    lines = [json.loads(line) async for line in r.content if line.strip()]
    assert r.status == 200  # sent with the first page
    assert len(lines) == 501  # the first page, then the error line
    assert lines[-1]["error"] == "InternalServerError"
