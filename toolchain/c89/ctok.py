"""A tiny C tokenizer over the original text.

It knows just enough C to find extents: identifiers, pp-numbers, string and
character literals (with encoding prefixes), punctuators, comments (skipped)
and preprocessor directives (their tokens are flagged ``pp``).  Line splices
are treated as blanks.  It never fails: unknown characters become one-char
punctuators.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .source import SourceText

_PUNCTS = sorted("""... <<= >>= -> ++ -- << >> <= >= == != && || *= /= %= += -= &= ^= |= ##
    [ ] ( ) { } . & * + - ~ ! / % < > ^ | ? : ; = , #""".split(), key=len, reverse=True)
_IDENT = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_PPNUM = re.compile(r"\.?[0-9](?:[eEpP][+-]|[0-9A-Za-z_.])*")
_OPEN = {"(": ")", "[": "]", "{": "}"}
_CLOSE = {")": "(", "]": "[", "}": "{"}
_STRPFX = ("L", "u", "U", "u8")


@dataclass(slots=True)
class Tok:
    kind: str        # "id" | "num" | "str" | "chr" | "punct"
    text: str
    start: int
    end: int
    line: int
    col: int
    pp: int = -1     # index of the "#" token of the directive holding it, else -1
    bol: bool = False  # first token on its (logical) line


@dataclass(slots=True)
class Directive:
    hash_index: int          # token index of "#"
    name: str                # "include", "define", "if", ... ("" for a null directive)
    start: int               # offset of the line start
    end: int                 # offset of the terminating newline (or len)
    line: int


