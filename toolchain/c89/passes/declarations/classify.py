"""What becomes of each declaration: moved whole, split into a declaration
and an assignment, its brace initializer turned into member or element
assignments, or a new block instead; and VLAs, which C89 has not."""

from __future__ import annotations

from pycparser import c_ast, c_generator

from ...analysis.literals import integer_value
from .syntax import innermost

_MAX_ZERO_FILL = 64


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
        if decl.name is None or (isinstance(inner, (c_ast.Struct, c_ast.Union)) and inner.decls is not None) \
                or (isinstance(inner, c_ast.Enum) and inner.values is not None):
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
        depth = 0
        for j in range(i, end):
            t = toks[j]
            if t.pp >= 0:
                continue
            if t.text in "([{":
                depth += 1
            elif t.text in ")]}":
                depth -= 1
            elif depth == 0 and t.text in (",", ";"):
                return None
            elif depth == 0 and t.text == "=":
                return toks.next_code(j)
        return None

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
        """``v[0] = a;`` / ``s.m = a;`` ... for a non-constant aggregate
        initializer of an array or struct of scalars (positional or simple
        designators); members/elements not mentioned are set to 0."""
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
        parts = [p for p in self.toks.split_commas(a + 1, b - 1) if p[1] > p[0]]
        if len(parts) != len(exprs):
            self.error(decl, f"cannot match the initializer of '{name}' to its text")
        texts = []
        for (x, y), e in zip(parts, exprs):
            if isinstance(e, c_ast.NamedInitializer):
                eq = next((k for k in range(x, y) if self.toks[k].text == "="), None)
                if eq is None or len(e.name) != 1:
                    self.error(decl, f"nested designator in the initializer of '{name}': "
                                     "rewrite it by hand")
                texts.append(self.tok_text(eq + 1, y))
            elif isinstance(e, c_ast.InitList):
                self.error(decl, f"initializer of '{name}' has non-constant elements and "
                                 "nested braces; C89 needs constant aggregate initializers: "
                                 "rewrite it by hand")
            else:
                texts.append(self.tok_text(x, y))
        return self.assignments_of(decl, exprs, texts)

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
            if t.dim is not None:
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
