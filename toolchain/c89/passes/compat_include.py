"""Insert ``#include "c89compat.h"`` once when the text uses compat names.

The include goes after the last top-level ``#include`` that is not inside an
``#if`` block or braces (at the top when there is none).  When the compat header is (or
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
    # last include at top level (not inside any #if, nor inside braces: a
    # .c fragment included in a function body)
    conds = conditionals.structure(toks)
    anchor = None
    depth, k = 0, 0
    for d in toks.directives:
        while k < d.hash_index:
            t = toks[k]
            if t.pp < 0 and t.text in ("{", "}"):
                depth += 1 if t.text == "{" else -1
            k += 1
        if d.name == "include" and depth == 0 and not conds.enclosing(d):
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


# reads tokens only: runs on the result of each round
SPEC = PassSpec(NAME, "after", run, needed=needed)
