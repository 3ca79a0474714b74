"""The `astra-grpc` command.

    astra-grpc demo                       a short tour against the embedded emulator
    astra-grpc emulator --port 8090       run the emulator standalone
    astra-grpc cql [-e STMT | -f FILE]    a CQL shell
    astra-grpc load --duration 10         a load generator with a latency report

`cql` and `load` talk to `--endpoint` (with `--token`), else to the endpoint
the environment names (STARGATE_GRPC_ENDPOINT, or ASTRA_DB_ID + ASTRA_DB_REGION
+ ASTRA_DB_APPLICATION_TOKEN), else to an embedded emulator; a flag wins over
the environment for each setting (`connection.resolve_target`). They need the
`cli` extra; `demo` and `emulator` need nothing more than the driver.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from .. import errors
from .._version import __version__
from .connection import CliFailure, add_connection_options, connect

# The exit codes, as the README's "Command line" section lists them.
EXIT_OK = 0
EXIT_FAILURE = 1  # usage, configuration, connection refused, wrong token, missing extra
EXIT_CQL_ERROR = 2  # a statement failed (load: no operation succeeded)
EXIT_INTERRUPTED = 130  # Ctrl-C outside the interactive shell

INSTALL_HINT = "pip install 'astra-grpc-async[cli]'"


class _Parser(argparse.ArgumentParser):
    """Usage errors exit with EXIT_FAILURE (argparse's own default is 2, which
    here means that a statement failed)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_FAILURE, f"{self.prog}: error: {message}\n")


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "demo":
        from .demo import run

        return run()
    if args.command == "emulator":
        from ..emulator.__main__ import main as emulator_main

        return emulator_main(argv[1:] if argv is not None else sys.argv[2:])
    if args.command == "cql":
        if not _have("rich", "prompt_toolkit"):
            return EXIT_FAILURE
        stdin_text = None
        if args.execute is None and args.file is None and not sys.stdin.isatty():
            # read before the event loop starts, so that Ctrl-C interrupts the read
            stdin_text = sys.stdin.read()
        return _run(cql_main(args, stdin_text=stdin_text))
    if args.command == "load":
        if not _have("rich", "hdrh", *(["matplotlib"] if args.plot else [])):
            return EXIT_FAILURE
        return _run(load_main(args))
    parser.error(f"unknown command {args.command!r}")  # pragma: no cover - argparse refuses first


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="astra-grpc",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"astra-grpc {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="a short tour against the embedded emulator")
    from ..emulator.__main__ import build_parser as build_emulator_parser

    build_emulator_parser(sub.add_parser("emulator", help="run the emulator standalone"))

    cql = sub.add_parser("cql", help="an interactive CQL shell (needs the cli extra)")
    add_connection_options(cql)
    mode = cql.add_mutually_exclusive_group()
    mode.add_argument("-e", "--execute", metavar="STMT", help="run these statements and exit")
    mode.add_argument("-f", "--file", type=Path, help="run the statements in FILE and exit")
    cql.add_argument(
        "--format", choices=("table", "json"), default="table",
        help="output: rich tables, or one JSON object per row",
    )  # fmt: skip
    cql.add_argument("--page-size", type=_positive_int, default=100, help="rows per page")
    cql.add_argument(
        "--history", type=Path, default=None,
        help="history file (default ~/.astra_grpc_history)",
    )  # fmt: skip
    cql.add_argument(
        "--continue-on-error", action="store_true",
        help="with -e/-f/stdin: run the remaining statements after an error",
    )  # fmt: skip

    load = sub.add_parser("load", help="a load generator (needs the cli extra)")
    add_connection_options(load)
    load.add_argument("--duration", type=_positive_float, help="seconds (default 10)")
    load.add_argument("--count", type=_positive_int, help="stop after this many operations")
    load.add_argument("--concurrency", type=_positive_int, default=32, help="workers")
    load.add_argument(
        "--read-ratio", type=_ratio, default=0.5, help="share of reads, 0..1 (default 0.5)"
    )
    load.add_argument("--rate", type=_positive_float, help="operations per second (default: max)")
    load.add_argument("--keys", type=_positive_int, default=10_000, help="distinct keys")
    load.add_argument("--value-size", type=_non_negative_int, default=100, help="bytes")
    load.add_argument("--table", default="kv", help="table to create and use (default kv)")
    load.add_argument("--op-timeout", type=_positive_float, default=10.0, help="seconds")
    load.add_argument("--interval", type=_positive_float, default=1.0, help="report every N s")
    load.add_argument("--seed", type=int, default=None, help="seed the key/operation choice")
    load.add_argument("--json", type=Path, help="write the report as JSON to this file")
    load.add_argument("--plot", type=Path, help="write a latency plot (PNG) to this file")
    load.add_argument(
        "--hdr-log", type=Path, metavar="FILE",
        help="write an HdrHistogram interval log (microseconds) to FILE",
    )  # fmt: skip
    load.add_argument("--quiet", action="store_true", help="no live progress")
    return parser


