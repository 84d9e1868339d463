"""Report what has no safe C89 rewrite (this pass never edits).

Errors (the unit fails, exit status 2):

* ``_Complex``/``_Imaginary``/``<complex.h>``: no C89 complex type;
* C11 keywords: ``_Generic``, ``_Static_assert``, ``_Alignas``,
  ``_Alignof``, ``_Atomic``, ``_Thread_local``, ``_Noreturn``;
* hexadecimal floating constants (``0x1.8p3``): C89 has only decimal ones;
* variadic macros (``...``/``__VA_ARGS__`` in a ``#define``);
* flexible array members (``int data[];`` last in a struct): the C89 idiom
  ``data[1]`` changes ``sizeof``, so the allocation sizes must be checked
  by hand;
* variable-length array types outside block-scope objects (inner
  dimensions of parameters, typedefs, casts, sizeof) -- block-scope VLA
  objects are reported by the declarations pass;
* C99 math functions with no C89 counterpart (``cbrt``, ``hypot``,
  ``sqrtl`` and the other ``long double`` versions ...): the float versions
  the floatmath pass knows and the ones the libcalls pass renames
  (``round``, ``fmin``, ``isnan`` ...) are rewritten, these are not.

Only code the preprocessor keeps in the configuration being ported can be
an error.  What would be one in a dropped ``#if`` branch is a warning (code
``c89-inactive``), as are the C99 constructs there that only token-level
passes could have converted (``for (int ...``, designators, compound
literals, ``__func__``): port with ``--config`` naming that configuration
to convert them.  ``#if`` is evaluated as the C89 compiler will (the front
end leaves ``__STDC_VERSION__`` undefined), so a branch whose condition
names ``__STDC_VERSION__`` and that is dropped (``#if __STDC_VERSION__ >=
201112L``) is dropped by every C89 compiler: it is left as it is, without
a diagnostic.

``scan_text`` runs the text-level checks without a parse, so the CLI can
explain why a file did not parse (``_Generic``, ``_Atomic`` ...).
"""

from __future__ import annotations

import re

from pycparser import c_ast

from ...diag import Diagnostic
from ..ctok import Tokens
from ..source import EditList
from . import PassOutput
from ._ast import node_diag, types_of
from ._util import included_headers
from .floatmath import FUNCS as FLOAT_FUNCS
from .libcalls import RENAMES as LIBCALL_RENAMES

NAME = "unsupported"
INPUT_ONLY = True   # no rewrite adds or removes what it reports: run on the input only
CODE = "c89-unsupported"
INACTIVE = "c89-inactive"

KEYWORDS = {
    "_Complex": "complex types have no C89 equivalent; use a struct of two doubles",
    "_Imaginary": "imaginary types have no C89 equivalent",
    "_Generic": "_Generic (C11) has no C89 equivalent; call the type-specific function",
    "_Static_assert": "_Static_assert (C11): use a typedef of a char array whose size is "
                      "negative when the condition fails",
    "_Alignas": "_Alignas (C11) has no C89 equivalent",
    "_Alignof": "_Alignof (C11) has no C89 equivalent",
    "_Atomic": "_Atomic (C11) has no C89 equivalent",
    "_Thread_local": "_Thread_local (C11) has no C89 equivalent",
    "_Noreturn": "_Noreturn (C11): remove it (or use a compiler-specific attribute)",
}
_HEXFLOAT = re.compile(r"^0[xX][0-9a-fA-F]*\.?[0-9a-fA-F]*[pP][+-]?[0-9]+[fFlL]?$")

_C99_MATH = ("round trunc lround llround rint lrint llrint nearbyint fmin fmax fdim fma cbrt "
             "hypot log2 exp2 expm1 log1p erf erfc tgamma lgamma copysign nan remainder "
             "remquo scalbn scalbln logb ilogb asinh acosh atanh frexp ldexp modf").split()
_C89_MATH = ("exp sqrt pow cos sin tan fabs log log10 floor ceil fmod atan2 atan asin acos "
             "tanh sinh cosh frexp ldexp modf").split()
MATH = {}
for _n in _C99_MATH:
    if _n not in _C89_MATH:
        for _v in (_n, _n + "f"):
            MATH[_v] = f"'{_v}' is C99 math with no C89 counterpart in the target C library"
    MATH[_n + "l"] = f"'{_n}l' (long double math) is C99 only"
