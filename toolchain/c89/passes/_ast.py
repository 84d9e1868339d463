"""AST helpers shared by the passes that need types and constants.

Everything here reads a ``frontend.Unit``: typedef and struct/union
resolution, integer constant evaluation (literals, character constants,
enumerators, arithmetic), a rough "is this expression constant" test, and
token extents of the things a pass edits.
"""

from __future__ import annotations

from pycparser import c_ast

from ...diag import Diagnostic

_CLOSERS = {")", "]", "}"}
_OPENERS = {"(", "[", "{"}


def diag(unit, tok, severity: str, message: str, code: str) -> Diagnostic:
    if tok is None:
        return Diagnostic(unit.path, 0, 0, severity, message, code)
    return Diagnostic(unit.path, tok.line, tok.col, severity, message, code)


def node_diag(unit, node, severity: str, message: str, code: str) -> Diagnostic:
    i = unit.tok_of(node) if node is not None and node.coord is not None else None
    if i is not None:
        return diag(unit, unit.toks[i], severity, message, code)
    line = node.coord.line if node is not None and node.coord is not None else 0
    return Diagnostic(unit.path, line, 0, severity, message, code)


_WALKS: dict[tuple[int, str], tuple[object, list]] = {}


def walk_cached(ext, key: str, find) -> list:
    """``find(ext)`` (a list of nodes under the top-level node ``ext``),
    computed once per node object: the chunk cache hands the same nodes to
    every unit that contains the chunk."""
    ent = _WALKS.get((id(ext), key))
    if ent is None or ent[0] is not ext:
        if len(_WALKS) > 400_000:
            _WALKS.clear()
        ent = _WALKS[(id(ext), key)] = (ext, find(ext))
    return ent[1]


def _preorder(ext) -> list:
    out = []
    stack = [ext]
    pop, extend, append = stack.pop, stack.extend, out.append
    while stack:
        n = pop()
        append(n)
        extend(c for _, c in reversed(n.children()))
    return out


def nodes(ext) -> list:
    """Every node under the top-level node ``ext`` (itself first), in source
    order: the one walk of a chunk that the passes filter."""
    return walk_cached(ext, "nodes", _preorder)


def body_nodes(fd) -> list:
    """The nodes of a function definition's body, in source order."""
    return walk_cached(fd, "body", _body_nodes)


def _body_nodes(fd) -> list:
    all_ = nodes(fd)
    return all_[all_.index(fd.body):]   # the body is the last child


def _tag_nodes(ext) -> list:
    """Struct/union definitions and enum definitions under ``ext``, last in
    the source first."""
    Struct, Union, Enum = c_ast.Struct, c_ast.Union, c_ast.Enum
    return [n for n in reversed(nodes(ext))
            if (isinstance(n, (Struct, Union)) and n.name and n.decls is not None)
            or (isinstance(n, Enum) and n.values is not None)]


