import subprocess

import pytest

from support.cflags import GCC_C89
from toolchain.c89 import port_source
from toolchain.diag import ToolchainError

from .conftest import have, port


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


def test_nested_nonconstant_aggregate_becomes_member_assignments():
    check("struct Q { int a[2]; };\nvoid f(int x) {\n    struct Q q = { { x, x } };\n    g(&q);\n}\n",
          "struct Q { int a[2]; };\nvoid f(int x) {\n    struct Q q;\n    q.a[0] = x; q.a[1] = x;\n    g(&q);\n}\n")


def test_c89_blocks_untouched():
    src = "int f(int n) {\n    int a = n, b;\n    {\n        int c = a;\n        b = c;\n    }\n    return b;\n}\n"
    assert port(src) == src


# -- address constants (csmith: int * const p[2] = {&g, &g};) ----------------------

def test_address_constants_moved_whole_not_assigned():
    # &g of a file-scope object is an address constant: no p[0] = &g; on const elements
    check("int g;\nint f(void) {\n    g = 1;\n    int * const p[2] = {&g, &g};\n    return *p[0];\n}\n",
          "int g;\nint f(void) {\n    int * const p[2] = {&g, &g};\n    g = 1;\n    return *p[0];\n}\n")


def test_other_address_constants():
    check("struct S { int a, b; } gs;\nint arr[5];\nstatic int h(void) { return 3; }\n"
          "int f(int x) {\n    static int sl;\n    x++;\n"
          "    int *q[5] = {&gs.b, &arr[3], arr + 1, (int *)0, &sl};\n"
          "    int (*fp[1])(void) = {h};\n    const char *s[1] = {\"hi\"};\n"
          "    return *q[0] + fp[0]() + s[0][0] + x;\n}\n",
          "struct S { int a, b; } gs;\nint arr[5];\nstatic int h(void) { return 3; }\n"
          "int f(int x) {\n    static int sl;\n"
          "    int *q[5] = {&gs.b, &arr[3], arr + 1, (int *)0, &sl};\n"
          "    int (*fp[1])(void) = {h};\n    const char *s[1] = {\"hi\"};\n    x++;\n"
          "    return *q[0] + fp[0]() + s[0][0] + x;\n}\n")


def test_addresses_of_automatic_objects_are_not_constant():
    # x is a parameter; the parameter g hides the global g; gp is a pointer, not an array
    check("int g;\nint *gp;\nint f(int x, int g) {\n    x++;\n    int *q[3] = {&x, &g, &gp[1]};\n"
          "    return *q[0];\n}\n",
          "int g;\nint *gp;\nint f(int x, int g) {\n    int *q[3];\n    x++;\n"
          "    q[0] = &x; q[1] = &g; q[2] = &gp[1];\n    return *q[0];\n}\n")


def test_global_scalar_value_is_not_constant():
    check("int g;\nint f(void) {\n    g++;\n    int a[1] = {g};\n    return a[0];\n}\n",
          "int g;\nint f(void) {\n    int a[1];\n    g++;\n    a[0] = g;\n    return a[0];\n}\n")


@pytest.mark.parametrize("decl, col", [
    ("int * const q[2] = {&x, &x};", 17),
    ("const int v[2] = {x, 1};", 15),
    ("struct C c = {x};", 14),
])
def test_const_aggregate_with_nonconstant_initializer_is_an_error(decl, col):
    src = ("struct C { const int k; };\nint f(int x) {\n    x++;\n    " + decl +
           "\n    return x;\n}\n")
    with pytest.raises(ToolchainError) as ei:
        port(src, "ca.c")
    d = ei.value.diagnostics[0]
    assert ei.value.exit_code == 2
    assert (d.path, d.line, d.col) == ("ca.c", 4, col)
    assert d.message.startswith("cannot convert safely: const aggregate with non-constant "
                                "initializer")


def test_const_aggregate_error_also_at_block_start():
    with pytest.raises(ToolchainError) as ei:
        port("int f(int x) {\n    int * const q[1] = {&x};\n    return *q[0];\n}\n", "cb.c")
    assert (ei.value.diagnostics[0].line, ei.value.diagnostics[0].col) == (2, 17)


# -- declarations written by macros ---------------------------------------------------

def test_macro_block_with_leading_declaration_untouched():
    src = ("#define SWAP(a, b) { int t_ = a; a = b; b = t_; }\nvoid f(int *x, int *y)\n{\n"
           "    (*x)++;\n    SWAP(*x, *y);\n}\n")
    assert check(src, src)


