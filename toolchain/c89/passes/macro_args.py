"""Empty macro arguments (this pass never edits).

C99 allows an empty argument in a macro call (``F(1, , 2)``; ``G()`` when
``G`` takes one parameter); in C89 it is undefined, and ``gcc -std=c89
-pedantic-errors`` refuses it.  A call of a function-like macro defined in
the text, in code the preprocessor keeps, with an empty argument is an
error at the call.  (Variadic macros are the variadic pass's: their
calls become function calls.)
"""

from __future__ import annotations

from ..analysis import conditionals, macros
from .base import PassOutput, PassSpec

NAME = "macro_args"


def run(text: str, ctx) -> PassOutput:
    toks = ctx.tokens(text)
    out = PassOutput.of(NAME, text, path=ctx.path)
    seen: set[str] = set()
    unit = None
    for m in macros.definitions(toks):
        if m.variadic or not m.params or m.name in seen:
            continue
        seen.add(m.name)
        for i, _, args in macros.calls(toks, m.name):
            empty = [k for k, a in enumerate(args) if not a]
            if not empty:
                continue
            if conditionals.structure(toks).branches:
                unit = unit or ctx.unit(text)
                if conditionals.state(unit, toks[i].line) != "active":
                    continue
            which = ", ".join(f"'{m.params[k]}'" for k in empty if k < len(m.params))
            out.diag(toks[i], "error", f"empty argument for {which or 'a parameter'} in this "
                                       f"call of macro '{m.name}': undefined in C89; write the "
                                       "argument out (0, or what the macro needs there)")
    return out


def needed(text: str) -> bool:
    return "define" in text


# what it reports is in the input: it checks the input only
SPEC = PassSpec(NAME, "input", run, failure="empty macro arguments", needed=needed)
