"""The bulk lexer (toolchain.c89.fastlex) against pycparser's own lexer.

Whenever ``fastlex.lex`` returns tokens they must be exactly the ones
pycparser's ``CLexer`` makes (type, value, line, column, file name) and the
lexer's final file name must agree; None (fall back to pycparser) is allowed
but must be rare on ordinary code.
"""

from __future__ import annotations

import random

import pytest
from pycparser import c_ast, c_parser
from pycparser.c_lexer import CLexer

from toolchain.c89 import fastlex, frontend
from toolchain.c89.frontend.pycparser_internals import ChunkParser, keyword_map

from .conftest import CORPUS, have


class _LexError(Exception):
    pass


def _raise(msg, line, column):
    raise _LexError(msg)


def _reference(text: str, filename: str):
    """pycparser's tokens and final file name, or None when it reports an error."""
    lexer = CLexer(_raise)
    lexer.input(text, filename)
    toks = []
    try:
        tok = lexer.token()
        while tok is not None:
            toks.append(tok)
            tok = lexer.token()
    except _LexError:
        return None
    return toks, lexer.filename


def _fields(toks):
    return [(t.type, t.value, t.lineno, t.column, t.filename) for t in toks]


def _agrees(text: str, filename: str = "t.c") -> bool:
    """True when the fast path took the text (and matched pycparser exactly),
    False when it fell back; fails on any difference."""
    fast = fastlex.lex(text, filename)
    if fast is None:
        return False
    ref = _reference(text, filename)
    assert ref is not None, f"pycparser rejects what fastlex took: {text!r}"
    toks, final = ref
    assert _fields(fast) == _fields(toks), text
    assert all(type(a) is type(b) for a, b in zip(fast, toks))
    assert fast.filename == final, text
    return True


# -- hand-written snippets ----------------------------------------------------------

TAKEN = [
    # identifiers, keywords, typedef-looking names (the parser reclassifies)
    "int x; unsigned long long y; _Bool b; __int128 w; $x x$1 _ __x",
    "auto break case char const continue default do double else enum extern float "
    "for goto if inline int long register offsetof restrict return short signed "
    "sizeof static struct switch typedef union unsigned void volatile while "
    "__builtin_va_arg _Complex _Generic _Noreturn _Thread_local _Static_assert "
    "_Atomic _Alignof _Alignas",
    "true false bool nullptr typeof constexpr alignas",   # plain IDs in "legacy"
    "size_t n; struct s { int a; } v; L Lx u U u8 u8x uu",
    # every punctuator, apart and run together
    " ".join(fastlex._PUNCT),
    "a+++b a---b a->b->c x... a<<=b>>=c a<<b>>c a<=b>=c a==b!=c a&&b||c !a ~a a?b:c",
    "a*=b a/=b a%=b a+=b a-=b a&=b a|=b a^=b a::b a->*b <::> %:",
    "f(a,b)[c]{d};. .. ...",
    # integers
    "0 00 07 0755 1 42 123456789 0x0 0x1F 0XdeadBEEF 0b101 0B0",
    "1u 1U 1l 1L 1ll 1LL 1ul 1lu 1uL 1Lu 1ull 1uLL 1llu 1LLU 0x1Fu 0b1ul 07lu",
    # floats
    "1. .5 1.5 .5f 1.f 1.5e3 1e5 1e+5 1E-5 1.e3 1.5e-3L 0.0 00.5 08.5 1e5f 0e0",
    "0x1p-3 0x1P+3 0x1.8p3 0x.8p1 0x1.p1 0xAp0f 0x1p3L",
    "a.5 a .5 s.x s.x.y",
    # characters and strings, every prefix
    r"""'a' '\'' '\\' '\n' '\0' '\123' '\x41' '\xff' '"' '?' ' '""",
    r"""L'a' u'b' U'c' u8'd' L'\n' u8'\x41'""",
    r'''"" "a" "a\"b" "\\" "\n\t" "'" "\x41\101" "a\?b" "%d\n"''',
    r'''L"x" u"x" U"x" u8"x" L"" u8"a\"b" "a" "b" x"y" u8x"z"''',
    # blanks: tabs count as one column; \f and \v are blanks too
    "a\tb\n\t\tc\n\n   d\f e\v f",
    "  \n\n",
    "",
    # line markers, with and without flags, "#line", trailing blanks
    '# 1 "a.c"\nint x;\n# 12 "b.h" 1 3\n  int y;\n# 3 "a.c" 2\nz',
    '#line 7 "c.h"\nq\n#line 9\nr\n  # 20\ns',
    '# 5 "f.c" 1 3 4 \t\nx\n#\tline\t6\t"g.c"\ny',
    '# 1 "dir/with space.c"\nx',
    '# 1 "a\\\\b.c"\nx',         # the name keeps its backslashes, as pycparser's does
    '# 1 ""\nx',
    'a # 7 "mid.c"\nb',         # pycparser takes a marker anywhere
    '# 40 "last.h"',             # a marker at the very end changes only the file name
    '# 40 "last.h"\n',
]

