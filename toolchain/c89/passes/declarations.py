"""Move block-scope declarations so every block is C89 (declarations first).

Preferred rewrite: the declaration is hoisted to the start of its block
(after the block's leading declarations) and its initializer stays where it
was as an assignment::

    foo();                         float sum;
    float sum = 0.0f;      ->      foo();
                                   sum = 0.0f;

Preprocessor branches: the leading declarations may end inside an ``#if``
branch that does not hold the declaration (``#ifdef DEBUG int dbg = 0;
#endif``); the hoisted declaration then goes on a line after that branch's
``#endif`` when the preprocessor kept nothing in between, and else the
declaration is wrapped in a new block as below.  Either way, every
configuration that keeps the original declaration keeps what replaces it.

A declaration in an ``#if``/``#elif``/``#else`` branch that lies inside the
block is not hoisted out of that branch (the configurations without it
would get an unused declaration, or one of a type they do not have).  When
it is the first code in its branch (directives and blank lines only
before it), the conditional does not lie inside another branch of the
block, and each other branch of the conditionals holding it starts with a
declaration or has none after other code (judged on its text), a new
block opens on a line of its own before the ``#if`` line and closes where
the enclosing block ends::

    g();                            g();
    #ifdef X                        {
    int a = 1;                      #ifdef X
    #else                    ->     int a = 1;
    long a = 2;                     #else
    #endif                          long a = 2;
    use(a);                         #endif
                                    use(a);
                                    }

so the declarations lead it in every configuration and stay visible after
the ``#endif``.  Declarations after the ``#endif`` are still hoisted to
the start of the enclosing block, unless they name something the
conditional may declare (they are then left for the next round, in the new
block).  Otherwise the declaration is wrapped in a new block that closes at
the end of its branch (see below), and a ``for`` declaration there wraps
its loop instead of being hoisted.

A brace initializer with non-constant elements (which C89 does not take)
becomes member assignments.  When a macro writes the braces (``buf b =
BUF_INIT(mem);``) the assignments take the elements as the preprocessor
expanded them, with a note: that is the macro as the configuration being
ported defines it.

``for (int i = 0; ...)`` hoists ``int i;`` to the enclosing block and keeps
``for (i = 0; ...)``; several loops declaring the same name with the same
type share one hoisted declaration.

When hoisting could change meaning the pass falls back instead:

* a plain declaration whose name is used earlier in the block (it would
  capture an outer variable of that name), which cannot become an
  assignment (``const`` objects, arrays initialised from a string, ...) or
  that defines a struct/enum: a new ``{`` is opened at the declaration and
  closed at the end of the enclosing block (the scope is unchanged).  When
  the declaration is in an ``#if``/``#elif``/``#else`` branch that lies
  inside the block, the new block is closed at the end of that branch
  instead, so that its braces balance whichever branch the preprocessor
  keeps; that needs the branch to end between statements and nothing after
  it up to the block's end (in any branch, except the other branches of the
  conditionals holding the declaration) to name what it declares, otherwise
  it is an error;
* a ``for`` declaration that would clash (name used elsewhere in the block,
  same name with another type, same name as a block declaration): the loop
  alone is wrapped in ``{ int i; for (i = 0; ...) ... }``.

``static``/``extern``/``typedef``/function declarations and objects whose
initializer is a constant expression are moved whole (a static local is
never split: its initialisation happens once).  Constant includes C89
address constants: ``&g``, ``&g.m``, ``&arr[3]``, ``arr``, function names,
string literals, ``(T *)0`` and arithmetic/casts of those, where the
objects have static storage duration (file scope, ``static``/``extern``
locals; a parameter or automatic local of that name anywhere in the
function makes the name non-constant).  Aggregate initializers with
non-constant elements (not allowed in C89 even at block start) become
per-element / per-member assignments for arrays and structs of scalars;
when the object, an element or a member is const that would assign
read-only locations, so it is an error ("cannot convert safely: const
aggregate with non-constant initializer"), like other aggregates and
variable-length arrays.

Macros: the AST of a macro expansion has coordinates that do not point at
its text, so each preprocessed line is aligned with the original line and
a declaration is handled by where the macro *invocation* is.  A block
written by a macro (``#define SWAP(a, b) { int t = a; ... }``) is left
alone when its declarations come first (an error naming the macro
otherwise: only its definition could be changed); a declaration written
by an invocation at statement level after a statement gets the new-block
form at the invocation; an initializer written by a macro is split like
any other (``b = BUF_INIT(mem);``) unless it is braces with non-constant
elements, which keeps the declaration whole in a new block (and warns:
C89 compilers may reject it).  Macro definitions are never edited.
"""

from __future__ import annotations

from difflib import SequenceMatcher

from pycparser import c_ast, c_generator

from ...diag import Diagnostic, ToolchainError
from ..ctok import Tokens
from ..source import EditList
from . import PassOutput
from ._ast import body_nodes, is_constant, walk_cached
from .unsupported import Conditionals

NAME = "declarations"
CODE = "c89-decl"

_SPEC_KW = {"const", "volatile", "static", "extern", "register", "auto", "inline",
            "restrict", "signed", "unsigned", "short", "long", "int", "char", "float",
            "double", "void", "_Bool", "_Complex", "__inline", "__restrict", "typedef",
            "_Thread_local", "__inline__", "__restrict__", "__volatile__", "__const"}
_TAG_KW = {"struct", "union", "enum"}
_STMT_KW = {"return", "goto", "case", "default", "else", "do", "while", "for", "if", "switch",
            "break", "continue", "sizeof", "asm", "__asm", "__asm__"}
_MAX_ZERO_FILL = 64


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


def _innermost(t):
    while t is not None and not isinstance(
            t, (c_ast.IdentifierType, c_ast.Struct, c_ast.Union, c_ast.Enum)):
        t = getattr(t, "type", None)
    return t


class _Group:
    """One declaration statement (one or more declarators) in a block."""

    def __init__(self, decls, start, semi, segs, spec_end):
        self.decls = decls
        self.start = start      # token index of the first specifier
        self.semi = semi        # token index of the terminating ";"
        self.segs = segs        # token ranges, one per declarator
        self.spec_end = spec_end
        self.macro = None       # name of the macro whose expansion wrote it


class _Block:
    def __init__(self, pass_, comp):
        self.p = pass_
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


