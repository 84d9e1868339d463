from toolchain.c89.passes import comments

from .conftest import port


def run(text):
    return comments.run(text, None).edits.apply()


def test_line_comment():
    assert run("int a; // note\n") == "int a; /* note */\n"


def test_empty_and_trailing_blanks():
    assert run("x; //\ny; //  \n") == "x; /* */\ny; /* */\n"


def test_comment_terminator_inside_is_defused():
    assert run("a; // x */ y /* z\n") == "a; /* x * / y / * z */\n"


def test_slashes_in_strings_chars_and_block_comments_untouched():
    src = 'char *s = "// no"; char c = \'/\'; /* // no */\n'
    assert run(src) == src


def test_splice_continues_comment():
    assert run("a; // one \\\ntwo\nb;\n") == "a; /* one \\\ntwo */\nb;\n"


def test_crlf_line_endings():
    assert run("a; // x\r\nb;\r\n") == "a; /* x */\r\nb;\r\n"


def test_through_pipeline_is_idempotent():
    src = "int main(void) { // hi\n    return 0; // bye\n}\n"
    out = port(src)
    assert out == "int main(void) { /* hi */\n    return 0; /* bye */\n}\n"
    assert port(out) == out
