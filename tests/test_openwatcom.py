"""Open Watcom for real: `llama98 build --compiler openwatcom` with the Open Watcom v2 in
../shared/openwatcom (NT 386 target, set up by its owsetenv.sh) compiles, passes the audit
and prints under Wine, byte for byte, what a native gcc build of the same unmodified
llama2.c prints, and what the MinGW EXE prints. Without ../shared/openwatcom these skip
with the reason; a missing Open Watcom is a one-line error unless --bundle-only is given."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from support import SHARED, need_tool
from test_bundles import llama98, without_watcom
from toolchain.compilers import get_driver
from toolchain.compilers.openwatcom import clear_timestamp
from toolchain.targets import load_target

OPENWATCOM = SHARED / "openwatcom"
REFERENCE_START = b"Once upon a time, there was a little girl named Lily."


@pytest.fixture(scope="session")
def watcom_env() -> dict:
    """The environment Open Watcom's own owsetenv.sh sets up (WATCOM, PATH, INCLUDE)."""
    setenv = OPENWATCOM / "owsetenv.sh"
    if not setenv.is_file():
        reason = f"no Open Watcom at {OPENWATCOM} (owsetenv.sh missing)"
        print("skip: " + reason)
        pytest.skip(reason)
    need_tool("bash")
    proc = subprocess.run(["bash", "-c", '. "$1" && env -0', "owsetenv", str(setenv)],
                          capture_output=True, check=True, env=without_watcom(os.environ))
    env = dict(item.split("=", 1) for item in proc.stdout.decode().split("\0") if "=" in item)
    assert Path(env["WATCOM"]) == OPENWATCOM.resolve()
    return env


@pytest.fixture(scope="session")
def build_env(watcom_env, pytestconfig) -> dict:
    env = dict(watcom_env)
    env["LLAMA98_CACHE"] = str(pytestconfig.cache.mkdir("llama98-llamac2py"))
    return env


