"""One translation unit: text, tokens, preprocessing, AST, coordinates.

The preprocessor keeps line markers, so every AST coordinate names a line of
the original file.  gcc collapses blanks and drops comments, so columns are
matched token-wise: the k-th occurrence of a token's spelling on the
preprocessed line is the k-th occurrence on the original line.

A unit is parsed lazily: passes that only read tokens and file-scope names
get an *outline* in which function bodies are empty, and the full AST is
built on the first use of ``ast``.  One temporary directory and one set of
header stubs serve all units of a :class:`UnitCache`.
"""

from __future__ import annotations

import re
from functools import cached_property

from pycparser import c_ast, c_parser

from ...diag import Diagnostic, ToolchainError
from ..ctok import Tokens
from ..source import SourceText
from . import chunks
from .origin import TEXT, Origins
from .preprocess import Preprocessor, c_string, gcc_diagnostics
from .pycparser_internals import AVAILABLE

CODE = "parse"

_MARKER = re.compile(r'^#\s*(?:line\s+)?(\d+)\s+"((?:[^"\\]|\\.)*)"')
_PP_FILES = re.compile(r'^#\s*(?:line\s+)?\d+\s+"((?:[^"\\]|\\.)*)"', re.M)
_PYC_LOC = re.compile(r"^(?P<file>.*?):(?P<line>\d+):(?P<col>\d+): (?P<msg>.*)$")
_PP_LINE_TOKS: dict[str, Tokens] = {}   # preprocessed line -> its tokens


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
    def pp_text(self) -> str:
        """The preprocessed text (line markers name the unit by its path)."""
        return self._pp_text

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
        return gcc_diagnostics(stderr, src_file, self.path, CODE)

    def _preprocess(self) -> str:
        out, err, rc, src_file = self._run_gcc("-E")
        if rc != 0:
            diags = self._gcc_diagnostics(err, src_file) or [
                Diagnostic(self.path, 0, 0, "error", err.strip()[:500] or "preprocessing failed", CODE)]
            raise ToolchainError(f"cannot preprocess {self.path}", diagnostics=diags, exit_code=2)
        tmp_name = c_string(src_file)
        q_tmp = '"' + tmp_name + '"'
        q_real = '"' + c_string(self.path) + '"'
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
        if AVAILABLE:
            if self._pieces is None:
                pre = self._pp
                prev = getattr(pre, "last_split", None)
                self._pieces = chunks.split_chunks(self._pp_text, prev) or []
                if pre is not None:
                    pre.last_split = (self._pp_text, self._pieces)
            if self._pieces:
                try:
                    return chunks.parse_chunked(self._pieces, outline)
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

    def pp_tokens(self, line: int) -> Tokens | None:
        """The tokens of what the preprocessor made of line ``line`` (None:
        it wrote nothing for it); shared by every unit with that line."""
        ptoks = self._pp_tok_cache.get(line)
        if ptoks is None:
            pp_line = self._pp_lines.get(line)
            if pp_line is None:
                return None
            ptoks = _PP_LINE_TOKS.get(pp_line)
            if ptoks is None:
                if len(_PP_LINE_TOKS) > 100_000:
                    _PP_LINE_TOKS.clear()
                ptoks = _PP_LINE_TOKS[pp_line] = Tokens(pp_line)
            self._pp_tok_cache[line] = ptoks
        return ptoks

    def locate(self, coord, expect: str | None = None) -> int | None:
        """Index of the original token at an AST coordinate (or None)."""
        if coord is None or coord.file != self.path:
            return None
        line = coord.line
        ptoks = self.pp_tokens(line)
        if ptoks is None:
            return None
        orig = self.toks.by_line.get(line, [])
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
        """The token on the line of ``node`` that its coordinate names (for
        reporting; to edit, ask ``text_tok``)."""
        return self.locate(node.coord, expect)

    @cached_property
    def origins(self) -> Origins:
        return Origins(self)

    def origin(self, node, expect: str | None = None,
               neighbours: bool = False) -> tuple[str, int | None]:
        """Where the text of ``node`` (an AST node or a coordinate) is:
        (``"text"``, token), (``"macro"``, token of the invocation) or
        (``"unknown"``, None); see ``origin``."""
        coord = node.coord if isinstance(node, c_ast.Node) else node
        return self.origins.of(coord, expect, neighbours)

    def text_tok(self, node, expect: str | None = None) -> int | None:
        """The written token of ``node`` (an AST node or a coordinate), or
        None when a macro wrote it or it cannot be told: what a pass may edit."""
        kind, i = self.origin(node, expect)
        return i if kind == TEXT else None

    @property
    def parsed(self) -> bool:
        """Whether the full AST has been built."""
        return self._ast is not None

    def func_defs(self):
        for ext in self.ast.ext:
            if isinstance(ext, c_ast.FuncDef) and self.in_main(ext):
                yield ext

    def enclosing_func_defs(self):
        """The functions of the including file that hold text of this one (a
        .c fragment included in a function body, analysed in its includer's
        context); none otherwise."""
        if self._pp is None or self._pp.context is None:
            return
        for ext in self.ast.ext:
            if isinstance(ext, c_ast.FuncDef) and not self.in_main(ext) \
                    and _holds(ext.body, self.path):
                yield ext


def _holds(node, path: str) -> bool:
    stack = [node]
    while stack:
        n = stack.pop()
        if n.coord is not None and n.coord.file == path:
            return True
        stack.extend(c for _, c in n.children())
    return False


class UnitCache:
    """Builds the units of one ``port_source`` call: the last unit is kept
    (passes ask again for the text they were given), and one preprocessor
    (temporary directory, header stubs) serves them all."""

    def __init__(self, path, include_dirs, defines, compat_header, context=None):
        self.path = path
        self.kw = dict(include_dirs=include_dirs, defines=defines, compat_header=compat_header)
        self.context = context   # (includer path, its text): see Preprocessor
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
                self._pre = Preprocessor(self.path, **self.kw, context=self.context)
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


def clear_caches() -> None:
    """Empty this module's process-wide cache."""
    _PP_LINE_TOKS.clear()