def test_macro_static_assert_untouched():
    src = ("#define STATIC_ASSERT(c) { enum { static_assert_ = 1 / (int)(!!(c)) }; }\n"
           "int g(int a)\n{\n    STATIC_ASSERT(sizeof(int) >= 2);\n    return a + 1;\n}\n")
    assert check(src, src)


def test_do_while_macro_like_argon2_untouched():
    src = ("#include <string.h>\n"
           "#define CC(prefix) \\\n    do { \\\n        size_t cc_len = strlen(prefix); \\\n"
           "        if (strncmp(str, prefix, cc_len) != 0) return -1; \\\n"
           "        str += cc_len; \\\n    } while ((void)0, 0)\n"
           "int dec(const char *str) {\n    int n = 0;\n    CC(\"$\");\n    n++;\n    CC(\"$v=\");\n"
           "    return n;\n}\n")
    assert check(src, src)


def test_macro_declaration_after_statement_opens_block_at_invocation():
    check("#define DECL_LEN(x) int len_ = (x)\nint k(int a)\n{\n    a++;\n    DECL_LEN(a * 2);\n"
          "    return len_;\n}\n",
          "#define DECL_LEN(x) int len_ = (x)\nint k(int a)\n{\n    a++;\n    { DECL_LEN(a * 2);\n"
          "    return len_;\n    }\n}\n")


def test_macro_taking_the_declared_name_as_argument():
    # v is spelled in the original text, but only as a macro argument
    check("#define DECL(t, n) t n = 0\nint k(int a)\n{\n    a++;\n    DECL(int, v);\n"
          "    return v + a;\n}\n",
          "#define DECL(t, n) t n = 0\nint k(int a)\n{\n    a++;\n    { DECL(int, v);\n"
          "    return v + a;\n    }\n}\n")


def test_scalar_initializer_from_macro_is_split():
    check("#define TWICE(x) ((x) * 2)\nint k(int a)\n{\n    a++;\n    int n = TWICE(a);\n"
          "    return n;\n}\n",
          "#define TWICE(x) ((x) * 2)\nint k(int a)\n{\n    int n;\n    a++;\n    n = TWICE(a);\n"
          "    return n;\n}\n")


def test_constant_braced_initializer_from_macro_moved_whole():
    check("typedef struct { char *p; int n; } buf;\n#define BUF_INIT { 0, 0 }\nint h(int a)\n{\n"
          "    a++;\n    buf b = BUF_INIT;\n    return a + b.n;\n}\n",
          "typedef struct { char *p; int n; } buf;\n#define BUF_INIT { 0, 0 }\nint h(int a)\n{\n"
          "    buf b = BUF_INIT;\n    a++;\n    return a + b.n;\n}\n")


MACRO_INIT_PROGRAM = """#include <stdio.h>
typedef struct { int *mem; int n; char *p; } buf;
static char initbuf[1];
#define BUF_INIT(m) {(m), 0, initbuf}
static int f(int *mem)
{
    buf b = BUF_INIT(mem);
    int k = 2;
    k++;
    buf c = BUF_INIT(&k);
    return b.n + *c.mem + (b.p == initbuf) + *b.mem;
}
int main(void) { int z = 5; printf("%d\\n", f(&z)); return 0; }
"""


def test_nonconstant_braced_initializer_from_macro_is_expanded(tmp_path):
    # C89 takes no such list, and only written-out elements can become
    # assignments: the invocation is replaced by what the preprocessor made of it
    res = port_source(MACRO_INIT_PROGRAM, "m.c")
    assert res.text == MACRO_INIT_PROGRAM.replace(
        "    buf b = BUF_INIT(mem);\n    int k = 2;\n    k++;\n    buf c = BUF_INIT(&k);\n",
        "    buf b;\n    int k;\n    buf c;\n    b.mem = mem; b.n = 0; b.p = initbuf;\n"
        "    k = 2;\n    k++;\n    c.mem = &k; c.n = 0; c.p = initbuf;\n")
    notes = [(d.line, d.col, d.severity) for d in res.diagnostics]
    assert notes == [(7, 13, "note"), (10, 13, "note")]
    assert "macro 'BUF_INIT' expanded in the initializer of 'b'" in res.diagnostics[0].message
    assert port_source(res.text, "m.c").text == res.text
    if not have("gcc"):
        pytest.skip("gcc is needed to build the port")
    _behaves_the_same(tmp_path, MACRO_INIT_PROGRAM, res.text, [[]])


