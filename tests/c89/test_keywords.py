"""keywords pass: restrict, inline, __func__, enum commas, bool normalisation."""

from toolchain.c89 import port_source

from .conftest import port


def check(src, expected):
    out = port(src)
    assert out == expected
    assert port(out) == out
    return out


def test_restrict_removed():
    check("void f(char *restrict d, const char * __restrict s, int a[restrict 4]);\n",
          "void f(char *d, const char * s, int a[4]);\n")


def test_static_and_extern_inline_lose_the_keyword():
    check("static inline int a(void) { return 1; }\nstatic __inline int b(void) { return 2; }\n"
          "extern inline int c(void) { return 3; }\n",
          "static int a(void) { return 1; }\nstatic int b(void) { return 2; }\n"
          "extern int c(void) { return 3; }\n")


def test_plain_inline_becomes_static_unless_declared_elsewhere():
    check("inline int a(void) { return 1; }\nint b(void);\ninline int b(void) { return 2; }\n",
          "static int a(void) { return 1; }\nint b(void);\nint b(void) { return 2; }\n")


def test_inline_in_macro_body_removed_with_warning():
    res = port_source("#define API inline\n#define SAPI static inline\nint x;\n", "m.c")
    assert res.text == "#define API\n#define SAPI static\nint x;\n"
    warns = [d for d in res.diagnostics if d.code == "keywords"]
    assert len(warns) == 1 and warns[0].line == 1 and "inline" in warns[0].message


def test_func_becomes_string_literal():
    check('const char *f(void) { return __func__; }\nint g(void) { return sizeof(__func__); }\n',
          'const char *f(void) { return "f"; }\nint g(void) { return sizeof("g"); }\n')


def test_func_in_macro_is_reported():
    res = port_source('#define WHERE __func__\nconst char *f(void) { return WHERE; }\n', "w.c")
    assert any(d.severity == "warning" and d.line == 1 and "__func__" in d.message
               for d in res.diagnostics)


def test_enum_trailing_comma():
    check("enum e { A, B, };\nenum { C = 1, /* last */ };\nint v[] = { 1, 2, };\n",
          "enum e { A, B };\nenum { C = 1 /* last */ };\nint v[] = { 1, 2, };\n")


def test_bool_normalisation_sites():
    src = ("#include <stdbool.h>\nstruct s { bool on; };\nvoid use(bool b);\n"
           "bool f(int n, struct s *p) {\n    bool a = n;\n    bool ok = n > 1;\n"
           "    p->on = n & 8;\n    a = ok;\n    use(n);\n    use(n == 2);\n"
           "    a = (bool)n;\n    return n;\n}\n")
    out = check(src, '#include "c89compat.h"\nstruct s { c89_bool on; };\nvoid use(c89_bool b);\n'
                "c89_bool f(int n, struct s *p) {\n    c89_bool a = !!(n);\n    c89_bool ok = n > 1;\n"
                "    p->on = !!(n & 8);\n    a = ok;\n    use(!!(n));\n    use(n == 2);\n"
                "    a = (c89_bool)!!(n);\n    return !!(n);\n}\n")
    assert out.count("!!") == 5


def test_bool_compound_assignment():
    check("void f(int n) {\n    _Bool b = 1;\n    b |= n;\n    b &= n;\n    b ^= n > 2;\n}\n",
          '#include "c89compat.h"\nvoid f(int n) {\n    c89_bool b = 1;\n    b |= !!(n);\n'
          "    b = !!(b & (n));\n    b ^= n > 2;\n}\n")


def test_bool_increment_reported():
    res = port_source("void f(void) {\n    _Bool b = 0;\n    b++;\n}\n", "i.c")
    assert any(d.severity == "warning" and "++" in d.message for d in res.diagnostics)


def test_int_named_bool_in_c89_code_untouched():
    src = "typedef int bool;\nbool f(int n) { bool b = n; return b; }\n"
    assert port(src) == src
