"""What each scope of a unit declares, built from the AST: symbols
(ordinary identifiers and tags) in scopes, with their positions.

A function's scopes are built on first need and cached per function node
(the chunk cache shares those between rounds and files); what a top-level
node declares at file scope is summarised once per node, and a unit's file
scope is put together from the summaries (the headers' part shared by the
units that include them).  ``semantics`` answers questions with them.
"""

from __future__ import annotations

from dataclasses import dataclass

from pycparser import c_ast

from .analysis.walks import walk_cached

_TAGS = (c_ast.Struct, c_ast.Union, c_ast.Enum)


@dataclass(eq=False, slots=True)
class Symbol:
    name: str
    kind: str               # object function typedef enumerator | struct union enum
    node: c_ast.Node        # Decl, Typedef, Enumerator, or the Struct/Union/Enum
    type: c_ast.Node | None
    storage: frozenset
    pos: int
    owner: c_ast.Node | None = None     # an enumerator's Enum
    at_file: bool = False               # declared at file scope
    scope: "Scope | None" = None        # where it is declared

    @property
    def defines(self) -> bool:
        """A tag's definition (with its members or enumerators)."""
        n = self.node
        return (n.values if isinstance(n, c_ast.Enum) else n.decls) is not None


class Scope:
    __slots__ = ("kind", "parent", "names", "tags")

    def __init__(self, kind: str, parent: "Scope | None"):
        self.kind = kind
        self.parent = parent
        self.names: dict[str, list[Symbol]] = {}
        self.tags: dict[str, list[Symbol]] = {}

    def declare(self, sym: Symbol) -> None:
        sym.scope = self
        table = self.tags if sym.kind in ("struct", "union", "enum") else self.names
        table.setdefault(sym.name, []).append(sym)


def tag_kind(n) -> str:
    return type(n).__name__.lower()


# what the walk does at a node, by its type
_DECL, _TYPEDEF, _SU, _ENUM, _ENUMERATOR, _FUNCDECL, _COMPOUND, _FOR = range(8)
_KIND = {c_ast.Decl: _DECL, c_ast.Typedef: _TYPEDEF, c_ast.Struct: _SU, c_ast.Union: _SU,
         c_ast.Enum: _ENUM, c_ast.Enumerator: _ENUMERATOR, c_ast.FuncDecl: _FUNCDECL,
         c_ast.Compound: _COMPOUND, c_ast.For: _FOR}
# the nodes whose place nobody asks for (parts of expressions and of
# declarators, name lists): not recorded, which keeps the walk cheap
UNPLACED = frozenset({c_ast.ID, c_ast.Constant, c_ast.IdentifierType, c_ast.TypeDecl,
                      c_ast.PtrDecl, c_ast.ArrayDecl, c_ast.BinaryOp, c_ast.TernaryOp,
                      c_ast.StructRef, c_ast.ArrayRef, c_ast.ExprList, c_ast.ParamList,
                      c_ast.DeclList, c_ast.EnumeratorList})
_NO_STORAGE = frozenset()


def _walk(root, scope: Scope, points: dict | None, pos: int, own=None, body=None) -> int:
    """Declare in ``scope`` (and in the scopes opened below it) what the
    subtree ``root`` declares; record the (scope, position) of its nodes
    (but the ``UNPLACED`` kinds) in ``points``.  ``own``: the function's own
    declaration (its name is the file's, its parameters the function
    scope's); ``body``: the function's outermost block (it shares the
    function scope).  Returns the next position."""
    owners: dict[int, c_ast.Enum] = {}
    own_type = own.type if own is not None else None
    kinds, unplaced = _KIND, UNPLACED
    stack = [(root, scope, False)]
    pop, push = stack.pop, stack.append
    while stack:
        n, sc, member = pop()
        cls = type(n)
        if points is not None and cls not in unplaced:
            points[id(n)] = (sc, pos)
        inner = sc
        k = kinds.get(cls)
        if k is None:
            pass
        elif k == _DECL:
            if not member and n is not own:
                t = n.type
                if n.name:
                    kind = "function" if type(t) is c_ast.FuncDecl else "object"
                    storage = frozenset(n.storage) if n.storage else _NO_STORAGE
                    sc.declare(Symbol(n.name, kind, n, t, storage, pos))
                elif isinstance(t, _TAGS) and t.name and (
                        t.values if isinstance(t, c_ast.Enum) else t.decls) is None:
                    sc.declare(Symbol(t.name, tag_kind(t), t, None, _NO_STORAGE, pos))
        elif k == _TYPEDEF:
            if not member:
                sc.declare(Symbol(n.name, "typedef", n, n.type, _NO_STORAGE, pos))
        elif k == _SU:
            if n.name and n.decls is not None:
                sc.declare(Symbol(n.name, tag_kind(n), n, None, _NO_STORAGE, pos))
            member = True           # its declarations are members, not names
        elif k == _ENUM:
            if n.values is not None:
                if n.name:
                    sc.declare(Symbol(n.name, "enum", n, None, _NO_STORAGE, pos))
                for e in n.values.enumerators:
                    owners[id(e)] = n
        elif k == _ENUMERATOR:
            sc.declare(Symbol(n.name, "enumerator", n, None, _NO_STORAGE, pos,
                              owners.get(id(n))))
        elif k == _FUNCDECL:
            if n is not own_type:    # a prototype: its parameters are its own
                inner = Scope("prototype", sc)
                member = False
        elif k == _COMPOUND:
            if n is not body:
                inner = Scope("block", sc)
        elif k == _FOR and type(n.init) is c_ast.DeclList:
            inner = Scope("for", sc)
        pos += 1
        for _, c in reversed(n.children()):
            push((c, inner, member))
    return pos


