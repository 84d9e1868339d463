"""engine_c89/c89compat.h builds cleanly as strict C89 with every compiler here."""

import shutil
import subprocess

import pytest

from toolchain.c89.passes.comments import find_line_comments

from .conftest import ENGINE

PROG = r"""
#include <stdio.h>
#include "c89compat.h"
int main(void)
{
    c89_int64_t a = C89_I64_HL(0x1, 0x2);
    c89_uint64_t b = C89_UINT64_MAX;
    c89_int8_t c = C89_INT8_MIN;
    c89_uint32_t d = C89_UINT32_MAX;
    c89_intptr_t p = (c89_intptr_t)&a;
    c89_ssize_t s = -1;
    c89_bool ok = 1;
    struct c89_timespec ts;
    ts.tv_sec = 0;
    ts.tv_nsec = 0;
    printf("%ld %d %d %d %d\n", (long)(a >> 32), b == C89_U64_HL(0xFFFFFFFF, 0xFFFFFFFF),
           c, d == 0xFFFFFFFFUL, p != 0 && s < 0 && ok && ts.tv_sec == 0);
    printf("%s %s\n", C89_PRId64, C89_PRIu32);
    return 0;
}
"""

COMPILERS = [
    ("gcc", ["-std=c89", "-pedantic-errors", "-Wall", "-Wextra", "-Werror"]),
    ("gcc-m32", ["-m32", "-std=c89", "-pedantic-errors", "-Wall", "-Wextra", "-Werror"]),
    ("i686-w64-mingw32-gcc", ["-std=c89", "-pedantic-errors", "-Wall", "-Werror"]),
    ("tcc", ["-Wall", "-Werror"]),
    ("pcc", []),
]


@pytest.mark.parametrize("cc,flags", COMPILERS, ids=[c for c, _ in COMPILERS])
def test_header_compiles(cc, flags, tmp_path):
    exe = "gcc" if cc == "gcc-m32" else cc
    if shutil.which(exe) is None:
        pytest.skip(f"{exe} not found")
    src = tmp_path / "t.c"
    src.write_text(PROG)
    proc = subprocess.run([exe, *flags, "-I", str(ENGINE), "-c", str(src), "-o", str(tmp_path / "t.o")],
                          capture_output=True, text=True)
    if cc == "gcc-m32" and "gnu/stubs-32.h" in proc.stderr:
        pytest.skip("no 32-bit glibc headers")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip() == "" or cc == "pcc", proc.stderr


def test_header_is_c89_text():
    text = (ENGINE / "c89compat.h").read_text()
    assert find_line_comments(text) == []
    assert "C89COMPAT_H_INCLUDED" in text
    for name in ("__BORLANDC__", "__WATCOMC__", "_MSC_VER", "__int64", "I64", "__extension__"):
        assert name in text


# issue 13 (4): the header defines and declares nothing the program did not
# ask for; FILE, size_t and va_list appear once <stdio.h>/<stdarg.h> are in
ALONE = r"""
#include "c89compat.h"
#define CHAR_BIT 8
#define UINT_MAX 4294967295U
#define EOF (-1)
#define NULL 0
typedef int FILE;
typedef int size_t;
int va_start;
int main(void)
{
    c89_uint32_t x = C89_UINT32_MAX;
    return (int)(x - C89_UINT32_MAX) + (C89_SIZE_MAX == 0) + CHAR_BIT - 8 + (FILE)0 + (size_t)0
        + va_start + (NULL);
}
"""
LATER = r"""
#include "c89compat.h"
#include <stdarg.h>
#include <stdio.h>
#include "c89compat.h"
static int f(char *b, const char *fmt, ...)
{
    int n;
    va_list ap;
    va_start(ap, fmt);
    n = c89_vsnprintf(b, 8, fmt, ap);
    va_end(ap);
    return n;
}
int main(void)
{
    char b[8];
    int x;
    return f(b, "%d", 1) + c89_snprintf(b, 8, "%d", 2) + c89_sscanf("3", "%d", &x) - 3;
}
"""


@pytest.mark.parametrize("prog", [ALONE, LATER], ids=["alone", "included-again"])
@pytest.mark.parametrize("cc,flags", COMPILERS[:3], ids=[c for c, _ in COMPILERS[:3]])
def test_header_names_only_its_own(cc, flags, prog, tmp_path):
    exe = "gcc" if cc == "gcc-m32" else cc
    if shutil.which(exe) is None:
        pytest.skip(f"{exe} not found")
    src = tmp_path / "t.c"
    src.write_text(prog)
    proc = subprocess.run([exe, *flags, "-Wno-unused", "-I", str(ENGINE), "-c", str(src), "-o",
                           str(tmp_path / "t.o")], capture_output=True, text=True)
    if cc == "gcc-m32" and "gnu/stubs-32.h" in proc.stderr:
        pytest.skip("no 32-bit glibc headers")
    assert proc.returncode == 0, proc.stderr


def test_header_and_stub_define_only_their_own_names():
    # every macro and typedef is C89_/c89_ (or a helper ending in '_'); no
    # #include at all -- the program's names stay the program's
    import re
    from toolchain.c89.frontend import COMPAT_STUB
    for path in (ENGINE / "c89compat.h", COMPAT_STUB):
        text = re.sub(r"/\*.*?\*/", " ", open(path, encoding="utf-8").read(), flags=re.S)
        assert not re.search(r"^\s*#\s*include", text, re.M), path
        names = re.findall(r"^\s*#\s*define\s+(\w+)", text, re.M)
        names += re.findall(r"\btypedef\b[^;]*?(\w+)\s*(?:\[[^\]]*\])?\s*;", text)
        # the Borland shim: its Win32 macro under the name the engine tests
        others = [n for n in names if not n.lower().startswith("c89")
                  and n != "_WIN32"]
        assert others == [], (path, others)
