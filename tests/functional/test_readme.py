"""The README's quick start runs as written (against the embedded emulator)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)


async def test_quick_start_runs(capsys: pytest.CaptureFixture[str]) -> None:
    block = _python_blocks()[0]
    assert "asyncio.run(main())" in block
    namespace: dict[str, object] = {}
    exec(compile(block.replace("asyncio.run(main())", ""), "README.md", "exec"), namespace)
    await namespace["main"]()  # type: ignore[operator]
    out = capsys.readouterr().out
    assert out.split() == ["ada", "1", "{'id':", "1,", "'name':", "'ada'}"]


def test_readme_starts_with_the_two_commands() -> None:
    text = README.read_text()
    commands = re.findall(r"^    (python3 -m venv .*)$", text, flags=re.MULTILINE)
    assert commands[0].endswith("astra-grpc demo")
    assert commands[1].endswith("python -m pytest -q")
    ci = (README.parent / ".ci" / "run").read_text()
    assert commands[1] in ci.splitlines()  # CI runs exactly the README's test command
