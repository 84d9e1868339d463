"""C99 keywords and small syntax that C89 lacks.

* ``restrict``/``__restrict`` -> removed (an optimisation hint only).
  GNU's alternate keywords ``__restrict__`` and ``__inline__`` (which gcc
  documents for its ISO modes, C89 included) stay wherever the rule below
  only removes the keyword, so strict C89 written for gcc passes through.
* ``inline``/``__inline``/``__inline__`` -> removed when the declaration is
  ``static`` or ``extern`` or the function is also declared without
  ``inline`` (C99 then gives it an external definition); a plain ``inline``
  definition (C99: no external definition in this unit) becomes ``static``,
  so a header included by several files does not define the symbol twice.
  In a ``#define`` body it is removed (with a warning unless ``static`` or
  ``extern`` is next to it).
* ``__func__`` inside a function -> the function's name as a string
  literal; in a macro body or outside a function it is reported.
* a trailing comma after the last enumerator -> removed.
* ``_Bool``/``bool`` (which the stdint pass maps to the ``int`` typedef
  ``c89_bool``): C99 converts any value stored in a ``_Bool`` to 0 or 1, an
  ``int`` keeps it.  Initialisations, assignments, returns, call arguments
  and casts of a non-boolean value to a ``_Bool`` object are rewritten as
  ``!!(expr)``; ``++``/``--``/``+=`` ... on one are reported.
"""

from __future__ import annotations

from pycparser import c_ast

from ..analysis.extents import expr_end, func_ranges
from ..analysis.names import code_ids
from ..analysis.walks import body_nodes, walk_cached
from ..source import EditList
from .base import PassOutput, PassSpec, UnitPass

NAME = "keywords"

RESTRICT = {"restrict", "__restrict", "__restrict__"}
INLINE = {"inline", "__inline", "__inline__"}
GNU_KEPT = {"__restrict__", "__inline__"}   # valid in gcc's C89 mode
_STOP_BACK = {";", "}", "{", ")", ","}


def _delete_word(text: str, edits: EditList, start: int, end: int) -> None:
    """Delete a keyword and one side's blanks (``int *restrict p`` -> ``int *p``)."""
    j = end
    while j < len(text) and text[j] in " \t":
        j += 1
    if j > end and j < len(text) and text[j] not in "\n\r":
        edits.delete(start, j, NAME)
        return
    k = start
    while k > 0 and text[k - 1] in " \t":
        k -= 1
    if k < start and k > 0 and text[k - 1] not in "\n":
        edits.delete(k, end, NAME)
    else:
        edits.delete(start, end, NAME)


