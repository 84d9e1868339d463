"""Variadic macros become C89 functions.

A variadic macro (``#define NAME(a, ...)``, C99) whose every use of
``__VA_ARGS__`` hands the arguments to a printf-family call -- directly,
through another such macro, under a guard (``if (g_level >= l) { ... }``)
or next to other statements -- becomes a ``static`` C89 function with
``<stdarg.h>``, written where the ``#define`` was; its call sites stay as
they are::

    #define DISPLAY(...) fprintf(stderr, __VA_ARGS__)
    ->
    static int DISPLAY(const char *c89va_fmt, ...)
    {
        int c89va_ret;
        va_list c89va_ap;
        va_start(c89va_ap, c89va_fmt);
        c89va_ret = vfprintf(stderr, c89va_fmt, c89va_ap);
        va_end(c89va_ap);
        return c89va_ret;
    }

``printf``/``fprintf``/``sprintf``/``snprintf`` become ``vprintf``/
``vfprintf``/``vsprintf``/``vsnprintf`` (the libcalls pass makes the last
``c89_vsnprintf``).  A macro whose body is an expression becomes an ``int``
function returning the call's value; a statement body (``do { } while
(0)``, ``{ }``, ``if``) a ``void`` function.  A macro that discards its
arguments (an empty body, ``{}``) becomes an empty function: the arguments
are then evaluated, which a note says.  The other parameters get the type
their arguments have at the call sites (string literals: ``const char *``,
integer constants: ``int``/``long``/``unsigned``...; a name: its declared
type, see ``analysis/argtypes``; the format: ``const char *``).  A call of
a macro whose body is a compound statement may lack its ``;``: it gets
one.  When the body names something the file declares after the
``#define`` (zstd's ``g_displayLevel``), the function is declared where
the ``#define`` was and defined after that declaration.

Anything else is an error at the macro: ``__VA_ARGS__`` given to any other
call or pasted into a string, ``#``/``##``, ``return``/``goto``/``break``/
``continue`` (they act on the caller), ``__LINE__``/``__func__`` (they
would name the function), parameters whose type the calls do not tell, a
call that is not a statement (for a ``void`` one), a macro ``#undef``'d,
tested after its ``#define`` or defined inside a function.  Variadic macros
in ``#if`` branches the preprocessor drops are the inactive pass's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pycparser import c_ast

from .. import semantics
from ..analysis import argtypes, conditionals, macros
from ..analysis.macros import Macro
from ..analysis.names import included_headers
from .base import PassOutput, PassSpec

NAME = "variadic"

# printf-family function -> (its v-form, arguments before the format)
PRINTF = {"printf": ("vprintf", 0), "fprintf": ("vfprintf", 1), "sprintf": ("vsprintf", 1),
          "snprintf": ("vsnprintf", 2)}
AP, FMT, RET, FIRST = "c89va_ap", "c89va_fmt", "c89va_ret", "c89va_first"
# names whose meaning changes when the code moves into a function
_PLACE_NAMES = ("__LINE__", "__func__", "__FUNCTION__", "__PRETTY_FUNCTION__")
_CALLER_WORDS = ("return", "goto", "break", "continue")
_STATEMENT_WORDS = ("do", "if", "while", "for", "switch")
_LAST = "@LAST"     # stands for the last named parameter in a planned body


class Refused(Exception):
    """A macro with no safe function form (the message says why)."""


class _Converter:
    def __init__(self, defs: dict[str, Macro]):
        self.defs = defs

    def expand(self, m: Macro, body: list[str], depth: int = 0) -> list[str]:
        """``body`` with the calls of other variadic macros that pass
        ``__VA_ARGS__`` on replaced by those macros' bodies."""
        out: list[str] = []
        i = 0
        while i < len(body):
            t = body[i]
            other = self.defs.get(t)
            if other is not None and other is not m and other.variadic \
                    and i + 1 < len(body) and body[i + 1] == "(":
                rp = macros.close(body, i + 1)
                if rp is None:
                    raise Refused(f"unbalanced call of '{t}'")
                args = macros.split(body, i + 2, rp) if rp > i + 2 else []
                if "__VA_ARGS__" in body[i + 2:rp]:
                    if depth > 8:
                        raise Refused(f"'{t}' expands itself")
                    out.extend(self.expand(m, self.substitute(other, args), depth + 1))
                    i = rp + 1
                    continue
            out.append(t)
            i += 1
        return out

    @staticmethod
    def substitute(m: Macro, args: list[list[str]]) -> list[str]:
        """``m``'s body with its parameters replaced by ``args``."""
        named = len(m.params)
        if len(args) < named:
            raise Refused(f"'{m.name}' is given too few arguments")
        values = {p: args[k] for k, p in enumerate(m.params)}
        rest = args[named:]
        va: list[str] = []
        for k, a in enumerate(rest):
            if k:
                va.append(",")
            va.extend(a)
        out: list[str] = []
        for t in m.body:
            if t in ("#", "##"):
                raise Refused(f"'{m.name}' uses the '{t}' operator")
            if t == "__VA_ARGS__":
                out.extend(va)
            elif t in values:
                out.extend(["("] + values[t] + [")"] if len(values[t]) > 1 else values[t])
            else:
                out.append(t)
        return out


