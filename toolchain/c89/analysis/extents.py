"""Token extents: where an expression ends, where a declarator's initializer
starts, where each function body is."""

from __future__ import annotations

_CLOSERS = {")", "]", "}"}
_OPENERS = {"(", "[", "{"}


def expr_end(toks, i: int) -> int:
    """Index one past the last token of an assignment-expression starting at
    token ``i``: stops at a depth-0 ``,`` ``;`` or an unmatched closer."""
    depth = 0
    j = i
    n = len(toks)
    while j < n:
        t = toks[j]
        if t.pp >= 0:
            j += 1
            continue
        if t.text in _OPENERS:
            depth += 1
        elif t.text in _CLOSERS:
            if depth == 0:
                return j
            depth -= 1
        elif depth == 0 and t.text in (",", ";"):
            return j
        j += 1
    return j


def init_equals(toks, i: int) -> int | None:
    """Token of the ``=`` after the declarator whose name is token ``i``
    (its array bounds and parameter lists skipped); ``len(toks)`` when the
    text ends first, None when a ``;``, ``,`` or ``{`` comes first."""
    j = i + 1
    while j < len(toks) and toks[j].text != "=":
        if toks[j].text in ("[", "(") and j in toks.match:
            j = toks.match[j]
        elif toks[j].text in (";", ",", "{"):
            return None
        j += 1
    return j


def func_ranges(unit) -> list:
    """(token of ``{``, token of ``}``, FuncDef) for every function body."""
    out = []
    for fd in unit.func_defs():
        lb = unit.text_tok(fd.body, "{")
        if lb is None:
            continue
        rb = unit.toks.match.get(lb)
        if rb is not None:
            out.append((lb, rb, fd))
    return out
