"""Bit-fields of other types than int.

C89 allows bit-fields of ``int``, ``signed int`` and ``unsigned int``
only; ``unsigned char b : 3``, ``short``, ``long`` and the ``<stdint.h>``
types are a common extension that ``gcc -std=c89 -pedantic-errors``
refuses.  Such a bit-field is rewritten as ``unsigned int`` (or ``signed
int``) when the struct keeps its layout -- every member's offset, the
size and the alignment -- under both ways compilers place bit-fields
(System V and Microsoft's, the default of MinGW) in 32 and 64 bits
(``analysis/layout``): ``int x; unsigned char a : 3, b : 5;`` keeps it.
Else it is an error at the member, and so is a bit-field wider than 32
bits (no C89 int has more), of a plain ``char`` (signed or not depends on
the compiler), ``_Bool``, an enum or ``long long``, or in a union.
"""

from __future__ import annotations

import os

from pycparser import c_ast

from ..analysis.layout import ABIS, Member, same_everywhere
from .base import PassOutput, PassSpec, UnitPass

NAME = "bitfields"

# typedef names with a known meaning (the analysis's fake libc makes them int)
_NAMED = {"int8_t": ("char", True), "uint8_t": ("char", False),
          "int16_t": ("short", True), "uint16_t": ("short", False),
          "int32_t": ("int", True), "uint32_t": ("int", False),
          "int64_t": ("long long", True), "uint64_t": ("long long", False),
          "size_t": ("pointer", False), "ssize_t": ("pointer", True),
          "ptrdiff_t": ("pointer", True), "intptr_t": ("pointer", True),
          "uintptr_t": ("pointer", False)}
_NAMED.update({"c89_" + k: v for k, v in _NAMED.items()})
_SPEC_WORDS = {"signed", "unsigned", "char", "short", "long", "int"}


_NO_INT = {"bool": "a _Bool bit-field stores 0 or 1 only, an int one keeps any value",
           "enum": "an enum bit-field is signed or unsigned as the compiler chooses",
           "long long": "a 'long long' bit-field has no C89 form"}


class _Refused(Exception):
    pass


