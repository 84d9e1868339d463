"""Real inputs: llama2.c's run.c ports to code that strict C89 compilers accept.

Flags: -Wno-unknown-pragmas because the OpenMP ``#pragma omp`` lines are kept
on purpose; -Wno-unused-variable because upstream's chat() has an unused
``prev_token`` (already in the C99 original, not introduced by the port).
Everything else (-std=c89 -pedantic-errors -Wall -Werror) stays on, so any
leftover C99 construct fails the test.
"""

import subprocess

import pytest

from toolchain.c89 import port_source

from .conftest import ENGINE, have

FLAGS = ["-std=c89", "-pedantic-errors", "-Wall", "-Werror",
         "-Wno-unknown-pragmas", "-Wno-unused-variable"]


def _port_and_check(run_c, tmp_path):
    text = run_c.read_text()
    res = port_source(text, str(run_c))
    assert res.changed
    assert not [d for d in res.diagnostics if d.severity in ("error", "warning")]
    out = tmp_path / "run.c"
    out.write_text(res.text)
    proc = subprocess.run(["gcc", *FLAGS, "-fsyntax-only", "-I", str(ENGINE), str(out)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    if have("tcc"):
        proc = subprocess.run(["tcc", "-I", str(ENGINE), "-c", str(out), "-o", str(tmp_path / "r.o")],
                              capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
    again = port_source(res.text, str(run_c))
    assert again.text == res.text and not again.changed
    return res.text


def test_llamac2py_2023_run_c(llamac2py_run_c, tmp_path):
    out = _port_and_check(llamac2py_run_c, tmp_path)
    assert "c89_clock_gettime(C89_CLOCK_REALTIME, &time)" in out
    assert "c89_uint64_t rng_seed" in out
    assert "#pragma omp parallel for private(i)" in out


def test_pinned_pinned_run_c(pinned_run_c, tmp_path):
    out = _port_and_check(pinned_run_c, tmp_path)
    assert 'c89_sscanf(piece, "<0x%02hhX>", &byte_val)' in out
    assert "tok.str = str; tok.id = 0;" in out
    assert "C89_U64_HL(0x2545F491, 0x4F6CDD1D)" in out
