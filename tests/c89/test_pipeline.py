"""API shape, fixed point, C89 input unchanged, error locations, CLI."""

import os

import pytest

from toolchain.c89 import PortResult, port_source
from toolchain.c89.cli import main
from toolchain.diag import ToolchainError

from .conftest import CORPUS

C99 = """#include <stdio.h>
int main(void) { // hi
    printf("start\\n");
    long long v = 5LL;
    for (int i = 0; i < 2; i++) v += i;
    printf("%lld\\n", v);
    return 0;
}
"""


def test_api_shape():
    res = port_source(C99, "x.c")
    assert isinstance(res, PortResult)
    assert res.changed is True
    assert res.passes_applied == ["comments", "declarations", "longlong", "compat_include"]
    assert isinstance(res.diagnostics, list)
    again = port_source(res.text, "x.c")
    assert again.text == res.text and not again.changed and again.passes_applied == []


@pytest.mark.parametrize("src", sorted(CORPUS.glob("*.c")), ids=lambda p: p.stem)
def test_fixed_point_on_corpus(src):
    once = port_source(src.read_text(), str(src)).text
    assert port_source(once, str(src)).text == once


def test_c89_input_byte_identical():
    text = (CORPUS / "c89_input.c").read_text()
    res = port_source(text, "c89_input.c")
    assert res.text == text and not res.changed


def test_syntax_error_has_location():
    with pytest.raises(ToolchainError) as ei:
        port_source("int main(void) {\n    int x = ;\n    return 0;\n}\n", "bad.c")
    err = ei.value
    assert err.exit_code == 2
    d = err.diagnostics[0]
    assert (d.path, d.line, d.col, d.severity) == ("bad.c", 2, 13, "error")
    assert str(d).startswith("bad.c:2:13: error:")


def test_syntax_error_location_from_pycparser():
    with pytest.raises(ToolchainError) as ei:
        port_source("int f(void) {\n    int x = 3\n    return x;\n}\n", "semi.c")
    d = ei.value.diagnostics[0]
    assert (d.path, d.line) == ("semi.c", 3)


def test_missing_local_include_is_stubbed_with_note(tmp_path):
    src = '#include "nothere.h"\nint f(void) {\n    g();\n    int a = 1;\n    return a;\n}\n'
    res = port_source(src, str(tmp_path / "m.c"))
    assert "int a;\n    g();\n    a = 1;" in res.text
    assert any(d.severity == "note" and "nothere.h" in d.message for d in res.diagnostics)


def test_defines_and_include_dirs(tmp_path):
    (tmp_path / "inc").mkdir()
    (tmp_path / "inc" / "t.h").write_text("typedef int myint;\n")
    src = '#include "t.h"\n#ifdef WANT\nmyint f(void) {\n    g();\n    myint a = 1;\n    return a;\n}\n#endif\n'
    res = port_source(src, "m.c", include_dirs=[str(tmp_path / "inc")], defines=["WANT=1"])
    assert "myint a;\n    g();\n    a = 1;" in res.text


# -- CLI ---------------------------------------------------------------------

def test_cli_writes_and_checks(tmp_path, capsys):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.c").write_text(C99)
    (src / "b.c").write_text("int x;\n")
    out = tmp_path / "out"
    assert main([str(src), "-o", str(out)]) == 0
    assert (out / "a.c").read_text() == port_source(C99, str(src / "a.c")).text
    assert main([str(src), "--check"]) == 1
    assert main([str(out), "--check"]) == 0
    assert main([str(src / "a.c"), "--diff", "--check"]) == 1
    assert "+#include \"c89compat.h\"" in capsys.readouterr().out


def test_cli_error_is_compiler_style_and_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "bad.c"
    bad.write_text("int main(void) {\n    int x = ;\n}\n")
    out = tmp_path / "out"
    assert main([str(bad), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:2:13: error:" in err
    assert "Traceback" not in err
    assert not (out / "bad.c").exists()
    assert not out.exists() or not os.listdir(out)


def test_cli_missing_input(tmp_path, capsys):
    assert main([str(tmp_path / "nope.c"), "-o", str(tmp_path)]) == 2
    assert "no such file" in capsys.readouterr().err
