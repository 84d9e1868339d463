"""A small C lexer over original source text: enough to find code structure
(identifiers, calls, string literals, preprocessor lines) without being fooled
by comments, strings or character constants. Offsets index the original text."""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(r"""
    (?P<comment>/\*.*?\*/|//(?:[^\n\\]|\\.|\\\n)*)
  | (?P<pp>^[ \t]*\#(?:[^\n\\]|\\.|\\\n)*)
  | (?P<string>(?:L|u8|u|U)?"(?:[^"\\\n]|\\.|\\\n)*")
  | (?P<char>(?:L|u|U)?'(?:[^'\\\n]|\\.|\\\n)*')
  | (?P<ident>[A-Za-z_]\w*)
  | (?P<number>\.?\d(?:[eEpP][+-]|[\w.])*)
  | (?P<space>[ \t\r\f\v]*\n|[ \t\r\f\v]+)
  | (?P<punct>->|\+\+|--|<<=|>>=|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^]=|\.\.\.|\#\#|.)
""", re.VERBOSE | re.DOTALL | re.MULTILINE)


@dataclass(frozen=True)
class Token:
    kind: str   # comment, pp, string, char, ident, number, space, punct
    text: str
    start: int
    end: int


def tokens(text: str, *, keep_space: bool = False) -> list[Token]:
    out = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "space" and not keep_space:
            continue
        out.append(Token(kind, m.group(), m.start(), m.end()))
    return out


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of ``offset``."""
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col


def apply_edits(text: str, edits: list[tuple[int, int, str]]) -> str:
    """Replace ``text[start:end]`` by each replacement; edits must not overlap."""
    out = []
    pos = 0
    for start, end, new in sorted(edits):
        if start < pos:
            raise ValueError(f"overlapping edits at offset {start}")
        out.append(text[pos:start])
        out.append(new)
        pos = end
    out.append(text[pos:])
    return "".join(out)
