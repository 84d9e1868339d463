"""The project's command lines run as a user runs them: a new Python
process, output captured."""

from __future__ import annotations

import subprocess
import sys

from . import ROOT


def llama98(*args, env=None, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "toolchain.cli", *map(str, args)],
                          capture_output=True, text=True, env=env, cwd=cwd or ROOT)


def c89port(*args, env=None, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "toolchain.c89.cli", *map(str, args)],
                          capture_output=True, text=True, env=env, cwd=cwd or ROOT)