FALLBACK = [
    "#pragma omp parallel for\nint x;",
    "# pragma once\n",
    "_Pragma(\"omp parallel\") int x;",
    "[[nodiscard]] int f(void);",
    "[ [deprecated]] int g;",
    '"unterminated',
    "'a",
    "''",
    "'ab'",                      # a multi-character constant
    r"'\u00e9'",
    r'"bad \@ escape"',         # pycparser rejects it (\q would be taken, as by pycparser)
    "a /* comment */ b",
    "a // comment",
    "08", "0x", "1e", "1..2", "1.2.3", "1'000", "1.0df", "1wb", "0b2", "1lL",
    "#define X 1\n",
    "# 1 \"a.c\" junk\n",
    "#line\n",
    "a @ b", "a ` b", "a \\ b", "int x;\r\n", "int \u00e9;",
    "#",
    "a ## b",
]


@pytest.mark.parametrize("text", TAKEN)
def test_taken_snippets_match_pycparser(text):
    assert _agrees(text), f"fell back on {text!r}"


@pytest.mark.parametrize("text", FALLBACK)
def test_unusual_snippets_fall_back(text):
    assert fastlex.lex(text, "t.c") is None


def test_keyword_table_is_pycparsers():
    table = keyword_map()
    assert fastlex._KEYWORDS == table
    assert _agrees(" ".join(k for k in table if k != "_Pragma"))


def test_token_fields_and_marker_file_names():
    toks = fastlex.lex('# 3 "a.h" 1\n  int x;\n# 9 "b.c" 2\n\tfoo(1.5);', "start.c")
    assert [(t.type, t.value, t.lineno, t.column, t.filename) for t in toks] == [
        ("INT", "int", 3, 3, "a.h"), ("ID", "x", 3, 7, "a.h"), ("SEMI", ";", 3, 8, "a.h"),
        ("ID", "foo", 9, 2, "b.c"), ("LPAREN", "(", 9, 5, "b.c"),
        ("FLOAT_CONST", "1.5", 9, 6, "b.c"), ("RPAREN", ")", 9, 9, "b.c"),
        ("SEMI", ";", 9, 10, "b.c"),
    ]
    assert toks.filename == "b.c"
    assert fastlex.lex("x", "start.c").filename == "start.c"


# -- random token soup --------------------------------------------------------------

_PIECES = (
    "a L u U u8 u8x Lx int _Bool $x x1 0 00 07 08 0x 0x1F 0X1p3 0x1.8p-3 0x.8p1 "
    "0b101 0B2 1 12 1u 1ul 1lu 1uLL 1LLu 1lL 1uw 1wb 1'0 1. 1.5 .5 .5f 1e 1e5 "
    "1e+5 1E-5 1.e3 1.5e-3L 1.0df 1f 0. 00.5 08.5 1..2 0x1e5 1e5f 0xe+1 "
    "... .. . <<= >>= << >> < > <= >= = == ! != + ++ += - -- -= -> * *= / /= "
    "% %= & && &= | || |= ^ ^= ~ ? : :: ( ) [ ] [[ ]] { } , ; # ## @ \\ ` é"
).split() + [
    '"', '"x"', r'"a\"b"', r'"\q"', r'"\n"', r'"\\"', r'"\u1234"', "'", "'a'",
    "'ab'", r"'\''", r"'\x41'", r"'\123'", r"'\1234'", r"'\08'", r"'\e'", "''",
    'L"x"', "L'x'", 'u"x"', 'U"x"', 'u8"x"', "u8'x'", "u'x'", "U'x'", "/*", "//",
    "# 5", '# 5 "f.c"', '# 5 "f.c" 1 3', '#line 9 "g.h"', "#line 9", "#pragma x",
    "#line", '# 7 "x" y', "\r", "\f", "\v", "\t", " ", "\n", "_Pragma",
]
_SEPS = ["", "", " ", "\n", "\t", "  "]


