"""64-bit integers without ``long long``.

* ``long long``, ``long long int``, ``signed long long``, ``unsigned long
  long`` (any order of those keywords) -> ``c89_int64_t`` / ``c89_uint64_t``.
* Integer literals of 64-bit type: ``LL``/``ULL`` suffixes, literals too big
  for 32 bits, and unsuffixed decimals above ``LONG_MAX`` of a 32-bit target
  (``long long`` in C99, ``unsigned long`` in C89) -> ``C89_I64(n)`` /
  ``C89_U64(n)`` when the value fits 32 bits, else ``C89_I64_HL(hi, lo)`` /
  ``C89_U64_HL(hi, lo)`` built from two 32-bit halves.  In ``#if`` lines
  (the preprocessor has its own arithmetic, in 32-bit ``long`` under C89) a
  literal that fits 32 bits loses its ``LL``, an ``==``/``!=`` with a wider
  one compares 32-bit halves, and anything else is an error.
* printf-family format literals: ``%lld`` etc. (with flags, width,
  precision) -> ``"%" C89_PRId64 ""`` pieces; ``%zu``/``%td`` -> ``%lu``/``%ld``
  with the argument cast to ``unsigned long``/``long``; ``%jd`` -> 64-bit
  macro plus a cast; ``%hhd``/``%hhx`` -> ``%d``/``%x`` with a
  ``(signed char)``/``(unsigned char)`` cast (msvcrt knows none of these).
* scanf/sscanf/fscanf with C99 length modifiers (hh, ll, j, z, t) are
  renamed ``c89_scanf``/``c89_sscanf``/``c89_fscanf`` (engine_c89 provides
  them); the format is kept.
"""

from __future__ import annotations

import re

from .. import semantics
from ..analysis import conditionals
from ..analysis.literals import INTEGER, integer_value, literal_64
from ..analysis.names import call_args, code_ids
from ..ctok import Tokens
from .base import PassOutput, PassSpec

NAME = "longlong"

_TYPE_WORDS = {"signed", "unsigned", "long", "int"}

PRINTF = {"printf": 0, "fprintf": 1, "sprintf": 1, "snprintf": 2, "vprintf": 0,
          "vfprintf": 1, "vsprintf": 1, "vsnprintf": 2, "c89_snprintf": 2, "c89_vsnprintf": 2}
SCANF = {"scanf": 0, "sscanf": 1, "fscanf": 1}
VSCANF = {"vscanf": 0, "vsscanf": 1, "vfscanf": 1}
_CONV = re.compile(r"%(?:%|(?P<spec>[-+ #0']*(?:\*|[0-9]+)?(?:\.(?:\*|[0-9]*))?)"
                   r"(?P<len>hh|h|ll|l|j|z|t|L|q|I64|I32)?(?P<conv>[diouxXfFeEgGaAcspn]|\[))")
_PRI = {"d": "C89_PRId64", "i": "C89_PRIi64", "u": "C89_PRIu64", "x": "C89_PRIx64",
        "X": "C89_PRIX64", "o": "C89_PRIo64"}


def _split_literal(tok_text: str, fmt_rewrite) -> str:
    """Rebuild one string-literal token from (text, macro) pieces."""
    body = tok_text[1:-1]
    pieces: list[tuple[str, str]] = []  # ("lit"|"macro", text)
    last = 0
    for m in _CONV.finditer(body):
        rep = fmt_rewrite(m)
        if rep is None:
            continue
        pieces.append(("lit", body[last:m.start()]))
        pieces.extend(rep)
        last = m.end()
    if not pieces:
        return tok_text
    pieces.append(("lit", body[last:]))
    merged: list[tuple[str, str]] = []
    for kind, text in pieces:
        if kind == "lit" and merged and merged[-1][0] == "lit":
            merged[-1] = ("lit", merged[-1][1] + text)
        else:
            merged.append((kind, text))
    out = []
    for kind, text in merged:
        if kind == "macro":
            out.append(text)
        elif text or not out:
            out.append('"' + text + '"')
    return " ".join(out)


