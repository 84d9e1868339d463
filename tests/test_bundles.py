"""Source bundles for Borland C++ 5.02 and Open Watcom (docker/ and the workflow: test_docker.py).

`llama98 build --compiler borland` (always) and `--compiler openwatcom --bundle-only` write
dist/<target>-<compiler>/: the ported sources under 8.3 names, a makefile, BUILD.BAT and
README.TXT, all DOS text. The bundles are checked by what they contain and by compiling
their sources with gcc and tcc while pretending to be the bundle's compiler (the macros
its driver declares, toolchain/compilers/), which takes c89compat.h's branch for that
compiler. The real Open Watcom build is tests/test_openwatcom.py.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support import ROOT, need_tool
from toolchain.build import ENGINE_HEADERS, ENGINE_SOURCES
from toolchain.compilers import get_driver
from toolchain.compilers.base import dos_names
from toolchain.targets import load_target

REFERENCE_START = b"Once upon a time, there was a little girl named Lily."
# the ported program and every engine file the build ships (engine_c89/runtime.toml),
# under the 8.3 names the bundle gives them
_NAMES = dos_names(["run.c", *ENGINE_SOURCES, *ENGINE_HEADERS])
SOURCES = [_NAMES[n] for n in ["run.c", *ENGINE_SOURCES]]
HEADERS = [_NAMES[n] for n in ENGINE_HEADERS]


def predefined(which: str) -> list[str]:
    """-D flags for what the bundle's compiler predefines (its driver says) for win98-p2."""
    return ["-D" + m for m in get_driver(which).predefined_macros(load_target("win98-p2"))]


# The shims a Linux compiler needs to read the code that only that compiler would see:
#   __int64    Borland/Watcom/MSVC keyword; on LP64 Linux "long" has its 64 bits, and
#              C89COMPT.H's size checks (negative array sizes) prove the width.
#              ("long long" would break gcc -std=c89 -pedantic-errors.)
#   __stdcall  a Win32 calling-convention keyword tcc (x86-64) does not know; gcc defines
#              __GNUC__ (which glibc's headers need, so it cannot be undefined) and takes
#              C89TIMER.C's __attribute__((stdcall)) spelling instead, which it ignores
#              on x86-64 with a warning.
SHIMS = ["-D__int64=long"]
# the 64-bit printf length modifier each runtime knows
PRI64 = {"borland": '"L"', "openwatcom": '"I64"'}


def llama98(*args, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "toolchain.cli", *map(str, args)],
                          capture_output=True, text=True, env=env, cwd=ROOT)


def without_watcom(env: dict) -> dict:
    """The environment with no trace of an Open Watcom install."""
    env = dict(env)
    env.pop("WATCOM", None)
    env["PATH"] = os.pathsep.join(d for d in env.get("PATH", "").split(os.pathsep)
                                  if d and not (Path(d) / "wcl386").exists())
    return env


# names that keep their conventional spelling (as in the MinGW dist)
NOT_83 = {"build.sh"}


def is_83(name: str) -> bool:
    return re.fullmatch(r"[A-Z0-9_]{1,8}(\.[A-Z0-9_]{1,3})?", name) is not None


def is_crlf(data: bytes) -> bool:
    return b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")


@pytest.fixture(scope="session")
def bundle_env(pytestconfig) -> dict:
    env = dict(os.environ)
    # the cache tests/conftest.py's llamac2py fixture fills: the offline run.c
    env["LLAMA98_CACHE"] = str(pytestconfig.cache.mkdir("llama98-llamac2py"))
    return env


