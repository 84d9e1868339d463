import pytest

from toolchain.c89.ctok import Tokens
from toolchain.c89.source import EditConflict, EditList, SourceText


def test_offsets_roundtrip():
    s = SourceText("ab\ncd\n\nef")
    assert s.offset(2, 2) == 4
    assert s.line_col(4) == (2, 2)
    assert s.line_end(3) == 5
    assert s.line_text(4) == "ef"
    assert s.indent_of(0) == ""


def test_edits_apply_back_to_front_and_inserts_keep_order():
    e = EditList("int x = 1;")
    e.replace(0, 3, "long")
    e.insert(10, " /*a*/")
    e.insert(10, " /*b*/")
    e.replace(8, 9, "2")
    assert e.apply() == "long x = 2; /*a*/ /*b*/"


def test_overlapping_edits_conflict():
    e = EditList("abcdef")
    e.replace(1, 4, "X")
    with pytest.raises(EditConflict):
        e.replace(3, 5, "Y")
    with pytest.raises(EditConflict):
        e.insert(2, "Z")
    e.insert(1, "<")  # touching the boundary is fine
    e.insert(4, ">")
    assert e.apply() == "a<X>ef"


def test_tokenizer_skips_comments_and_literals():
    t = Tokens('a /* x */ "s//" \'c\' // y\n#define A(x) x+1\nb')
    assert [x.text for x in t.toks if x.pp < 0] == ["a", '"s//"', "'c'", "b"]
    assert [d.name for d in t.directives] == ["define"]
    ctx = t.code_context()
    assert [x.text for i, x in enumerate(t.toks) if ctx[i] and x.pp >= 0] == ["x", "+", "1"]


def test_bracket_matching_and_semicolon():
    t = Tokens("for (int i = 0; f(a, b); i++) { x; }")
    lp = 1
    assert t[t.match[lp]].text == ")"
    assert t.find_semicolon(2) == 6
    parts = t.split_commas(t.match[lp] - 8, t.match[lp] - 5)
    assert len(parts) >= 1
