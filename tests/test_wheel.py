"""`pip install .` (a real wheel, not editable) works outside the checkout.

The wheel is built from a copy of the tracked files (`pip wheel --no-build-isolation`,
with the setuptools of this venv: no download), installed with `pip --python` into a
fresh venv that has no pip of its own (`--no-index --no-deps`: no download either). The
fresh venv gets the dependencies through a .pth file naming this venv's site-packages:
the same pinned versions, and no copy of the checkout's `toolchain` on its path (the
editable install's finder is in a .pth that a .pth-added folder does not run). Then,
from an empty folder: llama98, c89port and llama98-tasks work, and a build writes
dist/ there, with the engine and patches read from inside the installed package.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from support import ROOT, need_tool

pytestmark = pytest.mark.slow


def _tracked_files() -> list[str]:
    proc = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                          cwd=ROOT, capture_output=True)
    if proc.returncode != 0:
        pytest.skip("not a git checkout: cannot tell which files belong to the source tree")
    return [f for f in proc.stdout.decode().split("\0") if f and (ROOT / f).is_file()]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    pytest.importorskip("setuptools")
    tree = tmp_path_factory.mktemp("tree")
    for name in _tracked_files():
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, tree / name)
    out = tmp_path_factory.mktemp("wheelhouse")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                           "--no-build-isolation", "--no-index", "-w", str(out), str(tree)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    wheels = list(out.glob("llama98-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    python = root / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          capture_output=True, text=True, check=True).stdout.strip()
    deps = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    Path(site, "llama98_test_deps.pth").write_text("\n".join(sorted(deps)) + "\n")
    proc = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install",
                           "--no-index", "--no-deps", str(wheel)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return root


def in_venv(venv: Path, program: str, *args, cwd: Path, env=None) -> subprocess.CompletedProcess:
    env = dict(env or os.environ)
    env.pop("PYTHONPATH", None)
    return subprocess.run([str(venv / "bin" / program), *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, env=env)


def test_wheel_carries_engine_patches_license_and_metadata(wheel):
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        meta = z.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    from toolchain import runtime
    for f in runtime.runtime_files():
        assert f"toolchain/engine_c89/{f.name}" in names
    assert "toolchain/engine_c89/runtime.toml" in names
    assert "toolchain/patches/llama2c.toml" in names
    assert "toolchain/data/tools.toml" in names
    for h in ("gnu.h", "stdarg.h", "limits.h"):     # c89port's analysis headers
        assert f"toolchain/data/analysis_include/{h}" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), sorted(names)
    assert "License-Expression: MIT" in meta
    assert "Classifier: Topic :: Software Development :: Compilers" in meta
    assert "Project-URL: " in meta
    assert not any(n.startswith(("tests/", "build/", "dist/")) for n in names)


def test_installed_commands_work_from_an_empty_folder(venv, tmp_path):
    proc = in_venv(venv, "python", "-c", "import toolchain, toolchain.runtime as r, "
                   "toolchain.patching as p; print(toolchain.__file__); print(r.ENGINE_DIR); "
                   "print(p.PATCH_DIR)", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    for line in proc.stdout.split():
        assert line.startswith(str(venv)), proc.stdout      # not the checkout
    for program, args, want in [("llama98", ["--version"], "llama98 "),
                                ("c89port", ["--version"], "c89port "),
                                ("llama98", ["targets"], "win98-p2"),
                                ("llama98-tasks", ["--list"], "build")]:
        proc = in_venv(venv, program, *args, cwd=tmp_path)
        assert proc.returncode == 0 and want in proc.stdout, (program, proc.stderr)
    (tmp_path / "a.c").write_text("int main(void) { for (int i = 0; i < 2; i++) {} return 0; }\n")
    proc = in_venv(venv, "c89port", "a.c", "-o", "out", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "int i;" in (tmp_path / "out" / "a.c").read_text()
    proc = in_venv(venv, "llama98-tasks", "test", cwd=tmp_path)
    assert proc.returncode == 2 and "repository" in proc.stderr


def test_installed_build_writes_dist_in_the_current_folder(venv, tmp_path, pytestconfig,
                                                           llamac2py_run_c, shared_models):
    need_tool("i686-w64-mingw32-gcc")
    env = dict(os.environ, LLAMA98_CACHE=str(pytestconfig.cache.mkdir("llama98-llamac2py")))
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = in_venv(venv, "llama98", "build", "--offline",
                   "--model", shared_models / "stories260K_mha.bin",
                   "--tokenizer", shared_models / "tok512.bin", cwd=empty, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    dist = empty / "dist" / "win98-p2"
    assert sorted(p.name for p in dist.iterdir()) == sorted(
        ["AUDIT.TXT", "LICENSE.TXT", "LLAMA98.EXE", "MODEL.BIN", "README.TXT", "RUN.BAT",
         "SHA256.TXT", "TOKENIZE.BIN"])
    assert sorted(p.name for p in empty.iterdir()) == ["build", "dist"]
    site = Path(in_venv(venv, "python", "-c", "import toolchain; print(toolchain.__file__)",
                        cwd=empty).stdout.strip()).parent.parent
    assert not (site / "dist").exists() and not (site / "build").exists()
    # the same through the installed invoke tasks
    proc = in_venv(venv, "llama98-tasks", "build", "--offline", "-o", "viatasks",
                   "--build-dir", "work2", cwd=empty, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (empty / "viatasks" / "LLAMA98.EXE").is_file()
