"""The README's "Connecting to a real Stargate" example names real API."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import astra_grpc_async as aga

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_example_compiles_and_uses_existing_names() -> None:
    text = README.read_text()
    section = text.split("## Connecting to a real Stargate", 1)[1].split("\n## ", 1)[0]
    block = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)[0]
    compile(block, "README.md", "exec")
    params = inspect.signature(aga.TableBasedToken).parameters
    for name in ("timeout", "ca", "allow_plaintext"):
        assert name in params and name in section
    assert callable(aga.Client.ping)
    for variable in ("STARGATE_AUTH_URL", "STARGATE_USERNAME", "STARGATE_PASSWORD"):
        assert variable in section
    assert "deprecated" in text.split("## Quick start", 1)[0]
    assert "https://docs.datastax.com/" in text.split("## Quick start", 1)[0]
