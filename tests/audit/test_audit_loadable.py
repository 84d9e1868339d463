"""Loadability: the audit proves the image can be mapped and started, not only its code.

Every malformed image is the clean MinGW-built EXE of conftest.py with one header
field patched (or sections added); under Wine the first three do not load at all.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import (CC, DLLTOOL, KERNEL32_DEF, PRELUDE, PRODUCT_CFLAGS, WIN98_LINK, PeFile,
                      with_extra_sections)
from toolchain.audit import audit_file


def _import_rva(pe: PeFile) -> PeFile:
    return pe.put(pe.directory(1), 0x7FFFFFF0)


def _text_vsize(pe: PeFile) -> PeFile:
    return pe.put(pe.section(b".text") + PeFile.VSIZE, 0xFFFFFFFF)


def _text_no_raw(pe: PeFile) -> PeFile:
    return pe.put(pe.section(b".text") + PeFile.RAW_SIZE, 0)


def _entry_outside(pe: PeFile) -> PeFile:
    return pe.put(pe.opt + 16, 0x7FFF0000)


def _dll_name_garbage(pe: PeFile) -> PeFile:
    desc = pe.rva_to_offset(pe.get(pe.directory(1)))
    name = pe.rva_to_offset(pe.get(desc + 12))
    pe.raw[name:name + 4] = b"\x01\x02\xfe\xff"
    return pe


def _lookup_table_outside(pe: PeFile) -> PeFile:
    desc = pe.rva_to_offset(pe.get(pe.directory(1)))
    return pe.put(desc, 0x7FFF0000)          # OriginalFirstThunk


def _export_outside(pe: PeFile) -> PeFile:
    return pe.put(pe.directory(0), 0x7FFF0000).put(pe.directory(0) + 4, 40)


def _tls_outside(pe: PeFile) -> PeFile:
    return pe.put(pe.directory(9), 0x7FFF0000).put(pe.directory(9) + 4, 24)


def _rdata_unaligned(pe: PeFile) -> PeFile:
    h = pe.section(b".rdata")
    return pe.put(h + PeFile.RVA, pe.get(h + PeFile.RVA) + 0x10)


# name -> (patch, the failing check, words of its message)
MALFORMED = {
    "import RVA 0x7FFFFFF0": (_import_rva, "import directory", "0x7ffffff0 is outside every section"),
    ".text VirtualSize 0xFFFFFFFF": (_text_vsize, "section layout", "beyond SizeOfImage"),
    ".text SizeOfRawData 0": (_text_no_raw, "entry point", "no bytes in the file"),
    "entry point outside": (_entry_outside, "entry point", "not inside an executable section"),
    "DLL name not text": (_dll_name_garbage, "import directory", "not printable ASCII"),
    "lookup table outside": (_lookup_table_outside, "import directory", "runs outside its section"),
    "export directory outside": (_export_outside, "export directory", "outside every section"),
    "TLS directory outside": (_tls_outside, "TLS directory", "outside every section"),
    ".rdata not aligned": (_rdata_unaligned, "section layout", "not a multiple of SectionAlignment"),
}


@pytest.fixture(scope="module")
def malformed(exes, tmp_path_factory) -> dict:
    d = tmp_path_factory.mktemp("malformed")
    out = {}
    for k, (patch, _check, _words) in enumerate(MALFORMED.values()):
        p = d / f"bad{k}.exe"
        p.write_bytes(bytes(patch(PeFile(exes["clean"].read_bytes())).raw))
        out[list(MALFORMED)[k]] = p
    return out


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_image_fails_the_audit(malformed, case):
    _patch, check, words = MALFORMED[case]
    rep = audit_file(malformed[case], "win98-p2")
    assert not rep.ok
    failing = {c.name: c.message for c in rep.pe_violations}
    assert check in failing, rep.format_text()
    assert words in failing[check]
    text = rep.format_text()
    assert f"FAIL  {failing[check]}" in text and text.rstrip().split("\n")[-1].startswith("FAIL")
    assert json.loads(rep.to_json())["ok"] is False


@pytest.mark.parametrize("case", ["import RVA 0x7FFFFFF0", ".text SizeOfRawData 0"])
def test_malformed_image_cli_exit_1(malformed, case):
    r = subprocess.run([sys.executable, "-m", "toolchain.cli", "audit", str(malformed[case]), "-q"],
                       capture_output=True, text=True)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    assert MALFORMED[case][1] in r.stdout


def test_clean_exe_is_loadable(exes):
    rep = audit_file(exes["clean"], "win98-p2")
    names = {c.name: c for c in rep.pe}
    for check in ("section count", "section layout", "entry point", "import directory"):
        assert names[check].status == "ok", names[check]
    assert names["import directory"].message == "3 imports readable"
    assert "start" in names["entry point"].message


def test_97_sections_are_too_many(exes, tmp_path):
    p = tmp_path / "s97.exe"
    raw = exes["clean"].read_bytes()
    p.write_bytes(with_extra_sections(raw, 97 - PeFile(raw).nsec))
    rep = audit_file(p, "win98-p2")
    msg = {c.name: c.message for c in rep.pe_violations}["section count"]
    assert "97 sections; the Windows loader maps at most 96" in msg


def test_1000_sections_sharing_code_are_decoded_once(exes, tmp_path):
    """Raw bytes several sections share are decoded once: the work is the file's, not
    sections x bytes (a 1000-section EXE used to take minutes)."""
    p = tmp_path / "s1000.exe"
    p.write_bytes(with_extra_sections(exes["clean"].read_bytes(), 1000))
    clean = audit_file(exes["clean"], "win98-p2").isa.stats
    rep = audit_file(p, "win98-p2")
    st = rep.isa.stats
    text_size = dict(clean.sections)[".text"]
    assert st.instructions == clean.instructions
    assert st.bytes_decoded == clean.bytes_decoded
    assert st.bytes_shared == 1000 * text_size
    assert st.bytes_total == st.bytes_decoded + st.bytes_padding + st.bytes_data + st.bytes_invalid \
        + st.bytes_shared
    assert "section count" in {c.name for c in rep.pe_violations}


def test_sections_sharing_raw_data_are_allowed(exes, tmp_path):
    """Sharing raw data is not itself a fault: 3 more sections on .text's bytes still pass."""
    p = tmp_path / "s3.exe"
    p.write_bytes(with_extra_sections(exes["clean"].read_bytes(), 3))
    rep = audit_file(p, "win98-p2")
    assert rep.ok, rep.format_text()
    assert rep.isa.stats.bytes_shared == 3 * dict(rep.isa.stats.sections)[".text"]


