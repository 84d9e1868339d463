"""A tiny C tokenizer over the original text.

It knows just enough C to find extents: identifiers, pp-numbers, string and
character literals (with encoding prefixes), punctuators, comments (skipped)
and preprocessor directives (their tokens are flagged ``pp``).  Line splices
are treated as blanks.  It never fails: unknown characters become one-char
punctuators.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cached_property

from .source import SourceText

_PUNCTS = sorted("""... <<= >>= -> ++ -- << >> <= >= == != && || *= /= %= += -= &= ^= |= ##
    [ ] ( ) { } . & * + - ~ ! / % < > ^ | ? : ; = , #""".split(), key=len, reverse=True)
_OPEN = {"(": ")", "[": "]", "{": "}"}
_CLOSE = {")": "(", "]": "[", "}": "{"}
_STRPFX = ("L", "u", "U", "u8")

# The whole scanner is one alternation, tried left to right at each place:
# line splices and blanks (skipped), newlines, comments, prefixed literals,
# identifiers, pp-numbers, literals, punctuators (longest first), and any
# other character alone.  An unterminated literal stops before its newline
# (a backslash takes the next character, newline included); an unterminated
# block comment runs to the end of the text.
_STR_BODY = r'(?:[^"\\\n]|\\[\s\S]?)*(?:"|(?=\n)|\Z)'
_CHR_BODY = r"(?:[^'\\\n]|\\[\s\S]?)*(?:'|(?=\n)|\Z)"
_SCAN = re.compile(
    r"(?P<skip>\\\r?\n|[ \t\r\f\v]+)"
    r"|(?P<nl>\n)"
    r"|(?P<cmt>//(?:[^\n\\]|\\\n|\\(?!\n))*|/\*[\s\S]*?(?:\*/|\Z))"
    r"|(?P<pstr>(?:u8|[LuU])(?:\"" + _STR_BODY + r"|'" + _CHR_BODY + r"))"
    r"|(?P<id>[A-Za-z_$][A-Za-z0-9_$]*)"
    r"|(?P<num>\.?[0-9](?:[eEpP][+-]|[0-9A-Za-z_.])*)"
    r"|(?P<str>\"" + _STR_BODY + r")"
    r"|(?P<chr>'" + _CHR_BODY + r")"
    r"|(?P<punct>" + "|".join(re.escape(p) for p in _PUNCTS) + r"|[\s\S])")


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
        self._code_ctx: list[bool] | None = None
        self._scan()

    # the indexes below are built on first use (many texts need only some)
    @cached_property
    def match(self) -> dict[int, int]:
        """Token index of each bracket -> index of its partner."""
        out: dict[int, int] = {}
        self._match(out)
        return out

    @cached_property
    def _by_start(self) -> dict[int, int]:
        return {t.start: i for i, t in enumerate(self.toks)}

    @cached_property
    def by_line(self) -> dict[int, list[int]]:
        """Line number -> indices of the tokens starting on it."""
        out: dict[int, list[int]] = {}
        last, cur = None, None
        for i, t in enumerate(self.toks):
            if t.line != last:
                last = t.line
                cur = out.setdefault(last, [])
            cur.append(i)
        return out

    # -- scanning ---------------------------------------------------------
    def _scan(self) -> None:
        text, n = self.text, len(self.text)
        toks, comments, directives = self.toks, self.comments, self.directives
        line_starts = self.src.line_starts
        # tokens come in order: walk a cursor over the line starts instead of
        # a bisect per token
        li, nls = 0, len(line_starts)
        next_ls = line_starts[1] if nls > 1 else n + 1
        at_bol = True
        pp = -1
        cur_dir: Directive | None = None
        for m in _SCAN.finditer(text):
            kind = m.lastgroup
            if kind == "skip":
                continue
            if kind == "nl":
                if pp >= 0 and cur_dir is not None:
                    cur_dir.end = m.start()
                    directives.append(cur_dir)
                    cur_dir = None
                pp = -1
                at_bol = True
                continue
            if kind == "cmt":
                comments.append(m.span())
                continue
            start, end = m.span()
            while next_ls <= start:
                li += 1
                next_ls = line_starts[li + 1] if li + 1 < nls else n + 1
            word = m.group()
            if kind == "pstr":
                kind = "str" if word[2 if word[0] == "u" and word[1] == "8" else 1] == '"' else "chr"
            tok = Tok(kind, word, start, end, li + 1, start - line_starts[li] + 1, pp, at_bol)
            if at_bol and pp < 0 and word == "#":
                pp = len(toks)
                tok.pp = pp
                cur_dir = Directive(pp, "", line_starts[li], n, li + 1)
            elif pp >= 0 and cur_dir is not None and not cur_dir.name and len(toks) == pp + 1:
                cur_dir.name = word if kind == "id" else ""
            toks.append(tok)
            at_bol = False
        if cur_dir is not None:
            cur_dir.end = n
            directives.append(cur_dir)

    def _match(self, match: dict[int, int]) -> None:
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
                        match[i] = j
                        match[j] = i
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
        directives, or in the replacement list of a ``#define``).  Computed
        once; the list is shared, do not change it."""
        if self._code_ctx is None:
            self._code_ctx = self._code_context()
        return self._code_ctx

    @cached_property
    def id_index(self) -> dict[str, list[int]]:
        """Spelling -> indices of the identifier tokens spelled so."""
        out: dict[str, list[int]] = {}
        for i, t in enumerate(self.toks):
            if t.kind == "id":
                lst = out.get(t.text)
                if lst is None:
                    out[t.text] = [i]
                else:
                    lst.append(i)
        return out

    @cached_property
    def _comment_starts(self) -> list[int]:
        return [c[0] for c in self.comments]

    def comments_in(self, lo: int, hi: int) -> list[tuple[int, int]]:
        """The comments starting in [lo, hi), in order (a bisect, not a scan)."""
        starts = self._comment_starts
        return self.comments[bisect.bisect_left(starts, lo):bisect.bisect_left(starts, hi)]

    @cached_property
    def num_index(self) -> list[int]:
        """Indices of the pp-number tokens."""
        return [i for i, t in enumerate(self.toks) if t.kind == "num"]

    def _code_context(self) -> list[bool]:
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
