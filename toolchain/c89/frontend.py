"""Analysis front end: preprocess with gcc, parse with pycparser, map AST
coordinates back to tokens of the original text.

The preprocessor keeps line markers, so every AST coordinate names a line of
the original file.  gcc collapses blanks and drops comments, so columns are
matched token-wise: the k-th occurrence of a token's spelling on the
preprocessed line is the k-th occurrence on the original line.  Missing
``#include`` files are replaced by empty stubs (with a note).

Speed.  The rewriter parses many texts that differ only here and there (each
pass edits the output of the previous one, and a fixed-point round re-reads
everything), so parsing is incremental:

* the preprocessed text is cut into top-level chunks (one per external
  declaration or function definition) and each chunk is parsed on its own,
  with the file-scope typedef table left by the chunks before it; a parsed
  chunk is cached, keyed by its text (line markers made relative to the
  chunk, so moving it up or down the file keeps the key) and by what the
  typedef table says about the identifiers it contains.  Only chunks whose
  text changed are parsed again, and the fake libc and project headers are
  parsed once per process.  Any chunk that does not parse on its own sends
  the unit to one plain whole-text parse, so errors and their locations are
  exactly those of pycparser on the whole file;
* a unit is parsed lazily: passes that only read tokens and file-scope names
  (``user_names``, ``typedefs``) get an *outline* in which function bodies
  are empty, and the full AST is built on the first use of ``ast``;
* one temporary directory and one set of header stubs serve all units of a
  :class:`UnitCache`.

Reused AST nodes are shared by the units that contain the same chunk: a
unit's AST (and its coordinates) stays valid until another unit with a
chunk in common is parsed.  Passes read one unit at a time, so this holds.
"""

from __future__ import annotations

import multiprocessing.util
import os
import re
import shutil
import subprocess
import tempfile
import weakref
from collections import OrderedDict
from functools import cached_property

from pycparser import c_ast, c_parser

from ..diag import Diagnostic, ToolchainError
from . import fastlex
from .ctok import Tokens
from .source import SourceText

try:
    import pycparser_fake_libc
    FAKE_LIBC = pycparser_fake_libc.directory
except ImportError:  # pragma: no cover - dependency declared in pyproject
    FAKE_LIBC = ""

CODE = "c89-parse"

# What the analysis sees for the compat header: only names, no platform
# logic (the real header lives in engine_c89/c89compat.h).
COMPAT_STUB = r"""
#ifndef C89COMPAT_H_INCLUDED
#define C89COMPAT_H_INCLUDED
typedef signed char c89_int8_t; typedef unsigned char c89_uint8_t;
typedef short c89_int16_t; typedef unsigned short c89_uint16_t;
typedef int c89_int32_t; typedef unsigned int c89_uint32_t;
typedef long long c89_int64_t; typedef unsigned long long c89_uint64_t;
typedef long c89_intptr_t; typedef unsigned long c89_uintptr_t;
typedef long c89_ssize_t; typedef c89_int64_t c89_intmax_t;
typedef c89_uint64_t c89_uintmax_t; typedef int c89_bool;
#define C89_I64(n) ((c89_int64_t)(n))
#define C89_INT8_C(c) c
#define C89_UINT8_C(c) c
#define C89_INT16_C(c) c
#define C89_UINT16_C(c) c
#define C89_INT32_C(c) c
#define C89_UINT32_C(c) c ## U
#define C89_U64(n) ((c89_uint64_t)(n))
#define C89_U64_HL(h, l) (((c89_uint64_t)(h) << 32) | (c89_uint64_t)(l))
#define C89_I64_HL(h, l) ((c89_int64_t)C89_U64_HL(h, l))
#define C89_PRId64 "lld"
#define C89_PRIi64 "lli"
#define C89_PRIu64 "llu"
#define C89_PRIx64 "llx"
#define C89_PRIX64 "llX"
#define C89_PRIo64 "llo"
#define C89_SCNd64 "lld"
#define C89_SCNi64 "lli"
#define C89_SCNu64 "llu"
#define C89_SCNx64 "llx"
#define C89_SCNo64 "llo"
#define C89_CLOCK_REALTIME 0
#define C89_CLOCK_MONOTONIC 1
struct c89_timespec { long tv_sec; long tv_nsec; };
int c89_clock_gettime(int clk, struct c89_timespec *ts);
int c89_sscanf(const char *s, const char *fmt, ...);
int c89_fscanf(void *f, const char *fmt, ...);
int c89_scanf(const char *fmt, ...);
#endif
"""

