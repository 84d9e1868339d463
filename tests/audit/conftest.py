"""Real binaries for the audit tests, built once per session with the MinGW cross compiler.

Every EXE is built the way the product builds: C89, its own entry point, no C runtime,
linked only against a kernel32 import library generated here with dlltool.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest

CC = "i686-w64-mingw32-gcc"
DLLTOOL = "i686-w64-mingw32-dlltool"

WIN98_LINK = [
    "-nostdlib", "-nostartfiles", "-Wl,-e,_start",
    "-Wl,--subsystem,console:4.0",
    "-Wl,--major-os-version,4", "-Wl,--minor-os-version,0",
    "-Wl,--major-subsystem-version,4", "-Wl,--minor-subsystem-version,0",
]
PRODUCT_CFLAGS = ["-std=c89", "-O2", "-march=pentium-mmx", "-mtune=pentium2", "-ffreestanding"]

KERNEL32_DEF = """\
LIBRARY kernel32.dll
EXPORTS
GetStdHandle@4
WriteFile@20
ExitProcess@4
GetTickCount@0
GetTickCount64@0
"""

# Import libraries that import by ordinal only (NONAME).
ORDINAL_DEFS = {
    "libk32ord.a": "LIBRARY kernel32.dll\nEXPORTS\nGetTickCount@0 @300 NONAME\n",
    "libcrtord.a": "LIBRARY msvcrt.dll\nEXPORTS\nrand @500 NONAME\n",
}

# The entry point and the Win32 prototypes every test program shares.
PRELUDE = """\
typedef unsigned long DWORD; typedef void *HANDLE; typedef int BOOL;
__declspec(dllimport) HANDLE __stdcall GetStdHandle(DWORD);
__declspec(dllimport) BOOL __stdcall WriteFile(HANDLE, const void *, DWORD, DWORD *, void *);
__declspec(dllimport) void __stdcall ExitProcess(unsigned int);
static void say(const char *s, DWORD len)
{
    DWORD n;
    WriteFile(GetStdHandle((DWORD)-11), s, len, &n, 0);
}
"""

# A conditional select the compiler turns into CMOV for -march=i686.
IMIN = """\
__attribute__((noinline)) int imin(int a, int b) { return a < b ? a : b; }
"""

SOURCES = {
    "clean": PRELUDE + IMIN + """\
void start(void)
{
    static const char msg[] = "hello from win98\\r\\n";
    int r = imin((int)GetStdHandle((DWORD)-11), 7);
    say(msg, sizeof msg - 1);
    ExitProcess(r & 0);
}
""",
    "sse": PRELUDE + """\
__attribute__((noinline)) float fscale(float a, int n) { return a * (float)n + 0.5f; }
void start(void)
{
    int n = (int)GetStdHandle((DWORD)-11);
    say("x\\r\\n", 3);
    ExitProcess(fscale(1.0f, n) > 2.0f);
}
""",
    "fcomi": PRELUDE + """\
__attribute__((noinline)) int dless(double a, double b) { return a < b; }
void start(void)
{
    int n = (int)GetStdHandle((DWORD)-11);
    say("x\\r\\n", 3);
    ExitProcess(dless((double)n, 2.5));
}
""",
    "fcomi_asm": PRELUDE + """\
__attribute__((noinline)) int asm_fcomi(void)
{
    int r;
    __asm__ volatile ("fld1\\n\\tfldz\\n\\tfcomi %%st(1), %%st\\n\\tfstp %%st(0)\\n\\tfstp %%st(0)\\n\\t"
                      "setb %%al\\n\\tmovzbl %%al, %0" : "=r"(r) : : "eax", "cc");
    return r;
}
void start(void) { say("x\\r\\n", 3); ExitProcess(asm_fcomi()); }
""",
    "tick64": PRELUDE + """\
__declspec(dllimport) unsigned long long __stdcall GetTickCount64(void);
void start(void) { say("x\\r\\n", 3); ExitProcess((unsigned)GetTickCount64() & 0); }
""",
    "p5insns": PRELUDE + """\
__attribute__((noinline)) unsigned p5_features(void)
{
    unsigned a = 1, b, c, d, lo, hi;
    unsigned long long v = 0;
    __asm__ volatile ("cpuid" : "+a"(a), "=b"(b), "=c"(c), "=d"(d));
    __asm__ volatile ("rdtsc" : "=a"(lo), "=d"(hi));
    __asm__ volatile ("lock cmpxchg8b %0" : "+m"(v) : "a"(0), "d"(0), "b"(1), "c"(0) : "cc");
    return a ^ d ^ lo ^ (unsigned)v;
}
void start(void) { say("x\\r\\n", 3); ExitProcess(p5_features() & 0); }
""",
    "endbr": PRELUDE + """\
