"""Read the parts of an executable the audit needs: PE32 (via pefile) or ELF32 i386.

The result is an :class:`Image`: the executable sections with their bytes, the
symbols we can attribute code to (COFF symbol table, ELF .symtab, a GNU ld map
file, exports), the entry point and, for PE, the pefile object for header and
import checks. Anything we cannot read raises :class:`AuditInputError`
(exit code 2), never a traceback.
"""

from __future__ import annotations

import hashlib
import re
import struct
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path

from ..diag import ToolchainError

IMAGE_SCN_CNT_CODE = 0x00000020
IMAGE_SCN_MEM_EXECUTE = 0x20000000


class AuditInputError(ToolchainError):
    """The input cannot be audited at all (missing, truncated, not PE32/ELF32)."""

    def __init__(self, path: str | Path, reason: str, hint: str = ""):
        super().__init__(f"{path}: {reason}", exit_code=2, hint=hint)
        self.path = str(path)
        self.reason = reason


@dataclass
class Section:
    name: str
    vaddr: int            # absolute virtual address of the first byte
    data: bytes           # the bytes that are in the file (zero-extended to the virtual size)
    executable: bool
    vsize: int = 0        # size in memory (PE); 0 = len(data)
    file_offset: int = 0  # where ``data`` starts in the file


@dataclass
class Symbol:
    addr: int
    name: str
    is_function: bool     # False: a label or object of unknown kind
    size: int = 0         # ELF only; 0 = unknown
    is_object: bool = False


@dataclass
class Image:
    path: str
    kind: str                        # "PE32" | "ELF32"
    raw: bytes
    sections: list[Section]
    entry: int                       # absolute VA, 0 if none
    symbols: list[Symbol] = field(default_factory=list)
    symbol_source: str = "none"      # "COFF symbol table", "map file", ".symtab", "exports", "none"
    pe: object = None                # pefile.PE for PE32 images
    elf_machine: int = 0
    # PE only: the section table as written, the image layout and the tables the loader reads
    pe_sections: list = field(default_factory=list)     # [PeSection]
    headers_size: int = 0
    image_size: int = 0
    base: int = 0
    imports: list = field(default_factory=list)         # [petables.ImportedDll], delay-loaded too
    exports: list = field(default_factory=list)         # [(name, rva)]
    tls_callbacks: list = field(default_factory=list)   # [VA]
    table_problems: dict = field(default_factory=dict)  # table name -> [why the loader fails]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()


# ---------------------------------------------------------------------------
# PE32

# Bigger files are not Windows 9x programs (the whole private arena is 2 GB) and
# would only exhaust the memory of the audit.
IMAGE_FILE_LIMIT = 256 << 20


@dataclass
class PeSection:
    """One row of the PE section table, as written (nothing clamped)."""
    index: int            # 1-based, as map files and COFF symbols count them
    name: str
    rva: int              # VirtualAddress
    vsize: int            # VirtualSize (0: the loader uses SizeOfRawData)
    raw_ptr: int          # PointerToRawData
    raw_size: int         # SizeOfRawData
    characteristics: int

    @property
    def mapped_size(self) -> int:
        """Bytes of address space the loader gives the section."""
        return self.vsize or self.raw_size

    @property
    def backed_size(self) -> int:
        """Bytes of the section that come from the file (the rest is zero-filled)."""
        return min(self.raw_size, self.mapped_size)

    @property
    def executable(self) -> bool:
        return bool(self.characteristics & (IMAGE_SCN_MEM_EXECUTE | IMAGE_SCN_CNT_CODE))


