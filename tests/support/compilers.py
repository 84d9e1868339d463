"""Building and running small C programs in the tests."""

from __future__ import annotations

import subprocess
from pathlib import Path

from . import have

TIMEOUT = 120


def run(cmd, timeout: float = TIMEOUT, **kw) -> subprocess.CompletedProcess:
    """``cmd`` with its output captured as text (never raises on failure)."""
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                          timeout=timeout, **kw)


def build(cc: list[str], sources, exe: Path, includes=(), flags=(), libs=()) -> Path:
    """Compile and link ``sources`` (with ``libs``, e.g. ``-lm``, after them)
    into ``exe`` with the command ``cc``; the test fails with the
    compiler's messages when it does not build."""
    cmd = [*cc, *flags, *(f"-I{d}" for d in includes), *map(str, sources), *libs,
           "-o", str(exe)]
    proc = run(cmd)
    assert proc.returncode == 0, f"{' '.join(cmd)}\n{proc.stderr[-3000:]}"
    return exe


def output(exe: Path, *args, timeout: float = 60) -> str:
    """What ``exe`` prints; the test fails when it does not exit with 0."""
    proc = run([exe, *args], timeout=timeout)
    assert proc.returncode == 0, f"{exe}: exit {proc.returncode}\n{proc.stderr[-2000:]}"
    return proc.stdout


def available(names) -> list[str]:
    """The compilers of ``names`` that are installed."""
    return [n for n in names if have(n)]
