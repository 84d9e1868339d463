"""invoke tasks made from the command lines' own parsers: one set of options.

Each task's options are generated from the argparse parser of the command it runs
(``llama98 build``/``audit``/``targets``/``doctor``, ``c89port``, ``llama98-bench``, and the
test runner's parser below): the same long names, the same short flags, the same help.
The task turns what invoke parsed back into that command's argument list and runs the
command in-process, so ``invoke build -o out --model m.bin`` is ``llama98 build -o out
--model m.bin``.

    invoke --list                      in the repository (tasks.py there loads this module)
    llama98-tasks --list               anywhere, once the package is installed

Positional arguments stay positional; one that takes several values (``port``'s files)
takes them comma-separated: ``invoke port a.c,b.c -o out``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path
from typing import Callable

from invoke import Collection, Exit, Program, Task
from invoke.parser import Argument

from . import __version__

ROOT = Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------- parser -> task

def _long(action: argparse.Action) -> str | None:
    return next((s[2:] for s in action.option_strings if s.startswith("--")), None)


def _short(action: argparse.Action) -> str | None:
    return next((s[1:] for s in action.option_strings
                 if len(s) == 2 and s[0] == "-" and s[1] != "-"), None)


def task_actions(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    """The parser's options and positionals a task exposes (not --help / --version)."""
    return [a for a in parser._actions
            if not isinstance(a, (argparse._HelpAction, argparse._VersionAction))]


def _names(action: argparse.Action) -> list[str]:
    """invoke's names for an option: its long name, then its short flag."""
    if not action.option_strings:                       # a positional
        return [action.dest.replace("_", "-")]
    return [n for n in (_long(action), _short(action)) if n]


def _argument(action: argparse.Action) -> Argument:
    names = _names(action)
    if isinstance(action, (argparse._StoreTrueAction, argparse._StoreFalseAction)):
        kind, default = bool, action.default
    elif isinstance(action, argparse._AppendAction):
        kind, default = list, []
    elif action.type is int:
        kind, default = int, action.default
    else:
        kind = str
        default = None if action.default is None else str(action.default)
    help_text = (action.help or "").replace("%(default)s", str(action.default))
    if action.choices:
        help_text += " (one of: " + ", ".join(map(str, action.choices)) + ")"
    if not action.option_strings and action.nargs in ("+", "*"):
        help_text += " (several: comma-separated)"
    # no attr_name: invoke's help needs the name to be a flag; values come back keyed by
    # names[0], which argv_from maps to the option again
    return Argument(names=names, kind=kind, default=default, help=help_text,
                    positional=not action.option_strings)


def argv_from(parser: argparse.ArgumentParser, values: dict) -> list[str]:
    """The command line that gives ``parser`` these values (invoke's, keyed by first name)."""
    def opt(flag: str, value) -> str:        # "--long=value" / "-Xvalue": safe for "-D..."
        return f"{flag}={value}" if flag.startswith("--") else f"{flag}{value}"

    positionals, options = [], []
    for action in task_actions(parser):
        value = values.get(_names(action)[0])
        flag = next((s for s in action.option_strings if s.startswith("--")),
                    action.option_strings[0] if action.option_strings else None)
        if not action.option_strings:
            if value not in (None, ""):
                items = [v for v in str(value).split(",") if v] \
                    if action.nargs in ("+", "*") else [str(value)]
                positionals += items
        elif isinstance(action, argparse._StoreTrueAction):
            if value:
                options.append(flag)
        elif isinstance(action, argparse._AppendAction):
            for item in value or []:
                options.append(opt(flag, item))
        elif value is not None and value != action.default and \
                str(value) != str(action.default):
            options.append(opt(flag, value))
    return options + positionals


class ParserTask(Task):
    """An invoke task whose arguments are an argparse parser's."""

    def __init__(self, name: str, make_parser: Callable[[], argparse.ArgumentParser],
                 run: Callable[[list[str]], int], doc: str) -> None:
        def body(c, **values):
            code = run(argv_from(self.parser(), values))
            if code:
                raise Exit(code=code)
        body.__name__ = name
        body.__doc__ = doc
        super().__init__(body, name=name, positional=[], auto_shortflags=False)
        self._make_parser = make_parser

    def parser(self) -> argparse.ArgumentParser:
        return self._make_parser()

    def get_arguments(self, ignore_unknown_help=None) -> list[Argument]:
        args = [_argument(a) for a in task_actions(self.parser())]
        return [a for a in args if a.positional] + [a for a in args if not a.positional]


