"""Open Watcom v2 (wcc386 + wlink) driver: compiles here, or writes a source bundle.

Open Watcom cross-compiles for Win32 from Linux, so with it installed (``WATCOM``
set, or ``wcl386`` on PATH; Open Watcom's owsetenv.sh sets both) the driver writes
the bundle into the work folder, runs its makefile with wmake and hands the EXE to
the audit like the MinGW driver does. Without it the build stops with an error,
unless ``--bundle-only`` asks for the bundle alone, for the user to build on
Windows (BUILD.BAT) or Linux (build.sh).

Watcom links its own static C runtime (clib3r), so the EXE imports KERNEL32.DLL
(and USER32.DLL's CharUpperA) only. wlink writes OS version 1.11 unless told
otherwise: ``option osversion`` and ``runtime console=`` take the target's PE
versions. c89compat.h's __WATCOMC__ branch spells 64-bit integers __int64;
-bt=nt defines _WIN32, which selects the I64 printf modifier and the
QueryPerformanceCounter timer.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from ..diag import ToolchainError
from ..targets import Target
from .base import BuildResult, CompilerDriver
from .facts import Codegen

# The flag tables: every flag wcc386 and wlink get, in one place.
CFLAGS = [
    "-zq",         # quiet
    "-bt=nt",      # Win32 target (defines __NT__ and _WIN32)
    "-fpi87",      # inline x87 instructions, no emulator
    "-ox",         # maximum optimisation (-obmiler -s)
    "-op",         # store float intermediates: rounding as written
    "-w3",
]
# Code generation per ISA ceiling: the CPU for instruction choice and scheduling
# with the register calling convention (the "r" suffix, clib3r), the x87 level
# (-fp6 may use FCOMI/FCMOV, which only the i686 ceiling allows), and the value
# they give _M_IX86.
ISA = {
    "i486": Codegen(("-4r", "-fp3"), ("_M_IX86=400",)),
    "i586-mmx": Codegen(("-5r", "-fp5"), ("_M_IX86=500",)),
    "i686-mmx": Codegen(("-6r", "-fp6"), ("_M_IX86=600",)),
}
# What wcc386 -bt=nt predefines on every target (Open Watcom v2 reports 1300; the
# option echoes __SW_* are left out). tests/test_openwatcom.py asks the real wcc386.
PREDEFINED = ("__WATCOMC__=1300", "__NT__", "_WIN32", "__386__", "__X86__", "M_I386",
              "_M_I386", "_X86_", "__FLAT__", "_STDCALL_SUPPORTED", "_INTEGRAL_MAX_BITS=64",
              "__WATCOM_INT64__")
# wlink directives; {...} from the target's PE limits
LDFLAGS = ["system nt", "runtime console={subsystem}", "option osversion={os}",
           "option quiet", "option map={map}"]
MAP_NAME = "LLAMA98.MAP"
ENGINE_LIB = "L98ENGIN.LIB"     # the engine helpers (the MinGW driver's libl98engine.a)

# Host binary folders an install may have, newest first (Linux, then Windows).
HOST_BIN_DIRS = ["binl64", "binl", "binnt64", "binnt", "binw"]


class OpenWatcom(CompilerDriver):
    name = "openwatcom"
    title = "Open Watcom v2"
    program = "wcl386"
    install_hint = ("install Open Watcom v2 (docker/Dockerfile does) and set WATCOM to its "
                    "folder, or put wcl386 on PATH")
    predefined = PREDEFINED
    isa = ISA
    bundle_templates = [
        ("MAKEFILE.j2", "MAKEFILE", "wmake makefile (wcc386 -bt=nt, wlink system nt)"),
        ("BUILD.BAT.j2", "BUILD.BAT", "builds LLAMA98.EXE on Windows"),
        ("build.sh.j2", "build.sh", "builds LLAMA98.EXE on a Linux host"),
        ("README.TXT.j2", "README.TXT", "this file"),
    ]
    # wmake reads an LF makefile on every host, and sh needs an LF script.
    bundle_lf = frozenset({"MAKEFILE", "build.sh"})

    def watcom_root(self) -> Path | None:
        root = os.environ.get("WATCOM", "")
        if root:
            return Path(root)
        wcl = shutil.which(self.program)
        if wcl:                                   # <root>/binl64/wcl386
            return Path(wcl).resolve().parent.parent
        return None

    def available(self) -> bool:
        return bool(os.environ.get("WATCOM")) or shutil.which(self.program) is not None

    def require(self) -> None:
        self.tool_env()

    def bundle_reason(self) -> str:
        return ("--bundle-only: nothing is compiled here; writing the Open Watcom source "
                "bundle (BUILD.BAT or build.sh builds LLAMA98.EXE)")

    def flags(self, target: Target) -> list[str]:
        return list(self.codegen(target).flags) + CFLAGS

    def link_flags(self, target: Target) -> list[str]:
        values = {"subsystem": "%d.%d" % target.max_subsystem, "os": "%d.%d" % target.max_os,
                  "map": MAP_NAME}
        return [f.format(**values) for f in LDFLAGS]

    def bundle_values(self, target: Target) -> dict:
        return {"cflags": " ".join(self.flags(target)), "ldflags": self.link_flags(target),
                "map": MAP_NAME, "engine_lib": ENGINE_LIB}

    def tool_env(self) -> dict:
        """Environment for wmake: WATCOM set, its host bin folders first on PATH."""
        root = self.watcom_root()
        if root is None:
            raise ToolchainError("Open Watcom not found: WATCOM is not set and wcl386 is not "
                                 "on PATH", hint=self.missing_hint())
        if not root.is_dir():
            raise ToolchainError(f"Open Watcom not found: WATCOM={str(root)!r} is not a folder",
                                 hint=self.missing_hint())
        env = dict(os.environ)
        env["WATCOM"] = str(root)
        bins = [str(root / d) for d in HOST_BIN_DIRS if (root / d).is_dir()]
        env["PATH"] = os.pathsep.join(bins + [env.get("PATH", "")])
        env.pop("INCLUDE", None)       # the makefile names $WATCOM/h and $WATCOM/h/nt itself
        return env

    def build(self, sources: list[Path], *, library: list[Path] = (), target: Target,
              workdir: Path, exe_name: str, include_dirs: list[Path], log=None,
              source_description: str = "", version: str = "") -> BuildResult:
        env = self.tool_env()
        wmake = shutil.which("wmake", path=env["PATH"])
        if not wmake:
            raise ToolchainError(f"wmake not found in the Open Watcom install {env['WATCOM']}",
                                 hint=self.missing_hint())
        headers = sorted({h for d in include_dirs for h in Path(d).glob("*.h")})
        here = workdir / "watcom"
        if here.exists():
            shutil.rmtree(here)
        here.mkdir(parents=True)
        self.bundle(sources[0].parent, list(sources), headers, target, here, library=library,
                    source_description=source_description, version=version,
                    dos_text=False, log=log)
        cmd = [wmake, "-h", "-f", "MAKEFILE"]
        if log:
            log(f"(cd {here} && wmake -h -f MAKEFILE)")
        proc = subprocess.run(cmd, cwd=here, env=env, capture_output=True, text=True)
        exe = here / "LLAMA98.EXE"
        if proc.returncode != 0 or not exe.is_file():
            output = (proc.stdout + proc.stderr).strip()
            raise ToolchainError(f"wmake failed (exit {proc.returncode}):\n{output}",
                                 hint=f"the makefile and sources are in {here}")
        clear_timestamp(exe)
        if log:
            log(f"{exe.name}: PE time stamp set to 0 (two builds, one SHA-256)")
        if exe_name != exe.name:
            shutil.copy2(exe, workdir / exe_name)
            exe = workdir / exe_name
        return BuildResult(exe=exe, map_file=None, commands=[cmd])


def clear_timestamp(exe: Path) -> None:
    """Zero the PE file header's TimeDateStamp, the one byte range in which two wlink
    runs on the same objects differ (MinGW's ld: --no-insert-timestamp). Nothing
    checks it: the optional header's CheckSum is 0."""
    with open(exe, "r+b") as f:
        head = f.read(0x40)
        pe = int.from_bytes(head[0x3C:0x40], "little") if head[:2] == b"MZ" else -1
        f.seek(max(pe, 0))
        if pe < 0 or f.read(4) != b"PE\0\0":
            raise ToolchainError(f"{exe}: wlink did not write a PE image")
        f.seek(pe + 8)                  # signature, Machine, NumberOfSections
        f.write(b"\0\0\0\0")
