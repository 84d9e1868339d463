"""Issue 13, item 2: a big single file ports (linear time), and rightly.

A generated 200,000-line C99 file (tests/c89/bigsource.py: every function
has comments, hoistable declarations, stdint/stdbool names, a designated
initializer and 64-bit literals to convert) must port, and its port must be
strict C89 that prints what the original prints.  No timing is asserted: the
speed figure belongs to ``invoke bench``.  The limit below only stops a run
that would not finish (the quadratic edit list of before needed hours for
this file); it is several times what the linear port of this size needs.
"""

from __future__ import annotations

import re
import subprocess

import pytest

from .bigsource import functions_for, generate
from .strict_build import (ENGINE, assert_same_everywhere, build_and_run, c89port_popen, have,
                           port_tree)

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not have("gcc"), reason="gcc is needed")]

LINES = 200_000
HANG_GUARD_S = 300


def test_200k_line_file_ports_and_is_right(tmp_path):
    src = tmp_path / "big.c"
    src.write_text(generate(LINES))
    out = tmp_path / "out"
    child = c89port_popen([str(src), "-o", str(out), "-j", "1"])
    try:
        _, err = child.communicate(timeout=HANG_GUARD_S)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        pytest.fail(f"the port of {LINES} lines did not finish in {HANG_GUARD_S} s")
    assert child.returncode == 0, err[-3000:]
    ported = out / "big.c"
    text = ported.read_text()
    assert "//" not in text and "for (int" not in text and not re.search(r"\buint32_t\b", text)
    # strict C89 (gcc checks the whole file; compiling it would take a minute) ...
    proc = subprocess.run(["gcc", "-std=c89", "-pedantic-errors", "-fsyntax-only",
                           f"-I{out}", f"-I{ENGINE}", str(ported)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    # ... that prints what the original prints (built by tcc: seconds, not minutes)
    cc = ["tcc"] if have("tcc") else ["gcc", "-O0"]
    want = build_and_run([*cc, "-w"], [src], tmp_path / "orig.exe")
    got = build_and_run(cc, [ported], tmp_path / "port.exe", incs=[out, ENGINE])
    assert want.count("\n") == -(-functions_for(LINES) // 64) and got == want


def test_the_generator_makes_what_it_says(tmp_path):
    """A small file from the generator is the C99 it is meant to be, and the
    port handles it (so the big test fails only on size)."""
    text = generate(600)
    assert 560 <= text.count("\n") <= 640
    files = {"small.c": text}
    assert_same_everywhere(tmp_path, files, port_tree(tmp_path, files))
