"""MinGW-w64 (i686) driver: strict C89, our own start-up code, our own import libraries.

Debian's MinGW-w64 runtime (crt2.o, libmingwex, __mingw_pformat, gdtoa) is built
for i686 and imports functions Windows 98 lacks, so the driver links none of it:
``-nostdlib -nostartfiles`` with engine_c89/l98crt.c as the entry point and import
libraries generated from toolchain/data/win9x_api.tsv for MSVCRT.DLL and
KERNEL32.DLL. libgcc stays last on the link line for the helpers GCC may call;
the audit checks whatever it contributes.
"""

from __future__ import annotations

from pathlib import Path

from .. import winapi
from ..targets import Target
from .base import BuildResult, CompilerDriver
from .facts import Codegen

PREFIX = "i686-w64-mingw32-"

# The flag tables: every flag the driver passes, in one place.
CFLAGS = [
    "-std=c89", "-pedantic-errors", "-Wall",
    "-O2",
    "-fno-asynchronous-unwind-tables",     # no .eh_frame: nothing here unwinds
    "-fno-ident",                          # no compiler version string in the EXE
    "-ffp-contract=off",                   # keep float rounding as written
    # Keep GCC from turning C89 calls into C99/GNU ones MSVCRT.DLL lacks
    # (sin+cos -> sincos, printf("%s\n") stays printf, no __mingw_* stdio).
    # ((float)sqrt(f) -> sqrtf(f) even under -std=c89).
    "-fno-builtin-sin", "-fno-builtin-cos", "-fno-builtin-sincos", "-fno-builtin-sqrt",
    "-D__USE_MINGW_ANSI_STDIO=0",
    "-D_USE_32BIT_TIME_T",                 # Windows 98's MSVCRT.DLL has a 32-bit time_t
]
# MinGW-w64's <time.h> turns time(), localtime() ... into inline calls to the
# _time32 family, which MSVCRT.DLL of Windows 98 does not export; it exports the
# same functions under their C89 names. The import library maps one to the other.
IMPORT_ALIASES = {
    "msvcrt.dll": {
        "_time32": "time", "_difftime32": "difftime", "_localtime32": "localtime",
        "_gmtime32": "gmtime", "_ctime32": "ctime", "_mktime32": "mktime",
    },
}
# Code generation per ISA ceiling: -march and the macros it adds (gcc -dM -E). The
# target's -mtune (the CPU it is tuned for) is a target fact (targets.toml cpu.mtune).
ISA = {
    "i486": Codegen(("-march=i486",), ("__i486__", "__i486")),
    "i586-mmx": Codegen(("-march=pentium-mmx",),
                        ("__i586__", "__i586", "__pentium__", "__pentium_mmx__", "__MMX__")),
    "i686-mmx": Codegen(("-march=pentium2",),
                        ("__i686__", "__i686", "__pentiumpro__", "__MMX__")),
}
TARGET_CFLAGS = ["-mtune={mtune}"]
# What i686-w64-mingw32-gcc -std=c89 predefines for every target, minus the GCC
# version (__GNUC__ ...: it depends on the installed release, and the port's
# analysis preprocessor is gcc itself with -undef) and the type-size macros.
PREDEFINED = ("_WIN32", "__WIN32", "__WIN32__", "__WINNT", "__WINNT__", "__MINGW32__",
              "__MSVCRT__", "_X86_", "__i386__", "__i386", "_INTEGRAL_MAX_BITS=64", "_ILP32",
              "__ILP32__")
LDFLAGS = [
    "-nostdlib", "-nostartfiles",
    "-Wl,-e,_mainCRTStartup",
    "-Wl,--subsystem,console:{subsystem}",
    "-Wl,--major-os-version,{os_major}", "-Wl,--minor-os-version,{os_minor}",
    "-Wl,--major-subsystem-version,{subsystem_major}",
    "-Wl,--minor-subsystem-version,{subsystem_minor}",
    "-Wl,--image-base,0x400000",
    "-Wl,--file-alignment,512", "-Wl,--section-alignment,4096",
    "-Wl,--no-insert-timestamp",           # reproducible: two builds, one SHA-256
    "-Wl,--disable-dynamicbase", "-Wl,--disable-nxcompat",
    "-Wl,--build-id=none",
]
LIBS = ["-lmsvcrt", "-lkernel32", "-lgcc"]


