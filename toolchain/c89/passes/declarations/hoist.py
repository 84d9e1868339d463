"""One block: its late declarations and for-loop declarations hoisted to
the block start (after its leading declarations), or, where hoisting would
change meaning or leave an ``#if`` branch, a new block instead.

:class:`BlockRewrite` walks the block's items in order; a declaration or
loop that cannot be hoisted gets the new-block form and ends the walk (the
declarations after it are in that block now: the next round sees them).
"""

from __future__ import annotations

from pycparser import c_ast

from ...frontend.origin import MACRO, TEXT
from .core import NAME, Group
from .syntax import SPEC_KW, TAG_KW, Block, for_decls, may_need_work, names_in, refers, same


class BlockRewrite:
    def __init__(self, p, comp):
        self.p = p                  # the pass (Core, Classification, Branches, Wrapping)
        self.comp = comp
        self.items: list[tuple[str, object]] = []   # (kind, node, or a list of Decls)
        self.macro_at: dict[int, int] = {}          # item -> invocation token (macro decls)
        self.groups: dict[int, Group] = {}
        self.boundary = 0           # the first item that is no leading declaration
        # name -> ("plain" | "for", (spec, declarator), hoist point) of what was hoisted
        self.hoisted: dict[str, tuple[str, tuple, int]] = {}
        self.out_lines: dict[int, list[str]] = {}   # hoist point -> declaration lines
        self.skip_to = None         # the #endif of a conditional a new block was opened before
        self.inside: set[str] = set()               # the words in it

    def run(self) -> None:
        p = self.p
        blk = Block(self.comp)
        if not may_need_work(blk):
            for kind, node in blk.items:
                if kind == "decl":
                    p.check_vla(node)
            return
        if not p.u.in_main(self.comp):
            self.opened_elsewhere(blk)
            return
        where, lbrace = p.u.origin(self.comp, "{")
        if where == MACRO:
            p.macro_block(blk, lbrace)
            return
        self.collect(blk)
        late = [idx for idx in range(self.boundary, len(self.items))
                if self.items[idx][0] == "decl"]
        # for-loops with declarations whose nearest block is this one
        fors: list[tuple[int, c_ast.For]] = []
        for idx in range(self.boundary, len(self.items)):
            kind, node = self.items[idx]
            if kind == "stmt":
                fors.extend((idx, f) for f in for_decls(node) if p.u.in_main(f))
        if not late and not fors:
            return
        self.layout(late)
        events = [(idx, 0, None) for idx in late] + [(idx, 1, f) for idx, f in fors]
        events.sort(key=lambda e: (e[0], p.u.locate(e[2].coord) or 0 if e[2] else 0))
        for idx, is_for, f in events:
            if self.skip_to is not None and not self.after_new_block(idx, is_for):
                continue
            if self.skip_to == "stop":
                break
            if not (self.hoist_for(f, idx) if is_for else self.hoist(idx)):
                break
        self.emit()

    def opened_elsewhere(self, blk: Block) -> None:
        """A block the including file opens (this file is a .c fragment
        included in it): nothing can go at its start, so this file's loops
        are wrapped (``{ int i; for (i = 0; ...) ... }``) and a declaration
        after statements is an error."""
        p = self.p
        seen_stmt = False
        for kind, node in blk.items:
            mine = p.u.in_main(node)
            if kind == "decl":
                if mine:
                    p.check_vla(node)
                    if seen_stmt:
                        p.error(node, f"declaration of '{node.name}' after statements in a "
                                      "block that the file including this one opens: C89 "
                                      "has no place for it in this file; move it by hand")
                continue
            seen_stmt = seen_stmt or kind in ("stmt", "case")
            if kind == "stmt" and mine:
                for f in for_decls(node):
                    self.wrap_for(f)

    def for_header(self, f: c_ast.For) -> Group:
        """The declaration group of a for-loop header, once checked: not
        written by a macro, no variable-length array."""
        p = self.p
        decls = f.init.decls
        dw, tok = p.decl_where(decls[0])
        if dw == MACRO:
            p.error(f, f"declaration of '{decls[0].name}' in a for-loop header written by "
                       f"macro '{p.macro_name(tok)}': C89 has none and the macro "
                       "definition must be changed by hand")
        g = p.group_of(decls)
        for d in decls:
            p.check_vla(d)
        return g

    def for_parts(self, g: Group) -> tuple[list[str], list[str]]:
        """(declarator texts, ``name = value`` assignments) of a for-loop
        header's declarations."""
        parts, assigns = [], []
        for k, d in enumerate(g.decls):
            dtext, itext, _, _ = self.p.split_decl(g, k)
            parts.append(dtext)
            if itext is not None:
                assigns.append(f"{d.name} = {itext}")
        return parts, assigns

    def wrap_for(self, f: c_ast.For) -> None:
        p = self.p
        decls = f.init.decls
        g = self.for_header(f)
        parts, assigns = self.for_parts(g)
        self.wrap_loop(f, g, [p.classify(d) for d in decls], parts, assigns)

    # -- the block's items ------------------------------------------------------------
    def collect(self, blk: Block) -> None:
        """Items, with the declarators of one statement as one item; their
        groups; the boundary after the leading declarations."""
        p, items = self.p, self.items
        pending: list = []
        pending_start = None
        for kind, node in blk.items:
            if kind == "decl" and not p.u.in_main(node):
                kind = "stmt"   # a .c fragment's, included here: its own port moves it
            if kind == "decl":
                p.check_vla(node)
                dw, tok = p.decl_where(node)
                if dw == MACRO:
                    start = (MACRO, p.stmt_start(tok))
                else:
                    first = p.need(tok if dw == TEXT else None, node,
                                   f"declaration of '{node.name}'" if node.name
                                   else "a declaration")
                    start = p.stmt_start(first)
                if pending and start == pending_start:
                    pending.append(node)
                    continue
                if pending:
                    items.append(("decl", pending))
                pending, pending_start = [node], start
                if dw == MACRO:
                    self.macro_at[len(items)] = tok
                continue
            if pending:
                items.append(("decl", pending))
                pending = []
            items.append((kind, node))
        if pending:
            items.append(("decl", pending))
        for idx, (kind, node) in enumerate(items):
            if kind == "decl" and idx in self.macro_at:
                tok = self.macro_at[idx]
                g = Group(node, p.stmt_start(tok), None, None, None)
                g.macro = p.macro_name(tok)
                self.groups[idx] = g
            elif kind == "decl":
                self.groups[idx] = p.group_of(node)
        self.boundary = len(items)
        for idx, (kind, node) in enumerate(items):
            if kind in ("stmt", "case") or (
                    kind == "decl" and idx not in self.macro_at
                    and any(p.classify(d) == "elements" for d in node)):
                self.boundary = idx
                break

    def layout(self, late: list[int]) -> None:
        """Where hoisted declarations go, and how they are indented."""
        p, toks, items = self.p, self.p.toks, self.items
        self.lbrace = lbrace = p.need(p.u.text_tok(self.comp, "{"), self.comp, "a block")
        lead = [idx for idx in range(self.boundary) if items[idx][0] == "decl"]
        self.anchor = self.groups[lead[-1]].semi if lead else lbrace
        first_tok = lbrace + 1
        if first_tok < len(toks) and toks[first_tok].pp >= 0 \
                and toks.directive_of(first_tok).name in ("if", "ifdef", "ifndef"):
            # the block starts with a conditional (#if lines are often not
            # indented): indent like the code in it
            first_tok = toks.next_code(lbrace) or first_tok
        if first_tok < len(toks) and toks[first_tok].line > toks[lbrace].line:
            self.indent = p.u.src.indent_of(toks[first_tok].start)
        else:
            self.indent = p.u.src.indent_of(toks[lbrace].start) + "    "
        self.leading_names = {d.name for idx in lead for d in items[idx][1]}
        self.rbrace = toks.match.get(lbrace)
        self.plain_index: dict[str, int] = {}   # name -> first late declaration of it
        for idx in late:
            for d in items[idx][1]:
                self.plain_index.setdefault(d.name, idx)

    def item_refs(self, lo: int, hi: int, name: str) -> set[str]:
        """{name} when ``name`` is used free in items [lo, hi), else {}."""
        for idx in range(lo, hi):
            kind, node = self.items[idx]
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

    def hoist_point(self, tok: int):
        return self.p.hoist_point(self.anchor, tok, self.lbrace, self.rbrace)

    def key(self, g: Group, k: int) -> tuple[str, str]:
        """(specifiers, declarator) of declarator ``k``, blanks normalised."""
        dtext = self.p.split_decl(g, k)[0]
        return " ".join(self.p.spec_text(g).split()), " ".join(dtext.split())

    def after_new_block(self, idx: int, is_for: bool) -> bool:
        """After a new block opened before a conditional: what lies in that
        conditional is in the new block (next round); a declaration after it
        is hoisted as usual unless it names something that conditional may
        declare or define.  False: skip this item; ``skip_to`` "stop": end."""
        p = self.p
        g = self.groups.get(idx)
        if is_for or g.semi is None:
            self.skip_to = "stop"
            return True
        if g.start < self.skip_to:
            return False
        stays = set()   # initializers that become assignments in place
        for k, d in enumerate(g.decls):
            if p.classify(d) in ("split", "elements"):
                stays.update(range(*p.split_decl(g, k)[2:]))
        if any(p.toks[j].kind == "id" and p.toks[j].text in self.inside
               for j in range(g.start, g.semi) if j not in stays):
            self.skip_to = "stop"
        return True

    # -- a declaration statement ---------------------------------------------------------
    def hoist(self, idx: int) -> bool:
        """Hoist the declaration item ``idx``, or open a new block for it
        (False: the walk ends there)."""
        p, g = self.p, self.groups[idx]
        if g.macro is not None:
            # written by a macro invocation: open the block before it
            p.fallback_block(g, self.comp, self.lbrace, f"it is written by macro '{g.macro}'")
            return False
        modes = [p.classify(d) for d in g.decls]
        conflict = "fallback" in modes
        at = self.hoist_point(g.start)
        outside = at is None
        merged = []     # declarators a for-loop already hoisted the same way
        for k, d in enumerate(g.decls):
            if conflict:
                break
            prev = self.hoisted.get(d.name)
            refs = self.item_refs(self.boundary, idx, d.name)
            for d2 in g.decls[:k]:
                refs |= names_in(d2.init)
            if d.name in self.leading_names or d.name in refs:
                conflict = True
            elif prev is not None:
                if prev[0] == "for" and prev[1] == self.key(g, k) and prev[2] == at \
                        and modes[k] in ("split", "ok"):
                    merged.append(k)
                else:
                    conflict = True
        left = [] if conflict else p.branches_left(g.start, at, self.lbrace, self.rbrace)
        if left:
            done = self.leave_branch(g, left, outside)
            if done is not None:
                return done
        conflict = conflict or outside
        if conflict:
            why = "hoisting it would change meaning"
            if any(p.init_macro(d) for d in g.decls if isinstance(d.init, c_ast.InitList)):
                why = "its initializer is a macro that writes braces"
            elif outside and "fallback" not in modes:
                why = ("the block's leading declarations end in a preprocessor "
                       "branch that does not hold it")
            p.fallback_block(g, self.comp, self.lbrace, why)
            return False
        parts, assigns = [], []
        for k, d in enumerate(g.decls):
            dtext, itext, ia, ib = p.split_decl(g, k)
            self.hoisted[d.name] = ("plain", self.key(g, k), at)
            if modes[k] == "keep":
                parts.append(dtext + " = " + itext if itext is not None else dtext)
            else:
                if modes[k] == "split":
                    assigns.append(f"{d.name} = {itext};")
                elif modes[k] == "elements":
                    assigns.extend(p.element_assignments(d, (ia, ib)))
                    dtext = p.sized_declarator(d, dtext)
                if k not in merged:
                    parts.append(dtext)
        if all(m == "keep" for m in modes):
            self.out_lines.setdefault(at, []).append(p.tok_text(g.start, g.semi + 1))
        elif parts:
            self.out_lines.setdefault(at, []).append(p.decl_line(g, parts, 0 not in merged))
        p.replace_stmt(g, " ".join(assigns))
        return True

    def leave_branch(self, g: Group, left: list, outside: bool) -> bool | None:
        """Hoisting ``g`` would take it out of the ``#if`` branches ``left``
        inside the block: a new block opened before the conditional (True:
        go on after it), or one around the declaration (False: the walk
        ends), or None: it is hoisted anyway, with a note."""
        p = self.p
        opening, problem = p.branch_opening(g, left, self.lbrace, self.rbrace)
        if problem is None:
            p.block_before(g, opening, self.rbrace)
            self.skip_to = p.conditional_of(left[-1].end)[1].hash_index
            self.inside = {t.text for t in p.toks.toks[opening.hash_index:self.skip_to]
                           if t.kind == "id"} - SPEC_KW - TAG_KW
            return True
        if outside:
            return None
        where = "the preprocessor branch holding it" if opening is None else \
            f"the '#{opening.name}' at line {opening.line}"
        ends = p.branch_ends(g.start, self.lbrace, self.rbrace)
        if not ends or not p.branch_wrap(g, ends, self.rbrace)[2]:
            p.fallback_block(g, self.comp, self.lbrace, f"that is outside {where}, and {problem}")
            return False
        # no block fits either: hoist it out of the branch, as the
        # configuration being ported needs, and say so
        names = ", ".join(f"'{d.name}'" for d in g.decls if d.name)
        p.out.diag(p.toks[g.start], "note",
                   f"declaration of {names} moved to the start of the block, out of {where}: "
                   "configurations without that branch get it too (unused there); a block "
                   f"around it would not work ({problem})")
        return None

    # -- a for-loop header ------------------------------------------------------------------
    def hoist_for(self, f: c_ast.For, idx: int) -> bool:
        """``for (int i = 0; ...)`` -> ``int i;`` hoisted and ``for (i = 0;
        ...)``, or the loop alone wrapped in a block."""
        p = self.p
        decls = f.init.decls
        g = self.for_header(f)
        modes = [p.classify(d) for d in decls]
        at = self.hoist_point(g.start)
        conflict = any(m not in ("split", "ok") for m in modes) or at is None
        keys = [self.key(g, k) for k in range(len(decls))]
        for k, d in enumerate(decls):
            if conflict:
                break
            prev = self.hoisted.get(d.name)
            hi = self.plain_index.get(d.name, len(self.items))
            if hi < idx:
                conflict = True
                break
            refs = self.item_refs(self.boundary, hi, d.name)
            for d2 in decls[:k]:
                refs |= names_in(d2.init)
            if d.name in self.leading_names or d.name in refs:
                conflict = True
            elif prev is not None and (prev[0] != "for" or prev[1] != keys[k] or prev[2] != at):
                conflict = True
        if not conflict and p.branches_left(g.start, at, self.lbrace, self.rbrace):
            # hoisting would take the declaration out of an #if branch inside
            # the block: the loop alone is wrapped instead (when it ends in
            # the branch it starts in, else hoisted as before)
            _, end, _, opening = p.loop_span(f)
            conflict = same(p.branches_at(opening), p.branches_at(end))
        parts, assigns = self.for_parts(g)
        if conflict:
            self.wrap_loop(f, g, modes, parts, assigns)
            return True
        new = []
        for k, d in enumerate(decls):
            if self.hoisted.get(d.name) is None:
                self.hoisted[d.name] = ("for", keys[k], at)
                new.append(k)
        if new:
            self.out_lines.setdefault(at, []).append(
                p.decl_line(g, [parts[k] for k in new], new[0] == 0))
        p.edits.replace(p.toks[g.start].start, p.toks[g.semi].start, ", ".join(assigns), NAME)
        return True

    def wrap_loop(self, f, g: Group, modes, parts, assigns) -> None:
        """``{ int i; for (i = 0; ...) ... }``"""
        p, toks = self.p, self.p.toks
        if any(m not in ("split", "ok") for m in modes):
            # const/array loop variables: keep the initializer on the declaration
            p.error(f, "declaration in a for-loop header that cannot become an "
                       "assignment (const or array); move it by hand")
        ftok, end, pp_before, opening = p.loop_span(f)
        if not same(p.branches_at(opening), p.branches_at(end)):
            p.error(f, f"cannot wrap the for-loop declaring '{g.decls[0].name}' in a "
                       "block ({ int i; for (i = 0; ...) ... }): the loop ends in another "
                       "preprocessor branch than the one it starts in, so the braces "
                       "would not balance; move the declaration by hand")
        decl_line = p.decl_line(g, parts, True)
        if pp_before:
            d = toks.directive_of(ftok - 1)
            ind = p.u.src.indent_of(toks[ftok].start)
            p.edits.insert(d.start, ind + "{ " + decl_line + "\n", NAME)
        else:
            p.edits.insert(toks[ftok].start, "{ " + decl_line + " ", NAME)
        p.edits.replace(toks[g.start].start, toks[g.semi].start, ", ".join(assigns), NAME)
        p.edits.insert(toks[end].end, " }", NAME)

    # -- the hoisted lines --------------------------------------------------------------------
    def emit(self) -> None:
        p = self.p
        for at, lines in self.out_lines.items():
            if p.toks[at].pp >= 0:
                # after an #endif (see hoist_point): on lines of their own
                d = p.toks.directive_of(at)
                p.edits.insert(d.end, "".join("\n" + self.indent + x for x in lines), NAME)
            else:
                p.insert_after(at, lines, self.indent)