@pytest.fixture(scope="session")
def borland_build(tmp_path_factory, bundle_env, llamac2py_run_c):
    out = tmp_path_factory.mktemp("borland")
    proc = llama98("build", "--offline", "--compiler", "borland", "--dist", out / "dist",
                   "--build-dir", out / "build", env=bundle_env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out, proc.stdout


@pytest.fixture(scope="session")
def watcom_bundle(tmp_path_factory, bundle_env, shared_models, llamac2py_run_c):
    """The Open Watcom bundle (with the model), made on a machine without Open Watcom."""
    out = tmp_path_factory.mktemp("owbundle")
    proc = llama98("build", "--offline", "--compiler", "openwatcom", "--bundle-only",
                   "--model", shared_models / "stories260K_mha.bin",
                   "--tokenizer", shared_models / "tok512.bin",
                   "--dist", out / "dist", "--build-dir", out / "build",
                   env=without_watcom(bundle_env))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out, proc.stdout


def bundle_dir(request, which: str) -> Path:
    return request.getfixturevalue({"borland": "borland_build",
                                    "openwatcom": "watcom_bundle"}[which])[0] / "dist"


# ---------------------------------------------------------------- helpers, drivers


def test_dos_names_are_unique_83_names():
    from toolchain.compilers.base import dos_names
    names = dos_names(["run.c", "l98load.c", "c89compat.h", "c89compatible.h", "c89compat.c",
                       "x.tar.gz", "Makefile"])
    assert names["run.c"] == "RUN.C"
    assert names["c89compat.h"] == "C89COMPT.H"
    assert names["c89compat.c"] == "C89COMPT.C"
    assert len(set(names.values())) == len(names)
    assert all(is_83(n) for n in names.values()), names


def test_rewrite_includes_follows_the_renames():
    from toolchain.compilers.base import rewrite_includes
    text = '#include <stdio.h>\n#include "c89compat.h"\n  #  include "l98load.h"\n' \
           '#include "other.h"\nputs("#include \\"c89compat.h\\"");\n'
    out = rewrite_includes(text, {"c89compat.h": "C89COMPT.H", "l98load.h": "L98LOAD.H"})
    assert '#include "C89COMPT.H"' in out
    assert '  #  include "L98LOAD.H"' in out
    assert '#include "other.h"' in out and "#include <stdio.h>" in out
    assert 'puts("#include \\"c89compat.h\\"");' in out     # only preprocessor lines change


def test_drivers_are_registered():
    from toolchain.compilers import DRIVERS, bundle_drivers
    from toolchain.diag import ToolchainError
    assert set(DRIVERS) == {"mingw", "openwatcom", "borland"}
    assert get_driver("mingw").compiles() and get_driver("openwatcom").compiles()
    assert not get_driver("borland").compiles()
    assert bundle_drivers() == ["openwatcom", "borland"]
    with pytest.raises(ToolchainError) as err:
        get_driver("turboc")
    assert "borland" in err.value.hint and "openwatcom" in err.value.hint


# ---------------------------------------------------------------- Borland bundle


def test_borland_bundle_layout(borland_build):
    out, stdout = borland_build
    dist = out / "dist"
    names = sorted(p.name for p in dist.iterdir())
    assert names == sorted(SOURCES + HEADERS + ["MAKEFILE", "BUILD.BAT", "README.TXT",
                                                "SHA256.TXT", "LICENSE.TXT"])
    assert all(is_83(n) for n in names if n not in NOT_83), names
    assert "source bundle" in stdout and "nothing" in stdout
    assert not (dist / "LLAMA98.EXE").exists() and not (dist / "L98CRT.C").exists()
    # no staging folder left next to it
    assert sorted(p.name for p in dist.parent.iterdir()) == ["build", "dist"]
    for line in (dist / "SHA256.TXT").read_text().splitlines():
        digest, name = line.split("  ")
        assert hashlib.sha256((dist / name).read_bytes()).hexdigest() == digest


@pytest.mark.parametrize("which", ["borland", "openwatcom"])
def test_bundle_text_is_dos_text_with_83_includes(request, which):
    dist = bundle_dir(request, which)
    lf_only = {"MAKEFILE", "build.sh"} if which == "openwatcom" else set()
    for path in dist.iterdir():
        if path.suffix in (".BIN",):
            continue
        data = path.read_bytes()
        if path.name in lf_only:
            assert b"\r" not in data, f"{path.name} must keep LF line ends"
        else:
            assert is_crlf(data), f"{path.name} is not CRLF"
    for name in SOURCES + HEADERS:
        text = (dist / name).read_text("utf-8")
        for inc in re.findall(r'#\s*include\s*"([^"]+)"', text):
            assert (dist / inc).is_file(), f"{name} includes {inc}, which is not in the bundle"
            assert is_83(inc)
    run_c = (dist / "RUN.C").read_text("utf-8")
    assert '#include "C89COMPT.H"' in run_c and '#include "L98LOAD.H"' in run_c
    assert "c89compat.h\"" not in run_c


def test_borland_makefile_and_build_bat(borland_build):
    dist = borland_build[0] / "dist"
    mk = (dist / "MAKEFILE").read_text()
    assert re.search(r"^CFLAGS = .*-5 ", mk, re.M)
    for flag in ("-tWC", "-O2", "-ff-"):
        assert flag in mk
    assert "bcc32" in mk and "-eLLAMA98.EXE" in mk and "!if $d(BCROOT)" in mk
    for src in SOURCES:
        obj = src[:-2] + ".OBJ"
        assert re.search(rf"^{re.escape(obj)}: {re.escape(src)}", mk, re.M), obj
        assert f"-c $(CFLAGS) $(INCS) {src}" in mk
    assert "RUN.OBJ: RUN.C C89COMPT.H L98FLOAT.H L98LOAD.H" in mk
    bat = (dist / "BUILD.BAT").read_text()
    check_win98_batch(bat)
    assert "BCC32 >" in bat and 'FIND "Borland"' in bat and "MAKE -fMAKEFILE" in bat
    assert "not found" in bat
    readme = (dist / "README.TXT").read_text()
    assert "BINARY" in readme and "BUILD" in readme and "C89COMPT.H" in readme
    for name in SOURCES + HEADERS + ["MAKEFILE", "BUILD.BAT"]:
        assert name in readme


def check_win98_batch(bat: str) -> None:
    """What COMMAND.COM of Windows 98 runs: no cmd.exe extensions, short lines."""
    commands = "\n".join(line for line in bat.lower().splitlines()
                         if not line.startswith(("rem ", "echo ", "echo.")))
    for nt_only in ("%~", "setlocal", "endlocal", "if /i", "if defined", "if exist \"", "goto :eof",
                    "::", "where ", "%errorlevel%", "(", "&&", "||", "call :"):
        assert nt_only not in commands, f"BUILD.BAT uses {nt_only!r}, which COMMAND.COM lacks"
    assert bat.startswith("@ECHO OFF")
    for line in bat.splitlines():
        assert len(line) < 128, f"line longer than COMMAND.COM allows: {line}"
    labels = set(re.findall(r"^:(\w+)", bat, re.M))
    for target in re.findall(r"GOTO (\w+)", bat):
        assert target in labels, f"GOTO {target} has no label"


# ---------------------------------------------------------------- Open Watcom bundle


def test_watcom_bundle_says_nothing_was_compiled(watcom_bundle):
    out, stdout = watcom_bundle
    assert "--bundle-only: nothing is compiled" in stdout and "nothing was compiled" in stdout
    dist = out / "dist"
    names = sorted(p.name for p in dist.iterdir())
    assert names == sorted(SOURCES + HEADERS + ["MAKEFILE", "BUILD.BAT", "build.sh",
                                                "README.TXT", "SHA256.TXT", "MODEL.BIN",
                                                "TOKENIZE.BIN", "RUN.BAT", "LICENSE.TXT"])
    assert all(is_83(n) for n in names if n not in NOT_83), names
    assert "MODEL.BIN" in (dist / "RUN.BAT").read_text()
    readme = (dist / "README.TXT").read_text()
    assert "RUN" in readme and "--compiler openwatcom --bundle-only" in readme


def test_watcom_makefile_build_bat_and_script(watcom_bundle):
    dist = watcom_bundle[0] / "dist"
    mk = (dist / "MAKEFILE").read_text()
    assert re.search(r"^CC = wcc386$", mk, re.M)
    for flag in ("-bt=nt", "-5r", "-fp5", "-ox", "-fpi87"):
        assert flag in mk
    assert "system nt" in mk and "name LLAMA98.EXE" in mk
    # Windows 98's PE limits (targets.toml), not wlink's default OS version 1.11
    assert "runtime console=4.0" in mk and "option osversion=4.0" in mk
    assert "$(%WATCOM)/h/nt" in mk and "$(%WATCOM)\\h\\nt" in mk     # Linux and Windows hosts
    for src in SOURCES:
        obj = src[:-2] + ".OBJ"
        assert f"-fo={obj} {src}" in mk
    # the engine is a library: only what the program calls is linked, as with MinGW
    engine = " +".join(src[:-2] + ".OBJ" for src in SOURCES[1:])
    assert f"wlib -q -b -n L98ENGIN.LIB +{engine}" in mk
    assert "file RUN.OBJ library L98ENGIN.LIB" in mk
    bat = (dist / "BUILD.BAT").read_text()
    check_win98_batch(bat)
    assert "WMAKE -h -f MAKEFILE" in bat and '"%WATCOM%"==""' in bat
    script = dist / "build.sh"
    assert os.access(script, os.X_OK)
    assert script.read_text().startswith("#!/bin/sh\n")
    subprocess.run(["sh", "-n", str(script)], check=True)
    # without Open Watcom the script stops with a clear message
    env = without_watcom(dict(os.environ))
    proc = subprocess.run(["sh", str(script)], capture_output=True, text=True, env=env)
    assert proc.returncode == 1 and "set WATCOM" in proc.stderr


# ---------------------------------------------------------------- the sources, compiled


@pytest.mark.parametrize("which", ["borland", "openwatcom"])
def test_compat_branch_for_the_bundle_compiler(request, which, tmp_path):
    """C89COMPT.H, read as that compiler would: __int64 types and its printf modifier."""
    need_tool("gcc")
    dist = bundle_dir(request, which)
    probe = tmp_path / "probe.c"
    probe.write_text('#include "C89COMPT.H"\nconst char *fmt = C89_PRId64;\n')
    proc = subprocess.run(["gcc", "-std=c89", "-E", "-P", *predefined(which), f"-I{dist}",
                           str(probe)], capture_output=True, text=True, check=True)
    text = proc.stdout
    assert "typedef __int64 c89_int64_t;" in text                  # that compiler's spelling
    assert "typedef unsigned __int64 c89_uint64_t;" in text
    assert "long long" not in text                                 # not gcc's branch
    assert f"fmt = {PRI64[which]} \"d\"" in text


@pytest.mark.parametrize("compiler", ["gcc", "tcc"])
@pytest.mark.parametrize("which", ["borland", "openwatcom"])
def test_bundle_sources_compile_as_that_compiler(request, which, compiler, tmp_path):
    need_tool(compiler)
    dist = bundle_dir(request, which)
    if compiler == "gcc":
        # the bundle's .C names would make gcc read C++: -x c
        cmd = ["gcc", "-std=c89", "-pedantic-errors", "-Wall", "-Werror", "-Wno-unknown-pragmas",
               "-Wno-attributes", "-x", "c"]
    else:
        cmd = ["tcc", "-Wall", "-Werror", "-D__stdcall=", "-xc"]
    for src in SOURCES:
        proc = subprocess.run([*cmd, *predefined(which), *SHIMS, f"-I{dist}", "-c",
                               str(dist / src), "-o", str(tmp_path / (src + ".o"))],
                              capture_output=True, text=True)
        assert proc.returncode == 0, f"{compiler} {src}:\n{proc.stderr}"


def test_borland_branch_program_runs_natively(borland_build, shared_models, tmp_path):
    """The bundle's sources, linked natively with Borland's 64-bit types (no _WIN32: the
    Win32 timer needs KERNEL32), print the reference story: renames and includes hold."""
    need_tool("gcc")
    dist = borland_build[0] / "dist"
    exe = tmp_path / "llama_bc"
    borland = [d for d in predefined("borland") if d.startswith("-D__BORLANDC__=")]
    proc = subprocess.run(["gcc", "-std=c89", "-O2", "-w", "-x", "c", *borland,
                           *SHIMS, f"-I{dist}", *[str(dist / s) for s in SOURCES],
                           "-x", "none", "-o", str(exe), "-lm"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    shutil.copy(shared_models / "tok512.bin", tmp_path / "TOKENIZE.BIN")
    run = subprocess.run([str(exe), str(shared_models / "stories260K_mha.bin"), "0.0", "200"],
                         cwd=tmp_path, capture_output=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert REFERENCE_START in run.stdout
