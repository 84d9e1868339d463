from pathlib import Path

from toolchain.c89.passes import comments
from toolchain.c89.passes.base import PassContext
from toolchain.c89.passes.comments import find_line_comments

from .conftest import port


def run(text):
    # a text-level pass: it needs no analysed unit
    return comments.SPEC.run(text, PassContext("t.c", "c89compat.h", None)).edits.apply()


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


def _reference_line_comments(text: str) -> list[tuple[int, int]]:
    """The character-by-character reading find_line_comments must agree with."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\" and text.startswith("\n", i + 1):
            i += 2
        elif c in "\"'":
            i += 1
            while i < n and text[i] != c and text[i] != "\n":
                i += 2 if text[i] == "\\" else 1
            i += 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        elif text.startswith("//", i):
            j = i + 2
            while j < n and text[j] != "\n":
                if text.startswith("\\\n", j):
                    j += 2
                elif text.startswith("\\\r\n", j):
                    j += 3
                else:
                    j += 1
            out.append((i, j - 1 if text[j - 1] == "\r" else j))
            i = j
        else:
            i += 1
    return out


def test_line_comment_scan_matches_a_plain_reading():
    import random
    rnd = random.Random(7)
    for _ in range(50_000):
        text = "".join(rnd.choice("/\\*\"'\n\rab ") for _ in range(rnd.randint(0, 16)))
        assert find_line_comments(text) == _reference_line_comments(text), repr(text)
    for path in sorted((Path(__file__).parent / "corpus").glob("*.c")):
        text = path.read_text("utf-8")
        assert find_line_comments(text) == _reference_line_comments(text), path.name