class _Pass:
    def __init__(self, unit):
        self.u = unit
        self.toks = unit.toks
        self.text = unit.text
        self.edits = EditList(unit.text)
        self.diags: list[Diagnostic] = []
        self.has_labels = False
        self.locals: dict[str, list] = {}     # names declared in the current function
        self._maps: dict[int, object] = {}
        self._file_scope: dict[str, list] | None = None
        self._branches: list[tuple] | None = None   # (first line, last line, ending directive)

    # -- errors -----------------------------------------------------------
    def error(self, node, message: str):
        line = node.coord.line if node is not None and node.coord else 0
        col = 0
        if node is not None:
            i = self.u.tok_of(node)
            if i is not None:
                line, col = self.toks[i].line, self.toks[i].col
        raise ToolchainError(message, exit_code=2, diagnostics=[
            Diagnostic(self.u.path, line, col, "error", message, CODE)])

    def warn(self, node, message: str) -> None:
        i = self.u.tok_of(node) if node is not None else None
        line = node.coord.line if node is not None and node.coord else 0
        col = 0
        if i is not None:
            line, col = self.toks[i].line, self.toks[i].col
        d = Diagnostic(self.u.path, line, col, "warning", message, CODE)
        if d not in self.diags:
            self.diags.append(d)

    def need(self, idx, node, what):
        if idx is None:
            self.error(node, f"cannot find the source text of {what} "
                             "(produced by a macro?); move it by hand")
        return idx

    # -- constants ----------------------------------------------------------
    def is_const(self, n) -> bool:
        """Arithmetic or address constant (what C89 allows in an aggregate
        initializer): literals, enumerators, sizeof, ``&`` of an object with
        static storage duration, arrays and functions (they decay to address
        constants), and arithmetic/casts of those."""
        return is_constant(n, self._constant_name, self.static_lvalue)

    def _constant_name(self, n: c_ast.ID) -> bool:
        if n.name in self.u.enumerators and n.name not in self.locals:
            return True
        types = self.static_object(n.name)
        return types is not None and all(
            isinstance(self.resolve(t), (c_ast.ArrayDecl, c_ast.FuncDecl)) for t in types)

    def static_lvalue(self, n) -> bool:
        """``n`` designates (part of) an object with static storage duration
        at a constant place: ``g``, ``g.m``, ``arr[3]``, ``arr[1].m`` (an
        automatic local of that name anywhere in the function disqualifies)."""
        if isinstance(n, c_ast.ID):
            return self.static_object(n.name) is not None
        if isinstance(n, c_ast.StructRef) and n.type == ".":
            return self.static_lvalue(n.name)
        if isinstance(n, c_ast.ArrayRef) and isinstance(n.name, c_ast.ID):
            types = self.static_object(n.name.name)
            return types is not None and self.is_const(n.subscript) and all(
                isinstance(self.resolve(t), c_ast.ArrayDecl) for t in types)
        if isinstance(n, c_ast.ArrayRef) and isinstance(n.name, c_ast.ArrayRef):
            return False  # would need the element type: stay conservative
        if isinstance(n, c_ast.ArrayRef) and isinstance(n.name, c_ast.StructRef):
            return False
        if isinstance(n, c_ast.Constant) and n.type == "string":
            return True
        return False

    def file_scope(self) -> dict[str, list]:
        if self._file_scope is None:
            out: dict[str, list] = {}
            for ext in self.u.ast.ext:
                d = ext.decl if isinstance(ext, c_ast.FuncDef) else ext
                if isinstance(d, c_ast.Decl) and d.name:
                    out.setdefault(d.name, []).append(d.type)
            self._file_scope = out
        return self._file_scope

    def static_object(self, name: str):
        """Types of the declarations ``name`` may refer to when every one of
        them has static storage duration (file scope, ``static``/``extern``
        locals, functions), else None."""
        local = self.locals.get(name)
        if local is not None:
            types = []
            for storage, t in local:
                if not (storage & {"static", "extern"} or isinstance(t, c_ast.FuncDecl)):
                    return None
                types.append(t)
            if any("extern" in st for st, _ in local):
                types += self.file_scope().get(name, [])
            return types
        return self.file_scope().get(name)

    def collect_locals(self, fd) -> None:
        """Every name the function declares (parameters and block scope),
        with its storage classes and type (found once per function node)."""
        self.locals = walk_cached(fd, "locals", _locals_of)

    def resolve(self, t):
        """Follow typedef names to the underlying type node."""
        seen = 0
        while isinstance(t, c_ast.TypeDecl) and isinstance(t.type, c_ast.IdentifierType) \
                and len(t.type.names) == 1 and t.type.names[0] in self.u.typedefs and seen < 20:
            t = self.u.typedefs[t.type.names[0]]
            seen += 1
        return t

    def is_scalar(self, t) -> bool:
        t = self.resolve(t)
        if isinstance(t, c_ast.PtrDecl):
            return True
        if isinstance(t, c_ast.TypeDecl):
            return isinstance(t.type, (c_ast.IdentifierType, c_ast.Enum))
        return False

    def top_const(self, decl) -> bool:
        t = decl.type
        if isinstance(t, (c_ast.TypeDecl, c_ast.PtrDecl)) and "const" in (t.quals or []):
            return True
        r = self.resolve(t)
        return r is not t and isinstance(r, (c_ast.TypeDecl, c_ast.PtrDecl)) \
            and "const" in (r.quals or [])

    # -- macro expansions ----------------------------------------------------
    def line_map(self, line: int):
        """How preprocessed line ``line`` lines up with the original line:
        (exact, pp tokens, {pp index: original token}, {pp index: original
        token of the invocation that wrote it}, original tokens the expansion
        replaced), or None when the line is unknown."""
        if line in self._maps:
            return self._maps[line]
        pp_lines = getattr(self.u, "pp_lines", None)
        pp_line = pp_lines.get(line) if pp_lines is not None else None
        res = None
        if pp_line is not None:
            orig = [i for i in self.toks.by_line.get(line, []) if self.toks[i].pp < 0]
            ptoks = Tokens(pp_line).toks
            a = [self.toks[i].text for i in orig]
            b = [t.text for t in ptoks]
            same: dict[int, int] = {}
            anchors: dict[int, int] = {}
            replaced: set[int] = set()
            if a == b:
                same = dict(enumerate(orig))
            else:
                ops = SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
                for tag, i1, i2, j1, j2 in ops:
                    if tag == "equal":
                        same.update((j1 + d, orig[i1 + d]) for d in range(i2 - i1))
                    else:
                        replaced.update(orig[i1:i2])
                rep = sorted(replaced)
                for tag, i1, i2, j1, j2 in ops:
                    if tag == "equal" or j2 == j1:
                        continue
                    if i2 > i1:
                        anchor = orig[i1]
                    else:  # tokens only the expansion has: the nearest replaced token
                        before = [x for x in rep if i1 >= len(orig) or x < orig[i1]]
                        anchor = before[-1] if before else rep[0] if rep else \
                            orig[min(i1, len(orig) - 1)] if orig else None
                    if anchor is not None:
                        anchors.update((j, anchor) for j in range(j1, j2))
            res = (a == b, ptoks, same, anchors, replaced)
        self._maps[line] = res
        return res

    def where(self, coord, expect: str | None = None, neighbours: bool = False):
        """('orig', token) when ``coord`` is in the original text, ('macro',
        token of the invocation) when it is inside a macro expansion, ('?',
        None) when unknown.  ``neighbours``: the tokens around it must be
        original too (``DECL(int, v)`` has ``v`` as a macro argument only)."""
        if coord is None or coord.file != self.u.path:
            return "?", None
        m = self.line_map(coord.line)
        if m is None:
            return "?", None
        exact, ptoks, same, anchors, _ = m
        if exact:
            i = self.u.locate(coord, expect)
            return ("orig", i) if i is not None else ("?", None)
        col0 = (coord.column or 1) - 1
        k = None
        for j, t in enumerate(ptoks):
            if t.start <= col0:
                k = j
            else:
                break
        if k is None:
            return "?", None
        if expect is not None and ptoks[k].text != expect:
            i = self.u.locate(coord, expect)
            return ("orig", i) if i is not None else ("?", None)
        i = same.get(k)
        if i is None:
            a = anchors.get(k)
            return ("macro", a) if a is not None else ("?", None)
        if neighbours:
            # the token after must be original too, and so must the one before
            # unless it is a word (a type name written as a macro: ``U32 x``)
            line = self.toks[i].line
            for d in (-1, 1):
                j = i + d
                if 0 <= j < len(self.toks) and self.toks[j].line == line \
                        and self.toks[j].pp < 0 and same.get(k + d) != j \
                        and not (d < 0 and self.toks[j].kind == "id"):
                    return "macro", i
        return "orig", i

    def macro_name(self, i) -> str:
        """Name of the macro invoked at (or just before) original token ``i``."""
        if i is None:
            return "?"
        for j in range(self.stmt_start(i), min(i + 1, len(self.toks))):
            t = self.toks[j]
            if t.kind == "id" and t.pp < 0:
                m = self.line_map(t.line)
                if m is not None and j in m[4]:
                    return t.text
        return self.toks[i].text

    def decl_where(self, decl):
        if decl.name:
            return self.where(decl.coord, decl.name, neighbours=True)
        inner = _innermost(decl.type)
        if inner is None:
            return "?", None
        return self.where(inner.coord, neighbours=True)

    # -- text extents -------------------------------------------------------
    def decl_name_tok(self, decl):
        kind, i = self.decl_where(decl)
        return i if kind == "orig" else None

    def stmt_start(self, i: int) -> int:
        toks = self.toks
        j = i - 1
        while j >= 0:
            t = toks[j]
            if t.pp >= 0 or t.text in (";", "{", ":"):
                break
            if t.text == "}":
                m = toks.match.get(j)
                if m is not None and m > 0 and (
                        toks[m - 1].text in _TAG_KW or
                        (toks[m - 1].kind == "id" and m > 1 and toks[m - 2].text in _TAG_KW)):
                    j = m - 1
                    continue
                break
            if t.text == "(":
                if j > 0 and toks[j - 1].text == "for":
                    break
            if t.text in (")", "]"):
                m = toks.match.get(j)
                if m is None:
                    break
                j = m - 1
                continue
            j -= 1
        return j + 1

    def group_of(self, decls) -> _Group:
        first = self.need(self.decl_name_tok(decls[0]), decls[0], f"declaration of '{decls[0].name}'")
        start = self.stmt_start(first)
        semi = self.need(self.toks.find_semicolon(first), decls[0], "the end of a declaration")
        segs = self.toks.split_commas(start, semi)
        if len(segs) != len(decls):
            self.error(decls[0], f"cannot split the declaration of '{decls[0].name}' into declarators")
        # specifiers: keywords, one typedef name, struct/union/enum [tag] [{...}]
        k = start
        a, b = segs[0]
        inner = _innermost(decls[0].type)
        tnames = set(inner.names) if isinstance(inner, c_ast.IdentifierType) else set()
        used_typename = False
        while k < b:
            t = self.toks[k]
            if t.text in _SPEC_KW:
                k += 1
            elif t.text in _TAG_KW:
                k += 1
                if k < b and self.toks[k].kind == "id":
                    k += 1
                if k < b and self.toks[k].text == "{" and k in self.toks.match:
                    k = self.toks.match[k] + 1
            elif t.kind == "id" and t.text in tnames and not used_typename \
                    and t.text != decls[0].name:
                used_typename = True
                k += 1
            else:
                break
        return _Group(decls, start, semi, segs, k)

    def tok_text(self, a: int, b: int) -> str:
        """Original text of tokens [a, b)."""
        if b <= a:
            return ""
        return self.text[self.toks[a].start:self.toks[b - 1].end]

    def split_decl(self, g: _Group, k: int) -> tuple[str, str | None, int, int]:
        """(declarator text, initializer text or None, init token range) of declarator k."""
        a, b = g.segs[k]
        if k == 0:
            a = g.spec_end
        eq = None
        depth = 0
        for j in range(a, b):
            t = self.toks[j]
            if t.pp >= 0:
                continue
            if t.text in "([{":
                depth += 1
            elif t.text in ")]}":
                depth -= 1
            elif t.text == "=" and depth == 0:
                eq = j
                break
        if eq is None:
            return self.tok_text(a, b), None, b, b
        return self.tok_text(a, eq), self.tok_text(eq + 1, b), eq + 1, b

    def decl_line(self, g: _Group, parts: list[str], first_kept: bool) -> str:
        """``spec declarators;`` keeping the original spelling of the first
        declarator (``float* x`` stays ``float* x``) when it is included."""
        if first_kept:
            a, b = g.segs[0]
            head = self.text[self.toks[g.start].start:self.toks[g.spec_end].start] + parts[0]
            return ", ".join([head] + parts[1:]) + ";"
        return self.spec_text(g) + " " + ", ".join(parts) + ";"

    def spec_text(self, g: _Group) -> str:
        return self.tok_text(g.start, g.spec_end)

    # -- classification -------------------------------------------------------
    def classify(self, decl) -> str:
        """'split' | 'keep' | 'elements' | 'fallback' | 'ok' (no initializer)."""
        storage = set(getattr(decl, "storage", None) or [])
        if isinstance(decl, c_ast.Typedef) or storage & {"static", "extern", "typedef"} \
                or isinstance(decl.type, c_ast.FuncDecl):
            return "keep"
        inner = _innermost(decl.type)
        if decl.name is None or (isinstance(inner, (c_ast.Struct, c_ast.Union)) and inner.decls is not None) \
                or (isinstance(inner, c_ast.Enum) and inner.values is not None):
            return "fallback"
        init = decl.init
        if init is None:
            return "ok"
        if isinstance(init, c_ast.InitList):
            if self.is_const(init):
                return "fallback" if self.has_labels else "keep"
            macro = self.init_macro(decl)
            if macro is not None and self.macro_init_span(decl) is None:
                # braces written by a macro among other tokens: nothing to rewrite per element
                self.warn(decl, f"initializer of '{decl.name}' (from macro '{macro}') has "
                                "non-constant elements, which C89 does not allow")
                return "fallback"
            if self.has_const_parts(decl.type):
                self.error(decl, "cannot convert safely: const aggregate with non-constant "
                                 f"initializer ('{decl.name}')")
            return "elements"
        if isinstance(decl.type, c_ast.ArrayDecl) or self.top_const(decl):
            if self.is_const(init) and not self.has_labels:
                return "keep"
            return "fallback"
        return "split"

    def macro_init_span(self, decl) -> tuple[int, int] | None:
        """Tokens [k, e) of an initializer that is one macro invocation and
        nothing else (``buf b = BUF_INIT(mem);``), or None."""
        toks = self.toks
        k = self.init_start(self.decl_name_tok(decl))
        if k is None or toks[k].kind != "id":
            return None
        e = k + 1
        if e < len(toks) and toks[e].text == "(" and toks[e].pp < 0:
            m = toks.match.get(e)
            if m is None:
                return None
            e = m + 1
        if e >= len(toks) or toks[e].text not in (";", ","):
            return None
        return k, e

    def init_start(self, i: int | None) -> int | None:
        """Token after the ``=`` of the declarator at token ``i``."""
        if i is None:
            return None
        toks = self.toks
        end = toks.find_semicolon(i)
        if end is None:
            return None
        depth = 0
        for j in range(i, end):
            t = toks[j]
            if t.pp >= 0:
                continue
            if t.text in "([{":
                depth += 1
            elif t.text in ")]}":
                depth -= 1
            elif depth == 0 and t.text in (",", ";"):
                return None
            elif depth == 0 and t.text == "=":
                return toks.next_code(j)
        return None

    def init_macro(self, decl) -> str | None:
        """Name of the macro whose expansion is the initializer of ``decl``
        (``buf b = BUF_INIT(mem);``), or None when the initializer is
        written out (or the declaration itself is not original text)."""
        k = self.init_start(self.decl_name_tok(decl))
        if k is None or self.toks[k].text == "{":
            return None
        return self.toks[k].text if self.toks[k].kind == "id" else "?"

    def has_const_parts(self, t, depth: int = 0) -> bool:
        """Is the object, an element or a member of type ``t`` const?"""
        if depth > 8:
            return False
        if isinstance(t, (c_ast.TypeDecl, c_ast.PtrDecl)) and "const" in (t.quals or []):
            return True
        t = self.resolve(t)
        if isinstance(t, (c_ast.TypeDecl, c_ast.PtrDecl)) and "const" in (t.quals or []):
            return True
        if isinstance(t, c_ast.ArrayDecl):
            return self.has_const_parts(t.type, depth + 1)
        if isinstance(t, c_ast.TypeDecl) and isinstance(t.type, (c_ast.Struct, c_ast.Union)):
            st = t.type
            if st.decls is None and st.name in self.u.struct_defs:
                st = self.u.struct_defs[st.name]
            return any(self.has_const_parts(m.type, depth + 1) for m in st.decls or [])
        return False

    def element_assignments(self, decl, init_range) -> list[str]:
        """``v[0] = a;`` / ``s.m = a;`` ... for a non-constant aggregate
        initializer of an array or struct of scalars (positional or simple
        designators); members/elements not mentioned are set to 0."""
        a, b = init_range
        name = decl.name
        exprs = decl.init.exprs
        if a < b and self.toks[a].text != "{" and self.macro_init_span(decl) == (a, b):
            # braces written by a macro: the elements as the preprocessor
            # made them (the macro as this configuration defines it)
            t = self.toks[a]
            self.diags.append(Diagnostic(
                self.u.path, t.line, t.col, "note",
                f"macro '{t.text}' expanded in the initializer of '{name}' (as this "
                "configuration defines it), so that its non-constant elements can become "
                "assignments", CODE))
            gen = c_generator.CGenerator()
            texts = []
            for e in exprs:
                if isinstance(e, c_ast.InitList) or (isinstance(e, c_ast.NamedInitializer)
                                                     and len(e.name) != 1):
                    self.error(decl, f"initializer of '{name}' (from macro '{t.text}') has "
                                     "non-constant elements and nested braces or designators; "
                                     "C89 needs constant aggregate initializers: rewrite it "
                                     "by hand")
                texts.append(gen.visit(e.expr if isinstance(e, c_ast.NamedInitializer) else e))
            return self.assignments_of(decl, exprs, texts)
        if a >= b or self.toks[a].text != "{" or self.toks.match.get(a) != b - 1:
            self.error(decl, f"cannot find the initializer of '{name}'")
        parts = [p for p in self.toks.split_commas(a + 1, b - 1) if p[1] > p[0]]
        if len(parts) != len(exprs):
            self.error(decl, f"cannot match the initializer of '{name}' to its text")
        texts = []
        for (x, y), e in zip(parts, exprs):
            if isinstance(e, c_ast.NamedInitializer):
                eq = next((k for k in range(x, y) if self.toks[k].text == "="), None)
                if eq is None or len(e.name) != 1:
                    self.error(decl, f"nested designator in the initializer of '{name}': "
                                     "rewrite it by hand")
                texts.append(self.tok_text(eq + 1, y))
            elif isinstance(e, c_ast.InitList):
                self.error(decl, f"initializer of '{name}' has non-constant elements and "
                                 "nested braces; C89 needs constant aggregate initializers: "
                                 "rewrite it by hand")
            else:
                texts.append(self.tok_text(x, y))
        return self.assignments_of(decl, exprs, texts)

    def assignments_of(self, decl, exprs, texts: list[str]) -> list[str]:
        """The assignments for the initializer elements ``exprs`` whose values
        are spelled ``texts``."""
        name = decl.name
        t = self.resolve(decl.type)
        if isinstance(t, c_ast.ArrayDecl) and self.is_scalar(t.type):
            values: dict[int, str] = {}
            pos = 0
            for e, x in zip(exprs, texts):
                if isinstance(e, c_ast.NamedInitializer):
                    d = e.name[0]
                    if not isinstance(d, c_ast.Constant):
                        self.error(decl, f"designator in the initializer of '{name}' is not "
                                         "a literal index: rewrite it by hand")
                    pos = int(d.value.rstrip("uUlL"), 0)
                values[pos] = x
                pos += 1
            size = max(values) + 1 if values else 0
            if t.dim is not None:
                if not isinstance(t.dim, c_ast.Constant):
                    self.error(decl, f"array '{name}' with a non-literal size and a non-constant "
                                     "initializer: rewrite it by hand")
                size = int(t.dim.value.rstrip("uUlL"), 0)
            if size - len(values) > _MAX_ZERO_FILL:
                self.error(decl, f"non-constant initializer of '{name}' would need "
                                 f"{size - len(values)} zero assignments: rewrite it by hand")
            return [f"{name}[{i}] = {values.get(i, '0')};" for i in range(size)]
        if isinstance(t, c_ast.TypeDecl) and isinstance(t.type, c_ast.Struct):
            st = t.type
            if st.decls is None and st.name in self.u.struct_defs:
                st = self.u.struct_defs[st.name]
            members = st.decls or []
            names = [m.name for m in members]
            if st.decls is not None and all(m.name and self.is_scalar(m.type) for m in members):
                values = {}
                pos = 0
                for e, x in zip(exprs, texts):
                    if isinstance(e, c_ast.NamedInitializer):
                        d = e.name[0]
                        if not isinstance(d, c_ast.ID) or d.name not in names:
                            self.error(decl, f"bad designator in the initializer of '{name}'")
                        pos = names.index(d.name)
                    if pos >= len(names):
                        self.error(decl, f"too many initializers for '{name}'")
                    values[names[pos]] = x
                    pos += 1
                return [f"{name}.{m} = {values.get(m, '0')};" for m in names]
        self.error(decl, f"initializer of '{name}' has non-constant elements; C89 needs "
                         "constant aggregate initializers and only arrays/structs of "
                         "scalars are rewritten: rewrite it by hand")

    # -- statements ---------------------------------------------------------
    def stmt_end(self, node) -> int:
        """Token index of the last token of a statement."""
        toks = self.toks
        if isinstance(node, c_ast.Compound):
            i = self.need(self.u.locate(node.coord, "{"), node, "a block")
            return self.need(toks.match.get(i), node, "the end of a block")
        if isinstance(node, (c_ast.For, c_ast.While, c_ast.Switch, c_ast.Label)):
            return self.stmt_end(node.stmt)
        if isinstance(node, c_ast.If):
            return self.stmt_end(node.iffalse or node.iftrue)
        if isinstance(node, c_ast.DoWhile):
            body = self.stmt_end(node.stmt)
            return self.need(toks.find_semicolon(body + 1), node, "the end of a do statement")
        i = self.need(self.u.tok_of(node), node, "a statement")
        return self.need(toks.find_semicolon(i), node, "the end of a statement")

    # -- inserting ------------------------------------------------------------
    def insert_after(self, tok_index: int, lines: list[str], indent: str) -> None:
        """Insert declaration lines after token ``tok_index`` (at end of line
        when only blanks/comments follow it there)."""
        pos = self.toks[tok_index].end
        le = self.u.src.line_end(pos)
        rest = self.text[pos:le]
        ok = True
        for cs, ce in self.toks.comments_in(pos, le):
            if ce > le:
                ok = False
            rest = rest.replace(self.text[cs:min(ce, le)], "")
        if ok and not rest.strip():
            self.edits.insert(le, "".join("\n" + indent + x for x in lines), NAME)
        else:
            self.edits.insert(pos, " " + " ".join(lines), NAME)

    def replace_stmt(self, g: _Group, text: str) -> None:
        s = self.toks[g.start].start
        e = self.toks[g.semi].end
        if text:
            self.edits.replace(s, e, text, NAME)
            return
        ls = self.u.src.line_start(s)
        le = self.u.src.line_end(e)
        if not self.text[ls:s].strip() and not self.text[e:le].strip():
            self.edits.delete(ls, min(le + 1, len(self.text)), NAME)
        else:
            self.edits.delete(s, e, NAME)

    # -- per block ------------------------------------------------------------
    def block(self, comp) -> None:
        blk = _Block(self, comp)
        if not _may_need_work(blk):
            for kind, node in blk.items:
                if kind == "decl":
                    self.check_vla(node)
            return
        where, lbrace = self.where(comp.coord, "{")
        if where == "macro":
            self.macro_block(blk, lbrace)
            return
        items: list[tuple[str, object]] = []
        pending: list = []
        pending_start = None
        macro_at: dict[int, int] = {}   # item index -> invocation token (macro declarations)
        for kind, node in blk.items:
            if kind == "decl":
                self.check_vla(node)
                dw, tok = self.decl_where(node)
                if dw == "macro":
                    start = ("macro", self.stmt_start(tok))
                else:
                    first = self.need(tok if dw == "orig" else None, node,
                                      f"declaration of '{node.name}'" if node.name
                                      else "a declaration")
                    start = self.stmt_start(first)
                if pending and start == pending_start:
                    pending.append(node)
                    continue
                if pending:
                    items.append(("decl", pending))
                pending, pending_start = [node], start
                if dw == "macro":
                    macro_at[len(items)] = tok
                continue
            if pending:
                items.append(("decl", pending))
                pending = []
            items.append((kind, node))
        if pending:
            items.append(("decl", pending))
        groups: dict[int, _Group] = {}
        for idx, (kind, node) in enumerate(items):
            if kind == "decl" and idx in macro_at:
                tok = macro_at[idx]
                g = _Group(node, self.stmt_start(tok), None, None, None)
                g.macro = self.macro_name(tok)
                groups[idx] = g
            elif kind == "decl":
                groups[idx] = self.group_of(node)
        boundary = len(items)
        for idx, (kind, node) in enumerate(items):
            if kind in ("stmt", "case") or (
                    kind == "decl" and idx not in macro_at
                    and any(self.classify(d) == "elements" for d in node)):
                boundary = idx
                break
        # for-loops with declarations whose nearest block is this one
        fors: list[tuple[int, c_ast.For]] = []
        for idx in range(boundary, len(items)):
            kind, node = items[idx]
            if kind == "stmt":
                fors.extend((idx, f) for f in _for_decls(node))
        late = [idx for idx in range(boundary, len(items)) if items[idx][0] == "decl"]
        if not late and not fors:
            return
        # where hoisted declarations go
        lbrace = self.need(self.u.locate(comp.coord, "{"), comp, "a block")
        lead = [idx for idx in range(boundary) if items[idx][0] == "decl"]
        anchor = groups[lead[-1]].semi if lead else lbrace
        first_tok = lbrace + 1
        if first_tok < len(self.toks) and self.toks[first_tok].pp >= 0 \
                and self.toks.directive_of(first_tok).name in ("if", "ifdef", "ifndef"):
            # the block starts with a conditional (#if lines are often not
            # indented): indent like the code in it
            first_tok = self.toks.next_code(lbrace) or first_tok
        if first_tok < len(self.toks) and self.toks[first_tok].line > self.toks[lbrace].line:
            indent = self.u.src.indent_of(self.toks[first_tok].start)
        else:
            indent = self.u.src.indent_of(self.toks[lbrace].start) + "    "
        leading_names = {d.name for idx in lead for d in items[idx][1]}
        rbrace = self.toks.match.get(lbrace)

        def hoist_at(tok):
            return self.hoist_point(anchor, tok, lbrace, rbrace)

        def left_at(tok, at):
            return self.branches_left(tok, at, lbrace, rbrace)

        for_nodes_by_name: dict[str, set[int]] = {}
        for _, f in fors:
            for d in f.init.decls:
                for_nodes_by_name.setdefault(d.name, set()).add(id(f))
        plain_index: dict[str, int] = {}
        for idx in late:
            for d in items[idx][1]:
                plain_index.setdefault(d.name, idx)

        def item_refs(lo, hi, name):
            """{name} when ``name`` is used free in items [lo, hi), else {}."""
            for idx in range(lo, hi):
                kind, node = items[idx]
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

        events = [(idx, 0, None) for idx in late] + [(idx, 1, f) for idx, f in fors]
        events.sort(key=lambda e: (e[0], self.u.locate(e[2].coord) or 0 if e[2] else 0))
        hoisted: dict[str, tuple[str, tuple, int]] = {}
        out_lines: dict[int, list[str]] = {}   # hoist point -> declaration lines
        skip_to = None  # the #endif of a conditional a new block was opened before
        inside: set[str] = set()    # the words in it
        for idx, is_for, fnode in events:
            if skip_to is not None:
                # what lies in that conditional is in the new block (next
                # round); a declaration after it is hoisted as usual unless
                # it names something that conditional may declare or define
                if is_for or groups[idx].semi is None:
                    break
                g = groups[idx]
                if g.start < skip_to:
                    continue
                stays = set()   # initializers that become assignments in place
                for k, d in enumerate(g.decls):
                    if self.classify(d) in ("split", "elements"):
                        stays.update(range(*self.split_decl(g, k)[2:]))
                if any(self.toks[j].kind == "id" and self.toks[j].text in inside
                       for j in range(g.start, g.semi) if j not in stays):
                    break
            if not is_for:
                g = groups[idx]
                if g.macro is not None:
                    # written by a macro invocation: open the block before it
                    self.fallback_block(g, comp, lbrace, f"it is written by macro '{g.macro}'")
                    break
                modes = [self.classify(d) for d in g.decls]
                conflict = "fallback" in modes
                at = hoist_at(g.start)
                outside = at is None
                merged = []
                for k, d in enumerate(g.decls):
                    if conflict:
                        break
                    dtext, _, _, _ = self.split_decl(g, k)
                    key = (" ".join(self.spec_text(g).split()), " ".join(dtext.split()))
                    prev = hoisted.get(d.name)
                    refs = item_refs(boundary, idx, d.name)
                    for d2 in g.decls[:k]:
                        refs |= names_in(d2.init)
                    if d.name in leading_names or d.name in refs:
                        conflict = True
                    elif prev is not None:
                        if prev[0] == "for" and prev[1] == key and prev[2] == at \
                                and modes[k] in ("split", "ok"):
                            merged.append(k)
                        else:
                            conflict = True
                left = [] if conflict else left_at(g.start, at)
                if left:
                    # hoisting would take it out of an #if branch inside the block
                    opening, problem = self.branch_opening(g, left, lbrace, rbrace)
                    if problem is None:
                        self.block_before(g, opening, rbrace)
                        skip_to = self.conditional_of(left[-1][2])[1].hash_index
                        inside = {t.text for t in self.toks.toks[opening.hash_index:skip_to]
                                  if t.kind == "id"} - _SPEC_KW - _TAG_KW
                        continue
                    if not outside:
                        where = "the preprocessor branch holding it" if opening is None else \
                            f"the '#{opening.name}' at line {opening.line}"
                        ends = self.branch_ends(g.start, lbrace, rbrace)
                        if not ends or not self.branch_wrap(g, ends, rbrace)[2]:
                            why = f"that is outside {where}, and {problem}"
                            self.fallback_block(g, comp, lbrace, why)
                            break
                        # no block fits either: hoist it out of the branch, as
                        # the configuration being ported needs, and say so
                        t = self.toks[g.start]
                        names = ", ".join(f"'{d.name}'" for d in g.decls if d.name)
                        self.diags.append(Diagnostic(
                            self.u.path, t.line, t.col, "note",
                            f"declaration of {names} moved to the start of the block, out of "
                            f"{where}: configurations without that branch get it too (unused "
                            f"there); a block around it would not work ({problem})", CODE))
                conflict = conflict or outside
                if conflict:
                    why = "hoisting it would change meaning"
                    if any(self.init_macro(d) for d in g.decls
                           if isinstance(d.init, c_ast.InitList)):
                        why = "its initializer is a macro that writes braces"
                    elif outside and "fallback" not in modes:
                        why = ("the block's leading declarations end in a preprocessor "
                               "branch that does not hold it")
                    self.fallback_block(g, comp, lbrace, why)
                    break
                parts, assigns = [], []
                for k, d in enumerate(g.decls):
                    dtext, itext, ia, ib = self.split_decl(g, k)
                    key = (" ".join(self.spec_text(g).split()), " ".join(dtext.split()))
                    hoisted[d.name] = ("plain", key, at)
                    if modes[k] == "keep":
                        parts.append(dtext + " = " + itext if itext is not None else dtext)
                    else:
                        if k not in merged:
                            parts.append(dtext)
                        if modes[k] == "split":
                            assigns.append(f"{d.name} = {itext};")
                        elif modes[k] == "elements":
                            assigns.extend(self.element_assignments(d, (ia, ib)))
                if all(m == "keep" for m in modes):
                    out_lines.setdefault(at, []).append(self.tok_text(g.start, g.semi + 1))
                elif parts:
                    out_lines.setdefault(at, []).append(
                        self.decl_line(g, parts, 0 not in merged))
                self.replace_stmt(g, " ".join(assigns))
            else:
                self.for_init(fnode, items, idx, boundary, hoisted, leading_names,
                              plain_index, item_refs, out_lines, hoist_at, left_at)
        for at, lines in out_lines.items():
            if self.toks[at].pp >= 0:
                # after an #endif (see hoist_point): on lines of their own
                d = self.toks.directive_of(at)
                self.edits.insert(d.end, "".join("\n" + indent + x for x in lines), NAME)
            else:
                self.insert_after(at, lines, indent)

    def for_init(self, f, items, idx, boundary, hoisted, leading_names, plain_index,
                 item_refs, out_lines, hoist_at, left_at) -> None:
        decls = f.init.decls
        dw, tok = self.decl_where(decls[0])
        if dw == "macro":
            self.error(f, f"declaration of '{decls[0].name}' in a for-loop header written by "
                          f"macro '{self.macro_name(tok)}': C89 has none and the macro "
                          "definition must be changed by hand")
        g = self.group_of(decls)
        for d in decls:
            self.check_vla(d)
        modes = [self.classify(d) for d in decls]
        conflict = any(m not in ("split", "ok") for m in modes)
        at = hoist_at(g.start)
        conflict = conflict or at is None
        keys = []
        for k, d in enumerate(decls):
            dtext, _, _, _ = self.split_decl(g, k)
            key = (" ".join(self.spec_text(g).split()), " ".join(dtext.split()))
            keys.append(key)
            if conflict:
                continue
            prev = hoisted.get(d.name)
            hi = plain_index.get(d.name, len(items))
            if hi < idx:
                conflict = True
                continue
            refs = item_refs(boundary, hi, d.name)
            for d2 in decls[:k]:
                refs |= names_in(d2.init)
            if d.name in leading_names or d.name in refs:
                conflict = True
            elif prev is not None and (prev[0] != "for" or prev[1] != key or prev[2] != at):
                conflict = True
        if not conflict and left_at(g.start, at):
            # hoisting would take the declaration out of an #if branch inside
            # the block: the loop alone is wrapped instead (when it ends in
            # the branch it starts in, else hoisted as before)
            _, end, _, opening = self.loop_span(f)
            conflict = _same(self.branches_at(opening), self.branches_at(end))
        assigns = []
        parts = []
        for k, d in enumerate(decls):
            dtext, itext, _, _ = self.split_decl(g, k)
            parts.append(dtext)
            if itext is not None:
                assigns.append(f"{d.name} = {itext}")
        s = self.toks[g.start].start
        e = self.toks[g.semi].start
        decl_line = self.decl_line(g, parts, True)
        if conflict:
            if any(m not in ("split", "ok") for m in modes):
                # const/array loop variables: keep the initializer on the declaration
                self.error(f, "declaration in a for-loop header that cannot become an "
                              "assignment (const or array); move it by hand")
            ftok, end, pp_before, opening = self.loop_span(f)
            if not _same(self.branches_at(opening), self.branches_at(end)):
                self.error(f, f"cannot wrap the for-loop declaring '{decls[0].name}' in a "
                              "block ({ int i; for (i = 0; ...) ... }): the loop ends in another "
                              "preprocessor branch than the one it starts in, so the braces "
                              "would not balance; move the declaration by hand")
            if pp_before:
                d = self.toks.directive_of(ftok - 1)
                ind = self.u.src.indent_of(self.toks[ftok].start)
                self.edits.insert(d.start, ind + "{ " + decl_line + "\n", NAME)
            else:
                self.edits.insert(self.toks[ftok].start, "{ " + decl_line + " ", NAME)
            self.edits.replace(s, e, ", ".join(assigns), NAME)
            self.edits.insert(self.toks[end].end, " }", NAME)
            return
        new = []
        for k, d in enumerate(decls):
            if hoisted.get(d.name) is None:
                hoisted[d.name] = ("for", keys[k], at)
                new.append(k)
        if new:
            out_lines.setdefault(at, []).append(
                self.decl_line(g, [parts[k] for k in new], new[0] == 0))
        self.edits.replace(s, e, ", ".join(assigns), NAME)

    def loop_span(self, f) -> tuple[int, int, bool, int]:
        """(token of the ``for``, last token of the loop, whether a
        ``#pragma`` line comes just before it, token where a block wrapping
        the loop opens: the ``for`` or the ``#`` of that pragma)."""
        ftok = self.need(self.u.tok_of(f, "for"), f, "a for statement")
        end = self.stmt_end(f)
        pp_before = ftok > 0 and self.toks[ftok - 1].pp >= 0 \
            and self.toks.directive_of(ftok - 1).name == "pragma"
        opening = self.toks[ftok - 1].pp if pp_before else ftok
        return ftok, end, pp_before, opening

    def close_at(self, rbrace: int, ind: str) -> None:
        """Close a new block just before the ``}`` at token ``rbrace`` (on a
        line of its own when that ``}`` starts its line)."""
        rb = self.toks[rbrace]
        if rb.bol:
            self.edits.insert(self.u.src.line_start(rb.start), ind + "}\n", NAME)
        else:
            self.edits.insert(rb.start, "} ", NAME)

    def block_before(self, g: _Group, opening, rbrace: int) -> None:
        """Open a new block on a line of its own before the ``#if`` line
        ``opening`` and close it where the enclosing block ends (see
        branch_opening): the declaration group ``g``, first in its branch,
        then starts that block in the configurations keeping it."""
        ind = self.u.src.indent_of(self.toks[g.start].start)
        self.edits.insert(opening.start, ind + "{\n", NAME)
        self.close_at(rbrace, ind)
        names = ", ".join(f"'{d.name}'" for d in g.decls if d.name)
        t = self.toks[g.start]
        self.diags.append(Diagnostic(
            self.u.path, t.line, t.col, "note",
            f"declaration of {names} wrapped in a new block opened before the "
            f"'#{opening.name}' at line {opening.line} (hoisting it would take it out of "
            "the preprocessor branch holding it)", CODE))

    def fallback_block(self, g: _Group, comp, lbrace: int,
                       why: str = "hoisting it would change meaning") -> None:
        rbrace = self.need(self.toks.match.get(lbrace), comp, "the end of a block")
        names = ", ".join(f"'{d.name}'" for d in g.decls if d.name)
        ind = self.u.src.indent_of(self.toks[g.start].start)
        closed = ""
        ends = self.branch_ends(g.start, lbrace, rbrace)
        if ends:
            # the declaration is in an #if branch inside the block: the new
            # block closes in that branch, so the braces balance whichever
            # branch the preprocessor keeps
            end, opening, problem = self.branch_wrap(g, ends, rbrace)
            if problem:
                how = "declare it at the start of the block"
                if opening is not None:
                    how += (f", or open a block just before the '#{opening.name}' at line "
                            f"{opening.line} that ends with the enclosing block")
                self.error(g.decls[0],
                           f"cannot move the declaration of {names or 'a name'}: not to the "
                           f"start of its block ({why}), nor into a new block, which would "
                           f"have to end before the '#{end.name}' at line {end.line} so that "
                           "its braces stay in the preprocessor branch holding the declaration, "
                           f"but {problem}; rewrite it by hand ({how})")
            self.edits.insert(self.toks[g.start].start, "{ ", NAME)
            self.edits.insert(end.start, ind + "}\n", NAME)
            closed = f" ending before the '#{end.name}' at line {end.line}"
        else:
            self.edits.insert(self.toks[g.start].start, "{ ", NAME)
            self.close_at(rbrace, ind)
        t = self.toks[g.start]
        self.diags.append(Diagnostic(self.u.path, t.line, t.col, "note",
                                     f"declaration of {names} wrapped in a new block{closed} "
                                     f"({why})", CODE))

    def branch_wrap(self, g: _Group, ends: list, rbrace: int):
        """(directive ending the branch, the conditional's opening directive,
        why a new block closing there would be wrong or None) for a
        declaration group in the #if branches ``ends`` (innermost first)."""
        end = ends[0]
        opening, endif = self.conditional_of(end)
        # the code after the branch, but not the other branches of the
        # conditionals holding the declaration (never kept with it)
        spans = []
        for k, d in enumerate(ends):
            after = self.conditional_of(d)[1] or d
            spans.append((after.hash_index, ends[k + 1].hash_index if k + 1 < len(ends)
                          else rbrace))
        problem = self.cut_statement(g.start, end, endif) \
            or self.used_after(g, spans, end.line, rbrace)
        return end, opening, problem

    def macro_block(self, blk: _Block, anchor: int) -> None:
        """A block written by a macro (``#define SWAP(a, b) { int t = a; ...}``):
        fine when its declarations come first; otherwise only the macro
        definition could be fixed."""
        seen = False
        for kind, node in blk.items:
            if kind == "decl":
                self.check_vla(node)
                if seen:
                    what = f"declaration of '{node.name}'" if node.name else "a declaration"
                    self.error(node, f"{what} after a statement in a block written by macro "
                                     f"'{self.macro_name(anchor)}': move it to the start of "
                                     "the block in the macro definition by hand")
            elif kind in ("stmt", "case"):
                seen = True
                stack = [node]
                while stack:
                    n = stack.pop()
                    if isinstance(n, c_ast.Compound):
                        continue
                    if isinstance(n, c_ast.For) and isinstance(n.init, c_ast.DeclList):
                        self.error(n, f"declaration of '{n.init.decls[0].name}' in a for-loop "
                                      f"header in a block written by macro "
                                      f"'{self.macro_name(anchor)}': change the macro "
                                      "definition by hand")
                    stack.extend(c for _, c in n.children())

    def check_vla(self, decl) -> None:
        t = getattr(decl, "type", None)
        while t is not None:
            if isinstance(t, c_ast.ArrayDecl) and t.dim is not None and not self.is_const(t.dim):
                self.error(decl, f"variable-length array '{decl.name}' has no C89 equivalent; "
                                 "use malloc/free")
            t = getattr(t, "type", None)

    # -- preprocessor conditionals ---------------------------------------------
    def branch_ends(self, tok: int, lbrace: int, rbrace: int) -> list:
        """The ``#elif``/``#else``/``#endif`` directives ending the
        conditional branches that hold token ``tok`` and lie inside the block
        ``lbrace``..``rbrace`` (opened after its ``{``, ended before its
        ``}``), innermost first; empty when there is none."""
        lo, hi = self.toks[lbrace].line, self.toks[rbrace].line
        return [d for first, last, d in self.branches_at(tok) if lo < first and last < hi]

    def branches_at(self, tok: int) -> list:
        """(first line, last line, the directive ending it) of every
        conditional branch holding token ``tok``, innermost first."""
        if self._branches is None:
            ends = {d.line: d for d in self.toks.directives
                    if d.name in ("elif", "else", "endif")}
            self._branches = [(first, last, ends[last + 1]) for first, last, _, _
                              in Conditionals(self.u).branches if last + 1 in ends]
        line = self.toks[tok].line
        return sorted((b for b in self._branches if b[0] <= line <= b[1]),
                      key=lambda b: -b[0])

    def hoist_point(self, anchor: int, tok: int, lbrace: int, rbrace: int | None):
        """Token after which the declaration at token ``tok`` is hoisted:
        ``anchor`` (after the block's leading declarations) when every #if
        branch inside the block that holds ``anchor`` holds ``tok`` too;
        else the ``#`` of the ``#endif`` closing those branches, when the
        preprocessor kept nothing between (the hoisted lines go after it);
        else None: there is no place that the configurations keeping
        ``tok`` all keep."""
        if rbrace is None or anchor == lbrace:
            return anchor
        holding = self.branch_ends(tok, lbrace, rbrace)
        at = anchor
        for end in self.branch_ends(anchor, lbrace, rbrace):
            if any(end is h for h in holding):
                break   # so are the branches around it
            endif = self.conditional_of(end)[1]
            if endif is None or not self.nothing_kept(at, endif.hash_index):
                return None
            at = endif.hash_index
        return at

    def nothing_kept(self, a: int, b: int) -> bool:
        """No code and no #pragma between tokens ``a`` and ``b`` is on a
        line the preprocessor kept."""
        pp_lines = getattr(self.u, "pp_lines", None)
        if pp_lines is None:
            return False
        for j in range(a + 1, b):
            t = self.toks[j]
            if t.pp >= 0 and not (j == t.pp + 1 and t.text == "pragma"):
                continue
            if pp_lines.get(t.line, "").strip():
                return False
        return True

    def conditional_of(self, d):
        """(the ``#if``/``#ifdef``/``#ifndef``, the ``#endif``) of the
        conditional that directive ``d`` (``#elif``/``#else``/``#endif``)
        belongs to; either is None when unmatched."""
        dirs = self.toks.directives
        k = next(i for i, x in enumerate(dirs) if x is d)
        opening = closing = None
        depth = 0
        for j in range(k - 1, -1, -1):
            name = dirs[j].name
            if name == "endif":
                depth += 1
            elif name in ("if", "ifdef", "ifndef"):
                if depth == 0:
                    opening = dirs[j]
                    break
                depth -= 1
        if d.name == "endif":
            return opening, d
        depth = 0
        for j in range(k + 1, len(dirs)):
            name = dirs[j].name
            if name in ("if", "ifdef", "ifndef"):
                depth += 1
            elif name == "endif":
                if depth == 0:
                    closing = dirs[j]
                    break
                depth -= 1
        return opening, closing

    def branches_left(self, tok: int, at, lbrace: int, rbrace: int | None) -> list:
        """The conditional branches inside the block ``lbrace``..``rbrace``
        (``branches_at`` entries, innermost first) that hold token ``tok``
        but not the hoist point ``at`` (None: there is none, so all of them):
        the branches a declaration hoisted from ``tok`` to ``at`` would
        leave.  Empty when it leaves none."""
        if rbrace is None or not self.toks.directives:
            return []
        lo, hi = self.toks[lbrace].line, self.toks[rbrace].line
        holding = [b for b in self.branches_at(tok) if lo < b[0] and b[1] < hi]
        if not holding or at is None:
            return holding
        kept = self.branches_at(at)
        return [b for b in holding if not any(b is k for k in kept)]

    def branch_opening(self, g: _Group, left: list, lbrace: int, rbrace: int):
        """Can a new block opened just before the ``#if`` of the outermost
        branch in ``left`` (see branches_left), and closed where the
        enclosing block ends, replace hoisting group ``g``?  Yes when no
        other branch in the block holds that ``#if`` (the braces then
        balance in every configuration), ``g`` is the first code in its
        branch, and every other branch of the conditionals holding it
        declares first too or declares nothing after other code (judged on
        the text: the preprocessor dropped them).  Returns (that ``#if`` or
        None, None when yes or else why not)."""
        outer = left[-1]
        opening, endif = self.conditional_of(outer[2])
        if opening is None or endif is None:
            return opening, "that conditional is not closed"
        lo, hi = self.toks[lbrace].line, self.toks[rbrace].line
        if any(lo < b[0] and b[1] < hi for b in self.branches_at(opening.hash_index)):
            return opening, "that conditional is inside another preprocessor branch of the block"
        others = []     # the other branches: never kept together with g
        for b in left:
            op = self.conditional_of(b[2])[0]
            if op is not None:
                others += [(s, e) for s, e in self.cond_branches(op) if e is not b[2]]
        j = self.toks.prev_code(g.start)
        while j is not None and self.toks[j].line >= outer[0]:
            if not any(s.hash_index < j < e.hash_index for s, e in others):
                return opening, f"code comes before it in that branch (line {self.toks[j].line})"
            j = self.toks.prev_code(j)
        for s, e in others:
            j = self.late_declaration(s.hash_index, e.hash_index)
            if j is not None:
                return opening, (f"the '#{s.name}' branch at line {s.line} declares after "
                                 f"other code (line {self.toks[j].line})")
        return opening, None

    def cond_branches(self, opening) -> list:
        """(directive starting it, directive ending it) of every branch of
        the conditional that ``#if`` directive ``opening`` starts."""
        dirs = self.toks.directives
        k = next(i for i, x in enumerate(dirs) if x is opening)
        out, start, depth = [], opening, 0
        for d in dirs[k + 1:]:
            if d.name in ("if", "ifdef", "ifndef"):
                depth += 1
            elif d.name == "endif" and depth:
                depth -= 1
            elif depth == 0 and d.name in ("elif", "else", "endif"):
                out.append((start, d))
                start = d
                if d.name == "endif":
                    break
        return out

    def late_declaration(self, a: int, b: int) -> int | None:
        """First token of a declaration that follows other code among the
        code tokens between ``a`` and ``b`` (a branch's text), when the
        first statement there is no declaration; None otherwise.  Judged
        on the tokens (statements at the branch's top level: ``;`` or a
        ``}`` back at depth 0 ends one); nested conditionals are read as if
        all their branches were kept."""
        toks = self.toks
        j, first = a + 1, True
        while True:
            while j < b and toks[j].pp >= 0:
                j += 1
            if j >= b:
                return None
            decl = self.looks_like_declaration(j)
            if decl:
                return None if first else j
            first = False
            depth = 0
            while j < b:
                t = toks[j]
                j += 1
                if t.pp >= 0 or t.kind != "punct":
                    continue
                if t.text in ("(", "[", "{"):
                    depth += 1
                elif t.text in (")", "]", "}"):
                    depth -= 1
                    if depth <= 0 and t.text == "}":
                        break
                elif t.text == ";" and depth <= 0:
                    break

    def looks_like_declaration(self, j: int) -> bool:
        """Does the statement starting at code token ``j`` look like a
        declaration (a type keyword, a typedef name, or two identifiers in
        a row as in ``uint32_t x``)?"""
        t = self.toks[j]
        if t.kind != "id" or t.text in _STMT_KW:
            return False
        if t.text in _SPEC_KW or t.text in _TAG_KW or t.text in self.u.typedefs:
            return True
        k = self.toks.next_code(j)
        return k is not None and self.toks[k].kind == "id" and self.toks[k].text not in _STMT_KW

    def cut_statement(self, start: int, end, endif) -> str | None:
        """Why a block from token ``start`` to directive ``end`` would not
        hold whole statements (brackets left open, a ``do`` without its
        ``while``, an ``if`` whose ``else`` follows the ``#endif``), judged
        on the text of every branch; None when it would."""
        toks = self.toks
        where = f"the '#{end.name}' at line {end.line} is inside a statement"
        opened: list[str] = []
        dos: list[int] = []     # bracket depth of each 'do' still without its 'while'
        last = None
        for j in range(start, end.hash_index):
            t = toks[j]
            if t.pp >= 0:
                continue
            last = t.text
            if t.kind == "id":
                if t.text == "do":
                    dos.append(len(opened))
                elif t.text == "while" and dos and dos[-1] == len(opened):
                    dos.pop()
            elif t.text in ("(", "[", "{"):
                opened.append(t.text)
            elif t.text in (")", "]", "}"):
                if not opened or {")": "(", "]": "[", "}": "{"}[t.text] != opened[-1]:
                    return where
                opened.pop()
        if opened or dos or last not in (";", "}"):
            return where
        if endif is not None:
            k = toks.next_code(endif.hash_index)
            if k is not None and toks[k].text == "else":
                return where
        return None

    def used_after(self, g: _Group, spans, line: int, rbrace: int) -> str | None:
        """Where a name the group declares is used in the token ranges
        ``spans`` (in every branch there), or in the preprocessed lines after
        line ``line`` up to the block's end (uses that macros write); None
        when it is not.  Member names do not count."""
        names = _declared_names(g.decls)
        toks = self.toks
        for a, b in spans:
            for j in range(a, b):
                t = toks[j]
                if t.kind == "id" and t.text in names and j != t.pp + 1 \
                        and not toks.is_member(j):
                    return f"'{t.text}' is used after that line (line {t.line})"
        pp_lines = getattr(self.u, "pp_lines", None) or {}
        for ln in range(line + 1, toks[rbrace].line + 1):
            pp_line = pp_lines.get(ln)
            if pp_line is None:
                continue
            ptoks = Tokens(pp_line)
            for j, t in enumerate(ptoks.toks):
                if t.kind == "id" and t.text in names and not ptoks.is_member(j):
                    return (f"'{t.text}' is used after that line (line {ln}, in a macro "
                            "expansion)")
        return None


