"""Preprocessor-branch geometry inside a block: which ``#if`` branches hold
a token, where a hoisted declaration may go so that every configuration
that keeps the original keeps what replaces it, and whether a new block
can open or close at a branch's edge (the braces must balance whichever
branch the preprocessor keeps)."""

from __future__ import annotations

from ...analysis import conditionals
from ...ctok import Tokens
from .core import Group
from .syntax import SPEC_KW, STMT_KW, TAG_KW, declared_names


class Branches:
    """The part of the pass that reasons about ``#if`` branches (reads ``Core``)."""

    def branches_at(self, tok: int) -> list:
        """The closed conditional branches holding token ``tok``, innermost first."""
        return [b for b in conditionals.structure(self.toks).branches_at(self.toks[tok].line)
                if b.end is not None]

    def branch_ends(self, tok: int, lbrace: int, rbrace: int) -> list:
        """The ``#elif``/``#else``/``#endif`` directives ending the
        conditional branches that hold token ``tok`` and lie inside the block
        ``lbrace``..``rbrace`` (opened after its ``{``, ended before its
        ``}``), innermost first; empty when there is none."""
        lo, hi = self.toks[lbrace].line, self.toks[rbrace].line
        return [b.end for b in self.branches_at(tok) if lo < b.first and b.last < hi]

    def conditional_of(self, d):
        """(the ``#if``/``#ifdef``/``#ifndef``, the ``#endif``) of the
        conditional that directive ``d`` (``#elif``/``#else``/``#endif``)
        belongs to; either is None when unmatched."""
        c = conditionals.structure(self.toks).conditional_of(d)
        return (c.opening, c.endif) if c is not None else (None, None)

    def cond_branches(self, opening) -> list:
        """(directive starting it, directive ending it) of every closed branch
        of the conditional that ``#if`` directive ``opening`` starts."""
        c = conditionals.structure(self.toks).conditional_of(opening)
        return [(b.start, b.end) for b in c.branches if b.end is not None]

    def hoist_point(self, anchor: int, tok: int, lbrace: int, rbrace: int | None):
        """Token after which the declaration at token ``tok`` is hoisted:
        ``anchor`` (after the block's leading declarations) when every #if
        branch inside the block that holds ``anchor`` holds ``tok`` too;
        else the ``#`` of the ``#endif`` closing those branches, when the
        preprocessor kept nothing between (the hoisted lines go after it);
        else None: there is no place that the configurations keeping
        ``tok`` all keep."""
        if rbrace is None or anchor == lbrace:
            return anchor
        holding = self.branch_ends(tok, lbrace, rbrace)
        at = anchor
        for end in self.branch_ends(anchor, lbrace, rbrace):
            if any(end is h for h in holding):
                break   # so are the branches around it
            endif = self.conditional_of(end)[1]
            if endif is None or not self.nothing_kept(at, endif.hash_index):
                return None
            at = endif.hash_index
        return at

    def nothing_kept(self, a: int, b: int) -> bool:
        """No code and no #pragma between tokens ``a`` and ``b`` is on a
        line the preprocessor kept."""
        pp_lines = getattr(self.u, "pp_lines", None)
        if pp_lines is None:
            return False
        for j in range(a + 1, b):
            t = self.toks[j]
            if t.pp >= 0 and not (j == t.pp + 1 and t.text == "pragma"):
                continue
            if pp_lines.get(t.line, "").strip():
                return False
        return True

    def branches_left(self, tok: int, at, lbrace: int, rbrace: int | None) -> list:
        """The conditional branches inside the block ``lbrace``..``rbrace``
        (``branches_at`` entries, innermost first) that hold token ``tok``
        but not the hoist point ``at`` (None: there is none, so all of them):
        the branches a declaration hoisted from ``tok`` to ``at`` would
        leave.  Empty when it leaves none."""
        if rbrace is None or not self.toks.directives:
            return []
        lo, hi = self.toks[lbrace].line, self.toks[rbrace].line
        holding = [b for b in self.branches_at(tok) if lo < b.first and b.last < hi]
        if not holding or at is None:
            return holding
        kept = self.branches_at(at)
        return [b for b in holding if not any(b is k for k in kept)]

    def branch_opening(self, g: Group, left: list, lbrace: int, rbrace: int):
        """Can a new block opened just before the ``#if`` of the outermost
        branch in ``left`` (see branches_left), and closed where the
        enclosing block ends, replace hoisting group ``g``?  Yes when no
        other branch in the block holds that ``#if`` (the braces then
        balance in every configuration), ``g`` is the first code in its
        branch, and every other branch of the conditionals holding it
        declares first too or declares nothing after other code (judged on
        the text: the preprocessor dropped them).  Returns (that ``#if`` or
        None, None when yes or else why not)."""
        outer = left[-1]
        opening, endif = self.conditional_of(outer.end)
        if opening is None or endif is None:
            return opening, "that conditional is not closed"
        lo, hi = self.toks[lbrace].line, self.toks[rbrace].line
        if any(lo < b.first and b.last < hi for b in self.branches_at(opening.hash_index)):
            return opening, "that conditional is inside another preprocessor branch of the block"
        others = []     # the other branches: never kept together with g
        for b in left:
            op = self.conditional_of(b.end)[0]
            if op is not None:
                others += [(s, e) for s, e in self.cond_branches(op) if e is not b.end]
        j = self.toks.prev_code(g.start)
        while j is not None and self.toks[j].line >= outer.first:
            if not any(s.hash_index < j < e.hash_index for s, e in others):
                return opening, f"code comes before it in that branch (line {self.toks[j].line})"
            j = self.toks.prev_code(j)
        for s, e in others:
            j = self.late_declaration(s.hash_index, e.hash_index)
            if j is not None:
                return opening, (f"the '#{s.name}' branch at line {s.line} declares after "
                                 f"other code (line {self.toks[j].line})")
        return opening, None

    def branch_wrap(self, g: Group, ends: list, rbrace: int):
        """(directive ending the branch, the conditional's opening directive,
        why a new block closing there would be wrong or None) for a
        declaration group in the #if branches ``ends`` (innermost first)."""
        end = ends[0]
        opening, endif = self.conditional_of(end)
        # the code after the branch, but not the other branches of the
        # conditionals holding the declaration (never kept with it)
        spans = []
        for k, d in enumerate(ends):
            after = self.conditional_of(d)[1] or d
            spans.append((after.hash_index, ends[k + 1].hash_index if k + 1 < len(ends)
                          else rbrace))
        problem = self.cut_statement(g.start, end, endif) \
            or self.used_after(g, spans, end.line, rbrace)
        return end, opening, problem

    def late_declaration(self, a: int, b: int) -> int | None:
        """First token of a declaration that follows other code among the
        code tokens between ``a`` and ``b`` (a branch's text), when the
        first statement there is no declaration; None otherwise.  Judged
        on the tokens (statements at the branch's top level: ``;`` or a
        ``}`` back at depth 0 ends one); nested conditionals are read as if
        all their branches were kept."""
        toks = self.toks
        j, first = a + 1, True
        while True:
            while j < b and toks[j].pp >= 0:
                j += 1
            if j >= b:
                return None
            decl = self.looks_like_declaration(j)
            if decl:
                return None if first else j
            first = False
            depth = 0
            while j < b:
                t = toks[j]
                j += 1
                if t.pp >= 0 or t.kind != "punct":
                    continue
                if t.text in ("(", "[", "{"):
                    depth += 1
                elif t.text in (")", "]", "}"):
                    depth -= 1
                    if depth <= 0 and t.text == "}":
                        break
                elif t.text == ";" and depth <= 0:
                    break

    def looks_like_declaration(self, j: int) -> bool:
        """Does the statement starting at code token ``j`` look like a
        declaration (a type keyword, a typedef name, or two identifiers in
        a row as in ``uint32_t x``)?"""
        t = self.toks[j]
        if t.kind != "id" or t.text in STMT_KW:
            return False
        if t.text in SPEC_KW or t.text in TAG_KW or t.text in self.sem.typedef_names:
            return True
        k = self.toks.next_code(j)
        return k is not None and self.toks[k].kind == "id" and self.toks[k].text not in STMT_KW

    def cut_statement(self, start: int, end, endif) -> str | None:
        """Why a block from token ``start`` to directive ``end`` would not
        hold whole statements (brackets left open, a ``do`` without its
        ``while``, an ``if`` whose ``else`` follows the ``#endif``), judged
        on the text of every branch; None when it would."""
        toks = self.toks
        where = f"the '#{end.name}' at line {end.line} is inside a statement"
        opened: list[str] = []
        dos: list[int] = []     # bracket depth of each 'do' still without its 'while'
        last = None
        for j in range(start, end.hash_index):
            t = toks[j]
            if t.pp >= 0:
                continue
            last = t.text
            if t.kind == "id":
                if t.text == "do":
                    dos.append(len(opened))
                elif t.text == "while" and dos and dos[-1] == len(opened):
                    dos.pop()
            elif t.text in ("(", "[", "{"):
                opened.append(t.text)
            elif t.text in (")", "]", "}"):
                if not opened or {")": "(", "]": "[", "}": "{"}[t.text] != opened[-1]:
                    return where
                opened.pop()
        if opened or dos or last not in (";", "}"):
            return where
        if endif is not None:
            k = toks.next_code(endif.hash_index)
            if k is not None and toks[k].text == "else":
                return where
        return None

    def used_after(self, g: Group, spans, line: int, rbrace: int) -> str | None:
        """Where a name the group declares is used in the token ranges
        ``spans`` (in every branch there), or in the preprocessed lines after
        line ``line`` up to the block's end (uses that macros write); None
        when it is not.  Member names do not count."""
        names = declared_names(g.decls)
        toks = self.toks
        for a, b in spans:
            for j in range(a, b):
                t = toks[j]
                if t.kind == "id" and t.text in names and j != t.pp + 1 \
                        and not toks.is_member(j):
                    return f"'{t.text}' is used after that line (line {t.line})"
        pp_lines = getattr(self.u, "pp_lines", None) or {}
        for ln in range(line + 1, toks[rbrace].line + 1):
            pp_line = pp_lines.get(ln)
            if pp_line is None:
                continue
            ptoks = Tokens(pp_line)
            for j, t in enumerate(ptoks.toks):
                if t.kind == "id" and t.text in names and not ptoks.is_member(j):
                    return (f"'{t.text}' is used after that line (line {ln}, in a macro "
                            "expansion)")
        return None