class _Pass(UnitPass):
    name = NAME

    def __init__(self, unit):
        super().__init__(unit)
        self.here = self.sem.at()
        self._kinds: dict[int, tuple] = {}
        self._params: dict[int, tuple] = {}

    def warn(self, i, msg, sev="warning"):
        self.out.diag(i, sev, msg)

    # -- restrict / inline ----------------------------------------------------
    def keywords(self) -> None:
        toks = self.toks
        for i in code_ids(toks, RESTRICT | INLINE):
            t = toks[i]
            if t.text in RESTRICT:
                if t.text in GNU_KEPT:
                    continue
                _delete_word(self.text, self.edits, t.start, t.end)
                continue
            if t.pp >= 0:
                self.inline_in_macro(i)
            else:
                self.inline_in_code(i)

    def _spec_words(self, i: int) -> tuple[set[str], int | None]:
        """Words of the declaration around token ``i`` and the index of the
        declared function's name (the identifier before the first ``(``).
        For code, the lines of directives inside the declaration are
        skipped (``#ifdef __GNUC__ / inline / #endif / static int f``)."""
        toks = self.toks
        pp = toks[i].pp
        words = set()

        def same(j: int) -> bool | None:    # None: a directive line to skip
            if toks[j].pp == pp:
                return True
            return None if pp < 0 else False

        j = i - 1
        while j >= 0 and (ok := same(j)) is not False:
            if ok and toks[j].text in _STOP_BACK:
                break
            if ok:
                words.add(toks[j].text)
            j -= 1
        j = i + 1
        name = None
        while j < len(toks) and (ok := same(j)) is not False:
            if ok and toks[j].text in (";", "{", "="):
                break
            if ok and toks[j].text == "(":
                if toks[j - 1].kind == "id" and toks[j - 1].pp == pp:
                    name = j - 1
                break
            if ok:
                words.add(toks[j].text)
            j += 1
        return words, name

    def inline_in_macro(self, i: int) -> None:
        t = self.toks[i]
        words, _ = self._spec_words(i)
        _delete_word(self.text, self.edits, t.start, t.end)
        if not words & {"static", "extern"}:
            # a note: after the edit nothing is left for the last round to see
            self.warn(i, f"'{t.text}' removed from a macro body: functions declared with it "
                         "get external linkage (add 'static' if the macro is used in a header)",
                      "note")

    def inline_in_code(self, i: int) -> None:
        t = self.toks[i]
        words, name_i = self._spec_words(i)
        if words & {"static", "extern"}:
            if t.text not in GNU_KEPT:
                _delete_word(self.text, self.edits, t.start, t.end)
            return
        name = self.toks[name_i].text if name_i is not None else None
        external = False
        for ext in self.u.ast.ext:
            d = ext.decl if isinstance(ext, c_ast.FuncDef) else ext
            if isinstance(d, c_ast.Decl) and d.name == name and name is not None:
                if "extern" in (d.storage or []) or not (set(d.funcspec or []) & {"inline"}):
                    external = True
        if external:
            if t.text not in GNU_KEPT:
                _delete_word(self.text, self.edits, t.start, t.end)
        else:
            self.edits.replace(t.start, t.end, "static", NAME)

    # -- __func__ ----------------------------------------------------------------
    def func_names(self) -> None:
        toks = self.toks
        ids = code_ids(toks, {"__func__"})
        if not ids:
            return
        ranges = func_ranges(self.u)
        discarded = self._discarded_func_names([i for i in ids if toks[i].pp >= 0])
        for i in ids:
            if i in discarded:
                self.warn(i, "'__func__' in a macro body whose every expansion here is "
                             "discarded; where one is compiled it has no C89 equivalent",
                          "note")
                continue
            if toks[i].pp >= 0:
                self.warn(i, "'__func__' in a macro body has no C89 equivalent; "
                             "pass the name as a macro argument")
                continue
            fd = next((f for lb, rb, f in ranges if lb < i < rb), None)
            if fd is None:
                self.warn(i, "'__func__' outside a function")
                continue
            self.edits.replace(toks[i].start, toks[i].end, f'"{fd.decl.name}"', NAME)

    def _discarded_func_names(self, in_macros: list[int]) -> set[int]:
        """The ``__func__`` tokens of ``in_macros`` (in ``#define`` bodies) whose
        macro this file invokes, none of whose expansions reaches the compiler
        (brotli's BROTLI_LOG(x), empty unless debugging, handed __func__):
        each is replaced by a marker in a variant of the text, and the
        markers missing from its preprocessed output were discarded."""
        toks = self.toks
        used = set()
        ids = toks.id_index
        for i in in_macros:
            h = toks[i].pp
            if h + 2 < len(toks) and toks[h + 1].text == "define" and toks[h + 2].kind == "id" \
                    and any(toks[k].pp < 0 for k in ids.get(toks[h + 2].text, ())):
                used.add(i)
        if not used:
            return set()
        marks = {i: f"__c89port_func_{n}" for n, i in enumerate(sorted(used))}
        parts, last = [], 0
        for i in sorted(used):
            parts += [self.text[last:toks[i].start], marks[i]]
            last = toks[i].end
        out = self.u.preprocess_variant("".join(parts) + self.text[last:])
        if out is None:
            return set()
        return {i for i, m in marks.items() if m not in out}

    # -- enum trailing comma ---------------------------------------------------
    def enum_commas(self) -> None:
        toks = self.toks
        for i in code_ids(toks, {"enum"}):
            if toks[i].pp >= 0:
                continue
            j = i + 1
            if j < len(toks) and toks[j].kind == "id":
                j += 1
            if j >= len(toks) or toks[j].text != "{" or j not in toks.match:
                continue
            close = toks.match[j]
            k = toks.prev_code(close)
            if k is not None and k > j and toks[k].text == ",":
                self.edits.delete(toks[k].start, toks[k].end, NAME)

    # -- _Bool normalisation -----------------------------------------------------
    def bools(self) -> None:
        uses_bool = "_Bool" in self.text or "c89_bool" in self.text or "bool" in self.text
        if not uses_bool:
            return
        sem = self.sem
        # member name -> kind, over every struct and union (expressions have
        # no types here, so s.m is judged by the name m)
        self.member_kinds: dict[str, object] = {}
        member_place = sem.at()     # members' types read at file scope
        for s in sem.definitions():
            for m in s.decls or []:
                if m.name:
                    kind = self._kind(m.type, member_place)
                    prev = self.member_kinds.get(m.name, kind)
                    self.member_kinds[m.name] = kind if prev == kind else "mixed"
        for fd in self.u.func_defs():
            sem.function(fd)
            _, sites = walk_cached(fd, "bool-sites", _bool_nodes)
            self.cur_bool = sem.at(fd).is_bool(fd.decl.type.type)
            for n in sites:
                self.here = sem.at(n, fd)
                self.bool_site(n)
        for ext in self.u.ast.ext:
            if isinstance(ext, c_ast.Decl) and self.u.in_main(ext):
                self.here = sem.at(ext)
                self.bool_site(ext)

    def _kind(self, t, here):
        r = here.resolve(t)
        if here.is_bool(r):
            return "bool"
        if isinstance(r, c_ast.ArrayDecl) and here.is_bool(r.type):
            return "boolarray"
        return "other"

    def _object_kind(self, name: str):
        """The kind of the object ``name`` names here, or None (unknown)."""
        sym = self.here.lookup(name)
        if sym is None or sym.kind != "object":
            return None
        got = self._kinds.get(id(sym.node))
        if got is None or got[0] is not sym.node:
            got = self._kinds[id(sym.node)] = (sym.node,
                                               self._kind(sym.type, self.sem.place_of(sym)))
        return got[1]

    def _function(self, name: str):
        """The type (FuncDecl) and place of the function ``name`` names here."""
        sym = self.here.lookup(name)
        if sym is None or sym.kind != "function" or not isinstance(sym.type, c_ast.FuncDecl):
            return None, None
        return sym.type, self.sem.place_of(sym)

    def is_bool_lvalue(self, n) -> bool | None:
        """True/False when the type of the lvalue is known, None when not."""
        if isinstance(n, c_ast.ID):
            k = self._object_kind(n.name)
            return None if k is None else k == "bool"
        if isinstance(n, c_ast.StructRef):
            k = self.member_kinds.get(n.field.name)
            return None if k in (None, "mixed") else k == "bool"
        if isinstance(n, c_ast.ArrayRef) and isinstance(n.name, c_ast.ID):
            k = self._object_kind(n.name.name)
            return None if k is None else k == "boolarray"
        if isinstance(n, c_ast.UnaryOp) and n.op == "*":
            return None
        return False

    def boolish(self, n) -> bool:
        """The value is already 0 or 1."""
        if isinstance(n, c_ast.BinaryOp):
            return n.op in ("==", "!=", "<", ">", "<=", ">=", "&&", "||") or (
                n.op in ("&", "|", "^") and self.boolish(n.left) and self.boolish(n.right))
        if isinstance(n, c_ast.UnaryOp):
            return n.op == "!"
        if isinstance(n, c_ast.Constant):
            return n.value in ("0", "1")
        if isinstance(n, c_ast.TernaryOp):
            return self.boolish(n.iftrue) and self.boolish(n.iffalse)
        if isinstance(n, c_ast.ExprList):
            return bool(n.exprs) and self.boolish(n.exprs[-1])
        if isinstance(n, c_ast.FuncCall) and isinstance(n.name, c_ast.ID):
            ftype, where = self._function(n.name.name)
            return ftype is not None and where.is_bool(ftype.type)
        if isinstance(n, c_ast.Cast):
            return self.here.is_bool(n.to_type)
        if isinstance(n, c_ast.Assignment) and n.op == "=":
            return bool(self.is_bool_lvalue(n.lvalue))
        return bool(self.is_bool_lvalue(n))

    def wrap(self, a: int, b: int) -> None:
        """Rewrite tokens [a, b) as ``!!(...)``."""
        s, e = self.toks[a].start, self.toks[b - 1].end
        if not self.edits.can_add(s, e):
            return  # overlaps another rewrite: the next round does it
        self.edits.replace(s, e, "!!(" + self.text[s:e] + ")", NAME)

    def check_value(self, value, a, b, what) -> None:
        if value is None or self.boolish(value) or isinstance(value, c_ast.InitList):
            return
        if a is None or b is None or b <= a:
            self.out.diag(value, "warning",
                          f"{what}: cannot rewrite the value as !!(...); C89 "
                          "will not normalise it to 0/1")
            return
        self.wrap(a, b)

    def bool_site(self, n) -> None:
        toks = self.toks
        if isinstance(n, c_ast.Decl) and n.init is not None and self.here.is_bool(n.type):
            i = self.u.text_tok(n, n.name)
            if i is None:
                self.check_value(n.init, None, None, f"initialisation of '{n.name}'")
                return
            j = i + 1
            while j < len(toks) and toks[j].text != "=" and toks[j].text not in (";", ","):
                j += 1
            if j < len(toks) and toks[j].text == "=":
                self.check_value(n.init, j + 1, expr_end(toks, j + 1),
                                 f"initialisation of '{n.name}'")
        elif isinstance(n, c_ast.Assignment):
            isb = self.is_bool_lvalue(n.lvalue)
            if not isb:
                return
            if n.op == "=":
                eq = self._op_after(n.lvalue, "=")
                self.check_value(n.rvalue, eq + 1 if eq is not None else None,
                                 expr_end(toks, eq + 1) if eq is not None else None,
                                 "assignment to a bool")
            elif n.op in ("&=", "|=", "^=") and self.boolish(n.rvalue):
                return
            elif n.op == "|=":  # (b | v) != 0 exactly when (b | !!v) != 0
                eq = self._op_after(n.lvalue, "|=")
                self.check_value(n.rvalue, eq + 1 if eq is not None else None,
                                 expr_end(toks, eq + 1) if eq is not None else None,
                                 "'|=' on a bool")
            elif isinstance(n.lvalue, c_ast.ID) and self._op_after(n.lvalue, n.op) is not None:
                # b op= v  ->  b = !!(b op (v))   (a plain name: no side effects)
                lv = self.u.text_tok(n.lvalue)
                eq = self._op_after(n.lvalue, n.op)
                end = expr_end(toks, eq + 1)
                s, e = toks[lv].start, toks[end - 1].end
                if end > eq + 1 and self.edits.can_add(s, e):
                    rv = self.text[toks[eq + 1].start:e]
                    name = n.lvalue.name
                    self.edits.replace(s, e, f"{name} = !!({name} {n.op[:-1]} ({rv}))", NAME)
            else:
                self.out.diag(n.lvalue, "warning",
                              f"'{n.op}' on a bool: C89's int bool does not "
                              "wrap to 0/1; rewrite as an assignment")
        elif isinstance(n, c_ast.UnaryOp) and n.op in ("++", "--", "p++", "p--"):
            if self.is_bool_lvalue(n.expr):
                self.out.diag(n.expr, "warning",
                              "'++'/'--' on a bool: C89's int bool does not "
                              "stay 0/1; rewrite as an assignment")
        elif isinstance(n, c_ast.Return) and n.expr is not None and self.cur_bool:
            r = self.u.text_tok(n, "return")
            if r is not None:
                semi = toks.find_semicolon(r)
                self.check_value(n.expr, r + 1, semi, "return from a bool function")
        elif isinstance(n, c_ast.Cast) and self.here.is_bool(n.to_type) \
                and not self.boolish(n.expr):
            i = self.u.text_tok(n.to_type)
            if i is None:
                return
            lp = toks.prev_code(i) if toks[i].text != "(" else i
            while lp is not None and toks[lp].text != "(":
                lp = toks.prev_code(lp)
            rp = toks.match.get(lp) if lp is not None else None
            if rp is None:
                return
            end = self._unary_end(rp + 1)
            if end is not None:
                self.wrap(rp + 1, end)
        elif isinstance(n, c_ast.FuncCall) and isinstance(n.name, c_ast.ID) \
                and n.args is not None:
            ftype, where = self._function(n.name.name)
            if ftype is None or ftype.args is None:
                return
            bools = self._bool_params(ftype, where)
            if not any(bools):
                return
            i = self.u.text_tok(n.name, n.name.name)
            if i is None or i + 1 >= len(toks) or toks[i + 1].text != "(":
                return
            rp = toks.match.get(i + 1)
            if rp is None:
                return
            parts = toks.split_commas(i + 2, rp)
            if len(parts) != len(n.args.exprs):
                return
            for (a, b), e, is_bool in zip(parts, n.args.exprs, bools):
                if is_bool:
                    self.check_value(e, a, b, f"argument of '{n.name.name}'")

    def _bool_params(self, ftype: c_ast.FuncDecl, where) -> list[bool]:
        """Which parameters of a function type are bools (once per type)."""
        got = self._params.get(id(ftype))
        if got is None or got[0] is not ftype:
            types = [getattr(a, "type", None) for a in ftype.args.params]
            got = self._params[id(ftype)] = (ftype, [t is not None and where.is_bool(t)
                                                     for t in types])
        return got[1]

    def _op_after(self, lvalue, op) -> int | None:
        i = self.u.text_tok(lvalue)
        if i is None:
            return None
        depth = 0
        toks = self.toks
        for j in range(i, min(len(toks), i + 200)):
            t = toks[j]
            if t.text in "([{":
                depth += 1
            elif t.text in ")]}":
                depth -= 1
                if depth < 0:
                    return None
            elif t.text == op and depth == 0:
                return j
            elif t.text == ";":
                return None
        return None

    def _unary_end(self, i: int) -> int | None:
        """End of the operand of a cast starting at token ``i`` (a simple
        primary/postfix expression or a parenthesised one)."""
        toks = self.toks
        j = i
        if j >= len(toks):
            return None
        while toks[j].text in ("!", "-", "+", "~", "*", "&"):
            j += 1
        if toks[j].text == "(":
            j = toks.match.get(j)
            if j is None:
                return None
            j += 1
        elif toks[j].kind in ("id", "num", "str", "chr"):
            j += 1
        else:
            return None
        while j < len(toks):
            if toks[j].text in ("(", "[") and j in toks.match:
                j = toks.match[j] + 1
            elif toks[j].text in (".", "->") and j + 1 < len(toks):
                j += 2
            elif toks[j].text in ("++", "--"):
                j += 1
            else:
                break
        return j


_SITES = (c_ast.Decl, c_ast.Assignment, c_ast.UnaryOp, c_ast.Return, c_ast.Cast,
          c_ast.FuncCall)


def _bool_nodes(fd):
    """(named declarations, nodes of the kinds ``bool_site`` looks at) in a
    function body, both in source order."""
    sites = [n for n in body_nodes(fd) if isinstance(n, _SITES)]
    return [n for n in sites if isinstance(n, c_ast.Decl) and n.name], sites


def run(text: str, ctx) -> PassOutput:
    unit = ctx.unit(text)
    p = _Pass(unit)
    p.keywords()
    p.func_names()
    p.enum_commas()
    p.bools()
    return p.out


SPEC = PassSpec(NAME, "round", run)
