"""The committed generated code must be exactly what `nox -s protos` writes."""

from __future__ import annotations

import filecmp
import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _load_generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("_gen_protos", ROOT / "protos" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["_gen_protos"] = module
    spec.loader.exec_module(module)
    return module


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_generated_code_is_current(tmp_path: Path) -> None:
    gen = _load_generator()
    fresh = tmp_path / "_proto"
    gen.generate(fresh)
    committed = _files(ROOT / "astra_grpc_async" / "_proto")
    regenerated = _files(fresh)
    assert sorted(committed) == sorted(regenerated), "file set differs: run `nox -s protos`"
    stale = [name for name in committed if committed[name] != regenerated[name]]
    assert not stale, f"stale generated files {stale}: run `nox -s protos`"
    assert not filecmp.dircmp(ROOT / "astra_grpc_async" / "_proto", fresh).diff_files
    public = (ROOT / "astra_grpc_async" / "proto.py").read_text()
    assert public == gen.public_module(fresh), "stale proto.py: run `nox -s protos`"


def test_public_module_exports_the_whole_schema() -> None:
    from astra_grpc_async import proto
    from astra_grpc_async._proto.bp import stargate

    for name in stargate.__all__:
        assert getattr(proto, name) is getattr(stargate, name)
    for name in ("Query", "Values", "Value", "QueryParameters", "Batch", "BatchQuery"):
        assert name in proto.__all__
    for name in ("Response", "ResultSet", "StreamingResponse", "Status", "ErrorDetail"):
        assert name in proto.__all__
    assert proto.Consistency.LOCAL_QUORUM.value == 6


def test_method_paths_match_the_contract() -> None:
    from astra_grpc_async._proto.stargate import query_pb2, stargate_pb2

    service = stargate_pb2.DESCRIPTOR.services_by_name["Stargate"]
    assert service.full_name == "stargate.Stargate"
    assert [m.name for m in service.methods] == [
        "ExecuteQuery", "ExecuteQueryStream", "ExecuteBatch", "ExecuteBatchStream",
    ]  # fmt: skip
    value = query_pb2.Value.DESCRIPTOR
    assert value.fields_by_name["duration"].number == 17
    assert value.fields_by_name["decimal"].number == 16
