import pytest

from toolchain.diag import ToolchainError

from .conftest import port


def check(src, expected):
    out = port(src)
    assert out == expected
    assert port(out) == out  # fixed point
    return out


def test_hoist_with_assignment_in_place():
    check("void f(int *x) {\n    int a = 1;\n    x[0] = a;\n    float sum = 0.0f;\n    x[1] = (int)sum;\n}\n",
          "void f(int *x) {\n    int a = 1;\n    float sum;\n    x[0] = a;\n    sum = 0.0f;\n    x[1] = (int)sum;\n}\n")


def test_declaration_without_initializer_line_removed():
    check("void f(void) {\n    g();\n    int n;\n    n = 2;\n}\n",
          "void f(void) {\n    int n;\n    g();\n    n = 2;\n}\n")


def test_for_init_hoisted_and_shared():
    check("void f(int *a) {\n    for (int i = 0; i < 3; i++) a[i] = 0;\n"
          "    for (int i = 0; i < 3; i++) a[i] += 1;\n}\n",
          "void f(int *a) {\n    int i;\n    for (i = 0; i < 3; i++) a[i] = 0;\n"
          "    for (i = 0; i < 3; i++) a[i] += 1;\n}\n")


def test_for_init_different_type_wraps_loop():
    check("void f(double *a) {\n    for (int i = 0; i < 3; i++) a[i] = 0;\n"
          "    for (double i = 0; i < 1; i += 0.5) a[0] += i;\n}\n",
          "void f(double *a) {\n    int i;\n    for (i = 0; i < 3; i++) a[i] = 0;\n"
          "    { double i; for (i = 0; i < 1; i += 0.5) a[0] += i; }\n}\n")


def test_for_init_shadowing_outer_use_wraps_loop():
    check("int i;\nvoid f(int *a) {\n    for (int i = 0; i < 3; i++) a[i] = 0;\n    a[0] = i;\n}\n",
          "int i;\nvoid f(int *a) {\n    { int i; for (i = 0; i < 3; i++) a[i] = 0; }\n    a[0] = i;\n}\n")


def test_shadowing_plain_declaration_opens_block():
    check("int x;\nint f(void) {\n    int t = 1;\n    g(x);\n    int x = 2;\n    return t + x;\n}\n",
          "int x;\nint f(void) {\n    int t = 1;\n    g(x);\n    { int x = 2;\n    return t + x;\n    }\n}\n")


def test_outer_name_used_only_in_leading_initializer_still_hoists():
    # the hoisted declaration goes after the leading ones, so t still reads the global
    check("int x;\nint f(void) {\n    int t = x;\n    g();\n    int x = 2;\n    return t + x;\n}\n",
          "int x;\nint f(void) {\n    int t = x;\n    int x;\n    g();\n    x = 2;\n    return t + x;\n}\n")


def test_const_declaration_opens_block():
    check("int f(int n) {\n    g();\n    const int k = n;\n    return k;\n}\n",
          "int f(int n) {\n    g();\n    { const int k = n;\n    return k;\n    }\n}\n")


def test_constant_initializers_moved_whole():
    check("int f(void) {\n    g();\n    const int k = 3;\n    int a[2] = {1, 2};\n    return k + a[1];\n}\n",
          "int f(void) {\n    const int k = 3;\n    int a[2] = {1, 2};\n    g();\n    return k + a[1];\n}\n")


def test_static_local_never_split():
    check("int f(void) {\n    g();\n    static int calls = 0;\n    return ++calls;\n}\n",
          "int f(void) {\n    static int calls = 0;\n    g();\n    return ++calls;\n}\n")


def test_multiple_declarators_keep_order():
    check("int f(void) {\n    g();\n    int a = f(), b = a, *p = &b;\n    return *p;\n}\n",
          "int f(void) {\n    int a, b, *p;\n    g();\n    a = f(); b = a; p = &b;\n    return *p;\n}\n")


