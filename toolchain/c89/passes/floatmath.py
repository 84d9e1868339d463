"""C99 float math -> C89 double math with a cast back to float.

``expf(ARGS)`` -> ``((float)exp(ARGS))`` for expf sqrtf powf cosf sinf tanf
fabsf logf log10f floorf ceilf fmodf atan2f atanf asinf acosf tanhf sinhf
coshf (arguments kept verbatim; the double result is rounded back to float,
which can differ from the float function in the last bit).  ``HUGE_VALF``
and ``INFINITY`` -> ``((float)HUGE_VAL)``.  ``NAN`` and uses of these
functions other than calls (function pointers) are reported.  A program
that defines a function or macro of the same name keeps it.
"""

from __future__ import annotations

from .. import semantics
from ..analysis.libc import FLOAT_FUNCS
from ..analysis.names import call_parens, code_ids, is_declarator
from .base import PassOutput, PassSpec

NAME = "floatmath"

FUNCS = FLOAT_FUNCS
CONSTS = {"HUGE_VALF": "((float)HUGE_VAL)", "INFINITY": "((float)HUGE_VAL)"}


def run(text: str, ctx) -> PassOutput:
    unit = ctx.unit(text)
    toks = unit.toks
    out = PassOutput.of(NAME, text, unit)
    edits = out.edits
    user = semantics.of(unit, ast=False).user_names
    for i in code_ids(toks, set(FUNCS) | set(CONSTS) | {"NAN"}):
        t = toks[i]
        if t.text in user:
            continue
        if t.text == "NAN":
            out.diag(t, "warning", "NAN has no C89 equivalent; left as is")
            continue
        if t.text in CONSTS:
            edits.replace(t.start, t.end, CONSTS[t.text], NAME)
            continue
        parens = call_parens(toks, i)
        if parens is None:
            if is_declarator(toks, i):
                continue  # a declarator (struct member, parameter) spelled like it
            out.diag(t, "warning", f"'{t.text}' used other than in a call; not rewritten")
            continue
        edits.replace(t.start, t.end, "((float)" + FUNCS[t.text], NAME)
        edits.insert(toks[parens[1]].end, ")", NAME)
    return out


SPEC = PassSpec(NAME, "round", run)