class _Rewriter:
    def __init__(self, unit, toks: Tokens, out: PassOutput):
        self.u, self.toks, self.out, self.edits = unit, toks, out, out.edits

    def warn(self, i: int, msg: str) -> None:
        self.out.diag(self.toks[i], "warning", msg)

    def printf_call(self, i: int, fmt_index: int) -> None:
        args = call_args(self.toks, i)
        if args is None or fmt_index >= len(args):
            return
        fa, fb = args[fmt_index]
        ftoks = list(range(fa, fb))
        if not ftoks:
            return
        all_str = all(self.toks[k].kind == "str" and self.toks[k].text.startswith('"')
                      for k in ftoks)
        if not all_str:
            self.expanded_format(i, fmt_index)
        state = {"arg": fmt_index + 1}
        casts: dict[int, str] = {}
        name = self.toks[i].text

        def rewrite(m):
            if m.group(0) == "%%":
                return None
            spec, ln, conv = m.group("spec") or "", m.group("len"), m.group("conv")
            state["arg"] += spec.count("*")
            arg = state["arg"]
            state["arg"] += 1
            if ln == "ll" and conv in _PRI:
                return [("lit", "%" + spec), ("macro", _PRI[conv])]
            if ln in ("z", "t", "j", "hh") and conv in "diouxX":
                if not all_str or arg >= len(args):
                    self.warn(fa, f"'%{spec}{ln}{conv}' in a {name} format: the C89 runtime "
                                  "does not know it and the argument could not be matched")
                    return None
                signed = conv in "di"
                if ln == "j":
                    casts[arg] = "c89_int64_t" if signed else "c89_uint64_t"
                    return [("lit", "%" + spec), ("macro", _PRI[conv])]
                if ln == "hh":
                    casts[arg] = "signed char" if signed else "unsigned char"
                    return [("lit", "%" + spec + conv)]
                casts[arg] = "long" if signed else "unsigned long"
                return [("lit", "%" + spec + "l" + conv)]
            if ln in ("z", "t", "j", "hh"):
                self.warn(fa, f"'%{spec}{ln}{conv}' in a {name} format is not C89")
            return None

        for k in ftoks:
            t = self.toks[k]
            if t.kind != "str" or not t.text.startswith('"'):
                continue
            new = _split_literal(t.text, rewrite)
            if new != t.text:
                self.edits.replace(t.start, t.end, new, NAME)
        for arg, cast in casts.items():
            a, b = args[arg]
            if b <= a:
                continue
            text = self.u.text[self.toks[a].start:self.toks[b - 1].end]
            if b - a > 1:
                text = "(" + text + ")"
            self.edits.replace(self.toks[a].start, self.toks[b - 1].end, f"({cast}){text}", NAME)

    def expanded_format(self, i: int, fmt_index: int) -> None:
        """A format assembled by macros (``"%" FMT "\\n"`` with ``#define FMT
        "lld"``): read it as the preprocessor expanded the call's line and
        warn about a C99 length modifier in it; the macro may be spelled for
        each configuration, so it is not rewritten."""
        t = self.toks[i]
        ptoks = self.u.pp_tokens(t.line)
        if ptoks is None:
            return
        for j, pt in enumerate(ptoks.toks):
            if pt.text != t.text or pt.kind != "id":
                continue
            args = call_args(ptoks, j)
            if args is None or fmt_index >= len(args):
                continue
            fa, fb = args[fmt_index]
            if fb <= fa or not all(ptoks[k].kind == "str" and ptoks[k].text.startswith('"')
                                   for k in range(fa, fb)):
                continue
            fmt = "".join(ptoks[k].text[1:-1] for k in range(fa, fb))
            for m in _CONV.finditer(fmt):
                if m.group("len") in ("ll", "j", "z", "t", "hh", "q"):
                    self.warn(i, f"'{m.group(0)}' in a {t.text} format assembled by macros: "
                                 "C89 runtimes (msvcrt on Windows 98) do not know it; write "
                                 "the conversion with C89_PRId64 (or a cast to long)")
                    return

    def scanf_call(self, i: int, fmt_index: int, rename: bool) -> None:
        args = call_args(self.toks, i)
        if args is None or fmt_index >= len(args):
            return
        fa, fb = args[fmt_index]
        c99 = False
        for k in range(fa, fb):
            t = self.toks[k]
            if t.kind == "str":
                for m in _CONV.finditer(t.text):
                    if m.group("len") in ("hh", "ll", "j", "z", "t"):
                        c99 = True
        if not c99:
            return
        t = self.toks[i]
        if rename:
            self.edits.replace(t.start, t.end, "c89_" + t.text, NAME)
        else:
            self.warn(i, f"'{t.text}' format uses C99 length modifiers; no C89 replacement")


_INT_C = {"INT64_C", "UINT64_C"} | {p + n + "_C" for p in ("INT", "UINT", "C89_INT", "C89_UINT")
                                    for n in ("8", "16", "32")}