class MinGW(CompilerDriver):
    name = "mingw"
    title = "MinGW-w64 (i686)"
    program = PREFIX + "gcc"
    install_hint = ("install Debian's gcc-mingw-w64-i686 and binutils-mingw-w64-i686 "
                    "(scripts/setup.sh does it)")
    runtime_sources = ["l98crt.c"]
    predefined = PREDEFINED
    isa = ISA

    def import_libraries(self, target: Target, libdir: Path, *, log=None) -> None:
        """Generate libmsvcrt.a / libkernel32.a from the product's Win9x API list."""
        dlltool = PREFIX + "dlltool"
        by_dll: dict[str, list[winapi.ApiEntry]] = {}
        for entry in winapi.product_api():
            if int(entry.since) <= int(target.api_floor):
                by_dll.setdefault(entry.dll, []).append(entry)
        for dll, entries in sorted(by_dll.items()):
            stem = dll.rsplit(".", 1)[0]
            deffile = libdir / f"{stem}.def"
            names = {e.name for e in entries}
            aliases = {a: n for a, n in IMPORT_ALIASES.get(dll, {}).items() if n in names}
            deffile.write_text(self.render("import.def.j2", dll=dll, entries=entries,
                                           aliases=aliases, floor=target.api_floor))
            self.run([dlltool, "-k", "-d", deffile.name, "-l", f"lib{stem}.a"], cwd=libdir, log=log)

    def flags(self, target: Target) -> tuple[list[str], list[str]]:
        values = {
            "mtune": target.mtune,
            "subsystem": "%d.%d" % target.max_subsystem,
            "subsystem_major": target.max_subsystem[0], "subsystem_minor": target.max_subsystem[1],
            "os_major": target.max_os[0], "os_minor": target.max_os[1],
        }
        cflags = CFLAGS + list(self.codegen(target).flags) + [f.format(**values)
                                                              for f in TARGET_CFLAGS]
        ldflags = [f.format(**values) for f in LDFLAGS]
        return cflags, ldflags

    def build(self, sources: list[Path], *, library: list[Path] = (), target: Target,
              workdir: Path, exe_name: str, include_dirs: list[Path], log=None,
              source_description: str = "", version: str = "") -> BuildResult:
        gcc = self.find()
        libdir = workdir / "lib"
        objdir = workdir / "obj"
        libdir.mkdir(parents=True, exist_ok=True)
        objdir.mkdir(parents=True, exist_ok=True)
        self.import_libraries(target, libdir, log=log)
        cflags, ldflags = self.flags(target)
        incs = [f"-I{d}" for d in include_dirs]
        result = BuildResult(exe=workdir / exe_name)

        def compile_all(files: list[Path]) -> list[str]:
            objects = []
            for src in files:
                obj = objdir / (src.stem + ".o")
                cmd = [gcc, *cflags, *incs, "-c", str(src), "-o", str(obj)]
                self.run(cmd, cwd=workdir, log=log)
                result.commands.append(cmd)
                objects.append(str(obj))
            return objects

        objects = compile_all(sources)
        engine_libs = []
        if library:
            # an archive, so only the members the program references are linked
            cmd = [PREFIX + "ar", "rcsD", str(libdir / "libl98engine.a"), *compile_all(library)]
            self.run(cmd, cwd=workdir, log=log)
            result.commands.append(cmd)
            engine_libs = ["-ll98engine"]
        map_file = workdir / (Path(exe_name).stem + ".map")
        cmd = [gcc, *ldflags, f"-Wl,-Map,{map_file.name}", *objects, f"-L{libdir}", *engine_libs,
               *LIBS, "-o", exe_name]
        self.run(cmd, cwd=workdir, log=log)
        result.commands.append(cmd)
        result.map_file = map_file
        return result
