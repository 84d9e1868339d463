"""New blocks in place of hoisting: a ``{`` opened at the declaration (or
before the ``#if`` holding it) and closed at the end of the enclosing
block or of the branch; and blocks a macro writes, which only the macro's
definition could change."""

from __future__ import annotations

from pycparser import c_ast

from .core import NAME, Group


class Wrapping:
    """The part of the pass that opens new blocks (reads ``Core`` and ``Branches``)."""

    def block_before(self, g: Group, opening, rbrace: int) -> None:
        """Open a new block on a line of its own before the ``#if`` line
        ``opening`` and close it where the enclosing block ends (see
        branch_opening): the declaration group ``g``, first in its branch,
        then starts that block in the configurations keeping it."""
        ind = self.u.src.indent_of(self.toks[g.start].start)
        self.edits.insert(opening.start, ind + "{\n", NAME)
        self.close_at(rbrace, ind)
        names = ", ".join(f"'{d.name}'" for d in g.decls if d.name)
        t = self.toks[g.start]
        self.out.diag(t, "note", f"declaration of {names} wrapped in a new block opened before "
                                 f"the '#{opening.name}' at line {opening.line} (hoisting it "
                                 "would take it out of the preprocessor branch holding it)")

    def fallback_block(self, g: Group, comp, lbrace: int,
                       why: str = "hoisting it would change meaning") -> None:
        rbrace = self.need(self.toks.match.get(lbrace), comp, "the end of a block")
        names = ", ".join(f"'{d.name}'" for d in g.decls if d.name)
        ind = self.u.src.indent_of(self.toks[g.start].start)
        closed = ""
        ends = self.branch_ends(g.start, lbrace, rbrace)
        if ends:
            # the declaration is in an #if branch inside the block: the new
            # block closes in that branch, so the braces balance whichever
            # branch the preprocessor keeps
            end, opening, problem = self.branch_wrap(g, ends, rbrace)
            if problem:
                how = "declare it at the start of the block"
                if opening is not None:
                    how += (f", or open a block just before the '#{opening.name}' at line "
                            f"{opening.line} that ends with the enclosing block")
                self.error(g.decls[0],
                           f"cannot move the declaration of {names or 'a name'}: not to the "
                           f"start of its block ({why}), nor into a new block, which would "
                           f"have to end before the '#{end.name}' at line {end.line} so that "
                           "its braces stay in the preprocessor branch holding the declaration, "
                           f"but {problem}; rewrite it by hand ({how})")
            self.edits.insert(self.toks[g.start].start, "{ ", NAME)
            self.edits.insert(end.start, ind + "}\n", NAME)
            closed = f" ending before the '#{end.name}' at line {end.line}"
        else:
            self.edits.insert(self.toks[g.start].start, "{ ", NAME)
            self.close_at(rbrace, ind)
        t = self.toks[g.start]
        self.out.diag(t, "note", f"declaration of {names} wrapped in a new block{closed} ({why})")

    def macro_block(self, blk, anchor: int) -> None:
        """A block written by a macro (``#define SWAP(a, b) { int t = a; ...}``):
        fine when its declarations come first; otherwise only the macro
        definition could be fixed."""
        seen = False
        for kind, node in blk.items:
            if kind == "decl":
                self.check_vla(node)
                if seen:
                    what = f"declaration of '{node.name}'" if node.name else "a declaration"
                    self.error(node, f"{what} after a statement in a block written by macro "
                                     f"'{self.macro_name(anchor)}': move it to the start of "
                                     "the block in the macro definition by hand")
            elif kind in ("stmt", "case"):
                seen = True
                stack = [node]
                while stack:
                    n = stack.pop()
                    if isinstance(n, c_ast.Compound):
                        continue
                    if isinstance(n, c_ast.For) and isinstance(n.init, c_ast.DeclList):
                        self.error(n, f"declaration of '{n.init.decls[0].name}' in a for-loop "
                                      f"header in a block written by macro "
                                      f"'{self.macro_name(anchor)}': change the macro "
                                      "definition by hand")
                    stack.extend(c for _, c in n.children())
