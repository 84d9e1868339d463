"""PE header and import checks against a target (Windows 95/98 loader limits)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import winapi
from .image import Image, SymbolIndex
from .loadable import check_loadable

IMAGE_FILE_MACHINE_I386 = 0x14C
IMAGE_FILE_EXECUTABLE_IMAGE = 0x0002
IMAGE_FILE_RELOCS_STRIPPED = 0x0001
IMAGE_FILE_DLL = 0x2000
SUBSYSTEMS = {1: "native", 2: "GUI (windows)", 3: "console", 5: "OS/2 console", 7: "POSIX console",
              9: "Windows CE GUI", 10: "EFI application", 14: "Xbox", 16: "boot application"}


@dataclass
class Check:
    """One PE header check. status: "ok" | "violation" | "warning"."""
    name: str
    status: str
    message: str

    def as_dict(self) -> dict:
        return {"check": self.name, "status": self.status, "message": self.message}


def _pow2(v: int) -> bool:
    return v > 0 and v & (v - 1) == 0


def check_pe(image: Image, target, index: SymbolIndex) -> list[Check]:
    pe = image.pe
    fh, opt = pe.FILE_HEADER, pe.OPTIONAL_HEADER
    out: list[Check] = []

    def add(name: str, ok: bool, msg: str, warn: bool = False):
        out.append(Check(name, "ok" if ok else ("warning" if warn else "violation"), msg))

    add("machine", fh.Machine == IMAGE_FILE_MACHINE_I386 and opt.Magic == 0x10B,
        f"machine {fh.Machine:#x}" + (" (i386)" if fh.Machine == IMAGE_FILE_MACHINE_I386 else
                                       " (not i386: Windows 9x runs only i386 images)")
        + ("" if opt.Magic == 0x10B else f", optional header magic {opt.Magic:#x} (PE32+, 64-bit)"))
    add("image type", bool(fh.Characteristics & IMAGE_FILE_EXECUTABLE_IMAGE),
        "executable image" + (" (DLL)" if fh.Characteristics & IMAGE_FILE_DLL else "")
        if fh.Characteristics & IMAGE_FILE_EXECUTABLE_IMAGE else
        "IMAGE_FILE_EXECUTABLE_IMAGE not set: the loader refuses it")

    sub = (opt.MajorSubsystemVersion, opt.MinorSubsystemVersion)
    os_ = (opt.MajorOperatingSystemVersion, opt.MinorOperatingSystemVersion)
    ms, mo = target.max_subsystem, target.max_os
    add("subsystem version", sub <= ms,
        f"subsystem version {sub[0]}.{sub[1]}" + ("" if sub <= ms else
        f" > {ms[0]}.{ms[1]}: Windows 9x refuses it ('requires a newer version of Windows'); "
        f"link with -Wl,--major-subsystem-version,{ms[0]} -Wl,--minor-subsystem-version,{ms[1]}"))
    # Open Watcom's wlink writes OS version 1.11 unless told otherwise ("option osversion",
    # bld/wl/c/loadpe.c): below the limit, like MS link's 1.0 of the NT 3.1 days.
    add("OS version", os_ <= mo,
        f"OS version {os_[0]}.{os_[1]}" + ("" if os_ <= mo else
        f" > {mo[0]}.{mo[1]}; link with -Wl,--major-os-version,{mo[0]} -Wl,--minor-os-version,{mo[1]}"))
    add("subsystem", opt.Subsystem in (2, 3),
        f"subsystem {opt.Subsystem} ({SUBSYSTEMS.get(opt.Subsystem, 'unknown')})"
        + ("" if opt.Subsystem in (2, 3) else ": Windows 9x runs only console (3) or GUI (2) programs"))

    # Alignment. The PE/COFF spec: FileAlignment a power of two in 512..64K, SectionAlignment
    # >= FileAlignment. Windows NT additionally accepts "low alignment" images
    # (SectionAlignment == FileAlignment < page size); the Windows 9x loader does not: it maps
    # every section on its own 4 KiB page, so SectionAlignment must be a power-of-two multiple
    # of 4096. FileAlignment 512 is the usual value (4096 is what MS link /OPT:WIN98 uses to let
    # Windows 98 map sections straight from the disk cache; both load).
    fa, sa = opt.FileAlignment, opt.SectionAlignment
    add("FileAlignment", _pow2(fa) and 512 <= fa <= 65536,
        f"FileAlignment {fa:#x}" + ("" if _pow2(fa) and 512 <= fa <= 65536 else
                                    ": must be a power of two from 0x200 to 0x10000"))
    sa_ok = _pow2(sa) and sa >= 4096 and sa >= fa
    add("SectionAlignment", sa_ok,
        f"SectionAlignment {sa:#x}" + ("" if sa_ok else
        ": Windows 9x needs a power of two >= 0x1000 (page) and >= FileAlignment"))

    # Windows 9x loads an EXE at its preferred base in the per-process arena
    # 0x00400000..0x7FFFFFFF; a base outside it needs relocations the EXE may not have.
    base = opt.ImageBase
    relocs = not (fh.Characteristics & IMAGE_FILE_RELOCS_STRIPPED) and \
        opt.DATA_DIRECTORY[5].Size > 0
    base_ok = base % 0x10000 == 0 and 0x400000 <= base < 0x80000000
    add("ImageBase", base_ok,
        f"ImageBase {base:#x}" + ("" if base_ok else
        ": outside 0x400000..0x7fffffff (Windows 9x private arena)"
        + (", relocated at load" if relocs else " and no relocations: will not load")),
        warn=relocs)

    out.extend(check_loadable(image, index))   # sections, entry point, the loader's tables
    dirs = opt.DATA_DIRECTORY
    if len(dirs) <= 9 or not dirs[9].VirtualAddress:
        add("TLS", True, "no TLS directory")
    elif image.tls_callbacks:
        names = []
        for v in image.tls_callbacks:
            fn, off = index.locate(v)
            names.append(f"{fn}+{off:#x}" if off else fn)
        add("TLS callbacks", False,
            f"{len(names)} TLS callback(s) ({', '.join(names)}): Windows 9x does not call "
            "them reliably (not at program load), so what they do (MinGW: TLS init, "
            "thread-key destructors) silently does not happen")
    else:
        add("TLS", True, "TLS directory without callbacks (static TLS data only)")
    return out


@dataclass
class ImportsResult:
    source: str                                       # what the imports were checked against
    dlls: dict[str, list[str]] = field(default_factory=dict)   # dll -> imported names ("#n" for ordinals)
    missing: list[tuple[str, str]] = field(default_factory=list)
    missing_dlls: list[str] = field(default_factory=list)     # DLLs the target does not have at all
    ordinals: list[tuple[str, int]] = field(default_factory=list)
    delay_loaded: set[str] = field(default_factory=set)
    applicable: bool = True
    product_list: bool = False                        # checked against llama98's own API list
    kernel32_ordinals: bool = False
    stubs: list[tuple[str, str, str]] = field(default_factory=list)  # (dll, name, what is wrong)

    @property
    def count(self) -> int:
        return sum(len(v) for v in self.dlls.values())

    def as_dict(self) -> dict:
        return {
            "checked_against": self.source, "applicable": self.applicable,
            "dlls": {d: sorted(v) for d, v in self.dlls.items()},
            "delay_loaded_dlls": sorted(self.delay_loaded),
            "missing": [{"dll": d, "function": n} for d, n in self.missing],
            "missing_dlls": self.missing_dlls,
            "ordinal_imports": [{"dll": d, "ordinal": o} for d, o in self.ordinals],
            "stub_imports": [{"dll": d, "function": n, "why": w} for d, n, w in self.stubs],
        }


def check_imports(image: Image, exports: dict[str, set[str]], source: str,
                  floor: str = "98") -> ImportsResult:
    """Every import against ``exports``; imports Windows <floor> has only as stubs (or with
    limits, per the product's API list) are warnings."""
    res = ImportsResult(source)
    for entry in image.imports:
        dll = entry.dll.lower()
        if entry.delayed:
            res.delay_loaded.add(dll)
        names = res.dlls.setdefault(dll, [])
        known_dll = dll in exports or winapi.ANY_DLL in exports
        if not known_dll and dll not in res.missing_dlls:
            res.missing_dlls.append(dll)
        for imp in entry.names:
            if isinstance(imp, int):
                names.append(f"#{imp}")
                if not known_dll:
                    res.missing.append((dll, f"#{imp}"))
                elif dll == "kernel32.dll":
                    # The Windows 9x loader refuses KERNEL32 imports by ordinal from anything
                    # but system DLLs (it keeps apps off its undocumented ordinal-only exports).
                    res.missing.append((dll, f"#{imp}"))
                    res.kernel32_ordinals = True
                else:
                    res.ordinals.append((dll, imp))
                continue
            names.append(imp)
            if not winapi.is_exported(exports, dll, imp):
                res.missing.append((dll, imp))
                continue
            row = winapi.lookup(dll, imp)
            if row is not None and row.warns_on(floor):
                res.stubs.append((dll, imp, row.warning()))
    return res
