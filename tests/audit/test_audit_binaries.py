"""The audit on real EXEs built by conftest.py: clean ones pass, each kind of violation fails."""

from __future__ import annotations

import json
import time

import pytest

from toolchain.audit import AuditReport, audit_file
from toolchain.targets import load_target


def isa_names(rep: AuditReport) -> set[str]:
    return {f.function for f in rep.isa_violations}


def isa_text(rep: AuditReport) -> str:
    return "\n".join(f"{f.function} {f.instruction} {f.feature}" for f in rep.isa_violations)


def test_clean_exe_passes(exes):
    rep = audit_file(exes["clean"], "win98-p2")
    assert rep.ok, rep.format_text()
    assert rep.violations == 0 and rep.warnings == 0
    assert rep.verdict == "PASS"
    assert rep.kind == "PE32"
    assert len(rep.sha256) == 64
    st = rep.isa.stats
    assert st.instructions > 10 and st.bytes_invalid == 0
    assert st.bytes_decoded + st.bytes_padding + st.bytes_data + st.bytes_invalid == st.bytes_total
    assert sorted(rep.imports.dlls["kernel32.dll"]) == ["ExitProcess", "GetStdHandle", "WriteFile"]
    text = rep.format_text()
    assert text.rstrip().endswith("PASS")
    assert rep.sha256 in text and "win98-p2" in text
    assert "PASS" in rep.summary()


@pytest.mark.parametrize("target", ["win95-486", "win98-p6"])
def test_clean_exe_passes_other_targets(exes, target):
    rep = audit_file(exes["clean"], target)
    assert rep.ok, rep.format_text()


def test_target_object_accepted(exes):
    rep = audit_file(exes["clean"], load_target("win98-p2"))
    assert rep.ok and rep.target == "win98-p2"


def test_cmov_fails_and_names_function(exes):
    rep = audit_file(exes["cmov"], "win98-p2")
    assert not rep.ok
    assert rep.isa.by_feature["CMOV"] >= 1
    assert "imin" in isa_names(rep)
    f = next(f for f in rep.isa_violations if f.function == "imin")
    assert f.instruction.startswith("cmov") and f.feature == "CMOV"
    text = rep.format_text()
    assert "imin+0x" in text and "cmov" in text
    assert text.rstrip().endswith(f"FAIL ({rep.violations} violations)") or rep.violations == 1


def test_cmov_allowed_on_p6(exes):
    rep = audit_file(exes["cmov"], "win98-p6")
    assert rep.ok, rep.format_text()


def test_sse_fails(exes):
    rep = audit_file(exes["sse"], "win98-p2")
    assert not rep.ok
    assert "fscale" in isa_names(rep)
    assert any(f.startswith("SSE") for f in rep.isa.by_feature), rep.isa.by_feature
    assert any("xmm" in f.instruction for f in rep.isa_violations)
    # SSE is not in the P6 ceiling either
    assert not audit_file(exes["sse"], "win98-p6").ok


def test_fcomi_from_compiler_fails(exes):
    rep = audit_file(exes["fcomi"], "win98-p2")
    assert not rep.ok
    hits = [f for f in rep.isa_violations if f.function == "dless"]
    assert any("comi" in f.instruction for f in hits), isa_text(rep)
    assert all(f.feature == "FCOMI/FCMOV (CPUID CMOV)" for f in hits)
    assert "FCOMI" in rep.format_text()   # the explanation line
    assert audit_file(exes["fcomi"], "win98-p6").ok


def test_fcomi_inline_asm_fails(exes):
    rep = audit_file(exes["fcomi_asm"], "win98-p2")
    assert [f.instruction.split()[0] for f in rep.isa_violations] == ["fcomi"], isa_text(rep)
    assert rep.isa_violations[0].function == "asm_fcomi"


def test_jump_table_in_code_is_data(exes):
    """A jmp [index*4 + table] names its table: the sweep counts the entries as data."""
    rep = audit_file(exes["jumptable"], "win95-486")
    tables = [(a, b) for a, b, what in rep.isa.data_ranges if what == "jump table"]
    assert len(tables) == 1 and tables[0][1] - tables[0][0] == 16, rep.isa.data_ranges
    assert rep.isa.stats.bytes_data >= 16 and rep.ok, isa_text(rep)


