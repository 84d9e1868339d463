"""The product's own Win9x API list is checked against exports captured on real machines."""

from __future__ import annotations

import pytest

from toolchain import winapi
from toolchain.diag import ToolchainError

from support import SHARED

API = SHARED / "win9x-api"


@pytest.fixture(scope="module")
def win98se():
    path = API / "win98se.info"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    return winapi.load_export_file(path)


def _floor(name: str) -> set[str]:
    path = API / name
    if not path.is_file():
        pytest.skip(f"{path} not found")
    return {line.split()[0] for line in path.read_text("latin-1").splitlines() if line.strip()}


def test_every_listed_function_exists_on_windows_98_se(win98se):
    missing = [f"{e.dll}!{e.name}" for e in winapi.product_api()
               if not winapi.is_exported(win98se, e.dll, e.name)]
    assert missing == []


def test_since_95_entries_exist_on_windows_95_osr2():
    floors = {"kernel32.dll": _floor("win95osr2_kernel32.txt"),
              "msvcrt.dll": _floor("win95osr2_msvcrt.txt")}
    wrong = [f"{e.dll}!{e.name}" for e in winapi.product_api()
             if e.since == "95" and e.name not in floors[e.dll]]
    assert wrong == []


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


def test_stdcall_entries_carry_their_argument_bytes():
    entries = {e.name: e for e in winapi.product_api()}
    assert entries["GetTickCount"].stdcall_bytes == 0
    assert entries["WriteFile"].stdcall_bytes == 20
    assert entries["printf"].stdcall_bytes is None
    assert entries["_iob"].kind == "data"


def test_export_file_formats(tmp_path, win98se):
    assert "GetTickCount" in win98se["kernel32.dll"]
    assert "GetTickCount64" not in win98se["kernel32.dll"]
    plain = tmp_path / "names.txt"
    plain.write_text("GetTickCount\n_iob DATA\n\n# comment\n")
    exports = winapi.load_export_file(plain)
    assert winapi.is_exported(exports, "KERNEL32.dll", "GetTickCount")
    assert winapi.is_exported(exports, "msvcrt.dll", "_iob")
    assert not winapi.is_exported(exports, "kernel32.dll", "Sleep")


def test_bad_export_files(tmp_path):
    with pytest.raises(ToolchainError) as err:
        winapi.load_export_file(tmp_path / "absent.info")
    assert err.value.exit_code == 2
    empty = tmp_path / "empty.txt"
    empty.write_text("; nothing\n")
    with pytest.raises(ToolchainError):
        winapi.load_export_file(empty)
