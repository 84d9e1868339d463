"""``audit_file``: everything the audit checks, in one call."""

from __future__ import annotations

import time
from pathlib import Path

from .. import winapi
from ..targets import Target, load_target
from .image import AuditInputError, Image, SymbolIndex, load_image, read_map_file
from .isa import IsaResult, IsaStats, scan
from .pecheck import ImportsResult, check_imports, check_pe
from .report import AuditReport


def audit_file(path: str | Path, target: str | Target, exports_path: str | Path | None = None,
               map_path: str | Path | None = None) -> AuditReport:
    """Audit one PE32 (or ELF32 i386) file against a target.

    Raises :class:`toolchain.diag.ToolchainError` with ``exit_code == 2`` when the
    file, the export list or the map file cannot be read; violations are in the
    returned report (``report.ok``), never raised.
    """
    t0 = time.perf_counter()
    tgt = load_target(target) if isinstance(target, str) else target
    image: Image = load_image(path)
    if map_path is not None:
        bases = [s.vaddr for s in image.sections] if image.kind.startswith("PE") else None
        image.symbols = read_map_file(map_path, bases)
        image.symbol_source = f"map file {map_path}"
    index = SymbolIndex(image)

    if image.kind.startswith("PE"):
        pe_checks = check_pe(image, tgt, index)
        if exports_path is not None:
            try:
                exports = winapi.load_export_file(exports_path)
            except winapi.ExportListError as err:
                raise AuditInputError(err.path, err.reason)
            source = f"export list {exports_path}"
        else:
            exports = winapi.product_exports(tgt.api_floor)
            source = f"llama98's Windows {tgt.api_floor} API list (toolchain/data/win9x_api.tsv)"
        imports = check_imports(image, exports, source, tgt.api_floor)
        imports.product_list = exports_path is None
    else:
        pe_checks = []
        imports = ImportsResult("not checked: ELF32 (native build, no Windows imports)", applicable=False)

    if image.kind == "PE32+":
        isa = IsaResult([], [], IsaStats(), _counter(), _counter(), [])
    else:
        isa = scan(image, tgt.allowed_features, index)

    return AuditReport(
        path=str(path), sha256=image.sha256, size=len(image.raw), kind=image.kind,
        target=tgt.name, target_description=tgt.description, isa_name=tgt.isa,
        api_floor=tgt.api_floor, symbol_source=image.symbol_source or "none",
        pe=pe_checks, imports=imports, isa=isa, seconds=time.perf_counter() - t0)


def _counter():
    from collections import Counter
    return Counter()
