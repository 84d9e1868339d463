"""End to end: `llama98 build` -> dist/win98-p2 -> LLAMA98.EXE under 32-bit Wine prints, byte
for byte, what a native gcc build of the same unmodified llama2.c source prints.

The only transformation allowed between the two outputs is the one Windows itself makes:
MSVCRT.DLL writes stdout in text mode, so every "\\n" arrives as "\\r\\n". Lines reporting
the measured speed ("achieved tok/s") differ by nature and are left out of the comparison.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support import ROOT, need_tool
from toolchain.packaging import is_83

pytestmark = pytest.mark.slow

REFERENCE_START = b"Once upon a time, there was a little girl named Lily."


def llama98(*args, env=None, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "toolchain.cli", *map(str, args)],
                          capture_output=True, text=True, env=env, cwd=cwd or ROOT)


def without_speed(out: bytes) -> bytes:
    return b"".join(line for line in out.splitlines(keepends=True)
                    if b"achieved tok/s" not in line)


def native_build(src: Path, workdir: Path) -> Path:
    """The unmodified source, built the way llama2.c's README says."""
    need_tool("gcc")
    exe = workdir / "run_native"
    subprocess.run(["gcc", "-O3", "-o", str(exe), str(src), "-lm"], check=True,
                   capture_output=True)
    return exe


