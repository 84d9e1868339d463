"""The product's Win9x API list (toolchain/data/win9x_api.tsv) against independent facts:
exports captured on real Windows 98 SE and 95 OSR2 machines, MinGW-w64's import libraries
(stdcall argument bytes), Wine's MSVCRT.DLL (data or code), Microsoft's list of the Unicode
functions Windows 9x implements, and MinGW Lite's Windows 9x replacements."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from toolchain import winapi
from toolchain.diag import ToolchainError

from support import SHARED

API = SHARED / "win9x-api"
DLLS = ["kernel32.dll", "user32.dll", "advapi32.dll", "msvcrt.dll"]
MINGW_LIB = Path("/usr/i686-w64-mingw32/lib")
WINE_DLLS = Path("/usr/lib/i386-linux-gnu/wine/i386-windows")

# The Unicode functions Windows 9x implements (every other W export is a stub):
# Microsoft KB Q210341 and Richter 1999 (95 and 98); MSDN Magazine 2001-10, Figure 1
# (lstrcatW, lstrcpyW from 98 on); IsBadStringPtrW has its own code in 95 OSR2.
IMPLEMENTED_W = {"EnumResourceLanguagesW", "EnumResourceNamesW", "EnumResourceTypesW",
                 "FindResourceW", "FindResourceExW", "GetCommandLineW", "lstrlenW",
                 "IsBadStringPtrW", "MessageBoxW", "MessageBoxExW"}
IMPLEMENTED_W_FROM_98 = {"lstrcatW", "lstrcpyW"}

# Imported by a real Open Watcom v2 console program (issue 10) and missing before.
OPEN_WATCOM_NEEDS = [("user32.dll", "CharUpperA")] + [("kernel32.dll", n) for n in (
    "CreateEventA", "GetCPInfo", "GetCommandLineW", "GetFileType", "GetModuleFileNameW",
    "ReadConsoleInputA", "SetEnvironmentVariableA", "SetStdHandle", "UnhandledExceptionFilter",
    "VirtualQuery")]


@pytest.fixture(scope="module")
def win98se():
    path = API / "win98se.info"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    return winapi.load_export_file(path)


def _osr2(dll: str) -> dict[str, bool]:
    """name -> marked DATA, from the Windows 95 OSR2 list of ``dll``."""
    path = API / f"win95osr2_{dll.split('.')[0]}.txt"
    if not path.is_file():
        pytest.skip(f"{path} not found: the 'since 95' rows of {dll} cannot be checked")
    out = {}
    for line in path.read_text("latin-1").splitlines():
        words = line.split()
        if words:
            out[words[0]] = "DATA" in words[1:]
    return out


def _rows(dll: str) -> list[winapi.ApiEntry]:
    return [e for e in winapi.product_api() if e.dll == dll]


def _mingw_decorations(dll: str) -> dict[str, str]:
    """name -> 'stdcall@N' or 'cdecl' as MinGW-w64's i686 import library declares it."""
    lib = MINGW_LIB / f"lib{dll.split('.')[0]}.a"
    nm = shutil.which("i686-w64-mingw32-nm")
    if nm is None or not lib.is_file():
        pytest.skip(f"MinGW-w64 i686 import library {lib} (or nm) not installed")
    out = subprocess.run([nm, str(lib)], capture_output=True, text=True).stdout
    kinds: dict[str, str] = {}
    for sym in re.findall(r" I __imp__(\S+)$", out, re.M):
        m = re.fullmatch(r"(.*)@(\d+)", sym)
        kinds.setdefault(m.group(1) if m else sym, f"stdcall@{m.group(2)}" if m else "cdecl")
    return kinds


# -- existence: every row is a real export; 'since' is exact --------------------------------


def test_every_listed_function_exists_on_windows_98_se(win98se):
    missing = [f"{e.dll}!{e.name}" for e in winapi.product_api()
               if not winapi.is_exported(win98se, e.dll, e.name)]
    assert missing == []


@pytest.mark.parametrize("dll", DLLS)
def test_since_matches_windows_95_osr2(dll):
    floor = _osr2(dll)
    wrong = [f"{e.name} (since {e.since})" for e in _rows(dll) if (e.since == "95") != (e.name in floor)]
    assert wrong == []


