"""What the declarations pass reads off the AST: the items of a block, the
names a subtree uses or declares, the for-loops with declarations.  Pure
functions of the (cached, shared) AST."""

from __future__ import annotations

from pycparser import c_ast

from ...analysis.walks import body_nodes

SPEC_KW = {"const", "volatile", "static", "extern", "register", "auto", "inline",
           "restrict", "signed", "unsigned", "short", "long", "int", "char", "float",
           "double", "void", "_Bool", "_Complex", "__inline", "__restrict", "typedef",
           "_Thread_local", "__inline__", "__restrict__", "__volatile__", "__const"}
TAG_KW = {"struct", "union", "enum"}
STMT_KW = {"return", "goto", "case", "default", "else", "do", "while", "for", "if", "switch",
           "break", "continue", "sizeof", "asm", "__asm", "__asm__"}


def names_in(node, skip=frozenset()) -> set[str]:
    """Identifiers an AST subtree refers to (not member names, not labels)."""
    out: set[str] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if n is None or id(n) in skip:
            continue
        if isinstance(n, c_ast.ID):
            out.add(n.name)
            continue
        if isinstance(n, c_ast.IdentifierType):
            out.update(n.names)
            continue
        if isinstance(n, c_ast.StructRef):
            stack.append(n.name)
            continue
        if isinstance(n, c_ast.Case):
            stack.append(n.expr)
            continue
        stack.extend(child for _, child in n.children())
    return out

def refers(node, name: str) -> bool:
    """Does ``name`` occur free in the subtree (not counting uses that a
    nested declaration of the same name captures)?"""
    if node is None:
        return False
    if isinstance(node, c_ast.ID):
        return node.name == name
    if isinstance(node, c_ast.IdentifierType):
        return name in node.names
    if isinstance(node, c_ast.StructRef):
        return refers(node.name, name)
    if isinstance(node, c_ast.For) and isinstance(node.init, c_ast.DeclList):
        for d in node.init.decls:
            if refers(d.type, name):
                return True
            if d.name == name:
                return False
            if refers(d.init, name):
                return True
        return any(refers(x, name) for x in (node.cond, node.next, node.stmt))
    if isinstance(node, c_ast.Compound):
        return _refers_items(node.block_items or [], name)
    return any(refers(c, name) for _, c in node.children())

def _refers_items(items, name: str) -> bool:
    for it in items:
        if isinstance(it, (c_ast.Case, c_ast.Default)):
            if isinstance(it, c_ast.Case) and refers(it.expr, name):
                return True
            # a declaration among the case's statements scopes the rest of the block
            if _refers_items(it.stmts or [], name):
                return True
            if any(isinstance(s, (c_ast.Decl, c_ast.Typedef)) and s.name == name
                   for s in it.stmts or []):
                return False
            continue
        if isinstance(it, (c_ast.Decl, c_ast.Typedef)):
            if refers(it.type, name):
                return True
            if it.name == name:
                return False
            if refers(getattr(it, "init", None), name):
                return True
            continue
        if refers(it, name):
            return True
    return False

def innermost(t):
    """The IdentifierType or Struct/Union/Enum at the bottom of a declarator."""
    while t is not None and not isinstance(
            t, (c_ast.IdentifierType, c_ast.Struct, c_ast.Union, c_ast.Enum)):
        t = getattr(t, "type", None)
    return t


class Block:
    """The items of a block: (kind, node) with kind decl, stmt, case or pragma
    (a case's statements follow it, flattened)."""

    def __init__(self, comp):
        self.comp = comp
        self.items: list[tuple[str, object]] = []  # (kind, node-or-group)
        self._flatten(comp.block_items or [])

    def _flatten(self, nodes):
        for n in nodes:
            if isinstance(n, (c_ast.Case, c_ast.Default)):
                self.items.append(("case", n))
                self._flatten(n.stmts or [])
            elif isinstance(n, (c_ast.Decl, c_ast.Typedef)):
                self.items.append(("decl", n))
            elif isinstance(n, c_ast.Pragma):
                self.items.append(("pragma", n))
            else:
                self.items.append(("stmt", n))


def same(a: list, b: list) -> bool:
    return len(a) == len(b) and all(x is y for x, y in zip(a, b))

def declared_names(decls) -> set[str]:
    """Names a declaration statement declares: its declarators, and the
    tags and enumerators of the struct/union/enum types it defines."""
    out: set[str] = set()
    stack = []
    for d in decls:
        if d.name:
            out.add(d.name)
        stack.append(d.type)
    while stack:
        n = stack.pop()
        if n is None:
            continue
        if isinstance(n, (c_ast.Struct, c_ast.Union, c_ast.Enum)) and n.name \
                and (n.values if isinstance(n, c_ast.Enum) else n.decls) is not None:
            out.add(n.name)
        elif isinstance(n, c_ast.Enumerator):
            out.add(n.name)
        stack.extend(c for _, c in n.children())
    return out

def for_decls(node) -> list:
    """The for-loops with declarations in statement ``node`` whose nearest
    block is the one holding ``node``, in source order (only statements
    are walked: an expression holds no statement)."""
    out = []
    stack = [node]
    while stack:
        n = stack.pop()
        if n is None or isinstance(n, c_ast.Compound):
            continue
        if isinstance(n, c_ast.For):
            if isinstance(n.init, c_ast.DeclList):
                out.append(n)
            stack.append(n.stmt)
        elif isinstance(n, c_ast.If):
            stack += (n.iffalse, n.iftrue)
        elif isinstance(n, (c_ast.While, c_ast.DoWhile, c_ast.Switch, c_ast.Label)):
            stack.append(n.stmt)
        elif isinstance(n, (c_ast.Case, c_ast.Default)):
            stack.extend(reversed(n.stmts or []))
    return out

def may_need_work(blk: Block) -> bool:
    """False when the block has nothing this pass changes or reports beyond
    VLAs: no declaration after a statement, no for-loop declaration, no
    brace initializer (whose elements may not be constant)."""
    seen_stmt = False
    for kind, node in blk.items:
        if kind == "decl":
            if seen_stmt or isinstance(getattr(node, "init", None), c_ast.InitList):
                return True
        elif kind in ("stmt", "case"):
            seen_stmt = True
            if kind == "stmt" and for_decls(node):
                return True
    return False

def blocks(fd):
    """(the blocks of a function body in source order, whether it has labels)."""
    body = body_nodes(fd)
    return ([n for n in body if isinstance(n, c_ast.Compound)],
            any(isinstance(n, c_ast.Label) for n in body))
