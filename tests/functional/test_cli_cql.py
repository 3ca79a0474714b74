"""`astra-grpc cql` non-interactive: -e, -f, stdin, JSON output, exit codes, targets.

Most tests await the command's coroutine in the test's loop (fast); one runs
the real console entry point in a subprocess."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest

from astra_grpc_async import errors
from astra_grpc_async.cli.main import _run, build_parser, cql_main
from astra_grpc_async.emulator import EmulatorServer

CREATE = (
    "CREATE KEYSPACE IF NOT EXISTS cli_ks WITH replication = "
    "{'class': 'SimpleStrategy', 'replication_factor': 1};"
    "CREATE TABLE IF NOT EXISTS cli_ks.t (k int, c int, v text, PRIMARY KEY (k, c));"
)


@pytest.fixture(autouse=True)
def no_endpoint_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("ASTRA_DB_", "STARGATE_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("COLUMNS", "120")


async def cql(*args: str, stdin: str | None = None) -> int:
    return await cql_main(build_parser().parse_args(["cql", *args]), stdin_text=stdin)


def target(server: EmulatorServer) -> list[str]:
    return ["--endpoint", server.endpoint, "--token", server.token]


async def test_execute_as_a_process(stargate_emulator: EmulatorServer) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASTRA_DB_", "STARGATE_"))}
    env.update(PYTHONWARNINGS="error", STARGATE_TOKEN=stargate_emulator.token)
    stmts = CREATE + (
        "INSERT INTO cli_ks.t (k, c, v) VALUES (1, 1, 'semi;colon');"
        "INSERT INTO cli_ks.t (k, c, v) VALUES (1, 2, 'two');"
        "SELECT c, v FROM cli_ks.t WHERE k = 1;"
        "SELECT * FROM cli_ks.missing;"
        "SELECT 'never run' FROM cli_ks.t;"
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "astra_grpc_async.cli", "cql",
        "--endpoint", stargate_emulator.endpoint, "-e", stmts,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    out_b, err_b = await asyncio.wait_for(proc.communicate(), 30)
    out, err = out_b.decode(), err_b.decode()
    assert proc.returncode == 2, err  # the failed statement, and nothing after it
    assert "semi;colon" in out and "two" in out and "(2 rows)" in out
    assert "InvalidQueryError [INVALID_ARGUMENT]" in err
    assert "embedded emulator" not in err


async def test_json_output_reads_every_page(
    stargate_emulator: EmulatorServer, capsys: pytest.CaptureFixture[str]
) -> None:
    inserts = "".join(f"INSERT INTO cli_ks.t (k, c, v) VALUES (2, {i}, 'v{i}');" for i in range(7))
    assert await cql(*target(stargate_emulator), "-e", CREATE + inserts) == 0
    capsys.readouterr()
    code = await cql(
        *target(stargate_emulator), "--format", "json", "--page-size", "3",
        "-e", "SELECT c, v FROM cli_ks.t WHERE k = 2",
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert [json.loads(line) for line in out.splitlines()] == [
        {"c": i, "v": f"v{i}"} for i in range(7)
    ]


async def test_errors_give_exit_code_2(
    stargate_emulator: EmulatorServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await cql(*target(stargate_emulator), "-e", "SELECT * FROM cli_ks.missing") == 2
    assert "InvalidQueryError" in capsys.readouterr().err
    # --continue-on-error runs the rest, and still fails the run
    code = await cql(
        *target(stargate_emulator), "--continue-on-error",
        "-e", "SELECT * FROM cli_ks.missing; USE cli_ks",
    )  # fmt: skip
    assert code == 2 and "now using keyspace cli_ks" in capsys.readouterr().out


async def test_file_and_stdin_with_the_token_from_env(
    stargate_emulator: EmulatorServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STARGATE_TOKEN", stargate_emulator.token)
    script = tmp_path / "setup.cql"
    script.write_text(
        CREATE + "\n-- a comment; with a semicolon\nSELECT * FROM cli_ks.t WHERE k = 99\n"
    )
    assert await cql("--endpoint", stargate_emulator.endpoint, "-f", str(script)) == 0
    assert "(0 rows)" in capsys.readouterr().out  # the last statement ran without its ';'
    code = await cql(
        "--endpoint", stargate_emulator.endpoint, stdin="SELECT v FROM cli_ks.t WHERE k = 98;"
    )
    assert code == 0 and "(0 rows)" in capsys.readouterr().out
    assert await cql("--endpoint", stargate_emulator.endpoint, "-f", str(tmp_path / "no")) == 1


async def test_endpoint_from_the_environment(
    stargate_emulator: EmulatorServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STARGATE_GRPC_ENDPOINT", stargate_emulator.endpoint)
    monkeypatch.setenv("STARGATE_TOKEN", stargate_emulator.token)
    assert await cql("-e", CREATE + "USE cli_ks; SELECT * FROM t WHERE k = 97") == 0
    out, err = capsys.readouterr()
    assert "now using keyspace cli_ks" in out and "embedded emulator" not in err


async def test_default_is_an_embedded_emulator(capsys: pytest.CaptureFixture[str]) -> None:
    assert await cql("-e", CREATE + "SELECT * FROM cli_ks.t;") == 0
    out, err = capsys.readouterr()
    assert "embedded emulator on 127.0.0.1:" in err
    assert "CREATED TABLE cli_ks.t" in out


async def test_bad_endpoint_is_a_configuration_error() -> None:
    with pytest.raises(errors.ConfigError, match="bad port"):
        await cql("--endpoint", "host:notaport", "-e", "SELECT 1")


def test_configuration_errors_exit_with_1(capsys: pytest.CaptureFixture[str]) -> None:
    async def misconfigured() -> int:
        raise errors.ConfigError("no endpoint given")

    assert _run(misconfigured()) == 1
    assert "astra-grpc: no endpoint given" in capsys.readouterr().err
