"""Decode every executable byte with iced-x86 and check each instruction's CPUID features.

How the sweep works (and where it can be wrong):

* Each executable section is cut into segments at every known code address: symbols
  (COFF / .symtab / map file / exports), the entry point and the section start. Each
  segment is linear-swept on its own, so one desynchronised stretch cannot run on into
  the next function.
* Known data inside code sections is not decoded: MinGW's linker script places the
  ``__CTOR_LIST__``/``__DTOR_LIST__`` tables (``-1, function pointers..., 0``) at the end
  of ``.text``; they are recognised by shape (also in stripped images), and ELF
  ``STT_OBJECT`` symbols with a size are skipped too.
* Jump tables in code (Open Watcom puts a ``switch``'s table just before or after its
  function): every ``jmp [index*4 + table]`` encoding in the section names a table
  address; when the sweep reaches one, its entries (each an address in executable code)
  are counted as data and decoding resumes after them.
* Trailing runs of 0x00 / 0xCC at the end of a segment are alignment padding and are
  counted, not decoded.
* An invalid opcode means the sweep is decoding something that is not code (or lost
  instruction sync). Its bytes are counted as skipped, and a feature hit within 32 bytes
  of one is reported as *unverified* (a warning, not a violation), so data decoded as
  garbage cannot fail a build. x86 linear sweep resynchronises within a few instructions,
  so hits further away stay violations; the count of stretches with invalid opcodes is in
  the stats.

iced-x86's ``cpuid_features()`` is the list of features an instruction needs, all of
them (``[FPU, CMOV]`` for FCOMI). A feature not in the target's ceiling is a finding.
A few encodings that iced names after a newer extension execute as an older instruction
on the target (the extra prefix is ignored); see ``_SPECIAL``.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass, field

from iced_x86 import Code, CpuidFeature, Decoder, Formatter, FormatterSyntax, Instruction

from .image import Image, Section, SymbolIndex

FEATURE_NAME = {getattr(CpuidFeature, k): k for k in dir(CpuidFeature) if not k.startswith("_")}
CODE_NAME = {getattr(Code, k): k for k in dir(Code) if not k.startswith("_")}


def _codes(*names: str) -> list[int]:
    return [getattr(Code, n) for n in names if hasattr(Code, n)]


# Encodings iced names after a newer extension that run as something older. Each entry:
# (feature the bytes *really* need on an old CPU, note text). If that feature is in the
# ceiling the instruction is a note; otherwise it is a violation with the same explanation.
_SPECIAL: dict[int, tuple[str, str]] = {}
for _c in _codes("TZCNT_R16_RM16", "TZCNT_R32_RM32"):
    _SPECIAL[_c] = ("INTEL386", "tzcnt (F3 0F BC) executes as bsf here (the rep prefix is ignored): "
                                "same result for a non-zero source; flags differ and a zero source "
                                "leaves the destination unchanged. GCC emits 'rep bsf' for "
                                "__builtin_ctz on purpose")
for _c in _codes("PAUSE"):
    _SPECIAL[_c] = ("INTEL8086", "pause (F3 90) executes as nop here")
for _c in _codes("ENDBR32", "ENDBR64", "RDSSPD_R32"):
    _SPECIAL[_c] = ("MULTIBYTENOP", "CET marker F3 0F 1E: a hint NOP (0F 1E /r) on P6 and later, "
                                    "but an invalid opcode (#UD) on the Pentium/486")
_LZCNT = set(_codes("LZCNT_R16_RM16", "LZCNT_R32_RM32"))
_LZCNT_NOTE = ("lzcnt (F3 0F BD) executes as bsr here: bsr returns the index of the highest set bit, "
               "not the count of leading zeros (31 - index): wrong results, so it is a violation")


@dataclass
class IsaFinding:
    function: str
    offset: int
    address: int
    instruction: str
    feature: str          # missing feature(s), "+"-joined
    hexbytes: str
    severity: str         # "violation" | "warning" (unverified: in a segment with invalid opcodes) | "note"
    note: str = ""

    @property
    def where(self) -> str:
        return f"{self.function}+{self.offset:#x}"

    def as_dict(self) -> dict:
        d = {
            "function": self.function, "offset": self.offset, "address": f"{self.address:#010x}",
            "instruction": self.instruction, "feature": self.feature, "bytes": self.hexbytes,
            "severity": self.severity,
        }
        if self.note:
            d["note"] = self.note
        return d


@dataclass
class IsaStats:
    sections: list[tuple[str, int]] = field(default_factory=list)   # (name, bytes)
    bytes_total: int = 0
    bytes_decoded: int = 0
    instructions: int = 0
    bytes_invalid: int = 0          # skipped: did not decode
    bytes_padding: int = 0          # trailing 00/CC runs
    bytes_data: int = 0             # known data in code sections (ctor/dtor lists, ELF objects)
    bytes_shared: int = 0           # file bytes already decoded for another section
    unverified_segments: int = 0    # segments with invalid opcodes
    segments: int = 0

    def as_dict(self) -> dict:
        return {
            "sections": [{"name": n, "bytes": b} for n, b in self.sections],
            "bytes_total": self.bytes_total, "bytes_decoded": self.bytes_decoded,
            "instructions": self.instructions, "bytes_invalid_skipped": self.bytes_invalid,
            "bytes_padding": self.bytes_padding, "bytes_data": self.bytes_data,
            "bytes_shared": self.bytes_shared,
            "segments": self.segments, "unverified_segments": self.unverified_segments,
        }


@dataclass
class IsaResult:
    findings: list[IsaFinding]        # violations and unverified warnings
    notes: list[IsaFinding]
    stats: IsaStats
    by_feature: Counter               # violations only
    by_function: Counter              # violations only
    data_ranges: list[tuple[int, int, str]]   # (start VA, end VA, what)
    mmx_functions: Counter = field(default_factory=Counter)   # allowed MMX instructions


def _in_ranges(starts: list[int], ranges: list[tuple[int, int]], v: int) -> bool:
    k = bisect_right(starts, v) - 1
    return k >= 0 and v < ranges[k][1]


def _data_ranges(image: Image, sec: Section, exec_starts: list[int],
                 exec_ranges: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """Known data inside an executable section, as (start offset, end offset, what)."""
    data = sec.data
    lo_va, hi_va = sec.vaddr, sec.vaddr + len(data)
    out = []
    # ctor/dtor lists: aligned 0xFFFFFFFF, then pointers into code, then a 0 terminator.
    pos = data.find(b"\xff\xff\xff\xff")
    while pos >= 0:
        if pos % 4 == 0:
            p = pos + 4
            ok = False
            while p + 4 <= len(data):
                v = int.from_bytes(data[p:p + 4], "little")
                if v == 0:
                    ok = True
                    p += 4
                    break
                if not _in_ranges(exec_starts, exec_ranges, v):
                    break
                p += 4
            if ok:
                out.append((pos, p, "constructor/destructor list"))
                pos = data.find(b"\xff\xff\xff\xff", p)
                continue
        pos = data.find(b"\xff\xff\xff\xff", pos + 1)
    for sym in image.symbols:
        if sym.is_object and sym.size and lo_va <= sym.addr < hi_va:
            s = sym.addr - lo_va
            out.append((s, min(s + sym.size, len(data)), f"data object {sym.name}"))
    out.sort()
    return out


# jmp dword ptr [index*4 + disp32]: FF /4 with a SIB of scale 4 and no base register
_JUMP_TABLE_JMP = re.compile(rb"\xff\x24[\x85\x8d\x95\x9d\xad\xb5\xbd](....)", re.S)


def _jump_tables(data: bytes, vaddr: int) -> set[int]:
    """Addresses inside ``data`` that an indirect ``jmp [index*4 + address]`` names."""
    out = set()
    for m in _JUMP_TABLE_JMP.finditer(data):
        target = int.from_bytes(m.group(1), "little")
        if vaddr <= target < vaddr + len(data):
            out.add(target)
    return out


def _table_end(seg: bytes, at: int, stop: int, exec_starts: list[int],
               exec_ranges: list[tuple[int, int]]) -> int:
    """End offset of the jump table at ``at`` in ``seg``: its 4-byte entries run while
    each is an address in executable code (``at`` itself when the first is not)."""
    end = at
    while end + 4 <= stop and _in_ranges(exec_starts, exec_ranges,
                                         int.from_bytes(seg[end:end + 4], "little")):
        end += 4
    return end


_NEAR = 32


class _Intervals:
    """A set of [start, end) integer intervals, kept merged and sorted."""

    def __init__(self):
        self.items: list[tuple[int, int]] = []

    def overlap(self, lo: int, hi: int) -> list[tuple[int, int]]:
        out = []
        k = max(bisect_right(self.items, (lo, lo)) - 1, 0)
        while k < len(self.items) and self.items[k][0] < hi:
            a, b = self.items[k]
            if b > lo:
                out.append((max(a, lo), min(b, hi)))
            k += 1
        return out

    def add(self, lo: int, hi: int) -> None:
        if hi <= lo:
            return
        items = self.items
        i = bisect_left(items, (lo, lo))
        if i > 0 and items[i - 1][1] >= lo:
            i -= 1
        j = i
        while j < len(items) and items[j][0] <= hi:
            lo, hi = min(lo, items[j][0]), max(hi, items[j][1])
            j += 1
        items[i:j] = [(lo, hi)]


def _subtract(lo: int, hi: int, holes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """[lo, hi) minus the ``holes``."""
    out, cur = [], lo
    for a, b in sorted(holes):
        if b <= cur or a >= hi:
            continue
        if a > cur:
            out.append((cur, a))
        cur = max(cur, b)
    if cur < hi:
        out.append((cur, hi))
    return out


def _near(sorted_ips: list[int], addr: int) -> bool:
    k = bisect_left(sorted_ips, addr - _NEAR)
    return k < len(sorted_ips) and sorted_ips[k] <= addr + _NEAR


class _Checker:
    def __init__(self, allowed: frozenset[str]):
        self.allowed = allowed
        self.cache: dict[int, tuple[str, str, str]] = {}   # code -> (kind, feature, note)

    def classify(self, code: int, instr: Instruction) -> tuple[str, str, str]:
        hit = self.cache.get(code)
        if hit is None:
            hit = self.cache[code] = self._classify(code, instr)
        return hit

    def _classify(self, code: int, instr: Instruction) -> tuple[str, str, str]:
        if code == Code.INVALID:
            return ("invalid", "", "")
        feats = [FEATURE_NAME.get(f, str(f)) for f in instr.cpuid_features()]
        missing = [f for f in feats if f not in self.allowed]
        if code in _SPECIAL:
            really, note = _SPECIAL[code]
            shown = "+".join(feats)
            if really in self.allowed:
                return ("note", shown, note)
            return ("violation", f"{shown} (needs {really})", note)
        if code in _LZCNT:
            return ("violation", "+".join(missing or feats), _LZCNT_NOTE)
        if not missing:
            return ("mmx", "", "") if "MMX" in feats else ("ok", "", "")
        if "CMOV" in missing and "FPU" in feats:
            # iced names the CPUID bit (CMOV); name the instruction family users look for
            missing = ["FCOMI/FCMOV (CPUID CMOV)" if f == "CMOV" else f for f in missing]
            return ("violation", "+".join(missing),
                    "FCOMI/FUCOMI/FCMOVcc: P6 (Pentium Pro) and later, same CPUID bit as CMOV")
        return ("violation", "+".join(missing), "")


def scan(image: Image, allowed: frozenset[str], index: SymbolIndex, max_findings: int = 20000) -> IsaResult:
    checker = _Checker(allowed)
    fmt = Formatter(FormatterSyntax.INTEL)
    fmt.first_operand_char_index = 0
    stats = IsaStats()
    findings: list[IsaFinding] = []
    notes: list[IsaFinding] = []
    by_feature: Counter = Counter()
    by_function: Counter = Counter()
    mmx_functions: Counter = Counter()
    all_data: list[tuple[int, int, str]] = []

    def make(instr: Instruction, data: bytes, base_off: int, kind_feature: str, sev: str, note: str):
        fn, off = index.locate(instr.ip)
        start = instr.ip - base_off
        return IsaFinding(fn, off, instr.ip, fmt.format(instr), kind_feature,
                          data[start:start + instr.len].hex(" "), sev, note)

    # merged (start, end) of executable VA ranges, for the ctor/dtor list shape
    exec_ranges: list[tuple[int, int]] = []
    for lo, hi in sorted((x.vaddr, x.vaddr + len(x.data)) for x in image.sections if x.executable):
        if exec_ranges and lo <= exec_ranges[-1][1]:
            exec_ranges[-1] = (exec_ranges[-1][0], max(hi, exec_ranges[-1][1]))
        else:
            exec_ranges.append((lo, hi))
    exec_starts = [r[0] for r in exec_ranges]
    decoded = _Intervals()   # file bytes already decoded: sections may share raw data

    for sec in image.sections:
        if not sec.executable or not sec.data:
            continue
        data = sec.data
        size = len(data)
        stats.sections.append((sec.name, size))
        stats.bytes_total += size
        shared = decoded.overlap(sec.file_offset, sec.file_offset + size)
        decoded.add(sec.file_offset, sec.file_offset + size)
        if shared == [(sec.file_offset, sec.file_offset + size)]:
            stats.bytes_shared += size   # the same bytes again: same instructions, no new finding
            continue
        dranges = _data_ranges(image, sec, exec_starts, exec_ranges)
        tables = _jump_tables(data, sec.vaddr)
        all_data.extend((sec.vaddr + a, sec.vaddr + b, w) for a, b, w in dranges)
        # stretches not to decode: shared bytes, then known data outside them
        skips = [(a - sec.file_offset, b - sec.file_offset, "shared") for a, b in shared]
        for a, b, _ in dranges:
            for lo, hi in _subtract(a, b, [(x, y) for x, y, _ in skips]):
                skips.append((lo, hi, "data"))
        skips.sort()
        cuts = {0, size}
        k0 = bisect_left(index.addrs, sec.vaddr)
        k1 = bisect_left(index.addrs, sec.vaddr + size)
        cuts.update(a - sec.vaddr for a in index.addrs[k0:k1])
        if image.entry and sec.vaddr <= image.entry < sec.vaddr + size:
            cuts.add(image.entry - sec.vaddr)
        for a, b, _ in skips:
            cuts.add(a)
            cuts.add(b)
        cuts_sorted = sorted(cuts)
        skip_starts = [x[0] for x in skips]
        for lo, hi in zip(cuts_sorted, cuts_sorted[1:]):
            hi = min(hi, size)
            if hi <= lo:
                continue
            k = bisect_right(skip_starts, lo) - 1
            if k >= 0 and lo < skips[k][1]:
                if skips[k][2] == "shared":
                    stats.bytes_shared += hi - lo
                else:
                    stats.bytes_data += hi - lo
                continue
            stats.segments += 1
            seg = data[lo:hi]
            # trailing padding: 00 or CC run up to the end of the segment
            pad_from = len(seg)
            while pad_from > 0 and seg[pad_from - 1] in (0x00, 0xCC):
                pad_from -= 1
            tail = seg[pad_from:]
            if tail and len(set(tail)) > 1:   # mixed 00/CC: only the last byte kind is padding
                last = seg[-1]
                pad_from = len(seg)
                while pad_from > 0 and seg[pad_from - 1] == last:
                    pad_from -= 1
            base = sec.vaddr + lo
            pad_va = base + pad_from
            dec = Decoder(32, seg, ip=base)
            seg_hits: list[IsaFinding] = []
            invalid_ips: list[int] = []
            n = 0
            nbytes = 0
            instr = Instruction()
            while dec.can_decode:
                if tables and dec.ip in tables:
                    end = _table_end(seg, dec.ip - base, len(seg), exec_starts, exec_ranges)
                    if end > dec.ip - base:
                        stats.bytes_data += end - (dec.ip - base)
                        all_data.append((dec.ip, base + end, "jump table"))
                        dec.position = end
                        dec.ip = base + end
                        continue
                dec.decode_out(instr)
                ip = instr.ip
                if ip >= pad_va:
                    stats.bytes_padding += base + len(seg) - ip
                    break
                code = instr.code
                kind = checker.cache.get(code)
                if kind is None:
                    kind = checker.classify(code, instr)
                k = kind[0]
                if k == "ok":
                    n += 1
                    nbytes += instr.len
                    continue
                if k == "mmx":
                    n += 1
                    nbytes += instr.len
                    mmx_functions[index.locate(ip)[0]] += 1
                    continue
                if k == "invalid":
                    invalid_ips.append(ip)
                    stats.bytes_invalid += instr.len
                    continue
                n += 1
                nbytes += instr.len
                if k == "note":
                    if len(notes) < max_findings:
                        notes.append(make(instr, seg, base, kind[1], "note", kind[2]))
                else:
                    seg_hits.append(make(instr, seg, base, kind[1], "violation", kind[2]))
            stats.instructions += n
            stats.bytes_decoded += nbytes
            if invalid_ips:
                stats.unverified_segments += 1
            for f in seg_hits:
                if invalid_ips and _near(invalid_ips, f.address):
                    f.severity = "warning"
                    f.note = (f.note + "; " if f.note else "") + \
                        f"unverified: within {_NEAR} bytes of an invalid opcode (data or lost sync)"
                else:
                    by_feature[f.feature] += 1
                    by_function[f.function] += 1
            room = max_findings - len(findings)
            findings.extend(seg_hits[:max(room, 0)])
    return IsaResult(findings, notes, stats, by_feature, by_function, all_data, mmx_functions)
