"""Borland C++ 5.02 (bcc32, 1997) driver: a source bundle built on the Windows 98 machine.

bcc32 is a Win32 program of its era, so nothing is compiled here: the driver
writes the ported C89 sources under 8.3 names with a Borland MAKE makefile,
BUILD.BAT (for COMMAND.COM) and README.TXT. c89compat.h's __BORLANDC__ branch
covers the compiler: __int64 for 64-bit integers and the "L" printf length
modifier of Borland's runtime (which has no %lld, %I64d or _strtoi64); the
C99 float functions (sqrtf, expf ...) are already gone after the C89 port.
"""

from __future__ import annotations

from ..targets import Target
from .base import CompilerDriver

# The flag table. bcc32 -tWC links through tlink32 with c0x32.obj, import32.lib
# and the static runtime cw32.lib: the EXE needs no Borland DLL.
CFLAGS = [
    "-tWC",        # 32-bit console application (links c0x32.obj)
    "-O2",         # optimise for speed
    "-ff-",        # strict ANSI float rounding (no "fast floating point")
    "-w-pia",      # no "possibly incorrect assignment" noise from upstream code
    "-q",          # no banner
]
# CPU code generation per target ISA: bcc32 5.02 knows -3, -4 and -5; Pentium
# code (-5) is the best it has for P6 targets too.
CPU_FLAGS = {"i486": ["-4"], "i586-mmx": ["-5"], "i686-mmx": ["-5"]}


class Borland(CompilerDriver):
    name = "borland"
    program = "bcc32"
    install_hint = "Borland C++ 5.02 runs on Windows; copy the bundle there and run BUILD.BAT"
    bundle_title = "Borland C++ 5.02"
    bundle_templates = [
        ("MAKEFILE.j2", "MAKEFILE", "Borland MAKE makefile (bcc32 -5 -O2 -tWC)"),
        ("BUILD.BAT.j2", "BUILD.BAT", "builds LLAMA98.EXE: checks for bcc32, runs MAKE"),
        ("README.TXT.j2", "README.TXT", "this file"),
    ]

    def compiles(self) -> bool:
        return False   # bcc32 is a Windows program of 1997: bundles only

    def bundle_reason(self) -> str:
        return ("Borland C++ 5.02 runs on the Windows machine: nothing is compiled here; "
                "writing its source bundle (BUILD.BAT builds LLAMA98.EXE there)")

    def flags(self, target: Target) -> list[str]:
        return CPU_FLAGS.get(target.isa, ["-5"]) + CFLAGS

    def bundle_values(self, target: Target) -> dict:
        return {"cflags": " ".join(self.flags(target))}