class Types:
    """Typedef/tag resolution and constant evaluation for one unit."""

    def __init__(self, unit):
        # the AST, not the unit: the unit keeps this object (types_of), and a
        # cycle would keep every old unit's tokens until a full collection
        self._ast = unit.ast
        self.typedefs: dict[str, c_ast.Node] = {}
        self.tags: dict[tuple[str, str], c_ast.Node] = {}
        self.enum_values: dict[str, int] = {}
        for ext in unit.ast.ext:
            if isinstance(ext, c_ast.Typedef):
                # the last definition wins (the fake libc's "typedef _Bool bool;" comes
                # first and must not override the program's own "typedef int bool;")
                if ext.name not in self.typedefs or unit.in_main(ext):
                    self.typedefs[ext.name] = ext.type
        self._collect(unit.ast)

    def _collect(self, root) -> None:
        # the walk visits the top-level nodes last to first, each one's
        # subtree depth first; what it finds under one top-level node is
        # cached (parsed chunks, and so their nodes, are shared by units)
        enums = []
        tags = self.tags
        for ext in reversed(root.ext):
            for n in walk_cached(ext, "tags", _tag_nodes):
                if isinstance(n, c_ast.Enum):
                    enums.append(n)
                else:
                    tags.setdefault((type(n).__name__, n.name), n)
        # enumerators in source order (a later enumerator may use an earlier one)
        enums.sort(key=lambda e: (e.coord.file or "", e.coord.line, e.coord.column)
                   if e.coord else ("", 0, 0))
        for e in enums:
            nxt = 0
            for v in e.values.enumerators:
                if v.value is not None:
                    val = self.int_value(v.value)
                    if val is None:
                        break
                    nxt = val
                self.enum_values.setdefault(v.name, nxt)
                nxt += 1

    # -- types ------------------------------------------------------------
    def resolve(self, t, stop=("c89_bool",)):
        """Follow typedef names; keep qualifiers out of the picture."""
        for _ in range(32):
            if isinstance(t, c_ast.TypeDecl) and isinstance(t.type, c_ast.IdentifierType) \
                    and len(t.type.names) == 1 and t.type.names[0] in self.typedefs \
                    and t.type.names[0] not in stop:
                t = self.typedefs[t.type.names[0]]
                continue
            if isinstance(t, c_ast.Typename):
                t = t.type
                continue
            break
        return t

    def aggregate(self, t):
        """The Struct/Union definition node of ``t`` (after typedefs), or None."""
        t = self.resolve(t)
        if isinstance(t, c_ast.TypeDecl) and isinstance(t.type, (c_ast.Struct, c_ast.Union)):
            s = t.type
            if s.decls is None and s.name:
                s = self.tags.get((type(s).__name__, s.name), s)
            return s
        return None

    def is_bool(self, t) -> bool:
        t = self.resolve(t)
        return isinstance(t, c_ast.TypeDecl) and isinstance(t.type, c_ast.IdentifierType) \
            and any(n in ("_Bool", "c89_bool") for n in t.type.names)

    def is_char_array(self, t) -> bool:
        t = self.resolve(t)
        if not isinstance(t, c_ast.ArrayDecl):
            return False
        e = self.resolve(t.type)
        return isinstance(e, c_ast.TypeDecl) and isinstance(e.type, c_ast.IdentifierType) \
            and (set(e.type.names) & {"char", "wchar_t"})

    # -- constants ----------------------------------------------------------
    def int_value(self, n) -> int | None:
        """Value of an integer constant expression, or None."""
        try:
            return self._ival(n)
        except (ValueError, ZeroDivisionError, TypeError, OverflowError):
            return None

    def _ival(self, n):
        if isinstance(n, c_ast.Constant):
            v = n.value
            if n.type == "char":
                body = v[v.index("'") + 1:-1]
                if body.startswith("\\"):
                    esc = {"n": 10, "t": 9, "r": 13, "0": 0, "\\": 92, "'": 39, '"': 34,
                           "a": 7, "b": 8, "f": 12, "v": 11, "?": 63}
                    if body[1] in "xX":
                        return int(body[2:], 16)
                    if body[1].isdigit():
                        return int(body[1:], 8)
                    return esc[body[1]]
                if len(body) != 1:
                    return None
                return ord(body)
            if n.type in ("int", "long int", "unsigned int", "long long int",
                          "unsigned long int", "unsigned long long int", "long long", "unsigned long"):
                s = v.rstrip("uUlL")
                if s.lower().startswith("0x"):
                    return int(s, 16)
                if s.lower().startswith("0b"):
                    return int(s, 2)
                if s.startswith("0") and len(s) > 1:
                    return int(s, 8)
                return int(s)
            return None
        if isinstance(n, c_ast.ID):
            return self.enum_values.get(n.name)
        if isinstance(n, c_ast.UnaryOp):
            if n.op == "sizeof":
                return None
            x = self._ival(n.expr)
            if x is None:
                return None
            return {"-": -x, "+": x, "~": ~x, "!": int(not x)}.get(n.op)
        if isinstance(n, c_ast.Cast):
            return self._ival(n.expr)
        if isinstance(n, c_ast.TernaryOp):
            c = self._ival(n.cond)
            if c is None:
                return None
            return self._ival(n.iftrue if c else n.iffalse)
        if isinstance(n, c_ast.BinaryOp):
            a, b = self._ival(n.left), self._ival(n.right)
            if a is None or b is None:
                return None
            op = n.op
            if op == "/":
                q = abs(a) // abs(b)
                return q if (a >= 0) == (b >= 0) else -q
            if op == "%":
                return a - b * self._ival(c_ast.BinaryOp("/", n.left, n.right))
            table = {"+": a + b, "-": a - b, "*": a * b, "<<": a << b if b < 256 else None,
                     ">>": a >> b, "&": a & b, "|": a | b, "^": a ^ b,
                     "<": int(a < b), ">": int(a > b), "<=": int(a <= b), ">=": int(a >= b),
                     "==": int(a == b), "!=": int(a != b), "&&": int(bool(a and b)),
                     "||": int(bool(a or b))}
            return table.get(op)
        return None

    def is_const(self, n) -> bool:
        """Arithmetic constant or address constant (as C89 initializers need)."""
        return is_constant(n, lambda i: i.name in self.enum_values, self._static_lvalue)

    def _static_lvalue(self, n) -> bool:
        # &global, &global.member, &array[const] (file-scope names only)
        if isinstance(n, c_ast.ID):
            return n.name in self.file_objects
        if isinstance(n, c_ast.StructRef) and n.type == ".":
            return self._static_lvalue(n.name)
        if isinstance(n, c_ast.ArrayRef):
            return self._static_lvalue(n.name) and self.is_const(n.subscript)
        return False

    @property
    def file_objects(self) -> set[str]:
        cached = getattr(self, "_file_objects", None)
        if cached is None:
            cached = set()
            for ext in self._ast.ext:
                d = ext.decl if isinstance(ext, c_ast.FuncDef) else ext
                if isinstance(d, c_ast.Decl) and d.name:
                    cached.add(d.name)
            self._file_objects = cached
        return cached


