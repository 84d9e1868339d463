"""Helpers shared by the token-level passes."""

from __future__ import annotations

from ..ctok import Tokens


def code_ids(toks: Tokens, names) -> list[int]:
    """Indices of identifier tokens spelled as one of ``names`` that are real
    code (outside directives or in a ``#define`` body) and not member names."""
    ctx = toks.code_context()
    out = []
    for i, t in enumerate(toks.toks):
        if t.kind == "id" and t.text in names and ctx[i] and not toks.is_member(i):
            out.append(i)
    return out


def call_parens(toks: Tokens, i: int) -> tuple[int, int] | None:
    """``(`` and matching ``)`` of a call whose name is token ``i``."""
    j = i + 1
    if j < len(toks) and toks[j].text == "(":
        k = toks.match.get(j)
        if k is not None:
            return j, k
    return None


def call_args(toks: Tokens, i: int) -> list[tuple[int, int]] | None:
    """Token ranges of the arguments of the call named by token ``i``."""
    p = call_parens(toks, i)
    if p is None:
        return None
    lp, rp = p
    if rp == lp + 1:
        return []
    return toks.split_commas(lp + 1, rp)


def included_headers(toks: Tokens) -> list[tuple[str, object]]:
    """(header name, directive) for every ``#include``."""
    out = []
    for d in toks.directives:
        if d.name != "include":
            continue
        line = toks.text[d.start:d.end]
        body = line.split("include", 1)[1].strip()
        if body[:1] in "<\"":
            close = ">" if body[0] == "<" else '"'
            end = body.find(close, 1)
            if end > 0:
                out.append((body[1:end], d))
    return out


def is_declarator(toks: Tokens, i: int) -> bool:
    """Token ``i`` looks like the name being declared (``int expf;``,
    ``float *sqrtf,``): after a type word or ``*`` and before ``; , [ : = )``."""
    if i == 0 or i + 1 >= len(toks):
        return False
    prev, nxt = toks[i - 1], toks[i + 1].text
    return (prev.kind == "id" or prev.text == "*") and nxt in (";", ",", "[", ":", "=", ")")