def _in_int64_c(toks: Tokens, i: int) -> bool:
    """The literal is the argument of INT64_C(...)/UINT64_C(...) (the stdint
    pass rewrites the whole macro call) or of a smaller ``*_C`` macro (whose
    compat form pastes a suffix to it)."""
    j = i - 1
    if j >= 0 and toks[j].text == "-":
        j -= 1
    return j >= 1 and toks[j].text == "(" and toks[j - 1].text in _INT_C


_IF_STOP = {"&&", "||", "?", ":", ",", "(", ")"}


def if_literals(unit, d, out: PassOutput) -> None:
    """64-bit literals in the ``#if``/``#elif`` ``d``, which C89 preprocessors
    (32-bit ``long`` arithmetic) cannot read: one that fits 32 bits loses its
    ``LL``; one that is a whole operand of ``==``/``!=`` becomes a
    comparison of the other operand's two 32-bit halves (right whichever
    width the preprocessor computes in: ``ULONG_MAX ==
    0xFFFFFFFFFFFFFFFFULL`` -> ``(ULONG_MAX >> 16 >> 16 == 0xFFFFFFFFUL &&
    (ULONG_MAX & 0xFFFFFFFFUL) == 0xFFFFFFFFUL)``, true only where
    ``unsigned long`` has 64 bits, as before); anything else is an error
    where the ``#if`` is evaluated (a warning in a dropped branch)."""
    toks = unit.toks
    expr = []
    k = d.hash_index + 2
    while k < len(toks) and toks[k].pp == d.hash_index:
        expr.append(k)
        k += 1
    for pos, k in enumerate(expr):
        t = toks[k]
        m = INTEGER.match(t.text) if t.kind == "num" else None
        if m is None:
            continue
        suffix = m.group(2)
        value = integer_value(t.text)
        if "ll" not in suffix.lower() and value <= 0xFFFFFFFF:
            continue
        if value <= (0xFFFFFFFF if "u" in suffix.lower() or t.text[:2].lower() == "0x"
                     else 0x7FFFFFFF):
            out.edits.replace(t.start, t.end, m.group(1) + re.sub("(?i)ll", "L", suffix), NAME)
            continue
        new = _split_comparison(toks, expr, pos, value)
        if new is not None:
            (a, b), text = new
            out.edits.replace(toks[a].start, toks[b].end, text, NAME)
            continue
        severity = "error" if conditionals.state(unit, d.line) == "active" else "warning"
        out.diag(t, severity, f"64-bit literal '{t.text}' in #if: C89 preprocessors compute "
                              "in 32-bit long; only '==' or '!=' with it as a whole operand is "
                              "rewritten: rewrite this test by hand")


def _split_comparison(toks, expr: list[int], pos: int, value: int):
    """((first, last token), text) comparing the two 32-bit halves of the
    other operand of ``==``/``!=`` with those of ``value`` (the literal at
    ``expr[pos]``), or None when the literal is not such an operand."""
    def bound(p: int, step: int) -> int:
        """Index in ``expr`` of the last token of the operand from ``p`` on."""
        depth = 0
        while 0 <= p + step < len(expr):
            x = toks[expr[p + step]].text
            if depth == 0 and (x in _IF_STOP and x not in (("(",) if step > 0 else (")",))
                               or x in ("==", "!=")):
                break
            if x in "()":
                depth += 1 if (x == "(") == (step > 0) else -1
                if depth < 0:
                    break
            p += step
        return p

    def alone(p: int) -> bool:
        return p < 0 or p >= len(expr) or toks[expr[p]].text in _IF_STOP
    before = toks[expr[pos - 1]].text if pos > 0 else ""
    after = toks[expr[pos + 1]].text if pos + 1 < len(expr) else ""
    if before in ("==", "!=") and alone(pos + 1):
        op, lo = before, bound(pos - 1, -1)
        span, operand = (lo, pos), (lo, pos - 2)
        if lo > pos - 2 or not alone(lo - 1):
            return None
    elif after in ("==", "!=") and alone(pos - 1):
        op, hi = after, bound(pos + 1, 1)
        span, operand = (pos, hi), (pos + 2, hi)
        if hi < pos + 2 or not alone(hi + 1):
            return None
    else:
        return None
    x = "(" + toks.text[toks[expr[operand[0]]].start:toks[expr[operand[1]]].end] + ")"
    test = (f"({x} >> 16 >> 16 == 0x{value >> 32:X}UL && ({x} & 0xFFFFFFFFUL) == "
            f"0x{value & 0xFFFFFFFF:X}UL)")
    return (expr[span[0]], expr[span[1]]), test if op == "==" else "!" + test


