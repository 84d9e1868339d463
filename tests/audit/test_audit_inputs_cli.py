"""Unreadable inputs, export lists, ELF32 and the ``llama98 audit`` command line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from toolchain.audit import AuditInputError, audit_file
from toolchain.diag import ToolchainError


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "toolchain.cli", "audit", *map(str, args)],
                          capture_output=True, text=True)


# -- unreadable input: ToolchainError(exit_code=2), one clear line, no traceback ------------


@pytest.mark.parametrize("content, words", [
    (b"", "empty file"),
    (b"hello, world\n", "not a PE32 or ELF32 file"),
    (b"MZ" + bytes(100), "not a PE32 or ELF32 file"),
    (b"\x7fELF\x02\x01\x01" + bytes(60), "64-bit"),
])
def test_not_an_executable(tmp_path, content, words):
    p = tmp_path / "x.exe"
    p.write_bytes(content)
    with pytest.raises(ToolchainError) as ei:
        audit_file(p, "win98-p2")
    assert ei.value.exit_code == 2
    assert isinstance(ei.value, AuditInputError)
    assert words in ei.value.message and str(p) in ei.value.message


def test_missing_file(tmp_path):
    with pytest.raises(ToolchainError) as ei:
        audit_file(tmp_path / "nope.exe", "win98-p2")
    assert ei.value.exit_code == 2 and "no such file" in ei.value.message


@pytest.mark.parametrize("keep", [64, 300, 700, 1500])
def test_truncated_pe(exes, tmp_path, keep):
    p = tmp_path / "trunc.exe"
    p.write_bytes(exes["clean"].read_bytes()[:keep])
    with pytest.raises(ToolchainError) as ei:
        audit_file(p, "win98-p2")
    assert ei.value.exit_code == 2
    r = run_cli(p)
    assert r.returncode == 2
    assert r.stderr.startswith(f"{p}: error: ")
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) <= 2


def test_unknown_target(exes):
    with pytest.raises(ToolchainError) as ei:
        audit_file(exes["clean"], "win31-386")
    assert ei.value.exit_code == 2


# -- only regular files are read: no hang on a FIFO, no memory exhausted by a device -------------


def run_cli_bounded(*args: str) -> subprocess.CompletedProcess:
    """run_cli, but a hang fails the test instead of hanging the suite."""
    return subprocess.run([sys.executable, "-m", "toolchain.cli", "audit", *map(str, args)],
                          capture_output=True, text=True, timeout=60)


def _special_files(tmp_path) -> dict:
    fifo = tmp_path / "pipe.exe"
    os.mkfifo(fifo)
    zero = tmp_path / "zero.exe"
    zero.symlink_to("/dev/zero")
    folder = tmp_path / "folder.exe"
    folder.mkdir()
    return {"FIFO": (fifo, "FIFO (named pipe)"), "link to /dev/zero": (zero, "character device"),
            "directory": (folder, "directory")}


@pytest.mark.parametrize("kind", ["FIFO", "link to /dev/zero", "directory"])
def test_not_a_regular_file(tmp_path, kind):
    path, words = _special_files(tmp_path)[kind]
    r = run_cli_bounded(path)
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip() == f"{path}: error: is a {words}, not a regular file: cannot read executable"


@pytest.mark.parametrize("kind", ["FIFO", "link to /dev/zero", "directory"])
def test_exports_and_map_must_be_regular_files(exes, tmp_path, kind):
    path, words = _special_files(tmp_path)[kind]
    for option in ("--exports", "--map"):
        r = run_cli_bounded(exes["clean"], option, path)
        assert r.returncode == 2, (option, r.stderr)
        assert words in r.stderr and "not a regular file" in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def test_too_large_executable(tmp_path):
    big = tmp_path / "big.exe"
    with open(big, "wb") as f:          # sparse: nothing is written, nothing is read
        f.write(b"MZ")
        f.truncate(300 << 20)
    r = run_cli_bounded(big)
    assert r.returncode == 2 and "too large" in r.stderr and len(r.stderr.strip().splitlines()) == 1


# -- export lists ----------------------------------------------------------------------------


def test_exports_one_name_per_line(exes, tmp_path):
    good = tmp_path / "k32.txt"
    good.write_text("GetStdHandle\nWriteFile\nExitProcess\n")
    rep = audit_file(exes["clean"], "win98-p2", exports_path=good)
    assert rep.ok, rep.format_text()
    assert str(good) in rep.imports.source
    short = tmp_path / "short.txt"
    short.write_text("; no WriteFile here\nGetStdHandle\nExitProcess\n")
    rep = audit_file(exes["clean"], "win98-p2", exports_path=short)
    assert rep.imports.missing == [("kernel32.dll", "WriteFile")]
    assert not rep.ok


def test_exports_win98se_info(exes, shared_api):
    info = shared_api / "win98se.info"
    if not info.exists():
        pytest.skip(f"{info} not present")
    assert audit_file(exes["clean"], "win98-p2", exports_path=info).ok
    rep = audit_file(exes["tick64"], "win98-p2", exports_path=info)
    assert rep.imports.missing == [("kernel32.dll", "GetTickCount64")]
    # the stock runtime's imports all exist on 98 SE: only CPU and TLS findings remain
    rep = audit_file(exes["hello"], "win98-p2", exports_path=info)
    assert not rep.imports.missing and not rep.ok


def test_exports_win95_kernel32_list(exes, shared_api):
    lst = shared_api / "win95osr2_kernel32.txt"
    if not lst.exists():
        pytest.skip(f"{lst} not present")
    assert audit_file(exes["clean"], "win95-486", exports_path=lst).ok


def test_dll_absent_from_list_misses_every_function(exes, tmp_path):
    info = tmp_path / "only_user32.info"
    info.write_text("user32.dll\tMessageBoxA\n")
    rep = audit_file(exes["clean"], "win98-p2", exports_path=info)
    assert rep.imports.missing_dlls == ["kernel32.dll"]
    assert sorted(n for _, n in rep.imports.missing) == ["ExitProcess", "GetStdHandle", "WriteFile"]
    assert "DLL not present" in rep.format_text()


def test_unreadable_exports_file(exes, tmp_path):
    with pytest.raises(ToolchainError) as ei:
        audit_file(exes["clean"], "win98-p2", exports_path=tmp_path / "none.info")
    assert ei.value.exit_code == 2


@pytest.mark.parametrize("content, words", [
    (None, "export list too large"),                     # 100 MB (sparse)
    ("random", "not an export list"),                    # 64 KiB of random bytes
    (b"kernel32.dll\tGetTickCount\n\x00\x01\x02", "binary file"),
    (b"GetTickCount\n\xe9t\xe9\n", "not an export list"),
    (b"kernel32.dll\tGet Tick Count\n", "not an export list"),
])
def test_absurd_exports_file(exes, tmp_path, content, words):
    bad = tmp_path / "bad.info"
    if content is None:
        with open(bad, "wb") as f:
            f.truncate(100 << 20)
    else:
        bad.write_bytes(os.urandom(64 << 10) if content == "random" else content)
    with pytest.raises(ToolchainError) as ei:
        audit_file(exes["clean"], "win98-p2", exports_path=bad)
    assert ei.value.exit_code == 2 and words in ei.value.message
    r = run_cli_bounded(exes["clean"], "--exports", bad)
    assert r.returncode == 2 and words in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert r.stderr.startswith(str(bad))


def test_exports_file_with_entrypointexamer_notes(exes, tmp_path):
    info = tmp_path / "notes.info"
    info.write_text("; EPX 1.0\r\nkernel32.dll\tGetStdHandle\r\nkernel32.dll\tWriteFile\r\n"
                    "kernel32.dll\tExitProcess\r\nmmdevldr.vxd\tUNKNOWN FORMAT\r\n"
                    "empty.dll\tNO EXPORTS\r\nmissing.dll\tNOT FOUND\r\n")
    assert audit_file(exes["clean"], "win98-p2", exports_path=info).ok


def test_map_file_missing_or_empty(exes, tmp_path):
    with pytest.raises(ToolchainError) as ei:
        audit_file(exes["clean"], "win98-p2", map_path=tmp_path / "none.map")
    assert ei.value.exit_code == 2
    empty = tmp_path / "empty.map"
    empty.write_text("nothing here\n")
    with pytest.raises(ToolchainError) as ei:
        audit_file(exes["clean"], "win98-p2", map_path=empty)
    assert ei.value.exit_code == 2


# -- ELF32 (native Linux builds) ---------------------------------------------------------------


@pytest.fixture(scope="module")
def elf_builds(tmp_path_factory):
    if shutil.which("gcc") is None:
        pytest.skip("gcc not on PATH")
    d = tmp_path_factory.mktemp("elf")
    (d / "m.c").write_text("__attribute__((noinline)) int imin(int a, int b) { return a < b ? a : b; }\n"
                           "int main(int argc, char **argv) { return imin(argc, argv[0][0]); }\n")
    out = {}
    for name, march in (("p5", "pentium-mmx"), ("p6", "i686")):
        r = subprocess.run(["gcc", "-m32", "-O2", f"-march={march}", "-fcf-protection=none", "m.c",
                            "-o", name], cwd=d, capture_output=True, text=True)
        if r.returncode:
            pytest.skip(f"gcc -m32 cannot build an i386 ELF here: {r.stderr.strip()[:200]}")
        out[name] = d / name
    return out


def test_elf32_is_decoded_with_symbols(elf_builds):
    rep = audit_file(elf_builds["p6"], "win98-p2")
    assert rep.kind == "ELF32" and rep.symbol_source == ".symtab"
    assert not rep.imports.applicable and rep.pe == []
    assert "imin" in {f.function for f in rep.isa_violations}
    assert rep.isa.by_feature["CMOV"] >= 1
    assert audit_file(elf_builds["p6"], "win98-p6").isa.by_function.get("imin", 0) == 0


def test_elf32_p5_user_code_is_clean(elf_builds):
    rep = audit_file(elf_builds["p5"], "win98-p2")
    # Debian's crtbegin.o may carry endbr32 (GCC built with CET): only startup code may be flagged
    user = {"imin", "main"}
    assert not user & set(rep.isa.by_function), rep.format_text()
    assert rep.isa.stats.bytes_invalid == 0


# -- the command line ----------------------------------------------------------------------------


def test_cli_exit_codes(exes, tmp_path):
    r = run_cli(exes["clean"], "--target", "win98-p2")
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.rstrip().endswith("PASS")
    r = run_cli(exes["cmov"])
    assert r.returncode == 1
    assert "imin+0x" in r.stdout and r.stdout.rstrip().endswith(")")
    r = run_cli(exes["cmov"], "--target", "win98-p6")
    assert r.returncode == 0
    bad = tmp_path / "notes.txt"
    bad.write_text("not a program\n")
    r = run_cli(bad)
    assert r.returncode == 2
    assert r.stderr.strip() == f"{bad}: error: not a PE32 or ELF32 file (starts with 6e 6f 74 20)"
    r = run_cli(tmp_path / "missing.exe")
    assert r.returncode == 2 and "no such file" in r.stderr and "Traceback" not in r.stderr
    r = run_cli(exes["clean"], "--exports", tmp_path / "missing.info")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    r = run_cli(exes["clean"], "--target", "nope")
    assert r.returncode == 2 and "unknown target" in r.stderr


def test_cli_json_and_report(exes, tmp_path):
    r = run_cli(exes["hello"], "--json", "--report", tmp_path / "r.txt")
    assert r.returncode == 1
    data = json.loads(r.stdout)
    assert data["ok"] is False and data["violations"] > 0
    assert "__mingw_pformat" in data["isa_by_function"]
    text = (tmp_path / "r.txt").read_text()
    assert text.startswith("llama98 audit of") and data["sha256"] in text
    r = run_cli(exes["clean"], "--report", tmp_path / "r.json", "-q")
    assert r.returncode == 0 and r.stdout.count("\n") == 1 and "PASS" in r.stdout
    assert json.loads((tmp_path / "r.json").read_text())["ok"] is True


def test_cli_exports_and_map(exes, tmp_path, shared_api):
    names = tmp_path / "names.txt"
    names.write_text("GetStdHandle\nWriteFile\nExitProcess\nGetTickCount\n")
    assert run_cli(exes["clean"], "--exports", names).returncode == 0
    r = run_cli(exes["tick64"], "--exports", names)
    assert r.returncode == 1 and "kernel32.dll!GetTickCount64" in r.stdout
    r = run_cli(exes["hello_stripped"], "--map", exes["hello_map"], "-v")
    assert r.returncode == 1 and "__mingw_pformat+0x" in r.stdout


def test_segmented_publics_map(exes, tmp_path):
    """MS link / TLINK32 / wlink style maps: 'SSSS:OOOOOOOO name', section 1 = .text."""
    rep = audit_file(exes["cmov"], "win98-p2")
    f = next(f for f in rep.isa_violations if f.function == "imin")
    start = f.address - f.offset - 0x401000
    m = tmp_path / "link.map"
    m.write_text(" Start         Length     Name                   Class\n"
                 " 0001:00000000 00000080H _TEXT                  CODE\n\n"
                 "  Address         Publics by Value\n\n"
                 f" 0001:{start:08X}       pick_smaller\n")
    rep2 = audit_file(exes["cmov"], "win98-p2", map_path=m)
    assert {g.function for g in rep2.isa_violations} == {"pick_smaller"}
    assert rep2.isa_violations[0].offset == f.offset
