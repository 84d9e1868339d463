"""Chunked, cached parsing of preprocessed text.

The preprocessed text is cut into top-level chunks (one per external
declaration or function definition) and each chunk is parsed on its own,
with the file-scope typedef table left by the chunks before it; a parsed
chunk is cached, keyed by its text (line markers made relative to the
chunk, so moving it up or down the file keeps the key) and by what the
typedef table says about the identifiers it contains.  Only chunks whose
text changed are parsed again, and the fake libc and project headers are
parsed once per process.  A chunk that does not parse on its own raises
pycparser's ParseError: the unit is then parsed whole, so errors and their
locations are exactly those of pycparser on the whole file.

Reused AST nodes are shared by the units that contain the same chunk: a
unit's AST (and its coordinates) stays valid until another unit with a
chunk in common is parsed.  Passes read one unit at a time, so this holds.
"""

from __future__ import annotations

import re
from collections import OrderedDict

from pycparser import c_ast

from .pycparser_internals import ChunkParser

# Top-level structure of gcc -E output: directive lines (markers, pragmas),
# literals (which may hold brackets) and the punctuation that opens, closes
# and ends external declarations ("=" tells an initializer's compound literal
# "(T){...}" from a function body).
_SPLIT = re.compile(r"""(?m)^[ \t]*\#[^\n]*|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|[{}()\[\];=]""")
_MARKER_AT = re.compile(r'#\s*(?:line\s+)?(\d+)\s+"((?:[^"\\]|\\.)*)"([^\n]*)')
_BLANKS = re.compile(r"[ \t\r\n\f\v]*")
_IDENTS = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
# total chunk text kept by the process-wide cache (an AST costs about 60
# bytes per character of its text: some 500 MB at most)
_CHUNK_CACHE_CHARS = 8_000_000


class _ChunkCache:
    """Process-wide cache of parsed chunks (least recently used dropped)."""

    def __init__(self, limit: int = _CHUNK_CACHE_CHARS):
        self.limit = limit
        self.size = 0
        self.data: OrderedDict = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key):
        ent = self.data.get(key)
        if ent is not None:
            self.data.move_to_end(key)
            self.hits += 1
        else:
            self.misses += 1
        return ent

    def put(self, key, ent) -> None:
        self.data[key] = ent
        self.size += len(key[0])
        while self.size > self.limit and self.data:
            k, _ = self.data.popitem(last=False)
            self.size -= len(k[0])

    def clear(self) -> None:
        self.data.clear()
        self.size = 0


CHUNKS = _ChunkCache()


class _Piece:
    """A top-level chunk of preprocessed text, position-independent."""
    __slots__ = ("text", "file", "first", "body", "relative", "end", "state")

    def __init__(self, text, file, first, body, relative):
        self.text = text          # marker line + chunk (blank-padded to its column)
        self.file = file          # file name as in the markers (not unescaped)
        self.first = first        # line number of the chunk's first line
        self.body = body          # offset in ``text`` of a function body's "{", or -1
        self.relative = relative  # markers rewritten relative to ``first``
        self.end = 0              # offset just past the chunk in the preprocessed text
        self.state = None         # (file, base_line, base_pos) of the scan after it


def _prev_significant(pp: str, i: int) -> str:
    """The last character before offset ``i`` that is neither blank nor part
    of a directive line."""
    j = i - 1
    while j >= 0:
        c = pp[j]
        if c in " \t\r\n\f\v":
            j -= 1
            continue
        ls = pp.rfind("\n", 0, j) + 1
        if pp[ls:j + 1].lstrip().startswith("#"):
            j = ls - 1
            continue
        return c
    return ""


