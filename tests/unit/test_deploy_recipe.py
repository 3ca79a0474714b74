"""deploy/ stays consistent with the driver's defaults and says what it is."""

from __future__ import annotations

import re
from pathlib import Path

from astra_grpc_async import config
from astra_grpc_async.emulator import auth_api

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def test_compose_names_versions_and_the_default_ports() -> None:
    compose = (DEPLOY / "compose.yaml").read_text()
    images = re.findall(r"image: (\S+)", compose)
    assert "cassandra:${CASSANDRA_TAG:-4.0.18}" in images
    assert "stargateio/coordinator-4_0:${STARGATE_TAG:-v2.0.51}" in images
    ports = set(re.findall(r'"(\d+):(\d+)"', compose))
    assert (str(config.DEFAULT_PORT), str(config.DEFAULT_PORT)) in ports  # gRPC
    assert ("8081", "8081") in ports  # the Auth API
    assert "ENABLE_AUTH=true" in compose
    assert f"auth_tokenttl=${{TOKEN_TTL:-{int(auth_api.DEFAULT_TTL)}}}" in compose


def test_readme_says_it_was_not_run_here() -> None:
    readme = " ".join((DEPLOY / "README.md").read_text().split())
    assert "was not run" in readme and "no container engine" in readme
    assert "http://localhost:8081/v1/auth" in readme
