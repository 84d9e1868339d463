"""Real inputs: llama2.c's run.c ports to code that strict C89 compilers accept.

Flags: -Wno-unknown-pragmas because the OpenMP ``#pragma omp`` lines are kept
on purpose; -Wno-unused-variable because upstream's chat() has an unused
``prev_token`` (already in the C99 original, not introduced by the port).
Everything else (-std=c89 -pedantic-errors -Wall -Werror) stays on, so any
leftover C99 construct fails the test.  run.c is ported by the command line
and linked from the output folder as written (c89compat.h and the runtime
sources c89port put there, no -I).
"""

import json
import subprocess

from .conftest import have
from .strict_build import c89port, runtime_in

FLAGS = ["-std=c89", "-pedantic-errors", "-Wall", "-Werror",
         "-Wno-unknown-pragmas", "-Wno-unused-variable"]


def _port_and_check(run_c, tmp_path):
    folder = tmp_path / "out"
    status, report, err = c89port([str(run_c), "-o", str(folder), "--json"])
    assert status == 0, err
    (entry,) = json.loads(report)["files"]
    assert entry["status"] == "changed"
    assert not [d for d in entry["diagnostics"] if d["severity"] in ("error", "warning")]
    out = folder / run_c.name
    srcs = [str(out), *map(str, runtime_in(folder))]
    proc = subprocess.run(["gcc", *FLAGS, *srcs, "-o", str(tmp_path / "run-gcc"), "-lm"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    if have("tcc"):
        proc = subprocess.run(["tcc", *srcs, "-o", str(tmp_path / "run-tcc"), "-lm"],
                              capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
    status, _, err = c89port([str(folder), "--check"])
    assert status == 0, err
    return out.read_text()


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
