"""A least-recently-used cache keyed by statement text, bounded by size.

Parse trees and plans grow with their text, so a count alone does not bound
memory (600 distinct 1 MB statements would be kept whole). Entries are
charged by text length: the total stays under `max_chars`, and a text over
`max_text` is not kept at all (it is parsed again if it comes back, which
costs little next to receiving it).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

__all__ = ["TextCache"]

V = TypeVar("V")


class TextCache(Generic[V]):
    __slots__ = ("_entries", "chars", "max_chars", "max_entries", "max_text")

    def __init__(self, max_entries: int, max_chars: int, max_text: int) -> None:
        self.max_entries = max_entries
        self.max_chars = max_chars
        self.max_text = min(max_text, max_chars)
        self.chars = 0
        self._entries: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        self._entries.move_to_end(key)
        return entry[0]

    def put(self, key: Hashable, value: V, chars: int) -> None:
        if chars > self.max_text:
            return
        entries = self._entries
        old = entries.pop(key, None)
        if old is not None:
            self.chars -= old[1]
        entries[key] = (value, chars)
        self.chars += chars
        while self.chars > self.max_chars or len(entries) > self.max_entries:
            _, (_, freed) = entries.popitem(last=False)
            self.chars -= freed

    def clear(self) -> None:
        self._entries.clear()
        self.chars = 0