@pytest.mark.parametrize("dll", DLLS)
def test_list_is_complete(win98se, dll):
    """Every export of the DLL on Windows 98 SE that the Win32 SDK declares is a row; left
    out are only Windows 9x internals, MSVCRT's C++ names and ordinal-only exports."""
    declared = _mingw_decorations(dll)
    listed = {e.name for e in _rows(dll)}
    missing = sorted(n for n in win98se[dll] - listed
                     if n in declared and not n.isdigit() and not n.startswith(("?", "$")))
    assert missing == []
    assert len(listed) > {"kernel32.dll": 600, "user32.dll": 600, "advapi32.dll": 300,
                          "msvcrt.dll": 700}[dll]


def test_open_watcom_imports_are_listed():
    for floor in ("95", "98"):
        exports = winapi.product_exports(floor)
        assert [f"{d}!{n}" for d, n in OPEN_WATCOM_NEEDS if n not in exports.get(d, ())] == []


def test_list_has_what_the_build_needs():
    names = winapi.product_exports("98")
    for dll, fn in [("msvcrt.dll", "__getmainargs"), ("msvcrt.dll", "_iob"),
                    ("msvcrt.dll", "exp"), ("kernel32.dll", "QueryPerformanceCounter"),
                    ("kernel32.dll", "GetTickCount")]:
        assert fn in names[dll]
    # Functions Windows 98 lacks must never be in the list.
    assert "GetTickCount64" not in names["kernel32.dll"]
    assert "sqrtf" not in names["msvcrt.dll"]
    assert "__iob_func" not in names["msvcrt.dll"]
    assert "IsDebuggerPresent" in names["kernel32.dll"]
    assert "IsDebuggerPresent" not in winapi.product_exports("95")["kernel32.dll"]


# -- kinds ------------------------------------------------------------------------------------


@pytest.mark.parametrize("dll", ["kernel32.dll", "user32.dll", "advapi32.dll"])
def test_kinds_match_the_sdk(dll):
    declared = _mingw_decorations(dll)
    wrong = [f"{e.name}: {e.kind}, SDK {declared.get(e.name)}" for e in _rows(dll)
             if declared.get(e.name) != e.kind]
    assert wrong == []


