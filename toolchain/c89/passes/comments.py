"""``//`` comments -> ``/* */`` (text level, before any parsing).

Handles ``//`` inside string/char literals and inside ``/* */`` (left
alone), a ``\\``-newline splice continuing a ``//`` comment (the block
comment then spans the lines), and ``*/`` or ``/*`` inside a ``//`` comment
(defused as ``* /`` and ``/ *`` so the new comment neither ends early nor
trips -Wcomment).
"""

from __future__ import annotations

from ..source import EditList
from . import PassOutput

NAME = "comments"


def _convert(body: str) -> str:
    body = body.replace("*/", "* /").replace("/*", "/ *")
    stripped = body.rstrip(" \t\r")
    if not stripped.strip():
        return "/* */"
    if stripped.endswith("/"):
        stripped += " "  # keep "/ */" from reading as "/*/" oddities
    return "/*" + stripped + " */"


def find_line_comments(text: str) -> list[tuple[int, int]]:
    """``[start, end)`` of every ``//`` comment (end excludes the newline)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\" and text.startswith("\n", i + 1):
            i += 2
        elif c in "\"'":
            q = c
            i += 1
            while i < n and text[i] != q and text[i] != "\n":
                i += 2 if text[i] == "\\" else 1
            i += 1
        elif c == "/" and text.startswith("*", i + 1):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        elif c == "/" and text.startswith("/", i + 1):
            j = i + 2
            while j < n and text[j] != "\n":
                if text[j] == "\\" and text.startswith("\n", j + 1):
                    j += 2
                    continue
                if text[j] == "\\" and text.startswith("\r\n", j + 1):
                    j += 3
                    continue
                j += 1
            if j > i and text[j - 1] == "\r":
                j -= 1
            out.append((i, j))
            i = j
        else:
            i += 1
    return out


def run(text: str, ctx) -> PassOutput:
    edits = EditList(text)
    for start, end in find_line_comments(text):
        edits.replace(start, end, _convert(text[start + 2:end]), NAME)
    return PassOutput(edits)
