"""Where an AST node's text is: in the file as written, inside a macro
expansion, or unknown.

The preprocessed line of a node is aligned token by token with the line as
written (difflib, on the token spellings); a token of the expansion that
lines up with a written token is that token ("text"), one that does not is
written by the macro invocation anchored there ("macro").  Passes edit only
what is "text"; a "macro" answer names the invocation, so a pass can say
which macro would have to change.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from difflib import SequenceMatcher

from ..ctok import Tok

TEXT, MACRO, UNKNOWN = "text", "macro", "unknown"


@dataclass(frozen=True, slots=True)
class LineMap:
    """How a preprocessed line lines up with the line as written."""
    exact: bool                 # the same tokens
    ptoks: list[Tok]            # the preprocessed line's tokens
    same: dict[int, int]        # preprocessed token -> the written token it is
    anchors: dict[int, int]     # preprocessed token -> written token of the invocation
    replaced: set[int]          # written tokens the expansion replaced


class Origins:
    """The origins of one unit's AST nodes (line maps made on first need)."""

    def __init__(self, unit):
        self.u = weakref.proxy(unit)   # the unit keeps this object: no cycle
        self.toks = unit.toks
        self._maps: dict[int, LineMap | None] = {}

    def line_map(self, line: int) -> LineMap | None:
        """How preprocessed line ``line`` lines up with the written line, or
        None when the preprocessor wrote nothing for it."""
        if line in self._maps:
            return self._maps[line]
        pp = self.u.pp_tokens(line)
        res = None
        if pp is not None:
            toks = self.toks
            orig = [i for i in toks.by_line.get(line, []) if toks[i].pp < 0]
            ptoks = pp.toks
            a = [toks[i].text for i in orig]
            b = [t.text for t in ptoks]
            same: dict[int, int] = {}
            anchors: dict[int, int] = {}
            replaced: set[int] = set()
            if a == b:
                same = dict(enumerate(orig))
            else:
                ops = SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
                for tag, i1, i2, j1, j2 in ops:
                    if tag == "equal":
                        same.update((j1 + d, orig[i1 + d]) for d in range(i2 - i1))
                    else:
                        replaced.update(orig[i1:i2])
                rep = sorted(replaced)
                for tag, i1, i2, j1, j2 in ops:
                    if tag == "equal" or j2 == j1:
                        continue
                    if i2 > i1:
                        anchor = orig[i1]
                    else:  # tokens only the expansion has: the nearest replaced token
                        before = [x for x in rep if i1 >= len(orig) or x < orig[i1]]
                        anchor = before[-1] if before else rep[0] if rep else \
                            orig[min(i1, len(orig) - 1)] if orig else None
                    if anchor is not None:
                        anchors.update((j, anchor) for j in range(j1, j2))
            res = LineMap(a == b, ptoks, same, anchors, replaced)
        self._maps[line] = res
        return res

    def of(self, coord, expect: str | None = None,
           neighbours: bool = False) -> tuple[str, int | None]:
        """(TEXT, token) when ``coord`` is in the text as written, (MACRO,
        token of the invocation) when it is inside a macro expansion,
        (UNKNOWN, None) when that cannot be told.  ``expect``: the spelling
        of the token meant; ``neighbours``: the tokens around it must be
        written too (``DECL(int, v)`` has ``v`` as a macro argument only)."""
        u = self.u
        if coord is None or coord.file != u.path:
            return UNKNOWN, None
        m = self.line_map(coord.line)
        if m is None:
            return UNKNOWN, None
        if m.exact:
            i = u.locate(coord, expect)
            return (TEXT, i) if i is not None else (UNKNOWN, None)
        ptoks = m.ptoks
        col0 = (coord.column or 1) - 1
        k = None
        for j, t in enumerate(ptoks):
            if t.start <= col0:
                k = j
            else:
                break
        if k is None:
            return UNKNOWN, None
        if expect is not None and ptoks[k].text != expect:
            i = u.locate(coord, expect)
            return (TEXT, i) if i is not None else (UNKNOWN, None)
        i = m.same.get(k)
        if i is None:
            a = m.anchors.get(k)
            return (MACRO, a) if a is not None else (UNKNOWN, None)
        if neighbours:
            # the token after must be written too, and so must the one before
            # unless it is a word (a type name written as a macro: ``U32 x``)
            toks = self.toks
            line = toks[i].line
            for d in (-1, 1):
                j = i + d
                if 0 <= j < len(toks) and toks[j].line == line \
                        and toks[j].pp < 0 and m.same.get(k + d) != j \
                        and not (d < 0 and toks[j].kind == "id"):
                    return MACRO, i
        return TEXT, i

    def replaced(self, i: int) -> bool:
        """Is written token ``i`` replaced by a macro expansion (an invocation)?"""
        m = self.line_map(self.toks[i].line)
        return m is not None and i in m.replaced
