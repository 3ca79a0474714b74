"""Drives `astra-grpc cql` on a pty with pexpect and prints what it saw as JSON.

Run as a script by test_cli_pty.py: forking a pty from the test process
itself is unsafe, as gRPC's threads run there. Usage:

    python cli_pty_driver.py SCENARIO ENDPOINT TOKEN HISTORY
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable

import pexpect

PROMPT = "cql>"


def spawn(endpoint: str, token: str, history: str, *args: str) -> pexpect.spawn:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASTRA_DB_", "STARGATE_"))}
    env["PROMPT_TOOLKIT_NO_CPR"] = "1"  # pexpect does not answer cursor position requests
    argv = ["-m", "astra_grpc_async.cli", "cql", "--endpoint", endpoint, "--token", token,
            "--history", history, *args]  # fmt: skip
    return pexpect.spawn(
        sys.executable, argv, env=env, encoding="utf-8", timeout=30, dimensions=(40, 200)
    )


def leave(child: pexpect.spawn) -> int:
    child.send("EXIT;\r")
    child.expect(pexpect.EOF)
    child.close()
    return int(child.exitstatus or 0)


def complete(child: pexpect.spawn) -> dict[str, object]:
    child.expect(PROMPT)
    child.send("USE completion_p\t")
    child.expect("ty_ks")  # the rest of the name, inserted by the completion
    child.send(";\r")
    child.expect("now using keyspace completion_pty_ks")
    child.expect("cql:completion_pty_ks>")
    child.send("SELECT v FROM pag\t")
    child.expect("es")
    child.send(" WHERE k = 1 AND c = 3;\r")
    child.expect(r"\(1 row\)")
    return {"shown": child.before, "code": leave(child)}


def more(child: pexpect.spawn) -> dict[str, object]:
    child.expect(PROMPT)
    child.send("SELECT v FROM completion_pty_ks.pages WHERE k = 1;\r")
    child.expect("--More--")
    first = child.before
    child.send(" ")  # one key, no Enter
    child.expect("--More--")
    second = child.before
    child.send("q")
    child.expect(PROMPT)
    return {"first": first, "rest": second + child.before, "code": leave(child)}


def multiline(child: pexpect.spawn) -> dict[str, object]:
    child.expect(PROMPT)
    child.send("SELECT release_version\r")
    child.expect(r"\.\.\.")  # the continuation prompt: the statement goes on
    child.send("FROM system.local;\r")
    child.expect(r"\(1 row\)")
    return {"code": leave(child)}


def start_and_leave(child: pexpect.spawn) -> dict[str, object]:
    child.expect(PROMPT)
    return {"code": leave(child)}


def interrupt(child: pexpect.spawn) -> dict[str, object]:
    child.expect(PROMPT)
    child.send("SELECT 'held_by_the_server' FROM system.local;\r")
    sys.stdin.readline()  # the test says when the server holds the statement
    child.sendintr()
    child.expect("cancelled")
    child.expect(PROMPT)
    child.send("SELECT release_version FROM system.local;\r")
    child.expect(r"\(1 row\)")  # the shell goes on
    return {"code": leave(child)}


SCENARIOS: dict[str, tuple[Callable[[pexpect.spawn], dict[str, object]], tuple[str, ...]]] = {
    "complete": (complete, ()),
    "more": (more, ("--page-size", "2")),
    "multiline": (multiline, ()),
    "start_and_leave": (start_and_leave, ()),
    "interrupt": (interrupt, ()),
}

if __name__ == "__main__":
    scenario, endpoint, token, history = sys.argv[1:5]
    run, extra = SCENARIOS[scenario]
    print(json.dumps(run(spawn(endpoint, token, history, *extra))))
