"""What becomes of each declaration: moved whole, split into a declaration
and an assignment, its brace initializer turned into member or element
assignments, or a new block instead; and VLAs, which C89 has not."""

from __future__ import annotations

import re

from pycparser import c_ast, c_generator

from ...analysis.initializers import Aggregate, InitError, Resolver, assignments, \
    is_aggregate
from ...analysis.literals import integer_value
from .syntax import innermost

_MAX_ZERO_FILL = 64


def _values(agg) -> int:
    """How many values the initializer placed in a filled aggregate."""
    return sum(_values(v) if isinstance(v, Aggregate) else 1 for v in agg.slots.values())


class Classification:
    """The part of the pass that judges declarations and lowers non-constant
    aggregate initializers (reads ``Core``)."""

    def classify(self, decl) -> str:
        """'split' | 'keep' | 'elements' | 'fallback' | 'ok' (no initializer)."""
        storage = set(getattr(decl, "storage", None) or [])
        if isinstance(decl, c_ast.Typedef) or storage & {"static", "extern", "typedef"} \
                or isinstance(decl.type, c_ast.FuncDecl):
            return "keep"
        inner = innermost(decl.type)
        if decl.name is None or (isinstance(inner, (c_ast.Struct, c_ast.Union))
                                 and inner.decls is not None and _defines_tags(inner)) \
                or (isinstance(inner, c_ast.Enum) and inner.values is not None):
            if isinstance(decl.init, c_ast.InitList) \
                    and not self.place(decl).is_constant(decl.init):
                self.error(decl, f"initializer of '{decl.name}' has non-constant elements, "
                                 "which C89 does not allow, and its declaration defines a "
                                 "tag: declare the type before it, or rewrite it by hand")
            return "fallback"
        init = decl.init
        if init is None:
            return "ok"
        here = self.place(decl)
        if isinstance(init, c_ast.InitList):
            if here.is_constant(init):
                return "fallback" if self.has_labels else "keep"
            macro = self.init_macro(decl)
            if macro is not None and self.macro_init_span(decl) is None:
                # braces written by a macro among other tokens: nothing to rewrite per element
                self.warn(decl, f"initializer of '{decl.name}' (from macro '{macro}') has "
                                "non-constant elements, which C89 does not allow")
                return "fallback"
            if here.has_const_parts(decl.type):
                self.error(decl, "cannot convert safely: const aggregate with non-constant "
                                 f"initializer ('{decl.name}')")
            return "elements"
        if isinstance(decl.type, c_ast.ArrayDecl) or here.top_const(decl.type):
            if here.is_constant(init) and not self.has_labels:
                return "keep"
            return "fallback"
        return "split"

    def macro_init_span(self, decl) -> tuple[int, int] | None:
        """Tokens [k, e) of an initializer that is one macro invocation and
        nothing else (``buf b = BUF_INIT(mem);``), or None."""
        toks = self.toks
        k = self.init_start(self.decl_name_tok(decl))
        if k is None or toks[k].kind != "id":
            return None
        e = k + 1
        if e < len(toks) and toks[e].text == "(" and toks[e].pp < 0:
            m = toks.match.get(e)
            if m is None:
                return None
            e = m + 1
        if e >= len(toks) or toks[e].text not in (";", ","):
            return None
        return k, e

    def init_start(self, i: int | None) -> int | None:
        """Token after the ``=`` of the declarator at token ``i``."""
        if i is None:
            return None
        toks = self.toks
        end = toks.find_semicolon(i)
        if end is None:
            return None
        j = self.first_top_level(i, end, ("=", ",", ";"))
        return toks.next_code(j) if j is not None and toks[j].text == "=" else None

    def init_macro(self, decl) -> str | None:
        """Name of the macro whose expansion is the initializer of ``decl``
        (``buf b = BUF_INIT(mem);``), or None when the initializer is
        written out (or the declaration itself is not original text)."""
        k = self.init_start(self.decl_name_tok(decl))
        if k is None or self.toks[k].text == "{":
            return None
        return self.toks[k].text if self.toks[k].kind == "id" else "?"

    def check_vla(self, decl) -> None:
        t = getattr(decl, "type", None)
        while t is not None:
            if isinstance(t, c_ast.ArrayDecl) and t.dim is not None \
                    and not self.place(decl).is_constant(t.dim):
                self.error(decl, f"variable-length array '{decl.name}' has no C89 equivalent; "
                                 "use malloc/free")
            t = getattr(t, "type", None)

    def element_assignments(self, decl, init_range) -> list[str]:
        """``v[0] = a;`` / ``s.a.x = a;`` ... for a non-constant aggregate
        initializer, resolved against the type (nested braces, brace
        elision, designators: ``analysis.initializers``); what it does not
        mention is set to 0, as static initialisation would; an array of
        unknown size gets the length the initializer gives it
        (``sized_declarator``)."""
        a, b = init_range
        name = decl.name
        exprs = decl.init.exprs
        if a < b and self.toks[a].text != "{" and self.macro_init_span(decl) == (a, b):
            # braces written by a macro: the elements as the preprocessor
            # made them (the macro as this configuration defines it)
            t = self.toks[a]
            self.out.diag(t, "note", f"macro '{t.text}' expanded in the initializer of '{name}' "
                                     "(as this configuration defines it), so that its "
                                     "non-constant elements can become assignments")
            gen = c_generator.CGenerator()
            texts = []
            for e in exprs:
                if isinstance(e, c_ast.InitList) or (isinstance(e, c_ast.NamedInitializer)
                                                     and len(e.name) != 1):
                    self.error(decl, f"initializer of '{name}' (from macro '{t.text}') has "
                                     "non-constant elements and nested braces or designators; "
                                     "C89 needs constant aggregate initializers: rewrite it "
                                     "by hand")
                texts.append(gen.visit(e.expr if isinstance(e, c_ast.NamedInitializer) else e))
            return self.assignments_of(decl, exprs, texts)
        if a >= b or self.toks[a].text != "{" or self.toks.match.get(a) != b - 1:
            self.error(decl, f"cannot find the initializer of '{name}'")
        here = self.place(decl)
        if not is_aggregate(here, decl.type) and len(exprs) == 1 \
                and not isinstance(exprs[0], (c_ast.InitList, c_ast.NamedInitializer)):
            return [f"{name} = {self.tok_text(a + 1, b - 1).strip().rstrip(',')};"]
        try:
            agg = Aggregate(here, decl.type)
            Resolver(self.u, here, _MAX_ZERO_FILL).fill(agg, a, decl.init)
            if agg.kind == "array" and agg.nslots() is None:
                if agg.length == -1:
                    raise InitError(f"array '{name}' with a size the porter cannot evaluate")
                # an array of unknown size: as long as its initializer made it
                agg.length = max(agg.slots) + 1 if agg.slots else 0
                self.sizes[id(decl)] = agg.length
            out: list[str] = []
            zeros = [0]
            # as many assignments as values, and a few zeros: beyond that, an error
            assignments(here, agg, name, out, _values(agg) + _MAX_ZERO_FILL, zeros)
        except InitError as exc:
            at = exc.tok if exc.tok is not None else exc.node if exc.node is not None else decl
            self.error(at, f"non-constant initializer of '{name}': {exc.message}")
        if zeros[0] > _MAX_ZERO_FILL:
            self.error(decl, f"non-constant initializer of '{name}' would need "
                             f"{zeros[0]} zero assignments: rewrite it by hand")
        return [x + ";" for x in out]

    def sized_declarator(self, decl, dtext: str) -> str:
        """The declarator text of ``decl`` with the length its initializer
        gave an array of unknown size written into its ``[]``."""
        n = self.sizes.get(id(decl))
        if n is None:
            return dtext
        m = re.search(r"\b" + re.escape(decl.name) + r"\b[\s)]*\[(\s*)\]", dtext)
        if m is None:
            self.error(decl, f"cannot find the '[]' of '{decl.name}' to write its size")
        return dtext[:m.start(1)] + str(n) + dtext[m.end(1):]

    def assignments_of(self, decl, exprs, texts: list[str]) -> list[str]:
        """The assignments for the initializer elements ``exprs`` whose values
        are spelled ``texts``."""
        name = decl.name
        here = self.place(decl)
        t = here.resolve(decl.type, stop=())
        if isinstance(t, c_ast.ArrayDecl) and here.is_scalar(t.type):
            values: dict[int, str] = {}
            pos = 0
            for e, x in zip(exprs, texts):
                if isinstance(e, c_ast.NamedInitializer):
                    d = e.name[0]
                    if not isinstance(d, c_ast.Constant):
                        self.error(decl, f"designator in the initializer of '{name}' is not "
                                         "a literal index: rewrite it by hand")
                    pos = integer_value(d.value)
                values[pos] = x
                pos += 1
            size = max(values) + 1 if values else 0
            if t.dim is None:
                self.sizes[id(decl)] = size
            else:
                if not isinstance(t.dim, c_ast.Constant):
                    self.error(decl, f"array '{name}' with a non-literal size and a non-constant "
                                     "initializer: rewrite it by hand")
                size = integer_value(t.dim.value)
            if size - len(values) > _MAX_ZERO_FILL:
                self.error(decl, f"non-constant initializer of '{name}' would need "
                                 f"{size - len(values)} zero assignments: rewrite it by hand")
            return [f"{name}[{i}] = {values.get(i, '0')};" for i in range(size)]
        if isinstance(t, c_ast.TypeDecl) and isinstance(t.type, c_ast.Struct):
            st = here.aggregate(t)
            members = st.decls or []
            names = [m.name for m in members]
            if st.decls is not None and all(m.name and here.is_scalar(m.type) for m in members):
                values = {}
                pos = 0
                for e, x in zip(exprs, texts):
                    if isinstance(e, c_ast.NamedInitializer):
                        d = e.name[0]
                        if not isinstance(d, c_ast.ID) or d.name not in names:
                            self.error(decl, f"bad designator in the initializer of '{name}'")
                        pos = names.index(d.name)
                    if pos >= len(names):
                        self.error(decl, f"too many initializers for '{name}'")
                    values[names[pos]] = x
                    pos += 1
                return [f"{name}.{m} = {values.get(m, '0')};" for m in names]
        self.error(decl, f"initializer of '{name}' has non-constant elements; C89 needs "
                         "constant aggregate initializers and only arrays/structs of "
                         "scalars are rewritten: rewrite it by hand")


def _defines_tags(node) -> bool:
    """Whether the type ``node`` defines a struct/union/enum tag or enumerators
    (in itself or its members): moving such a definition to the start of the
    block could change what a tag or a name means in between.  An untagged
    struct of members of known types moves safely."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, c_ast.Enum) and n.values is not None:
            return True
        if isinstance(n, (c_ast.Struct, c_ast.Union)) and n.decls is not None \
                and n.name is not None:
            return True
        stack.extend(c for _, c in n.children())
    return False
