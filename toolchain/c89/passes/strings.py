"""String literals longer than C89's 509 characters -> char arrays.

C89 (2.2.4.1) requires compilers to take string literals of 509
characters after concatenation, and no more (``gcc -std=c89
-pedantic-errors`` refuses longer ones); an initializer list has no such
limit.  So a longer literal is spelled as a brace list of character
constants, with the same bytes and the terminating 0:

* initialising a char array (``static const char s[] = "..." "...";``):
  the literal becomes the brace list in place (without the 0 when the array
  is declared exactly as long as the text, as C allows);
* anywhere else (``static const char *text = "...";``, an argument, an
  element of a table of pointers): ``static char c89strN[] = { ... };`` is
  declared at file scope before the definition that uses it, and its name
  replaces the literal.  The array has the literal's type (``char[N]``) and,
  like the literal, static storage, so ``sizeof``, decay to ``char *`` and
  address-constant initializers are unchanged.

Reported instead (error): wide and prefixed literals, characters outside
ASCII (the bytes they stand for depend on how the file is read), a long
literal inside a ``#define`` body or written by a macro, and one in an
initializer whose target the porter cannot tell.  In a branch the
preprocessor drops it is a warning.
"""

from __future__ import annotations

import re

from pycparser import c_ast

from ..analysis import conditionals
from ..analysis.extents import init_equals
from ..analysis.initializers import Aggregate, InitError, Resolver, Value
from ..analysis.names import FreshNames
from ..analysis.walks import nodes, walk_cached
from .base import PassOutput, PassSpec, UnitPass

NAME = "strings"
LIMIT = 509
PER_LINE = 12

# a run of literals separated by blanks, at least LIMIT characters of source
_LONG_RUN = re.compile(r'"(?:[^"\\\n]|\\.)*"(?:(?:\s|\\\n)*"(?:[^"\\\n]|\\.)*")*')
_SIMPLE = {"n": 10, "t": 9, "r": 13, "a": 7, "b": 8, "f": 12, "v": 11, "\\": 92, "'": 39,
           '"': 34, "?": 63}
_SHOW = {10: r"'\n'", 9: r"'\t'", 13: r"'\r'", 7: r"'\a'", 8: r"'\b'", 12: r"'\f'",
         11: r"'\v'", 92: r"'\\'", 39: r"'\''", 0: "0"}


def needed(text: str) -> bool:
    """False when no run of adjacent literals spans more than LIMIT
    characters of source (its value cannot be longer than its spelling)."""
    return any(m.end() - m.start() > LIMIT for m in _LONG_RUN.finditer(text))


def decode(body: str) -> list[int] | None:
    """Character values of a narrow literal's body; None for what has no
    byte value here (non-ASCII characters, universal character names)."""
    out: list[int] = []
    i, n = 0, len(body)
    while i < n:
        c = body[i]
        if c != "\\":
            if ord(c) > 126:
                return None
            out.append(ord(c))
            i += 1
            continue
        e = body[i + 1]
        if e in _SIMPLE:
            out.append(_SIMPLE[e])
            i += 2
        elif e in "01234567":
            m = re.match(r"[0-7]{1,3}", body[i + 1:])
            out.append(int(m.group(0), 8) & 0xFF)
            i += 1 + len(m.group(0))
        elif e == "x":
            m = re.match(r"[0-9a-fA-F]+", body[i + 2:])
            if m is None or int(m.group(0), 16) > 0xFF:
                return None
            out.append(int(m.group(0), 16))
            i += 2 + len(m.group(0))
        else:
            return None
    return out


def char_constant(v: int) -> str:
    if v in _SHOW:
        return _SHOW[v]
    if 32 <= v < 127:
        return f"'{chr(v)}'"
    return f"'\\{v:03o}'"


def _constants(ext) -> list:
    return [n for n in nodes(ext) if isinstance(n, c_ast.Constant) and n.type == "string"]


