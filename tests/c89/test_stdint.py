from .conftest import port


def test_types_and_includes():
    src = ("#include <stdio.h>\n#include <stdint.h>\n#include <inttypes.h>\n"
           "int8_t a; uint64_t b; intptr_t c; ssize_t d; size_t e;\n"
           'void f(void) { printf("%" PRId64 "\\n", (int64_t)b); }\n')
    assert port(src) == ('#include <stdio.h>\n#include "c89compat.h"\n'
                         "c89_int8_t a; c89_uint64_t b; c89_intptr_t c; c89_ssize_t d; size_t e;\n"
                         'void f(void) { printf("%" C89_PRId64 "\\n", (c89_int64_t)b); }\n')


def test_stdbool():
    src = "#include <stdbool.h>\nbool f(void) { bool ok = true; return ok && !false; }\n"
    assert port(src) == '#include "c89compat.h"\nc89_bool f(void) { c89_bool ok = 1; return ok && !0; }\n'


def test_stdbool_after_statement_keywords():
    # "return true;" and "case false:" are no declarations of true/false
    src = ("#include <stdbool.h>\nbool f(int k) {\n    switch (k) { case false: return true; }\n"
           "    if (k > 1) return false; else return true;\n}\n")
    assert port(src) == ('#include "c89compat.h"\nc89_bool f(int k) {\n'
                         "    switch (k) { case 0: return 1; }\n"
                         "    if (k > 1) return 0; else return 1;\n}\n")


def test_limits_and_int64_c():
    src = "#include <stdint.h>\nint64_t a = INT64_C(-9000000000); uint32_t m = UINT32_MAX;\n"
    assert port(src) == ('#include "c89compat.h"\n'
                         "c89_int64_t a = (-C89_I64_HL(0x2, 0x18711A00)); c89_uint32_t m = C89_UINT32_MAX;\n")


def test_members_and_user_typedefs_untouched():
    src = "typedef int int32_t;\nstruct s { int ssize_t; };\nint32_t f(struct s *p) { return p->ssize_t; }\n"
    assert port(src) == src


def test_type_pasted_into_a_name_renames_the_formed_name():
    # brotli's common/platform.h: MIN_MAX(uint32_t) defines min_c89_uint32_t
    # once its argument is renamed, so the names spelled min_uint32_t follow
    src = ("#include <stdint.h>\n"
           "#define MIN_MAX(T) \\\n"
           "  static T min_ ## T(T a, T b) { return a < b ? a : b; } \\\n"
           "  static T T ## _max(T a, T b) { return a > b ? a : b; }\n"
           "MIN_MAX(uint32_t) MIN_MAX(uint8_t)\n"
           "#define MIN(T, A, B) (min_ ## T((A), (B)))\n"
           "uint32_t f(uint32_t x, uint8_t y) {\n"
           "  (void)&uint8_t_max; (void)&min_uint8_t;\n"
           "  return MIN(uint32_t, x, 3) + min_uint32_t(x, y) + uint32_t_max(x, 1);\n}\n")
    assert port(src) == (
        '#include "c89compat.h"\n'
        "#define MIN_MAX(T) \\\n"
        "  static T min_ ## T(T a, T b) { return a < b ? a : b; } \\\n"
        "  static T T ## _max(T a, T b) { return a > b ? a : b; }\n"
        "MIN_MAX(c89_uint32_t) MIN_MAX(c89_uint8_t)\n"
        "#define MIN(T, A, B) (min_ ## T((A), (B)))\n"
        "c89_uint32_t f(c89_uint32_t x, c89_uint8_t y) {\n"
        "  (void)&c89_uint8_t_max; (void)&min_c89_uint8_t;\n"
        "  return MIN(c89_uint32_t, x, 3) + min_c89_uint32_t(x, y) + c89_uint32_t_max(x, 1);\n}\n")


def test_paste_not_renamed_without_a_renamed_argument():
    # the argument is the file's own type, a paste with another parameter, a
    # member, or the formed name of a type no call gives: all stay
    src = ("#define DEF(T) static T get_ ## T(T v) { return v; }\n"
           "#define CAT(A, B) A ## B\n"
           "typedef int int32_t;\n"
           "DEF(int32_t) DEF(int)\n"
           "struct s { int get_uint8_t; };\n"
           "int f(struct s *p) { return get_int32_t(1) + get_int(2) + p->get_uint8_t"
           " + CAT(get_, int)(3); }\n")
    assert port(src) == src


def test_name_pasted_in_an_included_header_is_renamed_in_the_includer(tmp_path):
    (tmp_path / "minmax.h").write_text(
        "#include <stdint.h>\n"
        "#define MIN_MAX(T) static T min_ ## T(T a, T b) { return a < b ? a : b; }\n"
        "MIN_MAX(uint32_t)\n")
    src = '#include "minmax.h"\nint f(int x) { return (int)min_uint32_t(x, 3) + (int)min_int(x, 1); }\n'
    out = port(src, str(tmp_path / "m.c"))
    assert "min_c89_uint32_t(x, 3)" in out and "min_int(x, 1)" in out
    # the header as ported calls MIN_MAX(c89_uint32_t): the includer's port is its fixed point
    (tmp_path / "minmax.h").write_text(port((tmp_path / "minmax.h").read_text(),
                                            str(tmp_path / "minmax.h")))
    assert port(out, str(tmp_path / "m.c")) == out