class _Pass(UnitPass):
    name = NAME

    def __init__(self, unit):
        super().__init__(unit)
        self.here = self.sem.at()
        self.fake = os.path.normcase(_fake_libc())

    # -- types --------------------------------------------------------------
    def base(self, t):
        """(base type, signed: True/False/None for plain char) of a scalar
        type, or ("enum"/"bool", ...); None when it cannot be told."""
        for _ in range(16):
            if isinstance(t, c_ast.PtrDecl):
                return "pointer", False
            if not isinstance(t, c_ast.TypeDecl):
                return None
            spec = t.type
            if isinstance(spec, c_ast.Enum):
                return "enum", True
            if not isinstance(spec, c_ast.IdentifierType):
                return None
            names = spec.names
            if len(names) == 1 and names[0] in _NAMED:
                return _NAMED[names[0]]
            if len(names) == 1 and names[0] not in _SPEC_WORDS | {"float", "double", "_Bool"}:
                sym = self.here.lookup(names[0])
                if sym is None or sym.kind != "typedef":
                    return None
                f = sym.node.coord.file if sym.node.coord is not None else ""
                if self.fake and os.path.normcase(f).startswith(self.fake):
                    return None
                t = sym.type
                continue
            return _words(names)
        return None

    def member(self, decl, abi, as_int: bool = False) -> Member:
        """``decl`` as a member in ``abi`` (``as_int``: its bit-field type
        made int)."""
        width = self.width(decl) if decl.bitsize is not None else None
        if width is not None and as_int:
            return Member(4, 4, width)
        t = decl.type
        count = 1
        while isinstance(t, c_ast.ArrayDecl):
            n = self.here.int_value(t.dim) if t.dim is not None else None
            if n is None:
                raise _Refused("an array member of unknown size")
            count *= n
            t = t.type
        b = self.base(t)
        if b is None or b[0] == "bool":
            raise _Refused(f"member '{decl.name}' has a type whose size is not known here")
        size, align = abi.sizes["int" if b[0] == "enum" else b[0]]
        return Member(size * count, align, width)

    def width(self, decl) -> int:
        w = self.here.int_value(decl.bitsize)
        if w is None:
            raise _Refused("its width is not a constant")
        return w

    # -- structs -------------------------------------------------------------
    def struct(self, s) -> None:
        bad = []     # (decl, base) of the bit-fields to rewrite
        for d in s.decls:
            if d.bitsize is None:
                continue
            w = self.here.int_value(d.bitsize)
            if w is not None and w > 32:
                self.out.diag(d, "error", f"bit-field '{d.name}' is {w} bits wide: C89 "
                                          "bit-fields are int or unsigned, 32 bits at most; "
                                          "use an integer of its own and shifts")
                continue
            b = self.base(d.type)
            if b is not None and b[0] == "int":
                continue
            bad.append((d, b))
        if not bad:
            return
        odd = [d for d in s.decls if d.bitsize is not None
               and (d.name is None or self.here.int_value(d.bitsize) == 0)]
        for d, b in bad:
            what = _spelling(d, b)
            try:
                if isinstance(s, c_ast.Union):
                    raise _Refused("it is in a union")
                if odd:
                    raise _Refused("the struct has unnamed or zero-width bit-fields, which "
                                   "compilers place in different ways")
                if b is None:
                    raise _Refused("its type is not known here")
                if b[0] == "char" and b[1] is None:
                    raise _Refused("a plain char bit-field is signed with some compilers and "
                                   "unsigned with others: say which first")
                if b[0] not in ("char", "short", "long"):
                    raise _Refused(_NO_INT.get(b[0], f"'{what}' has no int of the same "
                                                     "meaning"))
                rewrite = {id(x) for x, _ in bad}
                before = [[self.member(m, abi) for m in s.decls] for abi in ABIS]
                after = [[self.member(m, abi, id(m) in rewrite) for m in s.decls]
                         for abi in ABIS]
                moved = same_everywhere(before, after)
                if moved:
                    raise _Refused(f"as '{_new(b)}' the struct's layout would change "
                                   f"({moved})")
                self.rewrite(s, d, b)
            except _Refused as why:
                self.out.diag(d, "error", f"bit-field '{d.name}' of type '{what}' is not C89 "
                                          f"(only int, signed int, unsigned int): {why}; "
                                          "declare it so by hand if that is right")

    def spec_start(self, d) -> tuple[int, int]:
        """(token of ``d``'s name, first token of its declaration)."""
        u = self.u
        toks = u.toks
        n = u.text_tok(d, d.name)
        if n is None:
            raise _Refused("a macro writes it")
        k = n
        while k > 0 and toks[k - 1].text not in (";", "{", "}"):
            k -= 1
        return n, k

    def rewrite(self, s, d, b) -> None:
        """Replace the type words of ``d``'s declaration with int ones."""
        toks = self.u.toks
        n, k = self.spec_start(d)
        words = []
        j = k
        while j < n and toks[j].kind == "id" and (toks[j].text in _SPEC_WORDS
                                                  or toks[j].text in _NAMED
                                                  or j == k):
            words.append(j)
            j += 1
        if not words or toks[j].kind != "id":
            raise _Refused("its declaration is not a plain one")
        # every declarator sharing the words must be a bit-field rewritten too
        for m in s.decls:
            if m is not d and (m.bitsize is None or self.base(m.type) != b):
                try:
                    same = self.spec_start(m)[1] == k
                except _Refused:
                    same = False
                if same:
                    raise _Refused(f"'{m.name}' shares its type words")
        a, z = toks[words[0]].start, toks[words[-1]].end
        if not any(e.start == a for e in self.out.edits):
            self.out.edits.replace(a, z, _new(b), NAME)


def _words(names) -> tuple[str, bool | None] | None:
    ns = list(names)
    signed = False if "unsigned" in ns else True if "signed" in ns else None
    if "_Bool" in ns:
        return "bool", False
    if "char" in ns:
        return "char", signed
    if "short" in ns:
        return "short", signed is not False
    if ns.count("long") == 2:
        return "long long", signed is not False
    if "double" in ns:
        return ("long double" if "long" in ns else "double"), True
    if "float" in ns:
        return "float", True
    if "long" in ns:
        return "long", signed is not False
    return "int", signed is not False


def _new(b) -> str:
    return "unsigned int" if b[1] is False else "signed int"


def _spelling(d, b) -> str:
    t = d.type
    if isinstance(t, c_ast.TypeDecl) and isinstance(t.type, c_ast.IdentifierType):
        return " ".join(t.type.names)
    return b[0] if b else "?"


def _fake_libc() -> str:
    from ..frontend.preprocess import FAKE_LIBC
    return FAKE_LIBC or ""


def needed(text: str) -> bool:
    return ":" in text and ("struct" in text or "union" in text)


def run(text: str, ctx) -> PassOutput:
    unit = ctx.unit(text)
    p = _Pass(unit)
    for s in p.sem.definitions():
        if unit.in_main(s) and s.decls and any(d.bitsize is not None for d in s.decls):
            p.struct(s)
    return p.out


SPEC = PassSpec(NAME, "round", run, failure="bit-fields with no C89 form", needed=needed)
