"""Original text, (line, col) <-> offset mapping and a conflict-checked edit list.

Every pass of the C89 porter describes its work as a list of edits on the
text it was given; nothing is ever regenerated from the AST.  Edits are
half-open byte ranges ``[start, end)`` of the original text with a
replacement string; an insertion is an edit with ``start == end``.
"""

from __future__ import annotations

import bisect
import re
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


class _SortedInts:
    """A sorted set of ints in buckets of a few hundred: adding, removing and
    finding a neighbour take O(log n) comparisons and move at most a bucket,
    wherever in the text the edits come (they come roughly in order)."""

    LOAD = 256

    def __init__(self):
        self._lists: list[list[int]] = []
        self._maxes: list[int] = []

    def add(self, x: int) -> None:
        maxes, lists = self._maxes, self._lists
        if not maxes:
            lists.append([x])
            maxes.append(x)
            return
        i = bisect.bisect_left(maxes, x)
        if i == len(maxes):
            i -= 1
            lists[i].append(x)
            maxes[i] = x
        else:
            bisect.insort(lists[i], x)
        lst = lists[i]
        if len(lst) > 2 * self.LOAD:
            half = len(lst) // 2
            lists[i:i + 1] = [lst[:half], lst[half:]]
            maxes[i:i + 1] = [lst[half - 1], lst[-1]]

    def remove(self, x: int) -> None:
        i = bisect.bisect_left(self._maxes, x)
        lst = self._lists[i]
        del lst[bisect.bisect_left(lst, x)]
        if lst:
            self._maxes[i] = lst[-1]
        else:
            del self._lists[i], self._maxes[i]

    def last_below(self, x: int) -> int | None:
        """The largest element < ``x``, or None."""
        maxes = self._maxes
        i = bisect.bisect_left(maxes, x)
        if i < len(maxes):
            lst = self._lists[i]
            j = bisect.bisect_left(lst, x)
            if j:
                return lst[j - 1]
        return maxes[i - 1] if i else None

    def first_above(self, x: int) -> int | None:
        """The smallest element > ``x``, or None."""
        i = bisect.bisect_right(self._maxes, x)
        if i == len(self._maxes):
            return None
        lst = self._lists[i]
        return lst[bisect.bisect_right(lst, x)]


