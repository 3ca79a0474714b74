"""A FastAPI service on astra_grpc_async: notes per user.

    pip install 'astra-grpc-async[examples]'
    uvicorn --app-dir examples fastapi_app:app      # or: python examples/fastapi_app.py

Where it connects: STARGATE_GRPC_ENDPOINT (+ STARGATE_TOKEN), or Astra with
ASTRA_DB_ID + ASTRA_DB_REGION + ASTRA_DB_APPLICATION_TOKEN (+ ASTRA_DB_KEYSPACE),
or, when none is set, an emulator embedded in the process (for a laptop).

What it shows:
- one Client for the whole app, opened and closed by the lifespan, handed to
  the endpoints by a dependency (`Depends(get_client)`);
- CRUD on `notes (owner, id)`: a partition per owner;
- a cursor-paginated list: `GET /users/{owner}/notes?limit=20&cursor=...`
  answers `next_cursor`, Result.cursor, that the caller sends back;
- an NDJSON export of a whole partition with `client.stream`: one page in
  memory at a time, however large the partition;
- driver errors mapped to HTTP statuses in one exception handler.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field

import astra_grpc_async as aga
from astra_grpc_async import errors

KEYSPACE = os.environ.get("ASTRA_DB_KEYSPACE") or "notes_app"

# driver error -> HTTP status; the most specific class wins (walk the MRO)
STATUS_FOR: dict[type[BaseException], int] = {
    errors.EncodeError: 422,  # a value the table cannot hold
    errors.ClientError: 400,  # e.g. a malformed cursor
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
    errors.AgaError: 502,  # anything else: the database failed us
}
RETRY_LATER = {503}


def http_status(exc: BaseException) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS_FOR:
            return STATUS_FOR[cls]
    return 500


def get_client(request: Request) -> aga.Client:
    """The dependency: the one client the lifespan opened."""
    client: aga.Client = request.app.state.client
    return client


# module level: FastAPI resolves annotations in the module's namespace
ClientDep = Annotated[aga.Client, Depends(get_client)]


class NoteIn(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    body: str = ""


class Note(NoteIn):
    id: uuid.UUID
    owner: str


class NotePage(BaseModel):
    notes: list[Note]
    next_cursor: str | None


async def create_schema(client: aga.Client, keyspace: str) -> None:
    with contextlib.suppress(errors.AuthorizationError, errors.UnsupportedError):
        # Astra refuses CREATE KEYSPACE: create it in the Astra console instead
        await client.execute(
            f"CREATE KEYSPACE IF NOT EXISTS {keyspace} "
            "WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
        )
    await client.execute(
        f"CREATE TABLE IF NOT EXISTS {keyspace}.notes "
        "(owner text, id timeuuid, title text, body text, PRIMARY KEY (owner, id)) "
        "WITH CLUSTERING ORDER BY (id DESC)"
    )


@contextlib.asynccontextmanager
async def open_client(
    endpoint: str | None = None, token: str | None = None
) -> AsyncIterator[aga.Client]:
    """A client for `endpoint`, for the environment's endpoint, or for an
    embedded emulator (started here) when neither is given."""
    async with contextlib.AsyncExitStack() as stack:
        if endpoint is not None:
            client = aga.Client(endpoint, token=token, timeout=10.0)
        elif os.environ.get("STARGATE_GRPC_ENDPOINT") or os.environ.get("ASTRA_DB_ID"):
            client = aga.Client.from_env(timeout=10.0)
        else:
            server = await stack.enter_async_context(aga.emulator.serve(port=0))
            client = aga.Client(server.endpoint, token=server.token, timeout=10.0)
        yield await stack.enter_async_context(client)


def create_app(
    endpoint: str | None = None, token: str | None = None, keyspace: str = KEYSPACE
) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_client(endpoint, token) as client:
            await create_schema(client, keyspace)
            app.state.client = client
            yield

    app = FastAPI(title="notes", lifespan=lifespan)
    table = f"{keyspace}.notes"

    @app.exception_handler(errors.AgaError)
    async def driver_error(request: Request, exc: errors.AgaError) -> JSONResponse:
        status = http_status(exc)
        headers = {"Retry-After": "1"} if status in RETRY_LATER else None
        # the class name and the server's message; never bind values or tokens
        body = {"error": type(exc).__name__, "message": getattr(exc, "message", str(exc))}
        return JSONResponse(body, status_code=status, headers=headers)

    @app.post("/users/{owner}/notes", status_code=201)
    async def create_note(owner: str, note: NoteIn, client: ClientDep) -> Note:
        note_id = uuid.uuid1()  # a timeuuid: newest first in the partition
        await client.execute(
            f"INSERT INTO {table} (owner, id, title, body) VALUES (?, ?, ?, ?)",
            [owner, note_id, note.title, note.body],
        )
        return Note(id=note_id, owner=owner, title=note.title, body=note.body)

    @app.get("/users/{owner}/notes/{note_id}")
    async def read_note(owner: str, note_id: uuid.UUID, client: ClientDep) -> Note:
        row = (
            await client.execute(
                f"SELECT owner, id, title, body FROM {table} WHERE owner = ? AND id = ?",
                [owner, note_id],
            )
        ).first()
        if row is None:
            raise HTTPException(404, "no such note")
        return Note(**row.as_dict())

    @app.put("/users/{owner}/notes/{note_id}")
    async def update_note(owner: str, note_id: uuid.UUID, note: NoteIn, client: ClientDep) -> Note:
        result = await client.execute(
            f"UPDATE {table} SET title = ?, body = ? WHERE owner = ? AND id = ? IF EXISTS",
            [note.title, note.body, owner, note_id],
        )
        if not result.applied:
            raise HTTPException(404, "no such note")
        return Note(id=note_id, owner=owner, title=note.title, body=note.body)

    @app.delete("/users/{owner}/notes/{note_id}", status_code=204)
    async def delete_note(owner: str, note_id: uuid.UUID, client: ClientDep) -> None:
        await client.execute(f"DELETE FROM {table} WHERE owner = ? AND id = ?", [owner, note_id])

    @app.get("/users/{owner}/notes")
    async def list_notes(
        owner: str,
        client: ClientDep,
        limit: Annotated[int, Query(ge=1, le=500)] = 20,
        cursor: str | None = None,
    ) -> NotePage:
        result = await client.execute(
            f"SELECT owner, id, title, body FROM {table} WHERE owner = ?",
            [owner],
            page_size=limit,
            paging_state=aga.decode_cursor(cursor) if cursor else None,  # ClientError -> 400
        )
        notes = [Note(**row.as_dict()) for row in result.rows]
        return NotePage(notes=notes, next_cursor=result.cursor)

    @app.get("/users/{owner}/notes.ndjson")
    async def export_notes(owner: str, client: ClientDep) -> StreamingResponse:
        stream = client.stream(
            f"SELECT id, title, body FROM {table} WHERE owner = ?", [owner], page_size=500
        )
        rows = aiter(stream)
        try:
            # the first page before the headers: its errors still become statuses
            first = await anext(rows, None)
        except BaseException:
            await stream.aclose()
            raise

        async def lines() -> AsyncIterator[str]:
            try:
                if first is None:
                    return
                yield _ndjson(first)
                async for row in rows:
                    yield _ndjson(row)
            except errors.AgaError as exc:
                # the status is sent already: say so in a last line the reader can check
                yield json.dumps({"error": type(exc).__name__, "message": str(exc)}) + "\n"
            finally:  # also when the HTTP client goes away mid-stream
                await stream.aclose()

        return StreamingResponse(lines(), media_type="application/x-ndjson")

    return app


def _ndjson(row: aga.Row) -> str:
    data: dict[str, Any] = {"id": str(row["id"]), "title": row["title"], "body": row["body"]}
    return json.dumps(data) + "\n"


app = create_app()


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=8000)
