"""Bulk lexer for preprocessed C: the tokens pycparser's own lexer makes, fast.

pycparser's ``CLexer`` produces one token per call, skipping blanks one
character at a time and trying a master regex and a table of punctuators
for every token.  :func:`lex` scans a whole chunk with one compiled regex
instead and builds the very same ``Token`` objects (type, value, line,
column, file name), for pycparser's "legacy" keyword set.

It only knows the common forms.  Whatever else it meets -- ``#pragma`` or
any other ``#`` that is not a line marker, ``_Pragma``, ``[[`` attributes,
comments, multi-character or unusual character constants, string escapes
pycparser rejects, digit separators, ``wb``/``dd`` suffixes, malformed
numbers, ``\\r`` or any other character pycparser does not take -- makes it
return None, and the caller lexes with pycparser.  Each accepted form is
one pycparser lexes identically (the test suite compares the two token by
token), so the fast path never changes a parse.
"""

from __future__ import annotations

import re

from pycparser.c_lexer import Token

# -- token tables -------------------------------------------------------------

# keywords of pycparser's "legacy" dialect and their token types
_KEYWORDS = {
    name: name.upper()
    for name in (
        "auto break case char const continue default do double else enum extern "
        "float for goto if inline int long register offsetof restrict return short "
        "signed sizeof static struct switch typedef union unsigned void volatile "
        "while __builtin_va_arg __int128"
    ).split()
}
_KEYWORDS.update({
    name: name.upper()
    for name in ("_Bool _Complex _Generic _Noreturn _Thread_local _Static_assert "
                 "_Atomic _Alignof _Alignas _Pragma").split()
})

# punctuators and operators (pycparser has no digraphs and no "->*")
_PUNCT = {
    "...": "ELLIPSIS", "<<=": "LSHIFTEQUAL", ">>=": "RSHIFTEQUAL",
    "++": "PLUSPLUS", "--": "MINUSMINUS", "->": "ARROW", "&&": "LAND", "||": "LOR",
    "<<": "LSHIFT", ">>": "RSHIFT", "<=": "LE", ">=": "GE", "==": "EQ", "!=": "NE",
    "*=": "TIMESEQUAL", "/=": "DIVEQUAL", "%=": "MODEQUAL", "+=": "PLUSEQUAL",
    "-=": "MINUSEQUAL", "&=": "ANDEQUAL", "|=": "OREQUAL", "^=": "XOREQUAL",
    "::": "COLONCOLON",
    "=": "EQUALS", "+": "PLUS", "-": "MINUS", "*": "TIMES", "/": "DIVIDE",
    "%": "MOD", "|": "OR", "&": "AND", "~": "NOT", "^": "XOR", "!": "LNOT",
    "<": "LT", ">": "GT", "?": "CONDOP", "(": "LPAREN", ")": "RPAREN",
    "[": "LBRACKET", "]": "RBRACKET", "{": "LBRACE", "}": "RBRACE",
    ",": "COMMA", ".": "PERIOD", ";": "SEMI", ":": "COLON",
}

# -- the master regex -------------------------------------------------------------
#
# Every match is optional blanks and then exactly one named alternative; the
# last one, X, takes any single character, so no character is ever skipped
# unseen: X means "not handled here".  pycparser tries its literal patterns
# in a fixed order and keeps the first that matches (a punctuator only when
# strictly longer); the notes below say why each alternative agrees with it.

# Body of a string literal: pycparser takes a backslash before these
# characters and rejects the string (an error token) for any other one.
_STR = r'"(?:[^"\\\n]|\\[0-9A-Za-z._~!=&^\-\\?\'"])*+"'
# A character constant with one element: a plain character, a simple escape,
# an octal or a hex escape (pycparser's escapes take every following digit,
# so these are single elements for it as well).  Multi-character constants,
# \u escapes and the rest fall back.
_CHR = r"'(?:[^'\\\n]|\\[abfnrtv'\"?\\]|\\[0-7]{1,3}|\\x[0-9A-Fa-f]+)'"
# Integer suffixes; pycparser's alternation picks the same span for each.
_ISUF = r"(?:[uU](?:ll|LL|[lL])?|(?:ll|LL|[lL])[uU]?)?"
# A number must not run on into more pp-number characters: "1.2.3", "08",
# "1'000", "1.0df", "0x1wb", "1e" all fall back instead of being split in a
# way that might differ from pycparser's.
_END = r"(?![0-9A-Za-z_$.'])"

