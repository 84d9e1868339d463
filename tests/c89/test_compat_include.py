from toolchain.c89 import port_source

from .conftest import port


def test_inserted_after_last_top_level_include_not_inside_if():
    src = ("#include <stdio.h>\n#include <time.h>\n#if defined _WIN32\n    #include \"win.h\"\n#else\n"
           "    #include <unistd.h>\n#endif\nlong long x;\n")
    out = port(src)
    assert out == ("#include <stdio.h>\n#include <time.h>\n#include \"c89compat.h\"\n#if defined _WIN32\n"
                   "    #include \"win.h\"\n#else\n    #include <unistd.h>\n#endif\nc89_int64_t x;\n")
    assert port(out) == out


def test_top_of_file_when_no_includes():
    assert port("long long x;\n") == '#include "c89compat.h"\nc89_int64_t x;\n'


def test_custom_header_name_and_no_duplicate():
    out = port("#include <stdio.h>\nlong long x;\n", compat_header="compat/my89.h")
    assert out == '#include <stdio.h>\n#include "compat/my89.h"\nc89_int64_t x;\n'
    assert port(out, compat_header="compat/my89.h") == out


def test_nothing_needed_nothing_added():
    src = "#include <stdio.h>\nint x;\n"
    assert port(src) == src


def test_a_header_keeps_its_standard_includes_for_c99_clients():
    src = "#include <stdio.h>\n#include <stdint.h> /* api */\n#include <stdbool.h>\nuint32_t f(bool b);\n"
    out = port(src, "api.h")
    assert out == ("#include <stdio.h>\n"
                   "#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 199901L\n"
                   "#include <stdint.h> /* api */\n#include <stdbool.h>\n#endif\n"
                   '#include "c89compat.h"\nc89_uint32_t f(c89_bool b);\n')
    assert port(out, "api.h") == out


def test_a_header_include_already_under_a_version_test_stays():
    src = ("#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 199901L\n#include <stdint.h>\n"
           "typedef uint64_t h_t;\n#else\ntypedef unsigned long long h_t;\n#endif\n")
    out = port(src, "h.h")
    assert "#include <stdint.h>\n" in out and out.count("#if") == 1
    assert port(out, "h.h") == out


def test_not_inside_an_initializer_that_includes_a_table(tmp_path):
    """ed25519's ge25519.c: `= {` then `#include "ge25519_base.data"`: the compat include
    goes after the last include at file scope, not into the braces."""
    (tmp_path / "base.data").write_text("{1, 2}, {3, 4}\n")
    src = ('#include <stdio.h>\nstatic const int tab[2][2] = {\n#include "base.data"\n};\n'
           "long long x;\n")
    out = port_source(src, str(tmp_path / "t.c"), include_dirs=[str(tmp_path)]).text
    assert out == ('#include <stdio.h>\n#include "c89compat.h"\nstatic const int tab[2][2] = {\n'
                   '#include "base.data"\n};\nc89_int64_t x;\n')


def test_before_the_first_use_when_a_later_include_follows_it():
    src = "#include <stdio.h>\nlong long x;\n#include <string.h>\nint y;\n"
    out = port(src)
    assert out == ('#include <stdio.h>\n#include "c89compat.h"\nc89_int64_t x;\n'
                   "#include <string.h>\nint y;\n")
    assert port(out) == out