__attribute__((noinline)) int marked(int x) { __asm__ volatile ("endbr32"); return x + 1; }
void start(void) { say("x\\r\\n", 3); ExitProcess(marked(0) & 0); }
""",
    "ordinal": PRELUDE + """\
__declspec(dllimport) unsigned long __stdcall GetTickCount(void);
__declspec(dllimport) int __cdecl rand(void);
void start(void) { say("x\\r\\n", 3); ExitProcess((unsigned)(GetTickCount() + rand()) & 0); }
""",
    "tzcnt": PRELUDE + """\
__attribute__((noinline)) int ctz(unsigned x) { return __builtin_ctz(x); }
void start(void) { say("x\\r\\n", 3); ExitProcess(ctz((unsigned)GetStdHandle((DWORD)-11) | 1u) & 0); }
""",
    # Data between functions in .text: two invalid opcodes around an SSE encoding.
    "garbage": PRELUDE + IMIN + """\
__asm__(".text\\n\\t.globl _blob\\n_blob:\\n\\t.byte 0xff,0xff,0x0f,0x10,0xc1,0xff,0xff,0xc3\\n");
void start(void) { say("x\\r\\n", 3); ExitProcess(imin(1, 2) & 0); }
""",
    # A switch's jump table in .text, as Open Watcom places them: data the sweep must skip.
    "jumptable": PRELUDE + """\
__asm__(".text\\n\\t.globl _pick\\n_pick:\\n\\tmovl 4(%esp), %eax\\n\\tandl $3, %eax\\n"
        "\\tjmp *_pick_table(,%eax,4)\\n\\t.p2align 2\\n_pick_table:\\n"
        "\\t.long _pick_a, _pick_b, _pick_a, _pick_b\\n"
        "_pick_a:\\n\\tmovl $1, %eax\\n\\tret\\n_pick_b:\\n\\tmovl $2, %eax\\n\\tret\\n");