def _load_pe(path: str, raw: bytes) -> Image:
    import pefile

    if len(raw) < 0x40:
        raise AuditInputError(path, f"truncated file ({len(raw)} bytes): not a PE32 or ELF32 file")
    e_lfanew = struct.unpack_from("<I", raw, 0x3C)[0]
    if e_lfanew + 24 > len(raw) or raw[e_lfanew:e_lfanew + 4] != b"PE\0\0":
        raise AuditInputError(path, "not a PE32 or ELF32 file (MZ header without a PE signature: "
                                    "DOS program or truncated file)")
    # pefile quietly drops sections it cannot read (and reads at most 2048); read the
    # section table ourselves.
    n_sec, opt_size = struct.unpack_from("<H12xH", raw, e_lfanew + 6)
    table = e_lfanew + 24 + opt_size
    table_end = table + 40 * n_sec
    if table_end > len(raw):
        raise AuditInputError(path, f"truncated PE: the section table ends at byte {table_end}, "
                                    f"the file has {len(raw)}")
    pe_sections = []
    for k in range(n_sec):
        h = table + 40 * k
        name = raw[h:h + 8].rstrip(b"\0").decode("latin-1")
        vsize, rva, raw_size, raw_ptr = struct.unpack_from("<IIII", raw, h + 8)
        chars = struct.unpack_from("<I", raw, h + 36)[0]
        if raw_size and raw_ptr + raw_size > len(raw):
            raise AuditInputError(path, f"truncated PE: section {name} needs bytes up to "
                                        f"{raw_ptr + raw_size}, the file has {len(raw)}")
        pe_sections.append(PeSection(k + 1, name, rva, vsize, raw_ptr, raw_size, chars))
    sym_ptr, sym_count = struct.unpack_from("<II", raw, e_lfanew + 12)
    if sym_ptr and sym_count:
        str_at = sym_ptr + 18 * sym_count
        str_end = str_at + (struct.unpack_from("<I", raw, str_at)[0] if str_at + 4 <= len(raw) else 4)
        if str_end > len(raw):
            raise AuditInputError(path, f"truncated PE: the COFF symbol table ends at byte {str_end}, "
                                        f"the file has {len(raw)}")
    try:
        pe = pefile.PE(data=raw, fast_load=True)
    except pefile.PEFormatError as exc:
        raise AuditInputError(path, f"not a valid PE file ({exc.value})")
    except Exception as exc:  # pefile raises assorted errors on damaged files
        raise AuditInputError(path, f"not a valid PE file ({type(exc).__name__}: {exc})")

    opt = pe.OPTIONAL_HEADER
    base = opt.ImageBase
    sections = []
    for s in pe_sections:
        # only the bytes in the file: a virtual tail is zero-fill, not code
        data = raw[s.raw_ptr:s.raw_ptr + s.backed_size]
        sections.append(Section(s.name, base + s.rva, data, s.executable, s.mapped_size, s.raw_ptr))
    entry = base + opt.AddressOfEntryPoint if opt.AddressOfEntryPoint else 0
    img = Image(path=path, kind="PE32" if opt.Magic == 0x10B else "PE32+", raw=raw,
                sections=sections, entry=entry, pe=pe, pe_sections=pe_sections,
                headers_size=opt.SizeOfHeaders, image_size=opt.SizeOfImage, base=base)
    # The tables the loader reads, parsed by our own bounded readers (petables).
    from .petables import read_tables
    read_tables(img)
    syms = _coff_symbols(pe, raw, sections)
    if syms:
        img.symbols, img.symbol_source = syms, "COFF symbol table"
    elif img.exports:
        img.symbols = [Symbol(base + rva, name, is_function=True) for name, rva in img.exports if rva]
        img.symbol_source = "exports"
    return img


