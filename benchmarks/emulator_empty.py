"""The baseline for `python -m benchmarks emulator`: a grpc.aio Stargate
servicer that answers every ExecuteQuery with an empty Response.

    python -m benchmarks.emulator_empty [--port 0]

It is served exactly as the emulator is (same server options, generated
stub, request parsed into a Query), so the difference between the two is the
emulator's own work. Prints `endpoint: host:port` once listening and serves
until SIGTERM / SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from typing import Any

import grpc.aio

from astra_grpc_async._proto.stargate import query_pb2, stargate_pb2_grpc
from astra_grpc_async.emulator.server import _server_options


class EmptyServicer(stargate_pb2_grpc.StargateServicer):
    async def ExecuteQuery(
        self, request: query_pb2.Query, context: grpc.aio.ServicerContext[Any, Any]
    ) -> query_pb2.Response:
        return query_pb2.Response()


async def serve(port: int) -> None:
    server = grpc.aio.server(options=_server_options(), maximum_concurrent_rpcs=None)
    stargate_pb2_grpc.add_StargateServicer_to_server(EmptyServicer(), server)  # type: ignore[no-untyped-call]
    bound = server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    print(f"endpoint: 127.0.0.1:{bound}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await server.stop(0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.emulator_empty")
    ap.add_argument("--port", type=int, default=0)
    asyncio.run(serve(ap.parse_args(argv).port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