def test_missing_import_fails(exes):
    rep = audit_file(exes["tick64"], "win98-p2")
    assert not rep.ok
    assert rep.imports.missing == [("kernel32.dll", "GetTickCount64")]
    assert rep.isa_violation_count == 0 and not rep.pe_violations
    assert "kernel32.dll!GetTickCount64" in rep.format_text()
    assert "GetTickCount64" in rep.summary()


def test_ordinal_import_is_a_warning(exes):
    rep = audit_file(exes["ord_crt"], "win98-p2")
    assert rep.imports.ordinals == [("msvcrt.dll", 500)]
    assert rep.ok and rep.warnings == 1, rep.format_text()
    assert "msvcrt.dll!#500: imported by ordinal" in rep.format_text()


def test_kernel32_ordinal_import_fails(exes):
    rep = audit_file(exes["ord_k32"], "win98-p2")
    assert ("kernel32.dll", "#300") in rep.imports.missing
    assert not rep.ok
    assert "refuses KERNEL32 imports by ordinal" in rep.format_text()


def test_subsystem_5_fails(exes):
    rep = audit_file(exes["sub5"], "win98-p2")
    assert not rep.ok
    names = [c.name for c in rep.pe_violations]
    assert "subsystem version" in names
    assert "subsystem version 5.0" in rep.format_text()


def test_p5_instructions_pass_on_p5_fail_on_486(exes):
    assert audit_file(exes["p5insns"], "win98-p2").ok
    rep = audit_file(exes["p5insns"], "win95-486")
    assert not rep.ok
    assert {"CPUID", "TSC", "CX8"} <= set(rep.isa.by_feature), rep.isa.by_feature
    mnemonics = {f.instruction.split()[-2] if f.instruction.startswith("lock") else f.instruction.split()[0]
                 for f in rep.isa_violations}
    assert {"cpuid", "rdtsc", "cmpxchg8b"} <= mnemonics, isa_text(rep)
    assert isa_names(rep) == {"p5_features"}


def test_endbr32_is_ud_on_p5_but_nop_on_p6(exes):
    rep = audit_file(exes["endbr"], "win98-p2")
    assert not rep.ok
    [f] = rep.isa_violations
    assert f.instruction == "endbr32" and "MULTIBYTENOP" in f.feature and f.function == "marked"
    rep6 = audit_file(exes["endbr"], "win98-p6")
    assert rep6.ok
    assert [n.instruction for n in rep6.isa.notes] == ["endbr32"]


def test_tzcnt_is_a_note_not_a_violation(exes):
    rep = audit_file(exes["tzcnt"], "win98-p2")
    assert rep.ok, rep.format_text()
    assert any(n.instruction.startswith("tzcnt") and n.function == "ctz" for n in rep.isa.notes)
    text = rep.format_text()
    assert "executes as bsf" in text


def test_garbage_in_text_is_unverified_not_violation(exes):
    rep = audit_file(exes["garbage"], "win98-p2")
    assert rep.isa.stats.bytes_invalid >= 4
    assert rep.isa.stats.unverified_segments >= 1
    assert rep.ok, rep.format_text()
    warn = [f for f in rep.isa.findings if f.severity == "warning"]
    assert warn and warn[0].function == "blob" and "xmm" in warn[0].instruction
    assert rep.warnings >= 1


def test_stock_mingw_hello_fails_in_runtime_functions(exes):
    rep = audit_file(exes["hello"], "win98-p2")
    assert not rep.ok
    assert rep.symbol_source == "COFF symbol table"
    fns = isa_names(rep)
    # the MinGW runtime is built for i686: CMOV in its printf and startup code
    assert {"__mingw_pformat", "__tmainCRTStartup", "__gdtoa"} <= fns, sorted(fns)
    assert "main" not in fns
    assert rep.isa.by_feature["CMOV"] > 10
    # MinGW's TLS callbacks never run on Windows 9x
    tls = [c for c in rep.pe_violations if c.name == "TLS callbacks"]
    assert tls and "__dyn_tls_init" in tls[0].message
    # the constructor/destructor lists at the end of .text are data, not code
    assert rep.isa.stats.bytes_data >= 16 and rep.isa.stats.bytes_invalid == 0
    text = rep.format_text()
    assert "__mingw_pformat+0x" in text
    assert "FAIL (" in text.splitlines()[-1]


