"""The analysis's stand-in for c89compat.h (toolchain/data/c89compat_stub.h)
declares exactly the public names of the real header, so that every name a
pass emits is known to the next round's parse."""

from __future__ import annotations

import re
import subprocess

import pytest

from support.cflags import GCC_C89
from toolchain.c89 import port_source
from toolchain.c89.frontend import COMPAT_STUB

from .conftest import ENGINE, have

HEADER = ENGINE / "c89compat.h"


def public_names(text: str) -> set[str]:
    """Macros, typedefs, struct tags and functions a header declares whose
    names are c89_/C89_ (not the ones ending in '_', which are its own
    helpers, nor its c89_check_* size checks), and its include guard."""
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    names = set(re.findall(r"^\s*#\s*define\s+(\w+)", text, re.M))
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    for stmt in code.split(";"):
        stmt = " ".join(stmt.split())
        if re.match(r"^(__extension__ )?typedef\b", stmt):
            names.add(re.findall(r"(\w+)\s*(?:\[[^\]]*\])?\s*$", stmt)[0])
        elif "(" in stmt and "{" not in stmt:
            names.add(re.findall(r"(\w+)\s*\(", stmt)[0])
    names.update(re.findall(r"\bstruct\s+(\w+)\s*\{", code))
    return {n for n in names if n == "C89COMPAT_H_INCLUDED"
            or (n.lower().startswith("c89_") and not n.endswith("_")
                and not n.startswith("c89_check_"))}


def test_the_stub_declares_the_headers_names():
    want = public_names(HEADER.read_text("utf-8"))
    got = public_names(open(COMPAT_STUB, encoding="utf-8").read())
    assert "c89_snprintf" in want and "C89_PRId32" in want and "c89_timespec" in want
    assert got == want


def test_the_name_reader_sees_every_kind():
    names = public_names("#define C89_A 1\n#define C89_H_ x\ntypedef long c89_b;\n"
                         "__extension__ typedef long long c89_c;\ntypedef char c89_check_x[1];\n"
                         "struct c89_d { int x; };\nint c89_e(int a, struct c89_d *p);\n")
    assert names == {"C89_A", "c89_b", "c89_c", "c89_d", "c89_e"}


def test_ported_32_bit_formats_parse_in_the_next_round(tmp_path):
    # C89_PRId32 comes from the stdint pass; the round after it parses it
    # (through the stub) as part of the format string
    src = ('#include <stdio.h>\n#include <inttypes.h>\n'
           'int main(void) { int32_t x = INT32_MAX;\n'
           '    printf("%" PRId32 "\\n", x); return 0; }\n')
    res = port_source(src, "f.c")
    assert 'printf("%" C89_PRId32 "\\n", x);' in res.text
    assert port_source(res.text, "f.c").text == res.text
    if not have("gcc"):
        pytest.skip("gcc is needed to build the port")
    (tmp_path / "f.c").write_text(res.text)
    exe = tmp_path / "f"
    proc = subprocess.run([*GCC_C89, "-I", str(ENGINE), str(tmp_path / "f.c"), "-o", str(exe)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert subprocess.run([str(exe)], capture_output=True, text=True).stdout == "2147483647\n"


def test_compat_limits_are_constants():
    # a port's own compat limits size an array: a constant, not a VLA
    src = ('#include "c89compat.h"\nint f(void) {\n    c89_uint8_t t[C89_UINT8_MAX];\n'
           '    t[0] = 1;\n    return t[0];\n}\n')
    assert port_source(src, "g.c").text == src
