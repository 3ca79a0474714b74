"""Developer sessions: `nox -s tests`, `nox -s tests_uvloop`, `nox -s lint`, `nox -s protos`,
`nox -s bench`, `nox -s live`."""

from __future__ import annotations

import os

import nox

nox.options.sessions = ["lint", "tests"]
nox.options.default_venv_backend = "venv"


@nox.session(python="3.11")
def tests(session: nox.Session) -> None:
    session.install("-e", ".[test]")
    session.run("python", "-m", "pytest", "-q", *session.posargs)


@nox.session(python="3.11")
def tests_uvloop(session: nox.Session) -> None:
    """The functional and reliability suites on uvloop (AGA_LOOP, tests/conftest.py)."""
    session.install("-e", ".[test,uvloop]")
    args = session.posargs or ["tests/functional", "tests/reliability"]
    session.run("python", "-m", "pytest", "-q", *args, env={"AGA_LOOP": "uvloop"})


@nox.session(python="3.11")
def lint(session: nox.Session) -> None:
    session.install("-e", ".[dev]")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")


@nox.session(python="3.11")
def protos(session: nox.Session) -> None:
    """Regenerate astra_grpc_async/_proto from protos/ (never edit it by hand)."""
    session.install("-e", ".[test]")
    session.run("python", "protos/generate.py")


@nox.session(python="3.11")
def bench(session: nox.Session) -> None:
    """Side-by-side ratios; prints a table and writes benchmarks/results/*.json."""
    session.install("-e", ".[dev,bench]")
    session.run("python", "-m", "benchmarks", *session.posargs)


@nox.session(python="3.11")
def live(session: nox.Session) -> None:
    """The live suite (tests/live) against STARGATE_LIVE_ENDPOINT, or, when that
    is not set, against an embedded emulator with a static token and again
    with Auth API tokens."""
    session.install("-e", ".[test]")
    if os.environ.get("STARGATE_LIVE_ENDPOINT"):
        session.run("python", "-m", "pytest", "-q", "-rs", "tests/live", *session.posargs)
        return
    session.run("python", "tests/live/against_emulator.py", *session.posargs)
    session.run("python", "tests/live/against_emulator.py", "--auth-api", *session.posargs)
