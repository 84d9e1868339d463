"""Designated initializers -> positional ones.

``{ .y = 2, .x = 1 }``, ``{ [3] = 7, [0] = 1 }``, nested ``.a.b[2] = x``,
gaps, out-of-order and mixed positional items (which continue after the
last designated one, C99 6.7.8p17), brace elision and string literals for
char arrays are all resolved against the declared type, and the
initializer is rewritten as a positional list with explicit zeros for the
gaps (``{0}`` for an aggregate member).  An array of unknown size gets as
many elements as the designators implied, so its size is unchanged.
Lists with no designator are left alone; where a rewritten list spanned
several lines, each top-level element keeps a line (and its comments).

Sites: object definitions at file scope, ``static`` ones and block-scope
ones whose values are all constant.  A block-scope initializer with
non-constant values is left to the declarations pass, which turns it into
assignments.  Reported (error): initialising a union member other than the
first, designators the type does not have, index expressions that are not
integer constants, values whose type cannot be told (a call result where
brace elision would apply), and gaps of more than 10000 zeros.
"""

from __future__ import annotations

from pycparser import c_ast

from ..analysis.extents import init_equals
from ..analysis.initializers import Aggregate, InitError, Resolver, has_designator, \
    is_aggregate, zero_of
from ..analysis.walks import body_nodes, walk_cached
from .base import PassOutput, PassSpec, UnitPass

NAME = "designated"
MAX_ZEROS = 10000


def _designated_decls(fd) -> list:
    """The declarations in a function body initialized by a brace list with
    designators, in source order."""
    return [n for n in body_nodes(fd) if isinstance(n, c_ast.Decl)
            and isinstance(n.init, c_ast.InitList) and has_designator(n.init)]


class _Pass(UnitPass):
    name = NAME

    # -- emitting -----------------------------------------------------------------------
    def emit_top(self, r: Resolver, agg: Aggregate, lb: int, top_items) -> str:
        toks, text = self.toks, self.text
        rb = toks.match[lb]
        budget = [0]
        if not agg.slots:
            return zero_of(r.ty, agg.t)
        last = max(agg.slots)
        values = [r.emit_slot(agg, i, budget) for i in range(last + 1)]
        if toks[lb].line == toks[rb].line:
            inner = text[toks[lb].end:toks[rb].start]
            pad = " " if inner[:1] in (" ", "\t") else ""
            return "{" + pad + ", ".join(values) + pad + "}"
        # one line per top-level element, keeping comments with their element
        comments = toks.comments_in(toks[lb].end, toks[rb].start)
        lead: dict[int, list[str]] = {}
        trail: dict[int, list[str]] = {}
        for cs, ce in comments:
            line = self.u.src.line_col(cs)[0]
            owner = next((it for it in top_items
                          if toks[it[1] - 1].end <= cs and toks[it[1] - 1].line == line), None)
            if owner is not None:
                trail.setdefault(owner[2], []).append(text[cs:ce])
                continue
            nxt = next((it for it in top_items if toks[it[0]].start > cs), None)
            if nxt is not None:
                lead.setdefault(nxt[2], []).append(text[cs:ce])
            elif top_items:
                trail.setdefault(top_items[-1][2], []).append(text[cs:ce])
        indent = self.u.src.indent_of(toks[top_items[0][0]].start) if top_items else "    "
        close_indent = self.u.src.indent_of(toks[rb].start) if toks[rb].bol else ""
        trailing_comma = toks.prev_code(rb) is not None and toks[toks.prev_code(rb)].text == ","
        lines = []
        i = 0
        while i <= last:
            if agg.slots.get(i) is None:
                j = i
                while j <= last and agg.slots.get(j) is None:
                    j += 1
                lines.append(indent + ", ".join(values[i:j]) + ",")
                i = j
                continue
            for c in lead.get(i, []):
                lines.append(indent + c)
            line = indent + values[i] + ("," if i < last or trailing_comma else "")
            if trail.get(i):
                line += " " + " ".join(trail[i])
            lines.append(line.rstrip())
            i += 1
        tail = "\n" + close_indent if toks[rb].bol else "\n" + indent[:-4 if len(indent) >= 4 else 0]
        return "{\n" + "\n".join(lines) + tail + "}"

    # -- sites --------------------------------------------------------------------------------
    def site(self, decl, fd) -> None:
        init = decl.init
        if not isinstance(init, c_ast.InitList) or not has_designator(init):
            return
        here = self.sem.at(decl, fd)
        storage = set(decl.storage or [])
        if fd is not None and "static" not in storage and not here.is_constant(init):
            return  # the declarations pass turns it into assignments
        toks = self.toks
        i = self.u.text_tok(decl, decl.name)
        if i is None:
            raise InitError(f"cannot find the declaration of '{decl.name}' in the text", decl)
        j = init_equals(toks, i)
        if j is None:
            raise InitError(f"cannot find the initializer of '{decl.name}'", decl)
        lb = j + 1
        if lb >= len(toks) or toks[lb].text != "{" or lb not in toks.match:
            raise InitError(f"cannot find the initializer of '{decl.name}' (made by a macro?)", decl)
        if not is_aggregate(here, decl.type):
            return
        r = Resolver(self.u, here, MAX_ZEROS)
        agg = Aggregate(here, decl.type)
        top_items: list = []
        r.fill(agg, lb, init, top_items)
        new = self.emit_top(r, agg, lb, top_items)
        self.edits.replace(toks[lb].start, toks[toks.match[lb]].end, new, NAME)

    def run(self) -> None:
        for ext in self.u.ast.ext:
            if not self.u.in_main(ext):
                continue
            if isinstance(ext, c_ast.Decl):
                self.guard(ext, None)
            elif isinstance(ext, c_ast.FuncDef):
                for n in walk_cached(ext, "designated", _designated_decls):
                    self.guard(n, ext)

    def guard(self, decl, fd) -> None:
        try:
            self.site(decl, fd)
        except InitError as exc:
            at = exc.tok if exc.tok is not None else exc.node if exc.node is not None else decl
            self.out.diag(at, "error", exc.message)


def run(text: str, ctx) -> PassOutput:
    unit = ctx.unit(text)
    p = _Pass(unit)
    p.run()
    return p.out


SPEC = PassSpec(NAME, "round", run,
                failure="designated initializers that cannot be made positional")
