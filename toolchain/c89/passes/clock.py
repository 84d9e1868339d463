"""POSIX clocks -> the engine's C89 timer.

``clock_gettime`` -> ``c89_clock_gettime``, ``struct timespec`` ->
``struct c89_timespec`` (same ``tv_sec``/``tv_nsec`` members, both
``long``), ``CLOCK_REALTIME``/``CLOCK_MONOTONIC`` -> ``C89_CLOCK_*``.
Names the program defines itself are left alone; a file that declares its
own ``clock_gettime`` (e.g. a Win32 shim) is not touched at all.

``struct timespec`` is also what other POSIX calls take (``nanosleep``,
``utimensat``, ``pthread_cond_timedwait`` ...), which the C89 timer does not
replace: a file calling one of those keeps its POSIX names as they are, and
one calling both such a function and ``clock_gettime`` is an error at that
call (a single file cannot hand the same struct to both).
"""

from __future__ import annotations

from .. import semantics
from ..analysis.names import code_ids
from .base import PassOutput, PassSpec

NAME = "clock"

# POSIX functions taking a struct timespec (or one inside a struct) that
# c89_clock_gettime's struct does not replace
POSIX_TIMESPEC = {"nanosleep", "clock_nanosleep", "clock_getres", "clock_settime", "utimensat",
                  "futimens", "pselect", "ppoll", "sem_timedwait", "sigtimedwait",
                  "pthread_cond_timedwait", "pthread_mutex_timedlock", "pthread_rwlock_timedrdlock",
                  "pthread_rwlock_timedwrlock", "mq_timedreceive", "mq_timedsend", "aio_suspend",
                  "timespec_get", "timer_settime", "timer_gettime", "timerfd_settime",
                  "timerfd_gettime", "sched_rr_get_interval"}

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
    others = [i for i in code_ids(toks, POSIX_TIMESPEC) if toks[i].text not in user]
    if others:
        gettime = code_ids(toks, {"clock_gettime"})
        if gettime:
            i = others[0]
            out.diag(i, "error", f"'{toks[i].text}' takes the POSIX struct timespec, and this "
                                 "file also calls clock_gettime, which becomes "
                                 "c89_clock_gettime with its own struct c89_timespec: keep the "
                                 "two apart by hand (or leave this file to a POSIX compiler)")
        return out      # POSIX time calls stay POSIX
    for i in code_ids(toks, set(RENAMES) | {"timespec"}):
        t = toks[i]
        if t.text == "timespec":
            if i > 0 and toks[i - 1].text == "struct" and "struct timespec" not in user:
                edits.replace(t.start, t.end, "c89_timespec", NAME)
        elif t.text not in user:
            edits.replace(t.start, t.end, RENAMES[t.text], NAME)
    return out


SPEC = PassSpec(NAME, "round", run, failure="POSIX clocks that cannot be converted",
                needed=needed)
