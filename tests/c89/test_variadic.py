"""Issue 13, item 3: variadic macros and empty macro arguments.

Variadic logging macros are the most common C99 feature of real projects.
When every expansion hands ``__VA_ARGS__`` to a printf-family call (also
through another variadic macro), the macro becomes a C89 function with
<stdarg.h> (v*printf) and the call sites stay as they are; any other
variadic macro is a precise error.  An empty macro argument (undefined in
C90) is converted where a safe form exists, else an error: never passed
through to fail under -pedantic-errors.
"""

from __future__ import annotations

import pytest

from .strict_build import assert_fixed_or_reported, assert_same_everywhere, have, port_tree

pytestmark = pytest.mark.skipif(not have("gcc"), reason="gcc is needed")

# the pattern of zstd's and lz4's command-line tools
DISPLAY = r"""#include <stdio.h>
static int g_level = 2;
#define DISPLAY(...) fprintf(stderr, __VA_ARGS__)
#define DISPLAYLEVEL(l, ...) if (g_level >= l) { DISPLAY(__VA_ARGS__); }
#define OUT(...) printf(__VA_ARGS__)
int main(void) {
    DISPLAY("a %d\n", 1);
    DISPLAYLEVEL(1, "b %s %d\n", "x", 2);
    DISPLAYLEVEL(3, "not shown\n");
    DISPLAYLEVEL(2, "plain\n");
    OUT("%s=%ld\n", "out", 7L);
    return 0;
}
"""


def test_printf_macros_become_functions_and_calls_stay(tmp_path):
    files = {"tool.c": DISPLAY}
    ported = port_tree(tmp_path, files)
    assert_same_everywhere(tmp_path, files, ported)
    text = (ported.out / "tool.c").read_text()
    for call in ('DISPLAY("a %d\\n", 1);', 'DISPLAYLEVEL(1, "b %s %d\\n", "x", 2);',
                 'OUT("%s=%ld\\n", "out", 7L);'):
        assert call in text, f"call site changed: {call}"
    assert "__VA_ARGS__" not in text and "..." in text   # a C89 variadic function


def test_log_macro_with_a_fixed_argument_first(tmp_path):
    files = {"log.c": r"""#include <stdio.h>
#include <stdarg.h>
#define LOG(tag, ...) do { printf("[%s] ", tag); printf(__VA_ARGS__); } while (0)
int main(void) {
    for (int i = 0; i < 2; i++) LOG("run", "i=%d of %d\n", i, 2);
    return 0;
}
"""}
    assert_same_everywhere(tmp_path, files, port_tree(tmp_path, files))


def test_variadic_macro_not_handed_to_printf_is_a_precise_error(tmp_path):
    ported = port_tree(tmp_path, {"arr.c": """static int sum(const int *v) { int s = 0; \
while (*v >= 0) s += *v++; return s; }
#define SUM(...) sum((const int[]){__VA_ARGS__, -1})
int main(void) { return SUM(1, 2, 3) - 6; }
"""})
    assert ported.status == 2
    assert "arr.c:2:" in ported.stderr and "error:" in ported.stderr and "SUM" in ported.stderr


@pytest.mark.parametrize("macro", [
    "#define LOG(...) /* no-op */",                      # heatshrink
    "#define LOG(...) {}",                                # lz4's DEBUGLOG when disabled
    "#define LOG(fmt, ...) printf(fmt, ##__VA_ARGS__)",   # GNU comma swallowing
    "#define LOG(...) ((void)0)",
], ids=["empty", "braces", "gnu-comma", "void-zero"])
def test_other_logging_macros_are_fixed_or_reported(tmp_path, macro):
    files = {"m.c": f"""#include <stdio.h>
{macro}
int main(void) {{
    LOG("x %d\\n", 1);
    LOG("y\\n");
    printf("done\\n");
    return 0;
}}
"""}
    assert_fixed_or_reported(tmp_path, files, "m.c:2")


@pytest.mark.parametrize("use", ["F(1, , 2)", "F(, 1, 2)", "G()"], ids=["middle", "first", "only"])
def test_empty_macro_argument_is_fixed_or_reported(tmp_path, use):
    files = {"e.c": f"""#include <stdio.h>
#define F(a, b, c) (a + b + c + 0)
#define G(a) (a 5)
int main(void) {{
    printf("%d\\n", {use});
    return 0;
}}
"""}
    assert_fixed_or_reported(tmp_path, files, "e.c:5")


