"""The `astra-grpc` command itself: demo without the cli extra, missing extras, help."""

from __future__ import annotations

import asyncio
import os
import sys

import pytest

from astra_grpc_async.cli.main import main

# run main() with the cli extra's packages made unimportable
WITHOUT_EXTRA = """
import sys
for name in ("rich", "prompt_toolkit", "hdrh", "matplotlib"):
    sys.modules[name] = None  # import fails as if not installed
from astra_grpc_async.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


async def test_demo_works_without_the_cli_extra() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASTRA_DB_", "STARGATE_"))}
    env["PYTHONWARNINGS"] = "error"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", WITHOUT_EXTRA, "demo",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err.decode()
    assert "embedded emulator listening on" in out.decode()
    assert "streamed 250 rows" in out.decode()


@pytest.mark.parametrize(
    ("command", "missing"),
    [
        (["cql", "-e", "SELECT 1"], "rich"),
        (["cql", "-e", "SELECT 1"], "prompt_toolkit"),
        (["load", "--count", "1"], "hdrh"),
        (["load", "--count", "1", "--plot", "x.png"], "matplotlib"),
    ],
)
def test_cli_commands_name_the_extra_when_missing(
    command: list[str],
    missing: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setitem(sys.modules, missing, None)  # import fails as if not installed
    assert main(command) == 1
    err = capsys.readouterr().err
    assert missing in err and "pip install 'astra-grpc-async[cli]'" in err


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in ("demo", "emulator", "cql", "load"):
        assert command in out
    with pytest.raises(SystemExit):
        main(["emulator", "--help"])
    assert "--data-dir" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        main(["load", "--read-ratio", "2"])
    assert exit_info.value.code == 1 and "between 0 and 1" in capsys.readouterr().err
