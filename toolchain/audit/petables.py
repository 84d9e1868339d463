"""The tables the Windows loader reads from a PE image: imports, exports, TLS callbacks.

They are read here through :class:`ImageMemory`, the image as the loader maps it
(the headers and every section at its RVA, file bytes then zero fill), with a
bound on every count and name. pefile is not used for them: it quietly returns
no table when it cannot read one, and an EXE whose import directory points
nowhere then looks like an EXE without imports. Every reason the loader could
not read a table goes to ``image.table_problems[table]``; the loadability checks
(:mod:`.loadable`) turn them into violations.
"""

from __future__ import annotations

import struct
from bisect import bisect_right
from dataclasses import dataclass, field

# Bounds: far above anything a linker writes, low enough to keep a hostile file cheap.
MAX_IMPORT_DLLS = 1024
MAX_IMPORTS = 65536          # functions, over all DLLs
MAX_EXPORTS = 65536
MAX_TLS_CALLBACKS = 256
MAX_NAME = 512               # bytes of a DLL or function name

IMPORT, EXPORT, TLS, DELAY = "import directory", "export directory", "TLS directory", \
    "delay-load import directory"


@dataclass
class ImportedDll:
    dll: str                                   # as written (case kept)
    names: list = field(default_factory=list)  # function names (str) and ordinals (int)
    delayed: bool = False


class ImageMemory:
    """Read the image by RVA as the loader maps it: headers, then each section."""

    def __init__(self, raw: bytes, headers_size: int, sections, alignment: int = 1):
        # the loader maps whole pages: past a section's end up to the alignment, zeros
        a = alignment if alignment > 0 and alignment & (alignment - 1) == 0 else 1

        def up(v: int) -> int:
            return (v + a - 1) // a * a
        regions = [(0, up(headers_size), min(headers_size, len(raw)), 0)]
        for s in sections:
            regions.append((s.rva, up(s.rva + s.mapped_size), s.rva + s.backed_size, s.raw_ptr))
        regions.sort(key=lambda r: r[0])
        self.raw = raw
        self.regions = regions
        self.starts = [r[0] for r in regions]

    def region(self, rva: int):
        """(start, mapped end, file-backed end, file offset) of the region holding ``rva``."""
        k = bisect_right(self.starts, rva) - 1
        if k >= 0 and rva < self.regions[k][1]:
            return self.regions[k]
        return None

    def read(self, rva: int, n: int) -> bytes | None:
        """``n`` bytes at ``rva``, or None unless one region maps all of them."""
        reg = self.region(rva)
        if reg is None or rva + n > reg[1]:
            return None
        start, _end, backed, off = reg
        have = max(0, min(rva + n, backed) - rva)
        data = self.raw[off + rva - start: off + rva - start + have] if have else b""
        return data + bytes(n - len(data))

    def cstring(self, rva: int, limit: int = MAX_NAME) -> tuple[str | None, str]:
        """(text, "") for a NUL-terminated name at ``rva``; (None, why not) otherwise."""
        reg = self.region(rva)
        if reg is None:
            return None, f"RVA {rva:#x} is outside every section"
        avail = min(limit + 1, reg[1] - rva)
        data = self.read(rva, avail) or b""
        end = data.find(b"\0")
        if end < 0:
            return None, (f"the name at RVA {rva:#x} has no end within {limit} bytes"
                          if avail > limit else f"the name at RVA {rva:#x} runs past the end of its section")
        if end == 0:
            return None, f"the name at RVA {rva:#x} is empty"
        text = data[:end]
        if any(b < 0x20 or b > 0x7E for b in text):
            return None, f"the name at RVA {rva:#x} is not printable ASCII ({text[:24]!r})"
        return text.decode("ascii"), ""


