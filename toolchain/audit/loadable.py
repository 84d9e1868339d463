"""Can the loader map this PE image at all? Section layout, entry point, the tables it reads.

The rules are the PE/COFF specification's for images, which the Windows
loaders enforce: at most 96 sections; each section at a multiple of
SectionAlignment, in ascending order, not overlapping the headers or each other,
inside SizeOfImage; the entry point in an executable section's bytes from the
file (past them the loader maps zeros); and the import, export, TLS and
delay-load tables inside the mapped image with names that can be read (see
:mod:`.petables`). A violation here means the EXE cannot load, so nothing else
in the report would matter.
"""

from __future__ import annotations

from .image import Image, SymbolIndex
from .petables import DELAY, EXPORT, IMPORT, TLS

# PE/COFF specification, "Section Table": "the Windows loader limits the number of
# sections to 96".
MAX_SECTIONS = 96
SHOWN = 3   # problems listed per check; the rest are counted


def _align(v: int, a: int) -> int:
    return (v + a - 1) // a * a if a > 0 else v


def _listed(problems: list[str]) -> str:
    more = len(problems) - SHOWN
    return "; ".join(problems[:SHOWN]) + (f"; and {more} more" if more > 0 else "")


def check_loadable(image: Image, index: SymbolIndex) -> list:
    """Checks (see :class:`.pecheck.Check`) that the image can be mapped and started."""
    from .pecheck import Check
    out: list[Check] = []

    def add(name: str, problems: list[str], ok_msg: str):
        out.append(Check(name, "violation", f"{name}: {_listed(problems)}") if problems
                   else Check(name, "ok", ok_msg))

    opt = image.pe.OPTIONAL_HEADER
    sa = opt.SectionAlignment
    secs = image.pe_sections
    n = len(secs)

    # -- the section table ------------------------------------------------------------
    problems = []
    if n == 0:
        problems.append("no sections")
    elif n > MAX_SECTIONS:
        problems.append(f"{n} sections; the Windows loader maps at most {MAX_SECTIONS}")
    add("section count", problems, f"{n} section{'s' if n != 1 else ''}")

    problems = []
    end_prev = _align(image.headers_size, sa) if sa > 0 else image.headers_size
    prev_name = "the headers"
    for s in secs:
        end = s.rva + s.mapped_size
        if sa > 0 and s.rva % sa:
            problems.append(f"section {s.name} at RVA {s.rva:#x} is not a multiple of "
                            f"SectionAlignment {sa:#x}")
        if s.rva < end_prev:
            problems.append(f"section {s.name} at RVA {s.rva:#x} overlaps {prev_name} "
                            f"(up to RVA {end_prev:#x})")
        if end > image.image_size:
            problems.append(f"section {s.name} ends at RVA {end:#x} (virtual size {s.vsize:#x}), "
                            f"beyond SizeOfImage {image.image_size:#x}")
            end = s.rva   # one message for it, not one for every section after it
        end_prev = max(end_prev, _align(end, sa) if sa > 0 else end)
        prev_name = f"section {s.name}"
    if image.base + image.image_size > 0x80000000:
        problems.append(f"the image spans {image.base:#x}..{image.base + image.image_size:#x}, "
                        "beyond 0x7fffffff (Windows 9x private arena)")
    add("section layout", problems, f"sections inside SizeOfImage {image.image_size:#x}")

    # -- the entry point ----------------------------------------------------------------
    ep = opt.AddressOfEntryPoint
    is_dll = bool(image.pe.FILE_HEADER.Characteristics & 0x2000)
    if not ep:
        out.append(Check("entry point", "ok" if is_dll else "violation",
                         "no entry point" + ("" if is_dll else " (an EXE needs one)")))
    else:
        va = image.base + ep
        fn, off = index.locate(va)
        where = "" if fn == "?" else f" ({fn}+{off:#x})" if off else f" ({fn})"
        sec = next((s for s in secs if s.rva <= ep < s.rva + s.mapped_size), None)
        msg = f"entry point {va:#010x}{where} in " + (sec.name if sec else "no section")
        if sec is None or not sec.executable:
            out.append(Check("entry point", "violation", msg + ": not inside an executable section"))
        elif ep >= sec.rva + sec.backed_size:
            out.append(Check("entry point", "violation", msg + (
                f": {sec.name} has no bytes in the file (SizeOfRawData 0)" if not sec.backed_size else
                f": past the {sec.backed_size:#x} bytes {sec.name} has in the file")
                + "; the loader maps zeros there"))
        else:
            out.append(Check("entry point", "ok", msg))

    # -- the tables the loader reads ------------------------------------------------------
    tp = image.table_problems
    n_imp = sum(len(d.names) for d in image.imports if not d.delayed)
    add("import directory", tp.get(IMPORT, []),
        f"{n_imp} imports readable" if n_imp else "no imports")
    for table in (EXPORT, TLS, DELAY):
        if table in tp:
            add(table, tp[table], "")
    return out