def _coff_symbols(pe, raw: bytes, sections: list[Section]) -> list[Symbol]:
    """The COFF symbol table MinGW's ld leaves in an unstripped image.

    pefile does not parse it. Layout: NumberOfSymbols records of 18 bytes at
    PointerToSymbolTable, then the string table (u32 size, then NUL-terminated
    names; a record whose first 4 name bytes are zero holds an offset into it).
    In a linked image, Value is relative to the start of section SectionNumber (1-based).
    """
    fh = pe.FILE_HEADER
    ptr, count = fh.PointerToSymbolTable, fh.NumberOfSymbols
    if not ptr or not count or ptr + 18 * count > len(raw):
        return []
    strtab_off = ptr + 18 * count
    strtab = raw[strtab_off:]
    out = []
    i = 0
    while i < count:
        rec = raw[ptr + 18 * i: ptr + 18 * (i + 1)]
        name8, value, secnum, typ, sclass, naux = struct.unpack("<8sIhHBB", rec)
        i += 1 + naux
        if name8[:4] == b"\0\0\0\0":
            off = struct.unpack_from("<I", name8, 4)[0]
            end = strtab.find(b"\0", off)
            name = strtab[off:end if end >= 0 else None].decode("latin-1")
        else:
            name = name8.rstrip(b"\0").decode("latin-1")
        # 2 external, 3 static, 6 label; skip .file (103), section symbols and others
        if sclass not in (2, 3, 6) or secnum <= 0 or secnum > len(sections):
            continue
        if not name or name.startswith("."):
            continue
        sec = sections[secnum - 1]
        if not sec.executable:
            continue
        out.append(Symbol(sec.vaddr + value, _undecorate(name), is_function=(typ >> 4) == 2))
    return out


def _undecorate(name: str) -> str:
    """i386 COFF prefixes C names with '_' (cdecl and stdcall alike); show the C name."""
    return name[1:] if name.startswith("_") else name


# ---------------------------------------------------------------------------
# ELF32 i386

SHF_EXECINSTR = 0x4
SHT_SYMTAB, SHT_NOBITS, SHT_DYNSYM = 2, 8, 11
STT_OBJECT, STT_FUNC = 1, 2
EM_386 = 3


def _load_elf(path: str, raw: bytes) -> Image:
    if len(raw) < 52:
        raise AuditInputError(path, f"truncated ELF header ({len(raw)} bytes)")
    if raw[4] != 1:
        raise AuditInputError(path, "not a PE32 or ELF32 file (ELF, but 64-bit ELFCLASS64)")
    if raw[5] != 1:
        raise AuditInputError(path, "not a PE32 or ELF32 file (big-endian ELF)")
    (e_type, e_machine, _ver, e_entry, e_phoff, e_shoff, _flags, _ehsize, e_phentsize,
     e_phnum, e_shentsize, e_shnum, e_shstrndx) = struct.unpack_from("<HHIIIIIHHHHHH", raw, 16)
    if e_machine != EM_386:
        raise AuditInputError(path, f"not a PE32 or ELF32 file (ELF32 for machine {e_machine}, not i386)")
    if e_shoff + e_shnum * e_shentsize > len(raw) or (e_shnum and e_shentsize < 40):
        raise AuditInputError(path, "truncated ELF32: section headers beyond the end of the file")
    if not e_shoff or not e_shnum:
        return _elf_segments(path, raw, e_entry, e_phoff, e_phentsize, e_phnum)
    shdrs = [struct.unpack_from("<IIIIIIIIII", raw, e_shoff + k * e_shentsize) for k in range(e_shnum)]

    def strtab(idx: int) -> bytes:
        h = shdrs[idx]
        return raw[h[4]:h[4] + h[5]]

    names = strtab(e_shstrndx) if e_shstrndx < e_shnum else b""

    def cstr(tab: bytes, off: int) -> str:
        end = tab.find(b"\0", off)
        return tab[off:end if end >= 0 else None].decode("latin-1")

    sections: list[Section] = []
    by_index: dict[int, Section] = {}
    for k, (nm, typ, flags, addr, off, size, *_rest) in enumerate(shdrs):
        if not flags & SHF_EXECINSTR or typ == SHT_NOBITS:
            continue
        if off + size > len(raw):
            raise AuditInputError(path, f"truncated ELF32: section {cstr(names, nm)} beyond end of file")
        sec = Section(cstr(names, nm), addr, raw[off:off + size], True, file_offset=off)
        sections.append(sec)
        by_index[k] = sec
    img = Image(path=path, kind="ELF32", raw=raw, sections=sections, entry=e_entry,
                elf_machine=e_machine)
    for want in (SHT_SYMTAB, SHT_DYNSYM):
        syms = []
        for typ_hdr in shdrs:
            if typ_hdr[1] != want:
                continue
            link, entsize = typ_hdr[6], typ_hdr[9] or 16
            if link >= e_shnum:
                continue
            tab = strtab(link)
            off, size = typ_hdr[4], typ_hdr[5]
            for p in range(off, min(off + size, len(raw) - 15), entsize):
                st_name, st_value, st_size, st_info, _other, st_shndx = struct.unpack_from("<IIIBBH", raw, p)
                stt = st_info & 0xF
                if st_shndx not in by_index or stt not in (0, STT_OBJECT, STT_FUNC):
                    continue
                name = cstr(tab, st_name)
                if not name or name.startswith(".L") or name in ("$x", "$d"):
                    continue
                syms.append(Symbol(st_value, name, is_function=stt == STT_FUNC, size=st_size,
                                   is_object=stt == STT_OBJECT))
        if syms:
            img.symbols = syms
            img.symbol_source = ".symtab" if want == SHT_SYMTAB else ".dynsym"
            break
    return img


