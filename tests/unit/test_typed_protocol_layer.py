"""`mypy --strict` accepts user code written against `astra_grpc_async.proto`
and `client.raw`, with no `Any` in any expression it touches."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
USER_CODE = ROOT / "tests" / "typing" / "raw_user_code.py"


def test_user_code_type_checks_strictly_without_any(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from astra_grpc_async import proto\n"
        "q: proto.Query = proto.Query(cql=1)\n"  # wrong field type: must be reported
    )
    cmd = [
        sys.executable, "-m", "mypy", "--strict", "--disallow-any-expr", "--disallow-any-explicit",
        "--no-incremental", "--config-file", "/dev/null", str(USER_CODE), str(bad),
    ]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, timeout=300)
    lines = [
        line
        for line in done.stdout.splitlines()
        if line.startswith(str(tmp_path)) or ".py:" in line
    ]
    assert any("bad.py:2" in line and "arg-type" in line for line in lines), done.stdout
    assert not [line for line in lines if "raw_user_code.py" in line], done.stdout
