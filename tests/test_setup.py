"""scripts/setup.sh and .ci/run.

setup.sh installs with apt, which no test may do to this machine. So it is run for real in
two ways that cannot change the system: --dry-run (it prints what it would install), and with
stand-ins for apt-get, dpkg and sudo first on PATH that record their arguments, the machine's
view of apt's configuration pointed at a temporary folder (APT_CONFIG, read by the real
apt-config). A "fresh machine" is a PATH on which the compilers, Wine and Python are absent.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from support import ROOT, need_tool

SETUP = ROOT / "scripts" / "setup.sh"
CI_RUN = ROOT / ".ci" / "run"

MAIN_PACKAGES = {"gcc-mingw-w64-i686", "binutils-mingw-w64-i686", "gcc", "libc6-dev",
                 "python3", "python3-venv"}
TEST_PACKAGES = {"tcc", "pcc", "csmith", "libcsmith-dev", "gcc-multilib", "valgrind",
                 "shellcheck", "curl", "xz-utils"}
WINE_PACKAGES = ["wine", "wine32:i386"]

# What the script itself uses; everything else (compilers, Wine, Python) is left out of
# the "fresh machine" PATH.
BASICS = ["bash", "sh", "env", "mktemp", "rm", "cat", "sed", "awk", "grep", "tee", "cut", "tr",
          "sha256sum", "id", "dirname", "chmod", "head", "apt-config"]

FAKE_APT_GET = r"""#!/bin/bash
# apt-get stand-in: records its arguments; FAKE_MODE says how "install ... wine32:i386" ends.
printf 'apt-get %s\n' "$*" >>"$FAKE_LOG"
args=" $* "
case "$args" in *" update "*) exit 0 ;; esac
[ "$FAKE_MODE" = broken ] && { echo "E: Unable to locate package gcc-mingw-w64-i686"; exit 100; }
case "$args" in *wine32:i386*) ;; *) exit 0 ;; esac
case "$args" in
  *Dir::Etc::Preferences=*)
    prefs="${args#*Dir::Etc::Preferences=}"; prefs="${prefs%% *}"
    cat "$prefs" >"$FAKE_DIR/preferences-used"
    printf '%s\n' "$prefs" >"$FAKE_DIR/preferences-path"
    [ "$FAKE_MODE" = lag-forever ] && exit 100
    exit 0 ;;
esac
case "$FAKE_MODE" in
  lag|lag-forever)
    echo "Some packages could not be installed."
    echo "The following packages have unmet dependencies:"
    echo " libgnutls30:i386 : Depends: libhogweed6:i386 (>= 3.6) but it is not going to be installed"
    echo "E: Unable to correct problems, you have held broken packages."
    exit 100 ;;
  nopkg)
    echo "E: Unable to locate package wine32"
    exit 100 ;;
esac
exit 0
"""

FAKE_DPKG = r"""#!/bin/bash
printf 'dpkg %s\n' "$*" >>"$FAKE_LOG"
case "$1" in --print-foreign-architectures) printf '%s' "$FAKE_ARCHS" ;; esac
exit 0
"""

FAKE_SUDO = r"""#!/bin/bash
printf 'sudo %s\n' "$*" >>"$FAKE_LOG"
exec "$@"
"""


class Machine:
    """A sandbox for setup.sh: stand-in apt-get/dpkg/sudo, apt's config in a temp folder."""

    def __init__(self, tmp: Path, *, fresh: bool, mode: str = "ok", archs: str = ""):
        need_tool("apt-config")
        self.tmp = tmp
        self.fake = tmp / "fakebin"
        self.fake.mkdir()
        for name, text in [("apt-get", FAKE_APT_GET), ("dpkg", FAKE_DPKG), ("sudo", FAKE_SUDO)]:
            (self.fake / name).write_text(text)
            (self.fake / name).chmod(0o755)
        self.log = tmp / "calls.log"
        self.log.write_text("")
        self.prefs_d = tmp / "etc-apt" / "preferences.d"
        self.prefs_d.mkdir(parents=True)
        (self.prefs_d / "someone-elses-pin").write_text("Package: foo\nPin: version 1\n"
                                                      "Pin-Priority: 900\n")
        self.apt_conf = tmp / "apt.conf"
        self.apt_conf.write_text(f'Dir::Etc::PreferencesParts "{self.prefs_d}";\n'
                                 f'Dir::Etc::Preferences "{tmp / "etc-apt" / "preferences"}";\n')
        path = [str(self.fake)]
        if fresh:
            basics = tmp / "basics"
            basics.mkdir()
            for name in BASICS:
                found = shutil.which(name)
                assert found, f"{name} is needed to run setup.sh"
                (basics / name).symlink_to(found)
            path.append(str(basics))
        else:
            path.append(os.environ.get("PATH", ""))
        # a copy of the script beside a pyproject.toml: its .venv step works on the copy
        self.repo = tmp / "repo"
        (self.repo / "scripts").mkdir(parents=True)
        shutil.copy(SETUP, self.repo / "scripts" / "setup.sh")
        shutil.copy(ROOT / "pyproject.toml", self.repo / "pyproject.toml")
        self.env = {**os.environ, "PATH": os.pathsep.join(path), "APT_CONFIG": str(self.apt_conf),
                    "FAKE_LOG": str(self.log), "FAKE_DIR": str(tmp), "FAKE_MODE": mode,
                    "FAKE_ARCHS": archs, "TMPDIR": str(tmp)}

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["bash", str(self.repo / "scripts" / "setup.sh"), *args], env=self.env, capture_output=True,
                              text=True, timeout=120, stdin=subprocess.DEVNULL)

    def calls(self) -> list[str]:
        return self.log.read_text().splitlines()

    def installs(self) -> list[list[str]]:
        out = []
        for line in self.calls():
            words = line.split()
            if words[0] == "apt-get" and "install" in words:
                out.append(words[words.index("install") + 1:])
        return out

    def leftovers(self) -> list[str]:
        """Files setup.sh left in TMPDIR (its own work folder must be gone)."""
        return sorted(p.name for p in self.tmp.iterdir() if p.name.startswith("llama98-setup"))


