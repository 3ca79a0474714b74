"""The official Node client (`@stargate-oss/stargate-grpc-node-client`)
authenticates with its `StargateTableBasedToken` against the emulator's Auth
API and runs queries: an independent check that the Auth API and the token
handling speak Stargate's dialect.

Needs `node` and `npm`; the package is installed once into a folder under the
temporary directory and reused. Skipped, with the reason, where either is
missing or the npm registry cannot be reached.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import trustme

import astra_grpc_async as aga
from astra_grpc_async.emulator import EmulatorServer, ServerTLS

PACKAGE = "@stargate-oss/stargate-grpc-node-client@0.2.3"
SCRIPT = Path(__file__).parent / "node" / "table_token_client.js"
CACHE = Path(tempfile.gettempdir()) / "aga-node-client-0.2.3"


@pytest.fixture(scope="module")
def node_modules() -> Path:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are needed for the Node client test (not on PATH)")
    modules = CACHE / "node_modules"
    if (modules / "@stargate-oss" / "stargate-grpc-node-client" / "package.json").exists():
        return modules
    staging = Path(tempfile.mkdtemp(prefix="aga-node-install-"))
    try:
        done = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--loglevel=error",
             "--cache", str(staging / ".npm"), PACKAGE],
            cwd=staging, capture_output=True, text=True, timeout=240,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        shutil.rmtree(staging, ignore_errors=True)
        pytest.skip(f"npm install {PACKAGE} took over 240 s (registry unreachable?)")
    if done.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        pytest.skip(f"npm install {PACKAGE} failed: {done.stderr.strip()[-300:]}")
    shutil.rmtree(staging / ".npm", ignore_errors=True)
    try:
        staging.rename(CACHE)  # atomic: a half-done install is never reused
    except OSError:  # another run got there first
        shutil.rmtree(staging, ignore_errors=True)
    return modules


async def _run_node(
    node_modules: Path, server: EmulatorServer, password: str, ca: tuple[Path, str] | None = None
) -> dict[str, object]:
    config = {
        "endpoint": server.endpoint,
        "authUrl": server.auth_url,
        "username": "app",
        "password": password,
    }
    env = {**os.environ, "NODE_PATH": str(node_modules)}
    if ca is not None:  # (file, PEM)
        config["ca"] = ca[1]
        env["NODE_EXTRA_CA_CERTS"] = str(ca[0])  # axios (the Auth API call) over https
    proc = await asyncio.create_subprocess_exec(
        "node", str(SCRIPT), json.dumps(config),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()[-2000:]
    result: dict[str, object] = json.loads(out.decode().strip().splitlines()[-1])
    return result


EXPECTED = {
    "rows": [["a", 1], ["b", 2]],
    "bound": 2,
    "refused": {
        "status": 401,
        "description": "Failed to create token: Provided username app and/or password "
        "are incorrect",
    },
    "invalid": {"code": 16, "details": "Invalid token"},  # 16: UNAUTHENTICATED
}


async def test_node_table_based_token_plaintext(node_modules: Path) -> None:
    async with aga.emulator.serve(auth_port=0, users={"app": "node-pw"}) as server:
        result = await _run_node(node_modules, server, "node-pw")
        assert result == EXPECTED
        # the Node helper posts to the Auth API for every call: 6 calls, 1 refusal
        assert server.auth_api is not None and server.auth_api.requests == 7
        assert server.auth_tokens.issued == 6


async def test_node_table_based_token_over_tls_call_credentials(
    node_modules: Path, tmp_path: Path
) -> None:
    ca = trustme.CA()
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    cert = ca.issue_cert("127.0.0.1")
    tls = ServerTLS(cert=cert.cert_chain_pems[0].bytes(), key=cert.private_key_pem.bytes())
    async with aga.emulator.serve(auth_port=0, users={"app": "node-pw"}, tls=tls) as server:
        result = await _run_node(
            node_modules, server, "node-pw", ca=(ca_file, ca.cert_pem.bytes().decode())
        )
        assert result == EXPECTED
        assert server.auth_tokens.issued == 6