def test_random_token_soup():
    rng = random.Random(1234)
    taken = 0
    for _ in range(6000):
        text = "".join(rng.choice(_PIECES) + rng.choice(_SEPS)
                       for _ in range(rng.randint(1, 8)))
        taken += _agrees(text)
    assert taken > 1000   # the comparison is not vacuous


# -- what parse_chunk sees on real code ----------------------------------------------


@pytest.mark.skipif(not have("gcc"), reason="needs gcc")
def test_corpus_chunks_match_pycparser():
    files = sorted(CORPUS.glob("*.c"))
    assert files
    chunks = fell_back = 0
    for path in files:
        unit = frontend.Unit(path.read_text(), str(path))
        pp = unit.pp_text
        _agrees(pp, str(path))                 # the whole text: same tokens, or None
        pieces = frontend.split_chunks(pp)
        assert pieces
        for piece in pieces:
            texts = [piece.text]
            if piece.body >= 0:                # the outline variant of a function
                texts.append(piece.text[:piece.body] + "{}")
            for text in texts:
                chunks += 1
                fell_back += not _agrees(text, piece.file)
    assert chunks > 1000
    assert fell_back <= chunks // 100, f"{fell_back} of {chunks} chunks fell back"


# -- the parser with either lexer ----------------------------------------------------


def _slow_lex(monkeypatch):
    monkeypatch.setattr(fastlex, "lex", lambda text, filename: None)


def _parse(text, file="a.c"):
    parser = ChunkParser()
    try:
        chunk = parser.parse_chunk(text, file, {})
    except c_parser.ParseError as exc:
        return "error", str(exc)
    shown = []
    for node in chunk.ext:
        node.show(buf=_Sink(shown), attrnames=True, nodenames=True, showcoord=True)
    coords = sorted((c.file, c.line, c.column) for c in chunk.coords)
    return "".join(shown), coords, sorted(chunk.delta.items())


class _Sink:
    def __init__(self, out):
        self.out = out

    def write(self, s):
        self.out.append(s)


PARSED = [
    '# 1 "a.c"\ntypedef int T;\nstatic T f(T x) { return x * 2 + 1.5e0; }',
    '# 4 "a.c"\nstruct s { int a; char *p; };\n# 9 "b.h" 1\n  enum { E = 0x10 } e;',
    '# 1 "a.c"\nint g(void) { char c = \'\\n\'; return c == L\'x\' ? sizeof "ab" : 0; }',
    # errors: the message names the last marker's file at the end of input
    '# 1 "a.c"\nint x;\n# 30 "other.h"\nint y',
    '# 1 "a.c"\nint f(void) {\n# 8 "b.h"\n return 1;',
    '# 1 "a.c"\nint x = ;',
]


@pytest.mark.parametrize("text", PARSED)
def test_parse_chunk_same_with_either_lexer(text, monkeypatch):
    assert fastlex.lex(text, "a.c") is not None
    fast = _parse(text)
    _slow_lex(monkeypatch)
    slow = _parse(text)
    assert fast == slow
    if fast[0] == "error" and "At end of input" in fast[1]:
        assert fast[1].startswith(("other.h", "b.h"))


def test_parse_chunk_falls_back_on_pragma():
    text = '# 1 "a.c"\n#pragma pack(1)\n'
    assert fastlex.lex(text, "a.c") is None
    chunk = ChunkParser().parse_chunk(text, "a.c", {})
    assert isinstance(chunk.ext[0], c_ast.Pragma)
