"""designated pass: designated initializers -> positional lists."""

import pytest

from toolchain.diag import ToolchainError

from .conftest import port

DEFS = ("struct P { int x, y; };\nstruct R { struct P a, b; const char *name; int tag[3]; };\n"
        "union U { int i; float f; };\nenum { A, B, C };\n")


def check(src, expected):
    out = port(DEFS + src)
    assert out == DEFS + expected
    assert port(out) == out
    return out


def test_struct_out_of_order():
    check("struct P p = { .y = 2, .x = 1 };\n", "struct P p = { 1, 2 };\n")


def test_array_gaps_and_positional_continuation():
    check("int s[10] = { [2] = 5, 6, [8] = 1 };\n", "int s[10] = { 0, 0, 5, 6, 0, 0, 0, 0, 1 };\n")


def test_unknown_size_array_keeps_its_size():
    out = check('static const char *names[] = { [C] = "c", [A] = "a" };\n',
                'static const char *names[] = { "a", 0, "c" };\n')
    assert "names[]" in out


def test_nested_designators_and_brace_elision():
    check('struct R r = { .b.y = 4, .name = "r", .tag[1] = 9, 10 };\n',
          'struct R r = { {0}, {0, 4}, "r", {0, 9, 10} };\n')
    check("int g[2][3] = { [1] = { [2] = 6 }, [0][0] = 1 };\n", "int g[2][3] = { {1}, {0, 0, 6} };\n")
    check("struct P ps[] = { [2].y = 5, [0] = { 1, 1 } };\n", "struct P ps[] = { { 1, 1 }, {0}, {0, 5} };\n")


def test_strings_for_char_arrays_and_typedefs():
    check('typedef struct { char name[8]; int n; } W;\nW w[] = { [1] = { "hi", 2 }, [0].n = 1 };\n',
          'typedef struct { char name[8]; int n; } W;\nW w[] = { {{0}, 1}, { "hi", 2 } };\n')


def test_union_first_member_ok_and_other_member_reported():
    check("union U u = { .i = 3 };\n", "union U u = { 3 };\n")
    with pytest.raises(ToolchainError) as ei:
        port(DEFS + "union U u = { .f = 1.5f };\n", "u.c")
    d = ei.value.diagnostics[0]
    assert (d.path, d.line, d.col) == ("u.c", 5, 15) and "'f'" in d.message


def test_multiline_table_keeps_lines_and_comments():
    check("int t[] = {\n    [B] = 20,   /* bee */\n    [A] = 10,   /* ay */\n    /* c */\n    [C] = 30,\n};\n",
          "int t[] = {\n    10, /* ay */\n    20, /* bee */\n    /* c */\n    30,\n};\n")


def test_function_pointer_table():
    check("int f0(void);\nint f1(void);\nint (*ops[2])(void) = { [1] = f1, [0] = f0 };\n"
          "struct O { int (*a)(void); int (*b)(void); } o = { .b = f0 };\n",
          "int f0(void);\nint f1(void);\nint (*ops[2])(void) = { f0, f1 };\n"
          "struct O { int (*a)(void); int (*b)(void); } o = { 0, f0 };\n")


def test_block_scope_constant_and_nonconstant_compose_with_declarations():
    check("void f(int v) {\n    g();\n    struct P q = { .y = v };\n    struct P k = { .y = 3 };\n}\n",
          "void f(int v) {\n    struct P q;\n    struct P k = { 0, 3 };\n    g();\n    q.x = 0; q.y = v;\n}\n")


def test_errors_are_located():
    for src, msg in (("struct P p = { .z = 1 };\n", "no member named 'z'"),
                     ("int a[2] = { [5] = 1 };\n", "exceeds array bounds"),
                     ("struct P p = { .x.y = 1 };\n", "not an aggregate")):
        with pytest.raises(ToolchainError) as ei:
            port(DEFS + src, "e.c")
        d = ei.value.diagnostics[0]
        assert d.line == 5 and msg in d.message, d


def test_without_designators_untouched():
    src = DEFS + "struct P p = { 1, 2 };\nint a[] = { 1, 2, 3, };\n"
    assert port(src) == src