def _run(coro: Any) -> int:
    try:
        return int(asyncio.run(coro))
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except errors.ConfigError as exc:
        print(f"astra-grpc: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except CliFailure as exc:
        print(f"astra-grpc: {exc.message}", file=sys.stderr)
        return exc.code


def _have(*modules: str) -> bool:
    import importlib

    missing = []
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    if missing:
        print(
            f"astra-grpc: this command needs {', '.join(missing)}; install the cli extra:\n"
            f"    {INSTALL_HINT}",
            file=sys.stderr,
        )
        return False
    return True


# --- cql -------------------------------------------------------------------------

UNBOUNDED_WIDTH = 1_000_000


def _unbounded(console: Any) -> Any:
    """Off a terminal (a pipe, a file, a CI log) nothing is cut to fit 80
    columns: tables take the width their values need."""
    if not console.is_terminal:
        console.width = UNBOUNDED_WIDTH
    return console


async def cql_main(args: argparse.Namespace, *, stdin_text: str | None = None) -> int:
    from rich.console import Console

    from .completion import CqlCompleter
    from .shell import CqlShell, default_history_path, make_prompt

    console = _unbounded(Console(highlight=False))
    err = _unbounded(Console(stderr=True, highlight=False))
    text: str | None = args.execute
    if args.file is not None:
        try:
            text = args.file.read_text(encoding="utf-8")
        except OSError as exc:
            err.print(f"[red]cannot read {args.file}: {exc}[/]")
            return EXIT_FAILURE
    if text is None:
        text = stdin_text
    async with connect(args, say=lambda m: err.print(m, style="dim")) as client:
        if text is not None:
            shell = CqlShell(
                client, console, page_size=args.page_size, output=args.format,
                timeout=args.timeout, error_console=err,
            )  # fmt: skip
            return await shell.run_text(text, stop_on_error=not args.continue_on_error)
        history = args.history if args.history is not None else default_history_path()
        completer = CqlCompleter()
        shell = CqlShell(
            client, console, page_size=args.page_size, output=args.format,
            timeout=args.timeout, error_console=err, completer=completer,
            prompt=make_prompt(history, completer=completer),
        )  # fmt: skip
        return await shell.interact()


# --- load ------------------------------------------------------------------------


async def load_main(args: argparse.Namespace, *, handle_sigint: bool = True) -> int:
    from rich.console import Console

    from .loadgen import LoadConfig, report, run_load
    from .loadgen.progress import Progress

    console = Console(stderr=True, highlight=False)
    try:
        cfg = LoadConfig(
            duration=args.duration,
            count=args.count,
            concurrency=args.concurrency,
            read_ratio=args.read_ratio,
            rate=args.rate,
            keys=args.keys,
            value_size=args.value_size,
            keyspace=args.keyspace or "loadgen",
            table=args.table,
            op_timeout=args.op_timeout,
            interval=args.interval,
            seed=args.seed,
        )
    except ValueError as exc:
        console.print(f"[red]{exc}[/]")
        return EXIT_FAILURE
    stop = asyncio.Event()
    if handle_sigint:
        _on_sigint(stop.set)
    async with connect(args, say=lambda m: console.print(m, style="dim")) as client:
        if args.keyspace is None and client.keyspace:  # from the environment
            cfg = dataclasses.replace(cfg, keyspace=client.keyspace)
        target = ", ".join(map(str, client.endpoints))
        progress = None if args.quiet else Progress(console, cfg)
        try:
            if progress is not None:
                progress.start()
            result = await run_load(
                client, cfg, stop=stop, on_tick=progress.update if progress else None,
                hdr_log=args.hdr_log,
            )  # fmt: skip
        except errors.AgaError as exc:  # the schema could not be created
            console.print(f"[bold red]{type(exc).__name__}:[/] {exc}")
            return EXIT_CQL_ERROR
        finally:
            if progress is not None:
                progress.stop()
    data = report.to_dict(result, target=target)
    report.print_report(data, Console(highlight=False))
    if args.json is not None:
        report.write_json(data, args.json)
        console.print(f"report written to {args.json}", style="dim")
    if args.hdr_log is not None:
        console.print(f"HdrHistogram interval log written to {args.hdr_log}", style="dim")
    if args.plot is not None:
        from .loadgen.plot import plot_latency

        plot_latency(data, args.plot)
        console.print(f"plot written to {args.plot}", style="dim")
    return EXIT_OK if result.operations else EXIT_CQL_ERROR


def _on_sigint(callback: Callable[[], None]) -> None:
    """Ctrl-C stops the load early and still reports (where signals can be set)."""
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        asyncio.get_running_loop().add_signal_handler(signal.SIGINT, callback)


# --- argument types ---------------------------------------------------------------


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value


def _ratio(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


if __name__ == "__main__":
    sys.exit(main())