def _same(a: list, b: list) -> bool:
    return len(a) == len(b) and all(x is y for x, y in zip(a, b))


def _declared_names(decls) -> set[str]:
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


def _for_decls(node) -> list:
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


def _may_need_work(blk: _Block) -> bool:
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
            if kind == "stmt" and _for_decls(node):
                return True
    return False


def _locals_of(fd) -> dict[str, list]:
    out: dict[str, list] = {}
    stack = [fd.decl.type, fd.body] + list(fd.param_decls or [])
    while stack:
        n = stack.pop()
        if n is None:
            continue
        if isinstance(n, c_ast.Decl) and n.name:
            out.setdefault(n.name, []).append((set(n.storage or []), n.type))
        elif isinstance(n, c_ast.Typedef):
            out.setdefault(n.name, []).append(({"typedef"}, n.type))
        if isinstance(n, (c_ast.Struct, c_ast.Union)):
            continue  # member names are not in scope
        stack.extend(c for _, c in n.children())
    return out


def _blocks(fd):
    """(the blocks of a function body in source order, whether it has labels)."""
    body = body_nodes(fd)
    return ([n for n in body if isinstance(n, c_ast.Compound)],
            any(isinstance(n, c_ast.Label) for n in body))


def run(text: str, ctx) -> PassOutput:
    unit = ctx.unit(text)
    p = _Pass(unit)
    main = EditList(text)
    for fd in unit.func_defs():
        blocks, p.has_labels = walk_cached(fd, "blocks", _blocks)
        p.collect_locals(fd)
        for comp in blocks:
            p.edits = EditList(text)
            p.block(comp)
            # all or nothing: touching another block's edits, retried next round
            main.add_all(p.edits.edits)
    return PassOutput(main, p.diags)
