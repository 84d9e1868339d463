"""Compiler facts in one place: each driver class declares its predefined macros and its
flags for every ISA ceiling; c89port --target, the build's port step and the bundle tests
read them from the drivers. Where the compiler runs here, the facts are checked against it
(MinGW-w64 below; Open Watcom in tests/test_openwatcom.py)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import tomllib
from importlib import resources

import pytest

from support import ROOT, need_tool
from toolchain.compilers import DRIVERS, get_driver
from toolchain.compilers.facts import (DEFAULT_COMPILER, DEFAULT_TARGET, OTHER_PORT_TARGETS,
                                       port_targets)
from toolchain.diag import ToolchainError
from toolchain.targets import load_target, target_names

ISAS = sorted(tomllib.loads(resources.files("toolchain").joinpath("data/targets.toml")
                            .read_text("utf-8"))["isa"])
TARGETS = target_names()


def test_targets_name_known_isa_ceilings():
    assert {load_target(t).isa for t in TARGETS} <= set(ISAS)


@pytest.mark.parametrize("name", sorted(DRIVERS))
def test_every_driver_maps_every_isa_ceiling(name):
    """A ceiling added to targets.toml fails here until every driver says what to do."""
    driver = get_driver(name)
    assert sorted(driver.isa) == ISAS, f"{name}: isa table {sorted(driver.isa)} != {ISAS}"
    for isa, codegen in driver.isa.items():
        assert codegen.flags, f"{name}: no flags for {isa}"
    assert driver.predefined and driver.title
    for macro in driver.predefined_macros(load_target(DEFAULT_TARGET)):
        assert not macro.startswith(("__STDC__", "__STDC_VERSION__")), macro


@pytest.mark.parametrize("name", sorted(DRIVERS))
def test_an_unmapped_ceiling_is_an_error_not_a_guess(name):
    driver = get_driver(name)
    odd = dataclasses.replace(load_target("win98-p2"), isa="i786-sse9")
    with pytest.raises(ToolchainError) as err:
        driver.codegen(odd)
    assert "i786-sse9" in str(err.value) and name in str(err.value)
    with pytest.raises(ToolchainError):
        driver.predefined_macros(odd)


def test_flag_tables_follow_the_target():
    p2, i486, p6 = (load_target(t) for t in ("win98-p2", "win95-486", "win98-p6"))
    borland, watcom, mingw = (get_driver(n) for n in ("borland", "openwatcom", "mingw"))
    assert {"-5", "-O2", "-tWC"} <= set(borland.flags(p2))
    assert "-4" in borland.flags(i486) and "-5" not in borland.flags(i486)
    assert {"-bt=nt", "-5r", "-fp5", "-ox"} <= set(watcom.flags(p2))
    assert {"-4r", "-fp3"} <= set(watcom.flags(i486))
    assert {"-6r", "-fp6"} <= set(watcom.flags(p6))
    cflags, ldflags = mingw.flags(p2)
    assert {"-march=pentium-mmx", "-mtune=pentium2"} <= set(cflags)
    assert "-march=i486" in mingw.flags(i486)[0]
    assert "-march=pentium2" in mingw.flags(p6)[0]
    assert "-Wl,--major-os-version,4" in ldflags
    assert watcom.link_flags(p2)[:3] == ["system nt", "runtime console=4.0",
                                         "option osversion=4.0"]
    # the macros follow the flags
    assert "_M_IX86=400" in watcom.predefined_macros(i486)
    assert "_M_IX86=500" in borland.predefined_macros(p2)
    assert "__i486__" in mingw.predefined_macros(i486)


# ---------------------------------------------------------------- c89port --target


def test_c89port_targets_come_from_the_drivers():
    targets = port_targets()
    default = get_driver(DEFAULT_COMPILER)
    for name in TARGETS:
        assert targets[name]["defines"] == default.predefined_macros(load_target(name))
    for name in DRIVERS:
        assert targets[name]["defines"] == \
            get_driver(name).predefined_macros(load_target(DEFAULT_TARGET))
    assert "watcom" not in targets         # one name per compiler: the driver's
    assert {"msvc6", "linux"} <= set(targets)


def test_c89port_targets_toml_holds_only_compilers_without_a_driver():
    with open(OTHER_PORT_TARGETS, "rb") as f:
        names = set(tomllib.load(f)["target"])
    assert names and not names & (set(DRIVERS) | set(TARGETS)), names


def test_c89port_target_takes_the_driver_macros(tmp_path):
    src = tmp_path / "w.c"
    src.write_text("#if defined(__WATCOMC__) && _M_IX86 >= 500\n"
                   "int f(void) { for (int i = 0; i < 2; i++) ; return 0; }\n#endif\n")

    def check(target: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "toolchain.c89.cli", str(src), "--check",
                               "--target", target], capture_output=True, text=True, cwd=ROOT)

    assert check("openwatcom").returncode == 1          # Watcom's branch is seen: to port
    proc = check("mingw")
    assert proc.returncode == 0 and "c89-inactive" in proc.stderr


# ---------------------------------------------------------------- the real compiler


def gcc_macros(cmd: list[str]) -> dict[str, str]:
    proc = subprocess.run([*cmd, "-dM", "-E", "-x", "c", "-"], input="", capture_output=True,
                          text=True, check=True)
    out = {}
    for line in proc.stdout.splitlines():
        _, name, value = (line.split(None, 2) + [""])[:3]
        out[name] = value
    return out


@pytest.mark.parametrize("target", TARGETS)
def test_mingw_macros_are_what_gcc_predefines(target):
    gcc = need_tool("i686-w64-mingw32-gcc")
    t = load_target(target)
    driver = get_driver("mingw")
    real = gcc_macros([gcc, *driver.flags(t)[0]])
    for macro in driver.predefined_macros(t):
        name, _, value = macro.partition("=")
        assert name in real, f"{name} is not predefined by {gcc} for {target}"
        assert real[name] == (value or "1"), f"{name}: {real[name]} != {value or '1'}"


# ---------------------------------------------------------------- the build's port step


def test_build_ports_with_the_compiler_macros(tmp_path, pytestconfig, llamac2py_run_c):
    """A C99 loop only Borland's preprocessor sees: the build ports it for the Borland
    bundle (its macros), so RUN.C has it in C89; MinGW's port leaves it with a warning."""
    source = tmp_path / "run.c"
    source.write_text(llamac2py_run_c.read_text() +
                      "\n#if defined(__BORLANDC__) && defined(__CONSOLE__)\n"
                      "int l98_probe(void) { int n = 0; for (int i = 0; i < 2; i++) n += i; "
                      "return n; }\n#endif\n")
    proc = subprocess.run([sys.executable, "-m", "toolchain.cli", "build", "--compiler",
                           "borland", "--source", source, "--dist", tmp_path / "dist",
                           "--build-dir", tmp_path / "build"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    run_c = (tmp_path / "dist" / "RUN.C").read_text()
    probe = run_c[run_c.index("int l98_probe"):]
    assert "for (int" not in probe and "int i;" in probe, probe