for _n in _C89_MATH:
    MATH[_n + "l"] = f"'{_n}l' (long double math) is C99 only; use '{_n}' on a double"
    if _n + "f" not in FLOAT_FUNCS:
        MATH[_n + "f"] = f"'{_n}f' is C99 only; use '{_n}' on a double"
for _n in ("isnan", "isinf", "isfinite", "isnormal", "fpclassify", "signbit", "isgreater",
           "isless", "isunordered"):
    MATH[_n] = f"'{_n}' (a C99 <math.h> macro) has no C89 equivalent; compare by hand " \
               "(x != x for NaN)"

# the libcalls pass renames these to engine_c89/c89math.c's implementations
for _n in LIBCALL_RENAMES:
    MATH.pop(_n, None)

_TYPE_WORDS = {"int", "char", "short", "long", "unsigned", "signed", "float", "double",
               "struct", "union", "enum", "const", "_Bool", "bool", "size_t", "volatile"}


_BRANCH_MARK = "c89port_branch_mark_"


class Conditionals:
    """The ``#if`` branches of a unit's own text, and which of them the
    preprocessor keeps (found on first need by one more ``gcc -E`` run, of
    the text with a marker line at the top of every branch)."""

    def __init__(self, unit):
        self.unit = unit
        toks = unit.toks
        line_of = unit.src.line_col
        # (first line, last line, group index, the group's conditions so far
        # name __STDC_VERSION__)
        self.branches: list[tuple[int, int, int, bool]] = []
        self.opens: list[int] = []     # offset of the end of each branch's directive
        stack: list[list] = []
        for d in toks.directives:
            if d.name not in ("if", "ifdef", "ifndef", "elif", "else", "endif"):
                continue
            version = "__STDC_VERSION__" in toks.text[d.start:d.end]
            if d.name in ("elif", "else", "endif") and stack:
                top = stack[-1]
                self.branches.append((top[0], d.line - 1, top[1], top[2]))
                if d.name == "endif":
                    stack.pop()
                else:
                    top[0] = line_of(d.end)[0] + 1
                    top[1] = len(self.opens)
                    top[2] = top[2] or version
                    self.opens.append(d.end)
            elif d.name in ("if", "ifdef", "ifndef"):
                stack.append([line_of(d.end)[0] + 1, len(self.opens), version])
                self.opens.append(d.end)
        self._active: set[int] | None = None

    def active(self) -> set[int]:
        """Indexes (into ``opens``) of the branches the preprocessor keeps."""
        if self._active is None:
            text = self.unit.text
            parts, last = [], 0
            for k, end in enumerate(self.opens):
                parts.append(text[last:end])
                parts.append(f"\n{_BRANCH_MARK}{k}")
                last = end
            parts.append(text[last:])
            out = None
            if self.opens and hasattr(self.unit, "preprocess_variant"):
                out = self.unit.preprocess_variant("".join(parts))
            if out is None:   # cannot tell: take every branch as kept
                self._active = set(range(len(self.opens)))
            else:
                self._active = {int(m) for m in re.findall(_BRANCH_MARK + r"(\d+)", out)}
        return self._active

    def state(self, line: int) -> str:
        """"active", "inactive", or "c89" (dropped by a test of
        ``__STDC_VERSION__``: no C89 compiler keeps it) for a line."""
        out = "active"
        for first, last, k, version in self.branches:
            if first <= line <= last and k not in self.active():
                if version:
                    return "c89"
                out = "inactive"
        return out


def _tok_diag(path, t, sev, msg, code=CODE) -> Diagnostic:
    return Diagnostic(path, t.line, t.col, sev, msg, code)


