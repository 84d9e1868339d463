"""One option set: the invoke tasks and the command lines agree; --version, targets, doctor;
missing tools and unexpected failures are one-line errors."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support import ROOT
from toolchain import __version__, tasks


def run(*cmd, cwd: Path = ROOT, env: dict | None = None) -> subprocess.CompletedProcess:
    env = dict(env or os.environ)
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, cwd=cwd,
                          env=env)


def invoke(*args, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return run(sys.executable, "-m", "invoke", *args, cwd=cwd)


def flags_of_parser(parser: argparse.ArgumentParser) -> set[str]:
    out = set()
    for action in parser._actions:
        if isinstance(action, (argparse._HelpAction, argparse._VersionAction)):
            continue
        out.update(action.option_strings or ["--" + action.dest.replace("_", "-")])
    return out


def flags_in_invoke_help(text: str) -> set[str]:
    options = text.split("Options:", 1)[1]
    return set(re.findall(r"(?<![\w-])(--?[A-Za-z][\w-]*)", "\n".join(
        line.split("  ")[1] if line.startswith("  ") and len(line.split("  ")) > 1 else ""
        for line in options.splitlines())))


@pytest.mark.parametrize("name", sorted(tasks.TASKS))
def test_invoke_task_options_are_the_commands_options(name):
    """`invoke --help TASK` (invoke's own parser, as a user sees it) lists exactly the
    long names and short flags of the command line the task runs."""
    make_parser, _run, _doc = tasks.TASKS[name]
    proc = invoke("--help", name)
    assert proc.returncode == 0, proc.stderr
    shown = flags_in_invoke_help(proc.stdout) if "Options:" in proc.stdout else set()
    assert shown == flags_of_parser(make_parser()), proc.stdout


def test_the_commands_parsers_are_the_tasks_parsers():
    """The task table reads the same parsers the commands use (no second definition)."""
    from toolchain.c89.cli import build_parser, load_targets
    from toolchain.cli import make_parser
    top = make_parser()
    sub = next(a for a in top._actions if isinstance(a, argparse._SubParsersAction))
    for name in ("build", "audit", "targets", "doctor"):
        assert flags_of_parser(sub.choices[name]) == \
            flags_of_parser(tasks.TASKS[name][0]()), name
    assert flags_of_parser(build_parser(load_targets())) == flags_of_parser(tasks.TASKS["port"][0]())


def test_short_flags_mean_the_same_everywhere():
    """A short flag names one long option in every command that has it (-j is --jobs,
    -o an output folder, -t --target, -v --verbose ...)."""
    meaning: dict[str, set[str]] = {}
    for name, (make_parser, _r, _d) in tasks.TASKS.items():
        for action in make_parser()._actions:
            shorts = [s for s in action.option_strings if len(s) == 2]
            longs = [s for s in action.option_strings if s.startswith("--")]
            for s in shorts:
                meaning.setdefault(s, set()).update(longs or [s])
    outputs = {"--output", "--dist"}
    for short, longs in meaning.items():
        if short == "-o":
            assert longs <= outputs, longs
        elif short not in ("-h",):
            assert len(longs) == 1, (short, longs)


def test_invoke_port_takes_c89port_options(tmp_path):
    (tmp_path / "a.c").write_text("int main(void) { for (int i = 0; i < 2; i++) {} return 0; }\n")
    (tmp_path / "b.c").write_text("// hello\nint f(void) { return 1; }\n")
    proc = invoke("-r", ROOT, "port", "a.c,b.c", "-j", "2", "-o", "out", "-D", "X=1",
                  "-I", tmp_path, "--config", "", "--config", "-DY", "--progress", "never",
                  cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    direct = run(sys.executable, "-m", "toolchain.cli", "port", "a.c", "b.c", "-o", "direct",
                 cwd=tmp_path)
    assert direct.returncode == 0, direct.stderr
    for name in ("a.c", "b.c"):
        assert (tmp_path / "out" / name).read_text() == (tmp_path / "direct" / name).read_text()
    assert "int i;" in (tmp_path / "out" / "a.c").read_text()


def test_invoke_failure_keeps_the_exit_status(tmp_path):
    (tmp_path / "a.c").write_text("int main(void) { for (int i = 0; i < 2; i++) {} return 0; }\n")
    proc = invoke("-r", ROOT, "port", "a.c", "--check", cwd=tmp_path)
    assert proc.returncode == 1 and "needs porting" in proc.stdout


def test_llama98_tasks_works_from_any_folder(tmp_path):
    """Outside the repository there is no tasks.py: the installed llama98-tasks has them."""
    exe = Path(sys.executable).parent / "llama98-tasks"
    if not exe.exists():
        pytest.skip(f"{exe} not installed (pip install -e . makes it)")
    proc = run(exe, "--list", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    for name in tasks.TASKS:
        assert re.search(rf"^\s+{name}\b", proc.stdout, re.M), proc.stdout
    proc = run(exe, "targets", cwd=tmp_path)
    assert proc.returncode == 0 and "win98-p2" in proc.stdout
    assert list(tmp_path.iterdir()) == []


def test_versions():
    for cmd in (["toolchain.cli", "--version"], ["toolchain.cli", "port", "--version"]):
        proc = run(sys.executable, "-m", *cmd)
        assert proc.returncode == 0 and __version__ in proc.stdout, proc.stderr
    proc = run(sys.executable, "-c", "import sys; from toolchain.cli import c89port_main; "
                                     "sys.exit(c89port_main(['--version']))")
    assert proc.returncode == 0 and proc.stdout.strip() == f"c89port {__version__}"


def test_build_help_lists_targets_and_compilers():
    proc = run(sys.executable, "-m", "toolchain.cli", "build", "--help")
    text = " ".join(proc.stdout.split())
    for word in ("win98-p2", "win95-486", "win98-p6", "mingw", "openwatcom", "borland",
                 "--require-pinned", "-o DIR, --dist DIR"):
        assert word in text, word


def test_targets_lists_ceilings_and_compilers():
    from toolchain.compilers import DRIVERS
    from toolchain.targets import load_target, target_names
    proc = run(sys.executable, "-m", "toolchain.cli", "targets")
    assert proc.returncode == 0
    for name in target_names():
        t = load_target(name)
        assert f"ISA ceiling  {t.isa}: {t.isa_description}" in proc.stdout
        assert f"API floor    Windows {t.api_floor}" in proc.stdout
    for name in DRIVERS:
        assert re.search(rf"^  {name}\s", proc.stdout, re.M), name


def _path_without(*programs: str) -> str:
    """A PATH with links to every program of the real PATH except ``programs``."""
    return os.pathsep.join(d for d in os.environ.get("PATH", "").split(os.pathsep)
                           if d and not any((Path(d) / p).exists() for p in programs))


def _bin_without(tmp_path: Path, *programs: str) -> str:
    """A folder of links to python and the basic tools, without ``programs``."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for tool in ("gcc", "cpp", "i686-w64-mingw32-gcc", "i686-w64-mingw32-dlltool",
                 "i686-w64-mingw32-ar", "wine", "tcc", "pcc", "csmith", "uname"):
        path = shutil.which(tool)
        if path and tool not in programs:
            (bindir / tool).symlink_to(path)
    return str(bindir)