def common_prefix(a: str, b: str) -> int:
    """Length of the longest common prefix of two strings."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:   # a[:lo] == b[:lo]; compare the next half only
        mid = (lo + hi + 1) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def split_chunks(pp: str, prev: tuple[str, list[_Piece]] | None = None) -> list[_Piece] | None:
    """Cut preprocessed text into top-level chunks (None: not understood).

    ``prev`` is an earlier text and its chunks: the chunks that lie wholly in
    the prefix the two texts share are reused, and scanning resumes after
    them (each chunk's extent depends only on the text before its end)."""
    out: list[_Piece] = []
    n = len(pp)
    pos = 0
    file = None
    base_line, base_pos = 1, 0   # the line starting at base_pos has number base_line
    if prev is not None and prev[1]:
        same = common_prefix(prev[0], pp)
        for piece in prev[1]:
            if piece.end > same:
                break
            out.append(piece)
        if out:
            pos = out[-1].end
            file, base_line, base_pos = out[-1].state
    finditer = _SPLIT.finditer
    while True:
        pos = _BLANKS.match(pp, pos).end()
        if pos >= n:
            return out
        eol = pp.find("\n", pos)
        eol = n if eol < 0 else eol
        if pp[pos] == "#":
            m = _MARKER_AT.match(pp, pos, eol)
            if m:
                file, base_line, base_pos = m.group(2), int(m.group(1)), eol + 1
            elif file is not None:   # a #pragma line: a chunk of its own
                ls = pp.rfind("\n", 0, pos) + 1
                first = base_line + pp.count("\n", base_pos, pos)
                base_line, base_pos = first, ls   # count on from here, not from the marker
                piece = _Piece(f'# 1 "{file}"\n' + " " * (pos - ls) + pp[pos:eol],
                               file, first, -1, True)
                piece.end = eol
                piece.state = (file, base_line, base_pos)
                out.append(piece)
            pos = eol + 1
            continue
        if file is None:
            return None
        start = pos
        ls = pp.rfind("\n", 0, start) + 1
        first = base_line + pp.count("\n", base_pos, start)
        base_line, base_pos = first, ls   # count on from here, not from the marker
        chunk_file = file
        depth = 0
        body = -1
        assigned = False
        end = n
        markers = []   # (start, end, line, file, rest) of markers inside the chunk
        for m in finditer(pp, start):
            c = m.group()
            c0 = c[0]
            if c0 in "({[":
                # a function body: "{" after ")" at the top, no "=" before it
                # (which would make it a compound literal in an initializer)
                if c0 == "{" and depth == 0 and body < 0 and not assigned \
                        and _prev_significant(pp, m.start()) == ")":
                    body = m.start()
                depth += 1
            elif c0 == "=":
                if depth == 0:
                    assigned = True
            elif c0 in ")}]":
                depth -= 1
                if depth == 0 and c0 == "}" and body >= 0:
                    end = m.end()
                    break
                if depth < 0:
                    return None
            elif c0 == ";":
                if depth == 0:
                    end = m.end()
                    break
            elif c0 in " \t#":
                mk = _MARKER_AT.match(c.lstrip())
                if mk:
                    s = m.start() + (len(c) - len(c.lstrip()))
                    markers.append((s, m.end(), int(mk.group(1)), mk.group(2), mk.group(3)))
                    file, base_line, base_pos = mk.group(2), int(mk.group(1)), m.end() + 1
        # position-independent text: relative markers for the chunk's own file
        relative = all(ln - first + 1 >= 1 for _, _, ln, f, _ in markers if f == chunk_file)
        parts = [f'# {1 if relative else first} "{chunk_file}"\n', " " * (start - ls)]
        size = len(parts[0]) + len(parts[1])
        new_body = -1
        last = start
        for s, e, ln, f, rest in markers + [(end, end, 0, None, "")]:
            if s < end and not (relative and f == chunk_file):
                continue
            if last <= body < s:
                new_body = size + body - last
            parts.append(pp[last:s])
            size += s - last
            if s < end:
                mark = f'# {ln - first + 1} "{f}"{rest}'
                parts.append(mark)
                size += len(mark)
                last = e
        piece = _Piece("".join(parts), chunk_file, first, new_body, relative)
        piece.end = end
        piece.state = (file, base_line, base_pos)
        out.append(piece)
        pos = end


_PARSER = None


def _chunk_parser():
    global _PARSER
    if _PARSER is None:
        _PARSER = ChunkParser()
    return _PARSER


_IDS_OF: dict[str, tuple[str, ...]] = {}   # chunk text -> identifiers in it


def parse_chunked(pieces: list[_Piece], outline: bool = False) -> c_ast.FileAST:
    """AST of the chunks (function bodies emptied when ``outline``); raises
    pycparser's ParseError when a chunk does not parse on its own."""
    scope: dict[str, bool] = {}
    ext: list = []
    parser = None
    ids_of = _IDS_OF
    get = scope.get
    for p in pieces:
        text = p.text
        if outline and p.body >= 0:
            text = text[:p.body] + "{}"
        ids = ids_of.get(text)
        if ids is None:
            if len(ids_of) > 200_000:
                ids_of.clear()
            ids = ids_of[text] = tuple(sorted(set(_IDENTS.findall(text))))
        # what the file-scope table says about the chunk's identifiers (an
        # outline's chunk differs from the full one only by its body's text)
        key = (text, tuple(map(get, ids)))
        ent = CHUNKS.get(key)
        if ent is None:
            parser = parser or _chunk_parser()
            ent = parser.parse_chunk(text, p.file, scope)
            CHUNKS.put(key, ent)
        else:
            scope.update(ent.delta)
        ent.place(p.first - 1 if p.relative else 0)
        ext.extend(ent.ext)
    return c_ast.FileAST(ext)


def clear() -> None:
    """Empty the process-wide caches of this module."""
    CHUNKS.clear()
    _IDS_OF.clear()