def read_tables(img) -> None:
    """Fill ``img.imports``, ``img.exports``, ``img.tls_callbacks`` and ``img.table_problems``."""
    mem = ImageMemory(img.raw, img.headers_size, img.pe_sections,
                      img.pe.OPTIONAL_HEADER.SectionAlignment)
    dirs = img.pe.OPTIONAL_HEADER.DATA_DIRECTORY
    problems: dict[str, list[str]] = {}

    def directory(k: int) -> tuple[int, int]:
        return (dirs[k].VirtualAddress, dirs[k].Size) if k < len(dirs) else (0, 0)

    width = 8 if img.kind == "PE32+" else 4
    imports = _imports(mem, directory(1)[0], problems.setdefault(IMPORT, []), width)
    exports = _exports(mem, *directory(0), problems.setdefault(EXPORT, []))
    if width == 4:   # a PE32+ image is refused anyway; its TLS and delay-load tables are 64-bit
        tls = _tls(mem, directory(9)[0], img.base, problems.setdefault(TLS, []))
        delayed = _delay_imports(mem, directory(13)[0], img.base, problems.setdefault(DELAY, []))
    else:
        tls, delayed = [], []
    img.imports = imports + delayed
    img.exports = exports
    img.tls_callbacks = tls
    img.table_problems = {k: v for k, v in problems.items() if v}


def _outside(what: str, rva: int, mem: ImageMemory) -> str:
    end = max(r[1] for r in mem.regions)
    return f"{what} RVA {rva:#x} is outside every section (the image ends at RVA {end:#x})"


def _name_ok(text: str, dll: bool) -> bool:
    # DLL names may hold a blank; function names (C, stdcall, C++) never do
    return dll or " " not in text


def _thunks(mem: ImageMemory, dll: str, lookup: int, iat: int, base: int, budget: list[int],
            problems: list[str], width: int = 4) -> list:
    """Names and ordinals of one import lookup table (ILT/INT); ``iat`` 0 = not checked.
    ``width`` 8: a PE32+ table (64-bit entries, ordinal flag in bit 63)."""
    names: list = []
    flag = 1 << (8 * width - 1)
    j = 0
    while True:
        word = mem.read(lookup + width * j, width)
        if word is None:
            problems.append(f"{dll}: its import lookup table at RVA {lookup:#x} runs outside its "
                            "section before its terminating zero")
            break
        v = int.from_bytes(word, "little")
        if v == 0:
            break
        if iat and mem.read(iat + width * j, width) is None:
            problems.append(f"{dll}: its import address table at RVA {iat:#x} is outside every "
                            "section or shorter than its lookup table")
            break
        budget[0] -= 1
        if budget[0] < 0:
            problems.append(f"more than {MAX_IMPORTS} imported functions: the table does not end")
            break
        if v & flag:
            names.append(v & 0xFFFF)
        else:
            hint_name = v - base if base and v >= base else v
            name, why = mem.cstring(hint_name + 2)
            if name is None or not _name_ok(name, False):
                problems.append(f"{dll}: imported function #{j + 1}: {why or 'the name holds a blank'}")
            else:
                names.append(name)
        j += 1
    return names


def _imports(mem: ImageMemory, rva: int, problems: list[str], width: int = 4) -> list[ImportedDll]:
    out: list[ImportedDll] = []
    if not rva:
        return out
    if mem.region(rva) is None:
        problems.append(_outside("the import directory", rva, mem))
        return out
    budget = [MAX_IMPORTS]
    for k in range(MAX_IMPORT_DLLS + 1):
        desc = mem.read(rva + 20 * k, 20)
        if desc is None:
            problems.append(f"the import directory at RVA {rva:#x} runs outside its section before "
                            "its terminating empty entry")
            break
        oft, _ts, _fwd, name_rva, ft = struct.unpack("<IIIII", desc)
        if name_rva == 0 and ft == 0:
            break
        if k == MAX_IMPORT_DLLS:
            problems.append(f"the import directory names more than {MAX_IMPORT_DLLS} DLLs: it does not end")
            break
        dll, why = mem.cstring(name_rva, 256)
        if dll is None:
            problems.append(f"import entry #{k + 1}: the DLL name cannot be read: {why}")
            continue
        if ft == 0 or mem.region(ft) is None:
            problems.append(f"{dll}: " + (_outside("its import address table", ft, mem) if ft
                                          else "no import address table (FirstThunk 0)"))
            continue
        names = _thunks(mem, dll, oft or ft, ft if oft else 0, 0, budget, problems, width)
        out.append(ImportedDll(dll, names))
        if budget[0] < 0:
            break
    return out


