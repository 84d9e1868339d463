"""``<stdint.h>``/``<inttypes.h>``/``<stdbool.h>`` names -> compat names.

``int8_t`` ... ``uint64_t``, ``intptr_t``, ``uintptr_t``, ``intmax_t``,
``uintmax_t`` and POSIX ``ssize_t`` -> ``c89_`` typedefs; the limit macros
(``INT32_MAX``, ``UINT64_MAX``, ``SIZE_MAX``, ...) and ``PRId64``-style
format macros -> ``C89_`` macros, ``INT32_C(n)``/``UINT8_C(n)`` ... too (the
compat header gives them the suffix of its typedefs' widths);
``INT64_C(n)``/``UINT64_C(n)`` -> the 64-bit literal forms.  With
``<stdbool.h>`` included (by the file or by any header it includes),
``bool``/``true``/``false``
-> ``c89_bool``/``1``/``0`` (``_Bool`` always): note that conversion to
``c89_bool`` does not normalise to 0/1.  ``true``/``false`` in a file that
neither includes <stdbool.h> nor declares them (a table another file
includes) -> ``1``/``0`` too.  ``size_t`` stays.  The include
lines themselves are removed by the compat_include pass.

A type name given to a macro that pastes it into a name
(``#define MIN_MAX(T) T min_ ## T(T a, T b)`` called as
``MIN_MAX(uint32_t)``) forms ``min_c89_uint32_t`` once renamed: the
identifiers spelled as the old paste (``min_uint32_t``) are renamed with
it, in the text that calls the macro and in the files that include it (the
headers the preprocessor reads for a text are searched for such macros and
calls when the text names an identifier that holds a type name and more).
"""

from __future__ import annotations

import functools
import os
import re

from .. import semantics
from ..analysis import macros
from ..analysis.literals import literal_64
from ..analysis.names import call_parens, code_ids, included_headers, is_declarator
from ..ctok import Tokens
from ..frontend.preprocess import ANALYSIS_INCLUDE, FAKE_LIBC
from .base import PassOutput, PassSpec

NAME = "stdint"

TYPES = {n: "c89_" + n for n in (
    "int8_t", "int16_t", "int32_t", "int64_t", "uint8_t", "uint16_t", "uint32_t", "uint64_t",
    "intptr_t", "uintptr_t", "intmax_t", "uintmax_t", "ssize_t")}
MACROS = {n: "C89_" + n for n in (
    "INT8_MIN", "INT8_MAX", "UINT8_MAX", "INT16_MIN", "INT16_MAX", "UINT16_MAX",
    "INT32_MIN", "INT32_MAX", "UINT32_MAX", "INT64_MIN", "INT64_MAX", "UINT64_MAX",
    "SIZE_MAX", "INT8_C", "UINT8_C", "INT16_C", "UINT16_C", "INT32_C", "UINT32_C")}
for _c in "diuxXo":
    MACROS["PRI" + _c + "64"] = "C89_PRI" + _c + "64"
    MACROS["PRI" + _c + "32"] = "C89_PRI" + _c + "32"
for _c in "diuxo":
    MACROS["SCN" + _c + "64"] = "C89_SCN" + _c + "64"
BOOL = {"bool": "c89_bool", "true": "1", "false": "0"}
_WORD = re.compile(r"[A-Za-z_]\w*")
_TYPE_NAMES = "|".join(sorted(TYPES, key=len, reverse=True))
_TYPE_IN = re.compile(_TYPE_NAMES)
# the analysis' own headers: no project macros there
_NOT_PROJECT = tuple(d for d in (FAKE_LIBC, ANALYSIS_INCLUDE) if d)