def run_native(exe: Path, args: list, cwd: Path) -> bytes:
    proc = subprocess.run([str(exe), *map(str, args)], cwd=cwd, capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def run_wine(dist: Path, args: list, env: dict) -> bytes:
    proc = subprocess.run(["wine", "LLAMA98.EXE", *map(str, args)], cwd=dist, env=env,
                          capture_output=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def assert_same_output(wine_out: bytes, native_out: bytes) -> None:
    assert without_speed(wine_out) == without_speed(native_out).replace(b"\n", b"\r\n")


@pytest.fixture(scope="session")
def build_env(pytestconfig) -> dict:
    need_tool("i686-w64-mingw32-gcc")
    env = dict(os.environ)
    # the same cache the llamac2py fixture fills, so the offline fallback is used
    env["LLAMA98_CACHE"] = str(pytestconfig.cache.mkdir("llama98-llamac2py"))
    return env


@pytest.fixture(scope="session")
def dist_2023(tmp_path_factory, build_env, shared_models, llamac2py_run_c):
    """The README's main job, offline: upstream unreachable -> the llamac2py run.c."""
    out = tmp_path_factory.mktemp("build2023")
    proc = llama98("build", "--target", "win98-p2", "--offline",
                   "--model", shared_models / "stories260K_mha.bin",
                   "--tokenizer", shared_models / "tok512.bin",
                   "--dist", out / "dist", "--build-dir", out / "build", env=build_env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "llamac2py" in proc.stderr + proc.stdout      # the fallback notice is visible
    return out


def test_dist_layout(dist_2023):
    dist = dist_2023 / "dist"
    names = sorted(p.name for p in dist.iterdir())
    assert names == ["AUDIT.TXT", "LICENSE.TXT", "LLAMA98.EXE", "MODEL.BIN", "README.TXT",
                     "RUN.BAT", "SHA256.TXT", "TOKENIZE.BIN"]
    for name in names:
        assert is_83(name), f"{name} is not an 8.3 name"
    # llama2.c's MIT license goes with the program built from it (here the sdist's copy)
    assert (dist / "LICENSE.TXT").read_bytes().startswith(b"MIT License\r\n")
    assert "LICENSE.TXT" in (dist / "README.TXT").read_text()
    assert "license LICENSE.TXT: llamac2py-0.1.4-LICENSE (sha256 90d9faa8" in \
        (dist / "AUDIT.TXT").read_text()
    for text in ("RUN.BAT", "README.TXT", "AUDIT.TXT", "SHA256.TXT", "LICENSE.TXT"):
        data = (dist / text).read_bytes()
        assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b""), f"{text} not CRLF"
        data.decode("ascii")
    readme = (dist / "README.TXT").read_text()
    assert "BINARY" in readme
    assert "MODEL.BIN" in (dist / "RUN.BAT").read_text()
    listed = []
    for line in (dist / "SHA256.TXT").read_text().splitlines():
        digest, name = line.split("  ")
        assert hashlib.sha256((dist / name).read_bytes()).hexdigest() == digest
        listed.append(name)
    assert sorted(listed) == [n for n in names if n != "SHA256.TXT"]
    if shutil.which("sha256sum"):                 # the tool README.TXT names reads it
        proc = subprocess.run(["sha256sum", "-c", "SHA256.TXT"], cwd=dist, capture_output=True)
        assert proc.returncode == 0, proc.stdout + proc.stderr


def readme_example(dist: Path) -> list[str]:
    """The example command line README.TXT gives, as arguments after LLAMA98."""
    lines = (dist / "README.TXT").read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("Example: a story"))
    words = shlex.split(lines[at + 1].strip())
    assert words[0] == "LLAMA98" and words[1] == "MODEL.BIN", words
    return words[1:]


def test_2023_readme_says_usage_defaults_memory_fallback_and_rebuild(dist_2023, shared_models):
    dist = dist_2023 / "dist"
    readme = (dist / "README.TXT").read_text()
    assert "Usage: LLAMA98 <checkpoint_file> [temperature] [steps] [prompt]" in readme
    assert "Defaults: temperature 0.9, steps 256, prompt none." in readme
    assert readme_example(dist) == ["MODEL.BIN", "0.9", "256", "Once upon a time"]
    assert re.search(r"needs about\s+\d+ MB\s+of memory", readme)
    assert "Windows 98 itself provides KERNEL32.DLL and MSVCRT.DLL" in readme
    # the fallback is said in README.TXT and AUDIT.TXT
    assert "NOTE: this is not the pinned upstream llama2.c" in readme
    assert "--require-pinned" in readme
    audit = (dist / "AUDIT.TXT").read_text()
    assert "FALLBACK: upstream llama2.c not fetched (offline mode)" in audit
    assert "NOT the pinned upstream" in audit
    rebuild = readme.split("Rebuild", 1)[1].splitlines()[1].strip()
    assert shlex.split(rebuild) == ["llama98", "build", "--target", "win98-p2",
                                    "--model", str(shared_models / "stories260K_mha.bin"),
                                    "--tokenizer", str(shared_models / "tok512.bin"),
                                    "--offline"]


def test_require_pinned_refuses_the_fallback(build_env, llamac2py_run_c, tmp_path):
    from toolchain import upstream
    cache = tmp_path / "cache"          # the fallback's files only (no pinned upstream run.c)
    cache.mkdir()
    for name in (upstream.SDIST_FNAME, upstream.SDIST_MEMBER_FNAME):
        shutil.copy2(Path(build_env["LLAMA98_CACHE"]) / name, cache / name)
    env = dict(build_env, LLAMA98_CACHE=str(cache))
    proc = llama98("build", "--offline", "--require-pinned", "--dist", tmp_path / "dist",
                   "--build-dir", tmp_path / "build", env=env)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "--require-pinned refuses the July 2023 fallback" in proc.stderr
    assert not (tmp_path / "dist").exists() and not (tmp_path / "build").exists()


def test_exe_headers_fit_windows_98(dist_2023):
    pefile = pytest.importorskip("pefile")
    pe = pefile.PE(str(dist_2023 / "dist" / "LLAMA98.EXE"))
    assert pe.FILE_HEADER.Machine == 0x14C
    opt = pe.OPTIONAL_HEADER
    assert (opt.MajorSubsystemVersion, opt.MinorSubsystemVersion) == (4, 0)
    assert (opt.MajorOperatingSystemVersion, opt.MinorOperatingSystemVersion) == (4, 0)
    assert opt.ImageBase == 0x400000
    assert pe.FILE_HEADER.TimeDateStamp == 0
    dlls = sorted(e.dll.decode().lower() for e in pe.DIRECTORY_ENTRY_IMPORT)
    assert set(dlls) <= {"kernel32.dll", "msvcrt.dll"}


def test_exe_passes_the_audit(dist_2023):
    exe = dist_2023 / "dist" / "LLAMA98.EXE"
    proc = llama98("audit", exe, "--target", "win98-p2")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "PASS" in proc.stdout
    assert "PASS" in (dist_2023 / "dist" / "AUDIT.TXT").read_text()


@pytest.mark.wine
def test_2023_exe_prints_the_reference_story(dist_2023, wine_env, shared_models,
                                             llamac2py_run_c, tmp_path):
    wine_out = run_wine(dist_2023 / "dist", ["MODEL.BIN", "0.0", "200"], wine_env)
    assert REFERENCE_START in wine_out
    exe = native_build(llamac2py_run_c, tmp_path)
    shutil.copy(shared_models / "tok512.bin", tmp_path / "tokenizer.bin")
    native_out = run_native(exe, [shared_models / "stories260K_mha.bin", "0.0", "200"], tmp_path)
    assert_same_output(wine_out, native_out)


@pytest.mark.wine
def test_2023_readme_example_runs(dist_2023, wine_env):
    out = run_wine(dist_2023 / "dist", readme_example(dist_2023 / "dist"), wine_env)
    assert b"Once upon a time" in out.splitlines()[1]      # after the July 2023 "<s>" line


@pytest.mark.wine
def test_exe_explains_a_truncated_model(dist_2023, wine_env, tmp_path):
    dist = tmp_path / "d"
    shutil.copytree(dist_2023 / "dist", dist)
    model = dist / "MODEL.BIN"
    model.write_bytes(model.read_bytes()[:300000])
    proc = subprocess.run(["wine", "LLAMA98.EXE", "MODEL.BIN", "0.0", "20"], cwd=dist,
                          env=wine_env, capture_output=True, timeout=300)
    assert proc.returncode != 0
    assert b"truncated" in proc.stderr and b"300000 bytes" in proc.stderr


def warning_kinds(src: Path, tmp_path: Path) -> list[str]:
    """The -W options gcc -Wall already names for the unmodified C99 original."""
    # at the optimisation level the port is built with: some warnings need the optimiser
    proc = subprocess.run(["gcc", "-std=gnu99", "-Wall", "-O2", "-c", "-o", os.devnull, str(src)],
                          capture_output=True, text=True)
    return sorted(set(re.findall(r"\[-W([a-z0-9-]+)\]", proc.stderr)))


def check_strict_port(build: Path, original_src: Path, args: list, tmp_path: Path) -> None:
    """The rewritten sources, built natively by strict compilers, print what the original does.

    gcc runs with -std=c89 -pedantic-errors -Wall -Werror; the only warnings allowed are the
    kinds gcc -Wall already reports for the unmodified original (upstream keeps OpenMP
    pragmas, which a C89 compiler must ignore), so the port introduces none of its own.
    """
    need_tool("gcc")
    src = build / "src"
    portable = [src / n for n in ("run.c", "l98load.c", "c89timer.c", "c89stdio.c", "l98float.c")]
    original = run_native(native_build(original_src, tmp_path), args, tmp_path)
    upstream_warnings = [f"-Wno-{kind}" for kind in warning_kinds(original_src, tmp_path)]
    compilers = {
        "gcc": ["gcc", "-std=c89", "-pedantic-errors", "-Wall", "-Werror", *upstream_warnings,
                "-O2"],
        "tcc": ["tcc", "-Wall", "-Werror"],
        "pcc": ["pcc", "-O"],
    }
    for name, cmd in compilers.items():
        need_tool(cmd[0])
        exe = tmp_path / f"run_{name}"
        proc = subprocess.run([*cmd, f"-I{src}", *map(str, portable), "-o", str(exe), "-lm"],
                              capture_output=True, text=True)
        assert proc.returncode == 0, f"{name}: {proc.stderr}"
        out = run_native(exe, args, tmp_path)
        assert without_speed(out) == without_speed(original), name


def test_ported_2023_sources_are_strict_c89_and_behave_the_same(dist_2023, shared_models,
                                                                llamac2py_run_c, tmp_path):
    # the 2023 program reads the vocabulary from the current folder, under either name
    shutil.copy(shared_models / "tok512.bin", tmp_path / "TOKENIZE.BIN")
    shutil.copy(shared_models / "tok512.bin", tmp_path / "tokenizer.bin")
    check_strict_port(dist_2023 / "build", llamac2py_run_c,
                      [shared_models / "stories260K_mha.bin", "0.0", "200"], tmp_path)


def test_builds_are_reproducible(dist_2023, build_env, shared_models, tmp_path):
    proc = llama98("build", "--offline", "--model", shared_models / "stories260K_mha.bin",
                   "--tokenizer", shared_models / "tok512.bin",
                   "--dist", tmp_path / "dist", "--build-dir", tmp_path / "build", env=build_env)
    assert proc.returncode == 0, proc.stderr
    for name in ("LLAMA98.EXE", "SHA256.TXT"):
        assert (tmp_path / "dist" / name).read_bytes() == \
            (dist_2023 / "dist" / name).read_bytes(), name


@pytest.fixture(scope="session")
def dist_pinned(tmp_path_factory, build_env, shared_models, pinned_run_c):
    out = tmp_path_factory.mktemp("buildpinned")
    proc = llama98("build", "--source", pinned_run_c, "--model", shared_models / "stories260K.bin",
                   "--tokenizer", shared_models / "tok512.bin",
                   "--dist", out / "dist", "--build-dir", out / "build", env=build_env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


@pytest.mark.wine
@pytest.mark.parametrize("sampling", [["-t", "0.0"], ["-t", "0.8", "-s", "42"]],
                         ids=["greedy", "seed42"])
def test_pinned_exe_matches_native(dist_pinned, wine_env, shared_models, pinned_run_c, tmp_path,
                                   sampling):
    wine_out = run_wine(dist_pinned / "dist",
                        ["MODEL.BIN", "-z", "TOKENIZE.BIN", *sampling, "-n", "200"], wine_env)
    native = native_build(pinned_run_c, tmp_path)
    native_out = run_native(native, [shared_models / "stories260K.bin", "-z",
                                     shared_models / "tok512.bin", *sampling, "-n", "200"],
                            tmp_path)
    if sampling == ["-t", "0.0"]:
        assert wine_out.startswith(REFERENCE_START)
    assert_same_output(wine_out, native_out)


def test_pinned_readme_and_audit(dist_pinned, pinned_run_c, shared_models):
    dist = dist_pinned / "dist"
    readme = (dist / "README.TXT").read_text()
    assert "  -i <string> input prompt" in readme
    assert 'Where that says "run", type LLAMA98.' in readme
    assert readme_example(dist) == ["MODEL.BIN", "-n", "100", "-i", "Once upon a time"]
    assert "NOTE: this is not the pinned" not in readme
    assert f"--source {pinned_run_c}" in readme and \
        f"--model {shared_models / 'stories260K.bin'}" in readme
    audit = (dist / "AUDIT.TXT").read_text()
    assert "karpathy/llama2.c at 350e04fe3543" in audit and "FALLBACK" not in audit


@pytest.mark.wine
def test_pinned_readme_example_runs(dist_pinned, wine_env):
    out = run_wine(dist_pinned / "dist", readme_example(dist_pinned / "dist"), wine_env)
    assert out.startswith(b"Once upon a time")


@pytest.mark.parametrize("which", ["dist_2023", "dist_pinned"])
def test_messages_name_the_files_the_program_opens(request, which):
    """No string in the program names tokenizer.bin: it opens TOKENIZE.BIN."""
    from toolchain.c89.ctok import Tokens
    src = (request.getfixturevalue(which) / "build" / "src" / "run.c").read_text()
    literals = [t.text for t in Tokens(src).toks if t.kind == "str"]
    assert any("TOKENIZE.BIN" in lit for lit in literals)
    assert not [lit for lit in literals if "tokenizer.bin" in lit.lower()]


@pytest.mark.wine
@pytest.mark.parametrize("which,args", [("dist_2023", ["MODEL.BIN", "0.0", "10"]),
                                        ("dist_pinned", ["MODEL.BIN", "-n", "10"])])
def test_missing_vocabulary_is_named_as_shipped(request, which, args, wine_env, tmp_path):
    dist = tmp_path / "d"
    shutil.copytree(request.getfixturevalue(which) / "dist", dist)
    (dist / "TOKENIZE.BIN").unlink()
    proc = subprocess.run(["wine", "LLAMA98.EXE", *args], cwd=dist, env=wine_env,
                          capture_output=True, timeout=300)
    said = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert b"TOKENIZE.BIN" in said and b"tokenizer.bin" not in said, said


def test_ported_pinned_sources_are_strict_c89_and_behave_the_same(dist_pinned, shared_models,
                                                                  pinned_run_c, tmp_path):
    check_strict_port(dist_pinned / "build", pinned_run_c,
                      [shared_models / "stories260K.bin", "-z", shared_models / "tok512.bin",
                       "-t", "0.8", "-s", "42", "-n", "200"], tmp_path)


# ---------------------------------------------------------------- bad input, clear errors

def test_truncated_model_is_refused_before_building(build_env, shared_models, tmp_path):
    cut = tmp_path / "cut.bin"
    cut.write_bytes((shared_models / "stories260K_mha.bin").read_bytes()[:4000])
    proc = llama98("build", "--offline", "--model", cut, "--tokenizer",
                   shared_models / "tok512.bin", "--dist", tmp_path / "dist",
                   "--build-dir", tmp_path / "build", env=build_env)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert "truncated" in proc.stderr
    assert not (tmp_path / "dist").exists()


def test_missing_compiler_is_a_clear_error(build_env, shared_models, tmp_path):
    env = dict(build_env)
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for tool in ("gcc", "cpp"):                # the C89 rewriter's preprocessor stays
        path = shutil.which(tool)
        if path:
            (bindir / tool).symlink_to(path)
    env["PATH"] = str(bindir)
    proc = llama98("build", "--offline", "--dist", tmp_path / "dist",
                   "--build-dir", tmp_path / "build", env=env)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert "i686-w64-mingw32-gcc not found" in proc.stderr
    assert not (tmp_path / "dist").exists()


def test_bad_source_path_is_a_clear_error(tmp_path):
    proc = llama98("build", "--source", tmp_path / "nothing.c", "--dist", tmp_path / "dist")
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert "nothing.c" in proc.stderr