def _signed_aliases(toks: Tokens, edits) -> None:
    """``#define Llong long long`` becomes ``#define Llong c89_int64_t``, a
    typedef name, which takes no ``unsigned``: ``unsigned Llong`` (dtoa.c's
    ``#define ULLong unsigned Llong``) becomes ``c89_uint64_t`` and
    ``signed Llong`` ``c89_int64_t``, in code and in macro bodies."""
    n = len(toks)
    aliases = []
    for d in toks.directives:
        k = d.hash_index + 2
        if d.name != "define" or k + 1 >= n or toks[k].pp != d.hash_index \
                or toks[k + 1].pp != d.hash_index:
            continue
        if toks[k + 1].text == "(" and toks[k + 1].start == toks[k].end:
            continue    # a function-like macro
        body = []
        j = k + 1
        while j < n and toks[j].pp == d.hash_index:
            body.append(toks[j].text)
            j += 1
        if body.count("long") >= 2 and set(body) <= _TYPE_WORDS and "unsigned" not in body:
            aliases.append(toks[k].text)
    for name in aliases:
        for k in toks.id_index.get(name, ()):
            if k == 0:
                continue
            prev, t = toks[k - 1], toks[k]
            if prev.text in ("unsigned", "signed") and prev.pp == t.pp \
                    and (t.pp < 0 or toks[t.pp + 2] is not t):
                new = "c89_uint64_t" if prev.text == "unsigned" else "c89_int64_t"
                edits.replace(prev.start, t.end, new, NAME)


def run(text: str, ctx) -> PassOutput:
    unit = ctx.unit(text)
    toks = unit.toks
    out = PassOutput.of(NAME, text, unit)
    edits = out.edits
    codectx = toks.code_context()
    n = len(toks)
    # macros that #if/#elif evaluate: the preprocessor cannot evaluate the
    # C89_I64(...) casts, so their bodies keep the C99 literal (reported)
    in_if: set[str] = set()
    for d in toks.directives:
        if d.name in ("if", "elif"):
            k = d.hash_index
            while k < n and toks[k].pp == d.hash_index:
                if toks[k].kind == "id":
                    in_if.add(toks[k].text)
                k += 1
            if_literals(unit, d, out)
    macro_of: dict[int, str] = {}
    for d in toks.directives:
        if d.name == "define" and d.hash_index + 2 < n and toks[d.hash_index + 2].text in in_if:
            macro_of[d.hash_index] = toks[d.hash_index + 2].text
    # only type words and numbers matter below
    index = toks.id_index
    todo = sorted({i for w in _TYPE_WORDS for i in index.get(w, ())} | set(toks.num_index))
    after_run = 0
    for i in todo:
        if i < after_run:
            continue
        t = toks[i]
        if codectx[i] and t.kind == "id":
            j = i
            while j < n and toks[j].text in _TYPE_WORDS and toks[j].pp == t.pp:
                j += 1
            words = [toks[k].text for k in range(i, j)]
            if words.count("long") >= 2:
                new = "c89_uint64_t" if "unsigned" in words else "c89_int64_t"
                edits.replace(t.start, toks[j - 1].end, new, NAME)
            after_run = j
            continue
        if codectx[i] and t.kind == "num" and t.pp in macro_of:
            if literal_64(t.text) is not None:
                out.diag(t, "warning", f"macro '{macro_of[t.pp]}' is used in #if, so its "
                                       f"64-bit literal '{t.text}' is left as is")
        elif codectx[i] and t.kind == "num" and not _in_int64_c(toks, i):
            new = literal_64(t.text)
            if new is not None:
                edits.replace(t.start, t.end, new, NAME)
            elif INTEGER.match(t.text) is None and re.match(r"^(0[xX])?[0-9a-fA-F]+[uUlL]+$", t.text) \
                    and "ll" in t.text.lower():
                out.diag(t, "warning", f"integer literal '{t.text}' out of range")
    _signed_aliases(toks, edits)
    rw = _Rewriter(unit, toks, out)
    user = semantics.of(unit, ast=False).user_names
    for i in code_ids(toks, set(PRINTF) | set(SCANF) | set(VSCANF)):
        name = toks[i].text
        if name in user:
            continue
        if name in PRINTF:
            rw.printf_call(i, PRINTF[name])
        elif name in SCANF:
            rw.scanf_call(i, SCANF[name], True)
        else:
            rw.scanf_call(i, VSCANF[name], False)
    return out


SPEC = PassSpec(NAME, "round", run, failure="64-bit integers that cannot be converted")