@dataclass
class Plan:
    """What one macro becomes."""
    returns_int: bool
    needs_fmt: bool             # the format is a parameter of its own (c89va_fmt)
    body: list[str]
    uses_va: bool
    formats: set = field(default_factory=set)   # named parameters used as the format
    compound: bool = False      # the body is a statement that needs no ';' after it


def plan(m: Macro, conv: _Converter) -> Plan:
    """How ``m`` becomes a function, or :class:`Refused`."""
    body = list(m.body)
    # GNU comma swallowing: ", ## __VA_ARGS__" after the format
    k = 0
    while k + 2 < len(body):
        if body[k] == "," and body[k + 1] == "##" and body[k + 2] == "__VA_ARGS__":
            del body[k + 1]
        k += 1
    for t in body:
        if t in ("#", "##"):
            raise Refused(f"the '{t}' operator has no function form")
        if t in _PLACE_NAMES:
            raise Refused(f"'{t}' would name the function, not the call")
        if t in _CALLER_WORDS:
            raise Refused(f"'{t}' in the body acts on the caller")
    body = conv.expand(m, body)
    for t in body:
        if t in _CALLER_WORDS or t in _PLACE_NAMES:
            raise Refused(f"'{t}' in an expanded macro acts on the caller")
    stmt = bool(body) and (body[0] in _STATEMENT_WORDS or body[0] == "{")
    needs_fmt = None
    formats: set = set()
    out: list[str] = []
    i = 0
    uses = 0
    while i < len(body):
        t = body[i]
        if t != "__VA_ARGS__":
            out.append(t)
            i += 1
            continue
        lp = macros.opening(body, i)
        if lp is None or lp == 0 or body[lp - 1] not in PRINTF:
            raise Refused("'__VA_ARGS__' is not the arguments of a printf-family call")
        fn = body[lp - 1]
        rp = macros.close(body, lp)
        if rp != i + 1 or body[i - 1] not in (",", "("):
            raise Refused(f"'__VA_ARGS__' is not the last argument of '{fn}' by itself")
        vname, fixed = PRINTF[fn]
        before = 0 if body[i - 1] == "(" else len(macros.split(body, lp + 1, i - 1))
        if before == fixed:
            fmt_here = True
        elif before == fixed + 1:
            fmt_here = False
        else:
            raise Refused(f"'__VA_ARGS__' is not the format and arguments of '{fn}'")
        if needs_fmt is not None and needs_fmt != fmt_here:
            raise Refused("'__VA_ARGS__' is the format in one call and not in another")
        needs_fmt = fmt_here
        # the call: out holds body[:i] -> find the name in out
        name_at = len(out) - (i - (lp - 1))
        args = out[name_at + 2:]
        if not fmt_here:
            fmt_arg = macros.split(args, 0, len(args) - 1)[-1]
            while len(fmt_arg) >= 3 and fmt_arg[0] == "(" and fmt_arg[-1] == ")":
                fmt_arg = fmt_arg[1:-1]
            if len(fmt_arg) == 1 and fmt_arg[0] in m.params:
                formats.add(fmt_arg[0])
        if not fmt_here and args and args[-1] == ",":
            args = args[:-1]
        elif fmt_here and args and args[-1] == ",":
            args = args + [FMT]
        elif fmt_here:
            args = [FMT]
        call = [vname, "("] + args + [",", AP, ")"] if args else [vname, "(", AP, ")"]
        del out[name_at:]
        uses += 1
        if not stmt:
            if name_at != 0 and not (all(x == "(" for x in out)):
                raise Refused("the body is not a printf-family call alone")
            out = call
            i = rp + 1
            # closing parentheses around the call only
            while i < len(body) and body[i] == ")":
                i += 1
            if i != len(body):
                raise Refused("the body is not a printf-family call alone")
            continue
        prev = out[-1] if out else ""
        if not (prev in ("{", ";", "}", "else", "do", ":") or prev == ")" and
                _is_condition(out)) or rp + 1 >= len(body) or body[rp + 1] != ";":
            raise Refused(f"the '{fn}' call with '__VA_ARGS__' is not a statement of its own")
        out.extend(["{", "va_start", "(", AP, ",", _LAST, ")", ";"] + call +
                   [";", "va_end", "(", AP, ")", ";", "}"])
        i = rp + 2
    if body in (["{", "}"], ["0"]) or _is_void_zero(body):
        out, stmt = [], True     # a no-op
    elif not stmt and uses == 0 and body:
        raise Refused("the body is neither a printf-family call nor a statement")
    if uses and not needs_fmt and not m.params:
        raise Refused("no parameter comes before '...' (C89 needs one)")
    return Plan(returns_int=not stmt and uses > 0, needs_fmt=bool(needs_fmt), body=out,
                uses_va=uses > 0, formats=formats,
                compound=not m.body or m.body[-1] == "}")


