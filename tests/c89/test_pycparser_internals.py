"""The pinned pycparser has every private name the front end relies on
(toolchain/c89/frontend/pycparser_internals.py): a pycparser without them
would silently lose the chunked parse and the bulk lexer, so this fails
rather than skips."""

from __future__ import annotations

from pycparser import c_ast, c_lexer, c_parser

from toolchain.c89.frontend import pycparser_internals as internals


def test_pycparser_has_every_internal_name():
    assert internals.MISSING == ()
    assert internals.AVAILABLE
    for name in internals.PARSER_NAMES:
        assert hasattr(c_parser.CParser, name), name
    for name in internals.LEXER_NAMES:
        assert hasattr(c_lexer, name), name


def test_chunk_parser_parses_against_a_typedef_table():
    parser = internals.ChunkParser()
    # T is a typedef name only because the table says so
    chunk = parser.parse_chunk('# 1 "a.c"\nT x;\n', "a.c", {"T": True})
    (decl,) = chunk.ext
    assert isinstance(decl, c_ast.Decl) and decl.type.type.names == ["T"]
    assert chunk.delta == {"x": False}
    chunk = parser.parse_chunk('# 1 "a.c"\ntypedef int U;\n', "a.c", {})
    assert chunk.delta == {"U": True}
    assert [(c.file, c.line) for c in chunk.coords] == [("a.c", 1)] * len(chunk.coords)


def test_only_the_internals_module_touches_private_pycparser_names():
    import pathlib
    import re
    root = pathlib.Path(internals.__file__).resolve().parents[1]
    private = re.compile(r"\b(?:c_parser|c_lexer|CParser|CLexer)\._\w+|super\(\)\._(?!_)\w+")
    users = sorted(str(p.relative_to(root)) for p in root.rglob("*.py")
                   if private.search(p.read_text("utf-8")))
    assert users == ["frontend/pycparser_internals.py"]
