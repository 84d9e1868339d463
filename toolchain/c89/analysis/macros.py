"""Function-like macros of a text: their definitions, their calls, and
token lists of their bodies (read from the tokens, without preprocessing).

:func:`definitions` gives each ``#define NAME(params)`` of the text;
:func:`calls` the calls of one name, in code and in ``#define`` bodies,
with their arguments split at top-level commas; the list helpers
(:func:`close`, :func:`opening`, :func:`split`, :func:`join`) work on a
body as a list of token spellings; :func:`literal_type` tells the C type
of an argument that is a constant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..ctok import Directive, Tokens

_INT_LIT = re.compile(r"^(?:0[xX][0-9a-fA-F]+|[0-9]+)([uUlL]*)$")
_FLOAT_LIT = re.compile(r"^(?:[0-9]*\.[0-9]*(?:[eE][+-]?[0-9]+)?|[0-9]+[eE][+-]?[0-9]+)[fFlL]?$")
_PAIRS = {"(": ")", "[": "]", "{": "}"}
_NO_SPACE_BEFORE = (",", ";", ")", "]")
_KEYWORDS_BEFORE_PAREN = ("if", "while", "for", "switch", "return", "sizeof")


@dataclass
class Macro:
    """One function-like ``#define``."""
    name: str
    d: Directive
    name_index: int             # token index of its name
    params: list[str]           # the named parameters
    variadic: bool              # ``...`` ends the parameters
    body: list[str]             # the replacement list, as token spellings


def definitions(toks: Tokens) -> list[Macro]:
    """The function-like ``#define``s of the text, in order."""
    out = []
    n = len(toks)
    for d in toks.directives:
        if d.name != "define":
            continue
        k = d.hash_index + 2
        if k + 1 >= n or toks[k].pp != d.hash_index or toks[k + 1].pp != d.hash_index:
            continue
        lp = k + 1
        if toks[lp].text != "(" or toks[lp].start != toks[k].end:
            continue
        j = lp + 1
        params, variadic = [], False
        while j < n and toks[j].pp == d.hash_index and toks[j].text != ")":
            if toks[j].text == "...":
                variadic = True
            elif toks[j].kind == "id":
                params.append(toks[j].text)
            j += 1
        if j >= n or toks[j].pp != d.hash_index:
            continue
        body = []
        j += 1
        while j < n and toks[j].pp == d.hash_index:
            body.append(toks[j].text)
            j += 1
        out.append(Macro(toks[k].text, d, k, params, variadic, body))
    return out


def directive_kinds(toks: Tokens) -> dict[int, str]:
    """Index of each directive's ``#`` -> its name (computed once per token
    list; do not change it)."""
    got = toks.__dict__.get("_directive_kinds")
    if got is None:
        got = toks.__dict__["_directive_kinds"] = {d.hash_index: d.name
                                                   for d in toks.directives}
    return got


def calls(toks: Tokens, name: str):
    """(index of the name, index of the ``)``, arguments) of each call of
    ``name``, in code and in ``#define`` bodies; an argument is a list of
    (kind, spelling, index) of its tokens."""
    kinds = directive_kinds(toks)
    for i in toks.id_index.get(name, ()):
        t = toks[i]
        if t.pp >= 0 and (kinds.get(t.pp) != "define" or toks[t.pp + 2] is t):
            continue        # in another directive, or the name a #define defines
        if toks.is_member(i) or i + 1 >= len(toks) or toks[i + 1].text != "(":
            continue
        got = arguments(toks, i)
        if got is not None:
            yield i, got[0], got[1]


def arguments(toks: Tokens, i: int):
    """(index of the ``)``, the arguments) of the call named by token ``i``,
    or None when it does not end (in its ``#define`` body)."""
    pp = toks[i].pp
    k, depth, args, cur = i + 1, 0, [], []
    while k < len(toks):
        s = toks[k]
        if s.pp != pp:
            if pp >= 0:
                return None       # a #define body ends before the call does
            k += 1                # a directive among the call's arguments
            continue
        if s.text in _PAIRS:
            depth += 1
            if depth == 1:
                k += 1
                continue
        elif s.text in (")", "]", "}"):
            depth -= 1
            if depth == 0:
                args.append(cur)
                return k, args
        elif s.text == "," and depth == 1:
            args.append(cur)
            cur = []
            k += 1
            continue
        cur.append((s.kind, s.text, k))
        k += 1
    return None