def _is_void_zero(body: list[str]) -> bool:
    """``body`` is ``(void)0``, in any number of parentheses."""
    while len(body) > 2 and body[0] == "(" and macros.close(body, 0) == len(body) - 1:
        body = body[1:-1]
    return body == ["(", "void", ")", "0"]


def _is_condition(out: list[str]) -> bool:
    """``out`` ends with the parenthesised condition of if/while/for."""
    depth = 0
    for k in range(len(out) - 1, -1, -1):
        if out[k] == ")":
            depth += 1
        elif out[k] == "(":
            depth -= 1
            if depth == 0:
                return k > 0 and out[k - 1] in ("if", "while", "for")
    return False


class _Pass:
    def __init__(self, text: str, ctx):
        self.text = text
        self.ctx = ctx
        self.toks = ctx.tokens(text)
        self.out = PassOutput.of(NAME, text, path=ctx.path)
        self._unit = None
        self.semicolons: list[int] = []    # after calls of the macro being converted

    def state(self, line: int) -> str:
        if not conditionals.structure(self.toks).branches:
            return "active"
        if self._unit is None:
            self._unit = self.ctx.unit(self.text)
        return conditionals.state(self._unit, line)

    def convert_all(self, defs: list[Macro]) -> None:
        toks = self.toks
        active = [m for m in defs if self.state(m.d.line) == "active"]
        by_name: dict[str, Macro] = {}
        dup = set()
        for m in active:
            if m.name in by_name:
                dup.add(m.name)
            by_name[m.name] = m
        conv = _Converter(by_name)
        have_stdarg = any(h == "stdarg.h" for h, _ in included_headers(toks))
        for m in active:
            if not m.variadic:
                continue
            at = toks[m.name_index]
            self.semicolons = []
            try:
                if m.name in dup:
                    raise Refused("it is defined more than once")
                self.check_place(m)
                self.check_name_uses(m)
                p = plan(m, conv)
                later = self.declared_later(m, p)
                text = self.function(m, p, include=p.uses_va and not have_stdarg)
                have_stdarg = have_stdarg or p.uses_va
            except Refused as why:
                self.out.diag(at, "error", f"variadic macro '{m.name}' is C99 only and has no "
                                           f"safe function form: {why}; rewrite it as a "
                                           "function with <stdarg.h>")
                continue
            if not p.uses_va:
                self.out.diag(at, "note", f"variadic macro '{m.name}' discards its arguments; "
                                          "as a function it evaluates them")
            d = m.d
            # the directive's comments go after what replaces it
            notes = [self.text[a:b] for a, b in toks.comments_in(d.start, d.end)]
            tail = " " + " ".join(notes) if notes else ""
            if later is None:
                self.out.edits.replace(d.start, d.end, text + tail, NAME)
            else:
                # the body names what the file declares after the #define:
                # a prototype there (and the #include), the definition
                # after the declaration
                lines = text.split("\n")
                k = next(k for k, ln in enumerate(lines) if ln.startswith("static "))
                here = "\n".join(lines[:k + 1]) + ";" + tail
                self.out.edits.replace(d.start, d.end, here, NAME)
                self.out.edits.insert(later, "\n" + "\n".join(lines[k:]), NAME)
            for at in self.semicolons:
                self.out.edits.insert(at, ";", NAME)

    def check_place(self, m: Macro) -> None:
        """A function cannot be defined inside another one."""
        unit = self._unit = self._unit or self.ctx.unit(self.text)
        line = m.d.line
        if any(first <= line <= last for first, last, _ in argtypes.functions(unit)):
            raise Refused("it is defined inside a function")

    def declared_later(self, m: Macro, p: Plan) -> int | None:
        """Where the function must be defined when its body names what the
        file declares only after the #define (zstd's ``g_displayLevel``):
        the end of the last such declaration; None when all is declared
        before (or is not the file's: a macro, a library name)."""
        names = {t for t in p.body if t.isidentifier() and t not in m.params}
        if not names:
            return None
        unit = self._unit = self._unit or self.ctx.unit(self.text)
        sem = semantics.of(unit, ast=False)
        exts = sem.file.exts
        line = m.d.line
        kdef = next((k for k, e in enumerate(exts) if unit.in_main(e) and e.coord.line > line),
                    len(exts))
        ends = []
        for name in sorted(names):
            where = sem.file.names.get(name)
            if not where or any(k < kdef for k, _ in where):
                continue
            if conditionals.structure(self.toks).enclosing(m.d):
                raise Refused(f"'{name}' is declared after it, and it is inside #if")
            ends.append(self.end_of(unit, exts[where[0][0]], name))
        return max(ends) if ends else None

    def end_of(self, unit, ext, name: str) -> int:
        """The offset after the top-level declaration or definition ``ext``."""
        toks = self.toks
        i = unit.text_tok(ext, name) if not isinstance(ext, c_ast.FuncDef) else \
            unit.text_tok(ext.decl, name)
        if i is None:
            raise Refused(f"'{name}' is declared after it, by a macro")
        if isinstance(ext, c_ast.FuncDef):
            j = i
            while j < len(toks) and toks[j].text != "{":
                j += 1
            k = toks.match.get(j)
        else:
            k = toks.find_semicolon(i)
        if k is None:
            raise Refused(f"cannot tell where '{name}' is declared")
        return toks.src.line_end(toks[k].end)     # after a comment ending the line

    def check_name_uses(self, m: Macro) -> None:
        """The name is only ever called (a function cannot be #undef'd or
        tested after its definition, and the name alone would mean the
        function)."""
        toks = self.toks
        kinds = macros.directive_kinds(toks)
        for i in toks.id_index.get(m.name, ()):
            t = toks[i]
            if t.pp >= 0:
                dname = kinds.get(t.pp, "")
                # a test before the #define asks about a definition from
                # elsewhere, which the function does not change
                if dname == "undef" or dname in ("ifdef", "ifndef", "if", "elif") \
                        and t.start > m.d.start:
                    raise Refused(f"its name is used in #{dname} at line {t.line}")
                if dname != "define" or toks[t.pp + 2] is t:
                    continue
            if not toks.is_member(i) and (i + 1 >= len(toks) or toks[i + 1].text != "("):
                raise Refused(f"its name is used without arguments at line {t.line}")

    def check_statement(self, p: Plan, i: int, end: int) -> None:
        """A call of a macro that becomes a void function is a statement
        (one whose body is a compound statement needs no ';' after it: the
        function call gets one, in ``self.semicolons``)."""
        if p.returns_int:
            return
        toks = self.toks
        prev = toks.prev_code(i)
        nxt = toks.next_code(end)
        ptxt = toks[prev].text if prev is not None else ""
        ok = ptxt in ("{", ";", "}", "else", "do", ":", ")") and nxt is not None
        if ok and toks[nxt].text != ";":
            ok = p.compound and toks[nxt].text not in (")", ",", "]")
            self.semicolons.append(toks[end].end)      # (calls come in text order)
        if ok and ptxt == ")" and toks[prev].end not in self.semicolons:
            o = toks.match.get(prev)
            ok = o is not None and o > 0 and toks[o - 1].text in ("if", "while", "for")
        if not ok:
            raise Refused(f"its call at line {toks[i].line} is not a statement")

    def param_types(self, m: Macro, p: Plan, npos: int) -> list[str | None]:
        """The types of the first ``npos`` arguments, from the calls."""
        toks = self.toks
        types: list[str | None] = [None] * npos
        for i, end, args in macros.calls(toks, m.name):
            if toks[i].pp < 0:
                self.check_statement(p, i, end)
            for k, a in enumerate(args[:npos]):
                if k < len(m.params) and m.params[k] in p.formats:
                    continue
                arg = [(kind, text) for kind, text, _ in a]
                if any(text == "__VA_ARGS__" for _, text in arg):
                    continue
                lt = macros.literal_type(arg)
                if lt is None and len(a) == 1 and a[0][0] == "id" and toks[i].pp < 0:
                    unit = self._unit = self._unit or self.ctx.unit(self.text)
                    lt = argtypes.name_type(unit, semantics.of(unit), a[0][1], toks[i].line)
                if lt is None:
                    what = f"parameter '{m.params[k]}'" if k < len(m.params) else \
                        "the first argument"
                    raise Refused(f"the type of {what} is not told by the argument "
                                  f"'{' '.join(t for _, t in arg)}' at line {toks[i].line}")
                try:
                    types[k] = macros.merge_types(types[k], lt)
                except ValueError as exc:
                    raise Refused(str(exc)) from None
        return types

    def function(self, m: Macro, p: Plan, include: bool) -> str:
        first = not m.params and not p.needs_fmt   # a named first variable argument
        types = self.param_types(m, p, len(m.params) + (1 if first else 0))
        params = []
        for k, name in enumerate(m.params):
            ty = "const char *" if name in p.formats else types[k]
            if ty is None:
                raise Refused(f"no call tells the type of parameter '{name}'")
            params.append(_param(ty, name))
        if p.needs_fmt:
            params.append(_param("const char *", FMT))
        if first:
            params.append(_param(types[0] or "const char *", FIRST))
        last = params[-1].replace("*", " ").split()[-1]
        lines = ["#include <stdarg.h>"] if include else []
        lines += [f"static {'int' if p.returns_int else 'void'} {m.name}({', '.join(params)}, ...)",
                  "{"]
        if p.returns_int:
            lines.append(f"    int {RET};")
        if p.uses_va:
            lines.append(f"    va_list {AP};")
        if p.returns_int:
            lines += [f"    va_start({AP}, {last});",
                      f"    {RET} = {macros.join(p.body)};",
                      f"    va_end({AP});",
                      f"    return {RET};"]
        elif p.body:
            body = macros.join([last if t == _LAST else t for t in p.body])
            lines.append(f"    {body}{'' if p.body[-1] in (';', '}') else ';'}")
        lines.append("}")
        return "\n".join(lines)


def _param(ty: str, name: str) -> str:
    return f"{ty}{'' if ty.endswith('*') else ' '}{name}"


def run(text: str, ctx) -> PassOutput:
    p = _Pass(text, ctx)
    defs = macros.definitions(p.toks)
    if any(m.variadic for m in defs):
        p.convert_all(defs)
    return p.out


def needed(text: str) -> bool:
    return "..." in text


# first of the rewrites (see passes/__init__.py)
SPEC = PassSpec(NAME, "round", run, failure="variadic macros with no C89 form", needed=needed)
