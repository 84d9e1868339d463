"""Insert ``#include "c89compat.h"`` once when the text uses compat names.

The include goes after the last top-level ``#include`` that is not inside an
``#if`` block nor inside braces (at the top when there is none).  When the compat header is (or
becomes) included, ``#include <stdint.h>``, ``<inttypes.h>`` and
``<stdbool.h>`` lines are removed.  Running it again changes nothing.
"""

from __future__ import annotations

import re

from ..analysis import conditionals
from ..analysis.names import included_headers
from .base import PassOutput, PassSpec

NAME = "compat_include"
REMOVED = ("stdint.h", "inttypes.h", "stdbool.h")


_USES = re.compile(r"(?i)c89_")


def needed(text: str) -> bool:
    """False when the text neither uses a compat name (c89_/C89_) nor
    includes a header the compat header replaces: run() would do nothing."""
    return any(h in text for h in REMOVED) or _USES.search(text) is not None


def run(text: str, ctx) -> PassOutput:
    toks = ctx.tokens(text)
    out = PassOutput.of(NAME, text, path=ctx.path)
    edits = out.edits
    header = ctx.compat_header
    incs = included_headers(toks)
    has = any(h == header for h, _ in incs)
    codectx = toks.code_context()
    uses = any(codectx[i] for name, where in toks.id_index.items()
               if name[:4].lower() == "c89_" for i in where)
    removable = [d for h, d in incs if h in REMOVED]
    if not (has or uses or removable):
        return out
    removed = set()
    for d in removable:
        end = min(d.end + 1, len(text))
        removed.add(d.hash_index)
        if has:
            edits.delete(d.start, end, NAME)
    if has:
        return out
    # last include at top level (not inside any #if, nor in a function:
    # cmark's utf8.c includes a table in a switch)
    conds = conditionals.structure(toks)
    anchor = None
    outside = _outside_braces(toks)
    for d in toks.directives:
        if d.name == "include" and not conds.enclosing(d) and d.hash_index in outside:
            anchor = d
    line = f'#include "{header}"'
    for d in removable:
        if d is not anchor:
            edits.delete(d.start, min(d.end + 1, len(text)), NAME)
    if anchor is None:
        edits.insert(0, line + "\n", NAME)
    elif anchor.hash_index in removed:
        edits.replace(anchor.start, anchor.end, line, NAME)
    elif anchor.end >= len(text):
        edits.insert(len(text), "\n" + line + "\n", NAME)
    else:
        edits.insert(anchor.end + 1, line + "\n", NAME)
    return out


def _outside_braces(toks) -> set[int]:
    """Token indexes of the directives that are not inside braces."""
    out, depth = set(), 0
    for i, t in enumerate(toks.toks):
        if t.pp == i:
            if depth <= 0:
                out.add(i)
        elif t.pp < 0 and t.kind == "punct":
            if t.text == "{":
                depth += 1
            elif t.text == "}":
                depth -= 1
    return out


# reads tokens only: runs on the result of each round
SPEC = PassSpec(NAME, "after", run, needed=needed)
