"""Constant expressions, as C89 sees them: integer constant values
(literals, character constants, enumerators, arithmetic) and the
arithmetic or address constants an aggregate initializer may hold.  Names
are looked up at a place of the semantic model (``semantics.Place``)."""

from __future__ import annotations

from pycparser import c_ast

from .literals import constant_value

_NEVER_CONSTANT = ("*", "++", "--", "p++", "p--")
# calls that are integer constant expressions: what <stddef.h>'s offsetof is
# to pycparser, and gcc's spelling of it
_CONSTANT_CALLS = ("offsetof", "__builtin_offsetof")


def int_value(here, n) -> int | None:
    """Value of an integer constant expression, or None."""
    try:
        return _ival(here, n)
    except (ValueError, ZeroDivisionError, TypeError, OverflowError, KeyError,
            IndexError):
        return None


def _ival(here, n):
    if isinstance(n, c_ast.Constant):
        return constant_value(n.type, n.value)
    if isinstance(n, c_ast.ID):
        sym = here.lookup(n.name)
        if sym is None or sym.kind != "enumerator":
            return None
        return here.sem.enumerator_value(sym)
    if isinstance(n, c_ast.UnaryOp):
        if n.op == "sizeof":
            return None
        x = _ival(here, n.expr)
        if x is None:
            return None
        return {"-": -x, "+": x, "~": ~x, "!": int(not x)}.get(n.op)
    if isinstance(n, c_ast.Cast):
        return _ival(here, n.expr)
    if isinstance(n, c_ast.TernaryOp):
        c = _ival(here, n.cond)
        if c is None:
            return None
        return _ival(here, n.iftrue if c else n.iffalse)
    if isinstance(n, c_ast.BinaryOp):
        a, b = _ival(here, n.left), _ival(here, n.right)
        if a is None or b is None:
            return None
        op = n.op
        if op == "/":
            q = abs(a) // abs(b)
            return q if (a >= 0) == (b >= 0) else -q
        if op == "%":
            q = abs(a) // abs(b)
            return a - b * (q if (a >= 0) == (b >= 0) else -q)
        table = {"+": a + b, "-": a - b, "*": a * b, "<<": a << b if b < 256 else None,
                 ">>": a >> b, "&": a & b, "|": a | b, "^": a ^ b,
                 "<": int(a < b), ">": int(a > b), "<=": int(a <= b), ">=": int(a >= b),
                 "==": int(a == b), "!=": int(a != b), "&&": int(bool(a and b)),
                 "||": int(bool(a or b))}
        return table.get(op)
    return None


def is_constant(here, n) -> bool:
    """Arithmetic or address constant, as a C89 aggregate initializer
    needs: literals, enumerators, ``sizeof``, ``&`` of an object with
    static storage duration, arrays and functions with static storage
    (they decay to address constants), and arithmetic/casts of those."""
    def walk(n) -> bool:
        if n is None or isinstance(n, (c_ast.Constant, c_ast.Typename)):
            return True
        if isinstance(n, c_ast.ID):
            return _constant_name(here, n.name)
        if isinstance(n, c_ast.UnaryOp):
            if n.op == "sizeof":
                return True
            if n.op == "&":
                return static_lvalue(here, n.expr)
            return n.op not in _NEVER_CONSTANT and walk(n.expr)
        if isinstance(n, c_ast.BinaryOp):
            return walk(n.left) and walk(n.right)
        if isinstance(n, c_ast.TernaryOp):
            return walk(n.cond) and walk(n.iftrue) and walk(n.iffalse)
        if isinstance(n, (c_ast.Cast, c_ast.NamedInitializer)):
            return walk(n.expr)
        if isinstance(n, c_ast.InitList):
            return all(walk(x) for x in n.exprs)
        return is_offsetof(n)
    return walk(n)


def is_offsetof(n) -> bool:
    """``offsetof(T, m)``: an integer constant, though pycparser reads a call."""
    return (isinstance(n, c_ast.FuncCall) and isinstance(n.name, c_ast.ID)
            and n.name.name in _CONSTANT_CALLS)


def _constant_name(here, name: str) -> bool:
    sym = here.lookup(name)
    if sym is None:
        return False
    if sym.kind == "enumerator":
        return True
    if here.static_storage(name) is None:
        return False
    return sym.kind == "function" or isinstance(
        here.sem.place_of(sym).resolve(sym.type), (c_ast.ArrayDecl, c_ast.FuncDecl))


def static_lvalue(here, n) -> bool:
    """``n`` designates (part of) an object with static storage duration
    at a constant place: ``g``, ``g.m``, ``arr[3]``, ``arr[1].m``, a
    string literal."""
    if isinstance(n, c_ast.ID):
        return here.static_storage(n.name) is not None
    if isinstance(n, c_ast.StructRef) and n.type == ".":
        return static_lvalue(here, n.name)
    if isinstance(n, c_ast.ArrayRef) and isinstance(n.name, c_ast.ID):
        sym = here.static_storage(n.name.name)
        return sym is not None and is_constant(here, n.subscript) and isinstance(
            here.sem.place_of(sym).resolve(sym.type), c_ast.ArrayDecl)
    if isinstance(n, c_ast.Constant) and n.type == "string":
        return True
    return False
