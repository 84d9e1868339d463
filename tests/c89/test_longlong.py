import pytest

from toolchain.c89.analysis.literals import literal_64
from toolchain.c89 import port_source
from toolchain.diag import ToolchainError

from .conftest import port

INC = '#include "c89compat.h"\n'


@pytest.mark.parametrize("lit,expected", [
    ("0LL", "C89_I64(0)"),
    ("42ll", "C89_I64(42)"),
    ("7ULL", "C89_U64(7)"),
    ("4000000000ULL", "C89_U64(4000000000UL)"),
    ("0xFFFFFFFFull", "C89_U64(0xFFFFFFFF)"),
    ("10000000000LL", "C89_I64_HL(0x2, 0x540BE400)"),
    ("0x2545F4914F6CDD1Dull", "C89_U64_HL(0x2545F491, 0x4F6CDD1D)"),
    ("0xFFFFFFFFFFFFFFFF", "C89_U64_HL(0xFFFFFFFF, 0xFFFFFFFF)"),
    ("10000000000", "C89_I64_HL(0x2, 0x540BE400)"),
    ("3000000000", "C89_I64(3000000000UL)"),
    ("3000000000u", None),
    ("2147483647", None),
    ("0x80000000", None),
    ("1.5", None),
])
def test_literals(lit, expected):
    assert literal_64(lit) == expected


def test_types():
    src = "#include <stdio.h>\nunsigned long long a; long long int b; signed long long c;\nlong long d(long long *p);\nint e; unsigned long f;\n"
    assert port(src) == ("#include <stdio.h>\n" + INC +
                         "c89_uint64_t a; c89_int64_t b; c89_int64_t c;\nc89_int64_t d(c89_int64_t *p);\n"
                         "int e; unsigned long f;\n")


def test_printf_formats_split_around_macros():
    src = '#include <stdio.h>\nvoid f(long long v) { printf("v=%lld %5llu|%-3llx%%\\n", v, v, v); }\n'
    assert port(src) == ('#include <stdio.h>\n' + INC + 'void f(c89_int64_t v) { printf("v=%" C89_PRId64 " %5" C89_PRIu64 '
                         '"|%-3" C89_PRIx64 "%%\\n", v, v, v); }\n')


def test_printf_z_and_hh_get_casts():
    src = '#include <stdio.h>\n#include <string.h>\nvoid f(char *s) { printf("%zu %hhx %d\\n", strlen(s), s[0], 1); }\n'
    assert port(src) == ('#include <stdio.h>\n#include <string.h>\n'
                         'void f(char *s) { printf("%lu %x %d\\n", (unsigned long)(strlen(s)), (unsigned char)(s[0]), 1); }\n')


def test_fprintf_trailing_literal_and_concatenation():
    src = '#include <stdio.h>\nvoid f(long long v) { fprintf(stderr, "%lld" "\\n", v); }\n'
    assert port(src) == ('#include <stdio.h>\n' + INC +
                         'void f(c89_int64_t v) { fprintf(stderr, "%" C89_PRId64 "\\n", v); }\n')


def test_sscanf_with_hh_is_renamed():
    src = ('#include <stdio.h>\nint f(char *p) {\n    unsigned char b;\n'
           '    if (sscanf(p, "<0x%02hhX>", &b) == 1) return b;\n    return sscanf(p, "%d", &b);\n}\n')
    assert port(src) == ('#include <stdio.h>\n' + INC + 'int f(char *p) {\n    unsigned char b;\n'
                         '    if (c89_sscanf(p, "<0x%02hhX>", &b) == 1) return b;\n    return sscanf(p, "%d", &b);\n}\n')


def test_strings_untouched():
    src = 'char *s = "1LL long long";\n'
    assert port(src) == src


def test_if_lines_read_by_a_32_bit_preprocessor():
    """C89 preprocessors compute in long: a literal that fits loses its LL, an
    equality with a wider one compares 32-bit halves (xxhash.h's LP64 test)."""
    src = ("#include <limits.h>\n#if ULONG_MAX == 0xFFFFFFFFFFFFFFFFULL\nint wide;\n#endif\n"
           "#if defined(X) && 0x100000000ULL != (ULONG_MAX + 1) || 0\n#endif\n"
           "#if 1LL && 0x12ULL\n#endif\n")
    assert port(src) == (
        "#include <limits.h>\n#if ((ULONG_MAX) >> 16 >> 16 == 0xFFFFFFFFUL && "
        "((ULONG_MAX) & 0xFFFFFFFFUL) == 0xFFFFFFFFUL)\nint wide;\n#endif\n"
        "#if defined(X) && !(((ULONG_MAX + 1)) >> 16 >> 16 == 0x1UL && "
        "(((ULONG_MAX + 1)) & 0xFFFFFFFFUL) == 0x0UL) || 0\n#endif\n"
        "#if 1L && 0x12UL\n#endif\n")


def test_other_wide_if_tests_are_errors_where_evaluated():
    inactive = "#if 0\n#if 10000000000LL > 1\n#endif\n#endif\n"
    with pytest.raises(ToolchainError) as ei:
        port("#if 10000000000LL > 1\nint a;\n#endif\n" + inactive)
    assert [(d.line, d.severity) for d in ei.value.diagnostics] == [(1, "error")]
    res = port_source(inactive, "w.c")
    assert [(d.line, d.severity) for d in res.diagnostics] == [(2, "warning")]


def test_user_defined_printf_left_alone():
    src = 'int printf(const char *f, long long v);\nvoid g(void) { printf("%lld", 1); }\n'
    assert '"%lld"' in port(src)
