"""Whether gcc takes a text as strict C89 as it stands.

Asked only when the analysis cannot read a file: strict C89 that gcc
accepts (``-std=c89 -pedantic-errors``) needs no port, so such a file
passes through unchanged with a note instead of failing the port.
"""

from __future__ import annotations

import os
import subprocess

from .preprocess import _gcc


def gcc_accepts_c89(text: str, path: str, include_dirs=(), defines=()) -> bool:
    """gcc -std=c89 -pedantic-errors -fsyntax-only (no implicit function
    declaration) on ``text`` read as ``path`` (its directory searched for
    quoted includes)."""
    here = os.path.dirname(os.path.abspath(path))
    # a C99 library function (snprintf, round) is undeclared in glibc's
    # headers under -std=c89: an implicit declaration means the file calls
    # something the port would rewrite, so it does not pass through
    cmd = [_gcc(), "-std=c89", "-pedantic-errors", "-Werror=implicit-function-declaration",
           "-fsyntax-only", "-x", "c"]
    if os.path.isdir(here):
        cmd += ["-iquote", here]
    for d in include_dirs:
        cmd += ["-I", os.fspath(d)]
    for d in defines:
        cmd += ["-D", d]
    cmd.append("-")
    try:
        proc = subprocess.run(cmd, input=text, capture_output=True, text=True,
                              errors="replace", timeout=120)
    except (OSError, subprocess.SubprocessError):
        return False
    return proc.returncode == 0
