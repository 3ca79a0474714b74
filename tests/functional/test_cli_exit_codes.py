"""Every exit code the README lists, from the real `astra-grpc` process, and the
connection settings: a flag wins over the environment, `--token` needs an endpoint."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import Callable

import pytest

from astra_grpc_async import __version__
from astra_grpc_async.cli.main import main
from astra_grpc_async.emulator import EmulatorServer

SCRUBBED = ("ASTRA_DB_", "STARGATE_")


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(SCRUBBED)}
    env.update(COLUMNS="120", PYTHONWARNINGS="error")
    env.update(extra)
    return env


async def run(
    *args: str, env: dict[str, str] | None = None, stdin: bytes = b""
) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "astra_grpc_async.cli", *args,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env=env or clean_env(),
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(stdin), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


QUERY = "SELECT release_version FROM system.local"


async def test_0_when_every_statement_ran(stargate_emulator: EmulatorServer) -> None:
    code, out, err = await run(
        "cql", "--endpoint", stargate_emulator.endpoint, "--token", stargate_emulator.token,
        "-e", QUERY,
    )  # fmt: skip
    assert code == 0, err
    assert "(1 row)" in out


async def test_1_when_the_connection_is_refused() -> None:
    code, out, err = await run("cql", "--endpoint", f"127.0.0.1:{closed_port()}", "-e", QUERY)
    assert code == 1
    assert "cannot connect to 127.0.0.1:" in err and "ConnectionLostError" in err
    assert out == ""


async def test_1_when_the_token_is_wrong(stargate_emulator: EmulatorServer) -> None:
    code, _, err = await run(
        "cql", "--endpoint", stargate_emulator.endpoint, "--token", "wrong", "-e", QUERY
    )
    assert code == 1
    assert "cannot connect to" in err and "AuthenticationError" in err and "wrong" not in err


async def test_1_for_load_when_the_token_is_wrong(stargate_emulator: EmulatorServer) -> None:
    code, _, err = await run(
        "load", "--endpoint", stargate_emulator.endpoint, "--token", "wrong", "--count", "5"
    )
    assert code == 1 and "AuthenticationError" in err


async def test_1_for_a_token_without_an_endpoint() -> None:
    code, _, err = await run("cql", "--token", "abc", "-e", QUERY)
    assert code == 1
    assert "--token given but no endpoint" in err and "embedded emulator on" not in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["load", "--token", "abc", "--count", "5"], "--token given but no endpoint"),
        (["cql", "--emulator", "--token", "abc", "-e", QUERY], "--emulator starts its own server"),
        (["cql", "--endpoint", "host:notaport", "-e", QUERY], "bad port"),
        (["cql", "--emulator", "-f", "/nonexistent/missing.cql"], "cannot read"),
    ],
)
def test_1_for_configuration_errors(
    argv: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in list(os.environ):
        if name.startswith(SCRUBBED):
            monkeypatch.delenv(name)
    assert main(argv) == 1  # in process: the same main() as the process above
    assert message in capsys.readouterr().err


async def test_1_for_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = await run("cql", "--page-size", "0", "-e", QUERY)
    assert code == 1 and "must be at least 1" in err
    with pytest.raises(SystemExit) as exit_info:
        main(["load", "--read-ratio", "2"])
    assert exit_info.value.code == 1 and "between 0 and 1" in capsys.readouterr().err


async def test_2_when_a_statement_fails(stargate_emulator: EmulatorServer) -> None:
    code, out, err = await run(
        "cql", "--endpoint", stargate_emulator.endpoint, "--token", stargate_emulator.token,
        "-e", f"{QUERY}; SELECT * FROM nowhere.never; {QUERY}",
    )  # fmt: skip
    assert code == 2
    assert "InvalidQueryError" in err and out.count("(1 row)") == 1  # stopped at the error


async def test_130_when_interrupted(
    stargate_emulator: EmulatorServer, hold_statement: Callable[[str], asyncio.Event]
) -> None:
    marker = "exit_code_130_marker"
    arrived = hold_statement(marker)
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "astra_grpc_async.cli", "cql",
            "--endpoint", stargate_emulator.endpoint, "--token", stargate_emulator.token,
            "-e", f"SELECT '{marker}' FROM system.local",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=clean_env(),
        )  # fmt: skip
        await asyncio.wait_for(arrived.wait(), 30)
        proc.send_signal(signal.SIGINT)
        _, err = await asyncio.wait_for(proc.communicate(), 30)
    finally:
        stargate_emulator.faults.clear()
    assert proc.returncode == 130, err.decode()
    assert "Traceback" not in err.decode()


async def test_version() -> None:
    code, out, _ = await run("--version")
    assert code == 0 and out.strip() == f"astra-grpc {__version__}"


# --- flags win over the environment -------------------------------------------


async def test_the_token_flag_wins_over_the_environment(
    stargate_emulator: EmulatorServer,
) -> None:
    env = clean_env(STARGATE_GRPC_ENDPOINT=stargate_emulator.endpoint, STARGATE_TOKEN="stale")
    code, out, err = await run("cql", "--token", stargate_emulator.token, "-e", QUERY, env=env)
    assert code == 0, err
    assert "(1 row)" in out and "embedded emulator" not in err
    code, out, err = await run(
        "load", "--token", stargate_emulator.token, "--count", "20", "--quiet",
        "--keyspace", "flags_win", env=env,
    )  # fmt: skip
    assert code == 0, err
    assert "20 operations, 0 errors" in out


async def test_the_endpoint_and_keyspace_flags_win_over_the_environment(
    stargate_emulator: EmulatorServer,
) -> None:
    env = clean_env(
        STARGATE_GRPC_ENDPOINT=f"127.0.0.1:{closed_port()}",
        STARGATE_TOKEN=stargate_emulator.token,
        ASTRA_DB_KEYSPACE="not_this_one",
    )
    code, out, err = await run(
        "cql", "--endpoint", stargate_emulator.endpoint, "--keyspace", "system",
        "-e", "SELECT release_version FROM local", env=env,
    )  # fmt: skip
    assert code == 0, err
    assert "(1 row)" in out
    code, out, err = await run(
        "load", "--endpoint", stargate_emulator.endpoint, "--count", "20", "--quiet",
        "--keyspace", "flags_win_ks", env=env,
    )  # fmt: skip
    assert code == 0, err
    assert "20 operations" in out


@pytest.mark.parametrize("command", ["cql", "load"])
async def test_the_environment_is_used_without_flags(
    stargate_emulator: EmulatorServer, command: str
) -> None:
    env = clean_env(
        STARGATE_GRPC_ENDPOINT=stargate_emulator.endpoint, STARGATE_TOKEN=stargate_emulator.token
    )
    args = ["-e", QUERY] if command == "cql" else ["--count", "5", "--quiet"]
    code, _, err = await run(command, *args, env=env)
    assert code == 0, err
    assert "embedded emulator" not in err


async def test_2_for_load_when_no_operation_succeeds(stargate_emulator: EmulatorServer) -> None:
    stargate_emulator.faults.fail_next(10_000, "overloaded", match="FROM load_none.kv")
    try:
        code, out, err = await run(
            "load", "--endpoint", stargate_emulator.endpoint, "--token", stargate_emulator.token,
            "--count", "20", "--read-ratio", "1", "--quiet", "--keyspace", "load_none",
        )  # fmt: skip
    finally:
        stargate_emulator.faults.clear()
    assert code == 2, err
    assert "0 operations, 20 errors" in out and "OverloadedError" in out


async def test_ctrl_c_stops_load_early_with_a_report(stargate_emulator: EmulatorServer) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "astra_grpc_async.cli", "load",
        "--endpoint", stargate_emulator.endpoint, "--token", stargate_emulator.token,
        "--duration", "60", "--concurrency", "2", "--interval", "0.2", "--keyspace", "load_int",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=clean_env(),
    )  # fmt: skip
    assert proc.stderr is not None
    async with asyncio.timeout(60):
        while b"p99 all ms" not in await proc.stderr.readline():
            pass  # the header: the run is under way
        await proc.stderr.readline()  # and one interval is done
    proc.send_signal(signal.SIGINT)
    out, _ = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0
    assert "(stopped early)" in out.decode()
