"""POSIX clocks -> the engine's C89 timer.

``clock_gettime`` -> ``c89_clock_gettime``, ``struct timespec`` ->
``struct c89_timespec`` (same ``tv_sec``/``tv_nsec`` members, both
``long``), ``CLOCK_REALTIME``/``CLOCK_MONOTONIC`` -> ``C89_CLOCK_*``.
Names the program defines itself are left alone; a file that declares its
own ``clock_gettime`` (e.g. a Win32 shim) is not touched at all.
"""

from __future__ import annotations

from .. import semantics
from ..analysis.names import code_ids
from .base import PassOutput, PassSpec

NAME = "clock"

RENAMES = {"clock_gettime": "c89_clock_gettime", "CLOCK_REALTIME": "C89_CLOCK_REALTIME",
           "CLOCK_MONOTONIC": "C89_CLOCK_MONOTONIC"}


def needed(text: str) -> bool:
    """False when no name this pass renames occurs in the text at all."""
    return "timespec" in text or "clock_gettime" in text or "CLOCK_" in text


def run(text: str, ctx) -> PassOutput:
    unit = ctx.unit(text)
    toks = unit.toks
    out = PassOutput.of(NAME, text, unit)
    edits = out.edits
    user = semantics.of(unit, ast=False).user_names
    if "clock_gettime" in user:  # the program brings its own clock_gettime: keep it whole
        return out
    for i in code_ids(toks, set(RENAMES) | {"timespec"}):
        t = toks[i]
        if t.text == "timespec":
            if i > 0 and toks[i - 1].text == "struct" and "struct timespec" not in user:
                edits.replace(t.start, t.end, "c89_timespec", NAME)
        elif t.text not in user:
            edits.replace(t.start, t.end, RENAMES[t.text], NAME)
    return out


SPEC = PassSpec(NAME, "round", run, needed=needed)