class _Pass(UnitPass):
    name = NAME

    def __init__(self, unit):
        super().__init__(unit)
        self.names = FreshNames(unit.toks, "c89str")

    # -- finding the runs ------------------------------------------------------------
    def runs(self) -> list[tuple[int, int]]:
        """[first, last] token indexes of runs of adjacent literals (in code
        or in a #define body) longer than LIMIT characters."""
        toks = self.toks.toks
        out = []
        i, n = 0, len(toks)
        while i < n:
            t = toks[i]
            if t.kind != "str" or (t.pp >= 0 and toks[t.pp + 1].text != "define"):
                i += 1
                continue
            j = i
            while j + 1 < n and toks[j + 1].kind == "str" and toks[j + 1].pp == t.pp:
                j += 1
            if sum(len(toks[k].text) for k in range(i, j + 1)) > LIMIT and self.length(i, j) > LIMIT:
                out.append((i, j))
            i = j + 1
        return out

    def length(self, i: int, j: int) -> int:
        """Characters of the run's value (at most its spelling's length)."""
        total = 0
        for k in range(i, j + 1):
            text = self.toks[k].text
            body = text[text.index('"') + 1:-1]
            vals = decode(body)
            total += len(vals) if vals is not None else len(body)
        return total

    def values(self, i: int, j: int) -> list[int] | None:
        out: list[int] = []
        for k in range(i, j + 1):
            text = self.toks[k].text
            if not text.startswith('"'):
                return None
            vals = decode(text[1:-1])
            if vals is None:
                return None
            out.extend(vals)
        return out

    # -- one run -------------------------------------------------------------------------
    def report(self, i: int, why: str) -> None:
        first = self.toks[i]
        active = first.pp >= 0 or conditionals.state(self.u, first.line) == "active"
        self.out.diag(first, "error" if active else "warning",
                      f"string literal longer than the {LIMIT} characters C89 compilers must "
                      f"accept ({why}): split it by hand")

    def convert(self, run: tuple[int, int], where: dict) -> None:
        i, j = run
        if self.toks[i].pp >= 0:
            self.report(i, "in a #define body")
            return
        found = where.get(i)
        if found is None:
            self.report(i, "written by a macro, or in code the preprocessor drops")
            return
        node, parent, ext = found
        vals = self.values(i, j)
        if vals is None:
            self.report(i, "a wide or prefixed literal, or characters outside ASCII")
            return
        target = self.target(node, parent, ext)
        if target == "unknown":
            self.report(i, "in an initializer whose element type the porter cannot tell")
            return
        start, end = self.toks[i].start, self.toks[j].end
        indent = self.u.src.indent_of(self.toks[i].start)
        if isinstance(target, tuple):      # a char array of that many elements
            size = target[1]
            if size is None or size > len(vals):
                vals = vals + [0]
            self.edits.replace(start, end, self.brace_list(vals, indent), NAME)
            return
        name = self.names.new()
        decl = f"static char {name}[] = {self.brace_list(vals + [0], '')};\n"
        self.edits.insert(self.definition_start(ext), decl, NAME)
        self.edits.replace(start, end, name, NAME)

    def brace_list(self, vals: list[int], indent: str) -> str:
        items = [char_constant(v) for v in vals]
        lines = [", ".join(items[k:k + PER_LINE]) for k in range(0, len(items), PER_LINE)]
        inner = indent + "    "
        return "{\n" + ",\n".join(inner + x for x in lines) + "\n" + indent + "}"

    def target(self, node, parent, ext):
        """("array", declared length or None) when the literal initialises a
        char array, "pointer" when it is a value, "unknown"."""
        if isinstance(parent, c_ast.Decl) and parent.init is node:
            here = self.sem.at(parent, ext if isinstance(ext, c_ast.FuncDef) else None)
            return self.array_or_value(here, parent.type)
        if isinstance(parent, (c_ast.InitList, c_ast.NamedInitializer)):
            return self.slot_of(node, ext)
        return "pointer"

    def array_or_value(self, here, t):
        if here.is_char_array(t):
            r = here.resolve(t)
            n = here.int_value(r.dim) if r.dim is not None else None
            if r.dim is not None and n is None:
                return "unknown"
            return ("array", n)
        return "pointer"

    def slot_of(self, node, ext):
        """What the literal initialises inside a brace list: resolved against
        the declared type of the declaration holding the list."""
        decl = next((d for d in nodes(ext) if isinstance(d, c_ast.Decl)
                     and isinstance(d.init, c_ast.InitList) and _holds(d.init, node)), None)
        if decl is None:
            return "unknown"
        here = self.sem.at(decl, ext if isinstance(ext, c_ast.FuncDef) else None)
        lb = self.init_brace(decl)
        if lb is None:
            return "unknown"
        try:
            agg = Aggregate(here, decl.type)
            Resolver(self.u, here, 1 << 30).fill(agg, lb, decl.init)
        except InitError:
            return "unknown"
        t = _slot_type(agg, node)
        return "unknown" if t is None else self.array_or_value(here, t)

    def init_brace(self, decl) -> int | None:
        """Token of the ``{`` that opens the initializer of ``decl``."""
        toks = self.toks
        i = self.u.text_tok(decl, decl.name) if decl.name else None
        if i is None:
            return None
        j = init_equals(toks, i)
        if j is None:
            return None
        lb = toks.next_code(j) if j < len(toks) else None
        return lb if lb is not None and toks[lb].text == "{" else None

    # -- text --------------------------------------------------------------------------------
    def definition_start(self, ext) -> int:
        """Offset where the top-level declaration or definition ``ext``
        starts (its line, when only blanks come before it there)."""
        toks = self.toks
        d = ext.decl if isinstance(ext, c_ast.FuncDef) else ext
        i = self.u.text_tok(d, d.name) if d.name else None
        if i is None:
            i = self.u.tok_of(ext)
        j = i - 1
        while j >= 0:
            t = toks[j]
            if t.pp >= 0 or t.text in (";", "{"):
                break
            if t.text in (")", "]"):
                j = toks.match.get(j, j) - 1
                continue
            if t.text == "}":
                m = toks.match.get(j)
                # a struct/union/enum body among the specifiers
                if m is not None and m > 0 and (toks[m - 1].text in ("struct", "union", "enum")
                                                or toks[m - 1].kind == "id" and m > 1
                                                and toks[m - 2].text in ("struct", "union",
                                                                         "enum")):
                    j = m - 1
                    continue
                break
            j -= 1
        first = toks[j + 1]
        ls = self.u.src.line_start(first.start)
        return ls if not self.text[ls:first.start].strip() else first.start

    def run(self) -> None:
        runs = self.runs()
        if not runs:
            return
        wanted = {i for i, _ in runs if self.toks[i].pp < 0}
        where: dict[int, tuple] = {}
        if wanted:
            for ext in self.u.ast.ext:
                if not self.u.in_main(ext):
                    continue
                consts = walk_cached(ext, "strings", _constants)
                if not consts:
                    continue
                for parent in nodes(ext):
                    for _, c in parent.children():
                        if isinstance(c, c_ast.Constant) and c.type == "string":
                            k = self.u.text_tok(c)
                            if k in wanted:
                                where[k] = (c, parent, ext)
        for run in runs:
            self.convert(run, where)


def _holds(tree, node) -> bool:
    stack = [tree]
    while stack:
        n = stack.pop()
        if n is node:
            return True
        stack.extend(c for _, c in n.children())
    return False


def _slot_type(agg: Aggregate, node):
    for i, s in agg.slots.items():
        if isinstance(s, Value) and s.node is node:
            return agg.slot_type(i)
        if isinstance(s, Aggregate):
            t = _slot_type(s, node)
            if t is not None:
                return t
    return None


def run(text: str, ctx) -> PassOutput:
    unit = ctx.unit(text)
    p = _Pass(unit)
    p.run()
    return p.out


SPEC = PassSpec(NAME, "round", run, failure="string literals too long for C89", needed=needed)
