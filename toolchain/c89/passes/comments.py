"""``//`` comments -> ``/* */`` (text level, before any parsing).

Handles ``//`` inside string/char literals and inside ``/* */`` (left
alone), a ``\\``-newline splice continuing a ``//`` comment (the block
comment then spans the lines), and ``*/`` or ``/*`` inside a ``//`` comment
(defused as ``* /`` and ``/ *`` so the new comment neither ends early nor
trips -Wcomment).
"""

from __future__ import annotations

import re

from .base import PassOutput, PassSpec

NAME = "comments"


def _convert(body: str) -> str:
    body = body.replace("*/", "* /").replace("/*", "/ *")
    stripped = body.rstrip(" \t\r")
    if not stripped.strip():
        return "/* */"
    if stripped.endswith("/"):
        stripped += " "  # keep "/ */" from reading as "/*/" oddities
    return "/*" + stripped + " */"


# One scan, left to right: line splices, string and character literals (to
# a closing quote or the end of the line; a backslash takes the next
# character), block comments (to "*/" or the end), line comments (through
# splices, "\\\r\n" too), runs of uninteresting characters, any other one.
_SCAN = re.compile(r"""\\\n|"(?:[^"\\\n]|\\[\s\S])*(?:"|\n)?|'(?:[^'\\\n]|\\[\s\S])*(?:'|\n)?"""
                   r"""|/\*(?:[\s\S]*?\*/|[\s\S]*)|(?P<line>//(?:\\\r?\n|[^\n])*)|[^\\"'/]+|[\s\S]""")


def find_line_comments(text: str) -> list[tuple[int, int]]:
    """``[start, end)`` of every ``//`` comment (end excludes the newline and
    a carriage return before it)."""
    out = []
    for m in _SCAN.finditer(text):
        if m.lastgroup:
            s, e = m.span()
            if text[e - 1] == "\r":
                e -= 1
            out.append((s, e))
    return out


def run(text: str, ctx) -> PassOutput:
    out = PassOutput.of(NAME, text, path=ctx.path)
    for start, end in find_line_comments(text):
        out.edits.replace(start, end, _convert(text[start + 2:end]), NAME)
    return out


SPEC = PassSpec(NAME, "round", run)
