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
from .facts import Codegen

# The flag table. bcc32 -tWC links through tlink32 with c0x32.obj, import32.lib
# and the static runtime cw32.lib: the EXE needs no Borland DLL.
CFLAGS = [
    "-tWC",        # 32-bit console application (links c0x32.obj)
    "-O2",         # optimise for speed
    "-ff-",        # strict ANSI float rounding (no "fast floating point")
    "-w-pia",      # no "possibly incorrect assignment" noise from upstream code
    "-q",          # no banner
]
# Code generation per ISA ceiling: bcc32 5.02 knows -3, -4 and -5 (and sets _M_IX86
# to 300, 400 or 500 with them); Pentium code (-5) is the best it has for P6 too.
ISA = {
    "i486": Codegen(("-4",), ("_M_IX86=400",)),
    "i586-mmx": Codegen(("-5",), ("_M_IX86=500",)),
    "i686-mmx": Codegen(("-5",), ("_M_IX86=500",)),
}
# What bcc32 5.02 predefines for a 32-bit console program (-tWC): its version
# (0x520: Borland C++ 5.02, and C++Builder 1), the flat 32-bit model, Win32, console.
# Nothing here runs bcc32, so the list is from Borland's documentation; C89COMPT.H
# also defines _WIN32 itself when a Borland compiler gives only __WIN32__.
PREDEFINED = ("__BORLANDC__=0x520", "__WIN32__", "_WIN32", "__FLAT__", "__CONSOLE__")


class Borland(CompilerDriver):
    name = "borland"
    title = "Borland C++ 5.02"
    program = "bcc32"
    install_hint = "Borland C++ 5.02 runs on Windows; copy the bundle there and run BUILD.BAT"
    predefined = PREDEFINED
    isa = ISA
    bundle_templates = [
        ("MAKEFILE.j2", "MAKEFILE", "Borland MAKE makefile (bcc32 -tWC -O2)"),
        ("BUILD.BAT.j2", "BUILD.BAT", "builds LLAMA98.EXE: checks for bcc32, runs MAKE"),
        ("README.TXT.j2", "README.TXT", "this file"),
    ]

    def compiles(self) -> bool:
        return False   # bcc32 is a Windows program of 1997: bundles only

    def bundle_reason(self) -> str:
        return ("Borland C++ 5.02 runs on the Windows machine: nothing is compiled here; "
                "writing its source bundle (BUILD.BAT builds LLAMA98.EXE there)")

    def flags(self, target: Target) -> list[str]:
        return list(self.codegen(target).flags) + CFLAGS

    def bundle_values(self, target: Target) -> dict:
        return {"cflags": " ".join(self.flags(target))}