class Tokens:
    """Token list for one text plus bracket matching and helpers."""

    def __init__(self, text: str, src: SourceText | None = None):
        self.text = text
        self.src = src or SourceText(text)
        self.toks: list[Tok] = []
        self.comments: list[tuple[int, int]] = []
        self.directives: list[Directive] = []
        self._scan()
        self.match: dict[int, int] = {}
        self._match()
        self._by_start = {t.start: i for i, t in enumerate(self.toks)}
        self.by_line: dict[int, list[int]] = {}
        for i, t in enumerate(self.toks):
            self.by_line.setdefault(t.line, []).append(i)

    # -- scanning ---------------------------------------------------------
    def _scan(self) -> None:
        text, n = self.text, len(self.text)
        i = 0
        at_bol = True
        pp = -1
        pp_line_start = 0
        cur_dir: Directive | None = None
        while i < n:
            c = text[i]
            if c == "\\" and text.startswith("\n", i + 1):
                i += 2
                continue
            if c == "\\" and text.startswith("\r\n", i + 1):
                i += 3
                continue
            if c == "\n":
                if pp >= 0 and cur_dir is not None:
                    cur_dir.end = i
                    self.directives.append(cur_dir)
                    cur_dir = None
                pp = -1
                at_bol = True
                i += 1
                continue
            if c in " \t\r\f\v":
                i += 1
                continue
            if c == "/" and text.startswith("/", i + 1):
                j = i + 2
                while j < n and text[j] != "\n":
                    if text[j] == "\\" and text.startswith("\n", j + 1):
                        j += 2
                        continue
                    j += 1
                self.comments.append((i, j))
                i = j
                continue
            if c == "/" and text.startswith("*", i + 1):
                j = text.find("*/", i + 2)
                j = n if j < 0 else j + 2
                self.comments.append((i, j))
                i = j
                continue
            start = i
            kind = "punct"
            m = _IDENT.match(text, i)
            if m:
                i = m.end()
                kind = "id"
                word = m.group()
                if word in _STRPFX and i < n and text[i] in "\"'":
                    kind = "str" if text[i] == '"' else "chr"
                    i = self._skip_quoted(i)
            elif c.isdigit() or (c == "." and i + 1 < n and text[i + 1].isdigit()):
                i = _PPNUM.match(text, i).end()
                kind = "num"
            elif c in "\"'":
                kind = "str" if c == '"' else "chr"
                i = self._skip_quoted(i)
            else:
                for p in _PUNCTS:
                    if text.startswith(p, i):
                        i += len(p)
                        break
                else:
                    i += 1
            line, col = self.src.line_col(start)
            tok = Tok(kind, text[start:i], start, i, line, col, pp, at_bol)
            if at_bol and tok.text == "#" and pp < 0:
                pp = len(self.toks)
                tok.pp = pp
                cur_dir = Directive(pp, "", self.src.line_start(start), n, line)
            elif pp >= 0 and cur_dir is not None and not cur_dir.name and len(self.toks) == pp + 1:
                cur_dir.name = tok.text if kind == "id" else ""
            self.toks.append(tok)
            at_bol = False
        if cur_dir is not None:
            cur_dir.end = n
            self.directives.append(cur_dir)

    def _skip_quoted(self, i: int) -> int:
        text, n = self.text, len(self.text)
        q = text[i]
        i += 1
        while i < n:
            c = text[i]
            if c == "\\":
                i += 2
                continue
            if c == q or c == "\n":
                return i + 1 if c == q else i
            i += 1
        return n

    def _match(self) -> None:
        stack: list[int] = []
        for i, t in enumerate(self.toks):
            if t.pp >= 0 or t.kind != "punct":
                continue
            if t.text in _OPEN:
                stack.append(i)
            elif t.text in _CLOSE:
                # pop until the matching kind (tolerate unbalanced input)
                for k in range(len(stack) - 1, -1, -1):
                    if self.toks[stack[k]].text == _CLOSE[t.text]:
                        j = stack[k]
                        del stack[k:]
                        self.match[i] = j
                        self.match[j] = i
                        break

    # -- helpers ----------------------------------------------------------
    def __len__(self) -> int:
        return len(self.toks)

    def __getitem__(self, i: int) -> Tok:
        return self.toks[i]

    def index_at(self, offset: int) -> int | None:
        return self._by_start.get(offset)

    def next_code(self, i: int) -> int | None:
        """Index of the next non-directive token after ``i``."""
        j = i + 1
        while j < len(self.toks) and self.toks[j].pp >= 0:
            j += 1
        return j if j < len(self.toks) else None

    def prev_code(self, i: int) -> int | None:
        j = i - 1
        while j >= 0 and self.toks[j].pp >= 0:
            j -= 1
        return j if j >= 0 else None

    def find_semicolon(self, i: int) -> int | None:
        """First ``;`` at bracket depth <= 0 from token ``i`` (code tokens only)."""
        depth = 0
        j = i
        while j < len(self.toks):
            t = self.toks[j]
            if t.pp < 0 and t.kind == "punct":
                if t.text in _OPEN:
                    depth += 1
                elif t.text in _CLOSE:
                    depth -= 1
                    if depth < -8:
                        return None
                elif t.text == ";" and depth <= 0:
                    return j
            j += 1
        return None

    def split_commas(self, i: int, j: int) -> list[tuple[int, int]]:
        """Split tokens ``[i, j)`` at depth-0 commas -> list of [a, b) index ranges."""
        parts = []
        depth = 0
        a = i
        for k in range(i, j):
            t = self.toks[k]
            if t.pp >= 0 or t.kind != "punct":
                continue
            if t.text in _OPEN:
                depth += 1
            elif t.text in _CLOSE:
                depth -= 1
            elif t.text == "," and depth == 0:
                parts.append((a, k))
                a = k + 1
        parts.append((a, j))
        return parts

    def directive_of(self, i: int) -> Directive | None:
        t = self.toks[i]
        if t.pp < 0:
            return None
        for d in self.directives:
            if d.hash_index == t.pp:
                return d
        return None

    def code_context(self) -> list[bool]:
        """Per token: True when it is C code a rename may touch (outside
        directives, or in the replacement list of a ``#define``)."""
        ok = [t.pp < 0 for t in self.toks]
        for d in self.directives:
            if d.name != "define":
                continue
            k = d.hash_index + 2  # macro name
            if k >= len(self.toks) or self.toks[k].pp != d.hash_index:
                continue
            body = k + 1
            # function-like macro: "(" directly after the name
            if (body < len(self.toks) and self.toks[body].text == "("
                    and self.toks[body].start == self.toks[k].end):
                close = body
                while close < len(self.toks) and self.toks[close].text != ")" \
                        and self.toks[close].pp == d.hash_index:
                    close += 1
                body = close + 1
            while body < len(self.toks) and self.toks[body].pp == d.hash_index:
                ok[body] = True
                body += 1
        return ok

    def is_member(self, i: int) -> bool:
        """Token ``i`` follows ``.`` or ``->`` (a struct member name)."""
        return i > 0 and self.toks[i - 1].text in (".", "->")
