"""Insert ``#include "c89compat.h"`` once when the text uses compat names.

The include goes after the last top-level ``#include`` that is not inside an
``#if`` block nor inside braces or parentheses, before the first use of a compat
name (at the top when there is none).  When the compat header is (or
becomes) included, ``#include <stdint.h>``, ``<inttypes.h>`` and
``<stdbool.h>`` lines are removed (a comment on the line stays); in a
header they stay for C99 compilers instead, under ``STDC_GUARD``, so that
C99 clients of the header still find ``uint32_t``, ``bool`` and ``true``.
Running it again changes nothing.
"""

from __future__ import annotations

import re

from ..analysis import conditionals
from ..analysis.names import included_headers
from .base import PassOutput, PassSpec

NAME = "compat_include"
REMOVED = ("stdint.h", "inttypes.h", "stdbool.h")
# what a header's standard includes stay under, for its C99 clients
STDC_GUARD = "#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 199901L"


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
    conds = conditionals.structure(toks)
    line = f'#include "{header}"'
    if _is_header(ctx.path):
        return _header(toks, conds, removable, has, line, out)
    removed = set()
    for d in removable:
        removed.add(d.hash_index)
        if has:
            _drop(toks, d, edits)
    if has:
        return out
    anchor = _anchor(toks, conds)
    for d in removable:
        if d is not anchor:
            _drop(toks, d, edits)
    if anchor is not None and anchor.hash_index in removed:
        _drop(toks, anchor, edits, line)
    else:
        _insert_line(edits, text, anchor, line)
    return out


def _insert_line(edits, text: str, anchor, line: str) -> None:
    """Insert ``line`` after the directive ``anchor`` (None: at the top)."""
    if anchor is None:
        edits.insert(0, line + "\n", NAME)
    elif anchor.end >= len(text):
        edits.insert(len(text), "\n" + line + "\n", NAME)
    else:
        edits.insert(anchor.end + 1, line + "\n", NAME)


def _anchor(toks, conds):
    """The last #include at file scope before the first use of a compat name in
    code, or None: not inside any #if, nor inside braces or parentheses (a table
    included into an initializer, ``#include "base.data"`` after ``= {``)."""
    codectx = toks.code_context()
    first_use = min((i for name, where in toks.id_index.items() if name[:4].lower() == "c89_"
                     for i in where if codectx[i]), default=len(toks.toks))
    anchor, depth, i = None, 0, 0
    for d in toks.directives:
        if d.hash_index > first_use:
            break
        for t in toks.toks[i:d.hash_index]:
            if t.pp < 0 and t.kind == "punct":
                depth += (t.text in ("{", "(")) - (t.text in ("}", ")"))
        i = d.hash_index
        if d.name == "include" and depth == 0 and not conds.enclosing(d):
            anchor = d
    return anchor


def _is_header(path: str) -> bool:
    return path.lower().endswith((".h", ".hh", ".hpp", ".hxx", ".inc"))


def _header(toks, conds, removable, has, line, out) -> PassOutput:
    """A header's clients may be C99 code using the standard names of its
    API (``uint32_t``, ``bool``, ``true``): its ``<stdint.h>``/``<stdbool.h>``
    includes stay for C99 compilers, under ``STDC_GUARD``, instead of being
    removed (one already in a branch testing ``__STDC_VERSION__`` is left
    as it is)."""
    edits = out.edits
    todo = [d for d in removable
            if not any(b.version for b in conds.branches_at(d.line))]
    runs: list[list] = []
    for d in todo:
        if runs and runs[-1][-1].end + 1 == d.start:
            runs[-1].append(d)
        else:
            runs.append([d])
    anchor = None if has else _anchor(toks, conds)
    for run_ in runs:
        edits.insert(run_[0].start, STDC_GUARD + "\n", NAME)
        end = run_[-1].end
        close = "#endif\n" if end < len(toks.text) else "\n#endif\n"
        edits.insert(min(end + 1, len(toks.text)), close, NAME)
        if anchor is not None and any(d is anchor for d in run_):
            edits.insert(min(end + 1, len(toks.text)), line + "\n", NAME)
            anchor = None
            has = True
    if has:
        return out
    _insert_line(edits, toks.text, anchor, line)
    return out


# reads tokens only: runs on the result of each round
SPEC = PassSpec(NAME, "after", run, needed=needed)


def _drop(toks, d, edits, instead: str = "") -> None:
    """Delete the directive ``d`` (its line), or put ``instead`` in its
    place; a comment after it on its line stays (``#include <stdint.h>
    /* for uint32_t */`` says why the file needs those names)."""
    text = toks.text
    last = d.hash_index
    while last + 1 < len(toks.toks) and toks[last + 1].pp == d.hash_index:
        last += 1
    after = toks.comments_in(toks[last].end, d.end)
    if after:
        edits.replace(d.start, after[0][0], instead + " " if instead else "", NAME)
    elif instead:
        edits.replace(d.start, d.end, instead, NAME)
    else:
        edits.delete(d.start, min(d.end + 1, len(text)), NAME)
