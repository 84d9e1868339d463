"""Move block-scope declarations so every block is C89 (declarations first).

Preferred rewrite: the declaration is hoisted to the start of its block
(after the block's leading declarations) and its initializer stays where it
was as an assignment::

    foo();                         float sum;
    float sum = 0.0f;      ->      foo();
                                   sum = 0.0f;

``for (int i = 0; ...)`` hoists ``int i;`` to the enclosing block and keeps
``for (i = 0; ...)``; several loops declaring the same name with the same
type share one hoisted declaration.

When hoisting could change meaning the pass falls back instead:

* a plain declaration whose name is used earlier in the block (it would
  capture an outer variable of that name), which cannot become an
  assignment (``const`` objects, arrays initialised from a string, ...) or
  that defines a struct/enum: a new ``{`` is opened at the declaration and
  closed at the end of the enclosing block (the scope is unchanged);
* a ``for`` declaration that would clash (name used elsewhere in the block,
  same name with another type, same name as a block declaration): the loop
  alone is wrapped in ``{ int i; for (i = 0; ...) ... }``.

``static``/``extern``/``typedef``/function declarations and objects whose
initializer is a constant expression are moved whole (a static local is
never split: its initialisation happens once).  Aggregate initializers with
non-constant elements (not allowed in C89 even at block start) become
per-element / per-member assignments for arrays and structs of scalars;
other aggregates and variable-length arrays are reported as errors.
"""

from __future__ import annotations

from pycparser import c_ast

from ...diag import Diagnostic, ToolchainError
from ..source import EditConflict, EditList
from . import PassOutput

NAME = "declarations"
CODE = "c89-decl"

_SPEC_KW = {"const", "volatile", "static", "extern", "register", "auto", "inline",
            "restrict", "signed", "unsigned", "short", "long", "int", "char", "float",
            "double", "void", "_Bool", "_Complex", "__inline", "__restrict", "typedef",
            "_Thread_local", "__inline__", "__restrict__", "__volatile__", "__const"}
_TAG_KW = {"struct", "union", "enum"}
_MAX_ZERO_FILL = 64


def names_in(node, skip=frozenset()) -> set[str]:
    """Identifiers an AST subtree refers to (not member names, not labels)."""
    out: set[str] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if n is None or id(n) in skip:
            continue
        if isinstance(n, c_ast.ID):
            out.add(n.name)
            continue
        if isinstance(n, c_ast.IdentifierType):
            out.update(n.names)
            continue
        if isinstance(n, c_ast.StructRef):
            stack.append(n.name)
            continue
        if isinstance(n, c_ast.Case):
            stack.append(n.expr)
            continue
        stack.extend(child for _, child in n.children())
    return out


def refers(node, name: str) -> bool:
    """Does ``name`` occur free in the subtree (not counting uses that a
    nested declaration of the same name captures)?"""
    if node is None:
        return False
    if isinstance(node, c_ast.ID):
        return node.name == name
    if isinstance(node, c_ast.IdentifierType):
        return name in node.names
    if isinstance(node, c_ast.StructRef):
        return refers(node.name, name)
    if isinstance(node, c_ast.For) and isinstance(node.init, c_ast.DeclList):
        for d in node.init.decls:
            if refers(d.type, name):
                return True
            if d.name == name:
                return False
            if refers(d.init, name):
                return True
        return any(refers(x, name) for x in (node.cond, node.next, node.stmt))
    if isinstance(node, c_ast.Compound):
        return _refers_items(node.block_items or [], name)
    return any(refers(c, name) for _, c in node.children())


def _refers_items(items, name: str) -> bool:
    for it in items:
        if isinstance(it, (c_ast.Case, c_ast.Default)):
            if isinstance(it, c_ast.Case) and refers(it.expr, name):
                return True
            # a declaration among the case's statements scopes the rest of the block
            if _refers_items(it.stmts or [], name):
                return True
            if any(isinstance(s, (c_ast.Decl, c_ast.Typedef)) and s.name == name
                   for s in it.stmts or []):
                return False
            continue
        if isinstance(it, (c_ast.Decl, c_ast.Typedef)):
            if refers(it.type, name):
                return True
            if it.name == name:
                return False
            if refers(getattr(it, "init", None), name):
                return True
            continue
        if refers(it, name):
            return True
    return False


