"""Report what has no safe C89 rewrite (this pass never edits).

Errors (the unit fails, exit status 2):

* ``_Complex``/``_Imaginary``/``<complex.h>``: no C89 complex type;
* C11 keywords: ``_Generic``, ``_Static_assert``, ``_Alignas``,
  ``_Alignof``, ``_Atomic``, ``_Thread_local``, ``_Noreturn``;
* hexadecimal floating constants (``0x1.8p3``): C89 has only decimal ones;
* flexible array members (``int data[];`` last in a struct): the C89 idiom
  ``data[1]`` changes ``sizeof``, so the allocation sizes must be checked
  by hand;
* variable-length array types outside block-scope objects (inner
  dimensions of parameters, typedefs, casts, sizeof) -- block-scope VLA
  objects are reported by the declarations pass;
* anonymous struct/union members (C11): every access would have to name
  the member;
* an enumerator list whose last comma a macro writes (X-macros: ``#define
  AS_ENUM(n) n,``): the keywords pass removes only a comma in the text;
* C99 math functions with no C89 counterpart (``cbrt``, ``hypot``,
  ``sqrtl`` and the other ``long double`` versions ...): the float versions
  the floatmath pass knows and the ones the libcalls pass renames
  (``round``, ``fmin``, ``isnan`` ...) are rewritten, these are not.

Warnings: trigraphs (``??!`` ...), which a C89 compiler replaces even in
strings and comments.

Only code the preprocessor keeps in the configuration being ported can be
an error: what lies in a dropped ``#if`` branch is the inactive pass's to
report.  ``#if`` is evaluated as the C89 compiler will (the front end
leaves ``__STDC_VERSION__`` undefined), so a branch whose condition names
``__STDC_VERSION__`` and that is dropped (``#if __STDC_VERSION__ >=
201112L``) is dropped by every C89 compiler: it is left as it is, without
a diagnostic.  C99 constructs in ``#define`` bodies that only AST-level
passes convert (``for (int``, designators, compound literals) are warnings.
"""

from __future__ import annotations

from pycparser import c_ast

from ..analysis import c99, conditionals
from ..analysis.names import code_ids
from .base import PassOutput, PassSpec, UnitPass

NAME = "unsupported"


class _Pass(UnitPass):
    name = NAME

    def ast_checks(self) -> None:
        u = self.u
        for s in self.sem.definitions():
            if not u.in_main(s) or not s.decls:
                continue
            last = s.decls[-1]
            if isinstance(last.type, c_ast.ArrayDecl) and last.type.dim is None:
                self.out.diag(last, "error",
                              f"flexible array member '{last.name}' is C99 only: declare it "
                              f"'{last.name}[1]' and check every sizeof/malloc of the struct "
                              "by hand")
        for ext in u.ast.ext:
            if u.in_main(ext):
                self.vla_types(ext, ext if isinstance(ext, c_ast.FuncDef) else None)
        self.anonymous_members()
        self.enum_commas_from_macros()

    def anonymous_members(self) -> None:
        for s in self.sem.definitions():
            if not self.u.in_main(s):
                continue
            for m in s.decls or []:
                if m.name is None and m.bitsize is None \
                        and isinstance(m.type, (c_ast.Struct, c_ast.Union)):
                    kind = "union" if isinstance(m.type, c_ast.Union) else "struct"
                    self.out.diag(m.type, "error",
                                  f"anonymous {kind} member (C11) has no C89 form: name it and "
                                  "write that name in every access to its members")

    def unexpanded(self, t) -> bool:
        """The preprocessor wrote the line of token ``t`` as it is (a quick
        test: no macro is expanded there)."""
        src = self.u.src
        ls = src.line_start(t.start)
        return self.u.pp_lines.get(t.line) == self.u.text[ls:src.line_end(t.start)]

    def enum_commas_from_macros(self) -> None:
        """``enum e { LIST(AS_ENUM) };`` where the expansion ends with a comma."""
        u, toks = self.u, self.u.toks
        for i in code_ids(toks, {"enum"}):
            j = toks.next_code(i)
            if j is not None and toks[j].kind == "id":
                j = toks.next_code(j)
            if j is None or toks[j].text != "{" or j not in toks.match:
                continue
            close = toks.match[j]
            p = toks.prev_code(close)
            if p is None or p <= j:
                continue
            m = p   # the macro invocation that ends the list: NAME or NAME(...)
            if toks[p].text == ")" and p in toks.match:
                m = toks.prev_code(toks.match[p])
            if m is None or toks[m].kind != "id" or self.unexpanded(toks[m]) \
                    or not u.origins.replaced(m) \
                    or conditionals.state(u, toks[m].line) != "active":
                continue
            ptoks = u.pp_tokens(toks[m].line)
            if ptoks is None:
                continue
            # what follows the invocation on its line follows its expansion
            after = 0
            if toks[p].line == toks[m].line:
                k = p + 1
                while k < len(toks) and toks[k].line == toks[p].line:
                    after += toks[k].pp < 0
                    k += 1
            code = [t for t in ptoks.toks if t.pp < 0]
            last = len(code) - after - 1
            if 0 <= last < len(code) and code[last].text == ",":
                self.out.diag(m, "error",
                              f"the enumerator list ends with a comma that macro "
                              f"'{toks[m].text}' writes: C89 does not allow it; end the list "
                              "with an enumerator written after the macro, or change the macro")

    def vla_types(self, ext, fd) -> None:
        stack = [ext]
        while stack:
            n = stack.pop()
            if isinstance(n, c_ast.ParamList):
                for p in n.params:
                    t = getattr(p, "type", None)
                    # the outermost dimension of a parameter is only a pointer
                    if isinstance(t, c_ast.ArrayDecl):
                        t = t.type
                    if t is not None:
                        self.vla_type(t, p, fd)
                continue
            if isinstance(n, (c_ast.Typedef, c_ast.Typename)):
                self.vla_type(n.type, n, fd)
            stack.extend(c for _, c in n.children())

    def vla_type(self, t, node, fd) -> None:
        here = None
        while t is not None:
            if isinstance(t, c_ast.ArrayDecl) and t.dim is not None \
                    and not (isinstance(t.dim, c_ast.ID) and t.dim.name == "*"):
                here = here or self.sem.at(node, fd)
                if not here.is_constant(t.dim):
                    self.out.diag(node, "error", "variable-length array type has no C89 "
                                                 "equivalent: pass a pointer and index by hand")
                    return
            t = getattr(t, "type", None)


def run(text: str, ctx) -> PassOutput:
    unit = ctx.unit(text)
    p = _Pass(unit)
    sem = p.sem
    for f in c99.findings(unit, sem.user_names, sem.typedef_names):
        # variadic macros are the variadic pass's: converted, or reported there
        if f.what != "variadic" and conditionals.state(unit, f.tok.line) == "active":
            p.out.diag(f.tok, f.severity, f.message)
    for at, message in c99.trigraphs(text):
        p.out.diag(unit.src.line_col(at), "warning", message)
    p.ast_checks()
    return p.out


# no rewrite adds or removes what it reports: it checks the input only
SPEC = PassSpec(NAME, "input", run, failure="C99 features with no safe C89 rewrite")
