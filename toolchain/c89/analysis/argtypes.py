"""The C type of a macro argument that is a plain name, for a parameter
that must take it (the variadic pass's functions).

:func:`name_type` reads the declarations of the name in the function that
holds the call and at file scope: when all of them give it one type (an
array: a pointer to its elements), that type's spelling; else None.
"""

from __future__ import annotations

import copy

from pycparser import c_ast, c_generator

from ..frontend import Unit


def functions(unit: Unit) -> list[tuple[int, int, c_ast.FuncDef]]:
    """(first line, last line, definition) of the unit's own functions."""
    got = unit.__dict__.get("_argtypes_functions")
    if got is not None:
        return got
    toks = unit.toks
    out = []
    for ext in unit.ast.ext:
        if not isinstance(ext, c_ast.FuncDef) or not unit.in_main(ext):
            continue
        i = unit.text_tok(ext.body)
        j = toks.match.get(i) if i is not None else None
        if j is not None:
            out.append((ext.decl.coord.line, toks[j].line, ext))
    unit.__dict__["_argtypes_functions"] = out
    return out


def _decls(node, name: str):
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, c_ast.Decl) and n.name == name:
            yield n
        stack.extend(c for _, c in n.children())


def _spelling(t) -> str | None:
    if isinstance(t, c_ast.ArrayDecl):         # passed, an array is a pointer
        t = c_ast.PtrDecl([], t.type)
    probe = t
    while isinstance(probe, c_ast.PtrDecl):
        probe = probe.type
    if not isinstance(probe, c_ast.TypeDecl) or \
            not isinstance(probe.type, (c_ast.IdentifierType, c_ast.Struct, c_ast.Union,
                                        c_ast.Enum)):
        return None
    t = copy.deepcopy(t)
    probe = t
    while isinstance(probe, c_ast.PtrDecl):
        probe = probe.type
    probe.declname = None
    if isinstance(probe.type, (c_ast.Struct, c_ast.Union, c_ast.Enum)):
        probe.type = type(probe.type)(probe.type.name, None) if probe.type.name else None
        if probe.type is None:
            return None
    text = c_generator.CGenerator().visit(c_ast.Typename(None, [], None, t))
    return " ".join(text.split())


def name_type(unit: Unit, sem, name: str, line: int) -> str | None:
    """The type of ``name`` as used on ``line`` (see the module's doc)."""
    types = set()
    for first, last, fd in functions(unit):
        if first <= line <= last:
            for d in _decls(fd, name):
                types.add(_spelling(d.type))
            break
    if not types:
        for _, sym in sem.file.names.get(name, ()):
            if sym.kind == "object":
                types.add(_spelling(sym.type))
    if len(types) != 1:
        return None
    return types.pop()
