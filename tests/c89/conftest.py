"""Shared fixtures for the C89 rewriter tests.

The two llama2.c versions come from the suite-wide fixtures in tests/conftest.py:
``llamac2py_run_c`` (the hash-checked July 2023 run.c, through toolchain.upstream's
offline fallback) and ``pinned_run_c`` (``$LLAMA2C_SRC``; skipped with a reason when
unset).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from toolchain.c89 import port_source

REPO = Path(__file__).resolve().parents[2]
ENGINE = REPO / "engine_c89"
CORPUS = Path(__file__).with_name("corpus")
STUBS = Path(__file__).with_name("stubs")

def port(text: str, path: str = "t.c", **kw) -> str:
    return port_source(text, path, **kw).text


def have(tool: str) -> bool:
    return shutil.which(tool) is not None