def types_of(unit) -> Types:
    """One Types object per unit (cached on the unit object)."""
    t = getattr(unit, "_c89_types", None)
    if t is None:
        t = Types(unit)
        try:
            unit._c89_types = t
        except AttributeError:  # a Unit without a __dict__: no caching
            pass
    return t


def expr_end(toks, i: int) -> int:
    """Index one past the last token of an assignment-expression starting at
    token ``i``: stops at a depth-0 ``,`` ``;`` or an unmatched closer."""
    depth = 0
    j = i
    n = len(toks)
    while j < n:
        t = toks[j]
        if t.pp >= 0:
            j += 1
            continue
        if t.text in _OPENERS:
            depth += 1
        elif t.text in _CLOSERS:
            if depth == 0:
                return j
            depth -= 1
        elif depth == 0 and t.text in (",", ";"):
            return j
        j += 1
    return j


def enclosing_open(toks, i: int) -> int | None:
    """Index of the innermost unmatched opener before token ``i``."""
    depth = 0
    j = i - 1
    while j >= 0:
        t = toks[j]
        if t.pp < 0:
            if t.text in _CLOSERS:
                depth += 1
            elif t.text in _OPENERS:
                if depth == 0:
                    return j
                depth -= 1
        j -= 1
    return None


def func_ranges(unit) -> list[tuple[int, int, c_ast.FuncDef]]:
    """(token of ``{``, token of ``}``, FuncDef) for every function body."""
    out = []
    for fd in unit.func_defs():
        lb = unit.locate(fd.body.coord, "{")
        if lb is None:
            continue
        rb = unit.toks.match.get(lb)
        if rb is not None:
            out.append((lb, rb, fd))
    return out


_NEVER_CONSTANT = ("*", "++", "--", "p++", "p--")


def is_constant(n, name_ok, address_ok) -> bool:
    """Is ``n`` an arithmetic or address constant, as a C89 initializer needs?

    The walk over literals, ``sizeof``, casts, operators and initializer lists is
    the same for every caller; what differs is which names are constant
    (``name_ok(ID)``: enumerators, arrays and functions with static storage ...)
    and which objects ``&`` may take the address of (``address_ok(lvalue)``).
    """
    def walk(n) -> bool:
        if n is None or isinstance(n, (c_ast.Constant, c_ast.Typename)):
            return True
        if isinstance(n, c_ast.ID):
            return name_ok(n)
        if isinstance(n, c_ast.UnaryOp):
            if n.op == "sizeof":
                return True
            if n.op == "&":
                return address_ok(n.expr)
            return n.op not in _NEVER_CONSTANT and walk(n.expr)
        if isinstance(n, c_ast.BinaryOp):
            return walk(n.left) and walk(n.right)
        if isinstance(n, c_ast.TernaryOp):
            return walk(n.cond) and walk(n.iftrue) and walk(n.iffalse)
        if isinstance(n, (c_ast.Cast, c_ast.NamedInitializer)):
            return walk(n.expr)
        if isinstance(n, c_ast.InitList):
            return all(walk(x) for x in n.exprs)
        return False
    return walk(n)