_ALTS = [
    # identifiers and keywords, except a string/char prefix right before a quote
    r"""(?!(?:[LuU]|u8)['"])(?P<I>[A-Za-z_$][0-9A-Za-z_$]*+)""",
    # punctuators, longest first; "/*" and "//" (comments, an error for
    # pycparser), "[[" (an attribute) and ".5" (a float) are not punctuators
    r"(?P<P>\.\.\.|<<=|>>=|->|\+\+|--|&&|\|\||<<|>>|[<>=!*%+\-&|^]=|/(?![*/])=?|::"
    r"|\[(?!\s*\[)|\.(?![0-9])|[=+\-*%|&~^!<>?()\]{},;:])",
    r"(?P<N>\n)",
    # numbers; thanks to the end guard no two of these match at one place
    r"(?P<HEX_FLOAT_CONST>0[xX](?:[0-9A-Fa-f]++(?:\.[0-9A-Fa-f]*+)?|\.[0-9A-Fa-f]++)"
    r"[pP][-+]?[0-9]++[fFlL]?)" + _END,
    r"(?P<FLOAT_CONST>(?:[0-9]++\.[0-9]*+|\.[0-9]++)(?:[eE][-+]?[0-9]++)?[fFlL]?"
    r"|[0-9]++[eE][-+]?[0-9]++[fFlL]?)" + _END,
    r"(?P<INT_CONST_HEX>0[xX][0-9A-Fa-f]++" + _ISUF + ")" + _END,
    r"(?P<INT_CONST_BIN>0[bB][01]++" + _ISUF + ")" + _END,
    r"(?P<INT_CONST_OCT>0[0-7]*+" + _ISUF + ")" + _END,
    r"(?P<INT_CONST_DEC>[1-9][0-9]*+" + _ISUF + ")" + _END,
    r"(?P<STRING_LITERAL>" + _STR + ")",
    r"(?P<CHAR_CONST>" + _CHR + ")",
    r"(?P<WSTRING_LITERAL>L" + _STR + ")",
    r"(?P<U8STRING_LITERAL>u8" + _STR + ")",
    r"(?P<U16STRING_LITERAL>u" + _STR + ")",
    r"(?P<U32STRING_LITERAL>U" + _STR + ")",
    r"(?P<WCHAR_CONST>L" + _CHR + ")",
    r"(?P<U8CHAR_CONST>u8" + _CHR + ")",
    r"(?P<U16CHAR_CONST>u" + _CHR + ")",
    r"(?P<U32CHAR_CONST>U" + _CHR + ")",
    # line markers: "# 12", "# 12 "file" 1 3", "#line 12 "file"" -- the whole
    # rest of the line, with the newline; anything else after "#" falls back
    r"(?P<M>\#[ \t]*+(?:line[ \t]++)?(?P<Mline>[0-9]++)"
    r"(?:[ \t]*+(?P<Mfile>" + _STR + r")(?:[ \t]*+[0-9]++)*+)?[ \t]*+(?:\n|\Z))",
    r"(?P<X>[\s\S])",
]

_MASTER = re.compile(r"[ \t\f\v]*+(?:" + "|".join(_ALTS) + ")")


class TokenList(list):
    """The tokens of a text; ``filename`` is the file name the lexer is left
    with at its end (the last line marker's, as ``CLexer.filename``)."""
    __slots__ = ("filename",)


def lex(text: str, filename: str) -> TokenList | None:
    """pycparser's tokens for ``text`` (lexed as ``CLexer.input(text,
    filename)`` would), or None when the text holds something this lexer
    leaves to pycparser."""
    if "_Pragma" in text:
        return None
    out = TokenList()
    app = out.append
    kw = _KEYWORDS.get
    punct = _PUNCT
    tok = Token
    lineno = 1
    base = -1          # offset of the current line's start, minus one
    fname = filename
    for m in _MASTER.finditer(text):
        k = m.lastgroup
        if k == "I":
            v = m["I"]
            app(tok(kw(v, "ID"), v, lineno, m.start("I") - base, fname))
        elif k == "P":
            v = m["P"]
            app(tok(punct[v], v, lineno, m.start("P") - base, fname))
        elif k == "N":
            lineno += 1
            base = m.end() - 1
        elif k == "M":
            lineno = int(m["Mline"])
            q = m["Mfile"]
            if q is not None:
                fname = q.lstrip('"').rstrip('"')
            base = m.end() - 1
        elif k == "X":
            return None
        else:
            v = m[k]
            app(tok(k, v, lineno, m.start(k) - base, fname))
    out.filename = fname
    return out