# -- bodies as lists of spellings ---------------------------------------------

def close(body: list[str], i: int) -> int | None:
    """Index of the bracket closing the one at ``i``."""
    opening, closing = body[i], _PAIRS[body[i]]
    depth = 0
    for k in range(i, len(body)):
        if body[k] == opening:
            depth += 1
        elif body[k] == closing:
            depth -= 1
            if depth == 0:
                return k
    return None


def opening(body: list[str], i: int) -> int | None:
    """Index of the ``(`` of the innermost parentheses holding ``i`` (None
    when that is a ``[`` or ``{``, or nothing)."""
    depth = 0
    for k in range(i - 1, -1, -1):
        if body[k] in (")", "]", "}"):
            depth += 1
        elif body[k] in _PAIRS:
            if depth == 0:
                return k if body[k] == "(" else None
            depth -= 1
    return None


def split(body: list[str], lo: int, hi: int) -> list[list[str]]:
    """The comma-separated parts of ``body[lo:hi]``."""
    parts, depth, cur = [], 0, []
    for t in body[lo:hi]:
        if t in _PAIRS:
            depth += 1
        elif t in (")", "]", "}"):
            depth -= 1
        elif t == "," and depth == 0:
            parts.append(cur)
            cur = []
            continue
        cur.append(t)
    parts.append(cur)
    return parts


def join(body: list[str]) -> str:
    """Spellings as C text: one space between tokens, none where C style
    puts none (before ``,;)]``, after ``([``, between a called name and
    its ``(``)."""
    out: list[str] = []
    prev = ""
    for t in body:
        if out and t not in _NO_SPACE_BEFORE and prev not in ("(", "[") and not (
                t == "(" and prev.isidentifier() and prev not in _KEYWORDS_BEFORE_PAREN):
            out.append(" ")
        out.append(t)
        prev = t
    return "".join(out)


# -- argument types -------------------------------------------------------------

_SUFFIX_TYPES = {"": "int", "u": "unsigned", "l": "long", "ul": "unsigned long",
                 "lu": "unsigned long"}
# (narrower, wider): arguments of both types fit a parameter of the wider
_WIDER = [("int", "long"), ("unsigned", "unsigned long"), ("int", "unsigned"),
          ("float", "double"), ("char *", "const char *")]


def literal_type(arg: list[tuple[str, str]]) -> str | None:
    """The C type of an argument made of constants ((kind, spelling) of
    its tokens): string literals ``const char *``, an integer constant by
    its suffix, a character constant ``int``, a floating one by its
    suffix; None for anything else (a name, an expression, a 0 that may be
    a null pointer)."""
    kinds = [k for k, _ in arg]
    texts = [t for _, t in arg]
    if kinds and all(k == "str" for k in kinds):
        return "const char *"
    if len(arg) == 2 and texts[0] in ("-", "+") and kinds[1] == "num":
        return literal_type(arg[1:])
    if len(arg) == 1 and kinds[0] == "chr":
        return "int"
    if len(arg) == 1 and kinds[0] == "num":
        m = _INT_LIT.match(texts[0])
        if m:
            return _SUFFIX_TYPES.get(m.group(1).lower())
        if _FLOAT_LIT.match(texts[0]):
            return {"f": "float", "l": "long double"}.get(texts[0][-1].lower(), "double")
    return None


def merge_types(a: str | None, b: str) -> str:
    """The type a parameter needs for arguments of types ``a`` and ``b``
    (ValueError when none fits both)."""
    if a is None or a == b:
        return b
    for x, y in _WIDER:
        if {a, b} == {x, y}:
            return y
    raise ValueError(f"its arguments have different types ({a}, {b})")
