"""One semantic model (toolchain/c89/semantics.py): typedefs, tags,
enumerators and objects looked up with C's lexical scope, by every pass."""

from __future__ import annotations

import subprocess

import pytest
from pycparser import c_ast

from support.cflags import GCC_C89
from toolchain.c89 import port_source, semantics
from toolchain.c89.frontend import Unit
from toolchain.diag import ToolchainError

from .conftest import ENGINE, have



def _build_run(tmp_path, text: str) -> str:
    if not have("gcc"):
        pytest.skip("gcc is needed to build the port")
    src = tmp_path / "p.c"
    src.write_text(text)
    exe = tmp_path / "p"
    proc = subprocess.run(GCC_C89 + ["-I", str(ENGINE), str(src), "-o", str(exe)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout


# -- the defect of three models: struct tags by scope ----------------------------------

def test_a_block_scope_struct_with_a_const_member_is_not_assigned():
    # the inner struct S has a const member: s2.a = x; would assign a
    # read-only member (gcc -std=c89: "assignment of read-only member")
    src = ("struct S {int a; int b;};\n"
           "int f(int x) {\n"
           "    struct S {const int a; int b;};\n"
           "    struct S s2 = {x, 1};\n"
           "    return s2.a + s2.b;\n"
           "}\n")
    with pytest.raises(ToolchainError) as ei:
        port_source(src, "s.c")
    (d,) = ei.value.diagnostics
    assert (d.line, d.code) == (4, "declarations")
    assert d.message.startswith("cannot convert safely: const aggregate with non-constant "
                                "initializer ('s2')")


def test_a_block_scope_struct_is_the_one_initialised(tmp_path):
    # the file-scope S has one member; the function's own S two: no "too
    # many initializers", and both members assigned
    src = ("#include <stdio.h>\n"
           "struct S {int a;};\n"
           "static int f(int x) {\n"
           "    struct S {int a; int b;};\n"
           "    struct S s2 = {x, 1};\n"
           "    return s2.a * 10 + s2.b;\n"
           "}\n"
           "int main(void) {\n"
           "    struct S one = {3};\n"
           "    printf(\"%d %d\\n\", f(4), one.a);\n"
           "    return 0;\n"
           "}\n")
    out = port_source(src, "t.c").text
    assert "struct S s2;\n    s2.a = x; s2.b = 1;" in out
    assert _build_run(tmp_path, out) == "41 3\n"


def test_designators_resolve_against_the_struct_in_scope(tmp_path):
    src = ("#include <stdio.h>\n"
           "static int f(void) {\n"
           "    struct P {int y, x;};\n"
           "    static struct P p = {.x = 1};\n"
           "    return p.y * 10 + p.x;\n"
           "}\n"
           "struct P {int x, y;};\n"
           "static struct P q = {.x = 1};\n"
           "int main(void) { printf(\"%d %d\\n\", f(), q.x); return 0; }\n")
    out = port_source(src, "d.c").text
    assert "static struct P p = {0, 1};" in out
    assert "static struct P q = {1};" in out
    assert _build_run(tmp_path, out) == "1 1\n"


def test_bool_stores_are_judged_by_the_declaration_in_scope(tmp_path):
    src = ("#include <stdio.h>\n#include <stdbool.h>\n"
           "static int f(int v) {\n"
           "    int r;\n"
           "    { bool b; b = v; r = b; }\n"
           "    { int b; b = v; r = r * 10 + b; }\n"
           "    return r;\n"
           "}\n"
           "int main(void) { printf(\"%d\\n\", f(2)); return 0; }\n")
    out = port_source(src, "b.c").text
    assert "{ c89_bool b; b = !!(v); r = b; }" in out
    assert "{ int b; b = v; r = r * 10 + b; }" in out
    assert _build_run(tmp_path, out) == "12\n"


# -- the model itself ----------------------------------------------------------------

MODEL = """
typedef int T;
enum { A = 1, B };
struct S { int a; };
int g;
int f(int p) {
    typedef long T;
    enum { B = 10 };
    T x = B;
    {
        struct S { int a, b; } s;
        int g = A;
        x = s.a + g;
    }
    for (int A = 0; A < 1; A++) { x += A; }
    return x + p;
}
"""


def _model():
    unit = Unit(MODEL, "m.c")
    sem = semantics.of(unit)
    fd = next(unit.func_defs())
    body = [n for n in _walk(fd)]
    return unit, sem, fd, body


def _walk(n):
    yield n
    for _, c in n.children():
        yield from _walk(c)


def _decl(body, name):
    return next(n for n in body if isinstance(n, c_ast.Decl) and n.name == name)


def test_typedefs_and_enumerators_follow_the_scope():
    unit, sem, fd, body = _model()
    x = _decl(body, "x")
    here = sem.at(x, fd)
    # T is the function's own typedef, B the function's enumerator
    t = here.resolve(x.type)
    assert t.type.names == ["long"]
    assert here.int_value(x.init) == 10
    assert sem.at().resolve(c_ast.TypeDecl("v", [], None, c_ast.IdentifierType(["T"]))) \
        .type.names == ["int"]
    assert sem.at().int_value(c_ast.ID("B")) == 2


def test_objects_and_loop_variables_shadow_by_scope():
    unit, sem, fd, body = _model()
    inner_g = _decl(body, "g")          # the block's int g = A;
    here = sem.at(inner_g, fd)
    assert here.int_value(inner_g.init) == 1            # the file's A
    # its scope begins at its declarator: its own initializer sees it, automatic
    assert here.lookup("g").node is inner_g and here.static_storage("g") is None
    loop = next(n for n in body if isinstance(n, c_ast.For))
    in_loop = sem.at(loop.stmt.block_items[0], fd)      # x += A;
    assert in_loop.int_value(c_ast.ID("A")) is None     # the loop's A is a variable
    assert in_loop.lookup("A").kind == "object"
    after = sem.at(next(n for n in body if isinstance(n, c_ast.Return)), fd)
    assert after.lookup("g").node.coord.line == 5      # back to the file's g
    assert after.int_value(c_ast.ID("A")) == 1          # and to the file's A


def test_struct_tags_follow_the_scope():
    unit, sem, fd, body = _model()
    s = _decl(body, "s")
    inner = sem.at(s, fd).aggregate(s.type)
    assert [m.name for m in inner.decls] == ["a", "b"]
    x = _decl(body, "x")
    outer = sem.at(x, fd).tag("struct", "S")
    assert [m.name for m in outer.decls] == ["a"]


def test_a_tag_is_completed_later_in_its_scope():
    unit = Unit("struct L;\nstruct L *head;\nstruct L { int v; struct L *next; };\n", "l.c")
    sem = semantics.of(unit)
    head = next(e for e in unit.ast.ext if getattr(e, "name", None) == "head")
    assert [m.name for m in sem.at(head).aggregate(head.type.type).decls] == ["v", "next"]


def test_names_the_program_defines():
    unit = Unit('#include <stdio.h>\n#define M 1\ntypedef struct Q { int q; } Q;\n'
                'enum { E1 };\nint fn(int arg);\n', "n.c")
    names = semantics.of(unit).user_names
    assert {"M", "Q", "struct Q", "E1", "fn"} <= names
    assert "arg" not in names and "printf" not in names