class EditList:
    """Non-overlapping edits on one text.

    Adding an edit checks it against an index of the edits so far (the
    replacements, disjoint, by start; the insertion points), so a list of n
    edits is built in O(n log n), and ``apply`` joins the pieces once.
    Conflict rules: a replacement may not overlap another one nor cover an
    insertion strictly inside it; insertions at the ends of a replacement,
    and several at one place, are fine.
    """

    def __init__(self, text: str):
        self.text = text
        self._reset([])

    def _reset(self, edits: list[Edit]) -> None:
        self._edits: list[Edit] = []
        self._seen: set[Edit] = set()
        self._rep_end: dict[int, int] = {}     # replacement start -> end
        self._rep_starts = _SortedInts()
        self._ins_count: dict[int, int] = {}   # insertion point -> how many
        self._ins_points = _SortedInts()
        for e in edits:
            self._append(e)

    @property
    def edits(self) -> list[Edit]:
        """The edits in the order they were added (do not modify the list)."""
        return self._edits

    @edits.setter
    def edits(self, edits: list[Edit]) -> None:
        # trusted: edits already checked against each other
        self._reset(list(edits))

    def __iter__(self):
        return iter(self.edits)

    def __len__(self) -> int:
        return len(self._edits)

    def __bool__(self) -> bool:
        return bool(self._edits)

    def _conflicts(self, start: int, end: int) -> bool:
        """Whether an edit [start, end) would conflict with the edits so far."""
        if start == end:
            s = self._rep_starts.last_below(start)
            return s is not None and self._rep_end[s] > start
        s = self._rep_starts.last_below(end)
        if s is not None and self._rep_end[s] > start:
            return True
        p = self._ins_points.first_above(start)
        return p is not None and p < end

    def _check(self, new: Edit) -> None:
        if not 0 <= new.start <= new.end <= len(self.text):
            raise EditConflict(f"edit {new} outside the text")
        if not self._conflicts(new.start, new.end):
            return
        # name the first edit added that it touches (a bug in a pass: rare)
        for old in self._edits:
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
        raise AssertionError(f"edit index out of step at {new}")

    def _append(self, e: Edit) -> None:
        self._edits.append(e)
        self._seen.add(e)
        if e.start == e.end:
            n = self._ins_count.get(e.start, 0)
            if not n:
                self._ins_points.add(e.start)
            self._ins_count[e.start] = n + 1
        else:
            self._rep_end[e.start] = e.end
            self._rep_starts.add(e.start)

    def _pop(self) -> None:
        e = self._edits.pop()
        self._seen.discard(e)
        if e.start == e.end:
            n = self._ins_count[e.start] - 1
            if n:
                self._ins_count[e.start] = n
            else:
                del self._ins_count[e.start]
                self._ins_points.remove(e.start)
        else:
            del self._rep_end[e.start]
            self._rep_starts.remove(e.start)

    def add(self, start: int, end: int, text: str, origin: str = "") -> None:
        edit = Edit(start, end, text, origin)
        if edit in self._seen:
            return
        if start != end and self.text[start:end] == text:
            return  # no-op replacement
        self._check(edit)
        self._append(edit)

    def add_all(self, edits) -> bool:
        """Add every one of ``edits`` (as :meth:`add` would, in order), or
        none of them when one conflicts; whether they were added."""
        mark = len(self._edits)
        for e in edits:
            try:
                self.add(e.start, e.end, e.text, e.origin)
            except EditConflict:
                while len(self._edits) > mark:
                    self._pop()
                return False
        return True

    def replace(self, start: int, end: int, text: str, origin: str = "") -> None:
        self.add(start, end, text, origin)

    def insert(self, pos: int, text: str, origin: str = "") -> None:
        if text:
            self.add(pos, pos, text, origin)

    def delete(self, start: int, end: int, origin: str = "") -> None:
        if end > start:
            self.add(start, end, "", origin)

    def can_add(self, start: int, end: int) -> bool:
        return 0 <= start <= end <= len(self.text) and not self._conflicts(start, end)

    def apply(self) -> str:
        return apply_edits(self.text, self._edits)


def uses_crlf(text: str) -> bool:
    """Whether most lines of ``text`` end with CR LF."""
    crlf = text.count("\r\n")
    return crlf > 0 and 2 * crlf >= text.count("\n")


_LONE_LF = re.compile(r"(?<!\r)\n")


def apply_edits(text: str, edits: list[Edit]) -> str:
    """``text`` with non-overlapping ``edits`` made.  Order: by position,
    inserts before a replacement starting at the same place, and several
    inserts at one place in the order of the list.  Passes write lines with
    LF; in a text whose lines end with CR LF, so do the lines they write, and
    an insertion at a line's end goes before its CR LF, never between them."""
    spans = []
    for e in edits:
        start = e.start
        if start == e.end and 0 < start < len(text) and text[start] == "\n" \
                and text[start - 1] == "\r":
            start -= 1
            spans.append((start, start))
        else:
            spans.append((start, e.end))
    order = sorted(range(len(edits)), key=lambda i: (*spans[i], i))
    crlf = None
    pieces = []
    pos = 0
    for i in order:
        e = edits[i]
        start, end = spans[i]
        if start < pos:   # moved before a CR an edit ending there replaced
            start, end = e.start, e.end
        pieces.append(text[pos:start])
        new = e.text
        if "\n" in new:
            if crlf is None:
                crlf = uses_crlf(text)
            if crlf:
                new = _LONE_LF.sub("\r\n", new)
        pieces.append(new)
        pos = end
    pieces.append(text[pos:])
    return "".join(pieces)
