"""Brace initializers resolved against the type they initialise.

C99 6.7.8: designators (nested, out of order, with gaps), positional items
continuing after the last designated one, brace elision, string literals
for char arrays.  :class:`Resolver` fills an :class:`Aggregate` (slots by
index) from a brace list's text and AST; the designated pass writes it back
positionally, the compound literals pass as member assignments.
"""

from __future__ import annotations

from pycparser import c_ast

class InitError(Exception):
    """An initializer the resolution cannot handle (message, node, token)."""
    def __init__(self, message, node=None, tok=None):
        super().__init__(message)
        self.message = message
        self.node = node
        self.tok = tok


class Value:
    """A value placed in a slot: its text and node."""
    def __init__(self, text, node, item=None):
        self.text = text
        self.node = node
        self.item = item


class Aggregate:
    """An array, struct or union being filled: its slots, by index."""
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
                raise InitError("the type being initialised is not known here")
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
        raise InitError(f"no member named '{name}' to designate", node)


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


class Resolver:
    """Fills aggregates from brace lists of one unit's text, with the types
    as they are at one place (``here``, a ``semantics.Place``)."""

    def __init__(self, unit, here, max_zeros: int):
        self.u = unit
        self.toks = unit.toks
        self.text = unit.text
        self.ty = here
        self.max_zeros = max_zeros

    def items(self, lb: int, init) -> list[tuple[int, int, int]]:
        """(first token, value start, end) per item of the list opened at ``lb``."""
        toks = self.toks
        rb = toks.match.get(lb)
        if rb is None:
            raise InitError("cannot find the end of an initializer", init)
        parts = [p for p in toks.split_commas(lb + 1, rb) if p[1] > p[0]]
        if len(parts) != len(init.exprs):
            raise InitError("the initializer does not match its text (a macro expands to "
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
                    raise InitError("cannot find the '=' of a designator", e)
                v += 1
            out.append((x, v, y))
        return out

    # -- filling ----------------------------------------------------------------------
    def value_kind(self, node) -> str:
        """'scalar', 'agg' (whole aggregate value) or 'unknown'."""
        if isinstance(node, c_ast.CompoundLiteral):
            return "agg"
        if isinstance(node, c_ast.ID):
            sym = self.ty.lookup(node.name)
            if sym is None or sym.kind != "object":
                return "scalar"  # an enumerator, a function name (address), undeclared
            where = self.ty.sem.place_of(sym)
            return "agg" if is_aggregate(where, sym.type) else "scalar"
        if isinstance(node, (c_ast.FuncCall, c_ast.StructRef, c_ast.ArrayRef, c_ast.TernaryOp)):
            return "unknown"
        if isinstance(node, c_ast.UnaryOp) and node.op == "*":
            return "unknown"
        if isinstance(node, c_ast.Cast):
            return "agg" if is_aggregate(self.ty, node.to_type) else "scalar"
        return "scalar"

    def fill(self, agg: Aggregate, lb: int, init, top_items=None) -> None:
        cursor = [[agg, 0]]
        for idx, ((x, v, y), e) in enumerate(zip(self.items(lb, init), init.exprs)):
            node = e
            try:
                if isinstance(e, c_ast.NamedInitializer):
                    node = e.expr
                    cursor = self.designate(agg, e)
                self.place(cursor, node, v, y)
            except InitError as exc:
                if exc.tok is None:
                    exc.tok = x
                raise
            if top_items is not None:
                top_items.append((x, y, cursor[0][1] - 1 if len(cursor) == 1 else cursor[0][1]))

    def designate(self, agg: Aggregate, e) -> list:
        path = []
        cur = agg
        for k, d in enumerate(e.name):
            if isinstance(d, c_ast.ID):
                if cur.kind == "array":
                    raise InitError(f"'.{d.name}' designates a member of an array", e)
                idx = cur.field_index(d.name, e)
            else:
                if cur.kind != "array":
                    raise InitError("'[...]' designates an element of a struct or union", e)
                if type(d).__name__ == "ArrayDesignator":  # pycparser 3 wraps the index
                    d = d.expr
                idx = self.ty.int_value(d)
                if idx is None or idx < 0:
                    raise InitError("array designator is not an integer constant the porter "
                                 "can evaluate", e)
                n = cur.nslots()
                if n is not None and idx >= n:
                    raise InitError(f"array index {idx} in initializer exceeds array bounds", e)
            if cur.kind == "union" and idx != 0:
                name = cur.fields[idx][0]
                raise InitError(f"initialises union member '{name}', which is not the first: "
                             "C89 can only initialise a union's first member", e)
            path.append([cur, idx])
            if k + 1 < len(e.name):
                t = cur.slot_type(idx)
                if not is_aggregate(self.ty, t):
                    raise InitError("nested designator into a member that is not an aggregate", e)
                sub = cur.slots.get(idx)
                if not isinstance(sub, Aggregate):
                    sub = Aggregate(self.ty, t)
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
                    raise InitError("excess elements in initializer", node)
                cursor.pop()
                cursor[-1][1] += 1
                continue
            if agg.kind == "array" and agg.length == -1 and len(cursor) > 1:
                raise InitError("brace elision into an array whose size the porter cannot "
                             "evaluate", node)
            t = agg.slot_type(idx)
            if isinstance(node, c_ast.InitList):
                if is_aggregate(self.ty, t):
                    sub = Aggregate(self.ty, t)
                    self.fill(sub, v, node)
                    if not has_designator(node):
                        sub.verbatim = self.span(v, y)
                    agg.slots[idx] = sub
                else:
                    agg.slots[idx] = Value(self.span(v, y), node)
                cursor[-1][1] += 1
                return
            if is_aggregate(self.ty, t):
                is_string = isinstance(node, c_ast.Constant) and node.type == "string"
                if is_string and self.ty.is_char_array(t):
                    agg.slots[idx] = Value(self.span(v, y), node)
                    cursor[-1][1] += 1
                    return
                kind = self.value_kind(node)
                if kind == "agg":
                    agg.slots[idx] = Value(self.span(v, y), node)
                    cursor[-1][1] += 1
                    return
                if kind == "unknown":
                    raise InitError("cannot tell whether this value initialises the whole "
                                 "member or its first element: add braces", node)
                sub = agg.slots.get(idx)
                if not isinstance(sub, Aggregate):
                    sub = Aggregate(self.ty, t)
                    agg.slots[idx] = sub
                sub.verbatim = None
                cursor.append([sub, 0])
                continue
            agg.slots[idx] = Value(self.span(v, y), node)
            cursor[-1][1] += 1
            return

    def span(self, a: int, b: int) -> str:
        return self.text[self.toks[a].start:self.toks[b - 1].end]

    # -- emitting -----------------------------------------------------------------------
    def emit_slot(self, agg: Aggregate, i: int, budget: list) -> str:
        s = agg.slots.get(i)
        if s is None:
            budget[0] += 1
            if budget[0] > self.max_zeros:
                raise InitError(f"the positional form needs more than {self.max_zeros} zeros: "
                             "rewrite this initializer by hand")
            return zero_of(self.ty, agg.slot_type(i))
        if isinstance(s, Value):
            return s.text
        return self.emit(s, budget)

    def emit(self, agg: Aggregate, budget: list) -> str:
        if agg.verbatim is not None:
            return agg.verbatim
        if not agg.slots:
            return zero_of(self.ty, agg.t)
        last = max(agg.slots)
        return "{" + ", ".join(self.emit_slot(agg, i, budget) for i in range(last + 1)) + "}"


def assignments(ty, agg: Aggregate, lvalue: str, out: list, limit: int,
                zeros: list | None = None) -> None:
    """``lvalue[i] = v`` / ``lvalue.m = v`` (no ``;``) for every value of the
    filled aggregate ``agg``, in order, recursing into nested aggregates
    (brace elision and designators already resolved by the fill), with ``0``
    for every scalar the initializer leaves out, as static initialisation
    would give them; a whole-aggregate value (``s.a = p``) is one assignment.
    ``zeros[0]`` (when given) counts those zeros.  More than ``limit``
    assignments, or what an assignment cannot do (a char
    array from a string, an anonymous member), is an :class:`InitError`."""
    n = agg.nslots()
    if n is None:
        raise InitError("array of unknown size inside an initializer that must be assigned")
    for i in range(n):
        if agg.kind == "array":
            sub = f"{lvalue}[{i}]"
        else:
            member = agg.fields[i][0]
            if member is None:
                raise InitError("anonymous member in an initializer that must be assigned "
                                "(C89 has no anonymous members)")
            sub = f"{lvalue}.{member}"
        s = agg.slots.get(i)
        t = agg.slot_type(i)
        if isinstance(s, Value):
            if isinstance(s.node, c_ast.Constant) and s.node.type == "string" \
                    and ty.is_char_array(t):
                raise InitError("char array initialised from a string in an initializer that "
                                "must be assigned: rewrite it by hand")
            text = s.text
            if isinstance(s.node, c_ast.InitList):   # braces around a scalar: { v } or { v, }
                if len(s.node.exprs) != 1 or isinstance(s.node.exprs[0], (
                        c_ast.InitList, c_ast.NamedInitializer)):
                    raise InitError("braces around a scalar hold more than one value")
                text = text.strip()[1:-1].strip().rstrip(",").strip()
            out.append(f"{sub} = {text}")
        elif isinstance(s, Aggregate):
            assignments(ty, s, sub, out, limit, zeros)
        elif is_aggregate(ty, t):
            assignments(ty, Aggregate(ty, t), sub, out, limit, zeros)
        else:
            out.append(f"{sub} = 0")
            if zeros is not None:
                zeros[0] += 1
        if len(out) > limit:
            raise InitError(f"an initializer needing more than {limit} assignments (with "
                            "zeros for what it leaves out): rewrite it by hand")
