"""Real Open Watcom v2 EXEs (../shared/openwatcom, NT 386 target) pass the audit: every import
of its C runtime is in the Win98 API list; the Unicode stub it imports is a named warning."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from toolchain.audit import audit_file

from support import SHARED

OPENWATCOM = SHARED / "openwatcom"

# What a Watcom console program imports that the list lacked before (issue 10).
NEEDED = {"user32.dll": {"CharUpperA"},
          "kernel32.dll": {"CreateEventA", "GetCPInfo", "GetCommandLineW", "GetFileType",
                           "GetModuleFileNameW", "ReadConsoleInputA", "SetEnvironmentVariableA",
                           "SetStdHandle", "UnhandledExceptionFilter", "VirtualQuery"}}
STUB = "kernel32.dll!GetModuleFileNameW"
HELLO_LACKS = {"ReadConsoleInputA"}      # printf alone does not read the console


@pytest.fixture(scope="module")
def watcom_env() -> dict:
    wcl = OPENWATCOM / "binl64" / "wcl386"
    if not wcl.is_file():
        pytest.skip(f"Open Watcom not found at {OPENWATCOM} (wcl386 missing)")
    env = dict(os.environ, WATCOM=str(OPENWATCOM),
               PATH=f"{OPENWATCOM / 'binl64'}{os.pathsep}{os.environ.get('PATH', '')}",
               INCLUDE=f"{OPENWATCOM / 'h'}{os.pathsep}{OPENWATCOM / 'h' / 'nt'}")
    return env


@pytest.fixture(scope="module")
def watcom_hello(watcom_env, tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("watcom")
    (d / "hello.c").write_text('#include <stdio.h>\nint main(void) { printf("hello\\n"); return 0; }\n')
    r = subprocess.run(["wcl386", "-q", "-bt=nt", "-l=nt", "hello.c"], cwd=d, env=watcom_env,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    return d / "hello.exe"


def _imports(rep) -> dict[str, set[str]]:
    return {d: set(v) for d, v in rep.imports.dlls.items()}


@pytest.mark.parametrize("target", ["win98-p2", "win95-486"])
def test_watcom_hello_passes_with_a_stub_warning(watcom_hello, target):
    rep = audit_file(watcom_hello, target)
    assert rep.ok, rep.format_text()
    imports = _imports(rep)
    for dll, names in NEEDED.items():
        assert names - HELLO_LACKS <= imports[dll]
    assert [f"{d}!{n}" for d, n, _ in rep.imports.stubs] == [STUB]
    assert rep.warnings >= 1
    text = rep.format_text()
    assert f"warn  {STUB}: Windows 9x exports it only as a stub" in text
    assert "ok    OS version 1.11" in text     # wlink's default: below the 4.0 limit
    data = json.loads(rep.to_json())
    assert data["imports"]["stub_imports"][0]["function"] == "GetModuleFileNameW"
    assert {"dll": "kernel32.dll", "function": "GetModuleFileNameW", "severity": "warning"}.items() \
        <= data["findings"]["imports"][0].items()


def test_watcom_hello_cli_exit_0_with_warning(watcom_hello):
    r = subprocess.run([sys.executable, "-m", "toolchain.cli", "audit", str(watcom_hello), "-q"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "PASS" in r.stdout and STUB in r.stdout and "1 warning(s)" in r.stdout


def test_watcom_build_of_llama2c_passes_its_audit(watcom_env, pinned_run_c, shared_models, tmp_path):
    """`llama98 build --compiler openwatcom` on the pinned run.c: the EXE passes the audit."""
    r = subprocess.run([sys.executable, "-m", "toolchain.cli", "build", "--compiler", "openwatcom",
                        "--source", str(pinned_run_c), "--offline",
                        "--model", str(shared_models / "stories260K.bin"),
                        "--tokenizer", str(shared_models / "tok512.bin"),
                        "--dist", str(tmp_path / "dist"), "--build-dir", str(tmp_path / "build")],
                       cwd=tmp_path, env=watcom_env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    exe = next((tmp_path / "build").rglob("LLAMA98.EXE"))
    rep = audit_file(exe, "win98-p2")
    assert rep.ok, rep.format_text()
    imports = _imports(rep)
    for dll, names in NEEDED.items():
        assert names <= imports[dll]
    assert STUB in {f"{d}!{n}" for d, n, _ in rep.imports.stubs}
