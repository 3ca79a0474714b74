"""A pytest plugin for users' own test suites: an emulator, clients and keyspaces.

In a conftest.py:

    pytest_plugins = ["astra_grpc_async.testing"]

Fixtures (see the README's "Testing" section):

- `stargate_emulator` (session): an `EmulatorThread`, one emulator serving on
  its own thread and event loop, so tests on any loop can reach it.
- `stargate_keyspace` (function): the name of a fresh keyspace, dropped after
  the test.
- `stargate_client` (function): a `Client` on the test's own event loop,
  closed after the test.
- `stargate_keyspace_client` (function): the same, with `stargate_keyspace` as
  its default keyspace.

After every test that uses one of them, fault rules are cleared, a stopped
emulator is started again, and every keyspace the test (or its
function-scoped fixtures) created is dropped.

The async fixtures follow whichever plugin runs the test: pytest-asyncio
(strict or auto mode, any loop scope) or anyio's plugin (asyncio backend).
Without pytest, use `emulated_client()` or `EmulatorThread` directly.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import inspect
import itertools
import os
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from typing import Any, Literal, NoReturn, TypeVar

from .client import Client
from .emulator import EmulatorServer, serve
from .emulator.faults import Faults

_T = TypeVar("_T")
_counter = itertools.count(1)
_LoopScope = Literal["function", "class", "module", "package", "session"]
_LOOP_SCOPES: tuple[_LoopScope, ...] = ("function", "class", "module", "package", "session")
# how long a blocking call into the emulator thread may take before the caller gives up
_CALL_TIMEOUT = 60.0


@contextlib.asynccontextmanager
async def emulated_client(**client_options: Any) -> AsyncIterator[tuple[EmulatorServer, Client]]:
    """An emulator on a free loopback port and a client connected to it."""
    async with (
        serve(port=0) as server,
        Client(server.endpoint, token=server.token, **client_options) as client,
    ):
        yield server, client


def pending_driver_tasks() -> set[asyncio.Task[Any]]:
    """Tasks of the driver (not of an in-process emulator) still pending: a
    test can assert this is empty after cancelling a call or a stream."""
    found = set()
    for task in asyncio.all_tasks():
        if task.done():
            continue
        code = getattr(task.get_coro(), "cr_code", None)
        filename = code.co_filename if code is not None else ""
        if (
            f"{os.sep}astra_grpc_async{os.sep}" in filename
            and f"{os.sep}emulator{os.sep}" not in filename
        ):
            found.add(task)
    return found


def _keyspace_ddl(name: str) -> str:
    return (
        f"CREATE KEYSPACE IF NOT EXISTS {name} "
        "WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
    )


async def create_keyspace(client: Client, name: str | None = None) -> str:
    """Create a keyspace with a unique name (SimpleStrategy, RF 1); returns it."""
    ks = name or f"test_ks_{next(_counter)}"
    await client.execute(_keyspace_ddl(ks))
    return ks


class EmulatorThread:
    """An emulator serving on a thread of its own, with its own event loop.

        with EmulatorThread() as emulator:
            async with Client(emulator.endpoint, token=emulator.token) as client: ...

    grpc.aio objects belong to the loop that made them; a server on its own
    loop outlives any test's loop, so clients on per-test loops (or a session
    loop, or anyio's) all reach the same emulator. `faults` is the server's
    fault API (plain data, safe from any thread); `restart()`, `stop()` and
    `start()` may be awaited from any asyncio loop. The blocking helpers
    (`keyspaces()`, `create_keyspace()`, `drop_keyspaces()`, `reset()`) run
    on the emulator's loop and wait for it; call them from fixtures or sync code.
    """

    def __init__(self, **server_options: Any) -> None:
        server_options.setdefault("port", 0)
        self.server = EmulatorServer(**server_options)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._admin: Client | None = None
        self._baseline: frozenset[str] = frozenset()

    @property
    def endpoint(self) -> str:
        return self.server.endpoint

    @property
    def token(self) -> str:
        return self.server.token

    @property
    def faults(self) -> Faults:
        return self.server.faults

    @property
    def engine(self) -> Any:
        """The server's CQL engine (for inspection; it lives on the emulator's loop)."""
        return self.server.engine

    @property
    def servicer(self) -> Any:
        """The server's servicer (its `calls` counter, for inspection)."""
        return self.server.servicer

    @property
    def running(self) -> bool:
        return self._thread is not None and self.server.running

    @property
    def baseline_keyspaces(self) -> frozenset[str]:
        """The keyspaces present when the emulator started (never swept)."""
        return self._baseline

    def __repr__(self) -> str:  # the server's repr carries no token
        return f"EmulatorThread({self.server!r})"

    # --- lifecycle (blocking) ---------------------------------------------

    def open(self) -> EmulatorThread:
        """Start the thread and the server (idempotent); returns self."""
        if self._thread is not None:
            return self
        loop = asyncio.new_event_loop()
        ready: concurrent.futures.Future[None] = concurrent.futures.Future()

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._astart())
            except BaseException as exc:
                ready.set_exception(exc)
                loop.close()
                return
            ready.set_result(None)
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()

        self._loop = loop
        self._thread = threading.Thread(target=run, name="stargate-emulator", daemon=True)
        self._thread.start()
        try:
            ready.result(_CALL_TIMEOUT)
        except BaseException:
            self._thread.join()
            self._thread = self._loop = None
            raise
        self._baseline = frozenset(self.keyspaces())
        return self

    def close(self) -> None:
        """Stop the server and the thread (idempotent)."""
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return
        try:
            self._call(self._aclose())
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join()
            self._thread = self._loop = None

    def __enter__(self) -> EmulatorThread:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def _astart(self) -> None:
        await self.server.start()
        # the plugin's own client for housekeeping, on the emulator's loop
        self._admin = Client(self.server.endpoint, token=self.server.token)
        await self._admin.__aenter__()

    async def _arevive(self) -> None:
        # a fresh admin client: the old one's channels may sit in reconnect backoff
        await self.server.start()
        if self._admin is not None:
            await self._admin.aclose()
        self._admin = Client(self.server.endpoint, token=self.server.token)
        await self._admin.__aenter__()

    async def _aclose(self) -> None:
        try:
            if self._admin is not None:
                await self._admin.aclose()
                self._admin = None
        finally:
            await self.server.aclose()

    def _call(self, coro: Coroutine[Any, Any, _T]) -> _T:
        loop = self._loop
        if loop is None:
            coro.close()
            raise RuntimeError("the emulator thread is not running; call open() first")
        return asyncio.run_coroutine_threadsafe(coro, loop).result(_CALL_TIMEOUT)

    async def _on_emulator_loop(self, make: Callable[[], Coroutine[Any, Any, _T]]) -> _T:
        loop = self._loop
        if loop is None:
            raise RuntimeError("the emulator thread is not running; call open() first")
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(make(), loop))

    # --- from any asyncio loop ----------------------------------------------

    async def restart(self) -> None:
        """Drop every connection and serve again on the same port, same data."""
        await self._on_emulator_loop(self.server.restart)

    drop_connections = restart

    async def stop(self, grace: float | None = None) -> None:
        """Stop serving (the data stays for `start()`)."""
        await self._on_emulator_loop(lambda: self.server.stop(grace))

    async def start(self) -> None:
        await self._on_emulator_loop(self.server.start)

    # --- housekeeping (blocking) --------------------------------------------

    async def _admin_execute(self, cql: str) -> Any:
        assert self._admin is not None
        return await self._admin.execute(cql)

    def keyspaces(self) -> set[str]:
        rows = self._call(
            self._admin_execute("SELECT keyspace_name FROM system_schema.keyspaces")
        ).rows
        return {row[0] for row in rows}

    def create_keyspace(self, name: str | None = None) -> str:
        """Create a keyspace (SimpleStrategy, RF 1; a unique name by default)."""
        ks = name or f"test_ks_{next(_counter)}"
        self._call(self._admin_execute(_keyspace_ddl(ks)))
        return ks

    def drop_keyspaces(self, names: set[str] | frozenset[str]) -> None:
        for name in sorted(names - self._baseline):
            self._call(self._admin_execute(f"DROP KEYSPACE IF EXISTS {name}"))

    def reset(self, keep: set[str] | frozenset[str] = frozenset()) -> None:
        """Clear fault rules, start a stopped server, drop every keyspace not
        in `keep` (nor present at startup)."""
        self.server.faults.clear()
        if not self.server.running:
            self._call(self._arevive())
        self.drop_keyspaces(self.keyspaces() - keep)


