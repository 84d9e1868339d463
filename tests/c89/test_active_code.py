"""What the preprocessor keeps decides what is ported and reported.

* ``#if`` is evaluated as a C89 compiler will: ``__STDC_VERSION__`` is not
  defined, so C99/C11-only branches are dropped (and left as they are,
  without a diagnostic) and their C89 ``#else`` is kept;
* a C99 construct in a branch dropped in the configuration being ported is
  an ``[inactive]`` warning, never an error;
* ``bool`` and the ``<stdint.h>`` names are renamed wherever they come from
  a header the unit includes, not only when the file includes it itself;
* ``UINT32_C(n)`` and the other small ``*_C`` macros become compat macros.
"""

from __future__ import annotations

import subprocess

import pytest

from toolchain.c89 import port_source
from toolchain.c89.project import port_files
from toolchain.diag import ToolchainError

from .conftest import ENGINE, have

ALIGN = ("#if defined(__STDC_VERSION__) && (__STDC_VERSION__ >= 201112L)\n"
         "#  define ALIGN(n) _Alignas(n)\n#else\n#  define ALIGN(n)\n#endif\n"
         "ALIGN(8) static int v;\nint m(void) { return v; }\n")


def test_c11_branch_is_dropped_silently():
    res = port_source(ALIGN, "a.c")
    assert res.text == ALIGN
    assert not [d for d in res.diagnostics if d.severity != "note"]


def test_c99_branch_is_dropped_and_the_c89_one_ported():
    src = ("#if __STDC_VERSION__ >= 199901L\n#include <stdint.h>\nstatic double h = 0x1p-3;\n"
           "#else\ntypedef unsigned int u32;\n#endif\nint f(void) { int a = 1; a++; int b = a; return b; }\n")
    res = port_source(src, "v.c")
    # (token-level renames still apply there: <stdint.h> becomes the compat header)
    assert "static double h = 0x1p-3;\n#else\ntypedef unsigned int u32;" in res.text
    assert "int f(void) { int a = 1; int b; a++; b = a; return b; }" in res.text
    assert not [d for d in res.diagnostics if d.severity != "note"]


def test_inactive_hex_float_is_a_warning_and_active_one_an_error():
    src = "#ifdef USE_HEX\nstatic float q(void) { return 0x1.0p-3f; }\n#endif\nint m(void) { return 0; }\n"
    res = port_source(src, "h.c")
    assert res.text == src
    (w,) = [d for d in res.diagnostics if d.severity != "note"]
    assert (w.line, w.severity, w.code) == (2, "warning", "inactive")
    assert "no -D flags" in w.message and "0.125" in w.message
    with pytest.raises(ToolchainError) as ei:
        port_source(src, "h.c", defines=["USE_HEX"])
    assert [(d.line, d.code) for d in ei.value.diagnostics] == [(2, "unsupported")]


def test_inactive_c11_keyword_in_a_macro_is_a_warning():
    src = "#ifdef FAST\n#define AL _Alignas(16)\n#else\n#define AL\n#endif\nAL int x;\n"
    res = port_source(src, "k.c")
    assert [(d.line, d.code) for d in res.diagnostics if d.severity != "note"] == \
        [(2, "inactive")]
    with pytest.raises(ToolchainError):
        port_source(src, "k.c", defines=["FAST"])


def test_small_int_c_macros():
    src = ("#include <stdint.h>\n#define LIMIT UINT32_C(0xFFFFFF)\n"
           "uint32_t lim(void) { return LIMIT + INT8_C(1) + UINT16_C(2) + (uint32_t)INT32_C(-3); }\n")
    out = port_source(src, "d.c").text
    assert out == ('#include "c89compat.h"\n#define LIMIT C89_UINT32_C(0xFFFFFF)\n'
                   "c89_uint32_t lim(void) { return LIMIT + C89_INT8_C(1) + C89_UINT16_C(2) + "
                   "(c89_uint32_t)C89_INT32_C(-3); }\n")
    assert port_source(out, "d.c").text == out


def _project(tmp_path, files):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    items = [(str(tmp_path / n), t) for n, t in files.items()]
    res = port_files(items, jobs=1, include_dirs=[str(tmp_path)])
    out = tmp_path / "out"
    out.mkdir()
    for (name, _), r in zip(files.items(), res):
        assert r.ok, r.error.render("t")
        (out / name).write_text(r.result.text)
    again = port_files([(str(out / n), (out / n).read_text()) for n in files], jobs=1,
                       include_dirs=[str(out)])
    assert all(r.ok and not r.result.changed for r in again)
    return out


def _compiles(out, main):
    if not have("gcc"):
        return
    cmd = ["gcc", "-std=c89", "-pedantic-errors", "-Wall", "-I", str(out), "-I", str(ENGINE),
           str(out / main), "-o", str(out / "prog")]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert subprocess.run([str(out / "prog")]).returncode == 0


def test_bool_and_stdint_from_a_header(tmp_path):
    out = _project(tmp_path, {
        "e1.h": "#include <stdbool.h>\n#include <stdint.h>\nbool is_odd(int);\n",
        "e1.c": ('#include "e1.h"\nbool is_odd(int x) { return (x & 1) != 0; }\n'
                 "uint32_t top = UINT32_C(4000000000);\n"
                 "int main(void) { bool t = true; return is_odd(3) == t && top > 5 ? 0 : 1; }\n"),
    })
    text = (out / "e1.c").read_text()
    assert "c89_bool is_odd(int x)" in text and "c89_bool t = 1;" in text
    assert "c89_uint32_t top = C89_UINT32_C(4000000000);" in text
    _compiles(out, "e1.c")


def test_own_bool_without_stdbool_is_kept(tmp_path):
    out = _project(tmp_path, {
        "b.h": "typedef int bool;\nenum { false, true };\n",
        "b.c": '#include "b.h"\nbool ok(void) { return true; }\nint main(void) { return !ok(); }\n',
    })
    assert (out / "b.c").read_text() == (tmp_path / "b.c").read_text()
    _compiles(out, "b.c")
