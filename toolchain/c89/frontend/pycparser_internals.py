"""The one place that reaches into pycparser's private names.

Chunked parsing (see ``chunks``) drives pycparser's recursive-descent parser
directly: :class:`ChunkParser` parses one top-level chunk against a given
file-scope typedef table, records the names the chunk declares there, and
serves the parser from a token list made at once by the bulk lexer
(``fastlex``, which builds pycparser's own ``Token`` objects) instead of
one lexer call per token.  Everything it overrides or reads that pycparser
does not document is listed in :data:`PARSER_NAMES` and
:data:`LEXER_NAMES`; :data:`MISSING` says which of them the installed
pycparser lacks (the tests fail on any), and without them every unit is
parsed whole by pycparser's public ``CParser().parse``.
"""

from __future__ import annotations

from pycparser import c_lexer, c_parser

from .. import fastlex

# CParser methods and attributes ChunkParser overrides or uses
PARSER_NAMES = ("_parse_translation_unit_or_empty", "_add_typedef_name", "_add_identifier",
                "_peek", "_peek_type", "_advance", "_accept", "_mark", "_reset",
                "_classify_identifier", "_tok_coord", "_parse_error")
# the lexer's keyword table, which fastlex's must equal
LEXER_NAMES = ("_keyword_map",)

MISSING = tuple([n for n in PARSER_NAMES if not hasattr(c_parser.CParser, n)]
                + [n for n in LEXER_NAMES if not hasattr(c_lexer, n)])
AVAILABLE = not MISSING


def keyword_map() -> dict[str, str]:
    """pycparser's keyword -> token type table."""
    return dict(c_lexer._keyword_map)


class Chunk:
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


class ChunkParser(c_parser.CParser):
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
        return Chunk(ast.ext, coords, self._delta)

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
