"""A server that refuses a bidirectional stream at once (a wrong token) races
the client's first write. With the emulator on a thread of its own the race
is lost often: grpc.aio then reports the failed write as INTERNAL and keeps
that as the call's status, so the server's UNAUTHENTICATED is lost. The
pipeline must still report AuthenticationError, every time. Real coordinators
refuse streams the same way (an auth interceptor)."""

from __future__ import annotations

import collections

import astra_grpc_async as aga
from astra_grpc_async import errors
from astra_grpc_async.testing import EmulatorThread


async def test_a_refused_stream_is_an_authentication_error_every_time(
    stargate_emulator: EmulatorThread,
) -> None:
    seen: collections.Counter[str] = collections.Counter()
    for _ in range(30):
        async with (
            aga.Client(stargate_emulator.endpoint, token="not-the-token", retry=aga.NO_RETRY) as c,
            c.pipeline(width=1) as pipe,
        ):
            try:
                await pipe.execute("SELECT * FROM system.local")
            except errors.AgaError as exc:
                seen[type(exc).__name__] += 1
    assert seen == {"AuthenticationError": 30}


async def test_a_refused_batch_stream_is_an_authentication_error_every_time(
    stargate_emulator: EmulatorThread,
) -> None:
    seen: collections.Counter[str] = collections.Counter()
    for _ in range(30):
        async with (
            aga.Client(stargate_emulator.endpoint, token="not-the-token", retry=aga.NO_RETRY) as c,
            c.pipeline(width=1, batches=True) as pipe,
        ):
            try:
                # not idempotent (a counter): nothing may have run on the refused stream
                await pipe.batch(
                    ["UPDATE ks.t SET n = n + 1 WHERE k = 1"], kind=aga.BatchKind.COUNTER
                )
            except errors.AgaError as exc:
                seen[type(exc).__name__] += 1
    assert seen == {"AuthenticationError": 30}