def run(text: str, ctx) -> PassOutput:
    unit = ctx.unit(text)
    toks = unit.toks
    out = PassOutput.of(NAME, text, unit)
    edits = out.edits
    user = semantics.of(unit, ast=False).user_names
    # bool/true/false are <stdbool.h>'s when the unit includes it, directly
    # or through any header (the preprocessor's line markers name it)
    has_bool = any(h == "stdbool.h" for h, _ in included_headers(toks)) \
        or any(os.path.basename(f) == "stdbool.h" for f in unit.pp_files)
    names = set(TYPES) | set(MACROS) | {"INT64_C", "UINT64_C", "_Bool"}
    if has_bool:
        names |= set(BOOL)
    else:
        names |= _undeclared_values(unit, user, semantics.of(unit, ast=False).file.names)
    bool_noted = False
    pasted = _pasted_names(toks, user)
    if _may_be_pasted(toks):
        for f in sorted(unit.pp_files):
            if f != unit.path and not f.startswith(_NOT_PROJECT):
                got = _header_tokens(f)
                if got is not None:
                    pasted.update(_pasted_names(got, user))
    for i in code_ids(toks, pasted):
        edits.replace(toks[i].start, toks[i].end, pasted[toks[i].text], NAME)
    for i in code_ids(toks, names):
        t = toks[i]
        if t.text in user or is_declarator(toks, i):
            continue
        if t.text in ("INT64_C", "UINT64_C"):
            p = call_parens(toks, i)
            neg = p is not None and p[1] == p[0] + 3 and toks[p[0] + 1].text == "-"
            if p and (p[1] == p[0] + 2 or neg) and toks[p[1] - 1].kind == "num":
                new = literal_64(toks[p[1] - 1].text, "U" if t.text[0] == "U" else "I")
                if new:
                    edits.replace(t.start, toks[p[1]].end, f"(-{new})" if neg else new, NAME)
                    continue
            out.diag(t, "warning", f"cannot rewrite {t.text}(...)")
            continue
        new = TYPES.get(t.text) or MACROS.get(t.text) or BOOL.get(t.text) \
            or ("c89_bool" if t.text == "_Bool" else None)
        if new:
            edits.replace(t.start, t.end, new, NAME)
            if new == "c89_bool" and not bool_noted:
                bool_noted = True
                out.diag(t, "note", "bool is now an int typedef: conversions to it no "
                                    "longer normalise to 0/1")
    return out


def _may_be_pasted(toks) -> bool:
    """Whether the text names an identifier that holds a type name and more
    (a name a paste may form)."""
    return any("_t" in name and name not in TYPES and _TYPE_IN.search(name)
               for name in toks.id_index)


@functools.lru_cache(maxsize=256)
def _read_tokens(path: str, stamp: tuple[int, int]) -> Tokens | None:
    try:
        with open(path, encoding="latin-1", newline="") as f:
            text = f.read()
    except OSError:
        return None
    return Tokens(text) if "##" in text else None


def _header_tokens(path: str) -> Tokens | None:
    """The tokens of a header the preprocessor read, as the file is on disk
    (None: unreadable, or no ``##`` in it)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return _read_tokens(path, (st.st_mtime_ns, st.st_size))


def _pasted_names(toks, user) -> dict[str, str]:
    """Old spelling -> new spelling of each name a macro of the text forms by
    pasting (``##``) a parameter whose argument, in a call in the text, is a
    renamed type name.  The other side of the paste must be a fixed spelling
    (not another parameter) for the formed name to be known."""
    if "##" not in toks.text:
        return {}
    out: dict[str, str] = {}
    for m in macros.definitions(toks):
        body = m.body
        pieces = []     # (parameter index, prefix, suffix)
        for k, word in enumerate(body):
            if word not in m.params:
                continue
            pre = body[k - 2] if k >= 2 and body[k - 1] == "##" else ""
            post = body[k + 2] if k + 2 < len(body) and body[k + 1] == "##" else ""
            if not (pre or post) or pre in m.params or post in m.params \
                    or not all(_WORD.fullmatch(x) for x in (pre, post) if x):
                continue
            pieces.append((m.params.index(word), pre, post))
        if not pieces:
            continue
        for _, _, args in macros.calls(toks, m.name):
            for p, pre, post in pieces:
                arg = args[p] if p < len(args) else []
                if len(arg) != 1 or arg[0][1] not in TYPES or arg[0][1] in user:
                    continue
                old = arg[0][1]
                out[pre + old + post] = pre + TYPES[old] + post
    return out


def _undeclared_values(unit, user, declared) -> set[str]:
    """``true``/``false`` used in a file that neither declares nor defines
    them (a table #included by a file that includes <stdbool.h>): in C89
    they can only be <stdbool.h>'s 1 and 0, and the includer loses that
    include.  A name the preprocessor replaces (a macro of some header)
    is not taken."""
    toks = unit.toks
    out = set()
    for name in ("true", "false"):
        uses = [i for i in code_ids(toks, (name,)) if toks[i].pp < 0]
        if not uses or name in user or name in declared or any(
                d.name in ("define", "undef") and d.hash_index + 2 < len(toks)
                and toks[d.hash_index + 2].text == name for d in toks.directives):
            continue
        line = unit.pp_lines.get(toks[uses[0]].line)
        if line is not None and name in _WORD.findall(line):
            out.add(name)
    return out


SPEC = PassSpec(NAME, "round", run)