def test_earlier_declarator_referring_to_outer_name():
    # y = x must read the outer x, so x cannot be hoisted above it
    out = check("int x;\nint f(void) {\n    g();\n    int y = x, x = 2;\n    return x + y;\n}\n",
                "int x;\nint f(void) {\n    g();\n    { int y = x, x = 2;\n    return x + y;\n    }\n}\n")
    assert "{ int y = x" in out


def test_switch_case_declaration():
    check("int f(int c) {\n    switch (c) {\n    case 1:\n        g();\n        int e = c;\n        return e;\n    }\n    return 0;\n}\n",
          "int f(int c) {\n    switch (c) {\n    int e;\n    case 1:\n        g();\n        e = c;\n        return e;\n    }\n    return 0;\n}\n")


def test_goto_and_labels():
    check("int f(void) {\n    int n = 0;\nagain:\n    n++;\n    int sq = n * n;\n    if (sq < 9) goto again;\n    return sq;\n}\n",
          "int f(void) {\n    int n = 0;\n    int sq;\nagain:\n    n++;\n    sq = n * n;\n    if (sq < 9) goto again;\n    return sq;\n}\n")


def test_nested_blocks_all_fixed():
    out = check("void f(int n) {\n    if (n) {\n        g();\n        int a = n;\n        while (a) {\n            a--;\n            int b = a;\n            g();\n        }\n    }\n}\n",
                "void f(int n) {\n    if (n) {\n        int a;\n        g();\n        a = n;\n        while (a) {\n            int b;\n            a--;\n            b = a;\n            g();\n        }\n    }\n}\n")
    assert out.count("int b;") == 1


def test_nonconstant_struct_and_array_initializers():
    check("struct P { int x; int y; };\nvoid f(int a) {\n    struct P p = { a };\n    int v[3] = { a, a };\n    g(&p, v);\n}\n",
          "struct P { int x; int y; };\nvoid f(int a) {\n    struct P p;\n    int v[3];\n"
          "    p.x = a; p.y = 0;\n    v[0] = a; v[1] = a; v[2] = 0;\n    g(&p, v);\n}\n")


def test_designated_initializer_like_llama2c():
    check("typedef struct { char *str; int id; } T;\nint f(char *s) {\n    T tok = { .str = s }; // key\n    return tok.id;\n}\n",
          "typedef struct { char *str; int id; } T;\nint f(char *s) {\n    T tok;\n    tok.str = s; tok.id = 0; /* key */\n    return tok.id;\n}\n")


def test_pragma_stays_with_its_loop():
    out = check("void f(float *x, int n) {\n    int i;\n    #pragma omp parallel for private(i)\n    for (i = 0; i < n; i++) {\n        float v = 0.0f;\n        for (int j = 0; j < n; j++) v += x[j];\n        x[i] = v;\n    }\n}\n",
                "void f(float *x, int n) {\n    int i;\n    #pragma omp parallel for private(i)\n    for (i = 0; i < n; i++) {\n        float v = 0.0f;\n        int j;\n        for (j = 0; j < n; j++) v += x[j];\n        x[i] = v;\n    }\n}\n")
    assert "private(i)\n    for (i = 0" in out


def test_vla_is_an_error_with_location():
    with pytest.raises(ToolchainError) as ei:
        port("void f(int n) {\n    g();\n    int a[n];\n    a[0] = 1;\n}\n", "vla.c")
    d = ei.value.diagnostics[0]
    assert (d.path, d.line, d.col) == ("vla.c", 3, 9)
    assert ei.value.exit_code == 2


def test_nested_nonconstant_aggregate_is_an_error():
    with pytest.raises(ToolchainError) as ei:
        port("struct Q { int a[2]; };\nvoid f(int x) {\n    struct Q q = { { x, x } };\n    g(&q);\n}\n", "agg.c")
    assert ei.value.diagnostics[0].line == 3


def test_c89_blocks_untouched():
    src = "int f(int n) {\n    int a = n, b;\n    {\n        int c = a;\n        b = c;\n    }\n    return b;\n}\n"
    assert port(src) == src
