"""C89 input is never touched: every c89_*.c corpus file ports to itself."""

import pytest

from toolchain.c89 import port_source

from .conftest import CORPUS

FILES = sorted(CORPUS.glob("c89_*.c"))


@pytest.mark.parametrize("src", FILES, ids=[f.stem for f in FILES])
def test_c89_input_byte_identical(src):
    text = src.read_text()
    res = port_source(text, str(src))
    assert res.text == text and not res.changed
    assert [d for d in res.diagnostics if d.severity != "note"] == []
