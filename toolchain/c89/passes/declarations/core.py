"""The declarations pass's state for one text, its errors, and the token
extents and edits it works with: declaration groups (a statement with
its declarators), statements, where a macro wrote something."""

from __future__ import annotations

from pycparser import c_ast

from ...frontend.origin import TEXT, UNKNOWN
from ...source import EditList
from ..base import UnitPass
from .syntax import SPEC_KW, TAG_KW, innermost

NAME = "declarations"


class Group:
    """One declaration statement (one or more declarators) in a block."""

    def __init__(self, decls, start, semi, segs, spec_end):
        self.decls = decls
        self.start = start      # token index of the first specifier
        self.semi = semi        # token index of the terminating ";"
        self.segs = segs        # token ranges, one per declarator
        self.spec_end = spec_end
        self.macro = None       # name of the macro whose expansion wrote it


class Core(UnitPass):
    """State, errors, origins and token extents (the other parts of the
    pass build on these)."""

    name = NAME

    def __init__(self, unit):
        super().__init__(unit)
        self.edits = EditList(unit.text)   # the edits of the block being rewritten
        self.has_labels = False
        self.sizes: dict[int, int] = {}     # id(decl) -> length its initializer gave it
        self.fd = None                      # the function being rewritten

    # -- errors -----------------------------------------------------------
    def error(self, node, message: str):
        raise self.out.fail(node, message)

    def warn(self, node, message: str) -> None:
        self.out.diag(node, "warning", message)

    def need(self, idx, node, what):
        if idx is None:
            self.error(node, f"cannot find the source text of {what} "
                             "(produced by a macro?); move it by hand")
        return idx

    # -- what names mean, where text comes from ----------------------------------
    def place(self, node):
        """The scope and position of ``node`` in the current function."""
        return self.sem.at(node, self.fd)

    def macro_name(self, i) -> str:
        """Name of the macro invoked at (or just before) original token ``i``."""
        if i is None:
            return "?"
        for j in range(self.stmt_start(i), min(i + 1, len(self.toks))):
            t = self.toks[j]
            if t.kind == "id" and t.pp < 0 and self.u.origins.replaced(j):
                return t.text
        return self.toks[i].text

    def decl_where(self, decl):
        if decl.name:
            return self.u.origin(decl, decl.name, neighbours=True)
        inner = innermost(decl.type)
        if inner is None:
            return UNKNOWN, None
        return self.u.origin(inner, neighbours=True)

    def decl_name_tok(self, decl):
        kind, i = self.decl_where(decl)
        return i if kind == TEXT else None

    # -- token extents ------------------------------------------------------------
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
                        toks[m - 1].text in TAG_KW or
                        (toks[m - 1].kind == "id" and m > 1 and toks[m - 2].text in TAG_KW)):
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

    def stmt_end(self, node) -> int:
        """Token index of the last token of a statement."""
        toks = self.toks
        if isinstance(node, c_ast.Compound):
            i = self.need(self.u.text_tok(node, "{"), node, "a block")
            return self.need(toks.match.get(i), node, "the end of a block")
        if isinstance(node, (c_ast.For, c_ast.While, c_ast.Switch, c_ast.Label)):
            return self.stmt_end(node.stmt)
        if isinstance(node, c_ast.If):
            return self.stmt_end(node.iffalse or node.iftrue)
        if isinstance(node, c_ast.DoWhile):
            body = self.stmt_end(node.stmt)
            return self.need(toks.find_semicolon(body + 1), node, "the end of a do statement")
        i = self.need(self.u.text_tok(node), node, "a statement")
        return self.need(toks.find_semicolon(i), node, "the end of a statement")

    def loop_span(self, f) -> tuple[int, int, bool, int]:
        """(token of the ``for``, last token of the loop, whether a
        ``#pragma`` line comes just before it, token where a block wrapping
        the loop opens: the ``for`` or the ``#`` of that pragma)."""
        ftok = self.need(self.u.text_tok(f, "for"), f, "a for statement")
        end = self.stmt_end(f)
        pp_before = ftok > 0 and self.toks[ftok - 1].pp >= 0 \
            and self.toks.directive_of(ftok - 1).name == "pragma"
        opening = self.toks[ftok - 1].pp if pp_before else ftok
        return ftok, end, pp_before, opening

    def tok_text(self, a: int, b: int) -> str:
        """Original text of tokens [a, b)."""
        if b <= a:
            return ""
        return self.text[self.toks[a].start:self.toks[b - 1].end]

    def first_top_level(self, a: int, b: int, texts) -> int | None:
        """Index of the first token in [a, b) spelled as one of ``texts``
        outside brackets (directive lines skipped), or None."""
        depth = 0
        for j in range(a, b):
            t = self.toks[j]
            if t.pp >= 0:
                continue
            if t.text in "([{":
                depth += 1
            elif t.text in ")]}":
                depth -= 1
            elif depth == 0 and t.text in texts:
                return j
        return None

    def group_of(self, decls) -> Group:
        first = self.need(self.decl_name_tok(decls[0]), decls[0], f"declaration of '{decls[0].name}'")
        start = self.stmt_start(first)
        semi = self.need(self.toks.find_semicolon(first), decls[0], "the end of a declaration")
        segs = self.toks.split_commas(start, semi)
        if len(segs) != len(decls):
            self.error(decls[0], f"cannot split the declaration of '{decls[0].name}' into declarators")
        # specifiers: keywords, one typedef name, struct/union/enum [tag] [{...}]
        k = start
        a, b = segs[0]
        inner = innermost(decls[0].type)
        tnames = set(inner.names) if isinstance(inner, c_ast.IdentifierType) else set()
        used_typename = False
        while k < b:
            t = self.toks[k]
            if t.text in SPEC_KW:
                k += 1
            elif t.text in TAG_KW:
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
        return Group(decls, start, semi, segs, k)

    def split_decl(self, g: Group, k: int) -> tuple[str, str | None, int, int]:
        """(declarator text, initializer text or None, init token range) of declarator k."""
        a, b = g.segs[k]
        if k == 0:
            a = g.spec_end
        eq = self.first_top_level(a, b, ("=",))
        if eq is None:
            return self.tok_text(a, b), None, b, b
        return self.tok_text(a, eq), self.tok_text(eq + 1, b), eq + 1, b

    def decl_line(self, g: Group, parts: list[str], first_kept: bool) -> str:
        """``spec declarators;`` keeping the original spelling of the first
        declarator (``float* x`` stays ``float* x``) when it is included."""
        if first_kept:
            a, b = g.segs[0]
            head = self.text[self.toks[g.start].start:self.toks[g.spec_end].start] + parts[0]
            return ", ".join([head] + parts[1:]) + ";"
        return self.spec_text(g) + " " + ", ".join(parts) + ";"

    def spec_text(self, g: Group) -> str:
        return self.tok_text(g.start, g.spec_end)

    # -- edits ----------------------------------------------------------------------
    def insert_after(self, tok_index: int, lines: list[str], indent: str) -> None:
        """Insert declaration lines after token ``tok_index`` (at end of line
        when only blanks/comments follow it there)."""
        pos = self.toks[tok_index].end
        le = self.u.src.line_end(pos)
        rest = self.text[pos:le]
        ok = True
        for cs, ce in self.toks.comments_in(pos, le):
            if ce > le:
                ok = False
            rest = rest.replace(self.text[cs:min(ce, le)], "")
        if ok and not rest.strip():
            self.edits.insert(le, "".join("\n" + indent + x for x in lines), NAME)
        else:
            self.edits.insert(pos, " " + " ".join(lines), NAME)

    def replace_stmt(self, g: Group, text: str) -> None:
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

    def close_at(self, rbrace: int, ind: str) -> None:
        """Close a new block just before the ``}`` at token ``rbrace`` (on a
        line of its own when that ``}`` starts its line)."""
        rb = self.toks[rbrace]
        if rb.bol:
            self.edits.insert(self.u.src.line_start(rb.start), ind + "}\n", NAME)
        else:
            self.edits.insert(rb.start, "} ", NAME)
