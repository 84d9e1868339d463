"""Name tables: which identifiers are code, calls and their arguments,
the headers a text includes, the names the program defines itself."""

from __future__ import annotations

from ..ctok import Tokens


def code_ids(toks: Tokens, names) -> list[int]:
    """Indices of identifier tokens spelled as one of ``names`` that are real
    code (outside directives or in a ``#define`` body) and not member names."""
    index = toks.id_index
    hits = [i for name in names for i in index.get(name, ())]
    if not hits:
        return hits
    ctx = toks.code_context()
    return [i for i in sorted(set(hits)) if ctx[i] and not toks.is_member(i)]


class FreshNames:
    """New identifiers ``<prefix>1``, ``<prefix>2``, ...: each one spelled by
    no identifier token of the text and not given out before."""

    def __init__(self, toks: Tokens, prefix: str):
        self.toks = toks
        self.prefix = prefix
        self.counter = 0
        self.given: set[str] = set()

    def new(self) -> str:
        while True:
            self.counter += 1
            name = f"{self.prefix}{self.counter}"
            if name not in self.given and name not in self.toks.id_index:
                self.given.add(name)
                return name


def call_parens(toks: Tokens, i: int) -> tuple[int, int] | None:
    """``(`` and matching ``)`` of a call whose name is token ``i``."""
    j = i + 1
    if j < len(toks) and toks[j].text == "(":
        k = toks.match.get(j)
        if k is not None:
            return j, k
        pp = toks[j].pp
        if pp >= 0:  # inside a directive (a #define body): match by hand
            depth = 0
            k = j
            while k < len(toks) and toks[k].pp == pp:
                if toks[k].text == "(":
                    depth += 1
                elif toks[k].text == ")":
                    depth -= 1
                    if depth == 0:
                        return j, k
                k += 1
    return None


def call_args(toks: Tokens, i: int) -> list[tuple[int, int]] | None:
    """Token ranges of the arguments of the call named by token ``i``."""
    p = call_parens(toks, i)
    if p is None:
        return None
    lp, rp = p
    if rp == lp + 1:
        return []
    if toks[lp].pp < 0:
        return toks.split_commas(lp + 1, rp)
    parts, depth, a = [], 0, lp + 1  # a #define body: its tokens are all "pp"
    for k in range(lp + 1, rp):
        t = toks[k].text
        if t in ("(", "[", "{"):
            depth += 1
        elif t in (")", "]", "}"):
            depth -= 1
        elif t == "," and depth == 0:
            parts.append((a, k))
            a = k + 1
    parts.append((a, rp))
    return parts


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


# words that end a statement's keyword, not a type: "return true;" has no declarator
_NOT_TYPE_WORDS = frozenset("return case goto sizeof else do break continue default".split())


def is_declarator(toks: Tokens, i: int) -> bool:
    """Token ``i`` looks like the name being declared (``int expf;``,
    ``float *sqrtf,``): after a type word or ``*`` and before ``; , [ : = )``."""
    if i == 0 or i + 1 >= len(toks):
        return False
    prev, nxt = toks[i - 1], toks[i + 1].text
    return ((prev.kind == "id" and prev.text not in _NOT_TYPE_WORDS) or prev.text == "*") \
        and nxt in (";", ",", "[", ":", "=", ")")
