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


def test_edits_of_passes_in_one_round_never_touch():
    from toolchain.c89.pipeline import _Taken
    from toolchain.c89.source import Edit
    taken = _Taken()
    assert taken.take([Edit(4, 8, "x"), Edit(10, 10, "y")])
    assert not taken.take([Edit(8, 9, "z")])        # starts where a replacement ends
    assert not taken.take([Edit(10, 10, "w")])      # an insertion at the same place
    assert not taken.take([Edit(0, 5, "v")])        # overlaps
    assert not taken.take([Edit(20, 21, "u"), Edit(6, 6, "t")])   # all or nothing
    assert taken.take([Edit(0, 3, "s"), Edit(9, 9, "r"), Edit(11, 12, "q")])
    assert taken.apply("0123456789abcdef") == "s3x8r9yaqcdef"


def test_a_pass_that_yields_runs_again_on_the_result():
    # the declarations pass moves the line in which the stdint pass renames
    # uint8_t: the rename waits a round, and <stdint.h> stays until it is made
    src = ("#include <stdint.h>\nint f(void)\n{\n    int a = 1;\n    a++;\n"
           "    uint8_t b = (uint8_t)a;\n    return b;\n}\n")
    res = port_source(src, "y.c")
    assert res.text == ('#include "c89compat.h"\nint f(void)\n{\n    int a = 1;\n'
                        "    c89_uint8_t b;\n    a++;\n    b = (c89_uint8_t)a;\n"
                        "    return b;\n}\n")
    assert res.passes_applied == ["declarations", "stdint", "compat_include"]
    assert port_source(res.text, "y.c").text == res.text


def _one_after_another(text, path, ctx):
    """The plain schedule the rounds stand for: each pass reads the text the
    pass before it wrote, round after round, until a round changes nothing."""
    from toolchain.c89 import pipeline
    from toolchain.c89.passes import PASSES
    applied, diags, notes = [], [], []
    for _ in range(pipeline.MAX_ROUNDS):
        before, diags = text, []
        for spec in PASSES:
            if spec.needed is not None and not spec.needed(text):
                continue
            out = spec.run(text, ctx)
            new = out.edits.apply() if out.edits else text
            notes += [d for d in out.diagnostics if d.severity == "note"]
            diags += [d for d in out.diagnostics if d.severity != "note"]
            if new != text and spec.name not in applied:
                applied.append(spec.name)
            text = new
        if text == before:
            return text, applied, diags, notes
    raise AssertionError("did not settle")


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.c")), ids=lambda p: p.name)
def test_rounds_give_what_one_pass_after_another_gives(path, monkeypatch):
    from toolchain.c89 import pipeline
    text = path.read_text("utf-8")
    merged = port_source(text, str(path))
    monkeypatch.setattr(pipeline, "_rounds", _one_after_another)
    plain = port_source(text, str(path))
    assert merged.text == plain.text
    assert merged.passes_applied == plain.passes_applied


def test_a_later_round_reports_the_line_of_the_input():
    """The compat #include added after the first round does not move what
    the last round reports, nor does a declaration hoisted above it."""
    src = ('#include <stdio.h>\n#define FMT "lld"\nint main(void) {\n    puts("x");\n'
           '    long long v = 5;\n    int w = 1;\n\n\n'
           '    printf("%" FMT "\\n", v + w);\n    return 0;\n}\n')
    res = port_source(src, "l.c")
    where = {d.message.split(":")[0]: d.line for d in res.diagnostics}
    assert where == {"'%lld' in a printf format assembled by macros": 9}, \
        res.diagnostics