def test_stripped_hello_falls_back_to_section_then_map(exes):
    rep = audit_file(exes["hello_stripped"], "win98-p2")
    assert rep.symbol_source == "none"
    assert isa_names(rep) == {".text"}
    rep2 = audit_file(exes["hello_stripped"], "win98-p2", map_path=exes["hello_map"])
    assert rep2.symbol_source.startswith("map file")
    assert "__gdtoa" in isa_names(rep2) and "__mingw_pformat" in isa_names(rep2)
    assert rep2.isa_violation_count == rep.isa_violation_count


def test_json_round_trip(exes):
    rep = audit_file(exes["cmov"], "win98-p2")
    data = json.loads(rep.to_json())
    assert data["ok"] is False and data["target"] == "win98-p2"
    assert data["sha256"] == rep.sha256
    assert data["isa_by_feature"]["CMOV"] >= 1
    assert any(f["function"] == "imin" for f in data["findings"]["isa"])
    assert data["isa_stats"]["instructions"] == rep.isa.stats.instructions


def test_speed_on_a_large_text(mingw, tmp_path):
    """A ~170 KB .text (varied integer, x87 and MMX code) must audit in a few seconds."""
    import subprocess
    body = "\\n\\t".join([
        "addl %eax, %ebx", "imull $37, %ecx, %edx", "movl 8(%esp,%esi,4), %edi", "leal 3(%eax,%ebx,2), %ecx",
        "shrl $3, %edx", "testl %edx, %edx", "jne 1f", "fldl 16(%esp)", "fmulp %st, %st(1)", "1:",
        "movq (%eax), %mm0", "paddw %mm1, %mm0", "movd %mm0, %ecx", "xorl %ecx, %eax", "call 2f", "2:",
        "popl %ecx", "cmpxchgl %ecx, (%edx)", "bswap %eax", "nop"])
    src = ('__asm__(".text\\n\\t.globl _bulk\\n_bulk:\\n\\t.rept 4000\\n\\t' + body
           + '\\n\\t.endr\\n\\tret\\n");\nvoid start(void) {}\n')
    (tmp_path / "big.c").write_text(src)
    subprocess.run(["i686-w64-mingw32-gcc", "-std=c89", "-O2", "-march=pentium-mmx",
                    "-nostdlib", "-nostartfiles", "-Wl,-e,_start", "big.c", "-o", "big.exe"],
                   cwd=tmp_path, check=True)
    t0 = time.perf_counter()
    rep = audit_file(tmp_path / "big.exe", "win98-p2")
    dt = time.perf_counter() - t0
    assert rep.isa.stats.bytes_total > 150_000, rep.isa.stats
    assert rep.isa.stats.instructions > 70_000
    assert rep.ok, rep.summary()
    assert dt < 5, f"audit took {dt:.2f}s"


@pytest.mark.wine
@pytest.mark.slow
def test_clean_exe_really_runs(exes, tmp_path_factory):
    """The fixture EXE that passes the audit is a working program (32-bit Wine)."""
    import os
    import shutil
    import subprocess
    if shutil.which("wine") is None:
        pytest.skip("wine not on PATH: cannot run the clean EXE")
    env = dict(os.environ, WINEDEBUG="-all", WINEPREFIX=str(tmp_path_factory.mktemp("wineprefix")))
    try:
        r = subprocess.run(["wine", str(exes["clean"])], capture_output=True, env=env, timeout=240)
    except subprocess.TimeoutExpired:
        pytest.skip("wine did not finish within 240 s")
    assert r.returncode == 0, r.stderr[-500:]
    assert b"hello from win98" in r.stdout