def _elf_segments(path: str, raw: bytes, entry: int, phoff: int, phentsize: int, phnum: int) -> Image:
    """An ELF32 without section headers (sstrip'ed): decode the executable PT_LOAD segments."""
    if not phoff or phentsize < 32 or phoff + phnum * phentsize > len(raw):
        raise AuditInputError(path, "truncated ELF32: neither section nor program headers readable")
    sections = []
    for k in range(phnum):
        p_type, p_offset, p_vaddr, _pa, p_filesz, _memsz, p_flags, _al = \
            struct.unpack_from("<IIIIIIII", raw, phoff + k * phentsize)
        if p_type == 1 and p_flags & 1:   # PT_LOAD, PF_X
            if p_offset + p_filesz > len(raw):
                raise AuditInputError(path, "truncated ELF32: a loadable segment is beyond the end of the file")
            sections.append(Section(f"segment{k}", p_vaddr, raw[p_offset:p_offset + p_filesz], True,
                                    file_offset=p_offset))
    return Image(path=path, kind="ELF32", raw=raw, sections=sections, entry=entry, elf_machine=EM_386)


# ---------------------------------------------------------------------------
# GNU ld map files

MAP_FILE_LIMIT = 64 << 20
_MAP_SYMBOL = re.compile(r"^\s+0x([0-9a-fA-F]+)\s+([A-Za-z_.$?@][^\s=()]*)\s*$")
_MAP_INPUT = re.compile(r"^\s*(\.text\S*)?\s+0x([0-9a-fA-F]+)\s+0x([0-9a-fA-F]+)\s+(\S+)\s*$")


def read_map_file(path: str | Path, section_bases: list[int] | None = None) -> list[Symbol]:
    """Symbols from a GNU ld ``-Map`` file: ``0xADDR  name`` lines of the memory map.

    Without GNU lines, ``SSSS:OOOOOOOO name`` publics are read instead, placed with
    ``section_bases`` (VA of each PE section, in section-table order).

    Input-section lines (``.text 0xADDR 0xSIZE file.o``) of executable sections become
    anchors named ``[file.o]`` so code without a symbol is still attributed to its object.
    """
    from .inputs import InputFileError, read_regular_file
    try:
        text = read_regular_file(path, MAP_FILE_LIMIT, what="map file").decode("latin-1")
    except InputFileError as err:
        raise AuditInputError(path, err.reason)
    out: list[Symbol] = []
    in_map = False
    pending_text = False
    for line in text.splitlines():
        if line.startswith("Linker script and memory map"):
            in_map = True
            continue
        if not in_map:
            continue
        m = _MAP_SYMBOL.match(line)
        if m:
            name = m.group(2)
            if name.startswith(".") or name.startswith("PROVIDE"):
                continue
            addr = int(m.group(1), 16)
            if addr:
                # ld prints C names here (it strips i386 PE's leading '_' itself)
                out.append(Symbol(addr, name, is_function=True))
            continue
        stripped = line.strip()
        # " .text  0x00401000  0x4e0 crt2.o" (or the section name alone on the previous line)
        if stripped.startswith(".text") and len(stripped.split()) == 1:
            pending_text = True
            continue
        m = _MAP_INPUT.match(line)
        if m and (m.group(1) or pending_text):
            addr, size, obj = int(m.group(2), 16), int(m.group(3), 16), m.group(4)
            if addr and size:
                out.append(Symbol(addr, f"[{Path(obj).name}]", is_function=False))
        pending_text = False
    if not out and section_bases:
        out = _read_segmented_map(text, section_bases)
    if not out:
        raise AuditInputError(path, "no symbols found in map file (expected a GNU ld -Map file or a "
                                    "'SSSS:OOOOOOOO name' publics list)")
    return out


