"""One semantic model of a unit: its scopes and what is declared in them.

C's ordinary identifiers (objects, functions, typedef names, enumerators)
and tags (struct, union, enum) are looked up as a compiler does: from the
innermost scope out, a name being visible from its declaration on.  Every
pass asks this model, at the place it is looking at::

    sem = semantics.of(unit)
    here = sem.at(decl)             # the scope and position of an AST node
    here.aggregate(decl.type)       # the struct that ``struct S`` means there
    here.is_constant(decl.init)     # C89 arithmetic or address constant?

Scopes: the file; in each function definition, the function's (parameters
and outermost block), each block, each ``for`` with declarations, and
prototype scopes (their names are not declared anywhere visible).  A tag
declared in a scope is completed by its definition anywhere in that scope.

The file scope is built per unit from the file-scope declarations (their
summary is cached per top-level node); a function's scopes are built on
first need and cached per function node, which the chunk cache shares
between rounds and files.  Positions inside a function count its nodes in
source order; at file scope they are the index of the top-level node.
"""

from __future__ import annotations

import weakref

from pycparser import c_ast

from .analysis import constants
from .analysis.walks import nodes, walk_cached
from .scopes import (FileScope, FunctionScopes, Scope, Symbol, clear_caches, file_decls,  # noqa: F401
                     function_scopes, tag_kind)

_END = float("inf")


class Semantics:
    """The scopes of one unit and the questions the passes ask of them."""

    def __init__(self, unit):
        # a proxy: the unit keeps this object (``of``), and a cycle would keep
        # every round's unit and its tokens alive until a full collection
        self.unit = weakref.proxy(unit)
        path = unit.path
        self.file = FileScope(unit.outline.ext,
                              lambda ext: ext.coord is not None and ext.coord.file == path)
        self._ext_index: dict[int, int] | None = None
        self._full_indexed = False
        self._functions: dict[int, tuple[FunctionScopes, int]] = {}
        self._tops: dict[int, int] = {}     # id of a function scope -> its function's index
        self._last = None
        self._enum_values: dict[int, tuple[c_ast.Node, int | None]] = {}

    # -- where a node is ----------------------------------------------------------
    def _index_full(self) -> None:
        """Index the top-level nodes of the full AST too (an outline's
        function definitions are other node objects; the rest are shared)."""
        if not self._full_indexed:
            self._full_indexed = True
            index = self.ext_index
            for k, ext in enumerate(self.unit.ast.ext):
                index[id(ext)] = k

    @property
    def ext_index(self) -> dict[int, int]:
        """id of a top-level node -> its index."""
        if self._ext_index is None:
            self._ext_index = {id(ext): k for k, ext in enumerate(self.file.exts)}
        return self._ext_index

    def function(self, fd: c_ast.FuncDef) -> FunctionScopes:
        """The scopes of a function definition of the unit (built on first need)."""
        ent = self._functions.get(id(fd))
        if ent is None:
            self._index_full()
            ent = self._functions[id(fd)] = (function_scopes(fd), self.ext_index[id(fd)])
            self._tops[id(ent[0].top)] = ent[1]
        return ent[0]

    def place_of(self, sym: Symbol, whole_scope: bool = False) -> "Place":
        """Where ``sym`` is declared (``whole_scope``: after everything its
        scope declares): what the names in its type mean."""
        sc = sym.scope
        if sym.at_file or sc is None:
            k = self.ext_index.get(id(sym.node)) if not whole_scope else None
            return Place(self, self.file, k, k) if k is not None else \
                Place(self, self.file, _END, _END)
        top = sc
        while top.parent is not None:
            top = top.parent
        return Place(self, sc, _END if whole_scope else sym.pos, self._tops.get(id(top), _END))

    def at(self, node=None, fd: c_ast.FuncDef | None = None) -> "Place":
        """The place of ``node``: its scope and position (inside ``fd`` when
        given; else in the function asked about last, else at file scope,
        after every file-scope declaration).  Declarations and statements
        have places; parts of expressions and declarators (``scopes.UNPLACED``)
        do not: ask with the declaration or statement holding them."""
        if node is None:
            return Place(self, self.file, _END, _END)
        key = id(node)
        k = self.ext_index.get(key)
        if k is None and not self._full_indexed and self.unit.parsed:
            self._index_full()
            k = self.ext_index.get(key)
        if k is not None and (fd is None or fd is node):
            return Place(self, self.file, k, k)
        if fd is not None:
            self.function(fd)
            cands = [self._functions[id(fd)]]
        else:       # the function asked about last (a node's own: give ``fd``)
            cands = [self._last] if self._last is not None else []
        for ent in cands:
            p = ent[0].points.get(key)
            if p is not None:
                self._last = ent
                return Place(self, p[0], p[1], ent[1])
        return Place(self, self.file, _END, _END)

    # -- file-level tables ----------------------------------------------------------
    @property
    def typedef_names(self) -> set[str]:
        """The typedef names declared at file scope (for token-level guesses
        about what a word is)."""
        got = self.__dict__.get("_typedef_names")
        if got is None:     # a file-scope typedef is a top-level node of its own
            got = self._typedef_names = {e.name for e in self.file.exts
                                         if isinstance(e, c_ast.Typedef)}
        return got

    @property
    def user_names(self) -> set[str]:
        """File-scope names declared in the unit's own file (objects,
        functions, typedefs, enumerators; tags as ``struct NAME``), plus its
        ``#define`` names."""
        got = self.__dict__.get("_user_names")
        if got is not None:
            return got
        u = self.unit
        out: set[str] = set()
        self._user_names = out
        for ext in self.file.exts:
            if not u.in_main(ext):
                continue
            summary = walk_cached(ext, "file-decls", file_decls)
            out.update(name for name, syms in summary.names.items()
                       if any(u.in_main(s.node) for s in syms))
            out.update("struct " + name for name, syms in summary.tags.items()
                       if any(s.kind in ("struct", "union") and s.defines and u.in_main(s.node)
                              for s in syms))
        toks = u.toks
        for d in toks.directives:
            if d.name == "define" and d.hash_index + 2 < len(toks.toks):
                t = toks.toks[d.hash_index + 2]
                if t.pp == d.hash_index:
                    out.add(t.text)
        return out

    def definitions(self) -> list[c_ast.Node]:
        """Every struct/union definition of the unit, in any scope."""
        out = []
        for ext in self.unit.ast.ext:
            out.extend(walk_cached(ext, "struct-definitions", _struct_definitions))
        return out

    def enumerator_value(self, sym: Symbol) -> int | None:
        got = self._enum_values.get(id(sym.node))
        if got is not None and got[0] is sym.node:
            return got[1]
        enum = sym.owner
        if enum is None:
            return None
        for e in enum.values.enumerators:      # in progress: no value yet
            self._enum_values.setdefault(id(e), (e, None))
        nxt = 0
        here = self.place_of(sym, whole_scope=True)
        for e in enum.values.enumerators:
            if e.value is not None:
                v = here.int_value(e.value)
                if v is None:
                    break
                nxt = v
            self._enum_values[id(e)] = (e, nxt)
            nxt += 1
        got = self._enum_values.get(id(sym.node))
        return got[1] if got is not None else None


