"""A loopback TCP proxy that injects network faults between a client and a server.

    async with FaultProxy("127.0.0.1", server.port) as proxy:
        client = aga.Client(proxy.endpoint, ...)
        proxy.stall()        # keep connections open but forward nothing
        proxy.resume()       # forward again (held bytes flow on)
        await proxy.cut()    # reset every open connection (new ones are accepted)

It knows nothing about HTTP/2 or gRPC: it moves bytes, so what the client sees
is what a dropped or frozen network link looks like.
"""

from __future__ import annotations

import asyncio
import contextlib

_CHUNK = 64 * 1024


class _Link:
    """One accepted client connection and its upstream connection."""

    __slots__ = ("tasks", "writers")

    def __init__(self) -> None:
        self.writers: list[asyncio.StreamWriter] = []
        self.tasks: list[asyncio.Task[None]] = []

    def close_sockets(self) -> None:
        for w in self.writers:
            w.transport.abort()  # no graceful close: data in flight is lost

    def abort(self) -> None:
        self.close_sockets()
        for t in self.tasks:
            t.cancel()


class FaultProxy:
    def __init__(self, target_host: str, target_port: int, *, host: str = "127.0.0.1") -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.host = host
        self.port = 0
        self.accepted = 0  # connections accepted so far
        self.cuts = 0
        self.bytes_forwarded = 0
        self._links: set[_Link] = set()
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._server: asyncio.Server | None = None

    @property
    def endpoint(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def open_connections(self) -> int:
        return len(self._links)

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, self.host, 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def stall(self) -> None:
        """Stop forwarding in both directions; connections stay open."""
        self._flowing.clear()

    def resume(self) -> None:
        self._flowing.set()

    async def cut(self) -> int:
        """Abort every open connection (both sides); returns how many."""
        links, self._links = list(self._links), set()
        for link in links:
            link.abort()
        for link in links:
            await asyncio.gather(*link.tasks, return_exceptions=True)
        self.cuts += 1
        return len(links)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        link = _Link()
        link.writers.append(writer)
        try:
            up_reader, up_writer = await asyncio.wait_for(
                asyncio.open_connection(self.target_host, self.target_port), 5.0
            )
        except OSError:
            writer.transport.abort()
            return
        link.writers.append(up_writer)
        self._links.add(link)
        loop = asyncio.get_running_loop()
        link.tasks = [
            loop.create_task(self._pump(reader, up_writer, link)),
            loop.create_task(self._pump(up_reader, writer, link)),
        ]
        await asyncio.gather(*link.tasks, return_exceptions=True)
        self._links.discard(link)
        link.abort()

    async def _pump(
        self, src: asyncio.StreamReader, dst: asyncio.StreamWriter, link: _Link
    ) -> None:
        try:
            while data := await src.read(_CHUNK):
                await self._flowing.wait()  # a stalled link holds the bytes it read
                dst.write(data)
                self.bytes_forwarded += len(data)
                await dst.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            # one side ended: end the other (a half-open HTTP/2 link is useless)
            link.close_sockets()

    async def aclose(self) -> None:
        self.resume()
        server, self._server = self._server, None
        if server is not None:
            server.close()
        await self.cut()
        if server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 2.0)

    async def __aenter__(self) -> FaultProxy:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
