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

XFAIL = pytest.mark.xfail(strict=True, reason=(
    "issue 13 (5, C99 math and initializers): a non-constant aggregate initializer with "
    "nested braces is refused instead of becoming member assignments"))

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


@XFAIL
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