class FunctionScopes:
    """The scopes of one function definition: the function scope (whose
    parent is the file's) and below it, and where each node of it is."""
    __slots__ = ("top", "points")

    def __init__(self, fd: c_ast.FuncDef):
        self.top = Scope("function", None)
        self.points: dict[int, tuple[Scope, int]] = {}
        _walk(fd, self.top, self.points, 0, own=fd.decl, body=fd.body)


def function_scopes(fd) -> FunctionScopes:
    return walk_cached(fd, "scopes", FunctionScopes)


def file_decls(ext) -> Scope:
    """What a top-level node declares at file scope (not inside function
    bodies), as a scope of its own (positions are renumbered per unit)."""
    sc = Scope("file", None)
    if isinstance(ext, c_ast.FuncDef):
        d = ext.decl
        sc.declare(Symbol(d.name, "function", d, d.type, frozenset(d.storage or ()), 0))
        if isinstance(d.type, c_ast.FuncDecl):   # tags its return type defines
            _walk(d.type.type, sc, None, 0)
    else:
        _walk(ext, sc, None, 0)
    for table in (sc.names, sc.tags):
        for syms in table.values():
            for sym in syms:
                sym.at_file = True
    return sc


class FileScope:
    """The file scope of a unit: per name, (index of the top-level node
    declaring it, symbol), in source order; built on first need from the
    top-level nodes' summaries.  The leading top-level nodes that are not
    the unit's own (``is_main``) are the headers' (the same node objects for
    every unit that includes the same headers in the same order): their
    part of the tables is built once and shared."""
    kind = "file"
    parent = None

    def __init__(self, exts, is_main=None):
        self.exts = exts
        self.is_main = is_main or (lambda ext: True)
        self._names: dict[str, list[tuple[int, Symbol]]] | None = None
        self._tags: dict[str, list[tuple[int, Symbol]]] | None = None

    def _build(self) -> None:
        exts, p = self.exts, 0
        while p < len(exts) and not self.is_main(exts[p]):
            p += 1
        head = _HEADS.get(exts[:p])
        if head is None:
            head = _HEADS.put(exts[:p], _tables(exts[:p], 0, {}, {}))
        # copy on write: the shared lists are never extended in place
        names, tags = _tables(exts[p:], p, dict(head[0]), dict(head[1]))
        self._names, self._tags = names, tags

    @property
    def names(self) -> dict[str, list[tuple[int, Symbol]]]:
        if self._names is None:
            self._build()
        return self._names

    @property
    def tags(self) -> dict[str, list[tuple[int, Symbol]]]:
        if self._tags is None:
            self._build()
        return self._tags


def _tables(exts, first: int, names: dict, tags: dict) -> tuple[dict, dict]:
    """Add what ``exts`` (top-level nodes ``first``, ``first + 1`` ...)
    declare to the tables (new lists where a name already has one)."""
    for k, ext in enumerate(exts, first):
        summary = walk_cached(ext, "file-decls", file_decls)
        for table, mine in ((names, summary.names), (tags, summary.tags)):
            for name, syms in mine.items():
                new = [(k, sym) for sym in syms]
                lst = table.get(name)
                table[name] = new if lst is None else lst + new
    return names, tags


class _HeadTables:
    """The tables of the last few header prefixes (keyed by the identity of
    their top-level nodes, which the chunk cache shares)."""

    def __init__(self, size: int = 8):
        self.size = size
        self.data: list[tuple[list, tuple[dict, dict]]] = []

    def get(self, exts: list):
        for i, (key, tables) in enumerate(self.data):
            if len(key) == len(exts) and all(a is b for a, b in zip(key, exts)):
                self.data.append(self.data.pop(i))
                return tables
        return None

    def put(self, exts: list, tables):
        self.data.append((list(exts), tables))
        del self.data[:-self.size]
        return tables

    def clear(self) -> None:
        self.data.clear()


_HEADS = _HeadTables()


def clear_caches() -> None:
    _HEADS.clear()
