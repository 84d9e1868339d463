"""One large generated C99 file (toolchain/c89/synthetic.py) ports in one piece.

The port of a 20,000-line file is checked, not timed (the 200,000-line speed
figure is in ``invoke bench``): no error or warning, a fixed point, strict C89
under ``gcc -std=c89 -pedantic-errors -Wall -Werror``, and the same output as
the C99 original when both run.
"""

from __future__ import annotations

import re
import subprocess

import pytest

from toolchain.c89 import port_source
from toolchain.c89.synthetic import generate

from .conftest import ENGINE, have

LINES = 20_000

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not have("gcc"), reason="gcc is needed")]


@pytest.fixture(scope="module")
def large():
    text = generate(LINES, seed=3)
    return text, port_source(text, "large.c", include_dirs=[str(ENGINE)])


def test_large_file_ports_to_a_fixed_point(large):
    text, res = large
    assert text.count("\n") >= LINES
    bad = [str(d) for d in res.diagnostics if d.severity in ("error", "warning")]
    assert not bad
    # every kind of rewrite the generator is there to exercise was made
    assert {"comments", "compound_literals", "designated", "declarations", "longlong",
            "stdint"} <= set(res.passes_applied)
    assert not port_source(res.text, "large.c", include_dirs=[str(ENGINE)]).changed


def _build_run(cmd, exe):
    proc = subprocess.run(cmd + ["-o", str(exe)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    run = subprocess.run([str(exe)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_large_file_is_strict_c89_and_prints_the_same(large, tmp_path):
    text, res = large
    code = re.sub(r"/\*.*?\*/", "", res.text, flags=re.S)
    assert "//" not in code and "long long" not in code
    (tmp_path / "orig.c").write_text(text)
    (tmp_path / "large.c").write_text(res.text)
    want = _build_run(["gcc", "-std=c99", "-pedantic-errors", "-Wall", str(tmp_path / "orig.c")],
                      tmp_path / "orig")
    got = _build_run(["gcc", "-std=c89", "-pedantic-errors", "-Wall", "-Werror",
                      "-I", str(ENGINE), str(tmp_path / "large.c")], tmp_path / "large")
    assert got == want and want.strip().isdigit()
