"""The pytest plugin as users meet it: a fresh project of their own (its own
pytest.ini, none of this repository's settings), run in a subprocess under
each supported configuration, the README's snippets copied verbatim."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
RUN_TIMEOUT = 240.0


def _testing_blocks() -> list[str]:
    text = README.read_text()
    section = text.split("\n## Testing\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)


def _files(block: str) -> dict[str, str]:
    """Split a README block on its `# name.py` header comments."""
    files: dict[str, str] = {}
    name = None
    for line in block.splitlines(keepends=True):
        header = re.fullmatch(r"# (\w+\.py)\n", line)
        if header:
            name = header.group(1)
            files[name] = ""
        elif name is not None:
            files[name] += line
    return files


README_PROJECT = _files(_testing_blocks()[0])
README_ANYIO_CONFTEST = _files(_testing_blocks()[1])["conftest.py"]

# Run in this order within a file: each test checks what the one before left.
ISOLATION = """
import pytest

KS_DDL = "WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}"


async def keyspaces(client):
    rows = (await client.execute("SELECT keyspace_name FROM system_schema.keyspaces")).rows
    return {{row[0] for row in rows}}


@pytest.fixture(scope="module")
def shared(stargate_emulator):
    return stargate_emulator.create_keyspace("shared_ks")


{mark}
async def test_leaves_latency_and_keyspaces_behind(stargate_client, stargate_emulator, shared):
    stargate_emulator.faults.add_latency(0.5)
    stargate_emulator.faults.fail_next(3, "unavailable", match="users")
    await stargate_client.execute(f"CREATE KEYSPACE leaked {{KS_DDL}}")
    await stargate_client.execute("CREATE TABLE shared_ks.t (id int PRIMARY KEY)")


{mark}
async def test_starts_clean(stargate_client, stargate_emulator, shared):
    assert not stargate_emulator.faults.active
    names = await keyspaces(stargate_client)
    assert "leaked" not in names
    assert "shared_ks" in names  # a module fixture's keyspace is kept
    assert not any(n.startswith("test_ks_") for n in names)


{mark}
async def test_keyspace_client_defaults_to_the_fresh_keyspace(
    stargate_keyspace_client, stargate_keyspace, stargate_client
):
    assert stargate_keyspace_client.keyspace == stargate_keyspace
    assert stargate_client.keyspace is None
    await stargate_keyspace_client.execute("CREATE TABLE notes (id int PRIMARY KEY, body text)")
    await stargate_keyspace_client.execute("INSERT INTO notes (id, body) VALUES (1, 'x')")
    rows = (await stargate_client.execute(f"SELECT body FROM {{stargate_keyspace}}.notes")).rows
    assert [r["body"] for r in rows] == ["x"]


{mark}
async def test_a_stopped_emulator_serves_again(stargate_emulator):
    await stargate_emulator.stop()


{mark}
async def test_serving_again(stargate_client):
    assert (await stargate_client.execute("SELECT key FROM system.local")).scalar() == "local"
"""

UNSUPPORTED = """
import pytest


async def test_async_without_a_plugin(stargate_client):
    pass


def test_sync_asks_for_a_client(stargate_client):
    pass


def test_sync_may_use_the_emulator_and_a_keyspace(stargate_emulator, stargate_keyspace):
    assert stargate_keyspace in stargate_emulator.keyspaces()
"""


# tests marked for a module-wide loop, next to others on a loop of their own
MODULE_LOOP = """
import asyncio

import pytest

pytestmark = pytest.mark.asyncio(loop_scope="module")
loops = []


async def test_first(stargate_client):
    loops.append(asyncio.get_running_loop())
    await stargate_client.execute("SELECT key FROM system.local")


async def test_second_shares_the_loop(stargate_keyspace_client):
    loops.append(asyncio.get_running_loop())
    assert loops[0] is loops[1]
    await stargate_keyspace_client.execute("CREATE TABLE t (id int PRIMARY KEY)")
