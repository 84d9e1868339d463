"""Issue 13, item 5: what C89 can express is converted, not refused.

C99 math with a C89 implementation in the runtime (round, trunc, fmin, fmax,
copysign, lround, isnan, isinf and their float forms: llama2.c's runq.c
stopped on ``round``), and non-constant aggregate initializers with nested
braces, which become member assignments.
"""

from __future__ import annotations

import pytest

from .strict_build import assert_same_everywhere, have, port_tree

pytestmark = pytest.mark.skipif(not have("gcc"), reason="gcc is needed")

MATH = r"""#include <stdio.h>
#include <math.h>
static const double xs[] = { 0.5, -0.5, 1.5, -2.5, 0.49999999999999994, -0.0, 0.0,
                             4503599627370495.5, -4503599627370497.0, 1e300, -7.25 };
int main(int argc, char **argv) {
    double inf = HUGE_VAL, nan = inf - inf;
    (void)argv;
    for (int i = 0; i < (int)(sizeof xs / sizeof xs[0]); i++) {
        double x = xs[i];
        float f = (float)x;
        printf("%.17g %.17g %ld %.17g | %.9g %.9g %ld %.9g\n", round(x), trunc(x),
               fabs(x) < 1e15 ? lround(x) : 0L, copysign(1.0, x),
               (double)roundf(f), (double)truncf(f),
               fabsf(f) < 1e7f ? lroundf(f) : 0L, (double)copysignf(2.0f, f));
        printf("%.17g %.17g %.9g %.9g\n", fmin(x, 1.0), fmax(x, -1.0),
               (double)fminf(f, 0.25f), (double)fmaxf(f, 0.25f));
    }
    printf("%d %d %d %d %d %d\n", isnan(nan) != 0, isnan(inf) != 0, isinf(inf) != 0,
           isinf(-inf) != 0, isinf(nan) != 0, isnan(argc * 1.0) != 0);
    printf("%.17g %.17g\n", fmin(nan, 2.0), fmax(3.0, nan));
    return 0;
}
"""


def test_c99_math_ports_and_gives_the_same_results(tmp_path):
    files = {"m.c": MATH}
    assert_same_everywhere(tmp_path, files, port_tree(tmp_path, files))


def test_non_constant_initializer_with_nested_braces(tmp_path):
    files = {"n.c": """#include <stdio.h>
struct p { int x, y; };
struct seg { struct p a, b; int tag[2]; };
int main(int argc, char **argv) {
    (void)argv;
    printf("start\\n");
    struct seg s = { { argc, 2 }, { 3, argc + 1 }, { argc * 5, 6 } };
    int grid[2][2] = { { argc, 0 }, { 0, argc } };
    printf("%d %d %d %d %d %d\\n", s.a.x, s.a.y, s.b.x, s.b.y, s.tag[0], s.tag[1]);
    printf("%d %d\\n", grid[0][0], grid[1][1]);
    return 0;
}
"""}
    assert_same_everywhere(tmp_path, files, port_tree(tmp_path, files))


def test_nested_initializer_with_elision_designators_and_gaps(tmp_path):
    """Brace elision, nested designators, a whole-struct value, a union's
    first member, an array of unknown size: every scalar assigned, the rest 0."""
    files = {"e.c": """#include <stdio.h>
struct p { int x, y; };
union u { long l; char c; };
struct big { struct p pts[3]; int n; union u w; double d; const char *name; };
int main(int argc, char **argv) {
    struct p origin = { 7, 8 };
    printf("start\\n");
    struct big b = { argc, 2, 3, { argc + 4 }, { 5 }, .n = argc * 9, { argc } };
    struct big c = { .pts[1].y = argc, .pts[0] = origin, .name = argv[0] };
    int m[][3] = { { argc }, [2] = { 1, argc, 3 }, argc };
    long tot = 0;
    for (int i = 0; i < 3; i++)
        tot += b.pts[i].x * 10 + b.pts[i].y + c.pts[i].x * 100 + c.pts[i].y * 1000;
    printf("%ld %d %ld %g %d\\n", tot, b.n, b.w.l, b.d, b.name == 0);
    printf("%d %ld %d\\n", c.n, c.w.l, c.name == argv[0]);
    printf("%d", (int)(sizeof m / sizeof m[0]));
    for (int i = 0; i < 4; i++) printf(" %d %d %d", m[i][0], m[i][1], m[i][2]);
    printf("\\n");
    return 0;
}
"""}
    ported = port_tree(tmp_path, files)
    assert "m[4][3]" in (ported.out / "e.c").read_text(), ported.stderr
    assert_same_everywhere(tmp_path, files, ported)


def test_char_array_member_from_a_string_is_reported(tmp_path):
    ported = port_tree(tmp_path, {"s.c": """#include <stdio.h>
struct named { char name[8]; int n; };
int main(int argc, char **argv) {
    (void)argv;
    printf("start\\n");
    struct named x = { "abc", argc };
    printf("%s %d\\n", x.name, x.n);
    return 0;
}
"""})
    assert ported.status == 2
    assert "s.c:6:" in ported.stderr and "from a string" in ported.stderr, ported.stderr


def test_many_values_convert_but_many_zeros_are_reported():
    from toolchain.c89 import port_source
    from toolchain.diag import ToolchainError
    many = ("void g(int *);\nvoid f(int x) {\n    g(0);\n    int a[300] = {"
            + ", ".join(["x"] * 300) + "};\n    g(a);\n}\n")
    out = port_source(many, "a.c").text
    assert "a[299] = x;" in out and "a[300]" in out
    zeros = ("struct B { int n; char b[1000]; };\nvoid g(struct B *);\n"
             "void f(int x) {\n    struct B s = { x };\n    g(&s);\n}\n")
    with pytest.raises(ToolchainError) as ei:
        port_source(zeros, "b.c")
    assert [d.line for d in ei.value.diagnostics] == [4]
