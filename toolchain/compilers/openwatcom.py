"""Open Watcom v2 (wcc386 + wlink) driver: compiles when installed, else a source bundle.

Open Watcom cross-compiles for Win32 from Linux, so when it is installed here
(``WATCOM`` set, or ``wcl386`` on PATH) the driver writes the bundle into the
work folder, runs its makefile with wmake and hands the EXE to the audit like
the MinGW driver does. Without it, the pipeline writes the same bundle to dist/
for the user to build on Windows (BUILD.BAT) or Linux (build.sh).

Watcom links its own static C runtime (clib3r), so the EXE imports KERNEL32.DLL
only; wlink's ``runtime console=4.0`` keeps the subsystem version Windows 98
accepts. c89compat.h's __WATCOMC__ branch spells 64-bit integers __int64;
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

# The flag tables: every flag wcc386 and wlink get, in one place.
CFLAGS = [
    "-zq",         # quiet
    "-bt=nt",      # Win32 target (defines __NT__ and _WIN32)
    "-fpi87",      # inline x87 instructions, no emulator
    "-ox",         # maximum optimisation (-obmiler -s)
    "-op",         # store float intermediates: rounding as written
    "-w3",
]
# CPU code generation per target ISA: register calling convention (the "r"
# suffix, clib3r), and x87 scheduling for the same CPU (-fp6 may use FCOMI/FCMOV,
# which the i686 target allows).
CPU_FLAGS = {
    "i486": ["-4r", "-fp3"],
    "i586-mmx": ["-5r", "-fp5"],
    "i686-mmx": ["-6r", "-fp6"],
}
LDFLAGS = ["system nt", "runtime console=4.0", "option quiet", "option map"]

# Host binary folders an install may have, newest first (Linux, then Windows).
HOST_BIN_DIRS = ["binl64", "binl", "binnt64", "binnt", "binw"]


class OpenWatcom(CompilerDriver):
    name = "openwatcom"
    program = "wcl386"
    install_hint = ("install Open Watcom v2 (docker/Dockerfile does) and set WATCOM to its "
                    "folder, or put wcl386 on PATH")
    bundle_title = "Open Watcom v2"
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

    def compiles(self) -> bool:
        return self.available()

    def bundle_reason(self) -> str:
        return ("Open Watcom not found (WATCOM is not set and wcl386 is not on PATH): "
                "nothing was compiled; writing its source bundle instead")

    def flags(self, target: Target) -> list[str]:
        return CPU_FLAGS.get(target.isa, CPU_FLAGS["i586-mmx"]) + CFLAGS

    def bundle_values(self, target: Target) -> dict:
        return {"cflags": " ".join(self.flags(target)), "ldflags": LDFLAGS}

    def tool_env(self) -> dict:
        """Environment for wmake: WATCOM set, its host bin folders first on PATH."""
        root = self.watcom_root()
        if root is None or not root.is_dir():
            raise ToolchainError(f"Open Watcom not found (WATCOM={os.environ.get('WATCOM', '')!r})",
                                 hint=self.install_hint)
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
            raise ToolchainError("wmake not found in the Open Watcom install", hint=self.install_hint)
        sources = list(sources) + list(library)   # wmake builds what the makefile lists
        headers = sorted({h for d in include_dirs for h in Path(d).glob("*.h")})
        here = workdir / "watcom"
        if here.exists():
            shutil.rmtree(here)
        here.mkdir(parents=True)
        self.bundle(sources[0].parent, sources, headers, target, here,
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
        if exe_name != exe.name:
            shutil.copy2(exe, workdir / exe_name)
            exe = workdir / exe_name
        return BuildResult(exe=exe, map_file=None, commands=[cmd])