_SEG_SYMBOL = re.compile(r"^\s*([0-9A-Fa-f]{4}):([0-9A-Fa-f]{8})[+*]?\s+([^\s]+)")


def _read_segmented_map(text: str, section_bases: list[int]) -> list[Symbol]:
    """``SSSS:OOOOOOOO  name`` publics (MS link, Borland TLINK32, Open Watcom wlink maps).

    SSSS is the 1-based PE section number. Segment-table lines ("0001:00000000 00001234H
    _TEXT CODE") have a size where the name would be and are skipped.
    """
    out = []
    for line in text.splitlines():
        m = _SEG_SYMBOL.match(line)
        if not m:
            continue
        sec, off, name = int(m.group(1), 16), int(m.group(2), 16), m.group(3)
        if re.fullmatch(r"[0-9A-Fa-f]+H?", name) or not 1 <= sec <= len(section_bases):
            continue
        out.append(Symbol(section_bases[sec - 1] + off, name, is_function=True))
    return out


# ---------------------------------------------------------------------------


def load_image(path: str | Path) -> Image:
    from .inputs import InputFileError, read_regular_file
    try:
        raw = read_regular_file(path, IMAGE_FILE_LIMIT, what="executable")
    except InputFileError as err:
        raise AuditInputError(path, err.reason)
    if raw[:2] == b"MZ":
        return _load_pe(str(path), raw)
    if raw[:4] == b"\x7fELF":
        return _load_elf(str(path), raw)
    what = "empty file" if not raw else f"starts with {raw[:4].hex(' ')}"
    raise AuditInputError(path, f"not a PE32 or ELF32 file ({what})")


class SymbolIndex:
    """Address -> ``name+0xoff`` using the nearest symbol at or below, within one section."""

    def __init__(self, image: Image):
        self._sections = sorted((s.vaddr, s.vaddr + len(s.data), s.name)
                                for s in image.sections if s.executable)
        self._starts = [s[0] for s in self._sections]
        self._reach = []            # the furthest end among sections 0..k
        for _lo, hi, _name in self._sections:
            self._reach.append(max(hi, self._reach[-1]) if self._reach else hi)
        best: dict[int, Symbol] = {}
        for sym in image.symbols:
            old = best.get(sym.addr)
            # prefer real functions over labels/[object] anchors, then the shorter name
            if old is None or (sym.is_function, -len(sym.name)) > (old.is_function, -len(old.name)):
                best[sym.addr] = sym
        self.addrs = sorted(best)
        self.syms = [best[a] for a in self.addrs]

    def _section(self, addr: int):
        k = bisect_right(self._starts, addr) - 1
        while k >= 0 and self._reach[k] > addr:
            lo, hi, _name = self._sections[k]
            if lo <= addr < hi:
                return self._sections[k]
            k -= 1
        return None

    def section_name(self, addr: int) -> str:
        sec = self._section(addr)
        return sec[2] if sec else "?"

    def locate(self, addr: int) -> tuple[str, int]:
        """(function name, offset); falls back to (section name, offset in section)."""
        k = bisect_right(self.addrs, addr) - 1
        sec = self._section(addr)
        if k >= 0 and sec and self.addrs[k] >= sec[0]:
            return self.syms[k].name, addr - self.addrs[k]
        if sec:
            return sec[2], addr - sec[0]
        return "?", 0
