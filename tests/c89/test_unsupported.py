"""unsupported pass: what has no safe C89 rewrite is reported, never left silently."""

import pytest

from toolchain.c89 import port_source
from toolchain.diag import ToolchainError

from .conftest import port


def errors_of(src, path="u.c", **kw):
    with pytest.raises(ToolchainError) as ei:
        port_source(src, path, **kw)
    assert ei.value.exit_code == 2
    return ei.value.diagnostics


@pytest.mark.parametrize("src,line,col,words", [
    ("double h = 0x1.8p3;\n", 1, 12, "write it in decimal (12.0)"),
    ("struct b { int n; char d[]; };\n", 1, 24, "flexible array member 'd'"),
    ("int f(int n, float a[n][n]) { return 0; }\n", 1, 20, "variable-length array type"),
    ("double _Complex z;\n", 1, 8, "complex"),
    ("#include <complex.h>\nint x;\n", 1, 1, "<complex.h>"),
    ("_Static_assert(1, \"x\");\n", 1, 1, "_Static_assert"),
    ("#include <math.h>\nfloat f(float x) { return cbrtf(x); }\n", 2, 27, "'cbrtf'"),
    ("#include <math.h>\nlong double f(long double x) { return sqrtl(x); }\n", 2, 39, "'sqrtl'"),
    ("#include <math.h>\nint f(double x) { return isfinite(x); }\n", 2, 26, "'isfinite'"),
])
def test_reported_as_error_at_the_original_place(src, line, col, words):
    d = errors_of(src)[0]
    assert (d.path, d.line, d.col, d.severity, d.code) == ("u.c", line, col, "error", "unsupported")
    assert words in d.message


def test_printf_variadic_macro_is_converted_and_others_are_errors():
    # issue 13 (3): the variadic pass makes a printf-style macro a function
    # (tests/c89/test_variadic.py builds and runs them); any other variadic
    # macro is an error at the macro, from that pass
    res = port_source("#include <stdio.h>\n#define LOG(f, ...) printf(f, __VA_ARGS__)\nint x;\n",
                      "u.c")
    assert "static int LOG(const char *f, ...)" in res.text and "__VA_ARGS__" not in res.text
    d = errors_of("#define PAIR(...) { __VA_ARGS__ }\nint x[2] = PAIR(1, 2);\n")[0]
    assert (d.line, d.col, d.severity, d.code) == (1, 9, "error", "variadic")
    assert "variadic macro 'PAIR'" in d.message


def test_user_function_of_a_c99_name_is_fine():
    src = "static double round(double x) { return x; }\ndouble g(double v) { return round(v); }\n"
    assert port(src) == src


def test_inactive_branch_is_warned_and_named():
    src = ("struct P { int x; };\n#ifdef FAST\nint g(void) { for (int i = 0; i < 3; i++) ; return 0; }\n"
           "struct P p = { .x = 1 };\n#else\nint g(void) { return 1; }\n#endif\n")
    res = port_source(src, "i.c")
    warns = [d for d in res.diagnostics if d.code == "inactive"]
    assert [(d.line, d.severity) for d in warns] == [(3, "warning"), (4, "warning")]
    assert "no -D flags" in warns[0].message
    res2 = port_source(src, "i.c", defines=["FAST"])
    assert "int i;" in res2.text and "{ 1 }" in res2.text
    assert not [d for d in res2.diagnostics if d.code == "inactive"]


def test_macro_bodies_converted_or_reported():
    src = ("#include <math.h>\n#include <stdio.h>\n#define SQ(x) sqrtf(x) // root\n"
           "#define BIG 10000000000LL\n#define SHOW(v) printf(\"%lld\\n\", (long long)(v))\n"
           "#define LOOP(n) for (int i = 0; i < (n); i++)\nfloat f(float v) { SHOW(v); return SQ(v) + BIG; }\n")
    res = port_source(src, "m.c")
    assert "#define SQ(x) ((float)sqrt(x)) /* root */" in res.text
    assert "#define BIG C89_I64_HL(0x2, 0x540BE400)" in res.text
    assert 'printf("%" C89_PRId64 "\\n", (c89_int64_t)(v))' in res.text
    assert any(d.code == "unsupported" and "macro body" in d.message for d in res.diagnostics)


def test_macro_used_in_if_keeps_its_literal_with_warning():
    src = "#define BIG 10000000000LL\n#if BIG > 1\nint x = 1;\n#endif\n"
    res = port_source(src, "m.c")
    assert "#define BIG 10000000000LL" in res.text
    assert any("used in #if" in d.message for d in res.diagnostics)


def test_enumerator_comma_written_by_a_macro_is_an_error_where_the_list_ends():
    src = ("#define COLORS(X) X(RED) X(GREEN)\n#define AS_ENUM(n) n,\n"
           "enum a { COLORS(AS_ENUM) };\nenum b {\n    COLORS(AS_ENUM)\n};\n"
           "#define B(n) B_##n,\nenum c { COLORS(B) B_LAST };\n")
    with pytest.raises(ToolchainError) as ei:
        port_source(src, "x.c")
    assert [(d.line, d.code) for d in ei.value.diagnostics] == [(3, "unsupported"),
                                                                 (5, "unsupported")]


def test_anonymous_struct_member_is_an_error():
    with pytest.raises(ToolchainError) as ei:
        port_source("struct v {\n    int k;\n    struct { int x, y; };\n    int : 3;\n};\n", "a.c")
    assert [(d.line, d.code) for d in ei.value.diagnostics] == [(3, "unsupported")]
