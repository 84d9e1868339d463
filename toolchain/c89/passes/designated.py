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

from ...diag import Diagnostic, ToolchainError
from ..source import EditList
from . import PassOutput
from ._ast import body_nodes, node_diag, nodes, types_of, walk_cached

NAME = "designated"
CODE = "c89-designated"
MAX_ZEROS = 10000


class _Error(Exception):
    def __init__(self, message, node=None, tok=None):
        super().__init__(message)
        self.message = message
        self.node = node
        self.tok = tok


class _Val:
    def __init__(self, text, node, item=None):
        self.text = text
        self.node = node
        self.item = item


class _Agg:
    def __init__(self, ty, t):
        self.ty = ty
        t = ty.resolve(t)
        self.t = t
        self.slots: dict[int, object] = {}
        self.verbatim: str | None = None
        self.length = None
        if isinstance(t, c_ast.ArrayDecl):
            self.kind = "array"
            self.elem = t.type
            if t.dim is not None:
                self.length = ty.int_value(t.dim)
                if self.length is None:
                    self.length = -1  # known to exist, value unknown
        else:
            s = ty.aggregate(t)
            if s is None or s.decls is None:
                raise _Error("the type being initialised is not known here")
            self.kind = "union" if isinstance(s, c_ast.Union) else "struct"
            self.fields = [(m.name, m.type) for m in s.decls
                           if not (m.name is None and m.bitsize is not None)]

    def nslots(self):
        if self.kind == "array":
            return None if self.length in (None, -1) else self.length
        return 1 if self.kind == "union" else len(self.fields)

    def slot_type(self, i):
        return self.elem if self.kind == "array" else self.fields[i][1]

    def field_index(self, name, node):
        for k, (n, _) in enumerate(getattr(self, "fields", [])):
            if n == name:
                return k
        raise _Error(f"no member named '{name}' to designate", node)


def is_aggregate(ty, t) -> bool:
    r = ty.resolve(t)
    return isinstance(r, c_ast.ArrayDecl) or ty.aggregate(r) is not None


def zero_of(ty, t) -> str:
    r = ty.resolve(t)
    if isinstance(r, c_ast.ArrayDecl):
        return "{" + zero_of(ty, r.type) + "}"
    s = ty.aggregate(r)
    if s is not None and s.decls:
        first = next((m for m in s.decls if not (m.name is None and m.bitsize is not None)), None)
        return "{" + (zero_of(ty, first.type) if first is not None else "0") + "}"
    return "0"


def has_designator(init) -> bool:
    stack = [init]
    while stack:
        n = stack.pop()
        if isinstance(n, c_ast.NamedInitializer):
            return True
        if isinstance(n, c_ast.InitList):
            stack.extend(n.exprs)
    return False


def _object_decls(ext) -> list:
    """Declarations of objects (not functions) under ``ext``."""
    return [n for n in nodes(ext) if isinstance(n, c_ast.Decl) and n.name
            and not isinstance(n.type, c_ast.FuncDecl)]


def _designated_decls(fd) -> list:
    """The declarations in a function body initialized by a brace list with
    designators, in source order."""
    return [n for n in body_nodes(fd) if isinstance(n, c_ast.Decl)
            and isinstance(n.init, c_ast.InitList) and has_designator(n.init)]


