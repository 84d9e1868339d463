"""Compound literals -> named objects.

``(struct P){1, 2}`` has no C89 spelling; a named object of the same type
replaces it:

* at file scope: ``static T c89cl_N = {...};`` before the declaration that
  used it (the literal has static storage there);
* in a block, with constant values: ``T c89cl_N = {...};`` at the start of
  the innermost enclosing block, which is exactly the literal's lifetime
  (C99 6.5.2.5p6) and re-runs the initialisation each time the block is
  entered;
* in a block, with non-constant values, or where the literal is evaluated
  several times per entry of its block (a loop condition or a loop body
  without braces): ``T c89cl_N;`` at the start of the block and, at the
  point of use, ``(c89cl_N.x = a, c89cl_N.y = b, c89cl_N)`` -- every
  member and element assigned (zeros for the ones not mentioned), so each
  evaluation re-initialises it.  ``&(T){...}`` becomes ``(..., &c89cl_N)``.

Designators inside are resolved like the designated pass does.  Reported:
type names that define a struct or use a parenthesised declarator,
non-constant char arrays initialised from strings, more than 256 member
assignments, and arrays of unknown size whose length cannot be told.
"""

from __future__ import annotations

from pycparser import c_ast

from ..analysis.initializers import Aggregate, InitError, Resolver, assignments, is_aggregate
from ..analysis.names import FreshNames
from ..analysis.walks import nodes, walk_cached
from .base import PassOutput, PassSpec, UnitPass

NAME = "compound_literals"
MAX_ASSIGN = 256
_LOOPS = (c_ast.For, c_ast.While, c_ast.DoWhile)


def _literals_in(ext) -> list:
    """The compound literals under ``ext``."""
    return [n for n in nodes(ext) if isinstance(n, c_ast.CompoundLiteral)]


