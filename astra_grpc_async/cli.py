"""The `astra-grpc` command."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="astra-grpc", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="a short tour against the embedded emulator")
    from .emulator.__main__ import build_parser

    build_parser(sub.add_parser("emulator", help="run the emulator standalone"))
    args = parser.parse_args(argv)
    if args.command == "demo":
        from .demo import run

        return run()
    from .emulator.__main__ import main as emulator_main

    return emulator_main(argv[1:] if argv is not None else sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