def _struct_definitions(ext) -> list:
    return [n for n in nodes(ext) if isinstance(n, (c_ast.Struct, c_ast.Union))
            and n.name and n.decls is not None]


class Place:
    """A scope and a position in it: what the names mean there."""
    __slots__ = ("sem", "scope", "pos", "ext")

    def __init__(self, sem: Semantics, scope: Scope, pos, ext):
        self.sem, self.scope, self.pos, self.ext = sem, scope, pos, ext

    def _locals(self):
        """The scopes inside the function, innermost first."""
        sc = self.scope
        while sc is not None and sc is not self.sem.file:
            yield sc
            sc = sc.parent

    # -- names ------------------------------------------------------------------------
    def lookup(self, name: str) -> Symbol | None:
        """The ordinary identifier ``name`` means here (None: undeclared)."""
        pos = self.pos
        for sc in self._locals():
            best = None
            for s in sc.names.get(name, ()):
                if s.pos > pos:
                    break
                best = s
            if best is not None:
                return best
        best = None
        ext = self.ext
        for k, s in self.sem.file.names.get(name, ()):
            if k > ext:
                break
            best = s
        return best

    def tag(self, kind: str, name: str) -> c_ast.Node | None:
        """The Struct/Union/Enum node ``kind name`` means here: the
        definition in the innermost scope that declares the tag before this
        place (else any file-scope one), or its declaration when it is
        never defined there."""
        for sc in self._locals():
            syms = [s for s in sc.tags.get(name, ()) if s.kind == kind]
            if any(s.pos <= self.pos for s in syms):
                return next((s.node for s in syms if s.defines), syms[0].node)
        syms = [(k, s) for k, s in self.sem.file.tags.get(name, ()) if s.kind == kind]
        defined = next((s.node for _, s in syms if s.defines), None)
        if any(k <= self.ext for k, _ in syms):
            return defined or syms[0][1].node
        return defined

    # -- types --------------------------------------------------------------------------
    def resolve(self, t, stop=("c89_bool",)):
        """Follow typedef names (and type names) to the type they stand for;
        ``stop``: typedef names kept as they are."""
        here = self
        for _ in range(32):
            if isinstance(t, c_ast.TypeDecl) and isinstance(t.type, c_ast.IdentifierType) \
                    and len(t.type.names) == 1 and t.type.names[0] not in stop:
                sym = here.lookup(t.type.names[0])
                if sym is not None and sym.kind == "typedef":
                    t = sym.type
                    here = here.sem.place_of(sym)
                    continue
            if isinstance(t, c_ast.Typename):
                t = t.type
                continue
            break
        return t

    def aggregate(self, t):
        """The Struct/Union definition node of type ``t`` here (after
        typedefs), the bare reference when it is not defined, or None when
        ``t`` is not a struct or union."""
        t = self.resolve(t)
        if isinstance(t, c_ast.TypeDecl) and isinstance(t.type, (c_ast.Struct, c_ast.Union)):
            s = t.type
            if s.decls is None and s.name:
                s = self.tag(tag_kind(s), s.name) or s
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
            and bool(set(e.type.names) & {"char", "wchar_t"})

    def is_scalar(self, t) -> bool:
        t = self.resolve(t)
        if isinstance(t, c_ast.PtrDecl):
            return True
        if isinstance(t, c_ast.TypeDecl):
            return isinstance(t.type, (c_ast.IdentifierType, c_ast.Enum))
        return False

    def top_const(self, t) -> bool:
        """Is an object of type ``t`` itself const (not what it points to)?"""
        if isinstance(t, (c_ast.TypeDecl, c_ast.PtrDecl)) and "const" in (t.quals or []):
            return True
        r = self.resolve(t)
        return r is not t and isinstance(r, (c_ast.TypeDecl, c_ast.PtrDecl)) \
            and "const" in (r.quals or [])

    def has_const_parts(self, t, depth: int = 0) -> bool:
        """Is the object, an element or a member of type ``t`` const?"""
        if depth > 8:
            return False
        if self.top_const(t):
            return True
        t = self.resolve(t)
        if isinstance(t, c_ast.ArrayDecl):
            return self.has_const_parts(t.type, depth + 1)
        s = self.aggregate(t)
        return s is not None and any(self.has_const_parts(m.type, depth + 1)
                                     for m in s.decls or [])

    # -- constants (analysis/constants.py) -------------------------------------------
    def int_value(self, n) -> int | None:
        """Value of an integer constant expression here, or None."""
        return constants.int_value(self, n)

    def is_constant(self, n) -> bool:
        """Is ``n`` an arithmetic or address constant here (as a C89
        aggregate initializer needs)?"""
        return constants.is_constant(self, n)

    def static_lvalue(self, n) -> bool:
        """Does ``n`` designate (part of) an object with static storage
        duration at a constant place?"""
        return constants.static_lvalue(self, n)

    def is_enumerator(self, name: str) -> bool:
        sym = self.lookup(name)
        return sym is not None and sym.kind == "enumerator"

    def static_storage(self, name: str) -> Symbol | None:
        """The object or function ``name`` means here when it has static
        storage duration (file scope, ``static``/``extern`` locals), else None."""
        sym = self.lookup(name)
        if sym is None or sym.kind not in ("object", "function"):
            return None
        if sym.kind == "function" or sym.at_file or sym.storage & {"static", "extern"}:
            return sym
        return None


def of(unit, ast: bool = True) -> Semantics:
    """The semantic model of ``unit`` (built once per unit).  ``ast``: the
    caller reads the full AST too, so it is parsed first; a pass that asks
    only file-scope questions (``user_names``, ``typedef_names``) passes
    False, and an outline (function bodies empty) is all that is parsed."""
    if ast:
        unit.ast
    sem = unit.__dict__.get("_semantics")
    if sem is None:
        sem = unit.__dict__["_semantics"] = Semantics(unit)
    return sem
