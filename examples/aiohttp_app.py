"""An aiohttp service on astra_grpc_async: the notes API of fastapi_app.py.

    pip install 'astra-grpc-async[examples]'
    python examples/aiohttp_app.py

Where it connects: STARGATE_GRPC_ENDPOINT (+ STARGATE_TOKEN), or Astra with
ASTRA_DB_ID + ASTRA_DB_REGION + ASTRA_DB_APPLICATION_TOKEN (+ ASTRA_DB_KEYSPACE),
or, when none is set, an emulator embedded in the process.

The client lives in a `cleanup_ctx` (opened at startup, closed at shutdown)
and is reached through an `AppKey`; a middleware maps driver errors to HTTP
statuses; the NDJSON export streams with `client.stream` into a
`web.StreamResponse`, one page in memory at a time.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from aiohttp import web

import astra_grpc_async as aga
from astra_grpc_async import errors

KEYSPACE = os.environ.get("ASTRA_DB_KEYSPACE") or "notes_app"
CLIENT = web.AppKey("client", aga.Client)
TABLE = web.AppKey("table", str)

# driver error -> HTTP status; the most specific class wins (walk the MRO)
STATUS_FOR: dict[type[BaseException], int] = {
    errors.EncodeError: 422,
    errors.ClientError: 400,
    errors.InvalidQueryError: 400,
    errors.BindCountError: 400,
    errors.AuthenticationError: 401,
    errors.AuthorizationError: 403,
    errors.AlreadyExistsError: 409,
    errors.UnavailableError: 503,
    errors.OverloadedError: 503,
    errors.ConnectionLostError: 503,
    errors.ServerTimeoutError: 504,
    errors.ClientDeadlineError: 504,
    errors.AgaError: 502,
}


def http_status(exc: BaseException) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS_FOR:
            return STATUS_FOR[cls]
    return 500


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def driver_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except errors.AgaError as exc:
        status = http_status(exc)
        headers = {"Retry-After": "1"} if status == 503 else None
        body = {"error": type(exc).__name__, "message": getattr(exc, "message", str(exc))}
        return web.json_response(body, status=status, headers=headers)


async def create_schema(client: aga.Client, keyspace: str) -> None:
    with contextlib.suppress(errors.AuthorizationError, errors.UnsupportedError):
        await client.execute(
            f"CREATE KEYSPACE IF NOT EXISTS {keyspace} "
            "WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
        )
    await client.execute(
        f"CREATE TABLE IF NOT EXISTS {keyspace}.notes "
        "(owner text, id timeuuid, title text, body text, PRIMARY KEY (owner, id)) "
        "WITH CLUSTERING ORDER BY (id DESC)"
    )


def _client_ctx(
    endpoint: str | None, token: str | None, keyspace: str
) -> Callable[[web.Application], AsyncIterator[None]]:
    async def client_ctx(app: web.Application) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            if endpoint is not None:
                client = aga.Client(endpoint, token=token, timeout=10.0)
            elif os.environ.get("STARGATE_GRPC_ENDPOINT") or os.environ.get("ASTRA_DB_ID"):
                client = aga.Client.from_env(timeout=10.0)
            else:
                server = await stack.enter_async_context(aga.emulator.serve(port=0))
                client = aga.Client(server.endpoint, token=server.token, timeout=10.0)
            app[CLIENT] = await stack.enter_async_context(client)
            await create_schema(app[CLIENT], keyspace)
            yield  # the app serves here; the client closes on the way out

    return client_ctx


def _note(row: aga.Row) -> dict[str, Any]:
    return {"owner": row["owner"], "id": str(row["id"]), "title": row["title"], "body": row["body"]}


async def _note_in(request: web.Request) -> tuple[str, str]:
    try:
        data = await request.json()
        title, body = data["title"], data.get("body", "")
    except (ValueError, KeyError, TypeError, AttributeError):
        raise web.HTTPUnprocessableEntity(text="expected JSON {title, body}") from None
    if not isinstance(title, str) or not title or not isinstance(body, str):
        raise web.HTTPUnprocessableEntity(text="title must be a non-empty string")
    return title, body


def _note_id(request: web.Request) -> uuid.UUID:
    try:
        return uuid.UUID(request.match_info["note_id"])
    except ValueError:
        raise web.HTTPUnprocessableEntity(text="note id must be a UUID") from None


async def create_note(request: web.Request) -> web.Response:
    client, table = request.app[CLIENT], request.app[TABLE]
    owner = request.match_info["owner"]
    title, body = await _note_in(request)
    note_id = uuid.uuid1()
    await client.execute(
        f"INSERT INTO {table} (owner, id, title, body) VALUES (?, ?, ?, ?)",
        [owner, note_id, title, body],
    )
    note = {"owner": owner, "id": str(note_id), "title": title, "body": body}
    return web.json_response(note, status=201)


async def read_note(request: web.Request) -> web.Response:
    client, table = request.app[CLIENT], request.app[TABLE]
    result = await client.execute(
        f"SELECT owner, id, title, body FROM {table} WHERE owner = ? AND id = ?",
        [request.match_info["owner"], _note_id(request)],
    )
    row = result.first()
    if row is None:
        raise web.HTTPNotFound(text="no such note")
    return web.json_response(_note(row))


async def update_note(request: web.Request) -> web.Response:
    client, table = request.app[CLIENT], request.app[TABLE]
    owner, note_id = request.match_info["owner"], _note_id(request)
    title, body = await _note_in(request)
    result = await client.execute(
        f"UPDATE {table} SET title = ?, body = ? WHERE owner = ? AND id = ? IF EXISTS",
        [title, body, owner, note_id],
    )
    if not result.applied:
        raise web.HTTPNotFound(text="no such note")
    return web.json_response({"owner": owner, "id": str(note_id), "title": title, "body": body})


async def delete_note(request: web.Request) -> web.Response:
    client, table = request.app[CLIENT], request.app[TABLE]
    await client.execute(
        f"DELETE FROM {table} WHERE owner = ? AND id = ?",
        [request.match_info["owner"], _note_id(request)],
    )
    return web.Response(status=204)


async def list_notes(request: web.Request) -> web.Response:
    client, table = request.app[CLIENT], request.app[TABLE]
    try:
        limit = int(request.query.get("limit", "20"))
    except ValueError:
        raise web.HTTPUnprocessableEntity(text="limit must be an integer") from None
    if not 1 <= limit <= 500:
        raise web.HTTPUnprocessableEntity(text="limit must be 1..500")
    cursor = request.query.get("cursor")
    result = await client.execute(
        f"SELECT owner, id, title, body FROM {table} WHERE owner = ?",
        [request.match_info["owner"]],
        page_size=limit,
        paging_state=aga.decode_cursor(cursor) if cursor else None,  # ClientError -> 400
    )
    return web.json_response(
        {"notes": [_note(r) for r in result.rows], "next_cursor": result.cursor}
    )


async def export_notes(request: web.Request) -> web.StreamResponse:
    client, table = request.app[CLIENT], request.app[TABLE]
    async with client.stream(
        f"SELECT id, title, body FROM {table} WHERE owner = ?",
        [request.match_info["owner"]],
        page_size=500,
    ) as stream:
        rows = aiter(stream)
        first = await anext(rows, None)  # errors before the headers become statuses
        response = web.StreamResponse(headers={"Content-Type": "application/x-ndjson"})
        await response.prepare(request)
        try:
            if first is not None:
                await response.write(_ndjson(first))
                async for row in rows:
                    await response.write(_ndjson(row))  # waits while the peer is slow
        except errors.AgaError as exc:
            # the status is sent already: say so in a last line the reader can check
            await response.write(_error_line(exc))
        await response.write_eof()
    return response


def _error_line(exc: errors.AgaError) -> bytes:
    data = {"error": type(exc).__name__, "message": getattr(exc, "message", str(exc))}
    return (json.dumps(data) + "\n").encode()


def _ndjson(row: aga.Row) -> bytes:
    data = {"id": str(row["id"]), "title": row["title"], "body": row["body"]}
    return (json.dumps(data) + "\n").encode()


def create_app(
    endpoint: str | None = None, token: str | None = None, keyspace: str = KEYSPACE
) -> web.Application:
    app = web.Application(middlewares=[driver_errors])
    app[TABLE] = f"{keyspace}.notes"
    app.cleanup_ctx.append(_client_ctx(endpoint, token, keyspace))
    app.router.add_post("/users/{owner}/notes", create_note)
    app.router.add_get("/users/{owner}/notes", list_notes)
    app.router.add_get("/users/{owner}/notes.ndjson", export_notes)
    app.router.add_get("/users/{owner}/notes/{note_id}", read_note)
    app.router.add_put("/users/{owner}/notes/{note_id}", update_note)
    app.router.add_delete("/users/{owner}/notes/{note_id}", delete_note)
    return app


if __name__ == "__main__":
    web.run_app(create_app(), host="127.0.0.1", port=8080)
