"""Semantics: every corpus program prints the same thing before and after
the port.  The original builds as C99 (gnu99, for POSIX clock_gettime); the port builds as strict C89
(gcc -std=c89 -pedantic-errors -Wall -Werror, plus tcc and pcc when
present).  c89_sscanf/c89_clock_gettime come from a test-only stub.

A corpus file may add flags with a ``/* c89-flags: ... */`` comment: the
64-bit printf files use -Wno-format, because gcc's -Wformat (with
-pedantic) rejects any 64-bit conversion ("%lld", "%I64d") in C90 mode;
those files are also checked to contain no ``long long`` after the port.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from .conftest import CORPUS, ENGINE, STUBS, have, port

FILES = sorted(CORPUS.glob("*.c"))
STRICT = ["-std=c89", "-pedantic-errors", "-Wall", "-Werror"]
RUNTIME = ["c89snprintf.c", "c89stdlib.c"]


def _run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, **kw)


def _build_run(cc_cmd, exe):
    proc = _run(cc_cmd + ["-o", str(exe)])
    assert proc.returncode == 0, f"{' '.join(cc_cmd)}\n{proc.stderr}"
    out = _run([str(exe)])
    assert out.returncode == 0, out.stderr
    return out.stdout


@pytest.fixture(scope="module")
def stub_objects(tmp_path_factory):
    d = tmp_path_factory.mktemp("stubs")
    objs = {}
    for cc in ("gcc", "tcc", "pcc"):
        if not have(cc):
            continue
        obj = d / f"stubs_{cc}.o"
        proc = _run([cc, "-c", str(STUBS / "c89_stubs.c"), "-o", str(obj)])
        if proc.returncode != 0:
            continue
        objs[cc] = [obj]
        for rt in RUNTIME:  # the engine's own C89 runtime pieces
            o = d / f"{rt[:-2]}_{cc}.o"
            proc = _run([cc, "-I", str(ENGINE), "-c", str(ENGINE / rt), "-o", str(o)])
            assert proc.returncode == 0, proc.stderr
            objs[cc].append(o)
    return objs


@pytest.mark.parametrize("src", FILES, ids=[f.stem for f in FILES])
def test_corpus_same_output(src, tmp_path, stub_objects):
    text = src.read_text()
    extra = []
    m = re.search(r"/\* c89-flags: ([^*]*)\*/", text)
    if m:
        extra = m.group(1).split()
    orig_exe = tmp_path / "orig"
    expected = _build_run(["gcc", "-std=gnu99", "-w", str(src), "-lm"], orig_exe)

    ported = port(text, str(src))
    assert "long long" not in re.sub(r"/\*.*?\*/", "", ported, flags=re.S)
    out_c = tmp_path / src.name
    out_c.write_text(ported)
    got = _build_run(["gcc"] + STRICT + extra + ["-I", str(ENGINE), str(out_c)]
                     + [str(o) for o in stub_objects["gcc"]] + ["-lm"],
                     tmp_path / "port_gcc")
    assert got == expected
    for cc in ("tcc", "pcc"):
        if cc not in stub_objects:
            continue
        got = _build_run([cc, "-I", str(ENGINE), str(out_c)] + [str(o) for o in stub_objects[cc]]
                         + ["-lm"],
                         tmp_path / f"port_{cc}")
        assert got == expected, cc


@pytest.mark.skipif(not have("gcc"), reason="gcc not found")
def test_c89_input_is_unchanged():
    src = CORPUS / "c89_input.c"
    text = src.read_text()
    assert port(text, str(src)) == text
