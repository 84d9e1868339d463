"""Original text, (line, col) <-> offset mapping and a conflict-checked edit list.

Every pass of the C89 porter describes its work as a list of edits on the
text it was given; nothing is ever regenerated from the AST.  Edits are
half-open byte ranges ``[start, end)`` of the original text with a
replacement string; an insertion is an edit with ``start == end``.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass


class SourceText:
    """A text with 1-based line/column lookups."""

    def __init__(self, text: str):
        self.text = text
        starts = [0]
        pos = text.find("\n")
        while pos >= 0:
            starts.append(pos + 1)
            pos = text.find("\n", pos + 1)
        self.line_starts = starts

    @property
    def nlines(self) -> int:
        return len(self.line_starts)

    def offset(self, line: int, col: int = 1) -> int:
        """Offset of 1-based ``line``/``col`` (clamped to the text)."""
        line = max(1, min(line, len(self.line_starts)))
        return min(self.line_starts[line - 1] + max(col, 1) - 1, len(self.text))

    def line_col(self, offset: int) -> tuple[int, int]:
        i = bisect.bisect_right(self.line_starts, offset) - 1
        return i + 1, offset - self.line_starts[i] + 1

    def line_start(self, offset: int) -> int:
        return self.line_starts[bisect.bisect_right(self.line_starts, offset) - 1]

    def line_end(self, offset: int) -> int:
        """Offset of the newline ending the line holding ``offset`` (or len)."""
        end = self.text.find("\n", offset)
        return len(self.text) if end < 0 else end

    def line_text(self, line: int) -> str:
        start = self.line_starts[line - 1]
        return self.text[start:self.line_end(start)]

    def indent_of(self, offset: int) -> str:
        """Leading blanks of the line holding ``offset``."""
        start = self.line_start(offset)
        i = start
        while i < len(self.text) and self.text[i] in " \t":
            i += 1
        return self.text[start:i]


class EditConflict(Exception):
    """Two edits touch the same characters."""


@dataclass(frozen=True)
class Edit:
    start: int
    end: int
    text: str
    origin: str = ""

    @property
    def is_insert(self) -> bool:
        return self.start == self.end


class EditList:
    """Non-overlapping edits on one text, applied back to front."""

    def __init__(self, text: str):
        self.text = text
        self.edits: list[Edit] = []

    @classmethod
    def checked(cls, text: str, edits: list[Edit]) -> "EditList":
        """An edit list of ``edits``, which the caller has already checked
        for conflicts (the pipeline's merge of a round)."""
        out = cls(text)
        out.edits = list(edits)
        return out

    def __iter__(self):
        return iter(self.edits)

    def __len__(self) -> int:
        return len(self.edits)

    def __bool__(self) -> bool:
        return bool(self.edits)

    def _check(self, new: Edit) -> None:
        if not 0 <= new.start <= new.end <= len(self.text):
            raise EditConflict(f"edit {new} outside the text")
        for old in self.edits:
            if new.is_insert and old.is_insert:
                continue
            if new.is_insert:
                if old.start < new.start < old.end:
                    raise EditConflict(f"insert {new} inside {old}")
            elif old.is_insert:
                if new.start < old.start < new.end:
                    raise EditConflict(f"{new} covers insert {old}")
            elif new.start < old.end and old.start < new.end:
                raise EditConflict(f"{new} overlaps {old}")

    def add(self, start: int, end: int, text: str, origin: str = "") -> None:
        edit = Edit(start, end, text, origin)
        if edit in self.edits:
            return
        if not edit.is_insert and self.text[start:end] == text:
            return  # no-op replacement
        self._check(edit)
        self.edits.append(edit)

    def replace(self, start: int, end: int, text: str, origin: str = "") -> None:
        self.add(start, end, text, origin)

    def insert(self, pos: int, text: str, origin: str = "") -> None:
        if text:
            self.add(pos, pos, text, origin)

    def delete(self, start: int, end: int, origin: str = "") -> None:
        if end > start:
            self.add(start, end, "", origin)

    def add_all(self, edits) -> bool:
        """Add every one of ``edits`` or, when one conflicts with an edit
        already here, none of them."""
        kept = self.edits[:]
        try:
            for e in edits:
                self.add(e.start, e.end, e.text, e.origin)
        except EditConflict:
            self.edits = kept
            return False
        return True

    def can_add(self, start: int, end: int) -> bool:
        try:
            self._check(Edit(start, end, "x"))
        except EditConflict:
            return False
        return True

    def apply(self) -> str:
        # Stable order: by position, inserts before a replacement starting at
        # the same place, and several inserts at one place in the order added.
        order = sorted(range(len(self.edits)),
                       key=lambda i: (self.edits[i].start, self.edits[i].end, i))
        text = self.text
        for i in reversed(order):
            e = self.edits[i]
            text = text[:e.start] + e.text + text[e.end:]
        return text
