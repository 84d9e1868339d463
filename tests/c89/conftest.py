"""Shared fixtures for the C89 rewriter tests.

The two llama2.c versions come from the suite-wide fixtures in tests/conftest.py:
``llamac2py_run_c`` (the hash-checked July 2023 run.c, through toolchain.upstream's
offline fallback) and ``pinned_run_c`` (``$LLAMA2C_SRC``, else ../shared/llama2.c;
skipped with a reason when absent).  Paths, tools and compiler flags come
from tests/support.
"""

from __future__ import annotations

from pathlib import Path

from support import ENGINE, ROOT as REPO, have  # noqa: F401  (re-exported for the tests)
from toolchain.c89 import port_source

CORPUS = Path(__file__).with_name("corpus")


def port(text: str, path: str = "t.c", **kw) -> str:
    return port_source(text, path, **kw).text