def scan_text(text: str, path: str, toks: Tokens | None = None,
              user_names: frozenset | set = frozenset()) -> list[Diagnostic]:
    """The checks that need no AST: keywords, literals, macros, headers, calls."""
    toks = toks or Tokens(text)
    out: list[Diagnostic] = []
    ctx = toks.code_context()
    for h, d in included_headers(toks):
        if h in ("complex.h", "tgmath.h", "stdatomic.h", "threads.h", "stdalign.h",
                 "stdnoreturn.h", "fenv.h"):
            out.append(_tok_diag(path, toks[d.hash_index], "error",
                                 f"<{h}> is not part of C89 and has no replacement"))
    for d in toks.directives:
        if d.name != "define":
            continue
        k = d.hash_index + 3
        if k < len(toks) and toks[k - 1].pp == d.hash_index and toks[k].text == "(" \
                and toks[k].start == toks[k - 1].end:
            j = k
            while j < len(toks) and toks[j].pp == d.hash_index and toks[j].text != ")":
                if toks[j].text == "...":
                    out.append(_tok_diag(path, toks[j], "error",
                                         f"variadic macro '{toks[k - 1].text}' is C99 only: "
                                         "use a function with stdarg.h, or a fixed argument "
                                         "count"))
                    break
                j += 1
    for i, t in enumerate(toks.toks):
        if t.kind == "num" and _HEXFLOAT.match(t.text) and (ctx[i] or t.pp < 0):
            out.append(_tok_diag(path, t, "error",
                                 f"hexadecimal floating constant '{t.text}' is C99 only: "
                                 f"write it in decimal ({float.fromhex(t.text.rstrip('fFlL'))!r})"))
        elif t.kind == "id" and ctx[i] and not toks.is_member(i):
            if t.text in KEYWORDS:
                out.append(_tok_diag(path, t, "error", KEYWORDS[t.text]))
            elif t.text in MATH and t.text not in user_names and i + 1 < len(toks) \
                    and toks[i + 1].text == "(":
                out.append(_tok_diag(path, t, "error", MATH[t.text]))
    return out


class _Pass:
    def __init__(self, unit):
        self.u = unit
        self.toks = unit.toks
        self.diags: list[Diagnostic] = []
        self.ty = types_of(unit)
        self._cond: Conditionals | None = None

    def cond(self) -> Conditionals:
        if self._cond is None:
            self._cond = Conditionals(self.u)
        return self._cond

    def only_active(self, diags: list[Diagnostic]) -> list[Diagnostic]:
        """Findings in dropped branches: errors become ``c89-inactive``
        warnings; in branches no C89 compiler keeps, nothing is reported."""
        out = []
        for d in diags:
            if d.path == self.u.path and d.code == CODE and d.severity != "note":
                state = self.cond().state(d.line)
                if state == "c89":
                    continue
                if state == "inactive":
                    label = " ".join("-D" + x for x in self.u.defines) or "no -D flags"
                    d = Diagnostic(d.path, d.line, d.col, "warning",
                                   f"{d.message} (in code the preprocessor drops with "
                                   f"{label})", INACTIVE)
            out.append(d)
        return out

    def ast_checks(self) -> None:
        u = self.u
        for s in self.ty.tags.values():
            if not u.in_main(s) or not s.decls:
                continue
            last = s.decls[-1]
            if isinstance(last.type, c_ast.ArrayDecl) and last.type.dim is None:
                self.diags.append(node_diag(u, last, "error",
                                            f"flexible array member '{last.name}' is C99 only: "
                                            f"declare it '{last.name}[1]' and check every "
                                            "sizeof/malloc of the struct by hand", CODE))
        stack = [(ext, False) for ext in u.ast.ext if u.in_main(ext)]
        while stack:
            n, in_param = stack.pop()
            if isinstance(n, c_ast.ParamList):
                for p in n.params:
                    t = getattr(p, "type", None)
                    # the outermost dimension of a parameter is only a pointer
                    if isinstance(t, c_ast.ArrayDecl):
                        t = t.type
                    if t is not None:
                        self.vla_type(t, p)
                continue
            if isinstance(n, (c_ast.Typedef, c_ast.Typename)):
                self.vla_type(n.type, n)
            elif isinstance(n, c_ast.Decl) and not isinstance(n.type, c_ast.FuncDecl):
                continue_into = [c for _, c in n.children()]
                stack.extend((c, False) for c in continue_into)
                continue
            stack.extend((c, False) for _, c in n.children())

    def vla_type(self, t, node) -> None:
        while t is not None:
            if isinstance(t, c_ast.ArrayDecl) and t.dim is not None \
                    and not self.ty.is_const(t.dim) \
                    and not (isinstance(t.dim, c_ast.ID) and t.dim.name == "*"):
                self.diags.append(node_diag(self.u, node, "error",
                                            "variable-length array type has no C89 equivalent: "
                                            "pass a pointer and index by hand", CODE))
                return
            t = getattr(t, "type", None)

    # -- macro bodies ----------------------------------------------------------------------
    def macro_bodies(self) -> None:
        """C99 syntax inside #define bodies is never parsed where it is written."""
        toks = self.toks
        ctx = toks.code_context()
        for i, t in enumerate(toks.toks):
            if t.pp < 0 or not ctx[i] or t.text == "__func__":  # keywords reports __func__
                continue
            what = self.c99_at(i)
            if what:
                self.diags.append(_tok_diag(self.u.path, t, "warning",
                                            f"{what} in a macro body: not converted; "
                                            "rewrite the macro by hand"))

    # -- code the preprocessor dropped ----------------------------------------------------
    def inactive(self) -> None:
        u = self.u
        pp_lines = getattr(u, "pp_lines", None)
        if not pp_lines:
            return
        toks = self.toks
        # gcc -E writes short runs of dropped lines as blank lines
        lines = inactive_lines(toks, {ln for ln, s in pp_lines.items() if s.strip()})
        if not lines:
            return
        defines = getattr(u, "defines", ()) or ()
        label = " ".join("-D" + d for d in defines) or "no -D flags"
        seen = set()
        for i, t in enumerate(toks.toks):
            if t.pp >= 0 or t.line not in lines or t.line in seen:
                continue
            what = self.c99_at(i)
            if what:
                seen.add(t.line)
                if self.cond().state(t.line) == "c89":
                    continue
                self.diags.append(_tok_diag(u.path, t, "warning",
                                            f"{what} in code the preprocessor drops with "
                                            f"{label}: not converted; port with --config "
                                            "naming the configuration that uses it", INACTIVE))

    def c99_at(self, i: int) -> str | None:
        toks = self.toks
        t = toks[i]
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if t.text == "for" and nxt is not None and nxt.text == "(" and i + 2 < len(toks):
            k = toks[i + 2]
            if k.text in _TYPE_WORDS or k.text in self.u.typedefs:
                return "a declaration in a for-loop header"
        if t.text in ("{", ",") and nxt is not None and i + 3 < len(toks):
            if nxt.text == "." and toks[i + 2].kind == "id" and toks[i + 3].text == "=":
                return "a designated initializer"
        if t.text == "__func__":
            return "'__func__'"
        if t.text == ")" and nxt is not None and nxt.text == "{":
            m = toks.match.get(i)
            if m is not None and m + 1 < i and (toks[m + 1].text in _TYPE_WORDS
                                                or toks[m + 1].text in self.u.typedefs) \
                    and (m == 0 or toks[m - 1].kind != "id"):
                return "a compound literal"
        return None


