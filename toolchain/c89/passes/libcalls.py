"""C99 library calls that C89 (and Windows 98's MSVCRT.DLL) lack.

* ``snprintf``/``vsnprintf`` -> ``c89_snprintf``/``c89_vsnprintf``
  (engine_c89/c89snprintf.c: bounded, always NUL-terminated, C99 return
  value; MSVCRT's ``_snprintf`` has none of that);
* ``strtoll``/``strtoull``/``atoll``/``llabs`` -> ``c89_strtoll`` ...
  (engine_c89/c89stdlib.c);
* C99 math ``round trunc fmin fmax copysign lround``, their float forms
  (``roundf`` ...) and the ``isnan``/``isinf`` macros -> ``c89_round`` ...
  (engine_c89/c89math.c: exact, as C99 is).

Any use of the name is renamed (a call, or the name taken as a function
pointer); a program that defines or declares the name itself keeps it, and
so does a file that declares it as a variable or parameter anywhere
(``size_t round`` in BLAKE3): the scope-free token view cannot tell which
use means which, and the program's own name is the likelier.
The printf-format rewrites of the longlong pass also apply to the renamed
calls.
"""

from __future__ import annotations

from ..source import EditList
from . import PassOutput
from ._util import code_ids, is_declarator

NAME = "libcalls"

RENAMES = {n: "c89_" + n for n in ("snprintf", "vsnprintf", "strtoll", "strtoull", "atoll",
                                    "llabs")}
MATH = ("round", "trunc", "fmin", "fmax", "copysign", "lround")
RENAMES.update({n + f: "c89_" + n + f for n in MATH for f in ("", "f")})
RENAMES.update({n: "c89_" + n for n in ("isnan", "isinf")})


def run(text: str, ctx) -> PassOutput:
    unit = ctx.unit(text)
    toks = unit.toks
    edits = EditList(text)
    hits = code_ids(toks, set(RENAMES))
    user = set(unit.user_names)
    user.update(toks[i].text for i in hits if is_declarator(toks, i))
    for i in hits:
        t = toks[i]
        if t.text in user:
            continue
        edits.replace(t.start, t.end, RENAMES[t.text], NAME)
    return PassOutput(edits)
