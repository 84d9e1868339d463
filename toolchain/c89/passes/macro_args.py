"""Empty macro arguments.

C99 allows an empty argument in a macro call (``F(1, , 2)``; ``G()`` when
``G`` takes one parameter); in C89 it is undefined, and ``gcc -std=c89
-pedantic-errors`` refuses it.  For a call of a function-like macro
defined in the text, in code the preprocessor keeps:

* when each use of the parameter in the body stands where ``0`` means
  what nothing means -- after ``(``, ``,`` or a binary ``+`` (or first)
  and before a ``+`` or ``-`` (``(a + b + c)``: ``1 + + 2`` is ``1 + 0 +
  2``) -- the argument becomes ``0``;
* else it is an error at the call.

Variadic macros are the variadic pass's: their calls become function calls.
"""

from __future__ import annotations

from ..analysis import conditionals, macros
from .base import PassOutput, PassSpec

NAME = "macro_args"


def _zero_is_nothing(m: macros.Macro, param: str) -> bool:
    """Every use of ``param`` in ``m``'s body reads the same with 0 as
    with nothing."""
    body = m.body
    for k, t in enumerate(body):
        if t != param:
            continue
        before = body[k - 1] if k else "("
        after = body[k + 1] if k + 1 < len(body) else ""
        if before not in ("(", ",", "+") or after not in ("+", "-"):
            return False
        if before == "+" and k >= 2 and body[k - 2] in ("(", ",", "+", "-", "*", "/"):
            return False        # a unary + before it: not a sum
    return True


def run(text: str, ctx) -> PassOutput:
    toks = ctx.tokens(text)
    out = PassOutput.of(NAME, text, path=ctx.path)
    seen: set[str] = set()
    unit = None
    for m in macros.definitions(toks):
        if m.variadic or not m.params or m.name in seen:
            continue
        seen.add(m.name)
        for i, close, args in macros.calls(toks, m.name):
            empty = [k for k, a in enumerate(args) if not a]
            if not empty:
                continue
            if conditionals.structure(toks).branches:
                unit = unit or ctx.unit(text)
                if conditionals.state(unit, toks[i].line) != "active":
                    continue
            bad = [k for k in empty if k >= len(m.params) or
                   not _zero_is_nothing(m, m.params[k])]
            if bad:
                which = ", ".join(f"'{m.params[k]}'" for k in bad if k < len(m.params))
                out.diag(toks[i], "error", f"empty argument for {which or 'a parameter'} in "
                                           f"this call of macro '{m.name}': undefined in C89; "
                                           "write the argument out")
                continue
            for k in empty:
                out.edits.insert(_slot_end(toks, i, close, k), "0", NAME)
    return out


def _slot_end(toks, name: int, close: int, k: int) -> int:
    """Offset of the ``,`` or ``)`` ending argument ``k`` (empty) of a call."""
    depth, n = 0, 0
    for j in range(name + 1, close + 1):
        t = toks[j]
        if t.pp != toks[name].pp:
            continue
        if t.text in ("(", "[", "{"):
            depth += 1
        elif t.text in (")", "]", "}"):
            depth -= 1
            if depth == 0 and n == k:
                return t.start
        elif t.text == "," and depth == 1:
            if n == k:
                return t.start
            n += 1
    return toks[close].start


def needed(text: str) -> bool:
    return "define" in text


# after the variadic pass (whose macros' calls become function calls)
SPEC = PassSpec(NAME, "round", run, failure="empty macro arguments", needed=needed)
