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