_GCC_DIAG = re.compile(r"^(?P<file>.*?):(?P<line>\d+):(?:(?P<col>\d+):)? "
                       r"(?P<sev>fatal error|error|warning): (?P<msg>.*)$")
_MISSING = re.compile(r"fatal error: (?P<name>[^:]+): No such file or directory")
_MARKER = re.compile(r'^#\s*(?:line\s+)?(\d+)\s+"((?:[^"\\]|\\.)*)"')
_ASM_QUALS = re.compile(r"\b(__asm__\s+)((?:(?:__volatile__|__volatile|volatile|__inline__|"
                        r"inline|goto)\b\s*)+)(?=\()")
_PP_FILES = re.compile(r'^#\s*(?:line\s+)?\d+\s+"((?:[^"\\]|\\.)*)"', re.M)
_PYC_LOC = re.compile(r"^(?P<file>.*?):(?P<line>\d+):(?P<col>\d+): (?P<msg>.*)$")


def _c_string(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"')


def _gcc() -> str:
    return shutil.which("gcc") or shutil.which("cc") or "gcc"


_CPP: list[list[str]] = []


def _cpp() -> list[str]:
    """The command that preprocesses: gcc's own preprocessor program (cc1
    with -E) when the driver names one, which saves the driver's start-up
    (some 15% of a run); else ``gcc -E``."""
    if not _CPP:
        cmd = [_gcc(), "-E"]
        try:
            out = subprocess.run([_gcc(), "-print-prog-name=cc1"], capture_output=True,
                                 text=True, timeout=30).stdout.strip()
            if os.path.isabs(out) and os.access(out, os.X_OK):
                cmd = [out, "-E", "-quiet"]
        except (OSError, subprocess.SubprocessError):
            pass
        _CPP.append(cmd)
    return _CPP[0]


# -- preprocessing -----------------------------------------------------------

class Preprocessor:
    """Runs ``gcc -E`` on texts standing for one file, in one temporary
    directory whose header stubs (for missing includes) persist between
    runs.  ``close()`` (or garbage collection) removes the directory."""

    def __init__(self, path: str, include_dirs=(), defines=(),
                 compat_header: str = "c89compat.h"):
        self.path = path
        self.include_dirs = tuple(include_dirs)
        self.defines = tuple(defines)
        self.compat_header = compat_header
        self.stubbed: dict[str, int] = {}  # header name -> include line (first seen)
        self.last_split = None   # (preprocessed text, chunks) of the last parse
        self._tmp = tempfile.mkdtemp(prefix="c89port-")
        self._finalizer = weakref.finalize(self, shutil.rmtree, self._tmp, True)
        self.src_dir = os.path.join(self._tmp, "src")
        self.stub_dir = os.path.join(self._tmp, "stubs")
        os.makedirs(self.src_dir)
        os.makedirs(self.stub_dir)
        base = os.path.basename(path) or "input.c"
        if not base.endswith((".c", ".h")):
            base += ".c"
        self.src_file = os.path.join(self.src_dir, base)
        self._cmd = self._command(*_compat_stub(compat_header))

    def close(self) -> None:
        self._finalizer()

    def _command(self, compat_dir: str, compat: str) -> list[str]:
        # -std=c99 for the lexing (// comments, long long), but #if is
        # evaluated as the target C89 compiler will: __STDC_VERSION__ is not
        # defined there (0 in #if), so "#if __STDC_VERSION__ >= 199901L"
        # branches are dropped and their #else kept.  The compat stub's
        # directory comes first for '#include "c89compat.h"'.
        cmd = [_gcc(), "-std=c99", "-undef", "-U__STDC_VERSION__", "-nostdinc",
               "-D__attribute__(x)=", "-D__extension__=", "-D__restrict=",
               "-D__inline=inline", "-D__asm__(...)=",
               "-include", compat, "-iquote", compat_dir]
        real_dir = os.path.dirname(os.path.abspath(self.path))
        if os.path.isdir(real_dir):
            cmd += ["-iquote", real_dir]
        for d in self.include_dirs:
            cmd += ["-I", os.fspath(d)]
        if FAKE_LIBC:
            cmd += ["-I", FAKE_LIBC]
        cmd += ["-idirafter", self.stub_dir]
        for d in self.defines:
            cmd += ["-D", d]
        cmd.append(self.src_file)
        return cmd

    def run(self, text: str, mode: str = "-E") -> tuple[str, str, int, list[str]]:
        """(stdout, stderr, returncode, headers stubbed by this run)."""
        if "__asm__" in text:
            # GNU asm statements vanish (``__asm__(...)`` is defined empty);
            # blank the qualifiers between the keyword and its "(" in place
            text = _ASM_QUALS.sub(lambda m: m.group(1) + " " * len(m.group(2)), text)
        with open(self.src_file, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        cmd = (_cpp() if mode == "-E" else self._cmd[:1] + [mode]) + self._cmd[1:]
        new: list[str] = []
        tried: set[str] = set()
        for _ in range(64):
            proc = subprocess.run(cmd, capture_output=True, text=True, errors="replace")
            missing = [m.group("name").strip() for m in _MISSING.finditer(proc.stderr)]
            missing = [m for m in missing if m not in tried]
            if proc.returncode == 0 or not missing:
                break
            name = missing[0]
            tried.add(name)
            rel = os.path.normpath(name.lstrip("/\\"))
            if rel.startswith(".."):
                break
            stub = os.path.join(self.stub_dir, rel)
            os.makedirs(os.path.dirname(stub), exist_ok=True)
            open(stub, "w").close()
            if name not in self.stubbed:
                self.stubbed[name] = _include_line(text, name)
                new.append(name)
        return proc.stdout, proc.stderr, proc.returncode, new


_COMPAT_DIRS: dict[tuple[int, str], tuple[str, str]] = {}


def _compat_stub(compat_header: str) -> tuple[str, str]:
    """(directory, path) of the compat header stub, one per process and
    header name: a stable path, so that its parsed chunks are cached across
    files like any other header's."""
    key = (os.getpid(), compat_header)   # a forked worker makes its own
    ent = _COMPAT_DIRS.get(key)
    if ent is None or not os.path.isfile(ent[1]):
        top = tempfile.mkdtemp(prefix="c89port-compat-")
        # removed when the process ends (a pool worker too)
        multiprocessing.util.Finalize(None, shutil.rmtree, args=(top, True), exitpriority=0)
        path = os.path.join(top, compat_header)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(COMPAT_STUB)
        ent = _COMPAT_DIRS[key] = (top, path)
    return ent


def _include_line(text: str, name: str) -> int:
    for i, line in enumerate(text.splitlines(), 1):
        if "include" in line and name in line:
            return i
    return 0


# -- chunked, cached parsing ---------------------------------------------------

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
_PP_LINE_TOKS: dict[str, Tokens] = {}   # preprocessed line -> its tokens


class _Chunk:
    """One parsed external declaration (or several, for a pragma line)."""
    __slots__ = ("ext", "coords", "delta", "shift")

    def __init__(self, ext, coords, delta):
        self.ext = ext          # list of top-level AST nodes
        self.coords = coords    # Coord objects in the chunk's own file (relative lines)
        self.delta = delta      # file-scope names the chunk declares: name -> is_typedef
        self.shift = 0          # what has been added to the lines of ``coords``

    def place(self, shift: int) -> None:
        d = shift - self.shift
        if d:
            for c in self.coords:
                c.line += d
            self.shift = shift


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


def _have_chunk_api() -> bool:
    """Chunked parsing drives pycparser's recursive-descent parser directly;
    with a pycparser that lacks those internals every unit is parsed whole."""
    need = ("_parse_translation_unit_or_empty", "_add_typedef_name", "_add_identifier",
            "_peek", "_peek_type", "_advance", "_accept", "_mark", "_reset",
            "_classify_identifier")
    return all(hasattr(c_parser.CParser, n) for n in need)


if _have_chunk_api():
    class _ChunkParser(c_parser.CParser):
        """Parses one chunk against a given file-scope typedef table and
        records the names it declares there."""

        def parse_chunk(self, text: str, file: str, scope: dict):
            self._delta: dict[str, bool] = {}
            self._scope_stack = [scope]
            self._typedef_checked_token = None
            # lex the chunk at once (pycparser's lexer is context-free; the
            # parser classifies typedef names) and serve it from a list
            buf = fastlex.lex(text, file)
            if buf is not None:
                # leave the lexer with the file name its own loop would end
                # with (the parser's error messages read it)
                self.clex.input("", buf.filename)
            else:
                self.clex.input(text, file)
                buf, read = [], self.clex.token
                tok = read()
                while tok is not None:
                    buf.append(tok)
                    tok = read()
            self._buf, self._n, self._i = buf, len(buf), 0
            ast = self._parse_translation_unit_or_empty()
            tok = self._peek()
            if tok is not None:
                raise c_parser.ParseError(f"{self._tok_coord(tok)}: before: {tok.value}")
            # every coordinate object of the chunk's own file, found on the
            # tree itself (pycparser deep-copies some subtrees)
            coords, seen = [], set()
            stack = list(ast.ext)
            while stack:
                n = stack.pop()
                c = n.coord
                if c is not None and c.file == file and id(c) not in seen:
                    seen.add(id(c))
                    coords.append(c)
                stack.extend(child for _, child in n.children())
            return _Chunk(ast.ext, coords, self._delta)

        # pycparser's token helpers, over the list (same behaviour, fewer calls)
        def _peek(self, k=1):
            i = self._i + k - 1
            tok = self._buf[i] if i < self._n else None
            if tok is not self._typedef_checked_token:
                self._classify_identifier(tok)
            return tok

        def _peek_type(self, k=1):
            i = self._i + k - 1
            tok = self._buf[i] if i < self._n else None
            if tok is None:
                return None
            if tok is not self._typedef_checked_token:
                self._classify_identifier(tok)
            return tok.type

        def _advance(self):
            i = self._i
            tok = self._buf[i] if i < self._n else None
            self._i = i + 1
            if tok is None:
                self._parse_error("At end of input", self.clex.filename)
            if tok is not self._typedef_checked_token:
                self._classify_identifier(tok)
            return tok

        def _accept(self, token_type):
            tok = self._peek()
            if tok is not None and tok.type == token_type:
                return self._advance()
            return None

        def _mark(self):
            return self._i

        def _reset(self, mark):
            self._i = mark

        def _add_typedef_name(self, name, coord):
            super()._add_typedef_name(name, coord)
            if len(self._scope_stack) == 1:
                self._delta[name] = True

        def _add_identifier(self, name, coord):
            super()._add_identifier(name, coord)
            if len(self._scope_stack) == 1:
                self._delta[name] = False
else:  # pragma: no cover - depends on the installed pycparser
    _ChunkParser = None


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
        _PARSER = _ChunkParser()
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


class Unit:
    """One translation unit: text, tokens, AST and coordinate mapping.

    Preprocessing happens at construction (errors raise at once); the AST is
    parsed on first use of ``ast``.
    """

    def __init__(self, text: str, path: str, *, include_dirs=(), defines=(),
                 compat_header: str = "c89compat.h", preprocessor: Preprocessor | None = None,
                 toks: Tokens | None = None):
        self.text = text
        self.path = path
        if toks is not None and toks.text == text:
            self.__dict__["toks"] = toks   # the cached_property below, already known
            self.src = toks.src
        else:
            self.src = SourceText(text)
        self.notes: list[Diagnostic] = []
        self.include_dirs = tuple(include_dirs)
        self.defines = tuple(defines)
        self.compat_header = compat_header
        self._pp = preprocessor
        self._pp_lines: dict[int, str] = {}
        self._pp_tok_cache: dict[int, Tokens] = {}
        self._ast = None
        self._outline = None
        self._pieces = None
        self._pp_text = self._preprocess()

    @cached_property
    def pp_files(self) -> frozenset[str]:
        """Every file the preprocessor read for this unit (its line markers),
        the headers included by other headers too."""
        return frozenset(_PP_FILES.findall(self._pp_text))

    @property
    def pp_lines(self) -> dict[int, str]:
        """Line number of the unit's own text -> what the preprocessor made of
        that line (the first time it wrote it); lines it dropped are absent.
        Read only."""
        return self._pp_lines

    @cached_property
    def toks(self) -> Tokens:
        return Tokens(self.text, self.src)

    # -- preprocessing ----------------------------------------------------
    def _preprocessor(self) -> Preprocessor:
        if self._pp is None:
            self._pp = Preprocessor(self.path, self.include_dirs, self.defines,
                                    self.compat_header)
        return self._pp

    def _run_gcc(self, mode: str) -> tuple[str, str, int, str]:
        pre = self._preprocessor()
        out, err, rc, new = pre.run(self.text, mode)
        for name in new:
            self.notes.append(Diagnostic(self.path, pre.stubbed[name], 0, "note",
                                         f"'{name}' not found; analysed as an empty header",
                                         CODE))
        return out, err, rc, pre.src_file

    def _gcc_diagnostics(self, stderr: str, src_file: str) -> list[Diagnostic]:
        diags = []
        for line in stderr.splitlines():
            m = _GCC_DIAG.match(line)
            if not m or m.group("sev") == "warning":
                continue
            file = self.path if os.path.basename(m.group("file")) == os.path.basename(src_file) \
                else m.group("file")
            diags.append(Diagnostic(file, int(m.group("line")), int(m.group("col") or 0),
                                    "error", m.group("msg"), CODE))
        return diags

    def _preprocess(self) -> str:
        out, err, rc, src_file = self._run_gcc("-E")
        if rc != 0:
            diags = self._gcc_diagnostics(err, src_file) or [
                Diagnostic(self.path, 0, 0, "error", err.strip()[:500] or "preprocessing failed", CODE)]
            raise ToolchainError(f"cannot preprocess {self.path}", diagnostics=diags, exit_code=2)
        tmp_name = _c_string(src_file)
        q_tmp = '"' + tmp_name + '"'
        q_real = '"' + _c_string(self.path) + '"'
        lines = out.split("\n")
        pp_lines = self._pp_lines
        cur_main, cur_line = False, 0
        for idx, line in enumerate(lines):
            if line.startswith("#"):
                m = _MARKER.match(line)
                if m:
                    cur_main = m.group(2) == tmp_name
                    if cur_main:
                        lines[idx] = line.replace(q_tmp, q_real, 1)
                    cur_line = int(m.group(1))
                    continue
            if cur_main and cur_line not in pp_lines:
                pp_lines[cur_line] = line
            cur_line += 1
        return "\n".join(lines)

    def preprocess_variant(self, text: str) -> str | None:
        """``gcc -E`` output for another text standing for the same file (same
        options and header stubs); None when it does not preprocess."""
        out, _, rc, _ = self._preprocessor().run(text)
        return out if rc == 0 else None

    # -- parsing ------------------------------------------------------------
    @property
    def ast(self) -> c_ast.FileAST:
        if self._ast is None:
            self._ast = self._parse(outline=False)
        return self._ast

    @property
    def outline(self) -> c_ast.FileAST:
        """File-scope declarations, function bodies left empty (the full AST
        when it is already there)."""
        if self._ast is not None:
            return self._ast
        if self._outline is None:
            self._outline = self._parse(outline=True)
        return self._outline

    def _parse(self, outline: bool):
        if _ChunkParser is not None:
            if self._pieces is None:
                pre = self._pp
                prev = getattr(pre, "last_split", None)
                self._pieces = split_chunks(self._pp_text, prev) or []
                if pre is not None:
                    pre.last_split = (self._pp_text, self._pieces)
            if self._pieces:
                try:
                    return parse_chunked(self._pieces, outline)
                except c_parser.ParseError:
                    pass   # the whole-text parse below reports it properly
        return self._parse_whole()

    def _parse_whole(self):
        try:
            return c_parser.CParser().parse(self._pp_text, filename=self.path)
        except c_parser.ParseError as exc:
            msg = str(exc)
            m = _PYC_LOC.match(msg)
            diags = []
            if m:
                diags.append(Diagnostic(m.group("file"), int(m.group("line")), int(m.group("col")),
                                        "error", f"cannot parse: {m.group('msg')}", CODE))
            else:
                # pycparser gave no place; ask gcc where the syntax error is
                _, err2, _, src2 = self._run_gcc("-fsyntax-only")
                diags = self._gcc_diagnostics(err2, src2)[:1]
                text = msg.split(": ", 1)[-1]
                if diags:
                    d = diags[0]
                    diags = [Diagnostic(d.path, d.line, d.col, "error",
                                        f"cannot parse: {text} ({d.message})", CODE)]
                else:
                    diags = [Diagnostic(self.path, 0, 0, "error", f"cannot parse: {text}", CODE)]
            raise ToolchainError(f"cannot parse {self.path}", diagnostics=diags,
                                 exit_code=2) from None

    # -- coordinates ------------------------------------------------------
    def in_main(self, node) -> bool:
        return node is not None and node.coord is not None and node.coord.file == self.path

    def locate(self, coord, expect: str | None = None) -> int | None:
        """Index of the original token at an AST coordinate (or None)."""
        if coord is None or coord.file != self.path:
            return None
        line = coord.line
        pp_line = self._pp_lines.get(line)
        orig = self.toks.by_line.get(line, [])
        if pp_line is None:
            return None
        ptoks = self._pp_tok_cache.get(line)
        if ptoks is None:
            ptoks = _PP_LINE_TOKS.get(pp_line)
            if ptoks is None:
                if len(_PP_LINE_TOKS) > 100_000:
                    _PP_LINE_TOKS.clear()
                ptoks = _PP_LINE_TOKS[pp_line] = Tokens(pp_line)
            self._pp_tok_cache[line] = ptoks
        target = None
        col0 = (coord.column or 1) - 1
        for k, t in enumerate(ptoks.toks):
            if t.start <= col0:
                target = k
            else:
                break
        if target is None:
            return None
        text = ptoks.toks[target].text
        if expect is not None and text != expect:
            # the coordinate points elsewhere; count occurrences of expect before col
            k = sum(1 for t in ptoks.toks[:target + 1] if t.text == expect)
            k = max(k - 1, 0)
            text = expect
        else:
            k = sum(1 for t in ptoks.toks[:target] if t.text == text)
        hits = [i for i in orig if self.toks[i].text == text]
        if k < len(hits):
            return hits[k]
        return None

    def tok_of(self, node, expect: str | None = None) -> int | None:
        return self.locate(node.coord, expect)

    # -- names the program defines itself ----------------------------------
    @cached_property
    def user_names(self) -> set[str]:
        """File-scope names (functions, objects, typedefs, struct tags,
        enumerators) declared in the file itself, plus its ``#define`` names."""
        names: set[str] = set()
        for ext in self.outline.ext:
            if not self.in_main(ext):
                continue
            decl = ext.decl if isinstance(ext, c_ast.FuncDef) else ext
            if isinstance(decl, (c_ast.Decl, c_ast.Typedef)) and decl.name:
                names.add(decl.name)
            t = getattr(decl, "type", None)
            while t is not None and not isinstance(t, (c_ast.Struct, c_ast.Union, c_ast.Enum)):
                t = getattr(t, "type", None)
            if isinstance(t, (c_ast.Struct, c_ast.Union)) and t.decls is not None and t.name:
                names.add("struct " + t.name)
            if isinstance(t, c_ast.Enum) and t.values is not None:
                for v in t.values.enumerators:
                    names.add(v.name)
        for d in self.toks.directives:
            if d.name == "define" and d.hash_index + 2 < len(self.toks.toks):
                t = self.toks.toks[d.hash_index + 2]
                if t.pp == d.hash_index:
                    names.add(t.text)
        return names

    @cached_property
    def typedefs(self) -> dict[str, c_ast.Node]:
        out = {}
        for ext in self.outline.ext:
            if isinstance(ext, c_ast.Typedef):
                out[ext.name] = ext.type
        return out

    @cached_property
    def struct_defs(self) -> dict[str, c_ast.Node]:
        out = {}

        class V(c_ast.NodeVisitor):
            def visit_Struct(self, node):
                if node.name and node.decls is not None:
                    out.setdefault(node.name, node)
                self.generic_visit(node)
        V().visit(self.ast)
        return out

    @cached_property
    def enumerators(self) -> set[str]:
        out = set()

        class V(c_ast.NodeVisitor):
            def visit_Enumerator(self, node):
                out.add(node.name)
        V().visit(self.ast)
        return out

    def func_defs(self):
        for ext in self.ast.ext:
            if isinstance(ext, c_ast.FuncDef) and self.in_main(ext):
                yield ext


class UnitCache:
    """Builds the units of one ``port_source`` call: the last unit is kept
    (passes ask again for the text they were given), and one preprocessor
    (temporary directory, header stubs) serves them all."""

    def __init__(self, path, include_dirs, defines, compat_header):
        self.path = path
        self.kw = dict(include_dirs=include_dirs, defines=defines, compat_header=compat_header)
        self._cache: dict[str, Unit] = {}
        self._toks: dict[str, Tokens] = {}
        self.notes: list[Diagnostic] = []
        self._pre: Preprocessor | None = None
        self.built = 0

    def tokens(self, text: str) -> Tokens:
        """Tokens of ``text`` (kept for the unit of the same text)."""
        unit = self._cache.get(text)
        if unit is not None:
            return unit.toks
        toks = self._toks.get(text)
        if toks is None:
            self._toks.clear()
            toks = self._toks[text] = Tokens(text)
        return toks

    def get(self, text: str) -> Unit:
        unit = self._cache.get(text)
        if unit is None:
            if self._pre is None:
                self._pre = Preprocessor(self.path, **self.kw)
            unit = Unit(text, self.path, preprocessor=self._pre, toks=self._toks.pop(text, None),
                        **self.kw)
            self.built += 1
            self._cache.clear()
            self._cache[text] = unit
            for n in unit.notes:
                if n not in self.notes:
                    self.notes.append(n)
        return unit

    def close(self) -> None:
        self._cache.clear()
        if self._pre is not None:
            self._pre.close()
            self._pre = None
