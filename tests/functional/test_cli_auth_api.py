"""The CLI with table-based tokens: --auth-url/--username or the environment,
the password from $STARGATE_PASSWORD or a prompt, never a flag."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

import astra_grpc_async as aga
from astra_grpc_async import errors
from astra_grpc_async.cli.connection import connect
from astra_grpc_async.cli.main import build_parser
from astra_grpc_async.emulator import EmulatorServer

PASSWORD = "cli-pw-do-not-leak"
QUERY = "SELECT release_version FROM system.local"


@pytest_asyncio.fixture(loop_scope="session")
async def server() -> AsyncIterator[EmulatorServer]:
    async with aga.emulator.serve(auth_port=0, users={"app": PASSWORD}) as s:
        yield s


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASTRA_DB_", "STARGATE_"))}
    env.update(COLUMNS="120", PYTHONWARNINGS="error", **extra)
    return env


async def run(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "astra_grpc_async.cli", *args,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(b""), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_flags_environment_and_a_wrong_password(server: EmulatorServer) -> None:
    env = clean_env(
        STARGATE_GRPC_ENDPOINT=server.endpoint, STARGATE_AUTH_URL=server.auth_url,
        STARGATE_USERNAME="app", STARGATE_PASSWORD=PASSWORD,
    )  # fmt: skip
    wrong = "wrong-" + PASSWORD
    # side by side: each run is mostly interpreter start-up
    with_flags, from_env, load, refused = await asyncio.gather(
        run(
            "cql", "--endpoint", server.endpoint, "--auth-url", server.auth_url,
            "--username", "app", "-e", QUERY, env=clean_env(STARGATE_PASSWORD=PASSWORD),
        ),
        run("cql", "-e", QUERY, env=env),
        run("load", "--count", "10", "--quiet", env=env),
        run(
            "cql", "--endpoint", server.endpoint, "--auth-url", server.auth_url,
            "--username", "app", "--log-level", "DEBUG", "-e", QUERY,
            env=clean_env(STARGATE_PASSWORD=wrong),
        ),
    )  # fmt: skip
    for code, out, err in (with_flags, from_env):
        assert code == 0, err
        assert "(1 row)" in out and "embedded emulator" not in err
    assert load[0] == 0, load[2]
    assert "10 operations, 0 errors" in load[1]
    code, out, err = refused
    assert code == 1
    assert "AuthApiError" in err and "HTTP 401" in err and server.auth_url in err
    assert wrong not in err and wrong not in out
    assert server.auth_tokens.issued == 3  # one login per successful process


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--auth-url", "{url}", "--username", "app"], {}, "set $STARGATE_PASSWORD"),
        (["--auth-url", "{url}", "--token", "t", "--username", "app"], {}, "choose one"),
        (["--auth-url", "{url}"], {"STARGATE_PASSWORD": PASSWORD}, "--username"),
        (["--username", "app"], {}, "--username needs --auth-url"),
        ([], {"STARGATE_AUTH_URL": "{url}", "STARGATE_USERNAME": "app",
              "STARGATE_TOKEN": "t"}, "not both"),
    ],
)  # fmt: skip
async def test_refused_settings(
    server: EmulatorServer,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    env: dict[str, str],
    message: str,
) -> None:
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False, raising=False)
    argv = ["cql", "--endpoint", server.endpoint, *args, "-e", QUERY]
    parsed = build_parser().parse_args([a.replace("{url}", server.auth_url) for a in argv])
    with pytest.raises(errors.ConfigError, match=re.escape(message)):
        async with connect(parsed, env={k: v.replace("{url}", server.auth_url)
                                        for k, v in env.items()}):  # fmt: skip
            pass


def test_there_is_no_password_flag(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["cql", "--password", PASSWORD])
    assert "unrecognized arguments" in capsys.readouterr().err


async def test_the_password_prompt(server: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    def fake_getpass(prompt: str) -> str:
        asked.append(prompt)
        return PASSWORD

    monkeypatch.setattr("getpass.getpass", fake_getpass)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    args = build_parser().parse_args(
        ["cql", "--endpoint", server.endpoint, "--auth-url", server.auth_url,
         "--username", "app", "-e", QUERY]
    )  # fmt: skip
    async with connect(args, env={}) as client:
        assert await client.ping()
    assert asked == [f"Password for app at {server.auth_url}: "]
