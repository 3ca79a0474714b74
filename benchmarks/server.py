"""A canned Stargate server for the benchmarks, run in its own process.

    python -m benchmarks.server [--port 0] [--kind sync|aio] [--workers 8]

prints `PORT <n>` once listening and serves until its stdin closes (so it
never outlives the benchmark) or it is terminated. ExecuteQuery answers,
from bytes built once:

* `SELECT ... FROM bench.rows LIMIT <n>`: `n` rows of the synthetic 10-column
  table (`benchmarks.data`), in pages of the request's page_size (default
  5000), the paging_state being the next row offset (8 bytes);
* anything else: a one-row, one-column result (the unary-overhead answer).

A generic handler with no (de)serializers hands the raw request bytes in and
the pre-built response bytes out, so the server costs little per call and
is never what the client benchmark measures. The `x-cassandra-token` header
is accepted and ignored.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import threading
from concurrent import futures
from typing import Any

import grpc
import grpc.aio

from astra_grpc_async._proto.stargate import query_pb2

from .data import make_result_set, tiny_response

DEFAULT_PAGE_SIZE = 5000
_LIMIT = re.compile(r"\bFROM\s+bench\.rows\s+LIMIT\s+(\d+)", re.IGNORECASE)
_SERVER_OPTIONS = [
    ("grpc.max_send_message_length", -1),
    ("grpc.max_receive_message_length", -1),
    ("grpc.max_concurrent_streams", 100_000),
    # C-core cancels calls beyond 1,000 not yet picked up by the application
    # (CANCELLED at the client) when the Python side falls behind: lift that.
    ("grpc.server.max_pending_requests", 1_000_000),
    ("grpc.server.max_pending_requests_hard_limit", 1_000_000),
    ("grpc.server_max_unrequested_time_in_server", 3600),
]


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


class Canned:
    """Request bytes -> response bytes."""

    def __init__(self) -> None:
        self.tiny = tiny_response()
        self._bodies: dict[int, bytes] = {}  # rows in page -> ResultSet without paging_state
        self._totals: dict[str, int | None] = {}
        self.calls = 0

    def _body(self, n: int) -> bytes:
        body = self._bodies.get(n)
        if body is None:
            body = make_result_set(n, None).SerializeToString()
            if len(self._bodies) > 8:
                self._bodies.clear()
            self._bodies[n] = body
        return body

    def _total(self, cql: str) -> int | None:
        try:
            return self._totals[cql]
        except KeyError:
            m = _LIMIT.search(cql)
            total = int(m.group(1)) if m else None
            if len(self._totals) > 64:
                self._totals.clear()
            self._totals[cql] = total
            return total

    def answer(self, request: bytes) -> bytes:
        self.calls += 1
        q = query_pb2.Query.FromString(request)
        total = self._total(q.cql)
        if total is None:
            return self.tiny
        p = q.parameters
        page_size = p.page_size.value if p.HasField("page_size") else DEFAULT_PAGE_SIZE
        state = p.paging_state.value if p.HasField("paging_state") else b""
        offset = int.from_bytes(state, "big") if state else 0
        n = max(0, min(page_size, total - offset))
        rs = self._body(n)
        if offset + n < total:
            bv = b"\x0a\x08" + (offset + n).to_bytes(8, "big")  # BytesValue{value}
            rs = rs + b"\x1a" + _varint(len(bv)) + bv  # ResultSet.paging_state
        return b"\x0a" + _varint(len(rs)) + rs  # Response.result_set


def _sync_server(canned: Canned, port: int, workers: int) -> tuple[Any, int]:
    def handle(request: bytes, context: grpc.ServicerContext) -> bytes:
        return canned.answer(request)

    handler = grpc.method_handlers_generic_handler(
        "stargate.Stargate", {"ExecuteQuery": grpc.unary_unary_rpc_method_handler(handle)}
    )
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=workers),
        handlers=(handler,),
        options=_SERVER_OPTIONS,
    )
    bound = server.add_insecure_port(f"127.0.0.1:{port}")
    return server, bound


async def _serve_aio(canned: Canned, port: int, stop: threading.Event) -> None:
    async def handle(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        return canned.answer(request)

    handler = grpc.method_handlers_generic_handler(
        "stargate.Stargate", {"ExecuteQuery": grpc.unary_unary_rpc_method_handler(handle)}
    )
    server = grpc.aio.server(
        handlers=(handler,), options=_SERVER_OPTIONS, maximum_concurrent_rpcs=None
    )
    bound = server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    print(f"PORT {bound}", flush=True)
    await asyncio.to_thread(stop.wait)
    await server.stop(0)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.server")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--kind", choices=("sync", "aio"), default="sync")
    ap.add_argument("--workers", type=int, default=8, help="sync server thread pool size")
    args = ap.parse_args(argv)
    canned = Canned()
    stop = threading.Event()

    def watch_stdin() -> None:  # the parent went away: stop
        try:
            sys.stdin.read()
        finally:
            stop.set()

    threading.Thread(target=watch_stdin, daemon=True).start()
    if args.kind == "aio":
        asyncio.run(_serve_aio(canned, args.port, stop))
        return
    server, bound = _sync_server(canned, args.port, args.workers)
    server.start()
    print(f"PORT {bound}", flush=True)
    stop.wait()
    server.stop(0)


if __name__ == "__main__":
    main()
