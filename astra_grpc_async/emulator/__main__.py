"""`python -m astra_grpc_async.emulator`: run the emulator standalone."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

from .auth_api import DEFAULT_TTL, parse_user
from .server import EmulatorServer
from .startup import EmulatorStartError


def _user(text: str) -> tuple[str, str]:
    try:
        return parse_user(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError("must be positive")
    return value


def build_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    parser = parser or argparse.ArgumentParser(
        prog="python -m astra_grpc_async.emulator",
        description="Run the Stargate-compatible gRPC emulator.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8090, help="port (0: any free port)")
    parser.add_argument("--token", default=None, help="token to accept (default: random)")
    parser.add_argument("--data-dir", default=None, help="make writes durable in this folder")
    parser.add_argument(
        "--auth-port", type=int, default=None, help="serve the Stargate Auth API on this port"
    )
    parser.add_argument(
        "--user",
        action="append",
        type=_user,
        default=None,
        metavar="NAME:PASSWORD",
        help="an Auth API user (repeatable; default cassandra:cassandra)",
    )
    parser.add_argument(
        "--token-ttl",
        type=_positive_float,
        default=DEFAULT_TTL,
        metavar="SECONDS",
        help="idle seconds before an Auth API token expires (default 1800, sliding)",
    )
    parser.add_argument(
        "--skip-bad-records",
        action="store_true",
        help="start even if some journal records cannot be replayed (each is logged, skipped)",
    )
    parser.add_argument("--quiet", action="store_true", help="log warnings only")
    return parser


async def run(args: argparse.Namespace) -> None:
    server = EmulatorServer(
        args.host,
        args.port,
        token=args.token,
        data_dir=args.data_dir,
        auth_port=args.auth_port,
        users=None if args.user is None else dict(args.user),
        token_ttl=args.token_ttl,
        skip_bad_records=args.skip_bad_records,
    )
    await server.start()
    # stdout, not the log: the caller needs the token it accepts
    print(f"endpoint: {server.endpoint}", flush=True)
    print(f"token: {server.token}", flush=True)
    if server.auth_api is not None:
        print(f"auth: {server.auth_url}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await server.aclose()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    try:
        asyncio.run(run(args))
    except EmulatorStartError as exc:  # one line, not a traceback
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