def test_msvcrt_data_exports():
    """Data: what the OSR2 list marks DATA, what has a __p_<name> accessor, what Wine's
    MSVCRT.DLL keeps outside its code; functions are cdecl."""
    rows = {e.name: e.kind for e in _rows("msvcrt.dll")}
    assert set(rows.values()) == {"cdecl", "data"}
    osr2 = _osr2("msvcrt.dll")
    data = {n for n, k in rows.items() if k == "data"}
    assert {n for n, is_data in osr2.items() if is_data and n in rows} <= data
    accessors = {n for n in rows if "__p_" + n in rows}
    wine = WINE_DLLS / "msvcrt.dll"
    if not wine.is_file():
        pytest.skip(f"{wine} not installed")
    import pefile
    pe = pefile.PE(str(wine), fast_load=True)
    pe.parse_data_directories(directories=[pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_EXPORT"]])
    wine_data = set()
    edir = pe.OPTIONAL_HEADER.DATA_DIRECTORY[0]
    for s in pe.DIRECTORY_ENTRY_EXPORT.symbols:
        if edir.VirtualAddress <= s.address < edir.VirtualAddress + edir.Size:
            continue                      # a forwarder to another DLL
        sec = pe.get_section_by_rva(s.address) if s.name else None
        if sec is not None and not sec.Characteristics & 0x20000000:
            wine_data.add(s.name.decode())
    explained = {n for n, is_data in osr2.items() if is_data} | accessors | wine_data
    assert sorted(data - explained) == []
    assert sorted((wine_data & set(rows)) - data) == []


def test_stdcall_entries_carry_their_argument_bytes():
    entries = {(e.dll, e.name): e for e in winapi.product_api()}
    assert entries["kernel32.dll", "GetTickCount"].stdcall_bytes == 0
    assert entries["kernel32.dll", "WriteFile"].stdcall_bytes == 20
    assert entries["user32.dll", "CharUpperA"].stdcall_bytes == 4
    assert entries["msvcrt.dll", "printf"].stdcall_bytes is None
    assert entries["msvcrt.dll", "_iob"].kind == "data"


# -- stubs ---------------------------------------------------------------------------------------


def test_unicode_stubs_follow_microsofts_list():
    """Every W function is a stub but the few Windows 9x implements (MSVCRT's wide functions
    are its own code, not stubs)."""
    wrong = []
    for e in winapi.product_api():
        is_w = e.dll != "msvcrt.dll" and e.name.endswith("W")
        want = ("-" if not is_w or e.name in IMPLEMENTED_W else
                "stub95" if e.name in IMPLEMENTED_W_FROM_98 else "stub")
        if e.win9x not in ("limited",) and e.win9x != want:
            wrong.append(f"{e.dll}!{e.name}: {e.win9x}, expected {want}")
        if e.win9x in ("stub", "stub95") and e.source != "unicode":
            wrong.append(f"{e.dll}!{e.name}: source {e.source}")
    assert wrong == []
    assert winapi.lookup("kernel32.dll", "GetModuleFileNameW").win9x == "stub"
    assert winapi.lookup("kernel32.dll", "GetCommandLineW").win9x == "-"


def test_mingw_lite_replacements():
    """MinGW Lite's thunk levels: "4.0" replaces the function on every Windows 9x (a stub or
    limited there); "3.9999+4.10" supplies it where Windows 95 lacks it (from 98 on). The
    "a/" thunks are its UTF-8 code page layer over ANSI functions, not a Windows 9x gap."""
    path = API / "mingw_lite_win98_thunks.tsv"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    wrong = []
    for line in path.read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        dll, level, name = line.split("\t")
        e = winapi.lookup(dll + ".dll", name)
        if e is None:
            continue                      # crypt32: not a DLL of the list
        if level.split("/")[-1] == "4.0":
            if e.win9x not in ("limited", "stub"):
                wrong.append(f"{name}: {e.win9x}")
        elif not level.startswith("a/") and (e.since != "98" or e.win9x == "limited"):
            wrong.append(f"{name}: since {e.since}, {e.win9x}")
    assert wrong == []
    limited = [e for e in winapi.product_api() if e.win9x == "limited"]
    assert {e.source for e in limited} == {"mingw-lite"}
    assert {"CreateThread", "TryEnterCriticalSection", "_beginthreadex"} <= {e.name for e in limited}


def test_warnings_depend_on_the_floor():
    lstrcpyw = winapi.lookup("kernel32.dll", "lstrcpyW")
    assert lstrcpyw.warns_on("95") and not lstrcpyw.warns_on("98")
    stub = winapi.lookup("kernel32.dll", "CreateFileW")
    assert stub.warns_on("95") and stub.warns_on("98")
    assert "ERROR_CALL_NOT_IMPLEMENTED" in stub.warning() and "Q210341" in stub.warning()
    assert not winapi.lookup("kernel32.dll", "CreateFileA").warns_on("98")


# -- export lists ----------------------------------------------------------------------------------


def test_export_file_formats(tmp_path, win98se):
    assert "GetTickCount" in win98se["kernel32.dll"]
    assert "GetTickCount64" not in win98se["kernel32.dll"]
    assert win98se["mmdevldr.vxd"] == set()          # "UNKNOWN FORMAT": no exports
    plain = tmp_path / "names.txt"
    plain.write_text("LIBRARY kernel32.dll\nEXPORTS\nGetTickCount@0\n_iob DATA\n\n# comment\n"
                     "GetTickCount\n")
    exports = winapi.load_export_file(plain)
    assert winapi.is_exported(exports, "KERNEL32.dll", "GetTickCount")
    assert winapi.is_exported(exports, "msvcrt.dll", "_iob")
    assert not winapi.is_exported(exports, "kernel32.dll", "Sleep")
    assert not winapi.is_exported(exports, "kernel32.dll", "LIBRARY")


def test_bad_export_files(tmp_path):
    with pytest.raises(ToolchainError) as err:
        winapi.load_export_file(tmp_path / "absent.info")
    assert err.value.exit_code == 2
    empty = tmp_path / "empty.txt"
    empty.write_text("; nothing\n")
    with pytest.raises(ToolchainError):
        winapi.load_export_file(empty)
    junk = tmp_path / "junk.info"
    junk.write_bytes(b"kernel32.dll\tGetTickCount\nkernel32.dll\tGet\x07Tick\n")
    with pytest.raises(winapi.ExportListError) as err:
        winapi.load_export_file(junk)
    assert err.value.path == f"{junk}:2" and err.value.exit_code == 2