class _Pass(UnitPass):
    name = NAME

    def __init__(self, unit):
        super().__init__(unit)
        self.names = FreshNames(unit.toks, "c89cl_")
        self.here = self.sem.at()       # where the literal being rewritten is
        self.r = Resolver(unit, self.here, MAX_ASSIGN)

    # -- finding literals -----------------------------------------------------------
    def literals(self):
        """(literal, ancestors) for every compound literal of the file that has
        none inside it (outer ones follow in the next round)."""
        out = []

        def contains(n) -> bool:
            if isinstance(n, c_ast.CompoundLiteral):
                return True
            return any(contains(c) for _, c in n.children())

        def walk(n, anc):  # anc ends with n
            for _, c in n.children():
                if isinstance(c, c_ast.CompoundLiteral) and not contains(c.init):
                    out.append((c, anc))
                else:
                    walk(c, anc + [c])

        for ext in self.u.ast.ext:
            if self.u.in_main(ext) and walk_cached(ext, "compound-literals", _literals_in):
                walk(ext, [ext])
        return out

    # -- one literal ---------------------------------------------------------------------
    def literal(self, lit, anc) -> None:
        toks = self.toks
        lp = self.u.text_tok(lit, "(")
        rp = toks.match.get(lp) if lp is not None else None
        if rp is None or rp + 1 >= len(toks) or toks[rp + 1].text != "{":
            raise InitError("cannot find the text of a compound literal (made by a macro?)", lit)
        lb = rp + 1
        rb = toks.match.get(lb)
        if rb is None:
            raise InitError("cannot find the end of a compound literal", lit)
        type_toks = list(range(lp + 1, rp))
        if any(toks[k].text in ("{", "(") for k in type_toks):
            raise InitError("compound literal whose type name defines a struct or has a "
                         "parenthesised declarator: declare the object by hand", lit, lp)
        func = next((a for a in anc if isinstance(a, c_ast.FuncDef)), None)
        self.here = self.sem.at(lit, func)
        self.r = Resolver(self.u, self.here, MAX_ASSIGN)
        ty = lit.type.type
        name = self.names.new()
        if func is None:
            decl = "static " + self.declaration(type_toks, name) + " = " + self.r.span(lb, rb + 1) + ";"
            self.insert_before_statement(lp, decl)
            self.edits.replace(toks[lp].start, toks[rb].end, name, NAME)
            return
        comp_i = max(k for k, a in enumerate(anc) if isinstance(a, c_ast.Compound))
        comp = anc[comp_i]
        reinit = False
        for k in range(comp_i + 1, len(anc)):
            a = anc[k]
            child = anc[k + 1] if k + 1 < len(anc) else lit
            if isinstance(a, _LOOPS) and not (isinstance(a, c_ast.For) and child is a.init):
                reinit = True
        constant = self.here.is_constant(lit.init)
        clb = self.u.text_tok(comp, "{")
        if clb is None:
            raise InitError("cannot find the block around a compound literal", lit, lp)
        amp = None
        parent = anc[-1] if anc else None
        if isinstance(parent, c_ast.UnaryOp) and parent.op == "&":
            k = toks.prev_code(lp)
            if k is not None and toks[k].text == "&":
                amp = k
        if constant and not reinit:
            decl = self.declaration(type_toks, name) + " = " + self.r.span(lb, rb + 1) + ";"
            self.insert_block_start(clb, decl)
            self.edits.replace(toks[lp].start, toks[rb].end, name, NAME)
            return
        # declared at the block start, (re)initialised where it is evaluated
        if is_aggregate(self.here, ty):
            agg = Aggregate(self.here, ty)
            self.r.fill(agg, lb, lit.init)
            length = None
            if agg.kind == "array" and agg.nslots() is None:
                if agg.length == -1:
                    raise InitError("array compound literal whose size the porter cannot "
                                 "evaluate", lit, lp)
                length = (max(agg.slots) + 1) if agg.slots else 0
                agg.length = length
            assigns: list[str] = []
            assignments(self.here, agg, name, assigns, MAX_ASSIGN)
            decl = self.declaration(type_toks, name, length, strip_const=True) + ";"
        else:
            items = self.r.items(lb, lit.init)
            if len(items) != 1:
                raise InitError("scalar compound literal with several values", lit, lp)
            x, v, y = items[0]
            assigns = [f"{name} = {self.r.span(v, y)}"]
            decl = self.declaration(type_toks, name, strip_const=True) + ";"
        self.insert_block_start(clb, decl)
        start = toks[amp].start if amp is not None else toks[lp].start
        result = ("&" if amp is not None else "") + name
        self.edits.replace(start, toks[rb].end, "(" + ", ".join(assigns + [result]) + ")", NAME)

    # -- text -------------------------------------------------------------------------------
    def declaration(self, type_toks, name, length=None, strip_const=False) -> str:
        toks = self.toks
        words = []
        placed = False
        star_seen = False
        for k in type_toks:
            t = toks[k]
            if t.text == "*":
                star_seen = True
            if strip_const and t.text == "const" and not star_seen:
                continue
            if t.text == "[" and not placed:
                words.append(name)
                placed = True
                if length is not None and k + 1 < len(toks) and toks[k + 1].text == "]":
                    words.append(f"[{length}")
                    continue
            words.append(t.text)
        if not placed:
            words.append(name)
        out = ""
        for w in words:
            if out and (out[-1].isalnum() or out[-1] == "_") and (w[0].isalnum() or w[0] == "_"):
                out += " "
            elif out and w[0] in "*" and out[-1] != "*":
                out += " "
            out += w
        return out

    def insert_block_start(self, clb: int, decl: str) -> None:
        toks, src = self.toks, self.u.src
        pos = toks[clb].end
        le = src.line_end(pos)
        nxt = clb + 1
        if nxt < len(toks) and toks[nxt].line > toks[clb].line and not self.text[pos:le].strip():
            indent = src.indent_of(toks[nxt].start)
            self.edits.insert(le, "\n" + indent + decl, NAME)
        else:
            self.edits.insert(pos, " " + decl, NAME)

    def insert_before_statement(self, i: int, decl: str) -> None:
        toks = self.toks
        depth = 0
        j = i - 1
        while j >= 0:
            t = toks[j]
            if t.pp >= 0:
                break
            if t.text in (")", "]", "}"):
                if t.text == "}" and depth == 0:
                    m = toks.match.get(j)
                    # a struct body inside the declaration: keep walking past it
                    if m is None or toks[m - 1].kind != "id" and toks[m - 1].text not in (
                            "struct", "union", "enum"):
                        break
                depth += 1
            elif t.text in ("(", "[", "{"):
                depth -= 1
            elif t.text == ";" and depth == 0:
                break
            j -= 1
        first = toks[j + 1]
        ls = self.u.src.line_start(first.start)
        if not self.text[ls:first.start].strip():
            self.edits.insert(ls, self.text[ls:first.start] + decl + "\n", NAME)
        else:
            self.edits.insert(first.start, decl + " ", NAME)

    def run(self) -> None:
        for lit, anc in self.literals():
            try:
                self.literal(lit, anc)
            except InitError as exc:
                tok = exc.tok if exc.tok is not None else self.u.locate(lit.coord, "(")
                at = tok if tok is not None else (lit.coord.line if lit.coord else 0, 0)
                self.out.diag(at, "error", exc.message)


def run(text: str, ctx) -> PassOutput:
    unit = ctx.unit(text)
    if "{" not in text:
        return PassOutput.of(NAME, text, unit)
    p = _Pass(unit)
    p.run()
    return p.out


SPEC = PassSpec(NAME, "round", run, failure="compound literals that cannot be converted")