def test_doctor_lists_tools_with_versions(tmp_path):
    proc = run(sys.executable, "-m", "toolchain.cli", "doctor", cwd=tmp_path)
    assert "Programs" in proc.stdout and "What works here" in proc.stdout
    gcc = shutil.which("gcc")
    if gcc:
        assert re.search(r"^  ok\s+gcc\s+\S*gcc\s+\(gcc", proc.stdout, re.M), proc.stdout
    assert list(tmp_path.iterdir()) == []           # csmith -v writes no platform.info here
    env = dict(os.environ, PATH=_bin_without(tmp_path, "i686-w64-mingw32-gcc", "wine"))
    env.pop("WATCOM", None)
    proc = run(sys.executable, "-m", "toolchain.cli", "doctor", cwd=tmp_path, env=env)
    assert proc.returncode == 1                       # the default build cannot run
    assert re.search(r"^  missing\s+mingw-gcc\s+i686-w64-mingw32-gcc: install .*"
                     r"gcc-mingw-w64-i686", proc.stdout, re.M), proc.stdout
    assert re.search(r"^  missing\s+wine\b.*wine32:i386", proc.stdout, re.M)
    assert re.search(r"^  no\s+llama98 build \(MinGW-w64.*missing: mingw-gcc", proc.stdout, re.M)


@pytest.mark.parametrize("command", [["toolchain.cli", "build", "--offline"],
                                     ["toolchain.cli", "port", "x.c", "--check"]],
                         ids=["build", "c89port"])
def test_missing_host_gcc_is_one_line_naming_the_package(command, tmp_path):
    (tmp_path / "x.c").write_text("int x;\n")
    env = dict(os.environ, PATH=_bin_without(tmp_path, "gcc", "cpp"))
    proc = run(sys.executable, "-m", *command, cwd=tmp_path, env=env)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "gcc not found" in lines[0] and "apt-get install gcc" in lines[0]


@pytest.mark.parametrize("exc,words", [
    (PermissionError(13, "Permission denied", "/some/file"), ["/some/file", "Permission denied"]),
    (ValueError("something odd"), ["internal error", "ValueError", "LLAMA98_DEBUG"]),
], ids=["oserror", "bug"])
def test_last_resort_at_the_cli_boundary(exc, words, monkeypatch, capsys):
    import toolchain.cli as cli

    def boom():
        raise exc
    monkeypatch.setattr(cli, "targets_text", boom)
    monkeypatch.delenv("LLAMA98_DEBUG", raising=False)
    code = cli.main(["targets"])
    err = capsys.readouterr().err
    assert code != 0
    assert len(err.strip().splitlines()) == 1 and err.startswith("llama98: error: ")
    for word in words:
        assert word in err