def real_prefs_listing() -> list[tuple[str, int]]:
    d = Path("/etc/apt/preferences.d")
    if not d.is_dir():
        return []
    return sorted((p.name, p.stat().st_mtime_ns) for p in d.iterdir())


# ---------------------------------------------------------------- static checks

def test_shell_syntax():
    for script in (SETUP, CI_RUN, ROOT / "docker" / "install-openwatcom.sh"):
        proc = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr


def test_shellcheck_clean():
    shellcheck = need_tool("shellcheck")
    scripts = [SETUP, CI_RUN, ROOT / "docker" / "install-openwatcom.sh"]
    proc = subprocess.run([shellcheck, *map(str, scripts)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_writes_no_file_under_etc():
    """Behaviour is tested below; this keeps the old system-wide pin from coming back."""
    text = SETUP.read_text()
    for bad in ("tee /etc", ">/etc", "> /etc", "/usr/lib/gcc/x86_64-linux-gnu/12"):
        assert bad not in text


def test_help():
    proc = subprocess.run(["bash", str(SETUP), "--help"], capture_output=True, text=True)
    assert proc.returncode == 0
    for flag in ("--test", "--wine", "--dry-run", "--no-venv"):
        assert flag in proc.stdout
    proc = subprocess.run(["bash", str(SETUP), "--bogus"], capture_output=True, text=True)
    assert proc.returncode == 2 and "unknown option --bogus" in proc.stderr


# ---------------------------------------------------------------- this machine, dry run

def test_dry_run_here_changes_nothing():
    before = real_prefs_listing()
    proc = subprocess.run(["bash", str(SETUP), "--dry-run", "--test"], capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    assert real_prefs_listing() == before
    print(proc.stdout)
    tools = ["i686-w64-mingw32-gcc", "gcc", "tcc", "pcc", "csmith", "valgrind", "wine",
             "shellcheck", "curl", "xz"]
    if all(shutil.which(t) for t in tools):
        assert "everything needed is installed" in proc.stdout
        assert "would run: apt-get" not in proc.stdout


# ---------------------------------------------------------------- fresh machine

def test_fresh_machine_dry_run_lists_only_the_main_job(tmp_path):
    m = Machine(tmp_path, fresh=True)
    proc = m.run("--dry-run")
    assert proc.returncode == 0, proc.stderr
    (line,) = [ln for ln in proc.stdout.splitlines() if "would run: apt-get install" in ln]
    assert set(line.split("install", 1)[1].split()) == MAIN_PACKAGES
    assert "wine" not in proc.stdout and "i386" not in proc.stdout
    assert "would run: python3 -m venv .venv" in proc.stdout
    assert m.calls() == []                     # a dry run calls neither apt-get nor dpkg
    assert m.leftovers() == []


def test_fresh_machine_dry_run_with_tests(tmp_path):
    m = Machine(tmp_path, fresh=True)
    proc = m.run("--dry-run", "--test")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "would run: dpkg --add-architecture i386" in out
    install_lines = [ln.split("install", 1)[1].split() for ln in out.splitlines()
                     if "would run: apt-get install" in ln]
    (line,) = install_lines                       # one apt-get call, Wine included
    assert set(line) == MAIN_PACKAGES | TEST_PACKAGES | set(WINE_PACKAGES)
    assert "pip install -e '.[test]'" in out
    assert m.calls() == ["dpkg --print-foreign-architectures"]     # reads only


def test_fresh_machine_install(tmp_path):
    m = Machine(tmp_path, fresh=True)
    before = real_prefs_listing()
    proc = m.run("--test", "--no-venv")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    calls = m.calls()
    assert calls[0] == "dpkg --print-foreign-architectures"
    assert calls[1] == "dpkg --add-architecture i386"
    assert calls[2] == "apt-get update -q"
    (everything,) = m.installs()
    assert set(everything) == MAIN_PACKAGES | TEST_PACKAGES | set(WINE_PACKAGES)
    assert not any("Preferences" in c for c in calls)         # no pin when none is needed
    assert sorted(p.name for p in m.prefs_d.iterdir()) == ["someone-elses-pin"]
    assert not (tmp_path / "etc-apt" / "preferences").exists()
    assert real_prefs_listing() == before
    assert m.leftovers() == []


def test_i386_already_enabled_is_not_added_again(tmp_path):
    m = Machine(tmp_path, fresh=True, archs="i386\n")
    proc = m.run("--wine", "--no-venv")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "dpkg --add-architecture i386" not in m.calls()
    (everything,) = m.installs()
    assert set(everything) == MAIN_PACKAGES | set(WINE_PACKAGES)


def test_lagging_i386_security_index_gets_a_pin_for_that_install_only(tmp_path):
    m = Machine(tmp_path, fresh=True, mode="lag", archs="i386\n")
    before = real_prefs_listing()
    proc = m.run("--wine", "--no-venv")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    first, retry = [c for c in m.calls() if " install " in f" {c} "]
    assert "Preferences" not in first and first.endswith(" wine wine32:i386")
    # the same install again, with the pin given to that command
    assert retry.replace(retry[retry.index(" -o "):retry.index(" install ")], "") == first
    assert "the i386 security index lags amd64's" in proc.stdout
    assert "for this command only" in proc.stdout
    # the preferences file apt got: valid for apt, security suite at 100, gone afterwards
    used = (tmp_path / "preferences-used").read_text()
    assert "Pin: release l=Debian-Security\nPin-Priority: 100" in used
    assert not Path((tmp_path / "preferences-path").read_text().strip()).exists()
    check = subprocess.run(["apt-cache", "policy", "-o",
                            f"Dir::Etc::Preferences={tmp_path / 'preferences-used'}"],
                           capture_output=True, text=True)
    assert check.returncode == 0 and "E:" not in check.stderr, check.stderr
    assert sorted(p.name for p in m.prefs_d.iterdir()) == ["someone-elses-pin"]
    assert real_prefs_listing() == before
    assert m.leftovers() == []


def test_retry_keeps_the_machines_own_preferences_file(tmp_path):
    m = Machine(tmp_path, fresh=True, mode="lag", archs="i386\n")
    own = "Package: bar\nPin: version 2*\nPin-Priority: 990\n"
    (tmp_path / "etc-apt" / "preferences").write_text(own)
    proc = m.run("--wine", "--no-venv")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / "preferences-used").read_text().startswith(own)
    assert (tmp_path / "etc-apt" / "preferences").read_text() == own


def test_other_wine_failures_are_not_retried(tmp_path):
    m = Machine(tmp_path, fresh=True, mode="nopkg", archs="i386\n")
    proc = m.run("--wine", "--no-venv")
    assert proc.returncode == 1
    assert "apt-get could not install" in proc.stderr and "wine32:i386" in proc.stderr
    assert not any("Preferences" in c for c in m.calls())
    assert len(m.installs()) == 1


def test_main_job_install_never_gets_a_pin(tmp_path):
    m = Machine(tmp_path, fresh=True, mode="broken")
    proc = m.run("--no-venv")
    assert proc.returncode == 1 and "setup: error: apt-get could not install" in proc.stderr
    assert len(m.installs()) == 1 and not any("Preferences" in c for c in m.calls())
    assert not any("i386" in c for c in m.calls())


def test_retry_that_fails_too_is_an_error(tmp_path):
    m = Machine(tmp_path, fresh=True, mode="lag-forever", archs="i386\n")
    proc = m.run("--wine", "--no-venv")
    assert proc.returncode == 1
    assert "even with the security suite held back" in proc.stderr
    assert m.leftovers() == []


def test_leftover_pin_of_earlier_versions_is_removed(tmp_path):
    m = Machine(tmp_path, fresh=False)
    old = m.prefs_d / "llama98-security-pin"
    old.write_text("Package: *\nPin: release l=Debian-Security\nPin-Priority: 100\n")
    proc = m.run("--dry-run")
    assert proc.returncode == 0 and old.exists()
    assert f"would remove {old}" in proc.stdout
    proc = m.run("--no-venv")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not old.exists()
    assert "an earlier version of this script wrote it" in proc.stdout
    assert sorted(p.name for p in m.prefs_d.iterdir()) == ["someone-elses-pin"]


def test_everything_installed_means_no_apt_call(tmp_path):
    """On a machine with every tool (this one after setup.sh --test), nothing is run."""
    tools = ["i686-w64-mingw32-gcc", "i686-w64-mingw32-dlltool", "gcc", "tcc", "pcc",
             "csmith", "valgrind", "wine", "shellcheck", "curl", "xz"]
    missing = [t for t in tools if not shutil.which(t)]
    if missing:
        pytest.skip(f"not every tool is installed here ({', '.join(missing)})")
    m = Machine(tmp_path, fresh=False)
    proc = m.run("--test", "--no-venv")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "everything needed is installed" in proc.stdout
    assert m.calls() == []


# ---------------------------------------------------------------- .ci/run

def test_ci_run_sets_up_with_the_test_flag_and_fails_on_failure():
    text = CI_RUN.read_text()
    assert "bash scripts/setup.sh --test" in text
    assert "set -euo pipefail" in text
    assert os.access(CI_RUN, os.X_OK) and os.access(SETUP, os.X_OK)


def test_ci_run_exit_status(tmp_path):
    """.ci/run's own logic, on a copy whose setup and test suite are stand-ins."""
    repo = tmp_path / "repo"
    (repo / ".ci").mkdir(parents=True)
    (repo / "scripts").mkdir()
    (repo / ".venv" / "bin").mkdir(parents=True)
    shutil.copy(CI_RUN, repo / ".ci" / "run")
    (repo / "scripts" / "setup.sh").write_text('echo "setup $*" >>"$CI_LOG"\n')
    (repo / ".venv" / "bin" / "python").write_text(textwrap.dedent("""\
        #!/bin/sh
        echo "python $*" >>"$CI_LOG"
        exit "$PYTEST_RC"
        """))
    (repo / ".venv" / "bin" / "python").chmod(0o755)
    log = tmp_path / "log"
    for rc, says in [(0, ""), (1, ""), (5, "pytest ran no test")]:
        log.write_text("")
        env = {**os.environ, "CI_LOG": str(log), "PYTEST_RC": str(rc)}
        proc = subprocess.run(["bash", str(repo / ".ci" / "run")], env=env, capture_output=True,
                              text=True, stdin=subprocess.DEVNULL)
        assert proc.returncode == rc, proc.stderr
        assert says in proc.stderr
        calls = log.read_text().splitlines()
        assert calls[0] == "setup --test"
        assert calls[1].startswith("python -m pytest") and calls[1].endswith(" tests")
    # a failing set-up stops it before the tests
    (repo / "scripts" / "setup.sh").write_text('echo "setup $*" >>"$CI_LOG"; exit 3\n')
    log.write_text("")
    proc = subprocess.run(["bash", str(repo / ".ci" / "run")],
                          env={**os.environ, "CI_LOG": str(log), "PYTEST_RC": "0"},
                          capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert proc.returncode == 3 and log.read_text().splitlines() == ["setup --test"]


def test_venv_is_reinstalled_only_when_needed(tmp_path):
    """.venv/.llama98-setup records pyproject.toml's sha256 and the extras installed."""
    import hashlib
    m = Machine(tmp_path, fresh=False)
    venv_bin = m.repo / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    for name in ("python", "llama98"):
        (venv_bin / name).write_text("#!/bin/sh\necho llama98 0.0-test\n")
        (venv_bin / name).chmod(0o755)
    digest = hashlib.sha256((m.repo / "pyproject.toml").read_bytes()).hexdigest()
    stamp = m.repo / ".venv" / ".llama98-setup"

    def venv_line(*args):
        proc = m.run("--dry-run", *args)
        assert proc.returncode == 0, proc.stderr
        return [ln for ln in proc.stdout.splitlines() if ".venv" in ln]

    stamp.write_text(f"{digest} .\n")
    assert venv_line() == ["setup: .venv: llama98 is installed and pyproject.toml has not changed"]
    assert venv_line("--test") == ["setup: would run: .venv/bin/python -m pip install -e '.[test]'"]
    stamp.write_text(f"{digest} .[test]\n")
    assert "is installed" in venv_line()[0] and "is installed" in venv_line("--test")[0]
    stamp.write_text(f"{'0' * 64} .[test]\n")                      # pyproject.toml changed
    assert venv_line() == ["setup: would run: .venv/bin/python -m pip install -e '.'"]