def _innermost(t):
    while t is not None and not isinstance(
            t, (c_ast.IdentifierType, c_ast.Struct, c_ast.Union, c_ast.Enum)):
        t = getattr(t, "type", None)
    return t


class _Group:
    """One declaration statement (one or more declarators) in a block."""

    def __init__(self, decls, start, semi, segs, spec_end):
        self.decls = decls
        self.start = start      # token index of the first specifier
        self.semi = semi        # token index of the terminating ";"
        self.segs = segs        # token ranges, one per declarator
        self.spec_end = spec_end


class _Block:
    def __init__(self, pass_, comp):
        self.p = pass_
        self.comp = comp
        self.items: list[tuple[str, object]] = []  # (kind, node-or-group)
        self._flatten(comp.block_items or [])

    def _flatten(self, nodes):
        for n in nodes:
            if isinstance(n, (c_ast.Case, c_ast.Default)):
                self.items.append(("case", n))
                self._flatten(n.stmts or [])
            elif isinstance(n, (c_ast.Decl, c_ast.Typedef)):
                self.items.append(("decl", n))
            elif isinstance(n, c_ast.Pragma):
                self.items.append(("pragma", n))
            else:
                self.items.append(("stmt", n))


class _Pass:
    def __init__(self, unit):
        self.u = unit
        self.toks = unit.toks
        self.text = unit.text
        self.edits = EditList(unit.text)
        self.diags: list[Diagnostic] = []
        self.has_labels = False

    # -- errors -----------------------------------------------------------
    def error(self, node, message: str):
        line = node.coord.line if node is not None and node.coord else 0
        col = 0
        if node is not None:
            i = self.u.tok_of(node)
            if i is not None:
                line, col = self.toks[i].line, self.toks[i].col
        raise ToolchainError(message, exit_code=2, diagnostics=[
            Diagnostic(self.u.path, line, col, "error", message, CODE)])

    def need(self, idx, node, what):
        if idx is None:
            self.error(node, f"cannot find the source text of {what} "
                             "(produced by a macro?); move it by hand")
        return idx

    # -- constants ----------------------------------------------------------
    def is_const(self, n) -> bool:
        if n is None:
            return True
        if isinstance(n, c_ast.Constant):
            return True
        if isinstance(n, c_ast.ID):
            return n.name in self.u.enumerators
        if isinstance(n, c_ast.UnaryOp):
            if n.op == "sizeof":
                return True
            if n.op == "&":
                return False
            return self.is_const(n.expr)
        if isinstance(n, c_ast.BinaryOp):
            return self.is_const(n.left) and self.is_const(n.right)
        if isinstance(n, c_ast.TernaryOp):
            return all(self.is_const(x) for x in (n.cond, n.iftrue, n.iffalse))
        if isinstance(n, c_ast.Cast):
            return self.is_const(n.expr)
        if isinstance(n, c_ast.InitList):
            return all(self.is_const(x) for x in n.exprs)
        if isinstance(n, c_ast.NamedInitializer):
            return self.is_const(n.expr)
        if isinstance(n, c_ast.Typename):
            return True
        return False

    def resolve(self, t):
        """Follow typedef names to the underlying type node."""
        seen = 0
        while isinstance(t, c_ast.TypeDecl) and isinstance(t.type, c_ast.IdentifierType) \
                and len(t.type.names) == 1 and t.type.names[0] in self.u.typedefs and seen < 20:
            t = self.u.typedefs[t.type.names[0]]
            seen += 1
        return t

    def is_scalar(self, t) -> bool:
        t = self.resolve(t)
        if isinstance(t, c_ast.PtrDecl):
            return True
        if isinstance(t, c_ast.TypeDecl):
            return isinstance(t.type, (c_ast.IdentifierType, c_ast.Enum))
        return False

    def top_const(self, decl) -> bool:
        t = decl.type
        if isinstance(t, (c_ast.TypeDecl, c_ast.PtrDecl)) and "const" in (t.quals or []):
            return True
        r = self.resolve(t)
        return r is not t and isinstance(r, (c_ast.TypeDecl, c_ast.PtrDecl)) \
            and "const" in (r.quals or [])

    # -- text extents -------------------------------------------------------
    def decl_name_tok(self, decl):
        if decl.name:
            return self.u.locate(decl.coord, decl.name)
        inner = _innermost(decl.type)
        return self.u.locate(inner.coord) if inner is not None else None

    def stmt_start(self, i: int) -> int:
        toks = self.toks
        j = i - 1
        while j >= 0:
            t = toks[j]
            if t.pp >= 0 or t.text in (";", "{", ":"):
                break
            if t.text == "}":
                m = toks.match.get(j)
                if m is not None and m > 0 and (
                        toks[m - 1].text in _TAG_KW or
                        (toks[m - 1].kind == "id" and m > 1 and toks[m - 2].text in _TAG_KW)):
                    j = m - 1
                    continue
                break
            if t.text == "(":
                if j > 0 and toks[j - 1].text == "for":
                    break
            if t.text in (")", "]"):
                m = toks.match.get(j)
                if m is None:
                    break
                j = m - 1
                continue
            j -= 1
        return j + 1

    def group_of(self, decls) -> _Group:
        first = self.need(self.decl_name_tok(decls[0]), decls[0], f"declaration of '{decls[0].name}'")
        start = self.stmt_start(first)
        semi = self.need(self.toks.find_semicolon(first), decls[0], "the end of a declaration")
        segs = self.toks.split_commas(start, semi)
        if len(segs) != len(decls):
            self.error(decls[0], f"cannot split the declaration of '{decls[0].name}' into declarators")
        # specifiers: keywords, one typedef name, struct/union/enum [tag] [{...}]
        k = start
        a, b = segs[0]
        inner = _innermost(decls[0].type)
        tnames = set(inner.names) if isinstance(inner, c_ast.IdentifierType) else set()
        used_typename = False
        while k < b:
            t = self.toks[k]
            if t.text in _SPEC_KW:
                k += 1
            elif t.text in _TAG_KW:
                k += 1
                if k < b and self.toks[k].kind == "id":
                    k += 1
                if k < b and self.toks[k].text == "{" and k in self.toks.match:
                    k = self.toks.match[k] + 1
            elif t.kind == "id" and t.text in tnames and not used_typename \
                    and t.text != decls[0].name:
                used_typename = True
                k += 1
            else:
                break
        return _Group(decls, start, semi, segs, k)

    def tok_text(self, a: int, b: int) -> str:
        """Original text of tokens [a, b)."""
        if b <= a:
            return ""
        return self.text[self.toks[a].start:self.toks[b - 1].end]

    def split_decl(self, g: _Group, k: int) -> tuple[str, str | None, int, int]:
        """(declarator text, initializer text or None, init token range) of declarator k."""
        a, b = g.segs[k]
        if k == 0:
            a = g.spec_end
        eq = None
        depth = 0
        for j in range(a, b):
            t = self.toks[j]
            if t.pp >= 0:
                continue
            if t.text in "([{":
                depth += 1
            elif t.text in ")]}":
                depth -= 1
            elif t.text == "=" and depth == 0:
                eq = j
                break
        if eq is None:
            return self.tok_text(a, b), None, b, b
        return self.tok_text(a, eq), self.tok_text(eq + 1, b), eq + 1, b

    def decl_line(self, g: _Group, parts: list[str], first_kept: bool) -> str:
        """``spec declarators;`` keeping the original spelling of the first
        declarator (``float* x`` stays ``float* x``) when it is included."""
        if first_kept:
            a, b = g.segs[0]
            head = self.text[self.toks[g.start].start:self.toks[g.spec_end].start] + parts[0]
            return ", ".join([head] + parts[1:]) + ";"
        return self.spec_text(g) + " " + ", ".join(parts) + ";"

    def spec_text(self, g: _Group) -> str:
        return self.tok_text(g.start, g.spec_end)

    # -- classification -------------------------------------------------------
    def classify(self, decl) -> str:
        """'split' | 'keep' | 'elements' | 'fallback' | 'ok' (no initializer)."""
        storage = set(getattr(decl, "storage", None) or [])
        if isinstance(decl, c_ast.Typedef) or storage & {"static", "extern", "typedef"} \
                or isinstance(decl.type, c_ast.FuncDecl):
            return "keep"
        inner = _innermost(decl.type)
        if decl.name is None or (isinstance(inner, (c_ast.Struct, c_ast.Union)) and inner.decls is not None) \
                or (isinstance(inner, c_ast.Enum) and inner.values is not None):
            return "fallback"
        init = decl.init
        if init is None:
            return "ok"
        if isinstance(init, c_ast.InitList):
            if self.is_const(init):
                return "fallback" if self.has_labels else "keep"
            return "elements"
        if isinstance(decl.type, c_ast.ArrayDecl) or self.top_const(decl):
            if self.is_const(init) and not self.has_labels:
                return "keep"
            return "fallback"
        return "split"

    def element_assignments(self, decl, init_range) -> list[str]:
        """``v[0] = a;`` / ``s.m = a;`` ... for a non-constant aggregate
        initializer of an array or struct of scalars (positional or simple
        designators); members/elements not mentioned are set to 0."""
        a, b = init_range
        name = decl.name
        if a >= b or self.toks[a].text != "{" or self.toks.match.get(a) != b - 1:
            self.error(decl, f"cannot find the initializer of '{name}'")
        parts = [p for p in self.toks.split_commas(a + 1, b - 1) if p[1] > p[0]]
        exprs = decl.init.exprs
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
        t = self.resolve(decl.type)
        if isinstance(t, c_ast.ArrayDecl) and self.is_scalar(t.type):
            values: dict[int, str] = {}
            pos = 0
            for e, x in zip(exprs, texts):
                if isinstance(e, c_ast.NamedInitializer):
                    d = e.name[0]
                    if not isinstance(d, c_ast.Constant):
                        self.error(decl, f"designator in the initializer of '{name}' is not "
                                         "a literal index: rewrite it by hand")
                    pos = int(d.value.rstrip("uUlL"), 0)
                values[pos] = x
                pos += 1
            size = max(values) + 1 if values else 0
            if t.dim is not None:
                if not isinstance(t.dim, c_ast.Constant):
                    self.error(decl, f"array '{name}' with a non-literal size and a non-constant "
                                     "initializer: rewrite it by hand")
                size = int(t.dim.value.rstrip("uUlL"), 0)
            if size - len(values) > _MAX_ZERO_FILL:
                self.error(decl, f"non-constant initializer of '{name}' would need "
                                 f"{size - len(values)} zero assignments: rewrite it by hand")
            return [f"{name}[{i}] = {values.get(i, '0')};" for i in range(size)]
        if isinstance(t, c_ast.TypeDecl) and isinstance(t.type, c_ast.Struct):
            st = t.type
            if st.decls is None and st.name in self.u.struct_defs:
                st = self.u.struct_defs[st.name]
            members = st.decls or []
            names = [m.name for m in members]
            if st.decls is not None and all(m.name and self.is_scalar(m.type) for m in members):
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

    # -- statements ---------------------------------------------------------
    def stmt_end(self, node) -> int:
        """Token index of the last token of a statement."""
        toks = self.toks
        if isinstance(node, c_ast.Compound):
            i = self.need(self.u.locate(node.coord, "{"), node, "a block")
            return self.need(toks.match.get(i), node, "the end of a block")
        if isinstance(node, (c_ast.For, c_ast.While, c_ast.Switch, c_ast.Label)):
            return self.stmt_end(node.stmt)
        if isinstance(node, c_ast.If):
            return self.stmt_end(node.iffalse or node.iftrue)
        if isinstance(node, c_ast.DoWhile):
            body = self.stmt_end(node.stmt)
            return self.need(toks.find_semicolon(body + 1), node, "the end of a do statement")
        i = self.need(self.u.tok_of(node), node, "a statement")
        return self.need(toks.find_semicolon(i), node, "the end of a statement")

    # -- inserting ------------------------------------------------------------
    def insert_after(self, tok_index: int, lines: list[str], indent: str) -> None:
        """Insert declaration lines after token ``tok_index`` (at end of line
        when only blanks/comments follow it there)."""
        pos = self.toks[tok_index].end
        le = self.u.src.line_end(pos)
        rest = self.text[pos:le]
        ok = True
        for cs, ce in self.toks.comments:
            if pos <= cs < le:
                if ce > le:
                    ok = False
                rest = rest.replace(self.text[cs:min(ce, le)], "")
        if ok and not rest.strip():
            self.edits.insert(le, "".join("\n" + indent + x for x in lines), NAME)
        else:
            self.edits.insert(pos, " " + " ".join(lines), NAME)

    def replace_stmt(self, g: _Group, text: str) -> None:
        s = self.toks[g.start].start
        e = self.toks[g.semi].end
        if text:
            self.edits.replace(s, e, text, NAME)
            return
        ls = self.u.src.line_start(s)
        le = self.u.src.line_end(e)
        if not self.text[ls:s].strip() and not self.text[e:le].strip():
            self.edits.delete(ls, min(le + 1, len(self.text)), NAME)
        else:
            self.edits.delete(s, e, NAME)

    # -- per block ------------------------------------------------------------
    def block(self, comp) -> None:
        blk = _Block(self, comp)
        items: list[tuple[str, object]] = []
        pending: list = []
        pending_start = None
        for kind, node in blk.items:
            if kind == "decl":
                self.check_vla(node)
                first = self.need(self.decl_name_tok(node), node, f"declaration of '{node.name}'")
                start = self.stmt_start(first)
                if pending and start == pending_start:
                    pending.append(node)
                    continue
                if pending:
                    items.append(("decl", pending))
                pending, pending_start = [node], start
                continue
            if pending:
                items.append(("decl", pending))
                pending = []
            items.append((kind, node))
        if pending:
            items.append(("decl", pending))
        groups: dict[int, _Group] = {}
        for idx, (kind, node) in enumerate(items):
            if kind == "decl":
                groups[idx] = self.group_of(node)
        boundary = len(items)
        for idx, (kind, node) in enumerate(items):
            if kind in ("stmt", "case") or (
                    kind == "decl" and any(self.classify(d) == "elements" for d in node)):
                boundary = idx
                break
        # for-loops with declarations whose nearest block is this one
        fors: list[tuple[int, c_ast.For]] = []
        for idx in range(boundary, len(items)):
            kind, node = items[idx]
            if kind != "stmt":
                continue
            stack = [node]
            while stack:
                n = stack.pop()
                if isinstance(n, c_ast.Compound):
                    continue
                if isinstance(n, c_ast.For) and isinstance(n.init, c_ast.DeclList):
                    fors.append((idx, n))
                stack.extend(c for _, c in reversed(list(n.children())))
        late = [idx for idx in range(boundary, len(items)) if items[idx][0] == "decl"]
        if not late and not fors:
            return
        # where hoisted declarations go
        lbrace = self.need(self.u.locate(comp.coord, "{"), comp, "a block")
        lead = [idx for idx in range(boundary) if items[idx][0] == "decl"]
        anchor = groups[lead[-1]].semi if lead else lbrace
        first_tok = lbrace + 1
        if first_tok < len(self.toks) and self.toks[first_tok].line > self.toks[lbrace].line:
            indent = self.u.src.indent_of(self.toks[first_tok].start)
        else:
            indent = self.u.src.indent_of(self.toks[lbrace].start) + "    "
        leading_names = {d.name for idx in lead for d in items[idx][1]}
        for_nodes_by_name: dict[str, set[int]] = {}
        for _, f in fors:
            for d in f.init.decls:
                for_nodes_by_name.setdefault(d.name, set()).add(id(f))
        plain_index: dict[str, int] = {}
        for idx in late:
            for d in items[idx][1]:
                plain_index.setdefault(d.name, idx)

        def item_refs(lo, hi, name):
            """{name} when ``name`` is used free in items [lo, hi), else {}."""
            for idx in range(lo, hi):
                kind, node = items[idx]
                if kind == "decl":
                    if any(refers(d.type, name) or refers(getattr(d, "init", None), name)
                           for d in node):
                        return {name}
                elif kind == "case":
                    if isinstance(node, c_ast.Case) and refers(node.expr, name):
                        return {name}
                elif kind != "pragma" and refers(node, name):
                    return {name}
            return set()

        events = [(idx, 0, None) for idx in late] + [(idx, 1, f) for idx, f in fors]
        events.sort(key=lambda e: (e[0], self.u.locate(e[2].coord) or 0 if e[2] else 0))
        hoisted: dict[str, tuple[str, tuple]] = {}
        out_lines: list[str] = []
        for idx, is_for, fnode in events:
            if not is_for:
                g = groups[idx]
                modes = [self.classify(d) for d in g.decls]
                conflict = "fallback" in modes
                merged = []
                for k, d in enumerate(g.decls):
                    if conflict:
                        break
                    dtext, _, _, _ = self.split_decl(g, k)
                    key = (" ".join(self.spec_text(g).split()), " ".join(dtext.split()))
                    prev = hoisted.get(d.name)
                    refs = item_refs(boundary, idx, d.name)
                    for d2 in g.decls[:k]:
                        refs |= names_in(d2.init)
                    if d.name in leading_names or d.name in refs:
                        conflict = True
                    elif prev is not None:
                        if prev[0] == "for" and prev[1] == key and modes[k] in ("split", "ok"):
                            merged.append(k)
                        else:
                            conflict = True
                if conflict:
                    self.fallback_block(g, comp, lbrace)
                    break
                parts, assigns = [], []
                for k, d in enumerate(g.decls):
                    dtext, itext, ia, ib = self.split_decl(g, k)
                    key = (" ".join(self.spec_text(g).split()), " ".join(dtext.split()))
                    hoisted[d.name] = ("plain", key)
                    if modes[k] == "keep":
                        parts.append(dtext + " = " + itext if itext is not None else dtext)
                    else:
                        if k not in merged:
                            parts.append(dtext)
                        if modes[k] == "split":
                            assigns.append(f"{d.name} = {itext};")
                        elif modes[k] == "elements":
                            assigns.extend(self.element_assignments(d, (ia, ib)))
                if all(m == "keep" for m in modes):
                    out_lines.append(self.tok_text(g.start, g.semi + 1))
                elif parts:
                    out_lines.append(self.decl_line(g, parts, 0 not in merged))
                self.replace_stmt(g, " ".join(assigns))
            else:
                self.for_init(fnode, items, idx, boundary, hoisted, leading_names,
                              plain_index, item_refs, out_lines)
        if out_lines:
            self.insert_after(anchor, out_lines, indent)

    def for_init(self, f, items, idx, boundary, hoisted, leading_names, plain_index,
                 item_refs, out_lines) -> None:
        decls = f.init.decls
        g = self.group_of(decls)
        for d in decls:
            self.check_vla(d)
        modes = [self.classify(d) for d in decls]
        conflict = any(m not in ("split", "ok") for m in modes)
        keys = []
        for k, d in enumerate(decls):
            dtext, _, _, _ = self.split_decl(g, k)
            key = (" ".join(self.spec_text(g).split()), " ".join(dtext.split()))
            keys.append(key)
            if conflict:
                continue
            prev = hoisted.get(d.name)
            hi = plain_index.get(d.name, len(items))
            if hi < idx:
                conflict = True
                continue
            refs = item_refs(boundary, hi, d.name)
            for d2 in decls[:k]:
                refs |= names_in(d2.init)
            if d.name in leading_names or d.name in refs:
                conflict = True
            elif prev is not None and (prev[0] != "for" or prev[1] != key):
                conflict = True
        assigns = []
        parts = []
        for k, d in enumerate(decls):
            dtext, itext, _, _ = self.split_decl(g, k)
            parts.append(dtext)
            if itext is not None:
                assigns.append(f"{d.name} = {itext}")
        s = self.toks[g.start].start
        e = self.toks[g.semi].start
        decl_line = self.decl_line(g, parts, True)
        if conflict:
            if any(m not in ("split", "ok") for m in modes):
                # const/array loop variables: keep the initializer on the declaration
                self.error(f, "declaration in a for-loop header that cannot become an "
                              "assignment (const or array); move it by hand")
            ftok = self.need(self.u.tok_of(f, "for"), f, "a for statement")
            end = self.stmt_end(f)
            prev = self.toks.prev_code(ftok)
            pp_before = ftok > 0 and self.toks[ftok - 1].pp >= 0 \
                and self.toks.directive_of(ftok - 1).name == "pragma"
            if pp_before:
                d = self.toks.directive_of(ftok - 1)
                ind = self.u.src.indent_of(self.toks[ftok].start)
                self.edits.insert(d.start, ind + "{ " + decl_line + "\n", NAME)
            else:
                self.edits.insert(self.toks[ftok].start, "{ " + decl_line + " ", NAME)
            del prev
            self.edits.replace(s, e, ", ".join(assigns), NAME)
            self.edits.insert(self.toks[end].end, " }", NAME)
            return
        new = []
        for k, d in enumerate(decls):
            if hoisted.get(d.name) is None:
                hoisted[d.name] = ("for", keys[k])
                new.append(k)
        if new:
            out_lines.append(self.decl_line(g, [parts[k] for k in new], new[0] == 0))
        self.edits.replace(s, e, ", ".join(assigns), NAME)

    def fallback_block(self, g: _Group, comp, lbrace: int) -> None:
        rbrace = self.need(self.toks.match.get(lbrace), comp, "the end of a block")
        self.edits.insert(self.toks[g.start].start, "{ ", NAME)
        rb = self.toks[rbrace]
        if rb.bol:
            ind = self.u.src.indent_of(self.toks[g.start].start)
            self.edits.insert(self.u.src.line_start(rb.start), ind + "}\n", NAME)
        else:
            self.edits.insert(rb.start, "} ", NAME)
        names = ", ".join(f"'{d.name}'" for d in g.decls if d.name)
        t = self.toks[g.start]
        self.diags.append(Diagnostic(self.u.path, t.line, t.col, "note",
                                     f"declaration of {names} wrapped in a new block "
                                     "(hoisting it would change meaning)", CODE))

    def check_vla(self, decl) -> None:
        t = getattr(decl, "type", None)
        while t is not None:
            if isinstance(t, c_ast.ArrayDecl) and t.dim is not None and not self.is_const(t.dim):
                self.error(decl, f"variable-length array '{decl.name}' has no C89 equivalent; "
                                 "use malloc/free")
            t = getattr(t, "type", None)


class _Finder(c_ast.NodeVisitor):
    def __init__(self):
        self.blocks = []
        self.labels = False

    def visit_Compound(self, node):
        self.blocks.append(node)
        self.generic_visit(node)

    def visit_Label(self, node):
        self.labels = True
        self.generic_visit(node)


def run(text: str, ctx) -> PassOutput:
    unit = ctx.unit(text)
    p = _Pass(unit)
    main = EditList(text)
    for fd in unit.func_defs():
        finder = _Finder()
        finder.visit(fd.body)
        p.has_labels = finder.labels
        for comp in finder.blocks:
            p.edits = EditList(text)
            p.block(comp)
            staged, ok = main.edits[:], True
            for e in p.edits.edits:
                try:
                    main.add(e.start, e.end, e.text, e.origin)
                except EditConflict:
                    ok = False
                    break
            if not ok:  # touches another block's edits: retried next round
                main.edits = staged
    return PassOutput(main, p.diags)