@pytest.mark.wine
@pytest.mark.slow
@pytest.mark.parametrize("case", ["import RVA 0x7FFFFFF0", ".text VirtualSize 0xFFFFFFFF",
                                  ".text SizeOfRawData 0", "shares .text (loads)"])
def test_wine_agrees(exes, malformed, wine_env, tmp_path, case):
    """What the audit rejects does not load under Wine; what it passes runs."""
    if case == "shares .text (loads)":
        exe = tmp_path / "s3.exe"
        exe.write_bytes(with_extra_sections(exes["clean"].read_bytes(), 3))
    else:
        exe = malformed[case]
    ok = audit_file(exe, "win98-p2").ok
    try:
        r = subprocess.run(["wine", str(exe)], capture_output=True, env=wine_env, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.skip("wine did not finish within 120 s")
    ran = r.returncode == 0 and b"hello from win98" in r.stdout
    assert ran == ok, (case, r.returncode, r.stdout[-300:], r.stderr[-300:])


def test_delay_loaded_imports_are_read(mingw, tmp_path):
    """A delay-load import table (dlltool -y) is read by the audit's own parser: its DLL is
    listed, marked delay-loaded, and checked like the others. GNU ld leaves data directory 13
    empty, so it is pointed at the descriptor here."""
    d = tmp_path
    (d / "u.def").write_text("LIBRARY user32.dll\nEXPORTS\nMessageBeep@4\n")
    (d / "k.def").write_text(KERNEL32_DEF)
    subprocess.run([DLLTOOL, "-k", "-d", "u.def", "-y", "libudelay.a"], cwd=d, check=True)
    subprocess.run([DLLTOOL, "-k", "-d", "k.def", "-l", "libk32.a"], cwd=d, check=True)
    (d / "dl.c").write_text(PRELUDE + """\
int __stdcall MessageBeep(unsigned int);
void *__stdcall __delayLoadHelper2(const void *desc, void **slot) { (void)desc; return *slot; }
void start(void) { say("x\\r\\n", 3); if (GetStdHandle(1) == (HANDLE)5) MessageBeep(0); ExitProcess(0); }
""")
    subprocess.run([CC, *PRODUCT_CFLAGS, "dl.c", "-o", "dl.exe", *WIN98_LINK, "-L.", "-ludelay", "-lk32"],
                   cwd=d, check=True)
    nm = subprocess.run([CC.replace("gcc", "nm"), "dl.exe"], cwd=d, capture_output=True, text=True).stdout
    desc = int(next(line.split()[0] for line in nm.splitlines()
                    if line.endswith("__DELAY_IMPORT_DESCRIPTOR_libudelay_a")), 16) - 0x400000
    pe = PeFile((d / "dl.exe").read_bytes())
    pe.put(pe.directory(13), desc).put(pe.directory(13) + 4, 32)
    (d / "dl.exe").write_bytes(bytes(pe.raw))
    rep = audit_file(d / "dl.exe", "win98-p2")
    assert rep.ok, rep.format_text()
    assert rep.imports.dlls["user32.dll"] == ["MessageBeep"]
    assert rep.imports.delay_loaded == {"user32.dll"}
    assert json.loads(rep.to_json())["imports"]["delay_loaded_dlls"] == ["user32.dll"]
