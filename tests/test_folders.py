"""The build never destroys a user's files and never fails with a traceback (issue 9, "Files").

Every case is a real `llama98 build` in a subprocess (nothing mocked), except the swap's
own unit tests at the end: `--build-dir`/`--dist` on a user's folder, `--dist .`, relative
paths, outputs in the current folder, binary and Latin-1 `--source`, an unwritable or
impossible parent, a cache entry that is a folder, leftovers of a killed build, and the
permissions of dist/.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from support import ROOT, need_tool
from toolchain import packaging


def llama98(*args, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    env = dict(env or os.environ)
    env["PYTHONPATH"] = str(ROOT)          # the checkout's toolchain, from any folder
    return subprocess.run([sys.executable, "-m", "toolchain.cli", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, env=env,
                          preexec_fn=lambda: os.umask(0o022))


def one_line_error(proc: subprocess.CompletedProcess, *words: str) -> str:
    """The failure is `llama98: error: ...` (plus an optional note), never a traceback."""
    assert proc.returncode != 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("llama98: error: ")]
    assert len(errors) == 1, proc.stderr
    others = [line for line in proc.stderr.splitlines()
              if line and not line.startswith(("llama98: error: ", "llama98: note: "))]
    assert not others, proc.stderr
    for word in words:
        assert word in errors[0], errors[0]
    return errors[0]


@pytest.fixture(scope="module")
def env(pytestconfig, llamac2py_run_c) -> dict:
    env = dict(os.environ)
    env["LLAMA98_CACHE"] = str(pytestconfig.cache.mkdir("llama98-llamac2py"))
    return env


def dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


# ---------------------------------------------------------------- refusals (nothing built)

@pytest.mark.parametrize("option", ["--build-dir", "--dist"])
def test_a_users_folder_is_never_emptied_or_replaced(option, env, tmp_path):
    mine = tmp_path / "mine"
    (mine / "sub").mkdir(parents=True)
    (mine / "notes.txt").write_text("keep me\n")
    (mine / "sub" / "data.bin").write_bytes(b"\x00" * 10)
    proc = llama98("build", "--offline", option, mine, cwd=tmp_path, env=env)
    one_line_error(proc, option, "refusing", "notes.txt")
    assert proc.returncode == 2
    assert (mine / "notes.txt").read_text() == "keep me\n"
    assert (mine / "sub" / "data.bin").stat().st_size == 10
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]   # nothing else written


@pytest.mark.parametrize("args", [["--dist", "."], ["--build-dir", "."], ["--dist", ".."],
                                  ["--build-dir", "out", "--dist", "out/d"]],
                         ids=["dist-cwd", "build-cwd", "dist-parent", "overlap"])
def test_folders_that_hold_the_current_folder_or_each_other(args, env, tmp_path):
    work = tmp_path / "here"
    work.mkdir()
    proc = llama98("build", "--offline", *args, cwd=work, env=env)
    one_line_error(proc)
    assert proc.returncode == 2
    assert list(work.iterdir()) == []


@pytest.mark.parametrize("content,words", [
    (b"int main(void) { return 0; }\n\x00\x01\x02", ["binary data", ":2"]),
    (b"/* caf\xe9 */\nint main(void) { return 0; }\n", ["not UTF-8", ":1:7", "0xe9"]),
], ids=["binary", "latin1"])
def test_binary_or_latin1_source(content, words, env, tmp_path):
    src = tmp_path / "run.c"
    src.write_bytes(content)
    proc = llama98("build", "--source", src, cwd=tmp_path, env=env)
    one_line_error(proc, "--source", *words)
    assert not (tmp_path / "dist").exists()


def test_parent_that_is_a_file(env, tmp_path):
    (tmp_path / "afile").write_text("x")
    for option in ("--dist", "--build-dir"):
        proc = llama98("build", "--offline", option, "afile/out", cwd=tmp_path, env=env)
        one_line_error(proc, option, "is a file, not a folder")


def test_parent_that_cannot_be_created(env, tmp_path):
    target = Path("/sys/llama98-test-parent/dist")       # sysfs: mkdir fails, even for root
    try:
        target.parent.mkdir()
    except OSError:
        pass
    else:
        target.parent.rmdir()
        pytest.skip("/sys accepts new folders here: no unwritable place to test with")
    need_tool("i686-w64-mingw32-gcc")
    proc = llama98("build", "--offline", "--dist", target, cwd=tmp_path, env=env)
    one_line_error(proc, "--dist", "cannot create")


def test_read_only_parent(env, tmp_path):
    if os.geteuid() == 0:
        pytest.skip("running as root: a mode-0555 folder is writable for root "
                    "(test_parent_that_cannot_be_created covers an unwritable parent)")
    ro = tmp_path / "ro"
    ro.mkdir(mode=0o555)
    proc = llama98("build", "--offline", "--dist", ro / "dist", cwd=tmp_path, env=env)
    one_line_error(proc, "--dist", "not writable")


@pytest.mark.parametrize("entry", ["llamac2py-0.1.4-run.c", "llamac2py-0.1.4.tar.gz"])
def test_cache_entry_that_is_a_folder(entry, tmp_path, env):
    cache = tmp_path / "cache"
    (cache / entry).mkdir(parents=True)
    (cache / entry / "x").write_text("a user's file\n")
    proc = llama98("build", "--offline", "--cache-dir", cache, cwd=tmp_path, env=env)
    one_line_error(proc, entry, "not a regular file")
    assert (cache / entry / "x").is_file()


def test_interrupted_swap_is_put_back_even_when_the_build_fails(env, tmp_path):
    """A kill between the two renames of a swap left only dist.old-PID: the next build
    puts it back before anything else (here it then fails on a bad --model)."""
    dist = tmp_path / "dist"
    dist.mkdir()
    old = dist / f"win98-p2.old-{dead_pid()}"
    old.mkdir()
    (old / "LLAMA98.EXE").write_bytes(b"MZ old")
    (old / "SHA256.TXT").write_text("x  LLAMA98.EXE\r\n")
    staging = dist / f".win98-p2.llama98-new-{dead_pid()}"
    staging.mkdir()
    (staging / "half").write_text("x")
    proc = llama98("build", "--offline", "--model", tmp_path / "missing.bin", cwd=tmp_path, env=env)
    one_line_error(proc, "missing.bin")
    assert (dist / "win98-p2" / "LLAMA98.EXE").read_bytes() == b"MZ old"
    assert sorted(p.name for p in dist.iterdir()) == ["win98-p2"]
    assert "put back" in proc.stderr and "removed" in proc.stderr


# ---------------------------------------------------------------- real builds

@pytest.mark.slow
def test_outputs_go_to_the_current_folder_with_relative_paths(env, tmp_path):
    need_tool("i686-w64-mingw32-gcc")
    # default dist/ in the current folder, a relative --build-dir (cc1 once failed on it)
    proc = llama98("build", "--offline", "--build-dir", "rel/work", cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    dist = tmp_path / "dist" / "win98-p2"
    assert (dist / "LLAMA98.EXE").is_file()
    assert (tmp_path / "rel" / "work" / packaging.WORK_MARKER).is_file()
    assert not (ROOT / "rel").exists()
    # normal permissions under umask 022 (not mkdtemp's 0700)
    assert stat.S_IMODE(dist.stat().st_mode) == 0o755
    assert stat.S_IMODE((dist / "README.TXT").stat().st_mode) == 0o644

    # again, over its own outputs, with a killed build's leftovers beside them
    (tmp_path / "rel" / "work" / "stale.o").write_text("old")
    leftovers = [dist.with_name(f"win98-p2.old-{dead_pid()}"),
                 dist.with_name(f".win98-p2.llama98-new-{dead_pid()}")]
    for path in leftovers:
        path.mkdir()
        (path / "X").write_text("x")
    inode = dist.stat().st_ino
    proc = llama98("build", "--offline", "--build-dir", "rel/work", "-o", "dist/win98-p2",
                   cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert dist.stat().st_ino != inode                    # replaced by the new one
    assert not any(p.exists() for p in leftovers)
    assert not (tmp_path / "rel" / "work" / "stale.o").exists()
    assert sorted(p.name for p in dist.parent.iterdir()) == ["win98-p2"]

    # a file the user added to the dist makes it theirs: refused, kept
    (dist / "MYNOTES.TXT").write_text("mine")
    proc = llama98("build", "--offline", "--build-dir", "rel/work", cwd=tmp_path, env=env)
    one_line_error(proc, "MYNOTES.TXT", "refusing")
    assert (dist / "MYNOTES.TXT").read_text() == "mine"


# ---------------------------------------------------------------- the swap itself

def _own_dist(path: Path, body: bytes) -> None:
    path.mkdir()
    (path / "LLAMA98.EXE").write_bytes(body)
    packaging.write_checksums(path, [packaging.DistFile("LLAMA98.EXE", "")])


@pytest.mark.parametrize("atomic", [True, False], ids=["renameat2", "two-renames"])
def test_staged_dir_replaces_only_when_complete(atomic, tmp_path, monkeypatch):
    if not atomic:
        monkeypatch.setattr(packaging, "_exchange", lambda a, b: False)
    final = tmp_path / "d"
    _own_dist(final, b"old")
    with pytest.raises(RuntimeError):
        with packaging.staged_dir(final) as staging:
            (staging / "LLAMA98.EXE").write_bytes(b"half")
            raise RuntimeError("killed")
    assert (final / "LLAMA98.EXE").read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["d"]
    with packaging.staged_dir(final) as staging:
        (staging / "LLAMA98.EXE").write_bytes(b"new")
        assert (final / "LLAMA98.EXE").read_bytes() == b"old"   # old kept until the swap
    assert (final / "LLAMA98.EXE").read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["d"]


def test_legacy_and_current_dists_are_recognised_as_ours(tmp_path):
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "LLAMA98.EXE").write_bytes(b"x")
    (legacy / "SHA256SUMS").write_text("00  LLAMA98.EXE\n")
    packaging.check_dist_dir(legacy)
    current = tmp_path / "current"
    _own_dist(current, b"x")
    packaging.check_dist_dir(current)
    (current / "sub").mkdir()
    with pytest.raises(packaging.ToolchainError):
        packaging.check_dist_dir(current)
