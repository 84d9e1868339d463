"""Struct layouts under the ABIs a port meets, to tell whether changing the
declared type of bit-fields moves anything.

A member is ``Member(size, align, width)`` (bytes; ``width`` in bits for a
bit-field, else None).  :func:`layout` places the members of a struct as
the ABI's compilers do and returns the offset of each (in bits), the size
and the alignment of the struct:

* ``sysv``: gcc, clang and tcc on Unix (also MinGW with -mno-ms-bitfields):
  a bit-field goes at the next bit unless it would cross a unit of its
  type's size, and its type's alignment counts for the struct's;
* ``ms``: MSVC, and MinGW's gcc by default: consecutive bit-fields share a
  unit only when their types have the same size, a new unit starts at the
  alignment of its type.

:data:`ABIS` names the four data models checked (32-bit and 64-bit, each
way): a change is safe only when no layout moves in any of them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Abi:
    name: str
    bitfields: str              # "sysv" | "ms"
    sizes: dict                 # base type -> (size, align)


def _sizes(long: int, ptr: int, ll_align: int, dbl_align: int, ld: tuple[int, int]) -> dict:
    return {"char": (1, 1), "short": (2, 2), "int": (4, 4), "long": (long, long),
            "long long": (8, ll_align), "float": (4, 4), "double": (8, dbl_align),
            "long double": ld, "pointer": (ptr, ptr)}


ABIS = (
    Abi("i386 System V", "sysv", _sizes(4, 4, 4, 4, (12, 4))),
    Abi("x86-64 System V", "sysv", _sizes(8, 8, 8, 8, (16, 16))),
    Abi("Win32", "ms", _sizes(4, 4, 8, 8, (8, 8))),
    Abi("Win64", "ms", _sizes(4, 8, 8, 8, (8, 8))),
)


@dataclass(frozen=True)
class Member:
    size: int
    align: int
    width: int | None = None    # bits, for a bit-field


def _up(n: int, a: int) -> int:
    return (n + a - 1) // a * a


def layout(members: list[Member], bitfields: str) -> tuple[list[int], int, int]:
    """(bit offset of each member, size, alignment) of a struct."""
    offs: list[int] = []
    off, align = 0, 1
    unit = None                      # ms: [start bit, size in bytes, bits used]
    for m in members:
        if m.width is None:
            if unit is not None:
                off, unit = unit[0] + unit[1] * 8, None
            off = _up(off, m.align * 8)
            offs.append(off)
            off += m.size * 8
        elif bitfields == "sysv":
            size = m.size * 8
            if off % size + m.width > size:
                off = _up(off, m.align * 8)
            offs.append(off)
            off += m.width
        else:
            if unit is not None and unit[1] == m.size and unit[2] + m.width <= m.size * 8:
                offs.append(unit[0] + unit[2])
                unit[2] += m.width
            else:
                if unit is not None:
                    off = unit[0] + unit[1] * 8
                off = _up(off, m.align * 8)
                unit = [off, m.size, m.width]
                offs.append(off)
        align = max(align, m.align)
    if unit is not None:
        off = unit[0] + unit[1] * 8
    return offs, _up((off + 7) // 8, align), align


def same_everywhere(before: list[list[Member]], after: list[list[Member]]) -> str | None:
    """None when the struct lays out the same before and after in every
    ABI of :data:`ABIS` (``before[k]``/``after[k]``: its members in ABI k);
    else the name of the first ABI where something moves."""
    for abi, b, a in zip(ABIS, before, after):
        if layout(b, abi.bitfields) != layout(a, abi.bitfields):
            return abi.name
    return None
