"""Tab completion in the shell: the completer itself, and its names read from the emulator."""

from __future__ import annotations

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

import astra_grpc_async as aga
from astra_grpc_async.cli.completion import CqlCompleter, SchemaNames

NAMES = SchemaNames({
    "shop": {"orders": ["id", "placed", "total"], "Customers": ["id", "name"]},
    "system": {"local": ["key", "release_version"]},
    "shopfront": {},
})  # fmt: skip


def complete(text: str, keyspace: str | None = None) -> list[str]:
    completer = CqlCompleter(NAMES, keyspace)
    return [c.text for c in completer.get_completions(Document(text), CompleteEvent())]


@pytest.mark.parametrize(
    ("text", "keyspace", "expected"),
    [
        ("SEL", None, ["SELECT"]),
        ("sel", None, ["select"]),  # the case the user types in
        ("DE", None, ["DELETE", "DESC", "DESCRIBE"]),
        ("USE sh", None, ["shop", "shopfront"]),
        ("SELECT * FROM shop.o", None, ["orders"]),
        ("SELECT * FROM shop.", None, ['"Customers"', "orders"]),  # quoted as CQL needs
        ('SELECT * FROM shop."Cu', None, ['"Customers"']),
        ("SELECT * FROM or", "shop", ["orders"]),
        ("INSERT INTO sys", None, ["system"]),
        ("DESCRIBE KEYSPACE sho", None, ["shop", "shopfront"]),
        ("SELECT id, pl FROM shop.ord", None, ["orders"]),
        ("SELECT * FROM shop.orders WHERE pl", None, ["placed"]),
        ("SELECT * FROM orders WHERE id = 1 AND TOT", "shop", ["total"]),
        ("UPDATE shop.orders SET to", None, ["total", "to", "token"]),
        ("SELECT 1; USE sys", None, ["system"]),  # the statement after the last ';'
        ("SELECT * FROM nowhere.", None, []),
    ],
)  # fmt: skip
def test_completions(text: str, keyspace: str | None, expected: list[str]) -> None:
    assert complete(text, keyspace) == expected


def test_columns_complete_before_the_from_clause() -> None:
    completer = CqlCompleter(NAMES)
    text = "SELECT pl FROM shop.orders"
    doc = Document(text, cursor_position=len("SELECT pl"))
    assert [c.text for c in completer.get_completions(doc, CompleteEvent())] == ["placed"]
    assert [c.start_position for c in completer.get_completions(doc, CompleteEvent())] == [-2]


async def test_names_come_from_system_schema(stargate_client: aga.Client) -> None:
    await stargate_client.execute(
        "CREATE KEYSPACE IF NOT EXISTS compl_ks WITH replication = "
        "{'class': 'SimpleStrategy', 'replication_factor': 1}"
    )
    await stargate_client.execute(
        "CREATE TABLE IF NOT EXISTS compl_ks.widgets (id int PRIMARY KEY, colour text)"
    )
    names = await SchemaNames.read(stargate_client)
    assert sorted(names.keyspaces["compl_ks"]["widgets"]) == ["colour", "id"]
    assert "system_schema" in names.keyspaces
    completer = CqlCompleter(names, "compl_ks")
    doc = Document("SELECT * FROM widgets WHERE COL")
    assert [c.text for c in completer.get_completions(doc, CompleteEvent())] == ["colour"]
