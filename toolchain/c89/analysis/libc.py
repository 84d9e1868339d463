"""The C library as the port sees it: which functions have a C89 form.

``FLOAT_FUNCS``: the C99 float functions the floatmath pass rewrites as
their double versions; ``RUNTIME_MATH``: the C99 math the engine
implements (engine_c89/c89math.c; the libcalls pass renames them
``c89_*``); ``C99_ONLY``: C99 ``<math.h>`` names with neither (the
unsupported pass reports calls to them), each with its message.
"""

from __future__ import annotations

FLOAT_FUNCS = {n + "f": n for n in ("exp", "sqrt", "pow", "cos", "sin", "tan", "fabs", "log",
                                     "log10", "floor", "ceil", "fmod", "atan2", "atan", "asin",
                                     "acos", "tanh", "sinh", "cosh")}

_RUNTIME_MATH = ("round", "trunc", "fmin", "fmax", "copysign", "lround")
RUNTIME_MATH = tuple(n + f for n in _RUNTIME_MATH for f in ("", "f")) + ("isnan", "isinf")

_C99_MATH = ("round trunc lround llround rint lrint llrint nearbyint fmin fmax fdim fma cbrt "
             "hypot log2 exp2 expm1 log1p erf erfc tgamma lgamma copysign nan remainder "
             "remquo scalbn scalbln logb ilogb asinh acosh atanh frexp ldexp modf").split()
_C89_MATH = ("exp sqrt pow cos sin tan fabs log log10 floor ceil fmod atan2 atan asin acos "
             "tanh sinh cosh frexp ldexp modf").split()
_CLASSIFY = ("isnan", "isinf", "isfinite", "isnormal", "fpclassify", "signbit", "isgreater",
             "isless", "isunordered")


def _c99_only() -> dict[str, str]:
    out = {}
    for n in _C99_MATH:
        if n not in _C89_MATH:
            for v in (n, n + "f"):
                out[v] = f"'{v}' is C99 math with no C89 counterpart in the target C library"
        out[n + "l"] = f"'{n}l' (long double math) is C99 only"
    for n in _C89_MATH:
        out[n + "l"] = f"'{n}l' (long double math) is C99 only; use '{n}' on a double"
        if n + "f" not in FLOAT_FUNCS:
            out[n + "f"] = f"'{n}f' is C99 only; use '{n}' on a double"
    for n in _CLASSIFY:
        out[n] = (f"'{n}' (a C99 <math.h> macro) has no C89 equivalent; compare by hand "
                  "(x != x for NaN)")
    for n in RUNTIME_MATH:
        out.pop(n, None)
    return out


C99_ONLY = _c99_only()
