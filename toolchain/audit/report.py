"""The audit result and its three renderings: text report, one-line summary, JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass

from .isa import IsaFinding, IsaResult
from .pecheck import Check, ImportsResult


@dataclass
class AuditReport:
    path: str
    sha256: str
    size: int
    kind: str                      # "PE32" | "PE32+" | "ELF32"
    target: str
    target_description: str
    isa_name: str
    api_floor: str
    symbol_source: str
    pe: list[Check]
    imports: ImportsResult
    isa: IsaResult
    seconds: float = 0.0

    # -- shortcuts ---------------------------------------------------------------------

    @property
    def stats(self):
        """Decode statistics (:class:`toolchain.audit.isa.IsaStats`)."""
        return self.isa.stats

    @property
    def by_feature(self):
        """CPUID feature -> number of violating instructions."""
        return self.isa.by_feature

    @property
    def by_function(self):
        """function -> number of violating instructions."""
        return self.isa.by_function

    # -- verdict -----------------------------------------------------------------------

    @property
    def pe_violations(self) -> list[Check]:
        return [c for c in self.pe if c.status == "violation"]

    @property
    def isa_violations(self) -> list[IsaFinding]:
        return [f for f in self.isa.findings if f.severity == "violation"]

    @property
    def isa_violation_count(self) -> int:
        # counted before the stored list is capped
        return sum(self.isa.by_feature.values())

    @property
    def violations(self) -> int:
        return len(self.pe_violations) + len(self.imports.missing) + self.isa_violation_count

    @property
    def warnings(self) -> int:
        return (sum(1 for c in self.pe if c.status == "warning") + len(self.imports.ordinals)
                + len(self.imports.stubs)
                + sum(1 for f in self.isa.findings if f.severity == "warning"))

    @property
    def ok(self) -> bool:
        return self.violations == 0

    @property
    def findings(self) -> dict[str, list[dict]]:
        return {
            "pe": [c.as_dict() for c in self.pe if c.status != "ok"],
            "imports": ([{"dll": d, "function": n, "severity": "violation"} for d, n in self.imports.missing]
                        + [{"dll": d, "ordinal": o, "severity": "warning"} for d, o in self.imports.ordinals]
                        + [{"dll": d, "function": n, "severity": "warning", "why": w}
                           for d, n, w in self.imports.stubs]),
            "isa": [f.as_dict() for f in self.isa.findings],
        }

    @property
    def verdict(self) -> str:
        return "PASS" if self.ok else f"FAIL ({self.violations} violation{'s' if self.violations != 1 else ''})"

    # -- renderings ----------------------------------------------------------------------

    def summary(self) -> str:
        st = self.isa.stats
        parts = [f"audit {self.target}: {self.verdict}"]
        bits = []
        if self.isa_violation_count:
            feats = ", ".join(f"{k} {v}" for k, v in self.isa.by_feature.most_common(4))
            bits.append(f"{self.isa_violation_count} instruction(s) above {self.isa_name} ({feats})")
        if self.imports.missing:
            names = ", ".join(f"{d}!{n}" for d, n in self.imports.missing[:3])
            more = "..." if len(self.imports.missing) > 3 else ""
            bits.append(f"{len(self.imports.missing)} import(s) missing ({names}{more})")
        if self.pe_violations:
            bits.append("PE: " + ", ".join(c.name for c in self.pe_violations))
        if self.imports.stubs:
            bits.append(f"{len(self.imports.stubs)} stub import(s) (warning: "
                        + ", ".join(f"{d}!{n}" for d, n, _ in self.imports.stubs[:3])
                        + ("..." if len(self.imports.stubs) > 3 else "") + ")")
        if bits:
            parts.append("; ".join(bits))
        parts.append(f"{st.instructions} instructions in {st.bytes_decoded} bytes, "
                     f"{self.imports.count} imports, {self.warnings} warning(s)")
        return f"{self.path}: " + " - ".join(parts)

    def format_text(self, verbose: bool = False, examples: int = 3) -> str:
        st = self.isa.stats
        L: list[str] = []
        L.append(f"llama98 audit of {self.path}")
        L.append(f"  file    {self.kind}, {self.size} bytes, sha256 {self.sha256}")
        L.append(f"  target  {self.target}: {self.target_description}")
        L.append(f"          ISA ceiling {self.isa_name}; API floor Windows {self.api_floor}")
        L.append(f"  symbols {self.symbol_source}")
        L.append("")
        if self.pe:
            L.append("PE header")
            quiet_ok = []
            for c in self.pe:
                if c.status == "ok" and not verbose and c.name not in ("subsystem version", "OS version",
                                                                         "subsystem", "entry point"):
                    quiet_ok.append(c.message)
                    continue
                tag = {"ok": "ok  ", "violation": "FAIL", "warning": "warn"}[c.status]
                L.append(f"  {tag}  {c.message}")
            if quiet_ok:
                L.append("  ok    " + ", ".join(quiet_ok))
            L.append("")
        imp = self.imports
        if imp.applicable:
            dl = ", ".join(f"{d} ({len(v)})" for d, v in imp.dlls.items()) or "none"
            L.append(f"Imports: {imp.count} function(s) from {dl}")
            L.append(f"  checked against {imp.source}")
            for d in imp.missing_dlls:
                L.append(f"  FAIL  {d}: DLL not present on the target (all its functions are missing)")
            shown = imp.missing if verbose else imp.missing[:40]
            why = ("not in that list" if imp.product_list else f"not exported by the target's DLL")
            for d, n in shown:
                tag = " (delay-loaded)" if d in imp.delay_loaded else ""
                if n.startswith("#") and d == "kernel32.dll" and imp.kernel32_ordinals:
                    L.append(f"  FAIL  {d}!{n}: imported by ordinal; Windows 9x refuses KERNEL32 "
                             f"imports by ordinal{tag}")
                elif n.startswith("#"):
                    L.append(f"  FAIL  {d}!{n}: imported by ordinal from a DLL the target lacks{tag}")
                else:
                    L.append(f"  FAIL  {d}!{n}: {why}{tag}")
            if len(shown) < len(imp.missing):
                L.append(f"  ... and {len(imp.missing) - len(shown)} more (use --verbose)")
            for d, o in imp.ordinals:
                L.append(f"  warn  {d}!#{o}: imported by ordinal, cannot be checked by name")
            if not imp.missing and not imp.ordinals:
                L.append("  ok    every imported function exists on the target")
            for d, n, why in imp.stubs:
                L.append(f"  warn  {d}!{n}: {why}")
        else:
            L.append(f"Imports: {imp.source}")
        L.append("")
        secs = ", ".join(f"{n} {b}" for n, b in st.sections) or "none"
        L.append(f"Instructions (ISA {self.isa_name}) in {secs} bytes")
        L.append(f"  decoded {st.bytes_decoded} bytes = {st.instructions} instructions; "
                 f"not decoded: {st.bytes_padding} padding, {st.bytes_data} known data, "
                 f"{st.bytes_invalid} invalid"
                 + (f", {st.bytes_shared} already decoded for another section sharing them"
                    if st.bytes_shared else ""))
        if st.unverified_segments:
            L.append(f"  {st.unverified_segments} of {st.segments} stretches held invalid opcodes "
                     "(data in code or lost sync): hits within 32 bytes of one are warnings, not violations")
        if self.isa_violation_count:
            L.append(f"  {self.isa_violation_count} instruction(s) need features outside the ceiling:")
            for feat, n in self.isa.by_feature.most_common():
                L.append(f"    {feat:<24} {n}")
            L.append(f"  by function ({len(self.isa.by_function)}):")
            per_fn: dict[str, list[IsaFinding]] = {}
            for f in self.isa_violations:
                per_fn.setdefault(f.function, []).append(f)
            fns = self.isa.by_function.most_common()
            if not verbose:
                fns = fns[:25]
            for fn, n in fns:
                L.append(f"    {fn}  {n}")
                items = per_fn.get(fn, [])
                for f in (items if verbose else items[:examples]):
                    L.append("      " + _line(f))
            if len(fns) < len(self.isa.by_function):
                L.append(f"    ... and {len(self.isa.by_function) - len(fns)} more functions (use --verbose)")
            notes = {f.note for f in self.isa_violations if f.note}
            for n in sorted(notes):
                L.append(f"  note: {n}")
        else:
            L.append(f"  ok    every decoded instruction is within {self.isa_name}")
        if self.isa.mmx_functions:
            L.append("  MMX instructions in: " + ", ".join(
                f"{fn} ({n})" for fn, n in sorted(self.isa.mmx_functions.items())))
        warns = [f for f in self.isa.findings if f.severity == "warning"]
        if warns:
            L.append(f"  {len(warns)} unverified hit(s) (warning):")
            for f in (warns if verbose else warns[:examples * 2]):
                L.append("    " + _line(f))
        if self.isa.notes:
            groups: dict[str, list[IsaFinding]] = {}
            for f in self.isa.notes:
                groups.setdefault(f.note, []).append(f)
            for note, items in groups.items():
                L.append(f"  note: {len(items)} x {note}")
                for f in (items if verbose else items[:2]):
                    L.append("    " + _line(f))
        if self.isa.data_ranges and verbose:
            for a, b, what in self.isa.data_ranges:
                L.append(f"  data  {a:#010x}..{b:#010x} {what} (not decoded)")
        L.append("")
        L.append(self.verdict)
        return "\n".join(L) + "\n"

    def as_dict(self) -> dict:
        return {
            "file": self.path, "sha256": self.sha256, "size": self.size, "format": self.kind,
            "target": self.target, "isa": self.isa_name, "api_floor": self.api_floor,
            "symbols": self.symbol_source,
            "ok": self.ok, "verdict": self.verdict, "violations": self.violations, "warnings": self.warnings,
            "pe": [c.as_dict() for c in self.pe],
            "imports": self.imports.as_dict(),
            "isa_stats": self.isa.stats.as_dict(),
            "isa_by_feature": dict(self.isa.by_feature.most_common()),
            "isa_by_function": dict(self.isa.by_function.most_common()),
            "isa_mmx_functions": dict(sorted(self.isa.mmx_functions.items())),
            "findings": self.findings,
            "notes": [f.as_dict() for f in self.isa.notes],
            "data_ranges": [{"start": f"{a:#010x}", "end": f"{b:#010x}", "what": w}
                            for a, b, w in self.isa.data_ranges],
            "seconds": round(self.seconds, 3),
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.as_dict(), indent=indent)


def _line(f: IsaFinding) -> str:
    return f"{f.where:<32} {f.address:#010x}  {f.instruction:<34} {f.feature}"