int pick(int);
void start(void) { say("x\\r\\n", 3); ExitProcess(pick((int)GetStdHandle((DWORD)-11)) & 0); }
""",
}

# name -> (source key, extra cflags, override link flags or None)
BUILDS = {
    "clean": ("clean", [], None),
    "cmov": ("clean", ["-march=i686"], None),
    "sse": ("sse", ["-msse", "-mfpmath=sse"], None),
    "fcomi": ("fcomi", ["-march=i686"], None),
    "fcomi_asm": ("fcomi_asm", [], None),
    "tick64": ("tick64", [], None),
    "sub5": ("clean", [], [f.replace("console:4.0", "console:5.0").replace("subsystem-version,4", "subsystem-version,5")
                            for f in WIN98_LINK]),
    "p5insns": ("p5insns", [], None),
    "endbr": ("endbr", [], None),
    "tzcnt": ("tzcnt", ["-mtune=generic"], None),
    "garbage": ("garbage", [], None),
    "jumptable": ("jumptable", [], None),
    "ord_crt": ("ordinal", [], WIN98_LINK + ["-lcrtord", "-lk32"]),      # rand by ordinal only
    "ord_k32": ("ordinal", [], WIN98_LINK + ["-lk32ord", "-lcrtord"]),   # GetTickCount by ordinal too
}


def _run(cmd: list[str], cwd: Path) -> None:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stdout}{proc.stderr}")


@pytest.fixture(scope="session")
def mingw() -> None:
    for tool in (CC, DLLTOOL):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} not on PATH: cannot build the test EXEs")


@pytest.fixture(scope="session")
def exes(mingw, tmp_path_factory) -> dict[str, Path]:
    """name -> built EXE (see BUILDS), plus "hello" (stock MinGW) and its map/stripped twins."""
    d = tmp_path_factory.mktemp("audit_exes")
    (d / "kernel32.def").write_text(KERNEL32_DEF)
    _run([DLLTOOL, "-k", "-d", "kernel32.def", "-l", "libk32.a"], d)
    for lib, text in ORDINAL_DEFS.items():
        (d / (lib + ".def")).write_text(text)
        _run([DLLTOOL, "-k", "-d", lib + ".def", "-l", lib], d)
    out: dict[str, Path] = {}
    for name, (src, extra, link) in BUILDS.items():
        c = d / f"{src}.c"
        if not c.exists():
            c.write_text(SOURCES[src])
        exe = d / f"{name}.exe"
        _run([CC, *PRODUCT_CFLAGS, *extra, c.name, "-o", exe.name, *(link or WIN98_LINK),
              "-L.", "-lk32"], d)
        out[name] = exe
    (d / "hello.c").write_text('#include <stdio.h>\nint main(int argc, char **argv)\n'
                               '{ printf("hello %s %f\\n", argv[0], argc * 1.5); return 0; }\n')
    _run([CC, "-O2", "hello.c", "-o", "hello.exe"], d)
    _run([CC, "-O2", "hello.c", "-o", "hello_stripped.exe", "-s", "-Wl,-Map,hello_stripped.map"], d)
    out["hello"] = d / "hello.exe"
    out["hello_stripped"] = d / "hello_stripped.exe"
    out["hello_map"] = d / "hello_stripped.map"
    return out


@pytest.fixture(scope="session")
def shared_api() -> Path:
    p = Path(__file__).resolve().parents[2] / ".." / "shared" / "win9x-api"
    return p.resolve()


# -- malformed images: a real EXE with one header field patched ----------------------------


class PeFile:
    """Offsets of the headers of a PE32 file held in a bytearray, for patching one field."""

    def __init__(self, raw: bytes):
        self.raw = bytearray(raw)
        self.lfanew = struct.unpack_from("<I", self.raw, 0x3C)[0]
        self.opt = self.lfanew + 24
        self.nsec, self.opt_size = struct.unpack_from("<H12xH", self.raw, self.lfanew + 6)
        self.table = self.opt + self.opt_size

    def section(self, name: bytes) -> int:
        """File offset of the section header called ``name``."""
        for k in range(self.nsec):
            h = self.table + 40 * k
            if self.raw[h:h + 8].rstrip(b"\0") == name:
                return h
        raise KeyError(name)

    def put(self, off: int, value: int, fmt: str = "<I") -> "PeFile":
        struct.pack_into(fmt, self.raw, off, value)
        return self

    def get(self, off: int, fmt: str = "<I") -> int:
        return struct.unpack_from(fmt, self.raw, off)[0]

    def directory(self, k: int) -> int:
        """File offset of data directory ``k`` (RVA, then size)."""
        return self.opt + 96 + 8 * k

    def rva_to_offset(self, rva: int) -> int:
        for k in range(self.nsec):
            h = self.table + 40 * k
            vsize, va, size, ptr = struct.unpack_from("<IIII", self.raw, h + 8)
            if va <= rva < va + max(vsize, size):
                return ptr + rva - va
        raise KeyError(hex(rva))

    # section header fields
    VSIZE, RVA, RAW_SIZE, RAW_PTR = 8, 12, 16, 20


def with_extra_sections(raw: bytes, count: int, share: bytes = b".text") -> bytes:
    """``raw`` with ``count`` more sections whose raw data is ``share``'s (placed after the
    image in memory); the section table grows, the section data moves down the file."""
    pe = PeFile(raw)
    src = bytearray(raw)
    fa, sa = pe.get(pe.opt + 36), pe.get(pe.opt + 32)
    heads = [bytearray(src[pe.table + 40 * k: pe.table + 40 * (k + 1)]) for k in range(pe.nsec)]
    first_raw = min(struct.unpack_from("<I", h, 20)[0] for h in heads
                    if struct.unpack_from("<I", h, 16)[0])
    total = pe.nsec + count
    new_first = (pe.table + 40 * total + fa - 1) // fa * fa
    delta = new_first - first_raw
    for h in heads:
        if struct.unpack_from("<I", h, 16)[0]:
            struct.pack_into("<I", h, 20, struct.unpack_from("<I", h, 20)[0] + delta)
    model = next(h for h in heads if h[:8].rstrip(b"\0") == share)
    va = max(struct.unpack_from("<I", h, 12)[0] + max(struct.unpack_from("<I", h, 8)[0], 1) for h in heads)
    va = (va + sa - 1) // sa * sa
    extra = []
    for k in range(count):
        h = bytearray(model)
        h[:8] = (b".x%05d" % k)[:8].ljust(8, b"\0")
        struct.pack_into("<I", h, 12, va)
        va += sa
        extra.append(h)
    out = bytearray(src[:pe.table]) + b"".join(heads + extra)
    out += bytes(new_first - len(out)) + src[first_raw:]
    struct.pack_into("<H", out, pe.lfanew + 6, total)
    sym = struct.unpack_from("<I", out, pe.lfanew + 12)[0]
    if sym:
        struct.pack_into("<I", out, pe.lfanew + 12, sym + delta)
    struct.pack_into("<I", out, pe.opt + 56, va)          # SizeOfImage
    struct.pack_into("<I", out, pe.opt + 60, new_first)   # SizeOfHeaders
    return bytes(out)