# ---------------------------------------------------------------- the commands

def _llama98_parser(command: str) -> argparse.ArgumentParser:
    from .cli import PROG, subcommands
    spec = subcommands()[command]
    parser = argparse.ArgumentParser(prog=f"{PROG} {command}", description=spec["description"])
    spec["arguments"](parser)
    return parser


def _run_llama98(command: str) -> Callable[[list[str]], int]:
    def run(argv: list[str]) -> int:
        from .cli import main
        return main([command, *argv])
    return run


def _c89port_parser() -> argparse.ArgumentParser:
    from .c89.cli import build_parser, load_targets
    return build_parser(load_targets())


def _run_c89port(argv: list[str]) -> int:
    from .cli import c89port_main
    return c89port_main(argv)


def _bench_parser() -> argparse.ArgumentParser:
    from .bench import make_parser
    return make_parser()


def _run_bench(argv: list[str]) -> int:
    from .bench import main
    return main(argv)


def test_parser() -> argparse.ArgumentParser:
    """``invoke test``: pytest on the repository's tests/ with the project's markers."""
    p = argparse.ArgumentParser(prog="invoke test", description="Run the test suite.")
    p.add_argument("-k", metavar="EXPR", dest="k",
                   help="only tests matching this expression (pytest -k)")
    p.add_argument("--fast", action="store_true", help="skip the slow end-to-end builds")
    p.add_argument("-x", "--exitfirst", action="store_true", help="stop at the first failure")
    return p


def _run_tests(argv: list[str]) -> int:
    args = test_parser().parse_args(argv)
    tests = ROOT / "tests"
    if not tests.is_dir():
        print("llama98: error: the tests are in the llama98 repository (tests/), not in the "
              "installed package; run `invoke test` in a checkout", file=sys.stderr)
        return 2
    cmd = [sys.executable, "-m", "pytest", "-ra", str(tests)]
    if args.k:
        cmd += ["-k", args.k]
    if args.fast:
        cmd += ["-m", "not slow"]
    if args.exitfirst:
        cmd.append("-x")
    return subprocess.run(cmd, cwd=ROOT).returncode


TASKS = {
    "build": (lambda: _llama98_parser("build"), _run_llama98("build"),
              "Build dist/<target>/: upstream llama2.c -> strict C89 -> audited Windows 98 EXE."),
    "audit": (lambda: _llama98_parser("audit"), _run_llama98("audit"),
              "Check an executable against a target's CPU, PE-header and API limits."),
    "port": (_c89port_parser, _run_c89port,
             "Rewrite C99 sources into strict C89 (comments, layout and macros kept)."),
    "targets": (lambda: _llama98_parser("targets"), _run_llama98("targets"),
                "List the targets (ISA ceilings, API floors) and the compilers."),
    "doctor": (lambda: _llama98_parser("doctor"), _run_llama98("doctor"),
               "Show which tools are installed and what works here."),
    "test": (test_parser, _run_tests,
             "Run the test suite (real MinGW, Wine, tcc, pcc; nothing mocked)."),
    "bench": (_bench_parser, _run_bench,
              "Print speed figures: C89 port lines/s, audit speed, build time, tok/s under Wine."),
}


def make_collection() -> Collection:
    ns = Collection()
    for name, (make_parser, run, doc) in TASKS.items():
        ns.add_task(ParserTask(name, make_parser, run, doc))
    return ns


namespace = make_collection()


def main() -> None:
    """``llama98-tasks``: the invoke tasks, from any folder (no tasks.py needed)."""
    try:
        Program(namespace=namespace, version=__version__, name="llama98 tasks",
                binary="llama98-tasks").run()
    except BrokenPipeError:            # `llama98-tasks --list | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
