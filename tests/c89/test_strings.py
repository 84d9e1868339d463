"""The strings pass: literals over C89's 509 characters become char arrays."""

from __future__ import annotations

import pytest

from toolchain.c89 import port_source
from toolchain.c89.passes.strings import char_constant, decode
from toolchain.diag import ToolchainError

from .conftest import port

LONG = '"' + "x" * 300 + '"\n    "' + "y" * 300 + '"'


def test_short_strings_are_left_alone():
    src = 'const char *s = "' + "a" * 509 + '";\n'
    assert port(src) == src


def test_decode_and_spell_every_kind_of_character():
    assert decode(r'a\n\t\\\"\'\0\101\x41\x7f\?') == [97, 10, 9, 92, 34, 39, 0, 65, 65, 127, 63]
    assert decode("caf\u00e9") is None and decode(r"\u00e9") is None
    assert [char_constant(v) for v in (97, 10, 39, 92, 0, 1, 255, 34)] == \
        ["'a'", r"'\n'", r"'\''", "'\\\\'", "0", r"'\001'", r"'\377'", "'\"'"]


def test_char_array_gets_a_brace_list_with_its_terminator():
    out = port("static const char s[] =\n    " + LONG + ";\n")
    assert out.startswith("static const char s[] =\n    {\n        'x', 'x',")
    assert out.count("'x'") == 300 and out.count("'y'") == 300
    assert out.rstrip().endswith("'y',\n        0\n    };")


def test_char_array_as_long_as_its_text_gets_no_terminator():
    out = port("char s[600] = " + LONG + ";\n")
    assert out.rstrip().endswith("'y'\n};")


def test_other_uses_get_a_static_array_before_their_definition():
    src = ("#include <stdio.h>\n/* the text */\nstatic const char *t = " + LONG + ";\n"
           "int main(void) {\n    puts(" + LONG + ");\n    return 0;\n}\n")
    out = port(src)
    assert "/* the text */\nstatic char c89str1[] = {\n" in out
    assert "static const char *t = c89str1;" in out
    assert "puts(c89str2);" in out
    assert out.index("static char c89str2[]") < out.index("int main(void)")
    assert port(out) == out


@pytest.mark.parametrize("src,line,severity", [
    ("const wchar_t *w = L" + LONG + ";\n", 1, "error"),
    ('const char *s = "\u00e9' + "x" * 600 + '";\n', 1, "error"),
    ("#define TEXT " + LONG.replace("\n", "\\\n") + "\nint x;\n", 1, "error"),
    ("#if 0\nconst char *s = " + LONG + ";\n#endif\n", 2, "warning"),
], ids=["wide", "non-ascii", "macro-body", "inactive"])
def test_what_cannot_be_converted_is_reported(src, line, severity):
    if severity == "error":
        with pytest.raises(ToolchainError) as ei:
            port_source("typedef int wchar_t;\n" + src, "s.c")
        assert [(d.line, d.code) for d in ei.value.diagnostics] == [(line + 1, "strings")]
    else:
        res = port_source(src, "s.c")
        assert res.text == src
        assert [(d.line, d.severity) for d in res.diagnostics] == [(line, "warning")]