def test_disabled_log_macro_of_lz4(tmp_path):
    # lz4's form: tested for before it is defined, '{}' when disabled, and
    # called without ';' (a compound statement needs none): an empty
    # function, a ';' after those calls, with a note on the arguments
    files = {"z.c": r"""#include <stdio.h>
#if defined(LZ4_DEBUG) && !defined(DEBUGLOG)
#  define DEBUGLOG(l, ...) { fprintf(stderr, __FILE__ " %i: ", __LINE__); }
#else
#  define DEBUGLOG(l, ...) {}    /* disabled */
#endif
static int twice(int x) {
    DEBUGLOG(5, "twice %d", x)
    DEBUGLOG(6, "no args")
    if (x > 2) DEBUGLOG(7, "big") else DEBUGLOG(7, "small")
    return 2 * x;
}
int main(void) { printf("%d\n", twice(3)); return 0; }
"""}
    ported = port_tree(tmp_path, files)
    assert_same_everywhere(tmp_path, files, ported)
    text = (ported.out / "z.c").read_text()
    assert "static void DEBUGLOG(int l, ...)" in text and "/* disabled */" in text
    assert 'DEBUGLOG(5, "twice %d", x);' in text and 'DEBUGLOG(7, "big"); else DEBUGLOG(7, "small");' in text
    assert "z.c:5:" in ported.stderr and "evaluates them" in ported.stderr


@pytest.mark.parametrize("body,words", [
    ('{ printf("%d: ", __LINE__); printf(__VA_ARGS__); }', "__LINE__"),
    ('do { if (!(c)) return; printf(__VA_ARGS__); } while (0)', "'return'"),
    ('printf("pre " __VA_ARGS__)', "by itself"),
    ('vprintf_like(__VA_ARGS__)', "printf-family"),
], ids=["line", "return", "pasted", "other-call"])
def test_variadic_macros_refused_say_why(tmp_path, body, words):
    ported = port_tree(tmp_path, {"r.c": f"""#include <stdio.h>
void vprintf_like(const char *f, ...);
#define CHECK(c, ...) {body}
void f(int x) {{ CHECK(x, "x=%d\\n", x); }}
"""})
    assert ported.status == 2 and "r.c:3:" in ported.stderr and words in ported.stderr, \
        ported.stderr


def test_argument_type_not_told_is_an_error(tmp_path):
    ported = port_tree(tmp_path, {"t.c": """#include <stdio.h>
#define LOGL(lvl, ...) do { if (lvl > 1) printf(__VA_ARGS__); } while (0)
void f(int level) { LOGL(level + 1, "x\\n"); }
"""})
    assert ported.status == 2 and "t.c:2:" in ported.stderr and "'lvl'" in ported.stderr


def test_parameter_types_from_the_names_given(tmp_path):
    # a name's declarations in the calling function (or at file scope) give
    # the parameter's type; an array is passed as a pointer
    files = {"n.c": r"""#include <stdio.h>
#define S(b, ...) snprintf(b, 10, __VA_ARGS__)
#define LOGL(lvl, tag, ...) do { if (lvl > 1) { printf("%s: ", tag); printf(__VA_ARGS__); } } while (0)
static const char *g_tag = "main";
int main(void) {
    char b[20];
    int level = 2;
    S(b, "%d", 5);
    LOGL(level, g_tag, "%s\n", b);
    LOGL(3, "lit", "%d\n", 3);
    return 0;
}
"""}
    ported = port_tree(tmp_path, files)
    assert_same_everywhere(tmp_path, files, ported)
    text = (ported.out / "n.c").read_text()
    assert "static int S(char *b, const char *c89va_fmt, ...)" in text
    assert "static void LOGL(int lvl, const char *tag, const char *c89va_fmt, ...)" in text


