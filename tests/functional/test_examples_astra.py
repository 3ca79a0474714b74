"""examples/astra.py against a real Astra database, when one is configured."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "astra.py"
NEEDED = ("ASTRA_DB_APPLICATION_TOKEN", "ASTRA_DB_ID", "ASTRA_DB_REGION")


@pytest.mark.skipif(
    not all(os.environ.get(v) for v in NEEDED),
    reason="needs a real Astra database: set ASTRA_DB_APPLICATION_TOKEN, ASTRA_DB_ID and "
    "ASTRA_DB_REGION (and ASTRA_DB_KEYSPACE)",
)
async def test_astra_example_round_trip() -> None:
    spec = importlib.util.spec_from_file_location("_example_astra", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert await module.main() == 0
