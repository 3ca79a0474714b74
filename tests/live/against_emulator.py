"""Run the live suite, unchanged, against an embedded emulator.

    python tests/live/against_emulator.py [--auth-api] [pytest args...]

Starts an emulator on free ports (with its Auth API), points the live
suite's environment at it (a static token, or with `--auth-api` the Auth
API's username and password) and runs `pytest tests/live` in a child
process; exits with pytest's status. `nox -s live` uses this when
STARGATE_LIVE_ENDPOINT is not set.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import astra_grpc_async as aga

LIVE = Path(__file__).resolve().parent
ROOT = LIVE.parent.parent


async def run(auth_api: bool, pytest_args: list[str]) -> int:
    async with aga.emulator.serve(port=0, auth_port=0) as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith("STARGATE_")}
        env["STARGATE_LIVE_ENDPOINT"] = server.endpoint
        if auth_api:
            env.update(
                STARGATE_AUTH_URL=server.auth_url,
                STARGATE_USERNAME="cassandra",
                STARGATE_PASSWORD="cassandra",
            )
        else:
            env["STARGATE_LIVE_TOKEN"] = server.token
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
            str(LIVE), *pytest_args,
            cwd=ROOT, env=env,
        )  # fmt: skip
        return await child.wait()


def main(argv: list[str]) -> int:
    auth_api = "--auth-api" in argv
    rest = [a for a in argv if a != "--auth-api"]
    return asyncio.run(run(auth_api, rest))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
