"""C99 and C11 features found in the tokens of a text, without an AST.

:func:`scan` finds what has no C89 form at all (C11 keywords, hexadecimal
floats, variadic macros, headers and math functions C89 lacks);
:func:`construct_at` names the C99 constructs that only an AST-level pass
converts (``for (int``, designators, compound literals, ``__func__``),
which cannot be converted where the AST does not see them: in a macro body
or in code the preprocessor drops.  The unsupported and inactive passes
report them, and the command line explains a parse failure with
:func:`scan`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..ctok import Tok, Tokens
from .libc import C99_ONLY
from .names import included_headers

KEYWORDS = {
    "_Complex": "complex types have no C89 equivalent; use a struct of two doubles",
    "_Imaginary": "imaginary types have no C89 equivalent",
    "_Generic": "_Generic (C11) has no C89 equivalent; call the type-specific function",
    "_Static_assert": "_Static_assert (C11): use a typedef of a char array whose size is "
                      "negative when the condition fails",
    "_Alignas": "_Alignas (C11) has no C89 equivalent",
    "_Alignof": "_Alignof (C11) has no C89 equivalent",
    "_Atomic": "_Atomic (C11) has no C89 equivalent",
    "_Thread_local": "_Thread_local (C11) has no C89 equivalent",
    "_Noreturn": "_Noreturn (C11): remove it (or use a compiler-specific attribute)",
}
HEADERS = ("complex.h", "tgmath.h", "stdatomic.h", "threads.h", "stdalign.h", "stdnoreturn.h",
           "fenv.h")
_HEXFLOAT = re.compile(r"^0[xX][0-9a-fA-F]*\.?[0-9a-fA-F]*[pP][+-]?[0-9]+[fFlL]?$")
_TYPE_WORDS = {"int", "char", "short", "long", "unsigned", "signed", "float", "double",
               "struct", "union", "enum", "const", "_Bool", "bool", "size_t", "volatile"}


@dataclass(frozen=True)
class Finding:
    tok: Tok
    severity: str
    message: str
    what: str = ""      # "variadic": a variadic macro (the variadic pass converts active ones)


def scan(toks: Tokens, user_names=frozenset()) -> list[Finding]:
    """What has no C89 form: keywords, literals, macros, headers, calls (a
    function the program defines itself, in ``user_names``, is its own)."""
    out: list[Finding] = []
    ctx = toks.code_context()
    for h, d in included_headers(toks):
        if h in HEADERS:
            out.append(Finding(toks[d.hash_index], "error",
                               f"<{h}> is not part of C89 and has no replacement"))
    for d in toks.directives:
        if d.name != "define":
            continue
        k = d.hash_index + 3
        if k < len(toks) and toks[k - 1].pp == d.hash_index and toks[k].text == "(" \
                and toks[k].start == toks[k - 1].end:
            j = k
            while j < len(toks) and toks[j].pp == d.hash_index and toks[j].text != ")":
                if toks[j].text == "...":
                    out.append(Finding(toks[j], "error",
                                       f"variadic macro '{toks[k - 1].text}' is C99 only: use "
                                       "a function with stdarg.h, or a fixed argument count",
                                       "variadic"))
                    break
                j += 1
    for i, t in enumerate(toks.toks):
        if t.kind == "num" and _HEXFLOAT.match(t.text) and (ctx[i] or t.pp < 0):
            value = float.fromhex(t.text.rstrip("fFlL"))
            out.append(Finding(t, "error", f"hexadecimal floating constant '{t.text}' is C99 "
                                           f"only: write it in decimal ({value!r})"))
        elif t.kind == "id" and ctx[i] and not toks.is_member(i):
            if t.text in KEYWORDS:
                out.append(Finding(t, "error", KEYWORDS[t.text]))
            elif t.text in C99_ONLY and t.text not in user_names and i + 1 < len(toks) \
                    and toks[i + 1].text == "(":
                out.append(Finding(t, "error", C99_ONLY[t.text]))
    return out


def construct_at(toks: Tokens, i: int, type_names) -> str | None:
    """The C99 construct starting at token ``i`` that only an AST-level pass
    converts, or None; ``type_names``: the typedef names in scope."""
    t = toks[i]
    nxt = toks[i + 1] if i + 1 < len(toks) else None
    if t.text == "for" and nxt is not None and nxt.text == "(" and i + 2 < len(toks):
        k = toks[i + 2]
        if k.text in _TYPE_WORDS or k.text in type_names:
            return "a declaration in a for-loop header"
    if t.text in ("{", ",") and nxt is not None and i + 3 < len(toks):
        if nxt.text == "." and toks[i + 2].kind == "id" and toks[i + 3].text == "=":
            return "a designated initializer"
    if t.text == "__func__":
        return "'__func__'"
    if t.text == ")" and nxt is not None and nxt.text == "{":
        m = toks.match.get(i)
        if m is not None and m + 1 < i and (toks[m + 1].text in _TYPE_WORDS
                                            or toks[m + 1].text in type_names) \
                and (m == 0 or toks[m - 1].kind != "id"):
            return "a compound literal"
    return None


def in_macro_bodies(toks: Tokens, type_names) -> list[Finding]:
    """C99 constructs inside ``#define`` bodies (never parsed where written);
    ``__func__`` is the keywords pass's to report."""
    out = []
    ctx = toks.code_context()
    for i, t in enumerate(toks.toks):
        if t.pp < 0 or not ctx[i] or t.text == "__func__":
            continue
        what = construct_at(toks, i, type_names)
        if what:
            out.append(Finding(t, "warning", f"{what} in a macro body: not converted; "
                                             "rewrite the macro by hand"))
    return out


def findings(unit, user_names, type_names) -> list[Finding]:
    """``scan`` and ``in_macro_bodies`` of a unit's tokens (once per unit:
    the unsupported and inactive passes both read them)."""
    got = unit.__dict__.get("_c99_findings")
    if got is None:
        toks = unit.toks
        got = unit.__dict__["_c99_findings"] = scan(toks, user_names) + \
            in_macro_bodies(toks, type_names)
    return got


TRIGRAPHS = {"=": "#", "/": "\\", "'": "^", "(": "[", ")": "]", "!": "|", "<": "{", ">": "}",
             "-": "~"}
_TRIGRAPH = re.compile(r"\?\?[=/'()!<>-]")


def trigraphs(text: str) -> list[tuple[int, str]]:
    """(offset, message) of every trigraph: a C89 compiler replaces them
    everywhere, in strings and comments too, where C99 code built as GNU C
    kept the characters."""
    if "??" not in text:
        return []
    out = []
    for m in _TRIGRAPH.finditer(text):
        tri = m.group()
        what = TRIGRAPHS[tri[2]]
        tail = " (at the end of a line it joins the next one)" if tri == "??/" else ""
        out.append((m.start(), f"trigraph '{tri}' is read as '{what}' by a C89 compiler"
                               f"{tail}: in a string or character constant write "
                               f"'?\\?{tri[2]}' to keep the characters"))
    return out
