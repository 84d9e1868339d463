"""Semantics: every corpus program prints the same thing before and after
the port.  The original builds as C99 (gnu99, for POSIX clock_gettime); the
port builds as strict C89 (gcc -std=c89 -pedantic-errors -Wall -Werror,
plus tcc and pcc when present) and links the engine's own C89 runtime
(engine_c89: c89_sscanf, c89_clock_gettime, c89_snprintf, c89_strtoll ...)
that c89port put into the output folder.

A corpus file may add flags with a ``/* c89-flags: ... */`` comment: the
64-bit printf files use -Wno-format, because gcc's -Wformat (with
-pedantic) rejects any 64-bit conversion ("%lld", "%I64d") in C90 mode;
those files are also checked to contain no ``long long`` after the port.

The corpus is ported as one folder by the command line, and each program is
built from that folder as c89port wrote it: its own file and the runtime
sources and c89compat.h the port put there, no -I, nothing from engine_c89.
"""

from __future__ import annotations

import re

import pytest

from support import have
from support.cflags import C99, STRICT
from support.compilers import build, output, run
from toolchain.runtime import by_role

from .conftest import CORPUS
from .strict_build import c89port, runtime_in

pytestmark = pytest.mark.slow

FILES = sorted(CORPUS.glob("*.c"))
RUNTIME = [f.path for f in by_role("port") if f.is_source]


@pytest.fixture(scope="module")
def ported(tmp_path_factory):
    """The corpus folder ported by ``c89port CORPUS -o OUT``."""
    out = tmp_path_factory.mktemp("corpus") / "out"
    status, _, err = c89port([str(CORPUS), "-o", str(out)])
    assert status == 0, err
    return out


@pytest.fixture(scope="module")
def runtime_objects(ported, tmp_path_factory):
    """The runtime sources in the output folder, compiled once per compiler
    (each file as strict C89 as that compiler checks), as written."""
    d = tmp_path_factory.mktemp("runtime")
    objs = {}
    for cc in ("gcc", "tcc", "pcc"):
        if not have(cc):
            continue
        objs[cc] = []
        for src in runtime_in(ported):
            o = d / f"{src.stem}_{cc}.o"
            proc = run([*STRICT[cc], "-c", src, "-o", o])
            assert proc.returncode == 0, f"{cc} {src.name}: {proc.stderr}"
            objs[cc].append(o)
    return objs


def test_the_runtime_is_the_engines_own():
    names = {p.name for p in RUNTIME}
    assert {"c89stdio.c", "c89timer.c", "c89snprintf.c", "c89stdlib.c"} <= names


@pytest.mark.parametrize("src", FILES, ids=[f.stem for f in FILES])
def test_corpus_same_output(src, tmp_path, ported, runtime_objects):
    text = src.read_text()
    extra = []
    m = re.search(r"/\* c89-flags: ([^*]*)\*/", text)
    if m:
        extra = m.group(1).split()
    expected = output(build(C99, [src], tmp_path / "orig", libs=["-lm"]))

    out_c = ported / src.name
    assert "long long" not in re.sub(r"/\*.*?\*/", "", out_c.read_text(), flags=re.S)
    got = output(build(STRICT["gcc"], [out_c, *runtime_objects["gcc"]], tmp_path / "port_gcc",
                       flags=extra, libs=["-lm"]))
    assert got == expected
    for cc in ("tcc", "pcc"):
        if cc not in runtime_objects:
            continue
        got = output(build([cc], [out_c, *runtime_objects[cc]], tmp_path / f"port_{cc}",
                           libs=["-lm"]))
        assert got == expected, cc