def test_declaration_after_statement_inside_macro_block_names_the_macro():
    src = ("#define BAD(a) do { a++; int t_ = a; a = t_; } while (0)\nvoid f(int x)\n{\n"
           "    x++;\n    BAD(x);\n}\n")
    with pytest.raises(ToolchainError) as ei:
        port(src, "bad.c")
    d = ei.value.diagnostics[0]
    assert ei.value.exit_code == 2 and d.line == 5
    assert "macro 'BAD'" in d.message and "produced by a macro?" not in d.message


def test_for_declaration_from_macro_names_the_macro():
    src = ("#define EACH(i, n) for (int i = 0; i < (n); i++)\nint f(int *a)\n{\n"
           "    int s = 0;\n    a[0] = 1;\n    EACH(k, 3) s += a[k];\n    return s;\n}\n")
    with pytest.raises(ToolchainError) as ei:
        port(src, "each.c")
    assert "macro 'EACH'" in ei.value.diagnostics[0].message


# -- declarations in #if branches (BLAKE3's get_cpu_features) ------------------------
# A block opened for a declaration in an #if branch must close in that branch: then
# its braces balance whichever branch the preprocessor keeps.

STRICT = GCC_C89[1:]    # the flags of the strict gcc command line

BRANCH_PROGRAM = """#include <stdio.h>

int twice(int v) { return 2 * v; }

static int f(int n)
{
    int r = n;
    r++;
#ifdef X
    r += twice(r);
    const int k = r * 3;
    r -= k / 2;
TAIL
    return r;
}

int main(void)
{
    printf("%d %d\\n", f(5), f(-2));
    return 0;
}
"""