def test_macro_naming_a_variable_declared_after_it(tmp_path):
    # zstd's order: the level variable comes after the macros; the function
    # is declared where the #define was and defined after the variable
    files = {"v.c": r"""#include <stdio.h>
#define DISPLAY(...) fprintf(stderr, __VA_ARGS__)
#define DISPLAYLEVEL(l, ...) { if (g_displayLevel >= l) { DISPLAY(__VA_ARGS__); } }
static int g_displayLevel = 2;   /* set by -v */
static void hello(void) { DISPLAYLEVEL(1, "hello %d\n", 1); }
int main(void) {
    hello();
    DISPLAYLEVEL(3, "no\n");
    DISPLAY("%s\n", "end");
    return 0;
}
"""}
    ported = port_tree(tmp_path, files)
    assert_same_everywhere(tmp_path, files, ported)
    text = (ported.out / "v.c").read_text()
    assert text.index("static void DISPLAYLEVEL(int l, const char *c89va_fmt, ...);") \
        < text.index("static int g_displayLevel = 2;   /* set by -v */\n") \
        < text.index("static void DISPLAYLEVEL(int l, const char *c89va_fmt, ...)\n{")


def test_variadic_macro_defined_inside_a_function_is_an_error(tmp_path):
    ported = port_tree(tmp_path, {"i.c": """#include <stdio.h>
int main(void) {
#define SAY(...) printf(__VA_ARGS__)
    SAY("%d\\n", 1);
    return 0;
}
"""})
    assert ported.status == 2 and "i.c:3:" in ported.stderr and "inside a function" in ported.stderr


def test_calls_without_empty_arguments_are_fine(tmp_path):
    # no parameters: "()" is no argument; a dropped branch is not C89's business
    files = {"f.c": """#include <stdio.h>
#define ZERO() 0
#define ADD(a, b) ((a) + (b))
int main(void) {
#ifdef NEVER
    printf("%d\\n", ADD(1, ));
#endif
    printf("%d\\n", ADD(ZERO(), (2, 3)));
    return 0;
}
"""}
    ported = port_tree(tmp_path, files)
    assert ported.status == 0 and "macro_args" not in ported.stderr, ported.stderr


def test_empty_argument_error_names_the_parameter(tmp_path):
    ported = port_tree(tmp_path, {"g.c": "#define CAT(a, b) a##b\nint CAT(, x) = 1;\n"})
    assert ported.status == 2 and "g.c:2:5: error: empty argument for 'a'" in ported.stderr


@pytest.mark.parametrize("macro,head", [
    ("#define LOG(...) /* no-op */", "static void LOG(const char *c89va_first, ...)"),
    ("#define LOG(...) {}", "static void LOG(const char *c89va_first, ...)"),
    ("#define LOG(fmt, ...) printf(fmt, ##__VA_ARGS__)", "static int LOG(const char *fmt, ...)"),
    ("#define LOG(...) ((void)0)", "static void LOG(const char *c89va_first, ...)"),
], ids=["empty", "braces", "gnu-comma", "void-zero"])
def test_logging_macros_are_converted(tmp_path, macro, head):
    ported = port_tree(tmp_path, {"m.c": f"""#include <stdio.h>
{macro}
int main(void) {{ LOG("x %d\\n", 1); LOG("y\\n"); return 0; }}
"""})
    assert ported.status == 0, ported.stderr
    assert head in (ported.out / "m.c").read_text()


@pytest.mark.parametrize("use,want", [
    ("F(1, , 2)", "F(1, 0, 2)"), ("F(, 1, 2)", "F(0, 1, 2)"), ("H(3, )", None), ("G()", None),
], ids=["middle", "first", "difference", "only"])
def test_empty_argument_becomes_0_only_in_a_sum(tmp_path, use, want):
    # 1 + + 2 is 1 + 0 + 2; 3 - + 1 is not 3 - 0 + 1, nor is ( 5) (0 5)
    ported = port_tree(tmp_path, {"e.c": f"""#define F(a, b, c) (a + b + c + 0)
#define G(a) (a 5)
#define H(a, b) (a - b + 1)
int v = {use};
"""})
    if want is None:
        assert ported.status == 2 and "e.c:4:9: error: empty argument" in ported.stderr
    else:
        assert ported.status == 0, ported.stderr
        assert f"int v = {want};" in (ported.out / "e.c").read_text()