def inactive_lines(toks: Tokens, active: set[int]) -> set[int]:
    """Lines of code inside #if branches in which no line reached the
    preprocessor's output (so the branch was dropped)."""
    # branch extents: (first line, last line) between conditional directives
    stack: list[list] = []
    branches: list[tuple[int, int, int]] = []  # (start, end, depth)
    for d in toks.directives:
        if d.name in ("if", "ifdef", "ifndef"):
            stack.append([d.line])
        elif d.name in ("elif", "else") and stack:
            branches.append((stack[-1][0] + 1, d.line - 1, len(stack)))
            stack[-1][0] = d.line
        elif d.name == "endif" and stack:
            branches.append((stack[-1][0] + 1, d.line - 1, len(stack)))
            stack.pop()
    if not branches:
        return set()
    code_lines: dict[int, int] = {}
    for t in toks.toks:
        if t.pp < 0:
            code_lines[t.line] = 1
    out: set[int] = set()
    for start, end, _ in branches:
        lines = [ln for ln in range(start, end + 1) if ln in code_lines]
        if lines and not any(ln in active for ln in lines):
            out.update(lines)
    return out


def run(text: str, ctx) -> PassOutput:
    unit = ctx.unit(text)
    p = _Pass(unit)
    diags = scan_text(text, unit.path, unit.toks, unit.user_names)
    p.ast_checks()
    p.macro_bodies()
    p.inactive()
    diags = p.only_active(diags)
    p.diags = p.only_active(p.diags)
    errors = [d for d in diags + p.diags if d.severity == "error"]
    if errors:
        from ...diag import ToolchainError
        raise ToolchainError("C99 features with no safe C89 rewrite", diagnostics=errors,
                             exit_code=2)
    return PassOutput(EditList(text), diags + p.diags)
