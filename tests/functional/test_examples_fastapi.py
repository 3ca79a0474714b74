"""examples/fastapi_app.py through httpx + ASGITransport, lifespan included."""

from __future__ import annotations

import importlib.util
import json
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
import pytest_asyncio
from asgi_lifespan import LifespanManager

import astra_grpc_async as aga
from astra_grpc_async.emulator import EmulatorServer

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


fastapi_app = load_example("fastapi_app")


@pytest.fixture
def app(stargate_emulator: EmulatorServer) -> Any:
    return fastapi_app.create_app(
        stargate_emulator.endpoint, stargate_emulator.token, keyspace="fastapi_notes"
    )


@pytest_asyncio.fixture(loop_scope="session")
async def http(app: Any, stargate_emulator: EmulatorServer) -> AsyncIterator[httpx.AsyncClient]:
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
            yield client
    stargate_emulator.faults.clear()


async def test_crud(http: httpx.AsyncClient) -> None:
    created = await http.post("/users/ada/notes", json={"title": "hello", "body": "world"})
    assert created.status_code == 201, created.text
    note = created.json()
    assert note["owner"] == "ada" and note["title"] == "hello"
    url = f"/users/ada/notes/{note['id']}"

    got = await http.get(url)
    assert got.status_code == 200 and got.json() == note

    updated = await http.put(url, json={"title": "hello again", "body": ""})
    assert updated.status_code == 200, updated.text
    assert (await http.get(url)).json()["title"] == "hello again"

    assert (await http.delete(url)).status_code == 204
    assert (await http.get(url)).status_code == 404
    missing = await http.put(url, json={"title": "x"})
    assert missing.status_code == 404  # IF EXISTS was not applied

    invalid = await http.post("/users/ada/notes", json={"title": ""})
    assert invalid.status_code == 422  # FastAPI's own validation


async def test_cursor_pagination(http: httpx.AsyncClient) -> None:
    ids = set()
    for i in range(7):
        r = await http.post("/users/pager/notes", json={"title": f"n{i}"})
        ids.add(r.json()["id"])
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        r = await http.get("/users/pager/notes", params=params)
        assert r.status_code == 200, r.text
        body = r.json()
        seen += [n["id"] for n in body["notes"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
        assert len(body["notes"]) == 3
    assert pages == 3 and len(seen) == 7 and set(seen) == ids
    titles = [n["title"] for n in (await http.get("/users/pager/notes?limit=7")).json()["notes"]]
    assert titles == [f"n{i}" for i in reversed(range(7))]  # newest first (timeuuid DESC)


async def test_ndjson_export_streams_every_row(
    app: Any, http: httpx.AsyncClient, stargate_emulator: EmulatorServer
) -> None:
    async with aga.Client(stargate_emulator.endpoint, token=stargate_emulator.token) as client:
        await client.execute_many(
            "INSERT INTO fastapi_notes.notes (owner, id, title, body) VALUES (?, ?, ?, ?)",
            [("bulk", uuid.uuid1(), f"t{i}", "x" * 50) for i in range(1200)],
            concurrency=64,
        )
    pages: list[int] = []
    app_client: aga.Client = app.state.client
    app_client.hooks.on_response.append(
        lambda info, *_: pages.append(1) if info.kind == "page" else None
    )
    try:
        lines = []
        async with http.stream("GET", "/users/bulk/notes.ndjson") as r:
            assert r.status_code == 200
            assert r.headers["content-type"].startswith("application/x-ndjson")
            async for line in r.aiter_lines():
                if line:
                    lines.append(json.loads(line))
    finally:
        app_client.hooks.on_response.pop()
    assert len(lines) == 1200 and {"id", "title", "body"} == set(lines[0])
    assert len(pages) == 3  # 500 rows a page: read in pages, never all at once


@pytest.mark.parametrize(
    ("fault", "status"),
    [("unavailable", 503), ("overloaded", 503), ("read_timeout", 504), ("unauthorized", 403)],
)
async def test_driver_errors_become_http_statuses(
    http: httpx.AsyncClient, stargate_emulator: EmulatorServer, fault: str, status: int
) -> None:
    stargate_emulator.faults.fail_next(3, fault, match="fastapi_notes.notes WHERE owner")
    r = await http.get("/users/someone/notes")
    stargate_emulator.faults.clear()
    assert r.status_code == status, r.text
    assert r.json()["error"].endswith("Error")
    if status == 503:
        assert r.headers["retry-after"] == "1"


async def test_bad_cursor_is_400_and_client_deadline_is_504(
    app: Any, http: httpx.AsyncClient, stargate_emulator: EmulatorServer
) -> None:
    r = await http.get("/users/ada/notes", params={"cursor": "!!not base64!!"})
    assert r.status_code == 400 and r.json()["error"] == "ClientError"
    stargate_emulator.faults.add_latency(0.5, match="fastapi_notes.notes WHERE owner")
    app_client = app.state.client
    old, app_client.timeout = app_client.timeout, 0.1
    try:
        r = await http.get("/users/ada/notes")
    finally:
        app_client.timeout = old
        stargate_emulator.faults.clear()
    assert r.status_code == 504 and r.json()["error"] == "ClientDeadlineError"


async def test_wrong_token_is_401(stargate_emulator: EmulatorServer) -> None:
    app = fastapi_app.create_app(stargate_emulator.endpoint, "wrong-token", keyspace="fa_401")
    with pytest.raises(aga.errors.AuthenticationError):
        async with LifespanManager(app):  # schema creation at startup fails loudly
            pass
    assert (
        fastapi_app.http_status(aga.errors.AuthenticationError("x", code="UNAUTHENTICATED")) == 401
    )
    assert (
        fastapi_app.http_status(aga.errors.InvalidQueryError("x", code="INVALID_ARGUMENT")) == 400
    )


async def test_embedded_emulator_when_nothing_is_configured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for var in ("STARGATE_GRPC_ENDPOINT", "ASTRA_DB_ID"):
        monkeypatch.delenv(var, raising=False)
    app = fastapi_app.create_app(keyspace="fa_embedded")
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as http:
            r = await http.post("/users/x/notes", json={"title": "t"})
            assert r.status_code == 201
            assert len((await http.get("/users/x/notes")).json()["notes"]) == 1