"""


def _run(
    pytester: pytest.Pytester, ini: str, files: dict[str, str], *args: str
) -> pytest.RunResult:
    pytester.makefile(".ini", pytest=ini)
    for name, text in files.items():
        pytester.path.joinpath(name).write_text(text)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-rA", "-p", "no:randomly", *args, timeout=RUN_TIMEOUT
    )
    # the fresh project's own ini was used, not this repository's pyproject
    result.stdout.fnmatch_lines([f"rootdir: {pytester.path}*", "configfile: pytest.ini*"])
    assert "unclosed" not in result.stdout.str() + result.stderr.str()
    return result


def _readme_with(mark: str) -> dict[str, str]:
    return {
        "conftest.py": README_PROJECT["conftest.py"],
        "test_users.py": README_PROJECT["test_users.py"].replace("@pytest.mark.asyncio", mark),
    }


def test_readme_snippet_is_what_these_tests_run() -> None:
    assert README_PROJECT["conftest.py"] == 'pytest_plugins = ["astra_grpc_async.testing"]\n\n'
    assert "@pytest.mark.asyncio" in README_PROJECT["test_users.py"]
    assert "def anyio_backend" in README_ANYIO_CONFTEST


@pytest.mark.parametrize(
    "ini",
    [
        "[pytest]\n",  # pytest-asyncio's defaults: strict mode, a loop per test
        "[pytest]\nasyncio_default_test_loop_scope = session\n"
        "asyncio_default_fixture_loop_scope = session\n",
    ],
    ids=["defaults", "session-loops"],
)
def test_pytest_asyncio_strict(pytester: pytest.Pytester, ini: str) -> None:
    files = {
        **_readme_with("@pytest.mark.asyncio"),
        "test_isolation.py": ISOLATION.format(mark="@pytest.mark.asyncio"),
        "test_unsupported.py": UNSUPPORTED,
        "test_module_loop.py": MODULE_LOOP,
    }
    result = _run(pytester, ini, files)
    result.stdout.fnmatch_lines(["asyncio: mode=*STRICT*"])
    result.stdout.fnmatch_lines(
        [
            "*ERROR at setup of test_async_without_a_plugin*",
            "stargate_client: no plugin runs this async test: mark it @pytest.mark.asyncio "
            "(pytest-asyncio; or set asyncio_mode = auto) or @pytest.mark.anyio",
        ]
    )
    result.stdout.fnmatch_lines(
        ["*ERROR at setup of test_sync_asks_for_a_client*", "stargate_client: a Client belongs*"]
    )
    result.assert_outcomes(passed=10, errors=2)


def test_pytest_asyncio_auto(pytester: pytest.Pytester) -> None:
    anyio_test = (
        "import pytest\n\n"
        "@pytest.mark.anyio\n"
        "async def test_anyio_mark_in_auto_mode(stargate_client):\n"
        "    pass\n"
    )
    files = {
        **_readme_with(""),  # auto mode needs no mark
        "test_isolation.py": ISOLATION.format(mark=""),
        "test_marked_anyway.py": README_PROJECT["test_users.py"],
        "test_anyio_in_auto.py": anyio_test,
    }
    result = _run(pytester, "[pytest]\nasyncio_mode = auto\n", files)
    result.stdout.fnmatch_lines(["asyncio: mode=*AUTO*"])
    result.stdout.fnmatch_lines(
        [
            "*ERROR at setup of test_anyio_mark_in_auto_mode*",
            "stargate_client: this @pytest.mark.anyio test is also collected by pytest-asyncio "
            "(asyncio_mode = auto, or an asyncio mark); set asyncio_mode = strict*",
        ]
    )
    result.assert_outcomes(passed=9, errors=1)


@pytest.mark.parametrize(
    "with_pytest_asyncio", [True, False], ids=["beside-pytest-asyncio", "alone"]
)
def test_anyio_plugin(pytester: pytest.Pytester, with_pytest_asyncio: bool) -> None:
    trio_test = (
        "import pytest\n\n"
        "@pytest.mark.anyio\n"
        "@pytest.mark.parametrize('anyio_backend', ['trio'])\n"
        "async def test_on_trio(stargate_client):\n"
        "    pass\n"
    )
    files = {
        "conftest.py": README_ANYIO_CONFTEST,
        "test_users.py": README_PROJECT["test_users.py"].replace(
            "@pytest.mark.asyncio", "@pytest.mark.anyio"
        ),
        "test_isolation.py": ISOLATION.format(mark="@pytest.mark.anyio"),
        "test_trio.py": trio_test,
    }
    args = () if with_pytest_asyncio else ("-p", "no:asyncio")
    result = _run(pytester, "[pytest]\n", files, *args)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at setup of test_on_trio*",
            "stargate_client: anyio_backend is 'trio'; the driver runs on asyncio only*",
        ]
    )
    result.assert_outcomes(passed=7, errors=1)