# --- the pytest plugin ------------------------------------------------------

try:
    import pytest
except ImportError:  # pragma: no cover - the plugin needs pytest, the helpers above do not
    pass
else:
    _EMULATOR = pytest.StashKey[EmulatorThread]()

    def _unsupported(fixture: str, why: str) -> NoReturn:
        pytest.fail(f"{fixture}: {why}", pytrace=False)

    def _runs_under_pytest_asyncio(request: pytest.FixtureRequest) -> bool:
        if not request.config.pluginmanager.has_plugin("asyncio"):
            return False
        from pytest_asyncio import is_async_test

        return is_async_test(request.node)

    def _loop_fixture(request: pytest.FixtureRequest, fixture: str) -> str:
        """The name of the variant of `fixture` that runs on the test's loop."""
        item = request.node
        if "anyio_backend" in request.fixturenames:
            if _runs_under_pytest_asyncio(request):
                # both plugins would claim the test and its async fixtures, on two loops
                _unsupported(
                    fixture,
                    "this @pytest.mark.anyio test is also collected by pytest-asyncio "
                    "(asyncio_mode = auto, or an asyncio mark); set asyncio_mode = strict "
                    "and mark each test for one plugin",
                )
            backend = request.getfixturevalue("anyio_backend")
            name = backend if isinstance(backend, str) else backend[0]
            if name != "asyncio":
                _unsupported(
                    fixture,
                    f"anyio_backend is {name!r}; the driver runs on asyncio only "
                    "(override the anyio_backend fixture to return 'asyncio')",
                )
            return f"_{fixture}_anyio"
        if _runs_under_pytest_asyncio(request):
            # strict mode with a mark, or auto mode: the loop of the test's loop scope
            marker = item.get_closest_marker("asyncio")
            kwargs = marker.kwargs if marker is not None else {}
            scope = (
                kwargs.get("loop_scope")
                or kwargs.get("scope")
                or request.config.getini("asyncio_default_test_loop_scope")
                or "function"
            )
            return f"_{fixture}_asyncio_{scope}"
        if inspect.iscoroutinefunction(getattr(item, "obj", None)):
            _unsupported(
                fixture,
                "no plugin runs this async test: mark it @pytest.mark.asyncio "
                "(pytest-asyncio; or set asyncio_mode = auto) or @pytest.mark.anyio",
            )
        _unsupported(
            fixture,
            "a Client belongs to an event loop: request it from an async test "
            "(@pytest.mark.asyncio or @pytest.mark.anyio), or use stargate_emulator "
            "with a client of your own",
        )

    @pytest.fixture(scope="session")
    def stargate_emulator(request: pytest.FixtureRequest) -> Iterator[EmulatorThread]:
        """Session scope. An `EmulatorThread`: one emulator for the whole run,
        serving on its own thread and loop (`.endpoint`, `.token`, `.faults`,
        awaitable `.restart()`). After every test that uses it (directly or
        through another fixture): faults cleared, a stopped server started
        again, keyspaces created by the test dropped."""
        with EmulatorThread() as emulator:
            request.config.stash[_EMULATOR] = emulator
            try:
                yield emulator
            finally:
                del request.config.stash[_EMULATOR]

    @pytest.fixture(autouse=True)
    def _stargate_reset(request: pytest.FixtureRequest) -> Iterator[None]:
        # Autouse function fixtures set up after every higher-scoped fixture, so
        # keyspaces made by module or session fixtures are in `before` and kept.
        # Tests that use none of the plugin's fixtures cost nothing.
        if "stargate_emulator" not in request.fixturenames:
            yield
            return
        emulator = request.config.stash.get(_EMULATOR, None)
        before = emulator.keyspaces() if emulator is not None else frozenset[str]()
        yield
        emulator = request.config.stash.get(_EMULATOR, None)
        if emulator is not None:
            emulator.reset(keep=before)

    @pytest.fixture
    def stargate_keyspace(stargate_emulator: EmulatorThread) -> Iterator[str]:
        """Function scope. The name of a fresh keyspace (SimpleStrategy, RF 1),
        created before the test and dropped after it."""
        ks = stargate_emulator.create_keyspace()
        yield ks
        stargate_emulator.drop_keyspaces({ks})

    @pytest.fixture
    def stargate_client(request: pytest.FixtureRequest, stargate_emulator: EmulatorThread) -> Any:
        """Function scope. A `Client` connected to `stargate_emulator`, on the
        test's event loop, without a default keyspace; closed after the test."""
        return request.getfixturevalue(_loop_fixture(request, "stargate_client"))

    @pytest.fixture
    def stargate_keyspace_client(
        request: pytest.FixtureRequest, stargate_emulator: EmulatorThread, stargate_keyspace: str
    ) -> Any:
        """Function scope. A `Client` like `stargate_client` whose default
        keyspace is `stargate_keyspace`, so names need no qualifying."""
        return request.getfixturevalue(_loop_fixture(request, "stargate_keyspace_client"))

    def _client(emulator: EmulatorThread, keyspace: str | None) -> Client:
        return Client(emulator.endpoint, token=emulator.token, keyspace=keyspace)

    # One variant per runner: anyio's plugin takes plain async fixtures of
    # anyio tests; pytest-asyncio needs marked fixtures on the test's loop scope.
    @pytest.fixture(name="_stargate_client_anyio")
    async def _anyio_client(stargate_emulator: EmulatorThread) -> AsyncIterator[Client]:
        async with _client(stargate_emulator, None) as client:
            yield client

    @pytest.fixture(name="_stargate_keyspace_client_anyio")
    async def _anyio_keyspace_client(
        stargate_emulator: EmulatorThread, stargate_keyspace: str
    ) -> AsyncIterator[Client]:
        async with _client(stargate_emulator, stargate_keyspace) as client:
            yield client

    try:
        import pytest_asyncio
    except ImportError:
        pass
    else:
        for _scope in _LOOP_SCOPES:

            @pytest_asyncio.fixture(name=f"_stargate_client_asyncio_{_scope}", loop_scope=_scope)
            async def _asyncio_client(stargate_emulator: EmulatorThread) -> AsyncIterator[Client]:
                async with _client(stargate_emulator, None) as client:
                    yield client

            @pytest_asyncio.fixture(
                name=f"_stargate_keyspace_client_asyncio_{_scope}", loop_scope=_scope
            )
            async def _asyncio_keyspace_client(
                stargate_emulator: EmulatorThread, stargate_keyspace: str
            ) -> AsyncIterator[Client]:
                async with _client(stargate_emulator, stargate_keyspace) as client:
                    yield client

            globals()[f"_asyncio_client_{_scope}"] = _asyncio_client
            globals()[f"_asyncio_keyspace_client_{_scope}"] = _asyncio_keyspace_client
        del _asyncio_client, _asyncio_keyspace_client