def _delay_imports(mem: ImageMemory, rva: int, base: int, problems: list[str]) -> list[ImportedDll]:
    """ImgDelayDescr entries (32 bytes); attribute bit 0 clear: old style, VAs instead of RVAs."""
    out: list[ImportedDll] = []
    if not rva:
        return out
    if mem.region(rva) is None:
        problems.append(_outside("the delay-load import directory", rva, mem))
        return out
    budget = [MAX_IMPORTS]
    for k in range(MAX_IMPORT_DLLS + 1):
        desc = mem.read(rva + 32 * k, 32)
        if desc is None:
            problems.append(f"the delay-load import directory at RVA {rva:#x} runs outside its section")
            break
        attrs, name, _hmod, iat, int_, *_ = struct.unpack("<8I", desc)
        if name == 0:
            break
        if k == MAX_IMPORT_DLLS:
            problems.append(f"the delay-load import directory names more than {MAX_IMPORT_DLLS} DLLs")
            break
        va = not attrs & 1
        rel = base if va else 0
        dll, why = mem.cstring(name - rel, 256)
        if dll is None:
            problems.append(f"delay-load entry #{k + 1}: the DLL name cannot be read: {why}")
            continue
        names = _thunks(mem, dll, int_ - rel, iat - rel, rel, budget, problems) if int_ else []
        out.append(ImportedDll(dll, names, delayed=True))
        if budget[0] < 0:
            break
    return out


def _exports(mem: ImageMemory, rva: int, size: int, problems: list[str]) -> list[tuple[str, int]]:
    """(name, function RVA) of every named export; RVA 0 for a forwarder."""
    if not rva:
        return []
    head = mem.read(rva, 40)
    if head is None:
        problems.append(_outside("the export directory", rva, mem) if mem.region(rva) is None
                        else f"the export directory at RVA {rva:#x} runs outside its section")
        return []
    (_c, _t, _ma, _mi, _name, _base, n_funcs, n_names,
     funcs_rva, names_rva, ords_rva) = struct.unpack("<IIHHIIIIIII", head)
    if n_funcs > MAX_EXPORTS or n_names > n_funcs:
        problems.append(f"the export directory claims {n_funcs} functions and {n_names} names")
        return []
    funcs = mem.read(funcs_rva, 4 * n_funcs)
    names = mem.read(names_rva, 4 * n_names)
    ords = mem.read(ords_rva, 2 * n_names)
    if funcs is None or names is None or ords is None:
        problems.append("the export directory's address, name or ordinal table is outside every section")
        return []
    out = []
    for k in range(n_names):
        name_rva = struct.unpack_from("<I", names, 4 * k)[0]
        name, why = mem.cstring(name_rva)
        if name is None:
            problems.append(f"exported name #{k + 1}: {why}")
            continue
        idx = struct.unpack_from("<H", ords, 2 * k)[0]
        if idx >= n_funcs:
            problems.append(f"export {name}: ordinal index {idx} beyond the {n_funcs} functions")
            continue
        f = struct.unpack_from("<I", funcs, 4 * idx)[0]
        out.append((name, 0 if rva <= f < rva + size else f))
    return out


def _tls(mem: ImageMemory, rva: int, base: int, problems: list[str]) -> list[int]:
    """VAs of the TLS callbacks (IMAGE_TLS_DIRECTORY32: AddressOfCallBacks is a VA)."""
    if not rva:
        return []
    head = mem.read(rva, 24)
    if head is None:
        problems.append(_outside("the TLS directory", rva, mem) if mem.region(rva) is None
                        else f"the TLS directory at RVA {rva:#x} runs outside its section")
        return []
    cb_va = struct.unpack_from("<I", head, 12)[0]
    out: list[int] = []
    if not cb_va:
        return out
    for k in range(MAX_TLS_CALLBACKS):
        word = mem.read(cb_va - base + 4 * k, 4)
        if word is None:
            problems.append(f"the TLS callback list at {cb_va:#x} is outside every section")
            break
        v = struct.unpack("<I", word)[0]
        if not v:
            break
        out.append(v)
    return out
