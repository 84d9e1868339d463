"""C99 library calls that C89 (and Windows 98's MSVCRT.DLL) lack.

* ``snprintf``/``vsnprintf`` -> ``c89_snprintf``/``c89_vsnprintf``
  (engine_c89/c89snprintf.c: bounded, always NUL-terminated, C99 return
  value; MSVCRT's ``_snprintf`` has none of that);
* ``strtoll``/``strtoull``/``atoll``/``llabs`` -> ``c89_strtoll`` ...
  (engine_c89/c89stdlib.c).

Any use of the name is renamed (a call, or the name taken as a function
pointer); a program that defines or declares the name itself keeps it.
The printf-format rewrites of the longlong pass also apply to the renamed
calls.
"""

from __future__ import annotations

from .. import semantics
from ..analysis.names import code_ids, is_declarator
from .base import PassOutput, PassSpec

NAME = "libcalls"

RENAMES = {n: "c89_" + n for n in ("snprintf", "vsnprintf", "strtoll", "strtoull", "atoll",
                                    "llabs")}


def run(text: str, ctx) -> PassOutput:
    unit = ctx.unit(text)
    toks = unit.toks
    out = PassOutput.of(NAME, text, unit)
    edits = out.edits
    user = semantics.of(unit, ast=False).user_names
    for i in code_ids(toks, set(RENAMES)):
        t = toks[i]
        if t.text in user or is_declarator(toks, i):
            continue
        edits.replace(t.start, t.end, RENAMES[t.text], NAME)
    return out


SPEC = PassSpec(NAME, "round", run)
