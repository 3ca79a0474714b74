"""Regenerate the protocol code under astra_grpc_async/_proto from protos/.

Run by `nox -s protos`; tests/unit/test_protos_current.py runs it into a
temporary folder and fails when the committed output differs.

Two generators:
- grpcio-tools: upb protobuf messages (+ .pyi) and the grpc stubs, used on
  the hot path (`_proto/stargate/`).
- betterproto2 (messages only, no client): typed dataclasses for people who
  read or build protocol messages (`_proto/bp/`).

protoc writes absolute imports (`from stargate import query_pb2`); the only
post-processing is rewriting those to the package path, done here so that
generated files are never touched by hand.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROTOS = ROOT / "protos"
FILES = ["stargate/query.proto", "stargate/stargate.proto"]
PACKAGE = "astra_grpc_async._proto"


def _includes() -> list[str]:
    import google.rpc.status_pb2 as status
    import grpc_tools

    rpc_root = Path(status.__file__).resolve().parent.parent.parent  # site-packages
    well_known = Path(grpc_tools.__file__).resolve().parent / "_proto"
    return [f"-I{PROTOS}", f"-I{rpc_root}", f"-I{well_known}"]


def _protoc(args: list[str]) -> None:
    cmd = [sys.executable, "-m", "grpc_tools.protoc", *_includes(), *args]
    # the betterproto2 plugin runs `ruff`: find the one installed beside this Python
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
    subprocess.run(cmd, check=True, cwd=ROOT, env=env)


def _rewrite_imports(folder: Path) -> None:
    pattern = re.compile(r"^from stargate import ", re.MULTILINE)
    for path in sorted(folder.rglob("*.py*")):
        text = path.read_text()
        new = pattern.sub(f"from {PACKAGE}.stargate import ", text)
        if new != text:
            path.write_text(new)


def generate(out: Path) -> None:
    """Write the full generated tree into `out` (an empty or missing folder)."""
    out.mkdir(parents=True, exist_ok=True)
    _protoc(
        [
            f"--python_out={out}",
            f"--pyi_out={out}",
            f"--grpc_python_out={out}",
            *FILES,
        ]
    )
    (out / "stargate" / "__init__.py").write_text("")
    _rewrite_imports(out / "stargate")

    bp = out / "bp"
    bp.mkdir(exist_ok=True)
    plugin = shutil.which("protoc-gen-python_betterproto2", path=os.path.dirname(sys.executable))
    if plugin is None:
        raise SystemExit("betterproto2-compiler is not installed (pip install -e '.[dev]')")
    _protoc(
        [
            f"--plugin=protoc-gen-python_betterproto2={plugin}",
            f"--python_betterproto2_out={bp}",
            "--python_betterproto2_opt=client_generation=none",
            *FILES,
            "google/rpc/status.proto",
        ]
    )
    doc = '"""Generated code only: regenerate with `nox -s protos`."""\n'
    (out / "__init__.py").write_text(doc)


def main() -> None:
    target = ROOT / "astra_grpc_async" / "_proto"
    with tempfile.TemporaryDirectory() as tmp:
        staged = Path(tmp) / "_proto"
        generate(staged)
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(staged, target)
    print(f"regenerated {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
