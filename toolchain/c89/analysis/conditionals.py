"""``#if`` ... ``#endif``: which directives belong together, which lines each
branch holds, and which branches the preprocessor keeps.

:func:`structure` reads only the directives of a token list (``ctok``), so
it serves the passes and the structural patches alike; :func:`active`
asks the unit's preprocessor (one more ``gcc -E`` run, of the text with a
marker line at the top of every branch) and is computed on first need.
Unmatched ``#elif``/``#else``/``#endif`` lines are ignored; a conditional
that is never closed has no ``endif`` and its last branch runs to the end
of the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..ctok import Directive, Tokens

OPENING = ("if", "ifdef", "ifndef")
CONTINUING = ("elif", "else", "endif")


@dataclass(eq=False)
class Branch:
    """One branch: the lines between its directive and the next one of its
    conditional."""
    start: Directive            # the #if/#ifdef/#ifndef/#elif/#else opening it
    end: Directive | None       # the #elif/#else/#endif ending it (None: never closed)
    first: int                  # first line after the opening directive
    last: int                   # last line before the ending directive
    index: int                  # in source order of the opening directives
    cond: "Conditional"
    # this branch's condition, or an earlier one of its conditional, names
    # __STDC_VERSION__ (when dropped, no C89 compiler keeps it either)
    version: bool = False


@dataclass(eq=False)
class Conditional:
    opening: Directive
    endif: Directive | None = None
    branches: list[Branch] = field(default_factory=list)
    parent: Branch | None = None     # the branch holding the #if, if any


class Structure:
    """The conditionals of one token list."""

    def __init__(self, toks: Tokens):
        # (no reference to ``toks``: they keep this object)
        self.conditionals: list[Conditional] = []
        self.branches: list[Branch] = []          # ordered by their opening directive
        self._of: dict[int, Conditional] = {}     # id of a directive -> its conditional
        line_of = toks.src.line_col
        text = toks.text
        stack: list[Branch] = []
        for d in toks.directives:
            if d.name not in OPENING and d.name not in CONTINUING:
                continue
            version = "__STDC_VERSION__" in text[d.start:d.end]
            if d.name in OPENING:
                cond = Conditional(d, parent=stack[-1] if stack else None)
                self.conditionals.append(cond)
                self._of[id(d)] = cond
                b = Branch(d, None, line_of(d.end)[0] + 1, 0, len(self.branches), cond, version)
                cond.branches.append(b)
                self.branches.append(b)
                stack.append(b)
                continue
            if not stack:
                continue            # unmatched: not part of any conditional
            top = stack.pop()
            top.end, top.last = d, d.line - 1
            cond = top.cond
            self._of[id(d)] = cond
            if d.name == "endif":
                cond.endif = d
                continue
            b = Branch(d, None, line_of(d.end)[0] + 1, 0, len(self.branches), cond,
                       top.version or version)
            cond.branches.append(b)
            self.branches.append(b)
            stack.append(b)
        for b in stack:             # never closed: to the end of the text
            b.last = toks.src.nlines

    def conditional_of(self, d: Directive) -> Conditional | None:
        """The conditional directive ``d`` opens, continues or closes."""
        return self._of.get(id(d))

    def branches_at(self, line: int) -> list[Branch]:
        """The branches holding ``line``, innermost first."""
        return sorted((b for b in self.branches if b.first <= line <= b.last),
                      key=lambda b: -b.first)

    def enclosing(self, d: Directive) -> list[Conditional]:
        """The conditionals whose branches hold directive ``d`` (not the one
        ``d`` itself belongs to), innermost first."""
        return [b.cond for b in self.branches_at(d.line)
                if b.start is not d and b.end is not d]


def structure(toks: Tokens) -> Structure:
    """The conditionals of ``toks`` (computed once per token list)."""
    s = toks.__dict__.get("_conditionals")
    if s is None:
        s = toks.__dict__["_conditionals"] = Structure(toks)
    return s


_BRANCH_MARK = "c89port_branch_mark_"


def active(unit) -> set[int]:
    """Indexes of the branches (``Branch.index``) the preprocessor keeps in
    the unit's configuration (all of them when that cannot be told)."""
    got = unit.__dict__.get("_active_branches")
    if got is None:
        got = unit.__dict__["_active_branches"] = _active(unit)
    return got


def _active(unit) -> set[int]:
    s = structure(unit.toks)
    if not s.branches:
        return set()
    text = unit.text
    parts, last = [], 0
    for b in s.branches:        # in text order: they are ordered by their directives
        parts.append(text[last:b.start.end])
        parts.append(f"\n{_BRANCH_MARK}{b.index}")
        last = b.start.end
    parts.append(text[last:])
    out = unit.preprocess_variant("".join(parts))
    if out is None:   # cannot tell: take every branch as kept
        return {b.index for b in s.branches}
    return {int(m) for m in re.findall(_BRANCH_MARK + r"(\d+)", out)}


def state(unit, line: int) -> str:
    """"active", "inactive", or "c89" (dropped by a test of
    ``__STDC_VERSION__``: no C89 compiler keeps it) for a line of the unit."""
    out = "active"
    kept = None
    for b in structure(unit.toks).branches:
        if b.first <= line <= b.last:
            kept = active(unit) if kept is None else kept
            if b.index not in kept:
                if b.version:
                    return "c89"
                out = "inactive"
    return out


def dropped_lines(toks: Tokens, kept_lines: set[int]) -> set[int]:
    """Lines of code inside branches in which no line reached the
    preprocessor's output (``kept_lines``), so the branch was dropped."""
    branches = structure(toks).branches
    if not branches:
        return set()
    code_lines = {t.line for t in toks.toks if t.pp < 0}
    out: set[int] = set()
    for b in branches:
        lines = [ln for ln in range(b.first, b.last + 1) if ln in code_lines]
        if lines and not any(ln in kept_lines for ln in lines):
            out.update(lines)
    return out
