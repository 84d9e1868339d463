"""What the test modules share (import as ``from support import ...``).

``support``            paths (ROOT, SHARED, MODELS, ENGINE) and ``need_tool``/``have``
``support.cflags``     the strict C89 command lines of each compiler
``support.compilers``  building and running small C programs
``support.cli``        the command lines (llama98, c89port) run as a user would
``support.http``       a local HTTP server for download tests
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
SHARED = ROOT.parent / "shared"
MODELS = SHARED / "models"
ENGINE = ROOT / "engine_c89"


def have(name: str) -> bool:
    return shutil.which(name) is not None


def need_tool(name: str) -> str:
    """The path of tool ``name``; the test skips, saying so, when it is absent."""
    path = shutil.which(name)
    if not path:
        pytest.skip(f"{name} not installed (scripts/setup.sh installs it)")
    return path


__all__ = ["ENGINE", "MODELS", "ROOT", "SHARED", "have", "need_tool"]
