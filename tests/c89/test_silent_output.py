"""Issue 13, item 4: no silent wrong output.

Each case here came out of c89port with exit status 0 and no diagnostic, and
the result did not compile under gcc -std=c89 -pedantic-errors.  Each must
now either port to C89 that builds (gcc and tcc) and prints what the C99
original prints, or be an error at its place in the input.  Bit-fields get
plain int/unsigned types only where the layout cannot change (the programs
print sizeof, so a changed layout shows), an error where it could, and always
for fields wider than 32 bits.  The compat header defines no name the program
did not ask for.
"""

from __future__ import annotations

import pytest

from .strict_build import assert_fixed_or_reported, have, port_tree

pytestmark = pytest.mark.skipif(not have("gcc"), reason="gcc is needed")


def test_inline_before_static_under_ifdef(tmp_path):
    files = {"s.c": """#include <stdio.h>
#ifdef __GNUC__
inline
#endif
static int f(int x) { return x + 1; }
int main(void) {
    for (int i = 0; i < 2; i++) printf("%d\\n", f(i));
    return 0;
}
"""}
    assert_fixed_or_reported(tmp_path, files, ("s.c:3", "s.c:5"))


def test_true_false_in_a_generated_table_included_by_another_file(tmp_path):
    files = {
        "table.c": "/* generated; #included by main.c */\n"
                   "static const unsigned char flags[4] = { true, false, true, true };\n",
        "main.c": """#include <stdio.h>
#include <stdbool.h>
#include "table.c"
int main(void) {
    int n = 0;
    for (int i = 0; i < 4; i++) n += flags[i];
    printf("%d\\n", n);
    return 0;
}
"""}
    assert_fixed_or_reported(tmp_path, files, ("table.c:2", "main.c:3"), units=["main.c"])


BITFIELDS = """#include <stdio.h>
struct s {{ {fields} }};
int main(void) {{
    struct s v;
    v.b = 5;
    v.a = 17;
    v.l = -3;
    printf("%d %d %ld %d\\n", (int)v.b, (int)v.a, (long)v.l, (int)sizeof(struct s));
    return 0;
}}
"""


@pytest.mark.parametrize("fields", [
    "unsigned char b : 3; unsigned short a : 5; long l : 24;",
    "unsigned int x; unsigned char b : 3; unsigned short a : 5; long l : 24;",
    "char c; unsigned char b : 3; unsigned short a : 5; signed char l : 4;",
], ids=["char-short-long", "after-an-int", "after-a-char"])
def test_bit_fields_of_other_types(tmp_path, fields):
    assert_fixed_or_reported(tmp_path, {"b.c": BITFIELDS.format(fields=fields)}, "b.c:2")


def test_bit_field_wider_than_32_bits_is_an_error(tmp_path):
    ported = port_tree(tmp_path, {"w.c": """#include <stdio.h>
#include <stdint.h>
struct s { uint64_t big : 40; unsigned rest : 8; };
int main(void) { struct s v; v.big = 1; v.rest = 2; printf("%d\\n", (int)(v.big + v.rest)); return 0; }
"""})
    assert ported.status == 2
    assert "w.c:3:" in ported.stderr and "error:" in ported.stderr


def test_program_defining_char_bit_itself(tmp_path):
    files = {"c.c": """#include <stdio.h>
#include <stdint.h>
#define CHAR_BIT 8
int main(void) {
    uint32_t x = 1;
    printf("%d %u\\n", CHAR_BIT, (unsigned)x);
    return 0;
}
"""}
    assert_fixed_or_reported(tmp_path, files, "c.c:3")


def test_inline_under_ifdef_after_static_and_extern_inline_kept_apart(tmp_path):
    # the words on either side of the directive lines count
    files = {"k.c": """#include <stdio.h>
static
#if defined(__GNUC__) || 1
inline
#endif
int g(int x) { return x * 2; }
#ifdef __GNUC__
__inline__
#endif
static int h(int x) { return x - 1; }
int main(void) { printf("%d %d\\n", g(3), h(3)); return 0; }
"""}
    ported = assert_fixed_or_reported(tmp_path, files, "k.c:4")
    text = (ported.out / "k.c").read_text()
    # (gcc's __inline__ is kept: valid in its C89 mode)
    assert "static static" not in text and "\ninline\n" not in text


def test_true_false_declared_by_the_file_itself_stay(tmp_path):
    files = {"own.c": """#include <stdio.h>
enum { false, true };
int main(void) { printf("%d %d\\n", true, false); return 0; }
"""}
    ported = assert_fixed_or_reported(tmp_path, files, "own.c:2")
    out = ported.out / "own.c"
    assert not out.exists() or "enum { false, true };" in out.read_text()


def test_bit_fields_that_keep_the_layout_become_int(tmp_path):
    # a run of char bit-fields after an int lays out the same as unsigned
    # int ones under System V and Microsoft rules: rewritten
    files = {"k.c": """#include <stdio.h>
#include <stdint.h>
struct s { int x; unsigned char a : 3, b : 5; uint8_t c : 4; };
int main(void) {
    struct s v;
    v.x = 1; v.a = 9; v.b = 31; v.c = 17;
    printf("%d %d %d %d %d\\n", v.x, v.a, v.b, v.c, (int)sizeof(struct s));
    return 0;
}
"""}
    ported = assert_fixed_or_reported(tmp_path, files, "k.c:3")
    assert ported.status == 0
    assert "unsigned int a : 3, b : 5; unsigned int c : 4;" in (ported.out / "k.c").read_text()


@pytest.mark.parametrize("fields,words", [
    ("int x; char a : 3;", "plain char"),
    ("int x; _Bool a : 1;", "_Bool"),
    ("int x; unsigned short a : 3; unsigned char b : 2;", "layout would change"),
    ("int x; unsigned char a : 3; unsigned : 0; unsigned char b : 2;", "zero-width"),
], ids=["plain-char", "bool", "mixed-sizes", "zero-width"])
def test_bit_fields_refused_say_why(tmp_path, fields, words):
    ported = port_tree(tmp_path, {"r.c": f"struct s {{ {fields} }};\nint n = sizeof(struct s);\n"})
    assert ported.status == 2 and "r.c:1:" in ported.stderr, ported.stderr
    assert words in ported.stderr


def test_compat_include_not_placed_after_an_include_inside_a_function(tmp_path):
    # cmark's utf8.c #includes a table inside a function: the compat header
    # goes after the last include outside the braces
    files = {"table.h": "/* this configuration has no table */\n",
             "u.c": """#include <stdio.h>
#include <stdint.h>
static int32_t f(int x) {
#include "table.h"
    return x * 10;
}
int main(void) { printf("%d\\n", (int)f(2)); return 0; }
"""}
    ported = assert_fixed_or_reported(tmp_path, files, "u.c:4", units=["u.c"])
    text = (ported.out / "u.c").read_text()
    assert text.index('#include "c89compat.h"') < text.index("static c89_int32_t f")