def _output(tmp_path, name, text, flags):
    src = tmp_path / f"{name}.c"
    src.write_text(text)
    exe = tmp_path / name
    proc = subprocess.run(["gcc", *flags, str(src), "-o", str(exe)], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, f"gcc {' '.join(flags)}\n{proc.stderr}"
    run = subprocess.run([str(exe)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    return run.stdout


def _behaves_the_same(tmp_path, src, ported, configs):
    """The port builds as strict C89 and prints what the original prints,
    in every configuration (list of -D names), not only the one ported."""
    for k, defines in enumerate(configs):
        flags = [f"-D{d}" for d in defines]
        want = _output(tmp_path, f"orig{k}", src, ["-std=gnu99", "-w", *flags])
        assert _output(tmp_path, f"port{k}", ported, STRICT + flags) == want, defines


@pytest.mark.parametrize("tail, configs", [
    ("#endif", [[], ["X"]]),
    ("#else\n    r *= 7;\n#endif", [[], ["X"]]),
    ("#elif defined(Y)\n    r -= 1;\n#endif", [[], ["X"], ["Y"]]),
], ids=["endif", "else", "elif"])
def test_block_opened_in_an_ifdef_closes_before_the_branch_ends(tail, configs, tmp_path):
    src = BRANCH_PROGRAM.replace("TAIL", tail)
    out = port(src, "br.c", defines=["X"])
    end = tail.split()[0]
    assert out == src.replace("    const int k = r * 3;\n    r -= k / 2;\n" + end,
                              "    { const int k = r * 3;\n    r -= k / 2;\n    }\n" + end)
    assert port(out, "br.c", defines=["X"]) == out  # fixed point
    if not have("gcc"):
        pytest.skip("gcc is needed to build the port")
    _behaves_the_same(tmp_path, src, out, configs)


def test_shadowing_declaration_in_an_ifdef_closes_before_the_endif(tmp_path):
    # scale is used earlier in the block (the global): hoisting would capture it
    src = ("#include <stdio.h>\nint scale = 3;\nstatic int f(int n)\n{\n    n += scale;\n"
           "#ifdef X\n    n++;\n    int scale = n % 5;\n    n *= scale;\n#endif\n"
           "    return n;\n}\n"
           "int main(void)\n{\n    printf(\"%d\\n\", f(4));\n    return 0;\n}\n")
    out = port(src, "sh.c", defines=["X"])
    assert out == src.replace("    int scale = n % 5;\n    n *= scale;\n#endif",
                              "    { int scale = n % 5;\n    n *= scale;\n    }\n#endif")
    res = port_source(src, "sh.c", defines=["X"])
    assert [(d.severity, d.line, d.message) for d in res.diagnostics] == [
        ("note", 8, "declaration of 'scale' wrapped in a new block ending before the '#endif' "
                    "at line 10 (hoisting it would change meaning)")]
    if not have("gcc"):
        pytest.skip("gcc is needed to build the port")
    _behaves_the_same(tmp_path, src, out, [[], ["X"]])


def test_nested_branches_and_other_directives():
    # the innermost branch holding the declaration counts; #define/#undef do not
    src = ("int f(int n)\n{\n    n++;\n#if N > 1\n    n--;\n#ifdef X\n#define T(v) ((v) * 2)\n"
           "    n *= 3;\n    const int k = T(n);\n#undef T\n    n += k;\n#endif\n"
           "    n++;\n#endif\n    return n;\n}\n")
    kw = dict(defines=["X", "N=2"])
    out = port(src, "nb.c", **kw)
    assert out == src.replace("    n += k;\n#endif", "    n += k;\n    }\n#endif") \
        .replace("    const int k", "    { const int k")
    assert port(out, "nb.c", **kw) == out


def test_other_branches_of_the_conditional_may_use_the_name():
    # the #else branch is never kept together with the #ifdef one
    src = ("int f(int n)\n{\n    n++;\n#ifdef X\n    const int k = n * 2;\n    n += k;\n"
           "#else\n    {\n        const int k = n;\n        n -= k;\n    }\n#endif\n"
           "    return n;\n}\n")
    assert port(src, "ob.c", defines=["X"]) == src.replace(
        "    const int k = n * 2;\n    n += k;\n#else",
        "    { const int k = n * 2;\n    n += k;\n    }\n#else")


@pytest.mark.parametrize("src, line, col, problem", [
    # the name is used after the #endif (declared in both branches)
    ("int f(int n)\n{\n    n++;\n#ifdef X\n    const int k = n * 2;\n#else\n"
     "    const int k = n;\n#endif\n    return k;\n}\n",
     5, 15, "'k' is used after that line (line 9)"),
    # used by a macro expansion after the #endif (the global k)
    ("#define KK (k + 1)\nint k;\nint f(int n)\n{\n    n++;\n#ifdef X\n"
     "    const int k = n * 2;\n    n += k;\n#endif\n    return KK;\n}\n",
     7, 15, "'k' is used after that line (line 10, in a macro expansion)"),
    # the #else cuts an if statement in two
    ("int f(int n)\n{\n    n++;\n#ifdef X\n    const int k = n * 2;\n    if (k) n = 1;\n"
     "#else\n    if (n) n = 2;\n#endif\n    else n = 3;\n    return n;\n}\n",
     5, 15, "the '#else' at line 7 is inside a statement"),
], ids=["used-after", "macro-use", "cut-if"])
def test_declaration_in_an_ifdef_that_cannot_be_wrapped_is_an_error(src, line, col, problem):
    with pytest.raises(ToolchainError) as ei:
        port(src, "un.c", defines=["X"])
    assert ei.value.exit_code == 2
    d = ei.value.diagnostics[0]
    assert (d.path, d.line, d.col, d.severity) == ("un.c", line, col, "error")
    assert d.message.startswith("cannot move the declaration of 'k': not to the start of its "
                                "block (hoisting it would change meaning), nor into a new block")
    assert "so that its braces stay in the preprocessor branch holding the declaration" \
        in d.message
    assert f"but {problem}; rewrite it by hand" in d.message
    assert "open a block just before the '#ifdef' at line" in d.message


def test_conditional_elsewhere_in_the_block_keeps_closing_at_its_end():
    src = ("int f(int n)\n{\n    n++;\n    const int k = n * 2;\n#ifdef X\n    n += k;\n"
           "#endif\n    return n + k;\n}\n")
    check(src, src.replace("    const int k", "    { const int k")
          .replace("    return n + k;\n}", "    return n + k;\n    }\n}"))


def test_branch_opened_before_the_block_keeps_closing_at_its_end():
    # not inside the block: the braces go where they went before
    src = ("int f(int n)\n{\n    n++;\n#ifdef X\n    const int k = n * 2;\n    return k;\n}\n"
           "#else\n    return n;\n}\n#endif\n")
    out = port(src, "bo.c", defines=["X"])
    assert out == src.replace("    const int k", "    { const int k") \
        .replace("    return k;\n}", "    return k;\n    }\n}")


# the leading declarations end in an #ifdef that does not hold the declaration:
# the hoisted line must not land in that branch (configurations without it break)

LEADING_IFDEF_PROGRAM = """#include <stdio.h>

static int f(int n)
{
    int a = n;
#ifdef DEBUG
    int dbg = 1;
#else
    int dbg = 0;
#endif /* DEBUG */
    a += dbg;
    int c = a * 2;
    for (int i = 0; i < 3; i++) c += i;
    return c;
}

int main(void)
{
    printf("%d\\n", f(4));
    return 0;
}
"""


def test_hoisted_after_the_endif_of_the_leading_declarations(tmp_path):
    want = LEADING_IFDEF_PROGRAM.replace(
        "#endif /* DEBUG */\n    a += dbg;\n    int c = a * 2;\n    for (int i = 0;",
        "#endif /* DEBUG */\n    int c;\n    int i;\n    a += dbg;\n    c = a * 2;\n"
        "    for (i = 0;")
    for defines in ([], ["DEBUG"]):  # the same port from either configuration
        out = port(LEADING_IFDEF_PROGRAM, "li.c", defines=defines)
        assert out == want, defines
        assert port(out, "li.c", defines=defines) == out
    if not have("gcc"):
        pytest.skip("gcc is needed to build the port")
    _behaves_the_same(tmp_path, LEADING_IFDEF_PROGRAM, want, [[], ["DEBUG"]])


def test_leading_declarations_ending_in_a_branch_with_statements_wrap(tmp_path):
    # a statement follows the last leading declaration inside the #ifdef: no
    # place holds the hoisted line in every configuration, so the block is wrapped
    src = LEADING_IFDEF_PROGRAM.replace("    int dbg = 1;\n", "    int dbg = 1;\n    a--;\n")
    res = port_source(src, "lw.c", defines=["DEBUG"])
    assert res.text == src.replace(
        "    int c = a * 2;\n    for (int i = 0; i < 3; i++) c += i;\n    return c;\n}",
        "    { int c = a * 2;\n        int i;\n    for (i = 0; i < 3; i++) c += i;\n"
        "    return c;\n    }\n}")
    notes = [d.message for d in res.diagnostics if d.severity == "note"]
    assert "declaration of 'c' wrapped in a new block (the block's leading declarations end " \
           "in a preprocessor branch that does not hold it)" in notes
    if not have("gcc"):
        pytest.skip("gcc is needed to build the port")
    _behaves_the_same(tmp_path, src, res.text, [[], ["DEBUG"]])


def test_for_loop_wrap_across_branches_is_an_error():
    # the wrapped loop would need "{" outside the #ifdef and "}" inside it
    src = ("int g(int);\nint i;\nint f(int n)\n{\n    for (int i = 0; i < n; i++)\n#ifdef X\n"
           "        g(i);\n#else\n        g(-i);\n#endif\n    return i;\n}\n")
    with pytest.raises(ToolchainError) as ei:
        port(src, "fl.c", defines=["X"])
    d = ei.value.diagnostics[0]
    assert (ei.value.exit_code, d.line, d.col) == (2, 5, 5)
    assert d.message.startswith("cannot wrap the for-loop declaring 'i' in a block")
    assert "the loop ends in another preprocessor branch than the one it starts in" in d.message


# -- a declaration in an #if branch is not hoisted out of it ------------------------
# Hoisted out, it would be an unused (or unknown, or clashing) declaration in the
# configurations without the branch.  When it is the first code in its branch, a new
# block opens before the #if line and closes with the enclosing block; otherwise the
# block opened at the declaration closes at the branch's end (see above).

def _port_configs(src, name, configs):
    from toolchain.c89 import port_configs
    return port_configs(src, name, configs).text


FIRST_IN_BRANCH_PROGRAM = """#include <stdio.h>

static void g(void) { puts("g"); }

static int f(void)
{
    g();
#ifdef X
    int a = 1;
    printf("%d\\n", a);
#else
    double a = 2.5;
    printf("%g\\n", a);
#endif
    return 0;
}

int main(void)
{
    return f();
}
"""


@pytest.mark.parametrize("configs", [[["X"], []], [[], ["X"]], [["X"]], [[]]],
                         ids=["X-then-plain", "plain-then-X", "X-alone", "plain-alone"])
def test_declaration_first_in_its_branch_opens_a_block_before_the_if(configs, tmp_path):
    src = FIRST_IN_BRANCH_PROGRAM
    out = _port_configs(src, "fb.c", configs)
    assert out == src.replace("    g();\n#ifdef X\n", "    g();\n    {\n#ifdef X\n").replace(
        "#endif\n    return 0;\n}", "#endif\n    return 0;\n    }\n}")
    for cfg in configs:
        assert port(out, "fb.c", defines=cfg) == out  # fixed point
    res = port_source(src, "fb.c", defines=configs[0])
    assert [(d.severity, d.message) for d in res.diagnostics] == [
        ("note", "declaration of 'a' wrapped in a new block opened before the '#ifdef' at "
                 "line 8 (hoisting it would take it out of the preprocessor branch holding it)")]
    if not have("gcc"):
        pytest.skip("gcc is needed to build the port")
    _behaves_the_same(tmp_path, src, out, [[], ["X"]])


def test_name_declared_in_every_branch_used_after_the_endif(tmp_path):
    # the common pattern: each configuration declares the name, code after uses it
    src = ("#include <stdio.h>\nstatic long f(int n)\n{\n    n++;\n  #if defined(X)\n"
           "    int a = n * 2;\n  #elif defined(Y)\n    /* wide */\n    long a = n * 3L;\n"
           "  #else\n    short a = (short)(n - 1);\n  #endif\n    n += 4;\n"
           "    long b = a + n;\n    printf(\"%ld\\n\", (long)a);\n    return b;\n}\n"
           "int main(void)\n{\n    printf(\"%ld\\n\", f(3));\n    return 0;\n}\n")
    configs = [["X"], ["Y"], []]
    out = _port_configs(src, "ua.c", configs)
    # b, after the #endif, is hoisted to the start of the enclosing block as usual
    assert out == src.replace("    n++;\n  #if", "    long b;\n    n++;\n    {\n  #if").replace(
        "    long b = a + n;\n", "    b = a + n;\n"
    ).replace("    return b;\n}", "    return b;\n    }\n}")
    for cfg in configs:
        assert port(out, "ua.c", defines=cfg) == out
    if not have("gcc"):
        pytest.skip("gcc is needed to build the port")
    _behaves_the_same(tmp_path, src, out, configs)


def test_statement_before_the_declaration_in_its_branch_wraps_to_the_branch_end(tmp_path):
    # the #ifdef branch starts with a statement: its block closes before the #else; the
    # #else branch starts with its declaration: a block opens before the #ifdef
    src = ("#include <stdio.h>\nstatic int f(int n)\n{\n    n++;\n#ifdef X\n    n *= 3;\n"
           "    int a = n * 2;\n    printf(\"%d\\n\", a);\n#else\n    int a = n - 1;\n"
           "    printf(\"%d\\n\", a);\n#endif\n    return n;\n}\n"
           "int main(void)\n{\n    printf(\"%d\\n\", f(3));\n    return 0;\n}\n")
    wrapped = src.replace("    int a = n * 2;\n    printf(\"%d\\n\", a);\n#else",
                          "    { int a = n * 2;\n    printf(\"%d\\n\", a);\n    }\n#else")
    res = port_source(src, "sb.c", defines=["X"])
    assert res.text == wrapped
    assert [(d.severity, d.message) for d in res.diagnostics] == [
        ("note", "declaration of 'a' wrapped in a new block ending before the '#else' at "
                 "line 9 (that is outside the '#ifdef' at line 5, and code comes before it "
                 "in that branch (line 6))")]
    # ported with -DX first, the #else branch then starts the new block alone
    x_first = wrapped.replace("    n++;\n#ifdef X", "    n++;\n    {\n#ifdef X").replace(
        "    return n;\n}", "    return n;\n    }\n}")
    # ported without it first, the #ifdef branch declares after a statement, so
    # the #else branch's block closes at the #endif too
    plain_first = wrapped.replace("    int a = n - 1;\n    printf(\"%d\\n\", a);\n#endif",
                                  "    { int a = n - 1;\n    printf(\"%d\\n\", a);\n    }\n#endif")
    outs = {}
    for configs, want in (([["X"], []], x_first), ([[], ["X"]], plain_first)):
        outs[want] = _port_configs(src, "sb.c", configs)
        assert outs[want] == want, configs
    if not have("gcc"):
        pytest.skip("gcc is needed to build the port")
    for out in outs:
        _behaves_the_same(tmp_path, src, out, [[], ["X"]])


def test_other_branch_declaring_after_a_statement_wraps_to_the_branch_end(tmp_path):
    src = ("#include <stdio.h>\nstatic int f(int n)\n{\n    n++;\n#ifdef X\n"
           "    int a = n * 2;\n    n += a;\n#else\n    n--;\n    int b = n * 3;\n"
           "    n += b;\n#endif\n    return n;\n}\n"
           "int main(void)\n{\n    printf(\"%d\\n\", f(3));\n    return 0;\n}\n")
    res = port_source(src, "ol.c", defines=["X"])
    assert res.text == src.replace("    int a = n * 2;\n    n += a;\n#else",
                                   "    { int a = n * 2;\n    n += a;\n    }\n#else")
    assert "the '#else' branch at line 8 declares after other code (line 10)" \
        in res.diagnostics[0].message
    out = _port_configs(src, "ol.c", [["X"], []])
    assert out == res.text.replace("    int b = n * 3;\n    n += b;\n#endif",
                                   "    { int b = n * 3;\n    n += b;\n    }\n#endif")
    if not have("gcc"):
        pytest.skip("gcc is needed to build the port")
    _behaves_the_same(tmp_path, src, out, [[], ["X"]])


def test_statement_before_the_declaration_and_a_use_after_the_endif():
    src = ("int f(int n)\n{\n    n++;\n#ifdef X\n    n *= 3;\n    int a = n * 2;\n#else\n"
           "    int a = n - 1;\n#endif\n    return a;\n}\n")
    # one configuration: no block fits, so the declaration leaves its branch
    # (what that configuration needs), with a note
    res = port_source(src, "se.c", defines=["X"])
    assert res.text == ("int f(int n)\n{\n    int a;\n    n++;\n#ifdef X\n    n *= 3;\n"
                        "    a = n * 2;\n#else\n    int a = n - 1;\n#endif\n    return a;\n}\n")
    note = [d for d in res.diagnostics if d.code == "declarations"][0]
    assert (note.severity, note.line, note.col) == ("note", 6, 5)
    assert "out of the '#ifdef' at line 4: configurations without that branch get it" \
        in note.message
    # both configurations: the #else declaration cannot follow (its 'a' would
    # no longer be the one returned), which is an error
    with pytest.raises(ToolchainError) as ei:
        _port_configs(src, "se.c", [["X"], []])
    d = ei.value.diagnostics[0]
    assert (ei.value.exit_code, d.line) == (2, 9)
    assert d.message.startswith("cannot move the declaration of 'a'")
    assert "'a' is used after that line" in d.message


NESTED_BRANCH_PROGRAM = """#include <stdio.h>

static int f(int n)
{
    n++;
#ifdef X
#ifdef Y
    long a = n * 2L;
#else
    int a = n * 3;
#endif
    n += (int)a;
#else
    double a = n / 2.0;
    n += (int)a;
#endif
    printf("%d\\n", n);
    return n;
}

int main(void)
{
    printf("%d\\n", f(3));
    return 0;
}
"""


@pytest.mark.parametrize("configs", [[["X", "Y"]], [["X"]], [[]], [["X", "Y"], ["X"], []],
                                     [[], ["X"], ["X", "Y"]]],
                         ids=["XY", "X", "plain", "all", "all-reversed"])
def test_declaration_first_in_a_nested_conditional(configs, tmp_path):
    # the block opens before the outermost #if inside the enclosing block; the other
    # branches of both conditionals start with a declaration too
    src = NESTED_BRANCH_PROGRAM
    out = _port_configs(src, "nc.c", configs)
    assert out == src.replace("    n++;\n#ifdef X\n", "    n++;\n    {\n#ifdef X\n").replace(
        "    return n;\n}", "    return n;\n    }\n}", 1)
    if not have("gcc"):
        pytest.skip("gcc is needed to build the port")
    _behaves_the_same(tmp_path, src, out, [[], ["X"], ["X", "Y"]])


def test_conditional_inside_the_branch_of_the_leading_declarations(tmp_path):
    # the #ifdef Y lies in the #ifdef X branch that holds the hoist point: a block
    # opened before it could not close with the enclosing block, so the block opened
    # at the declaration closes before the #endif
    src = ("#include <stdio.h>\nstatic int f(int n)\n{\n#ifdef X\n    int q = n;\n    n++;\n"
           "#ifdef Y\n    int a = n * 2;\n    n += a;\n#endif\n    n += q;\n#endif\n"
           "    return n;\n}\n"
           "int main(void)\n{\n    printf(\"%d\\n\", f(3));\n    return 0;\n}\n")
    out = _port_configs(src, "cl.c", [[], ["X"], ["X", "Y"]])
    assert out == src.replace("    int a = n * 2;\n    n += a;\n#endif",
                              "    { int a = n * 2;\n    n += a;\n    }\n#endif")
    if not have("gcc"):
        pytest.skip("gcc is needed to build the port")
    _behaves_the_same(tmp_path, src, out, [[], ["X"], ["X", "Y"]])


def test_declarations_after_the_first_one_in_the_branch_stay_in_it(tmp_path):
    # the new block starts with the #ifdef, whose declarations lead it; the later
    # ones are hoisted after them, in the branch (the block starts with a #if line:
    # the hoisted lines are indented like the code)
    src = ("#include <stdio.h>\nstatic int f(int n)\n{\n    n++;\n#ifdef X\n    int t0 = n;\n"
           "    static int calls = 0;\n    calls++;\n    int t1 = calls;\n#endif\n"
           "    n *= 7;\n#ifdef X\n    printf(\"%d %d\\n\", n - t0, t1);\n#endif\n"
           "    int r = n + 1;\n    return r;\n}\n"
           "int main(void)\n{\n    printf(\"%d\\n\", f(3));\n    return 0;\n}\n")
    out = _port_configs(src, "tm.c", [["X"], []])
    assert out == src.replace(
        "    n++;\n#ifdef X\n", "    int r;\n    n++;\n    {\n#ifdef X\n").replace(
        "    calls++;\n    int t1 = calls;\n", "    int t1;\n    calls++;\n    t1 = calls;\n"
    ).replace("    int r = n + 1;\n    return r;\n}", "    r = n + 1;\n    return r;\n    }\n}")
    if not have("gcc"):
        pytest.skip("gcc is needed to build the port")
    _behaves_the_same(tmp_path, src, out, [[], ["X"]])


def test_for_declaration_in_a_branch_wraps_the_loop(tmp_path):
    src = ("#include <stdio.h>\nstatic int f(int n)\n{\n    n++;\n#ifdef X\n"
           "    for (int i = 0; i < 3; i++) n += i;\n#endif\n    return n;\n}\n"
           "int main(void)\n{\n    printf(\"%d\\n\", f(3));\n    return 0;\n}\n")
    out = port(src, "fw.c", defines=["X"])
    assert out == src.replace("    for (int i = 0; i < 3; i++) n += i;\n",
                              "    { int i; for (i = 0; i < 3; i++) n += i; }\n")
    if not have("gcc"):
        pytest.skip("gcc is needed to build the port")
    _behaves_the_same(tmp_path, src, out, [[], ["X"]])


def test_declaration_after_the_endif_using_a_type_the_branches_define(tmp_path):
    # T b names the typedef of the conditional: it is not hoisted above it, but
    # after the #endif, in the new block (every order of configurations agrees)
    src = ("#include <stdio.h>\nstatic int f(int n)\n{\n    n++;\n#ifdef X\n"
           "    typedef int T;\n#else\n    typedef double T;\n#endif\n    n *= 7;\n"
           "    T b = n / 2;\n    int c = n;\n    printf(\"%g\\n\", (double)b);\n"
           "    return c;\n}\n"
           "int main(void)\n{\n    return f(3) != 28;\n}\n")
    want = src.replace("    n++;\n#ifdef X", "    n++;\n    {\n#ifdef X").replace(
        "#endif\n    n *= 7;\n    T b = n / 2;\n    int c = n;\n",
        "#endif\n    T b;\n    int c;\n    n *= 7;\n    b = n / 2;\n    c = n;\n").replace(
        "    return c;\n}", "    return c;\n    }\n}")
    for configs in ([["X"], []], [[], ["X"]], [["X"]]):
        assert _port_configs(src, "td.c", configs) == want, configs
    if not have("gcc"):
        pytest.skip("gcc is needed to build the port")
    _behaves_the_same(tmp_path, src, want, [[], ["X"]])


def test_untagged_struct_array_with_non_constant_elements_becomes_assignments():
    # aklomp/base64's test program: struct { const char *in, *out; } vec[] = {...}
    # whose last row is two pointer variables
    check("static const char *mp = \"m\";\nint f(void) {\n    puts(\"x\");\n"
          "    struct { const char *in; const char *out; } vec[] = {\n"
          "        { \"\", \"\" },\n        { mp, mp },\n    };\n    return (int)sizeof vec;\n}\n",
          "static const char *mp = \"m\";\nint f(void) {\n"
          "    struct { const char *in; const char *out; } vec[2];\n    puts(\"x\");\n"
          "    vec[0].in = \"\"; vec[0].out = \"\"; vec[1].in = mp; vec[1].out = mp;\n"
          "    return (int)sizeof vec;\n}\n")


def test_tag_defined_with_a_non_constant_initializer_is_an_error():
    # hoisting would move the tag's definition; left alone it is not C89
    src = ("int f(int a) {\n    puts(\"x\");\n    struct P { int x; } v = { a };\n"
           "    return v.x;\n}\n")
    with pytest.raises(ToolchainError) as ei:
        port(src)
    assert any("initializer of 'v' has non-constant elements, which C89 does not allow, "
               "and its declaration defines a tag" in d.message and d.line == 3
               for d in ei.value.diagnostics), ei.value.diagnostics
