"""Where an AST node's text is (toolchain/c89/frontend/origin.py): written in
the file, written by a macro invocation, or unknown; passes edit only the
first."""

from __future__ import annotations

from toolchain.c89 import port_source
from toolchain.c89.frontend import Unit

SRC = ("#define ONE 1\n#define TWICE(x) ((x) + (x))\n"
       "int f(int a) {\n    return TWICE(a) * ONE;\n}\n")


def _return():
    unit = Unit(SRC, "o.c")
    fd = next(unit.func_defs())
    return unit, fd.body.block_items[0]


def test_written_tokens_are_text():
    unit, ret = _return()
    kind, i = unit.origin(ret, "return")
    assert kind == "text" and unit.toks[i].text == "return" and unit.toks[i].line == 4
    assert unit.text_tok(ret, "return") == i
    # a macro argument is written in the file
    arg = ret.expr.left.left
    kind, i = unit.origin(arg)
    assert kind == "text" and unit.toks[i].text == "a"


def test_a_declared_name_among_macro_tokens_is_the_macros():
    # DECL(int, v) writes "int v;": v is an argument, the declaration the macro's
    unit = Unit("#define DECL(t, n) t n;\nvoid g(void);\nint f(void) {\n    g();\n"
                "    DECL(int, v)\n    v = 1;\n    return v;\n}\n", "d.c")
    fd = next(unit.func_defs())
    decl = fd.body.block_items[1]
    assert unit.origin(decl, "v")[0] == "text"
    kind, i = unit.origin(decl, "v", neighbours=True)
    assert kind == "macro"


def test_macro_written_tokens_name_the_invocation():
    unit, ret = _return()
    one = ret.expr.right
    kind, i = unit.origin(one)
    assert kind == "macro" and unit.toks[i].text == "ONE"
    assert unit.text_tok(one) is None
    assert unit.origins.replaced(i)


def test_nodes_of_other_files_are_unknown():
    unit = Unit("#include <stdio.h>\nint g;\n", "h.c")
    ext = next(e for e in unit.ast.ext if not unit.in_main(e))
    assert unit.origin(ext) == ("unknown", None)


def test_a_macro_written_bool_store_is_left_with_a_warning():
    src = ("#include <stdbool.h>\n#define SETB(v) flag = (v)\n"
           "bool flag;\nvoid set(int v) {\n    SETB(v);\n    flag = v;\n}\n")
    res = port_source(src, "m.c")
    assert "    SETB(v);\n    flag = !!(v);\n" in res.text
    assert [(d.line, d.severity) for d in res.diagnostics if d.code == "keywords"] == \
        [(5, "warning")]