def build(out: Path, env: dict, source: Path, models: Path, *args) -> Path:
    proc = llama98("build", "--source", source, "--model", models / "stories260K.bin",
                   "--tokenizer", models / "tok512.bin", "--dist", out / "dist",
                   "--build-dir", out / "build", *args, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out / "dist"


@pytest.fixture(scope="session", params=["win98-p2", "win95-486"])
def watcom_dist(request, tmp_path_factory, build_env, shared_models, pinned_run_c):
    target = request.param
    out = tmp_path_factory.mktemp(f"ow-{target}")
    return target, build(out, build_env, pinned_run_c, shared_models, "--compiler",
                         "openwatcom", "--target", target)


# ---------------------------------------------------------------- the facts, asked of wcc386


@pytest.mark.parametrize("target", ["win98-p2", "win95-486", "win98-p6"])
def test_predefined_macros_are_what_wcc386_defines(target, watcom_env, tmp_path):
    driver = get_driver("openwatcom")
    t = load_target(target)
    macros = driver.predefined_macros(t)
    probe = tmp_path / "probe.c"
    probe.write_text("".join(f'"{m.partition("=")[0]}" {m.partition("=")[0]}\n' for m in macros))
    proc = subprocess.run(["wcc386", *driver.flags(t), "-p", probe.name], cwd=tmp_path,
                          env=watcom_env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    seen = dict(line.split(None, 1) for line in proc.stdout.splitlines()
                if line.startswith('"'))
    for macro in macros:
        name, _, value = macro.partition("=")
        assert seen[f'"{name}"'].strip() == (value or "1"), f"{name}: wcc386 gives {seen}"


# ---------------------------------------------------------------- the EXE


def test_exe_passes_the_audit_with_windows_98_headers(watcom_dist):
    pefile = pytest.importorskip("pefile")
    target, dist = watcom_dist
    audit = (dist / "AUDIT.TXT").read_text()
    assert audit.rstrip().endswith("PASS"), audit
    assert f"ISA ceiling {load_target(target).isa}" in audit
    pe = pefile.PE(str(dist / "LLAMA98.EXE"))
    opt = pe.OPTIONAL_HEADER
    # wlink's default OS version is 1.11; the target's PE limits are written instead
    assert (opt.MajorOperatingSystemVersion, opt.MinorOperatingSystemVersion) == (4, 0)
    assert (opt.MajorSubsystemVersion, opt.MinorSubsystemVersion) == (4, 0)
    assert opt.Subsystem == 3 and pe.FILE_HEADER.TimeDateStamp == 0
    dlls = {e.dll.decode().lower() for e in pe.DIRECTORY_ENTRY_IMPORT}
    assert dlls <= {"kernel32.dll", "user32.dll"}, dlls


def test_no_p6_instruction_for_the_pentium_and_486_targets(watcom_dist):
    """Audited against the Pentium (MMX) ceiling too: no CMOV, FCOMI/FCMOV, long NOP."""
    from toolchain.audit import audit_file
    target, dist = watcom_dist
    for ceiling in {target, "win98-p2"}:
        report = audit_file(dist / "LLAMA98.EXE", ceiling)
        assert report.isa_violation_count == 0 and not report.isa.findings, \
            report.format_text()


@pytest.mark.slow
def test_two_builds_give_one_exe(watcom_dist, build_env, shared_models, pinned_run_c, tmp_path):
    target, dist = watcom_dist
    again = build(tmp_path, build_env, pinned_run_c, shared_models, "--compiler", "openwatcom",
                  "--target", target)
    assert (again / "LLAMA98.EXE").read_bytes() == (dist / "LLAMA98.EXE").read_bytes()


def test_the_bundle_builds_the_same_exe(watcom_dist, build_env, pinned_run_c, tmp_path):
    """--bundle-only's bundle (DOS text), built by its own build.sh: llama98's EXE."""
    target, dist = watcom_dist
    proc = llama98("build", "--source", pinned_run_c, "--compiler", "openwatcom", "--target",
                   target, "--bundle-only", "--dist", tmp_path / "dist", "--build-dir",
                   tmp_path / "build", env=build_env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not (tmp_path / "build" / "watcom").exists()        # nothing compiled
    proc = subprocess.run(["sh", "build.sh"], cwd=tmp_path / "dist", env=build_env,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    exe = tmp_path / "dist" / "LLAMA98.EXE"
    clear_timestamp(exe)               # the one thing llama98 does after wlink
    assert exe.read_bytes() == (dist / "LLAMA98.EXE").read_bytes()


def without_speed(out: bytes) -> bytes:
    return b"".join(line for line in out.splitlines(keepends=True)
                    if b"achieved tok/s" not in line)


@pytest.fixture(scope="session")
def native_run(tmp_path_factory, pinned_run_c, shared_models):
    """The unmodified source built natively: its output for given sampling arguments."""
    need_tool("gcc")
    exe = tmp_path_factory.mktemp("native") / "run"
    subprocess.run(["gcc", "-O3", "-o", str(exe), str(pinned_run_c), "-lm"], check=True,
                   capture_output=True)

    def run(*sampling: str) -> bytes:
        proc = subprocess.run([str(exe), shared_models / "stories260K.bin", "-z",
                               shared_models / "tok512.bin", *sampling, "-n", "200"],
                              capture_output=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        return without_speed(proc.stdout).replace(b"\n", b"\r\n")
    return run


def run_wine(dist: Path, env: dict, *sampling: str) -> bytes:
    proc = subprocess.run(["wine", "LLAMA98.EXE", "MODEL.BIN", "-z", "TOKENIZE.BIN", *sampling,
                           "-n", "200"], cwd=dist, env=env, capture_output=True, timeout=600)
    # A fault in the program ends it with the exception code as its exit status, before
    # the story is complete. (stderr is no witness: in a fresh prefix, Wine's own device
    # services may report a page fault of theirs, in ntoskrnl.exe, on the same stream.)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return without_speed(proc.stdout)


@pytest.fixture(scope="session")
def mingw_dist(tmp_path_factory, pytestconfig, shared_models, pinned_run_c) -> Path:
    need_tool("i686-w64-mingw32-gcc")
    env = dict(os.environ, LLAMA98_CACHE=str(pytestconfig.cache.mkdir("llama98-llamac2py")))
    return build(tmp_path_factory.mktemp("mingw"), env, pinned_run_c, shared_models)


@pytest.mark.slow
@pytest.mark.wine
@pytest.mark.parametrize("sampling", [("-t", "0.0"), ("-t", "0.8", "-s", "42")],
                         ids=["greedy", "seed42"])
def test_exe_prints_what_native_and_mingw_print(watcom_dist, sampling, native_run, wine_env,
                                                request):
    target, dist = watcom_dist
    out = run_wine(dist, wine_env, *sampling)
    if sampling == ("-t", "0.0"):
        assert out.startswith(REFERENCE_START), out[:200]
    assert out == native_run(*sampling)
    if target == "win98-p2":     # and what the MinGW EXE of the same source prints
        mingw = request.getfixturevalue("mingw_dist")
        assert run_wine(mingw, wine_env, *sampling) == out


# ---------------------------------------------------------------- without Open Watcom


def test_without_watcom_the_build_stops_with_one_line(tmp_path):
    env = without_watcom(os.environ)
    proc = llama98("build", "--offline", "--compiler", "openwatcom", "--dist", tmp_path / "dist",
                   "--build-dir", tmp_path / "build", env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stderr.splitlines()
    assert lines[0].startswith("llama98: error: Open Watcom not found"), proc.stderr
    assert "--bundle-only" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "dist").exists() and not (tmp_path / "build").exists()
    assert "[1/" not in proc.stdout                  # stopped before any work


def test_bundle_only_is_for_drivers_that_make_bundles(tmp_path):
    proc = llama98("build", "--offline", "--compiler", "mingw", "--bundle-only",
                   "--dist", tmp_path / "dist", env=dict(os.environ))
    assert proc.returncode == 2
    assert proc.stderr.startswith("llama98: error: the 'mingw' compiler driver makes no source")
    assert "openwatcom" in proc.stderr and not (tmp_path / "dist").exists()