class _Pass:
    def __init__(self, unit):
        self.u = unit
        self.toks = unit.toks
        self.text = unit.text
        self.ty = types_of(unit)
        self.edits = EditList(unit.text)
        self.diags: list[Diagnostic] = []
        self._obj_kinds: dict[str, str] | None = None

    @property
    def obj_kinds(self) -> dict[str, str]:
        """Object name -> 'agg' | 'scalar' | 'mixed' (over every scope)."""
        if self._obj_kinds is None:
            kinds: dict[str, str] = {}
            for ext in reversed(self.u.ast.ext):
                for n in walk_cached(ext, "objects", _object_decls):
                    k = "agg" if is_aggregate(self.ty, n.type) else "scalar"
                    if kinds.get(n.name, k) != k:
                        k = "mixed"
                    kinds[n.name] = k
            self._obj_kinds = kinds
        return self._obj_kinds

    # -- token structure of a braced list ---------------------------------------
    def items(self, lb: int, init) -> list[tuple[int, int, int]]:
        """(first token, value start, end) per item of the list opened at ``lb``."""
        toks = self.toks
        rb = toks.match.get(lb)
        if rb is None:
            raise _Error("cannot find the end of an initializer", init)
        parts = [p for p in toks.split_commas(lb + 1, rb) if p[1] > p[0]]
        if len(parts) != len(init.exprs):
            raise _Error("the initializer does not match its text (a macro expands to "
                         "several elements?)", init)
        out = []
        for (x, y), e in zip(parts, init.exprs):
            v = x
            if isinstance(e, c_ast.NamedInitializer):
                while v < y and toks[v].text != "=":
                    if toks[v].text == "[" and v in toks.match:
                        v = toks.match[v] + 1
                    else:
                        v += 1
                if v >= y:
                    raise _Error("cannot find the '=' of a designator", e)
                v += 1
            out.append((x, v, y))
        return out

    # -- filling ----------------------------------------------------------------------
    def value_kind(self, node) -> str:
        """'scalar', 'agg' (whole aggregate value) or 'unknown'."""
        if isinstance(node, c_ast.CompoundLiteral):
            return "agg"
        if isinstance(node, c_ast.ID):
            k = self.obj_kinds.get(node.name)
            if node.name in self.ty.enum_values or k == "scalar":
                return "scalar"
            if k is None and node.name not in self.obj_kinds:
                return "scalar"  # a function name (address) or an undeclared name
            return "agg" if k == "agg" else "unknown"
        if isinstance(node, (c_ast.FuncCall, c_ast.StructRef, c_ast.ArrayRef, c_ast.TernaryOp)):
            return "unknown"
        if isinstance(node, c_ast.UnaryOp) and node.op == "*":
            return "unknown"
        if isinstance(node, c_ast.Cast):
            return "agg" if is_aggregate(self.ty, node.to_type) else "scalar"
        return "scalar"

    def fill(self, agg: _Agg, lb: int, init, top_items=None) -> None:
        cursor = [[agg, 0]]
        for idx, ((x, v, y), e) in enumerate(zip(self.items(lb, init), init.exprs)):
            node = e
            try:
                if isinstance(e, c_ast.NamedInitializer):
                    node = e.expr
                    cursor = self.designate(agg, e)
                self.place(cursor, node, v, y)
            except _Error as exc:
                if exc.tok is None:
                    exc.tok = x
                raise
            if top_items is not None:
                top_items.append((x, y, cursor[0][1] - 1 if len(cursor) == 1 else cursor[0][1]))

    def designate(self, agg: _Agg, e) -> list:
        path = []
        cur = agg
        for k, d in enumerate(e.name):
            if isinstance(d, c_ast.ID):
                if cur.kind == "array":
                    raise _Error(f"'.{d.name}' designates a member of an array", e)
                idx = cur.field_index(d.name, e)
            else:
                if cur.kind != "array":
                    raise _Error("'[...]' designates an element of a struct or union", e)
                if type(d).__name__ == "ArrayDesignator":  # pycparser 3 wraps the index
                    d = d.expr
                idx = self.ty.int_value(d)
                if idx is None or idx < 0:
                    raise _Error("array designator is not an integer constant the porter "
                                 "can evaluate", e)
                n = cur.nslots()
                if n is not None and idx >= n:
                    raise _Error(f"array index {idx} in initializer exceeds array bounds", e)
            if cur.kind == "union" and idx != 0:
                name = cur.fields[idx][0]
                raise _Error(f"initialises union member '{name}', which is not the first: "
                             "C89 can only initialise a union's first member", e)
            path.append([cur, idx])
            if k + 1 < len(e.name):
                t = cur.slot_type(idx)
                if not is_aggregate(self.ty, t):
                    raise _Error("nested designator into a member that is not an aggregate", e)
                sub = cur.slots.get(idx)
                if not isinstance(sub, _Agg):
                    sub = _Agg(self.ty, t)
                    cur.slots[idx] = sub
                sub.verbatim = None
                cur = sub
        return path

    def place(self, cursor: list, node, v: int, y: int) -> None:
        while True:
            agg, idx = cursor[-1]
            n = agg.nslots()
            if n is not None and idx >= n:
                if len(cursor) == 1:
                    raise _Error("excess elements in initializer", node)
                cursor.pop()
                cursor[-1][1] += 1
                continue
            if agg.kind == "array" and agg.length == -1 and len(cursor) > 1:
                raise _Error("brace elision into an array whose size the porter cannot "
                             "evaluate", node)
            t = agg.slot_type(idx)
            if isinstance(node, c_ast.InitList):
                if is_aggregate(self.ty, t):
                    sub = _Agg(self.ty, t)
                    self.fill(sub, v, node)
                    if not has_designator(node):
                        sub.verbatim = self.span(v, y)
                    agg.slots[idx] = sub
                else:
                    agg.slots[idx] = _Val(self.span(v, y), node)
                cursor[-1][1] += 1
                return
            if is_aggregate(self.ty, t):
                is_string = isinstance(node, c_ast.Constant) and node.type == "string"
                if is_string and self.ty.is_char_array(t):
                    agg.slots[idx] = _Val(self.span(v, y), node)
                    cursor[-1][1] += 1
                    return
                kind = self.value_kind(node)
                if kind == "agg":
                    agg.slots[idx] = _Val(self.span(v, y), node)
                    cursor[-1][1] += 1
                    return
                if kind == "unknown":
                    raise _Error("cannot tell whether this value initialises the whole "
                                 "member or its first element: add braces", node)
                sub = agg.slots.get(idx)
                if not isinstance(sub, _Agg):
                    sub = _Agg(self.ty, t)
                    agg.slots[idx] = sub
                sub.verbatim = None
                cursor.append([sub, 0])
                continue
            agg.slots[idx] = _Val(self.span(v, y), node)
            cursor[-1][1] += 1
            return

    def span(self, a: int, b: int) -> str:
        return self.text[self.toks[a].start:self.toks[b - 1].end]

    # -- emitting -----------------------------------------------------------------------
    def emit_slot(self, agg: _Agg, i: int, budget: list) -> str:
        s = agg.slots.get(i)
        if s is None:
            budget[0] += 1
            if budget[0] > MAX_ZEROS:
                raise _Error(f"the positional form needs more than {MAX_ZEROS} zeros: "
                             "rewrite this initializer by hand")
            return zero_of(self.ty, agg.slot_type(i))
        if isinstance(s, _Val):
            return s.text
        return self.emit(s, budget)

    def emit(self, agg: _Agg, budget: list) -> str:
        if agg.verbatim is not None:
            return agg.verbatim
        if not agg.slots:
            return zero_of(self.ty, agg.t)
        last = max(agg.slots)
        return "{" + ", ".join(self.emit_slot(agg, i, budget) for i in range(last + 1)) + "}"

    def emit_top(self, agg: _Agg, lb: int, top_items) -> str:
        toks, text = self.toks, self.text
        rb = toks.match[lb]
        budget = [0]
        if not agg.slots:
            return zero_of(self.ty, agg.t)
        last = max(agg.slots)
        values = [self.emit_slot(agg, i, budget) for i in range(last + 1)]
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
    def site(self, decl, block_scope: bool) -> None:
        init = decl.init
        if not isinstance(init, c_ast.InitList) or not has_designator(init):
            return
        storage = set(decl.storage or [])
        if block_scope and "static" not in storage and not self.ty.is_const(init):
            return  # the declarations pass turns it into assignments
        toks = self.toks
        i = self.u.locate(decl.coord, decl.name)
        if i is None:
            raise _Error(f"cannot find the declaration of '{decl.name}' in the text", decl)
        j = i + 1
        while j < len(toks) and toks[j].text != "=":
            if toks[j].text in ("[", "(") and j in toks.match:
                j = toks.match[j]
            elif toks[j].text in (";", ",", "{"):
                raise _Error(f"cannot find the initializer of '{decl.name}'", decl)
            j += 1
        lb = j + 1
        if lb >= len(toks) or toks[lb].text != "{" or lb not in toks.match:
            raise _Error(f"cannot find the initializer of '{decl.name}' (made by a macro?)", decl)
        if not is_aggregate(self.ty, decl.type):
            return
        agg = _Agg(self.ty, decl.type)
        top_items: list = []
        self.fill(agg, lb, init, top_items)
        new = self.emit_top(agg, lb, top_items)
        self.edits.replace(toks[lb].start, toks[toks.match[lb]].end, new, NAME)

    def run(self) -> None:
        errors = []
        for ext in self.u.ast.ext:
            if not self.u.in_main(ext):
                continue
            if isinstance(ext, c_ast.Decl):
                self.guard(ext, False, errors)
            elif isinstance(ext, c_ast.FuncDef):
                for n in walk_cached(ext, "designated", _designated_decls):
                    self.guard(n, True, errors)
        if errors:
            raise ToolchainError("designated initializers that cannot be made positional",
                                 diagnostics=errors, exit_code=2)

    def guard(self, decl, block_scope, errors) -> None:
        try:
            self.site(decl, block_scope)
        except _Error as exc:
            if exc.tok is not None:
                t = self.toks[exc.tok]
                errors.append(Diagnostic(self.u.path, t.line, t.col, "error", exc.message, CODE))
            else:
                errors.append(node_diag(self.u, exc.node if exc.node is not None else decl,
                                        "error", exc.message, CODE))


def run(text: str, ctx) -> PassOutput:
    unit = ctx.unit(text)
    p = _Pass(unit)
    p.run()
    return PassOutput(p.edits, p.diags)
